"""docker-compose.yml stays honest: the tests start the commands it runs.

The worker fixture in conftest.py runs the compose `worker` command; here the `web` command
serves the app under gunicorn.
"""

import os
import socket
import subprocess
import time
import urllib.request

import pytest
import yaml

from tests.conftest import ROOT, compose_command, database_url


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_compose_declares_every_service_the_team_deployment_needs():
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    assert {"postgres", "redis", "web", "worker", "gpu-worker", "beat"} <= set(services)
    gpu = services["gpu-worker"]
    assert gpu["command"][gpu["command"].index("-Q") + 1].split(",")[0] == "gpu"  # then gpu-2 ... gpu-N
    assert gpu["deploy"]["resources"]["reservations"]["devices"][0]["capabilities"] == ["gpu"]
    for name in ("postgres", "redis", "web", "worker", "gpu-worker", "ray-head", "ray-worker"):
        assert "healthcheck" in services[name], name
    ray = services["ray-worker"]
    assert ray["command"][ray["command"].index("-Q") + 1] == "ray" and ray["environment"]["CHARTER_RAY_ADDRESS"]
    assert ray["environment"]["CHARTER_ARTIFACTS_DIR"] == "/artifacts"  # the cluster sees the same artifacts


@pytest.mark.django_db(transaction=True)
def test_the_compose_web_command_serves_the_app():
    port = free_port()
    cmd = compose_command("web")
    cmd[cmd.index("--bind") + 1] = f"127.0.0.1:{port}"
    cmd[cmd.index("--workers") + 1] = "1"
    proc = subprocess.Popen(cmd, cwd=ROOT, env=dict(os.environ, DATABASE_URL=database_url()),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                    assert response.status == 200
                    break
            except OSError:
                if time.time() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.3)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=5) as response:
            assert b"Log in to Charter" in response.read()
    finally:
        proc.terminate()
        proc.wait(timeout=20)
