"""After login the user lands on the workflow, and its next action opens the right form."""

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_login_lands_on_the_workflow_whose_next_action_opens_its_form(login, live_server):
    page = login("operator")
    steps = page.locator("#workflow > li")
    expect(steps).to_have_count(7)
    next_step = page.locator("#workflow .next-step")
    expect(next_step).to_have_count(1)
    expect(next_step.locator("h2")).to_have_text("1. Constitution")
    next_step.locator("a.button").click()
    page.wait_for_url(f"{live_server.url}/constitutions/new/")
    expect(page.locator("h1")).to_be_visible()
