"""`scratchnet serve` as a real process: it prints its URL, answers on it, and fails in one line."""

from __future__ import annotations

import base64
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np
import psutil
import pytest

from benchmarks.load import children
from tests.conftest import run_cli

NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def launch(*args: str, cwd: Path) -> subprocess.Popen[str]:
    """Start `python -m scratchnet serve ARGS --port 0` in cwd, with its own SCRATCHNET_HOME; return the process."""
    environment = {
        **os.environ,
        "SCRATCHNET_HOME": str(cwd / ".scratchnet"),
        "COLUMNS": "200",
        "PYTHONIOENCODING": "utf-8",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "scratchnet", "serve", *args, "--port", "0"],
        cwd=cwd,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
    )


def start_server(*args: str, cwd: Path) -> tuple[subprocess.Popen[str], str]:
    """Start `python -m scratchnet serve ARGS --port 0`; return the process and the URL it printed."""
    process = launch(*args, cwd=cwd)
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


# Classroom mode: served beyond 127.0.0.1 ---------------------------------------------------------


def start_classroom(
    *args: str, cwd: Path, host: str = "127.0.0.2"
) -> tuple[subprocess.Popen[str], dict[str, str], list[str]]:
    """Start `scratchnet serve ARGS --host HOST --port 0`; return the process, the printed URLs by role
    (explorer, teacher, students) and the lines printed after the students' URL (the QR code)."""
    process = launch(*args, "--host", host, cwd=cwd)
    assert process.stdout is not None
    urls: dict[str, str] = {}
    for line in process.stdout:
        for role in ("explorer", "teacher", "students"):
            if line.startswith(role) and "http://" in line:
                urls[role] = "http://" + line.split("http://")[1].split()[0]
        if "students" in urls:
            qr = [process.stdout.readline().rstrip("\n") for _ in range(4)]
            return process, urls, qr
    process.kill()
    _, stderr = process.communicate()
    raise AssertionError(f"no students' URL printed: {urls} {stderr}")


def post(url: str, body: dict | None = None, token: str | None = None) -> tuple[int, dict]:
    """POST JSON to url (with a Bearer token if given); return the status and the JSON answer."""
    headers = {"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})}
    request = urllib.request.Request(url, data=json.dumps(body or {}).encode(), headers=headers, method="POST")
    try:
        with NO_PROXY.open(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


QUICK_TRAINING = {"layers": [784, 10], "epochs": 2, "training_size": 200}


def test_served_on_127_0_0_2_training_needs_the_printed_token_and_predicting_stays_open(tmp_path, trained_model):
    process, urls, _ = start_classroom(str(trained_model), cwd=tmp_path)
    try:
        base = urls["students"].rstrip("/")
        assert base.startswith("http://127.0.0.2:") and urls["teacher"].startswith(base + "/?token=")
        token = urls["teacher"].split("?token=")[1]
        assert len(token) >= 16
        assert post(base + "/api/train", QUICK_TRAINING)[0] == 401
        assert post(base + "/api/train", QUICK_TRAINING, token="not" + token)[0] == 403
        drawing = {"width": 2, "height": 2, "grey": "AP8A/w=="}  # two white pixels on black
        status, answer = post(base + "/api/predict", drawing)
        assert status == 200 and 0 <= answer["prediction"] <= 9
        assert get_json(base + "/api/model")["sizes"] == [784, 30, 10]
        status, run = post(base + "/api/train", QUICK_TRAINING, token=token)
        assert status == 202 and run["config"]["layers"] == [784, 10]
    finally:
        code, stderr = stop_server(process)
    assert code == 130 and "Traceback" not in stderr


def test_the_students_url_is_printed_as_a_qr_code(tmp_path, trained_model):
    import segno

    process, urls, qr = start_classroom(str(trained_model), "--token", "class-of-2026", cwd=tmp_path)
    stop_server(process)
    assert urls["teacher"].endswith("/?token=class-of-2026")
    # the printed blocks are the QR code of the students' URL, as segno draws it: 2-module border, two rows a line
    expected = segno.make(urls["students"], error="m", micro=False)
    assert len(qr[0]) == expected.symbol_size(border=2)[0] and set(qr[0]) == {"█"}
    assert set("".join(qr[1:])) <= {"█", "▀", "▄", " "} and " " in qr[1]


def test_no_token_serves_openly_with_a_one_line_warning(tmp_path, trained_model):
    process, urls, _ = start_classroom(str(trained_model), "--no-token", cwd=tmp_path)
    try:
        assert "teacher" not in urls
        status, _ = post(urls["students"].rstrip("/") + "/api/train", QUICK_TRAINING)
        assert status == 202
    finally:
        _, stderr = stop_server(process)
    warnings = [line for line in stderr.splitlines() if "warning" in line]
    assert len(warnings) == 1 and "without a token" in warnings[0]


@pytest.mark.parametrize(
    "args", [["--token", "short"], ["--token", "has space in it"], ["--token", "abcdefgh", "--no-token"]]
)
def test_a_bad_token_choice_is_a_usage_error(tmp_path, args):
    done = run_cli("serve", *args, cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "token" in done.stderr


def test_several_watchers_see_the_same_live_training(tmp_path, trained_model):
    import threading

    process, urls, _ = start_classroom(str(trained_model), "--token", "class-of-2026", cwd=tmp_path)
    base = urls["students"].rstrip("/")
    streams: list[str] = [""] * 4

    def watch(i: int) -> None:
        with NO_PROXY.open(base + "/api/train/events", timeout=60) as response:
            streams[i] = response.read().decode()

    try:
        assert post(base + "/api/train", QUICK_TRAINING, token="class-of-2026")[0] == 202
        watchers = [threading.Thread(target=watch, args=(i,)) for i in range(4)]
        for watcher in watchers:
            watcher.start()
        for watcher in watchers:
            watcher.join(timeout=90)
    finally:
        stop_server(process)
    for text in streams:
        epochs = [json.loads(data)["epoch"] for data in re.findall(r"event: epoch\ndata: (.*)\n", text)]
        assert epochs == [1, 2] and "event: end" in text


def test_the_students_address_of_a_wildcard_host_is_one_of_this_machines_own():
    import ipaddress

    from scratchnet.cli.serve import reachable_address

    address = reachable_address("0.0.0.0")
    assert not ipaddress.ip_address(address).is_unspecified
    with socket.socket() as probe:
        probe.bind((address, 0))  # only an address of this machine can be bound
    assert (
        reachable_address("127.0.0.2") == "127.0.0.2"
        and reachable_address("teacher-laptop.local") == "teacher-laptop.local"
    )


def test_a_token_chosen_on_this_machine_is_enforced_and_printed(tmp_path, trained_model):
    process = launch(str(trained_model), "--token", "only-me-here", cwd=tmp_path)
    assert process.stdout is not None
    lines = [process.stdout.readline() for _ in range(3)]  # model, explorer on, teacher
    try:
        teacher = next(line for line in lines if line.startswith("teacher"))
        base = "http://" + teacher.split("http://")[1].split("/?token=")[0]
        assert base.startswith("http://127.0.0.1:") and "only-me-here" in teacher
        assert post(base + "/api/train", QUICK_TRAINING)[0] == 401
        assert post(base + "/api/train", QUICK_TRAINING, token="only-me-here")[0] == 202
    finally:
        stop_server(process)


# Readings in worker processes -------------------------------------------------------------------


@pytest.mark.parametrize("count", ["5", "-1", "two"])
def test_serve_a_bad_number_of_read_processes_is_a_usage_error(tmp_path, count):
    done = run_cli("serve", "--read-processes", count, cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "--read-processes" in done.stderr and "0 to 4" in done.stderr


def alive(pid: int) -> bool:
    """Return True while process pid runs (a zombie waiting to be reaped has ended)."""
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def spawned_workers(pid: int, count: int, seconds: float = 20.0) -> tuple[set[int], set[int]]:
    """Return (helpers, workers): pid's children, and those of them that are multiprocessing's spawned workers,
    once `count` workers are seen or `seconds` have passed (a CI run once counted one worker of two: read until the
    count is right, on a machine busy with other tests)."""
    deadline = time.monotonic() + seconds
    while True:
        helpers = set(children(pid))  # the workers, and multiprocessing's resource tracker beside them
        workers = {child for child in helpers if "spawn_main" in " ".join(command_line(child))}
        if len(workers) >= count or time.monotonic() > deadline:
            return helpers, workers
        time.sleep(0.1)


def command_line(pid: int) -> list[str]:
    """Return the command line of process pid ([] once it has ended)."""
    try:
        return psutil.Process(pid).cmdline()
    except psutil.NoSuchProcess:
        return []


def test_served_readings_in_worker_processes_are_the_servers_own_and_die_with_it(tmp_path, trained_model, mnist):
    image = np.kron(mnist.test.images[0].reshape(28, 28), np.ones((4, 4), dtype=np.uint8))
    body = {"width": 112, "height": 112, "grey": base64.b64encode(image.tobytes()).decode()}
    answers = []
    for processes in ("2", "0"):
        process, url = start_server(str(trained_model), "--read-processes", processes, cwd=tmp_path)
        try:
            helpers, workers = spawned_workers(process.pid, int(processes))
            assert len(workers) == int(processes)
            status, answer = post(url + "/api/read", body)
            assert status == 200, answer
            answers.append(answer)
        finally:
            if processes == "2":
                process.kill()  # kill -9: nothing left to end the workers but the kernel
                process.communicate()
                deadline = time.monotonic() + 10
                while any(alive(pid) for pid in helpers) and time.monotonic() < deadline:
                    time.sleep(0.1)
                assert not [pid for pid in helpers if alive(pid)]
            else:
                stop_server(process)
    assert answers[0] == answers[1] and answers[0]["text"] == str(mnist.test.labels[0])
