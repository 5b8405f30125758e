"""The playground in the browser: a message answered on a worker appears without a reload, can be
kept as a prompt, and the chat continues."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_operator_chats_keeps_the_prompt_and_continues(login, live_server, worker):
    page = login("operator")
    page.click("nav >> text=Playground")
    page.fill("textarea[name=message]", "Name a colour.")
    page.fill("input[name=max_new_tokens]", "8")
    page.click("#send")
    page.wait_for_url(re.compile(r"/playground/\d+/$"))
    expect(page.locator("#replies [data-reply='0'] pre")).not_to_be_empty(timeout=180_000)  # polled, no reload
    expect(page.locator("#thread")).to_contain_text("Name a colour.")
    page.click("#keep-prompt")
    expect(page.locator(".flash")).to_contain_text("Kept as prompt")
    page.fill("#chat-form textarea[name=message]", "And another?")
    page.click("#send")
    page.wait_for_url(re.compile(r"/playground/\d+/$"))
    expect(page.locator("#thread .turn")).to_have_count(3)  # user, the first reply, the new message
