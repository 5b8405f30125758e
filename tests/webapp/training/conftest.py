import shutil
import uuid
from pathlib import Path

import pytest
from django.conf import settings


@pytest.fixture
def dataset(make_pair, make_user):
    """A ready preference dataset of 8 pairs, exported the way users export one."""
    from webapp.review.export import launch_export, write

    def make(kind="preference", name=None):
        for i in range(8):
            make_pair(margin=0.6, prompt=f"Name a colour ({i}).", chosen="Blue, like the sky.", rejected="No.",
                      method="sl_cai" if kind == "sft" else "rl_cai")
        operator = make_user("operator", f"exporter-{uuid.uuid4().hex[:6]}")
        return write(launch_export(operator, name or f"set-{uuid.uuid4().hex[:6]}", {}, kind=kind), operator)

    return make


@pytest.fixture
def model_name():
    """A unique model name; its folder in the shared models directory is removed afterwards."""
    names = []

    def make(prefix="test"):
        names.append(f"{prefix}-{uuid.uuid4().hex[:8]}")
        return names[-1]

    yield make
    for name in names:
        shutil.rmtree(Path(settings.MODELS_DIR) / name, ignore_errors=True)
