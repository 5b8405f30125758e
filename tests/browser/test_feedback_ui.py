"""Browser test: launch an RL-CAI feedback run and watch its pairs arrive."""

import re

import pytest
from playwright.sync_api import expect

from alignment.constitution import from_yaml
from webapp.constitutions import services
from webapp.constitutions.shipped import PRINCIPLES_DIR
from webapp.feedback.models import PreferencePair
from webapp.jobs.models import Job

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_operator_launches_a_feedback_run_and_sees_its_pairs(login, live_server, worker, small_set, make_user):
    c = services.create(make_user("editor", "author"), from_yaml((PRINCIPLES_DIR / "hhh-comparison.yaml").read_bytes()))
    page = login("operator")
    page.click("text=Feedback run")
    page.select_option("select[name=prompt_set]", label=small_set.name)
    page.select_option("select[name=constitution_version]", label=f"{c.name} v1")
    page.select_option("select[name=method]", "rl_cai")
    expect(page.locator("#judge-preview-panel")).to_contain_text("Say hello.")  # the set's first prompt
    expect(page.locator("#judge-preview-panel")).to_contain_text("Order 2: (A) = response B")
    preview = re.compile(rf"/constitutions/version/{c.head_id}/preview/\?method=rl_cai")
    expect(page.locator("#judge-preview")).to_have_attribute("href", preview)
    page.fill("input[name=limit]", "2")
    page.fill("input[name=max_new_tokens]", "12")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/jobs/\d+/$"))
    expect(page.locator("#job-live [data-field=status]")).to_have_text("succeeded", timeout=240_000)
    job = Job.objects.latest("id")
    expect(page.locator("#pair-rows tr")).to_have_count(2)
    pair = PreferencePair.objects.filter(job=job).first()
    expect(page.locator("#pair-rows")).to_contain_text(pair.chosen[:30])
    page.goto(f"{live_server.url}/constitutions/{c.pk}/")
    expect(page.locator("text=Where v1 is used")).to_be_visible()
    expect(page.locator(f"a[href='/jobs/{job.pk}/']")).to_be_visible()
