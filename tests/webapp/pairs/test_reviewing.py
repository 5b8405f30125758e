"""Reviewing pairs: verdicts, conflicts, the queue, roles, audit, agreement."""

import pytest
from django.test import override_settings

from tests.conftest import race
from webapp.core.models import AuditEvent
from webapp.feedback.models import PreferencePair
from webapp.pairs.models import Review
from webapp.pairs.services import ReviewConflict, ReviewError, submit


@pytest.mark.django_db
def test_a_review_sets_the_human_verdict_and_is_audited(make_pair, make_user):
    reviewer = make_user("reviewer")
    pair = make_pair()
    submit(reviewer, pair.pk, "flip", 0, comment="B is clearer")
    pair.refresh_from_db()
    assert (pair.human_verdict, pair.review_count, pair.review_version) == ("flip", 1, 1)
    event = AuditEvent.objects.get(action="review")
    assert event.actor == reviewer and event.target_id == str(pair.pk) and event.detail["verdict"] == "flip"


@pytest.mark.django_db
def test_a_reviewer_can_change_their_own_review_from_the_current_version(make_pair, make_user):
    reviewer = make_user("reviewer")
    pair = make_pair()
    submit(reviewer, pair.pk, "flip", 0)
    submit(reviewer, pair.pk, "agree", 1)
    assert list(Review.objects.values_list("verdict", flat=True)) == ["agree"]
    assert AuditEvent.objects.filter(action="review").first().detail["previous"] == "flip"


@pytest.mark.django_db
@pytest.mark.parametrize("verdict, reason, comment, message", [
    ("maybe", "", "", "verdict must be one of"), ("flag", "", "", "a flag needs a reason"),
    ("agree", "harmful", "", "only a flag takes a reason"), ("tie", "", "x" * 5001, "the limit is 5000"),
])
def test_malformed_reviews_are_refused_and_change_nothing(make_pair, make_user, verdict, reason, comment, message):
    pair = make_pair()
    with pytest.raises(ReviewError, match=message):
        submit(make_user("reviewer"), pair.pk, verdict, 0, reason=reason, comment=comment)
    assert not Review.objects.exists() and PreferencePair.objects.get(pk=pair.pk).review_version == 0


@pytest.mark.django_db(transaction=True)
@override_settings(REVIEW_OVERLAP=2)
def test_two_reviewers_saving_against_the_same_version_get_one_success_and_one_conflict(make_pair, make_user):
    pair = make_pair()
    alice, bob = make_user("reviewer", "alice"), make_user("reviewer", "bob")
    results = race(lambda user, verdict: submit(user, pair.pk, verdict, 0), [(alice, "agree"), (bob, "flip")])
    conflicts = [r for r in results if isinstance(r, ReviewConflict)]
    assert len(conflicts) == 1, results
    assert Review.objects.count() == 1
    pair.refresh_from_db()
    assert pair.review_version == 1 and pair.review_count == 1


@pytest.mark.django_db
def test_a_stale_page_gets_a_conflict_page_that_shows_the_other_review(client, make_pair, make_user):
    pair = make_pair()
    submit(make_user("reviewer", "alice"), pair.pk, "tie", 0, comment="both fine")
    with override_settings(REVIEW_OVERLAP=2):
        client.force_login(make_user("reviewer", "bob"))
        response = client.post(f"/pairs/{pair.pk}/review/", {"verdict": "flip", "review_version": 0, "comment": "mine"})
    body = response.content.decode()
    assert response.status_code == 409
    assert "someone reviewed this pair after you opened it" in body and "both fine" in body and "mine" in body
    assert Review.objects.count() == 1


@pytest.mark.django_db
def test_without_overlap_a_second_reviewer_is_refused(make_pair, make_user):
    pair = make_pair()
    submit(make_user("reviewer", "alice"), pair.pk, "agree", 0)
    with pytest.raises(ReviewConflict, match="already has 1 review"):
        submit(make_user("reviewer", "bob"), pair.pk, "flip", 1)


@pytest.mark.django_db
def test_a_viewer_cannot_review(client_as, make_pair):
    pair = make_pair()
    response = client_as("viewer").post(f"/pairs/{pair.pk}/review/", {"verdict": "agree", "review_version": 0})
    assert response.status_code == 403 and not Review.objects.exists()


@pytest.mark.django_db
def test_the_queue_serves_order_disagreements_then_low_margins_and_skips_what_is_done(client, make_pair, make_user):
    confident, unsure, disputed = make_pair(margin=0.9), make_pair(margin=0.1), make_pair(margin=0.6, disagreement=True)
    reviewer = make_user("reviewer")
    client.force_login(reviewer)
    order = []
    for _ in range(3):
        location = client.get("/pairs/queue/")["Location"]
        pair_id = int(location.split("/")[2])
        order.append(pair_id)
        response = client.post(f"/pairs/{pair_id}/review/?queue=1", {"verdict": "agree", "review_version": 0})
        assert response["Location"] == "/pairs/queue/"
    assert order == [disputed.pk, unsure.pk, confident.pk]
    assert "Nothing left for you to review" in client.get("/pairs/queue/").content.decode()


@pytest.mark.django_db
@override_settings(REVIEW_OVERLAP=2)
def test_agreement_reports_kappa_for_judge_vs_human_and_between_humans(client_as, make_pair, make_user):
    # Four pairs; alice agrees with the judge on 3 and flips 1; bob agrees on all 4.
    pairs = [make_pair(chosen=f"a{i}", rejected=f"b{i}") for i in range(4)]
    alice, bob = make_user("reviewer", "alice"), make_user("reviewer", "bob")
    for i, pair in enumerate(pairs):
        submit(alice, pair.pk, "flip" if i == 0 else "agree", 0)
        submit(bob, pair.pk, "agree", 1)
    body = client_as("viewer").get("/pairs/agreement/").content.decode()
    # Judge vs human: 8 reviews, 7 agree -> 0.875. The judge always picked the text that sorts
    # first ("x"), so its labels never vary and kappa is 0 by construction.
    assert "0.875" in body
    # Human vs human: 4 pairs; alice x,x,x (and y on pair 0) vs bob x on all -> 3/4 raw agreement.
    assert "4 pairs with two or more reviews" in body and "Raw agreement 0.750" in body


@pytest.mark.django_db
def test_judge_vs_human_kappa_matches_the_hand_computed_case(make_pair, make_user):
    from webapp.pairs.agreement import agreement_report

    # Judge labels in the shared framing: x, x, y, y (chosen sorts first on the first two).
    pairs = [make_pair(chosen="a", rejected="b"), make_pair(chosen="a", rejected="b"),
             make_pair(chosen="b", rejected="a"), make_pair(chosen="b", rejected="a")]
    alice = make_user("reviewer", "alice")
    for pair, verdict in zip(pairs, ["agree", "agree", "agree", "flip"]):  # human: x, x, y, x
        submit(alice, pair.pk, verdict, 0)
    submit(alice, make_pair().pk, "flag", 0, reason="harmful")  # flags are not verdicts
    row = agreement_report(PreferencePair.objects.all())["judge_vs_human"]
    # p_o = 3/4; p_e = (2 * 3 + 2 * 1) / 16 = 1/2; kappa = (3/4 - 1/2) / (1/2) = 1/2.
    assert row["n"] == 4 and row["agreement"] == 0.75
    assert row["kappa"]["value"] == pytest.approx(0.5)


@pytest.mark.django_db
def test_the_pair_page_counts_a_reviewers_progress(client, make_pair, make_user):
    reviewer = make_user("reviewer")
    first, _, _ = make_pair(), make_pair(), make_pair()
    client.force_login(reviewer)
    assert "you reviewed 0 · 3 left in your queue" in client.get(f"/pairs/{first.pk}/").content.decode()
    submit(reviewer, first.pk, "agree", 0)
    body = client.get(f"/pairs/{first.pk}/").content.decode()
    assert "you reviewed 1 · 2 left in your queue" in body and "you may change your review" in body


@pytest.mark.django_db
def test_a_better_response_is_kept_with_the_review_and_bounded(client, make_pair, make_user):
    reviewer = make_user("reviewer")
    pair = make_pair()
    client.force_login(reviewer)
    client.post(f"/pairs/{pair.pk}/review/", {"verdict": "agree", "review_version": "0",
                                              "correction": "<b>A better answer</b>"})
    assert Review.objects.get(pair=pair).correction == "<b>A better answer</b>"
    page = client.get(f"/pairs/{pair.pk}/").content.decode()
    assert "&lt;b&gt;A better answer&lt;/b&gt;" in page and "<b>A better answer</b>" not in page  # inert
    assert AuditEvent.objects.filter(action="review").last().detail["corrected"] is True
    with pytest.raises(ReviewError, match="better response is 20001 characters"):
        submit(reviewer, pair.pk, "agree", 1, correction="x" * 20_001)
