"""Browser tests: authoring a constitution, a save conflict between two editors, a diff."""

import re

import pytest
from playwright.sync_api import expect

from alignment.constitution import from_yaml
from tests.webapp.constitutions.conftest import YAML
from webapp.constitutions import services
from webapp.constitutions.models import Constitution

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_editor_writes_a_constitution_with_a_live_markdown_preview(login, live_server):
    page = login("editor")
    page.click("nav >> text=Constitutions")
    page.click("text=New constitution")
    page.fill("#id_name", "Browser rules")
    page.fill("#id_description", "Written in a **browser**.")
    expect(page.locator("[data-preview-for=id_description] strong")).to_have_text("browser")
    for i, (key, kind) in enumerate([("careful", "critique_revision"), ("kind", "comparison")]):
        page.click("#add-principle")
        card = page.locator(".principle-form").nth(i)
        card.locator("input[name$='-key']").fill(key)
        card.locator("select[name$='-kind']").select_option(kind)
        card.locator("input[name$='-title']").fill(key.title())
        card.locator("textarea[name$='-text']").fill(f"Be {key}.")
        if kind == "critique_revision":
            expect(card.locator("textarea[name$='-comparison']")).to_be_hidden()
            card.locator("textarea[name$='-critique']").fill("Point out anything careless.")
            card.locator("textarea[name$='-revision']").fill("Rewrite it carefully.")
        else:
            expect(card.locator("textarea[name$='-critique']")).to_be_hidden()
            card.locator("textarea[name$='-comparison']").fill("Which response is kinder?")
    page.locator(".principle-form").nth(1).locator(".move-up").click()  # reorder: kind first
    page.click("#save")
    expect(page.locator("h1")).to_contain_text("Browser rules")
    head = Constitution.objects.get(name="Browser rules").head
    assert [p.key for p in head.principles.all()] == ["kind", "careful"]
    expect(page.locator(".principle h2").first).to_contain_text("Kind")


def test_two_editors_saving_from_the_same_version_get_a_conflict_and_nothing_is_lost(browser, login, live_server, make_user):
    c = services.create(make_user("editor", "alice"), from_yaml(YAML))
    page = login("editor")
    page.goto(f"{live_server.url}/constitutions/{c.pk}/edit/")
    # Meanwhile someone else saves v2.
    theirs = from_yaml(YAML)
    theirs.principles[0].text = "Their wording."
    services.save_version(c.owner, c, c.head_id, theirs, "their change")
    page.locator("textarea[name='p-1-text']").fill("My wording.")
    page.fill("#id_message", "my change")
    page.click("#save")
    expect(page.locator("h1")).to_contain_text("while you were editing")
    expect(page.locator("text=Their changes")).to_be_visible()
    expect(page.locator(".columns")).to_contain_text("Their wording.")
    expect(page.locator(".columns")).to_contain_text("My wording.")
    page.click("#reapply")
    expect(page.locator("h1")).to_contain_text("v3")
    v3 = c.versions.get(number=3)
    assert {p.key: p.text for p in v3.principles.all()} == {"helpful": "Their wording.", "honest": "My wording."}


def test_the_diff_page_shows_word_level_changes(login, live_server, make_user):
    c = services.create(make_user("editor", "bob"), from_yaml(YAML))
    changed = from_yaml(YAML)
    changed.principles[0].text = "Prefer the most helpful answer."
    changed.principles.pop()
    services.save_version(c.owner, c, c.head_id, changed, "tighten")
    page = login("viewer")
    page.goto(f"{live_server.url}/constitutions/{c.pk}/")
    page.click("text=Diff")
    expect(page.locator("#diff del")).to_have_text(["more"])
    expect(page.locator("#diff ins")).to_have_text(["most"])
    expect(page.locator("#diff .removed")).to_contain_text("honest")
    page.select_option("select[name=a]", "2")
    page.click("text=Show diff")
    expect(page).to_have_url(re.compile(r"a=2"))
    expect(page.locator("#diff")).to_contain_text("No differences.")
