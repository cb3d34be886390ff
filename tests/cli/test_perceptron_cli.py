import itertools

import pytest

from tests.conftest import run_cli


def _rows(stdout: str) -> list[list[str]]:
    """Return the cells of the table's body rows."""
    return [
        [cell.strip() for cell in line.strip().strip("│").split("│")]
        for line in stdout.splitlines()
        if line.startswith("│")
    ]


def _header(stdout: str) -> list[str]:
    line = next(line for line in stdout.splitlines() if line.startswith("┃"))
    return [cell.strip() for cell in line.strip().strip("┃").split("┃")]


@pytest.mark.parametrize("threshold, rule", [("5", lambda w, p, t: w), ("3", lambda w, p, t: int(w or (p and t)))])
def test_cheese_festival_truth_tables(tmp_path, threshold, rule):
    done = run_cli("perceptron", "--weights", "6,2,2", "--threshold", threshold, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert _header(done.stdout) == ["weather", "partner", "transit", "w·x", "decision"]
    rows = _rows(done.stdout)
    assert [tuple(int(c) for c in row[:3]) for row in rows] == list(itertools.product((0, 1), repeat=3))
    for row in rows:
        w, p, t = (int(c) for c in row[:3])
        assert float(row[3]) == 6 * w + 2 * p + 2 * t
        assert int(row[4]) == rule(w, p, t)


def test_names_and_bias(tmp_path):
    done = run_cli("perceptron", "--weights=-2,-2", "--bias", "3", "--names", "a,b", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert _header(done.stdout)[:2] == ["a", "b"]
    assert [int(row[-1]) for row in _rows(done.stdout)] == [1, 1, 1, 0]


def test_learning_xor_is_reported_not_converged(tmp_path):
    done = run_cli("perceptron", "--learn", "xor", "--max-epochs", "20", cwd=tmp_path)
    assert done.returncode == 0 and "did not converge in 20 epochs" in done.stdout
    assert "converged after" in run_cli("perceptron", "--learn", "or", cwd=tmp_path).stdout


@pytest.mark.parametrize(
    "args", [["--weights", "6,x"], ["--weights", "6,2", "--names", "a"], ["--threshold", "1", "--bias", "2"]]
)
def test_bad_arguments_exit_2_with_one_line(tmp_path, args):
    done = run_cli("perceptron", *args, cwd=tmp_path)
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr
