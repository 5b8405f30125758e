"""Launching a training run from the browser and watching it to the registered model."""

import re

from playwright.sync_api import expect

from webapp.jobs.models import Job


def test_an_operator_launches_a_training_run_and_watches_it_finish(login, live_server, worker, dataset, model_name):
    d, name = dataset(), model_name("ui")
    page = login("operator")
    page.click("nav >> text=Training")
    page.click("#new-training")
    page.fill("input[name=name]", name)
    page.select_option("select[name=dataset]", str(d.pk))
    page.select_option("select[name=method]", "sft")
    for field, value in {"max_steps": "2", "batch_size": "2", "max_length": "64"}.items():
        page.fill(f"input[name={field}]", value)
    expect(page.locator("#resolved-config")).to_contain_text("learning_rate: 2.0e-05")  # SFT's default, resolved
    expect(page.locator("#resolved-config")).to_contain_text("max_steps: 2")
    page.fill("input[name=learning_rate]", "5")
    expect(page.locator("#config-preview")).to_contain_text("learning_rate is out of range")
    page.fill("input[name=learning_rate]", "0")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/jobs/\d+/$"))
    expect(page.locator("#job-live [data-field=status]")).to_have_text("succeeded", timeout=240_000)
    expect(page.locator("#metrics-chart .main-svg").first).to_be_visible()
    expect(page.locator("#metrics-chart")).to_contain_text("loss")
    expect(page.locator("#trained-model-name")).to_have_text(name)
    job = Job.objects.get(kind="train")
    page.click("nav >> text=Training")
    expect(page.locator("#model-rows")).to_contain_text(name)
    page.check(f"input[name=job][value='{job.pk}']")
    page.click("text=Compare selected")
    expect(page.locator("#compare-chart .main-svg").first).to_be_visible()
    expect(page.locator("#config-diff")).to_contain_text("learning_rate")
