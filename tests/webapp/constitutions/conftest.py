import pytest

from alignment.constitution import from_yaml
from webapp.constitutions import services

YAML = """\
name: House rules
description: For tests.
principles:
  - key: helpful
    kind: comparison
    title: Helpful
    text: Prefer the more helpful answer.
    comparison: Which response is more helpful?
    negative: Which response is less helpful?
  - key: honest
    kind: comparison
    title: Honest
    text: Prefer the more honest answer.
    comparison: Which response is more honest?
"""


@pytest.fixture
def doc():
    return from_yaml(YAML)


@pytest.fixture
def constitution(make_user, doc):
    return services.create(make_user("editor"), doc)


def edited(doc, key="helpful", **fields):
    copy = from_yaml(doc.to_yaml())
    for p in copy.principles:
        if p.key == key:
            for name, value in fields.items():
                if name in ("title", "text"):
                    setattr(p, name, value)
                else:
                    p.fields[name] = value
    return copy
