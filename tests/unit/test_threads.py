"""The BLAS threads a training runs on: chosen by the work (one for the tutorial, every core for wide layers), applied
by `fit` whichever way it is called, overridden by the `threads` setting, and shared out by `reproduce --jobs`."""

from __future__ import annotations

from pathlib import Path

import pytest
from threadpoolctl import threadpool_info, threadpool_limits

import scratchnet
import scratchnet.training.threads as threads
from scratchnet import ConfigError, Network, TrainOptions, fit
from scratchnet.cli import build_parser
from scratchnet.cli.arguments import UsageError
from scratchnet.cli.runs import Run, run_threads
from scratchnet.cli.train import config_from
from scratchnet.training.threads import mean_product_flops, threads_for, threads_per_job

TUTORIAL = (784, 16, 16, 10)
WIDE = (784, 800, 800, 10)


def _blas_threads() -> set[int]:
    """Return the thread counts of every BLAS pool loaded in this process, as threadpoolctl reads them from the libraries."""
    return {pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"}


@pytest.fixture
def two_cores(monkeypatch):
    """Pretend the process may use two cores (this machine's count), and make sure the BLAS can run two threads."""
    with threadpool_limits(limits=2, user_api="blas"):
        if _blas_threads() != {2}:
            pytest.skip("this BLAS cannot run two threads here")
    monkeypatch.setattr(threads, "available_cores", lambda: 2)


@pytest.fixture(scope="module")
def images():
    data = scratchnet.load_mnist()
    return data.train.images[:256], data.train.labels[:256]


def test_mean_product_flops_counts_two_operations_per_multiply_add():
    # By hand: m = 10 rows through 784→16, 16→16, 16→10 is 10·(12,544 + 256 + 160) multiply-adds over three products.
    assert mean_product_flops(TUTORIAL, 10) == 2 * 10 * (784 * 16 + 16 * 16 + 16 * 10) / 3 == 86_400
    assert mean_product_flops((784, 10), 1) == 2 * 7_840


def test_the_tutorial_stays_on_one_thread_and_wide_layers_take_every_core():
    assert threads_for(TUTORIAL, 10, cores=2) == 1
    assert threads_for(TUTORIAL, 100, cores=2) == 1
    assert threads_for((784, 30, 10), 10, cores=2) == 1  # chapter 1's network
    assert threads_for(WIDE, 128, cores=2) == 2  # best-mlp's
    assert threads_for(WIDE, 128, cores=16) == 16
    assert threads_for(WIDE, 128, cores=1) == 1


def test_the_environment_caps_the_cores(monkeypatch):
    for variable in threads.THREAD_VARIABLES:
        monkeypatch.delenv(variable, raising=False)
    uncapped = threads.available_cores()
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    assert threads.available_cores() == 1 and threads_for(WIDE, 128) == 1
    monkeypatch.setenv("OMP_NUM_THREADS", "not a number")
    assert threads.available_cores() == uncapped


@pytest.mark.parametrize("cores", [1, 2, 3, 8, 16])
def test_jobs_side_by_side_never_ask_for_more_threads_than_cores(cores):
    for jobs in range(1, cores + 1):
        assert threads_per_job(jobs, cores) >= 1 and jobs * threads_per_job(jobs, cores) <= cores
    assert threads_per_job(1, cores) == cores


def test_the_threads_setting_takes_a_count_or_zero_for_chosen_by_the_work():
    assert (
        TrainOptions().threads is None
        and TrainOptions(threads=0).threads is None
        and TrainOptions(threads=3).threads == 3
    )
    with pytest.raises(ConfigError, match="threads must be a positive integer, or 0"):
        TrainOptions(threads=-1)
    parser = build_parser()
    assert config_from(parser.parse_args(["train", "--threads", "3"])).threads == 3
    assert config_from(parser.parse_args(["train", "--threads", "0"])).threads is None
    assert config_from(parser.parse_args(["train", "--preset", "best-mlp"])).threads is None


def _threads_during(train) -> tuple[set[int], set[int]]:
    """Return (the BLAS threads seen in an epoch's callback while `train(callback)` runs, those after it)."""
    seen: list[set[int]] = []
    train(lambda record: seen.append(_blas_threads()))
    assert seen, "the callback was never called"
    return set().union(*seen), _blas_threads()


def test_network_sgd_applies_the_policy_and_restores_the_threads_after(two_cores, images):
    X, y = images
    with threadpool_limits(limits=1, user_api="blas"):
        wide = Network(WIDE, activation="relu", cost="log-likelihood", init="he", seed=0)
        assert _threads_during(
            lambda callback: wide.sgd(X, y, epochs=1, batch_size=128, lr=0.01, callback=callback)
        ) == ({2}, {1})
    with threadpool_limits(limits=2, user_api="blas"):
        small = Network(TUTORIAL, seed=0)
        assert _threads_during(lambda callback: small.sgd(X, y, epochs=2, batch_size=10, callback=callback)) == (
            {1},
            {2},
        )


def test_the_threads_setting_overrides_the_policy(two_cores, images):
    X, y = images
    with threadpool_limits(limits=2, user_api="blas"):
        wide = Network(WIDE, activation="relu", cost="log-likelihood", init="he", seed=0)
        during, _ = _threads_during(
            lambda callback: scratchnet.train(
                wide, X, y, epochs=1, batch_size=128, lr=0.01, callback=callback, threads=1
            )
        )
        assert during == {1}
    with threadpool_limits(limits=1, user_api="blas"):
        small = Network(TUTORIAL, seed=0)
        during, _ = _threads_during(lambda callback: small.sgd(X, y, epochs=1, callback=callback, threads=2))
        assert during == {2}
        from scratchnet.training.callbacks import EachEpoch

        seen: list[set[int]] = []
        fit(
            Network(TUTORIAL, seed=0),
            X,
            y,
            TrainOptions(epochs=1, threads=2),
            callbacks=[EachEpoch(lambda record: seen.append(_blas_threads()))],
        )
        assert seen == [{2}]


def test_reproduce_gives_each_job_its_share_of_the_cores(monkeypatch, tmp_path: Path):
    monkeypatch.setattr("scratchnet.cli.runs.available_cores", lambda: 4)
    assert run_threads(1) is None  # alone: chosen by the work in the run itself
    assert run_threads(2) == 2 and run_threads(3) == 1 and run_threads(4) == 1
    with pytest.raises(UsageError, match="--jobs: must be at most the 4 cores.*got 5"):
        run_threads(5)
    command = ["train", *Run("book-ch1", (("seed", 0), ("epochs", 1)), 2000, threads=2).arguments()]
    assert command[command.index("--threads") + 1] == "2"
    assert "--threads" not in Run("best-mlp", (("seed", 0),)).arguments()
    assert build_parser().parse_args(command).threads == 2  # the child's own parser reads it back


def test_reproduce_refuses_more_jobs_than_cores_in_one_line(tmp_path: Path):
    from tests.conftest import run_cli

    result = run_cli("reproduce", "--quick", "--jobs", "1000", "--out", str(tmp_path / "a.md"), cwd=tmp_path)
    assert result.returncode == 2 and "--jobs" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "a.md").exists()


def test_resume_may_be_given_threads_again_but_no_other_setting(tmp_path: Path):
    from tests.conftest import run_cli

    trained = run_cli("train", "--limit", "300", "--epochs", "2", "--keep-checkpoint", "--out", "m.npz", cwd=tmp_path)
    assert trained.returncode == 0, trained.stderr
    refused = run_cli("train", "--resume", "m.npz.ckpt", "--lr", "1", cwd=tmp_path)
    assert refused.returncode == 2 and "--lr" in refused.stderr
    resumed = run_cli("train", "--resume", "m.npz.ckpt", "--threads", "1", "--out", "again.npz", cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stderr
    assert (tmp_path / "again.npz").exists()
