"""Browser test: import a human set split in two, read the judge leaderboard and a judge's
report with its charts, recommend a judge, and find given pairs on the launch forms."""

import json
import re

import pytest
from playwright.sync_api import expect

from tests.webapp.feedback.test_judges import judged_run
from webapp.jobs.models import Job

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_team_measures_judges_on_a_human_set_and_recommends_one(login, live_server, pair_run, tmp_path):
    page = login("operator")
    upload = tmp_path / "people.jsonl"  # 40 pairs: enough that kappa is defined whatever the pair ids
    upload.write_text("".join(json.dumps({"prompt": f"Question {i}?", "chosen": f"A careful answer {i}.",
                                          "rejected": f"No {i}."}) + "\n" for i in range(40)))
    page.goto(f"{live_server.url}/pairs/import/")
    page.fill("input[name=name]", "people")
    page.set_input_files("input[name=file]", str(upload))
    page.check("input[name=split]")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/pairs/\?run=\d+"))
    parts = {j.config["part"]: j for j in Job.objects.filter(kind="import", config__human_set="people")}
    assert set(parts) == {"calibration", "test"}
    good = judged_run(pair_run["version"], parts["calibration"], lambda i: 0.9)
    weak = judged_run(pair_run["version"], parts["calibration"], lambda i: 0.6 if i % 2 else 0.4,
                      judge_model="weak-judge")

    page.click("nav >> text=Judges")
    rows = page.locator("#judge-leaderboard tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("smollm2-135m-instruct")
    expect(rows.nth(1)).to_contain_text("weak-judge")
    rows.nth(1).locator("button", has_text="Recommend").click()
    expect(page.locator("#judge-leaderboard tbody tr.recommended")).to_contain_text("weak-judge")

    page.click(f"a[href='/feedback/judges/{good.pk}/']")
    expect(page.locator("#judge-overall")).to_contain_text("all principles")
    expect(page.locator("#chart-reliability .main-svg").first).to_be_visible()
    expect(page.locator("#calibration")).to_contain_text("Temperatures fitted on")

    page.click("nav >> text=Feedback run")
    expect(page.locator("#recommended-judge")).to_be_visible()
    expect(page.locator("input[name=judge_model]")).to_have_value("weak-judge")
    options = page.locator("select[name=pairs_from] option")
    expect(options.filter(has_text="people (calibration)")).to_have_count(1)
    assert weak.pk != good.pk
