"""Regenerate the README's screenshots against a fresh `make run` instance.

    export CHARTER_DATA_DIR=var/screens CHARTER_MODELS_DIR=var/models
    .venv/bin/python manage.py charter_run --bind 127.0.0.1:8010 &
    .venv/bin/python docs/screenshots.py http://127.0.0.1:8010

`--training` takes only the training screenshots: it exports the pairs already there (e.g.
`manage.py seed_pairs 200`), trains DPO on them, evaluates the result and compares runs.
`--judges` takes only the judge screenshots: the default judge labels 8 pairs of the shipped
human set's test part, then the judge report and the judge leaderboard.
`--first-hour` takes the home page, the playground (two samples side by side) and a pair page of
a small RL-CAI run with its review guidelines and a better response being written.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

from playwright.sync_api import expect, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
BASE = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000"
OUT = ROOT / "docs" / "screenshots"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def main() -> None:
    data_dir = Path(os.environ.get("CHARTER_DATA_DIR", ROOT / "var"))
    password = (data_dir / "admin-password.txt").read_text().strip()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 860})
        page.goto(f"{BASE}/accounts/login/")
        page.fill("input[name=username]", "admin")
        page.fill("input[name=password]", password)
        page.click("button[type=submit]")
        if "--training" in sys.argv:
            training(page)
            browser.close()
            return
        if "--judges" in sys.argv:
            judges(page)
            browser.close()
            return
        if "--first-hour" in sys.argv:
            first_hour(page)
            browser.close()
            return

        page.goto(f"{BASE}/prompts/sample/")
        page.select_option("select[name=prompt_set]", label="Benign instructions")
        for name, value in {"limit": "8", "n": "2", "max_new_tokens": "48", "batch_size": "2"}.items():
            page.fill(f"input[name={name}]", value)
        page.screenshot(path=OUT / "sample-form.png", full_page=True)
        page.click("button[type=submit]")
        page.wait_for_url(re.compile(r"/jobs/\d+/$"))
        expect(page.locator("#job-live [data-field=status]")).to_have_text("succeeded", timeout=600_000)
        page.screenshot(path=OUT / "job-detail.png", full_page=False)
        page.goto(f"{BASE}/jobs/")
        page.screenshot(path=OUT / "jobs.png")
        page.goto(f"{BASE}/prompts/")
        page.screenshot(path=OUT / "prompt-sets.png")

        page.goto(f"{BASE}/prompts/synthesize/")
        page.select_option("select[name=source]", label="Benign instructions")
        page.fill("input[name=name]", "Synthesized from benign")
        page.fill("input[name=count]", "6")
        page.click("button[type=submit]")
        page.wait_for_url(re.compile(r"/jobs/\d+/$"))
        expect(page.locator("#job-live [data-field=status]")).to_have_text("succeeded", timeout=600_000)
        page.goto(f"{BASE}/prompts/")
        page.click("text=Synthesized from benign")
        page.screenshot(path=OUT / "synthesized-set.png")

        page.goto(f"{BASE}/feedback/new/")
        page.select_option("select[name=prompt_set]", label="Benign instructions")
        page.select_option("select[name=constitution_version]", label="Helpful, honest, harmless (SALMON) v1")
        page.select_option("select[name=method]", "salmon")
        page.fill("input[name=limit]", "4")
        page.fill("input[name=max_new_tokens]", "48")
        expect(page.locator("#judge-preview-panel")).to_contain_text("Order 2")
        page.screenshot(path=OUT / "feedback-form.png", full_page=True)
        page.click("button[type=submit]")
        page.wait_for_url(re.compile(r"/jobs/\d+/$"))
        expect(page.locator("#job-live [data-field=status]")).to_have_text("succeeded", timeout=900_000)
        page.locator("#pair-rows").scroll_into_view_if_needed()
        page.screenshot(path=OUT / "feedback-run.png", full_page=True)

        page.goto(f"{BASE}/pairs/")
        page.screenshot(path=OUT / "pairs.png")
        page.locator("#pair-rows a").first.click()
        page.keyboard.press("d")
        page.screenshot(path=OUT / "pair.png", full_page=False)
        page.keyboard.press("d")
        page.keyboard.press("a")
        page.goto(f"{BASE}/pairs/charts/")
        page.wait_for_timeout(1500)
        page.screenshot(path=OUT / "charts.png", full_page=True)

        page.goto(f"{BASE}/constitutions/")
        page.click("text=Helpful, honest, harmless (SALMON)")
        page.screenshot(path=OUT / "constitution.png")
        url = page.url
        # A conflict: open the editor, let a second session save first, then save.
        page.click("text=Edit YAML")
        other = browser.new_page()
        other.goto(f"{BASE}/accounts/login/")
        other.fill("input[name=username]", "admin")
        other.fill("input[name=password]", password)
        other.click("button[type=submit]")
        other.goto(url + "edit/")
        other.locator("textarea[name='p-1-text']").fill("Prefer the response that actually solves the user's problem.")
        other.fill("#id_message", "Sharpen helpfulness")
        other.click("#save")
        page.locator("textarea[name=yaml]").fill(
            page.locator("textarea[name=yaml]").input_value().replace("impartial", "fair-minded", 1))
        page.fill("input[name=message]", "My wording")
        page.click("#save")
        page.screenshot(path=OUT / "conflict.png", full_page=True)
        page.click("#reapply")
        page.goto(url + "diff/?a=1")
        page.screenshot(path=OUT / "diff.png")
        browser.close()


def training(page) -> None:
    page.goto(f"{BASE}/pairs/?method=rl_cai")
    page.fill("#export-form input[name=name]", f"rl-cai pairs {os.getpid()}")
    page.click("#export-form button")
    for _ in range(120):
        if page.locator("#dataset-status").inner_text() == "succeeded":
            break
        page.wait_for_timeout(1000)
        page.reload()
    for name, beta in (("dpo-beta01", "0.1"), ("dpo-beta05", "0.5")):
        page.goto(f"{BASE}/training/new/")
        page.fill("input[name=name]", name)
        page.select_option("select[name=dataset]", index=1)  # the newest
        page.select_option("select[name=method]", "dpo")
        for field, value in {"max_steps": "8", "batch_size": "4", "max_length": "256", "beta": beta,
                             "learning_rate": "5e-6", "save_steps": "4"}.items():
            page.fill(f"input[name={field}]", value)
        expect(page.locator("#resolved-config")).to_contain_text(f"beta: {beta}")
        if beta == "0.1":
            page.screenshot(path=OUT / "training-form.png", full_page=True)
        page.click("button[type=submit]")
        page.wait_for_url(re.compile(r"/jobs/\d+/$"))
        expect(page.locator("#job-live [data-field=status]")).to_have_text("succeeded", timeout=900_000)
    page.reload()
    page.wait_for_timeout(1500)
    page.screenshot(path=OUT / "training-run.png", full_page=False)
    page.goto(f"{BASE}/training/")
    for box in page.locator("input[name=job]").all():
        box.check()
    page.click("text=Compare selected")
    page.wait_for_timeout(1500)
    page.screenshot(path=OUT / "training-compare.png", full_page=False)
    page.goto(f"{BASE}/training/evaluate/")
    page.fill("input[name=model]", "dpo-beta05")
    page.select_option("select[name=constitution_version]", label="Helpful, honest, harmless (SALMON) v1")
    page.fill("input[name=principles]", "harmlessness")
    page.select_option("select[name=prompt_set]", index=1)
    page.fill("input[name=limit]", "8")
    page.fill("input[name=max_new_tokens]", "48")
    page.click("button[type=submit]")
    expect(page.locator("#job-live [data-field=status]")).to_have_text("succeeded", timeout=900_000)
    page.goto(f"{BASE}/training/leaderboard/")
    page.screenshot(path=OUT / "leaderboard.png")


def first_hour(page) -> None:
    page.goto(f"{BASE}/")
    page.screenshot(path=OUT / "home.png", full_page=True)
    page.goto(f"{BASE}/playground/")
    page.fill("textarea[name=message]", "Give me one tip for staying focused while studying.")
    page.fill("input[name=other_model]", "smollm2-135m-instruct")
    page.fill("input[name=max_new_tokens]", "48")
    page.click("#send")
    page.wait_for_url(re.compile(r"/playground/\d+/$"))
    expect(page.locator("#replies [data-reply='1'] pre")).not_to_be_empty(timeout=600_000)
    page.screenshot(path=OUT / "playground.png", full_page=True)
    page.goto(f"{BASE}/feedback/new/")
    page.select_option("select[name=prompt_set]", label="Benign instructions")
    page.select_option("select[name=constitution_version]", label="Helpful, honest, harmless (SALMON) v1")
    page.fill("input[name=limit]", "3")
    page.fill("input[name=max_new_tokens]", "40")
    page.fill("textarea[name=review_guidelines]", "Prefer the answer a busy student could act on **today**.")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/jobs/\d+/$"))
    run = page.url.rstrip("/").rsplit("/", 1)[1]
    expect(page.locator("#job-live [data-field=status]")).to_have_text("succeeded", timeout=900_000)
    page.goto(f"{BASE}/pairs/?run={run}")
    page.locator("#pair-rows a").first.click()
    page.locator("#review-form summary").click()
    page.fill("#correction", "Work in 25-minute blocks with your phone in another room, then take a 5-minute break.")
    page.screenshot(path=OUT / "pair-review.png", full_page=True)


def judges(page) -> None:
    page.goto(f"{BASE}/feedback/new/")
    for field, text in (("pairs_from", "pyrit human scores (test)"), ("constitution_version", "Helpful, honest, harmless")):
        option = page.locator(f"select[name={field}] option", has_text=text).first
        page.select_option(f"select[name={field}]", option.get_attribute("value"))
    page.select_option("select[name=method]", "rl_cai")
    page.fill("input[name=limit]", "8")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/jobs/\d+/$"))
    expect(page.locator("#job-live [data-field=status]")).to_have_text("succeeded", timeout=900_000)
    page.goto(f"{BASE}/feedback/judges/")
    page.screenshot(path=OUT / "judges.png", full_page=True)
    page.click("#judge-leaderboard tbody a >> nth=0")
    page.wait_for_url(re.compile(r"/feedback/judges/\d+/$"))
    page.screenshot(path=OUT / "judge-report.png", full_page=True)


if __name__ == "__main__":
    main()
