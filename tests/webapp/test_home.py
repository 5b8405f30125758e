"""The home page is the workflow: each step with what this user can see, the next action, and
recent activity."""

import re

from alignment.constitution import from_yaml
from webapp.constitutions import services as constitutions

PRINCIPLES = b"""
name: Someone else's private rules
principles:
  - key: helpful
    title: Helpful
    kind: comparison
    text: Helpful answers.
    comparison: Which response is more helpful?
"""


def counts(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'<strong class="count">(\d+)</strong>', html)]


def test_an_empty_home_shows_every_step_and_points_at_the_first(client_as):
    html = client_as("operator").get("/").content.decode()
    assert counts(html) == [0] * 7
    steps = re.findall(r"<h2>\d\. ([^<]+)</h2>", html)
    assert steps == ["Constitution", "Judge against people", "Feedback run", "Pairs and review", "Dataset", "Training",
                     "Evaluation"]
    first = html.index('class="card step next-step"')
    assert first < html.index("1. Constitution") < html.index('data-step="2"')
    assert 'href="/constitutions/new/"' in html and "Nothing has run yet." in html


def test_counts_follow_visibility_and_the_next_step_moves_on(client_as, make_user, make_pair, pair_run):
    other = make_user("editor", "someone-else")
    private = constitutions.create(other, from_yaml(PRINCIPLES), visibility="private")
    make_pair()
    client = client_as("viewer")
    html = client.get("/").content.decode()
    mine = counts(html)
    assert mine[0] == 1  # the review constitution; the other editor's private one is not counted
    assert mine[2] == 1 and mine[3] == 1  # the finished feedback run and its pair
    next_step = html.index('class="card step next-step"')  # nobody measured the judge yet: that is next
    assert html.index("1. Constitution") < next_step < html.index("2. Judge against people") < html.index("3. Feedback")
    assert "New feedback run" not in html  # a viewer sees no action it may not take
    assert private.name not in html


def test_recent_activity_links_each_job(client_as, pair_run):
    html = client_as("viewer").get("/").content.decode()
    assert f'href="/jobs/{pair_run["job"].pk}/"' in html and "Feedback run" in html
