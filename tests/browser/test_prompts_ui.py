"""Browser test: synthesize prompts from a seed set and read them in the new set."""

import json
import re

import pytest
from playwright.sync_api import expect

from webapp.prompts.models import Prompt, PromptSet
from webapp.prompts.services import BENIGN_FILE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def seed_set(db):
    """Every tenth shipped benign prompt: with only a handful of seeds a 135M model mostly copies them."""
    seeds = PromptSet.objects.create(name="seeds")
    for line in BENIGN_FILE.read_text().splitlines()[::10]:
        record = json.loads(line)
        Prompt.objects.create(prompt_set=seeds, key=record["key"], text=record["prompt"])
    return seeds


def test_an_operator_synthesizes_prompts_and_reads_them(login, live_server, worker, seed_set):
    page = login("operator")
    page.click("text=Prompt sets")
    page.click(f"tr:has-text('{seed_set.name}') >> text=Synthesize from")
    expect(page.locator("select[name=source]")).to_have_value(str(seed_set.pk))
    page.fill("input[name=name]", "Synthesized \"tiny\" & co")
    page.fill("input[name=count]", "2")
    page.fill("input[name=max_new_tokens]", "48")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/jobs/\d+/$"))
    expect(page.locator("#job-live [data-field=status]")).to_have_text("succeeded", timeout=300_000)
    target = PromptSet.objects.get(name="Synthesized \"tiny\" & co")
    page.goto(f"{live_server.url}/prompts/")
    page.click("text=Synthesized \"tiny\" & co")  # the name is shown as text, not markup
    first = target.prompts.order_by("key").first()
    expect(page.locator("tbody tr").first).to_contain_text(first.text[:30])
    expect(page.locator("tbody tr").first).to_contain_text("nearest seen")


def test_an_operator_saves_a_train_and_held_out_split_of_a_set(login, live_server, seed_set):
    page = login("operator")
    page.goto(f"{live_server.url}/prompts/{seed_set.pk}/")
    page.fill("#split-form input[name=heldout]", "0.25")
    page.click("#split-form button")
    expect(page.locator("h1")).to_have_text("seeds · held-out")
    expect(page.locator(".flash")).to_contain_text("Split into 'seeds · train'")
    train = PromptSet.objects.get(name="seeds · train")
    heldout = PromptSet.objects.get(name="seeds · held-out")
    assert train.prompts.count() + heldout.prompts.count() == seed_set.prompts.count()
