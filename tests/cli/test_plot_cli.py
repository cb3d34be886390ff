"""`scratchnet plot KIND --out FILE` writes a valid PNG for every KIND, from a model `scratchnet train` made."""

import shutil

import pytest
from PIL import Image

from scratchnet.cli import main
from tests.conftest import CONVOLUTIONAL_FIGURE_KINDS, run_cli
from tests.conftest import FIGURE_KINDS as KINDS

pytest.importorskip("matplotlib")


def _assert_png(path):
    with Image.open(path) as image:
        image.verify()
    with Image.open(path) as image:
        assert image.format == "PNG" and image.size[0] >= 800


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_writes_a_png_from_the_trained_model(
    kind, cli_trained_model, cli_trained_conv_model, tmp_path, capsys
):
    out = tmp_path / f"{kind}.png"
    model = cli_trained_conv_model if kind in CONVOLUTIONAL_FIGURE_KINDS else cli_trained_model
    assert main(["plot", kind, "--model", str(model), "--out", str(out)]) == 0
    _assert_png(out)
    assert f"wrote {kind}" in capsys.readouterr().out
    assert [p.name for p in tmp_path.iterdir()] == [out.name]  # no temporary file left behind


def test_model_defaults_to_the_last_trained_one(cli_trained_model, tmp_path):
    (tmp_path / ".scratchnet").mkdir()
    shutil.copy(cli_trained_model.parent / ".scratchnet" / "last-model", tmp_path / ".scratchnet" / "last-model")
    done = run_cli("plot", "hidden-weights", "--out", "weights.png", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert str(cli_trained_model.resolve()) in done.stdout.replace("\n", "")
    _assert_png(tmp_path / "weights.png")


def test_model_free_kinds_ignore_a_missing_model(tmp_path):
    done = run_cli("plot", "step-vs-sigmoid", "--model", "no-such.npz", "--out", "curves.png", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    _assert_png(tmp_path / "curves.png")


@pytest.mark.parametrize(
    "args, code",
    [
        (["plot", "dream", "--out", "x.png"], 1),  # no model trained yet
        (["plot", "dream", "--model", "missing.npz", "--out", "x.png"], 1),
        (["plot", "nonsense", "--out", "x.png"], 2),
        (["plot", "descent", "--out", "no/such/folder/x.png"], 2),
        (["plot", "descent", "--digit", "3", "--out", "x.png"], 2),  # only the wishes figure has an example
        (["plot", "wishes", "--digit", "3", "--index", "4", "--out", "x.png"], 2),
        (["plot", "wishes", "--index", "-1", "--out", "x.png"], 2),
    ],
)
def test_bad_requests_get_one_line(tmp_path, args, code):
    done = run_cli(*args, cwd=tmp_path)
    assert done.returncode == code
    assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr
    assert not (tmp_path / "x.png").exists()


def test_without_matplotlib_plot_says_how_to_install_it(tmp_path):
    import subprocess
    import sys

    code = "import sys; sys.modules['matplotlib'] = None; from scratchnet.cli import main; sys.exit(main(['plot', 'descent', '--out', 'x.png']))"
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert len(done.stderr.strip().splitlines()) == 1 and "pip install 'scratchnet[plots]'" in done.stderr
    assert not (tmp_path / "x.png").exists()


@pytest.mark.parametrize(
    "choice, shown",
    [(["--digit", "7"], "test digit #0, a 7"), (["--index", "1"], "test digit #1, a 2"), ([], "test digit #1, a 2")],
)
def test_wishes_draws_the_chosen_test_digit(choice, shown, cli_trained_model, tmp_path):
    done = run_cli("plot", "wishes", "--model", str(cli_trained_model), *choice, "--out", "wishes.png", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert shown in done.stdout
    _assert_png(tmp_path / "wishes.png")


@pytest.mark.parametrize(
    "choice, message", [(["--digit", "12"], "no example of digit 12"), (["--index", "10000"], "no test digit 10000")]
)
def test_wishes_refuses_an_example_that_does_not_exist(choice, message, cli_trained_model, tmp_path):
    done = run_cli("plot", "wishes", "--model", str(cli_trained_model), *choice, "--out", "x.png", cwd=tmp_path)
    assert done.returncode == 1
    assert len(done.stderr.strip().splitlines()) == 1 and message in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "x.png").exists()


@pytest.mark.parametrize("kind", CONVOLUTIONAL_FIGURE_KINDS)
def test_filters_and_maps_of_a_dense_model_exit_2_pointing_to_hidden_weights(kind, cli_trained_model, tmp_path):
    done = run_cli("plot", kind, "--model", str(cli_trained_model), "--out", "x.png", cwd=tmp_path)
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr
    assert "exist only for convolutional models" in done.stderr and "784-30-10" in done.stderr
    assert "scratchnet plot hidden-weights" in done.stderr
    assert not (tmp_path / "x.png").exists()


@pytest.mark.parametrize("choice, shown", [(["--digit", "7"], "test digit #0, a 7"), ([], "test digit #1, a 2")])
def test_feature_maps_draws_the_chosen_test_digit(choice, shown, cli_trained_conv_model, tmp_path):
    done = run_cli(
        "plot", "feature-maps", "--model", str(cli_trained_conv_model), *choice, "--out", "maps.png", cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    assert shown in done.stdout and "28x28,conv5x5x4,pool2,10" in done.stdout
    _assert_png(tmp_path / "maps.png")
