"""`make run`'s command: starts Redis, a worker and the web server, prints a login that
works, and Ctrl-C stops every process it started."""

import os
import re
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar

import psutil
import pytest
import redis

from tests.conftest import ROOT, wait_for
from tests.test_compose import free_port


def test_charter_run_serves_the_app_and_ctrl_c_stops_everything(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")}
    env |= {"CHARTER_DATA_DIR": str(tmp_path), "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "manage.py", "charter_run", "--bind", f"127.0.0.1:{port}"],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    output = []
    try:
        deadline = time.time() + 120
        while not any("log in as" in line for line in output):
            assert time.time() < deadline and proc.poll() is None, "".join(output)
            output.append(proc.stdout.readline())
        user, password = re.search(r"log in as (\S+) / (\S+)", "".join(output)).groups()
        embedded = redis.Redis(unix_socket_path=str(tmp_path / "redis.sock"))
        assert embedded.ping()  # the embedded redis-server
        children = psutil.Process(proc.pid).children(recursive=True)
        assert len(children) >= 2  # the worker and gunicorn, with their own children

        jar = CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        base = f"http://127.0.0.1:{port}"
        deadline = time.time() + 60
        while True:
            try:
                login_page = opener.open(f"{base}/accounts/login/", timeout=5).read().decode()
                break
            except OSError:
                assert time.time() < deadline
                time.sleep(0.3)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login_page).group(1)
        body = urllib.parse.urlencode({"username": user, "password": password, "csrfmiddlewaretoken": token})
        page = opener.open(f"{base}/accounts/login/", data=body.encode(), timeout=10)
        assert page.url == f"{base}/" and "From a constitution to an evaluated model" in page.read().decode()
        assert "Benign instructions" in opener.open(f"{base}/prompts/", timeout=10).read().decode()
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=60)
    assert "stopped." in proc.stdout.read()
    # The group was sent SIGKILL before charter_run exited; give the kernel time to deliver it.
    wait_for(lambda: not alive(children), timeout=30, message=f"every child to be gone: {alive(children)}")
    with pytest.raises(redis.ConnectionError):
        embedded.ping()


def alive(processes: list[psutil.Process]) -> list[psutil.Process]:
    found = []
    for p in processes:
        try:
            if p.is_running() and p.status() != psutil.STATUS_ZOMBIE:
                found.append(p)
        except psutil.NoSuchProcess:
            pass
    return found
