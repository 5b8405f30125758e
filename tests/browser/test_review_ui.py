"""Browser test: filter the pairs, open one, review with the keyboard, land on the next."""

import pytest
from playwright.sync_api import expect

from webapp.review.models import Review

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_reviewer_filters_pairs_and_reviews_with_the_keyboard(login, live_server, make_pair):
    make_pair(margin=0.9, chosen="A confident answer.")
    first = make_pair(margin=0.1, chosen="Boil the kettle, then steep the tea.", rejected="Use cold water.")
    second = make_pair(margin=0.2, chosen="Second close call.")
    page = login("reviewer")
    page.click("nav >> text=Pairs")
    expect(page.locator("#pair-rows tr")).to_have_count(3)
    page.fill("input[name=margin_max]", "0.5")
    page.click("#pair-filter button")
    expect(page.locator("#pair-rows tr")).to_have_count(2)
    page.click(f"#pair-rows a:text-is('{first.pk}')")
    expect(page.locator("#chosen")).to_have_text("Boil the kettle, then steep the tea.")
    page.keyboard.press("d")  # word diff of rejected -> chosen
    expect(page.locator("#word-diff ins")).to_contain_text("Boil the kettle")
    expect(page.locator("#side-by-side")).to_be_hidden()
    page.keyboard.press("a")  # agree; the filter carries on to the next pair
    expect(page.locator("#chosen")).to_have_text("Second close call.")
    assert page.url.endswith(f"/pairs/{second.pk}/?margin_max=0.5&sort=id")  # blank filters are left out
    assert Review.objects.get(pair=first).verdict == "agree"
    page.keyboard.press("x")  # a flag needs a reason: focus moves there, nothing is sent
    expect(page.locator("#reason")).to_be_focused()
    page.select_option("#reason", "both_bad")
    page.locator("#reason").blur()
    page.keyboard.press("x")
    expect(page.locator(".flash")).to_contain_text(f"Pair {second.pk}: flag saved")
    assert Review.objects.get(pair=second).reason == "both_bad"
    page.keyboard.press("k")  # back to the first pair, which shows the review
    expect(page.locator("#human-verdict")).to_have_text("agree")
