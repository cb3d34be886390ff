"""The package as an index would see it: `python -m build` makes an sdist and a wheel without a warning, and
the wheel installs from its file into a fresh venv offline (no index) without a word on stdout or stderr.

The fresh venv takes scratchnet from the wheel only; its dependencies (NumPy, Pillow, rich, threadpoolctl)
are borrowed from this environment's site-packages through PYTHONPATH, which does not run this
environment's editable-install hook, so the import must come from the wheel.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import tomllib
import zipfile
from pathlib import Path

import pytest

import scratchnet

ROOT = Path(__file__).resolve().parents[1]


def run(
    *command: str | Path, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([str(c) for c in command], capture_output=True, text=True, env=env, cwd=cwd, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return done


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """Return (the folder with the sdist and wheel, what `python -m build` printed)."""
    out = tmp_path_factory.mktemp("dist")
    env = {
        key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"
    }  # else setuptools warns it skips
    done = run(sys.executable, "-m", "build", "--no-isolation", "--outdir", out, ROOT, env=env)
    return out, done.stdout + done.stderr


@pytest.mark.slow
def test_build_makes_an_sdist_and_a_wheel_without_a_warning(built: tuple[Path, str]):
    out, log = built
    names = sorted(p.name for p in out.iterdir())
    assert names == [
        f"scratchnet-{scratchnet.__version__}-py3-none-any.whl",
        f"scratchnet-{scratchnet.__version__}.tar.gz",
    ]
    assert "warning" not in log.lower() and "deprecat" not in log.lower(), log


@pytest.mark.slow
def test_the_wheel_carries_mnist_the_explorer_and_the_metadata(built: tuple[Path, str]):
    out, _log = built
    with zipfile.ZipFile(next(out.glob("*.whl"))) as wheel:
        files = set(wheel.namelist())
        metadata = wheel.read(f"scratchnet-{scratchnet.__version__}.dist-info/METADATA").decode()
    assert {
        "scratchnet/py.typed",
        "scratchnet/web/static/index.html",
        "scratchnet/data/shipped/t10k-images-idx3-ubyte.gz",
    } <= files
    assert "scratchnet/models/reader.npz" in files  # `scratchnet read` works on a fresh install
    assert f"Version: {scratchnet.__version__}" in metadata and "License-Expression: MIT" in metadata
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    for extra in ("sklearn", "onnx", "notebooks", "plots", "web"):
        assert f"Provides-Extra: {extra}" in metadata and extra in declared["optional-dependencies"]
    assert metadata.count("Classifier: ") == len(declared["classifiers"]) and "Project-URL: " in metadata


@pytest.mark.slow
def test_the_wheel_installs_offline_into_a_fresh_venv_silently_and_runs(built: tuple[Path, str], tmp_path: Path):
    out, _log = built
    venv = tmp_path / "venv"
    run(sys.executable, "-m", "venv", venv)
    python = venv / "bin" / "python"
    env = {**os.environ, "PIP_NO_INDEX": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1", "PIP_CONFIG_FILE": os.devnull}
    installed = run(python, "-m", "pip", "install", "--quiet", "--no-deps", next(out.glob("*.whl")), env=env)
    assert installed.stdout == installed.stderr == ""
    env["PYTHONPATH"] = sysconfig.get_paths()["purelib"] + os.pathsep + sysconfig.get_paths()["platlib"]
    check = "import scratchnet; print(scratchnet.__file__); print(len(scratchnet.load_mnist().test))"
    where, test_images = run(python, "-c", check, env=env, cwd=tmp_path).stdout.split()
    assert Path(where).is_relative_to(venv) and test_images == "10000"
    assert (
        run(venv / "bin" / "scratchnet", "--version", env=env).stdout.strip() == f"scratchnet {scratchnet.__version__}"
    )
