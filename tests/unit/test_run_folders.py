"""Run folders left by a process that was killed are removed by the next run (`scratchnet.cli.runs`)."""

from __future__ import annotations

import os
import subprocess
import sys
import time

from scratchnet.cli.runs import RUN_FOLDER, has_ended, remove_orphaned_folders


def _ended_pid() -> int:
    """Return the id of a process that has ended and been waited for."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_a_process_that_ended_has_ended_and_this_one_has_not():
    assert has_ended(_ended_pid())
    assert not has_ended(os.getpid())


def test_a_killed_process_not_yet_waited_for_has_ended():
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    child.kill()
    for _ in range(100):  # until the kill has landed; the child stays unwaited (a zombie on Linux)
        if has_ended(child.pid):
            break
        time.sleep(0.05)
    assert has_ended(child.pid)
    child.wait()


def test_only_the_folders_of_ended_processes_go(tmp_path):
    dead, alive = _ended_pid(), os.getpid()
    orphan = tmp_path / f"{RUN_FOLDER}{dead}-abc123"
    (orphan / "model.npz").parent.mkdir()
    (orphan / "model.npz").write_bytes(b"half a model")
    ours = tmp_path / f"{RUN_FOLDER}{alive}-def456"
    ours.mkdir()
    unnamed = tmp_path / f"{RUN_FOLDER}0lsim169"  # the older names carry no process: kept
    unnamed.mkdir()
    elsewhere = tmp_path / f"other-{dead}-abc"
    elsewhere.mkdir()
    assert remove_orphaned_folders(tmp_path) == [orphan]
    assert not orphan.exists() and ours.exists() and unnamed.exists() and elsewhere.exists()
