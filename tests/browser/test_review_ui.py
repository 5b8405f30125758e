"""Browser test: filter the pairs, open one, review with the keyboard, land on the next."""

import re

import pytest
from playwright.sync_api import expect

from webapp.pairs.models import FLAG_REASONS, Review

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def keys_ready(page) -> None:
    """The pair page's key handlers are attached (its script marks the page): pressing a key
    before that would be lost, whatever the page already shows."""
    expect(page.locator("html[data-review-keys='ready']")).to_have_count(1)


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
    keys_ready(page)
    page.keyboard.press("d")  # word diff of rejected -> chosen
    expect(page.locator("#word-diff ins")).to_contain_text("Boil the kettle")
    expect(page.locator("#side-by-side")).to_be_hidden()
    page.keyboard.press("a")  # agree; the filter carries on to the next pair
    expect(page.locator("#chosen")).to_have_text("Second close call.")
    assert page.url.endswith(f"/pairs/{second.pk}/?margin_max=0.5&sort=id")  # blank filters are left out
    assert Review.objects.get(pair=first).verdict == "agree"
    keys_ready(page)
    page.keyboard.press("x")  # a flag needs a reason: focus moves there, nothing is sent
    expect(page.locator("#reason")).to_be_focused()
    page.keyboard.press("ArrowDown")  # the first reason
    page.keyboard.press("Enter")  # and the flag goes out, all from the keyboard
    expect(page.locator(".flash")).to_contain_text(f"Pair {second.pk}: flag saved")
    assert Review.objects.get(pair=second).reason == FLAG_REASONS[0][0]
    keys_ready(page)
    page.keyboard.press("k")  # back to the first pair, which shows the review
    expect(page.locator("#human-verdict")).to_have_text("agree")


def test_an_operator_exports_the_filtered_pairs_and_reads_the_agreement(login, live_server, worker, make_pair, make_user):
    from webapp.pairs.services import submit

    make_pair(margin=0.7, chosen="Keep me.")
    flipped = make_pair(margin=0.3, chosen="a", rejected="b")
    submit(make_user("reviewer"), flipped.pk, "flip", 0)
    page = login("operator")
    page.goto(f"{live_server.url}/pairs/queue/")  # the queue serves the low-margin pair that is left
    expect(page.locator("#chosen")).to_have_text("Keep me.")
    page.goto(f"{live_server.url}/pairs/agreement/")
    expect(page.locator("#judge-human")).to_contain_text("0.000")  # one review, and it flipped the judge
    page.goto(f"{live_server.url}/pairs/")
    page.fill("#export-form input[name=name]", "first export")
    page.click("#export-form button")
    expect(page.locator("#dataset-status")).to_have_text(re.compile("queued|running|succeeded"))
    expect(page.locator("#download")).to_be_visible(timeout=120_000)  # the page updates itself
    expect(page.locator("#dataset-rows")).to_have_text("2")
    with page.expect_download() as download:
        page.click("#download")
    assert download.value.suggested_filename.endswith(".jsonl")
    page.click("nav >> text=Pairs")
    page.click("a[href='/pairs/datasets/']")
    expect(page.locator("#dataset-rows")).to_contain_text("first export")


def test_the_charts_draw_and_a_bar_opens_the_pairs_it_counts(login, live_server, make_pair):
    make_pair(margin=0.05, tie=True)
    make_pair(margin=0.07)
    make_pair(margin=0.95)
    page = login("viewer")
    page.goto(f"{live_server.url}/pairs/")
    page.click("text=Charts")
    for chart in ("margin", "length", "principles", "runs"):
        expect(page.locator(f"#chart-{chart} .main-svg").first).to_be_visible()
    expect(page.locator("#chart-agreement")).to_have_text("No data.")  # nothing reviewed yet
    box = page.locator("#chart-margin .bars .point path").first.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)  # plotly listens on its drag layer
    page.wait_for_url(re.compile(r"/pairs/\?.*margin_below=0\.1"))
    expect(page.locator("#pair-rows tr")).to_have_count(2)


def test_a_viewer_compares_the_judge_with_an_imported_set(login, live_server, make_pair, make_user):
    import json

    from webapp.pairs.importing import import_pairs

    make_pair(prompt="Q1", chosen="a", rejected="b", margin=0.1)
    make_pair(prompt="Q2", chosen="b", rejected="a", margin=0.2)
    make_pair(prompt="Q3", chosen="a", rejected="b", margin=0.9)  # outside the filter below
    rows = [{"prompt": p, "chosen": "a", "rejected": "b"} for p in ("Q1", "Q2", "Q3", "Q4")]
    run = import_pairs(make_user("operator"), "gold", "human", "gold.jsonl", "\n".join(map(json.dumps, rows)).encode())
    page = login("viewer")
    page.goto(f"{live_server.url}/pairs/?margin_max=0.5")
    page.click("text=Agreement")
    page.select_option("#against", str(run.pk))
    page.click("#against-form button")
    page.wait_for_url(re.compile(rf"/pairs/agreement/\?margin_max=0\.5&against={run.pk}$"))
    expect(page.locator("#against-counts")).to_contain_text("2 judged pairs matched 2 of the 4 imported pairs")
    expect(page.locator("#against-counts")).to_contain_text("2 imported pairs found no judged pair")
    expect(page.locator("#judge-imported tbody tr").first).to_contain_text("0.500")
    page.click("text=Back to the pairs")
    assert "against" not in page.url
