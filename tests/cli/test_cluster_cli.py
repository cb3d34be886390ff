"""`sweep --scheduler` and `reproduce --scheduler` against a real Dask LocalCluster (worker processes, no mocks).

The cluster has 2 worker processes of 1 thread each; every run is a tiny `scratchnet train` (one epoch
on a few hundred images), so the accuracies are far from trained but exact, and compared seed for seed
with the same sweep on this machine.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import run_cli

distributed = pytest.importorskip("distributed")

GRID = ("--lr", "1,3", "--seeds", "1,2", "--epochs", "1", "--limit", "300")
"""Four runs of a second or two each."""


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """A LocalCluster of 2 worker processes with 1 thread each; its runs keep SCRATCHNET_HOME in a temporary folder."""
    home = tmp_path_factory.mktemp("worker-home")
    temporary = tmp_path_factory.mktemp("worker-tmp")
    with distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        dashboard_address=":0",
        env={"SCRATCHNET_HOME": str(home), "TMPDIR": str(temporary)},
    ) as local:
        local.temporary = temporary  # the workers' temporary folder, where each run's folder lies
        yield local


@pytest.fixture(scope="module")
def local_sweep(tmp_path_factory) -> dict:
    """The JSON of GRID swept on this machine."""
    folder = tmp_path_factory.mktemp("local-sweep")
    result = run_cli("sweep", *GRID, "--out", "local.json", cwd=folder)
    assert result.returncode == 0, result.stderr
    return json.loads((folder / "local.json").read_text())


def _accuracies(document: dict) -> dict[tuple[float, int], float]:
    return {(run["settings"]["lr"], run["settings"]["seed"]): run["test_accuracy"] for run in document["runs"]}


def test_sweep_on_the_cluster_equals_the_sweep_here_seed_for_seed(tmp_path, cluster, local_sweep):
    result = run_cli("sweep", *GRID, "--scheduler", cluster.scheduler_address, "--out", "cluster.json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    remote = json.loads((tmp_path / "cluster.json").read_text())
    assert remote["scheduler"] == cluster.scheduler_address
    assert _accuracies(remote) == _accuracies(local_sweep) and len(remote["runs"]) == 4


def test_a_worker_killed_mid_run_loses_no_run_and_counts_none_twice(tmp_path, cluster, local_sweep):
    command = [sys.executable, "-m", "scratchnet", "sweep", *GRID, "--scheduler", cluster.scheduler_address]
    environment = {**os.environ, "SCRATCHNET_HOME": str(tmp_path / ".scratchnet"), "COLUMNS": "120"}
    sweep = subprocess.Popen(
        [*command, "--out", "killed.json"], cwd=tmp_path, env=environment, stdout=subprocess.PIPE, text=True
    )
    with distributed.Client(cluster.scheduler_address, set_as_default=False) as client:
        busy = None
        for _ in range(600):  # until a worker is running one of the sweep's runs (at most a minute)
            busy = next((worker for worker, keys in client.processing().items() if keys), None)
            if busy:
                break
            time.sleep(0.1)
        assert busy, "no run reached a worker"
        time.sleep(0.5)  # the run's `scratchnet train` child has started
        nanny = next(nanny for nanny in cluster.workers.values() if nanny.worker_address == busy)
        killed = nanny.process.process.pid
        os.kill(killed, signal.SIGKILL)
    output, _ = sweep.communicate(timeout=300)
    assert sweep.returncode == 0, output
    assert not list(cluster.temporary.glob(f"scratchnet-run-{killed}-*"))  # the next run removed what it left
    finished = [line for line in output.splitlines() if line.startswith("  tutorial ")]
    assert len(finished) == 4 and len(set(finished)) == 4  # each run reported once
    remote = json.loads((tmp_path / "killed.json").read_text())
    assert _accuracies(remote) == _accuracies(local_sweep)


def test_reproduce_on_the_cluster_reports_what_it_reports_here(tmp_path, cluster):
    flags = ("reproduce", "--quick", "--presets", "tutorial,book-ch1", "--seeds", "1")
    here = run_cli(*flags, "--out", "here.md", cwd=tmp_path)
    there = run_cli(*flags, "--scheduler", cluster.scheduler_address, "--out", "there.md", cwd=tmp_path)
    assert here.returncode == 0 and there.returncode == 0, there.stderr

    def rows(name: str) -> list[str]:  # each preset's row less its seconds, the last column
        lines = (tmp_path / name).read_text().splitlines()
        return [line.rsplit("|", 2)[0] for line in lines if line.startswith("| `")]

    assert rows("there.md") == rows("here.md") and len(rows("here.md")) == 2
    assert f"--scheduler {cluster.scheduler_address}" in (tmp_path / "there.md").read_text()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_scheduler_that_does_not_answer_is_one_line(tmp_path):
    result = run_cli("sweep", "--scheduler", f"tcp://127.0.0.1:{_free_port()}", *GRID, cwd=tmp_path, timeout=60)
    assert result.returncode == 1
    assert len(result.stderr.strip().splitlines()) == 1 and "did not answer within 10 s" in result.stderr


@pytest.mark.parametrize(
    ("package", "said"),
    [
        ('__version__ = "0.0.1"\n', "has scratchnet 0.0.1"),
        ("raise ImportError(\"No module named 'scratchnet'\")\n", "has no scratchnet"),
    ],
)
def test_workers_without_this_scratchnet_are_one_line(tmp_path, package, said):
    shadow = tmp_path / "shadow" / "scratchnet"  # found first on the worker's path: another scratchnet, or none
    shadow.mkdir(parents=True)
    (shadow / "__init__.py").write_text(package)
    with distributed.LocalCluster(n_workers=0, processes=True, dashboard_address=":0") as scheduler_only:
        worker = subprocess.Popen(
            [sys.executable, "-m", "distributed.cli.dask_worker", scheduler_only.scheduler_address, "--nthreads", "1"],
            env={**os.environ, "PYTHONPATH": str(shadow.parent)},
            cwd=tmp_path,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            result = run_cli("sweep", "--scheduler", scheduler_only.scheduler_address, *GRID, cwd=tmp_path, timeout=60)
        finally:
            worker.terminate()
            worker.wait(timeout=30)
    assert result.returncode == 1
    assert len(result.stderr.strip().splitlines()) == 1 and said in result.stderr
    assert not list(Path(tmp_path).glob("*.json"))
