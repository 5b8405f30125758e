"""Browser tests: log in, launch a sampling job, watch it live, cancel, browse prompt sets."""

import re

import pytest
from playwright.sync_api import expect

from webapp.jobs.models import Job
from webapp.prompts.models import Response

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def launch(page, live_server, prompt_set, limit: str, max_tokens: str, batch: str = "2"):
    page.click("text=Sample responses")
    page.select_option("select[name=prompt_set]", label=prompt_set.name)
    page.fill("input[name=limit]", limit)
    page.fill("input[name=n]", "1")
    page.fill("input[name=max_new_tokens]", max_tokens)
    page.fill("input[name=batch_size]", batch)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/jobs/\d+/$"))
    return Job.objects.latest("id")


def test_an_operator_launches_sampling_and_watches_it_finish(login, live_server, worker, small_set):
    page = login("operator")
    job = launch(page, live_server, small_set, limit="2", max_tokens="12")
    expect(page.locator("#job-live [data-field=status]")).to_have_text("succeeded", timeout=180_000)
    rows = page.locator("#response-rows tr")
    expect(rows).to_have_count(2)
    texts = [Response.objects.get(job=job, prompt__key=k).text for k in ("p0", "p1")]
    for text in texts:
        expect(page.locator("#response-rows")).to_contain_text(text.split("\n")[0][:40])
    expect(page.locator("#metrics-chart .plot-container")).to_be_visible()
    page.click("text=Jobs")
    row = page.locator(f"tr[data-job='{job.pk}']")
    expect(row.locator(".pill")).to_have_text("succeeded")


def test_the_cancel_button_stops_a_running_job(login, live_server, worker, long_set):
    page = login("operator")
    job = launch(page, live_server, long_set, limit="12", max_tokens="400", batch="1")
    expect(page.locator("#job-live [data-field=status]")).to_have_text("running", timeout=60_000)
    page.click("#cancel-button")
    expect(page.locator("#job-live [data-field=status]")).to_have_text("cancelled", timeout=30_000)
    expect(page.locator("#retry-button")).to_be_visible()
    assert Job.objects.get(pk=job.pk).status == "cancelled"


def test_the_jobs_list_updates_without_a_reload(login, live_server):
    page = login("viewer")
    page.click("nav >> text=Jobs")
    page.wait_for_url(f"{live_server.url}/jobs/")
    job = Job.objects.create(kind="sample", config={}, status="queued")
    row = page.locator(f"tr[data-job='{job.pk}'] .pill")
    expect(row).to_have_text("queued", timeout=10_000)
    Job.objects.filter(pk=job.pk).update(status="running", progress_done=3, progress_total=4)
    expect(row).to_have_text("running", timeout=10_000)
    expect(page.locator(f"tr[data-job='{job.pk}'] .progress span")).to_have_text("3/4")


def test_a_viewer_sees_prompt_sets_but_no_launch_controls(login, live_server, small_set):
    page = login("viewer")
    expect(page.locator("nav")).not_to_contain_text("Sample responses")
    page.click("text=Prompt sets")
    page.click(f"text={small_set.name}")
    expect(page.locator("table")).to_contain_text("Name a fruit.")
    expect(page.locator("a.button")).to_have_count(0)


def test_login_with_a_wrong_password_is_refused(page, live_server, make_user):
    make_user("viewer")
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "viewer-user")
    page.fill("input[name=password]", "wrong")
    page.click("button[type=submit]")
    expect(page.locator(".error")).to_contain_text("didn't match")
