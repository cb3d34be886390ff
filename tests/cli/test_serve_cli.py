"""`scratchnet serve` as a real process: it prints its URL, answers on it, and fails in one line."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import run_cli

NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def start_server(*args: str, cwd: Path) -> tuple[subprocess.Popen[str], str]:
    """Start `python -m scratchnet serve ARGS --port 0`; return the process and the URL it printed."""
    environment = {**os.environ, "SCRATCHNET_HOME": str(cwd / ".scratchnet"), "COLUMNS": "200"}
    process = subprocess.Popen(
        [sys.executable, "-m", "scratchnet", "serve", *args, "--port", "0"],
        cwd=cwd, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    assert process.stdout is not None
    lines = []
    for line in process.stdout:
        lines.append(line)
        if "http://" in line:
            return process, "http://" + line.split("http://")[1].split()[0].rstrip("/")
    process.kill()
    _, stderr = process.communicate()
    raise AssertionError(f"no URL printed: {lines} {stderr}")


def stop_server(process: subprocess.Popen[str]) -> tuple[int, str]:
    """Press Ctrl-C on the server; return its exit code and what it wrote on stderr."""
    process.send_signal(signal.SIGINT)
    try:
        _, stderr = process.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        raise
    return process.returncode, stderr


def get_json(url: str) -> dict:
    with NO_PROXY.open(url, timeout=10) as response:
        return json.loads(response.read())


def test_serve_prints_its_url_and_answers_there(tmp_path, trained_model):
    process, url = start_server(str(trained_model), cwd=tmp_path)
    try:
        assert url.startswith("http://127.0.0.1:")
        assert get_json(url + "/api/model")["sizes"] == [784, 30, 10]
        with NO_PROXY.open(url + "/", timeout=10) as response:
            assert b'data-testid="canvas"' in response.read()
    finally:
        code, stderr = stop_server(process)
    assert code == 130  # Ctrl-C, as every scratchnet command answers it
    assert "Traceback" not in stderr


def test_serve_without_any_model_trains_the_tutorials_network(tmp_path):
    process, url = start_server(cwd=tmp_path)
    try:
        run = get_json(url + "/api/train")["run"]
        assert run["live"] is True and run["config"]["layers"] == [784, 16, 16, 10]
    finally:
        stop_server(process)


def test_serve_a_missing_model_fails_in_one_line(tmp_path):
    done = run_cli("serve", "missing.npz", cwd=tmp_path)
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1 and "missing.npz" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize("port", ["70000", "-1", "http"])
def test_serve_a_bad_port_is_a_usage_error(tmp_path, port):
    done = run_cli("serve", "--port", port, cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "port" in done.stderr


def test_serve_on_a_taken_port_fails_in_one_line(tmp_path, trained_model):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        done = run_cli("serve", str(trained_model), "--port", str(port), cwd=tmp_path)
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1 and str(port) in done.stderr and "Traceback" not in done.stderr
