"""Word diffs, principle diffs and the three-way merge, on hand-made cases."""

from alignment.constitution import Principle
from tests.webapp.constitutions.conftest import edited
from webapp.constitutions.merge import diff, merge, resolve, word_diff


def test_word_diff_marks_only_the_changed_words():
    assert word_diff("prefer the more helpful answer", "prefer the most helpful answer") == [
        ("same", "prefer the "), ("del", "more"), ("ins", "most"), ("same", " helpful answer")]


def test_diff_reports_added_removed_changed_and_reordered(doc):
    new = edited(doc, text="Changed.")
    new.principles.reverse()
    new.principles.append(Principle("kind", "comparison", "Kind", "Be kind.", fields={"comparison": "Which is kinder?"}))
    new.principles = [p for p in new.principles if p.key != "honest"]
    d = diff(doc, new)
    assert [p.key for p in d.added] == ["kind"]
    assert [p.key for p in d.removed] == ["honest"]
    assert [(c.key, [f.name for f in c.fields]) for c in d.changed] == [("helpful", ["text"])]
    assert d.reordered is False  # only one principle is common to both


def test_diff_of_identical_documents_is_empty(doc):
    assert diff(doc, edited(doc)).empty


def test_changes_to_different_principles_merge_cleanly(doc):
    theirs = edited(doc, "helpful", text="Theirs.")
    mine = edited(doc, "honest", text="Mine.")
    merged, conflicts = merge(doc, theirs, mine)
    assert conflicts == []
    assert {p.key: p.text for p in merged.principles} == {"helpful": "Theirs.", "honest": "Mine."}


def test_changes_to_the_same_principle_conflict_and_the_user_chooses(doc):
    theirs = edited(doc, "helpful", text="Theirs.")
    mine = edited(doc, "helpful", text="Mine.")
    merged, conflicts = merge(doc, theirs, mine)
    assert [c.key for c in conflicts] == ["helpful"]
    assert merged.principles[0].text == "Theirs."
    assert resolve(merged, conflicts, {"helpful"}).principles[0].text == "Mine."


def test_my_additions_survive_their_removal_of_something_else(doc):
    theirs = edited(doc)
    theirs.principles = [p for p in theirs.principles if p.key != "honest"]
    mine = edited(doc)
    mine.principles.append(Principle("kind", "comparison", "Kind", "Be kind.", fields={"comparison": "Which is kinder?"}))
    merged, conflicts = merge(doc, theirs, mine)
    assert conflicts == [] and [p.key for p in merged.principles] == ["helpful", "kind"]


def test_word_diff_keeps_a_rewritten_sentence_in_one_piece():
    assert word_diff("Prefer the more helpful answer.", "Their wording.") == [
        ("del", "Prefer the more helpful answer."), ("ins", "Their wording.")]
