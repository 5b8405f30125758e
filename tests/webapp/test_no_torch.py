"""The web process never imports torch, transformers or vllm: importing every webapp module
(and the URL conf, which imports every view and API route) leaves them unloaded."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CODE = """
import importlib, os, pkgutil, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "webapp.settings")
import django
django.setup()
import webapp
names = [m.name for m in pkgutil.walk_packages(webapp.__path__, "webapp.") if ".migrations" not in m.name]
for name in names:
    importlib.import_module(name)
heavy = sorted(m for m in ("torch", "transformers", "vllm", "trl", "accelerate") if m in sys.modules)
print(len(names), ",".join(heavy))
"""


def test_importing_every_webapp_module_loads_no_torch(tmp_path):
    result = subprocess.run([sys.executable, "-c", CODE], cwd=ROOT, capture_output=True, text=True, timeout=120,
                            env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "CHARTER_DATA_DIR": str(tmp_path)})
    assert result.returncode == 0, result.stderr[-2000:]
    count, heavy = result.stdout.split()[0], result.stdout.strip().partition(" ")[2]
    assert int(count) > 60 and heavy == ""
