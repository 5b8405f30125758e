"""Launching a training run from the browser and watching it to the registered model."""

import re

from playwright.sync_api import expect

from webapp.jobs.models import Job


def test_an_operator_launches_a_training_run_and_watches_it_finish(login, live_server, worker, dataset, model_name):
    d, name = dataset(kind="sft"), model_name("ui")  # SL-CAI revisions exported as SFT records: SL-CAI -> SFT
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
    expect(page.locator("#resolved-config")).to_contain_text("# memory: at least")
    page.fill("input[name=learning_rate]", "5")
    expect(page.locator("#config-preview")).to_contain_text("learning_rate must be between")
    page.fill("input[name=learning_rate]", "0")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/jobs/\d+/$"))
    expect(page.locator("#job-live [data-field=status]")).to_have_text("succeeded", timeout=240_000)
    expect(page.locator("#job-live")).to_have_attribute("data-finished", "1")  # the final panels are in
    expect(page.locator("#metrics-chart .main-svg").first).to_be_visible()
    # The method's own metric leads, bookkeeping comes last (plotly names the panels' titles ytitle,
    # y2title, ...); checked in one step, since the page redraws the chart once more as the job ends.
    page.wait_for_function("""() => {
        const titles = document.querySelectorAll("#metrics-chart text[class^=y][class$=title]");
        const first = document.querySelector("#metrics-chart .ytitle");
        const last = document.querySelector("#metrics-chart .y" + titles.length + "title");
        return titles.length > 1 && first && first.textContent === "loss" && last && last.textContent === "memory_mb";
    }""")
    expect(page.locator("#metric-numbers")).to_contain_text("total_flos = ")  # reported once: a number, not a plot
    expect(page.locator("#metrics-chart")).not_to_contain_text("total_flos")
    expect(page.locator("#trained-model-name")).to_have_text(name)
    job = Job.objects.get(kind="train")
    page.click("nav >> text=Training")
    expect(page.locator("#model-rows")).to_contain_text(name)
    page.check(f"input[name=job][value='{job.pk}']")
    page.click("text=Compare selected")
    expect(page.locator("#compare-chart .main-svg").first).to_be_visible()
    expect(page.locator("#config-diff")).to_contain_text("learning_rate")


def test_the_leaderboard_and_the_evaluation_and_loop_forms_work_in_the_browser(login, live_server, small_set):
    from webapp.training.models import Evaluation

    Evaluation.objects.create(kind="win_rate", model="<b>bold-model</b>", baseline="base", judge="judge", score=0.75,
                              ci_low=0.5, ci_high=1.0, n=4, result={"wins": 3, "ties": 0, "losses": 1})
    page = login("operator")
    page.click("nav >> text=Leaderboard")
    expect(page.locator("#leaderboard")).to_contain_text("<b>bold-model</b>")  # user text stays text
    expect(page.locator("#leaderboard")).to_contain_text("3 / 0 / 1")
    expect(page.locator("#leaderboard .leaderboard-group")).to_have_count(1)
    page.click("#new-evaluation")
    page.select_option("select[name=kind]", "win_rate")
    page.fill("input[name=model]", "smollm2-135m-instruct")
    page.click("button[type=submit]")
    expect(page.locator(".errorlist, .flash.error").first).to_contain_text("needs held-out prompts")
    page.goto(f"{live_server.url}/training/")
    page.click("#new-self-rewarding")
    page.fill("input[name=name]", "ui-loop")
    page.select_option("select[name=prompt_set]", label=small_set.name)
    page.click("button[type=submit]")
    expect(page.locator("text=This field is required").first).to_be_visible()  # no rubric version chosen


def test_a_models_lineage_page_links_back_to_its_dataset(login, live_server, dataset):
    from webapp.jobs.models import Job
    from webapp.training.models import TrainedModel

    d = dataset()
    run = Job.objects.create(kind="train", status="succeeded", config={"name": "lineage-model"})
    model = TrainedModel.objects.create(name="lineage-model", kind="policy", method="dpo", base_model="base",
                                        dataset=d, path="/m", job=run)
    page = login("viewer")
    page.goto(f"{live_server.url}/training/")
    page.click(f"a[href='/training/lineage/models/{model.pk}/']")
    page.wait_for_url(f"{live_server.url}/training/lineage/models/{model.pk}/")
    expect(page.locator("#lineage > li")).to_have_count(7)
    expect(page.locator("[data-stage='Constitution version']")).to_contain_text("Review rules v1")
    page.click(f"#lineage >> text={d.name}")
    page.wait_for_url(f"{live_server.url}/pairs/datasets/{d.pk}/")
    page.click("#dataset-lineage")
    expect(page.locator("[data-stage='Models']")).to_contain_text("lineage-model")
