"""docs/tutorial.md runs as written: its commands, its Python examples, its quoted code and its pictures."""

import doctest
import re
import shlex
from pathlib import Path

import pytest
from PIL import Image

from tests.conftest import FIGURE_KINDS as KINDS
from tests.conftest import run_cli

pytest.importorskip("matplotlib")

ROOT = Path(__file__).resolve().parents[2]
TUTORIAL = ROOT / "docs" / "tutorial.md"
TUTORIAL_ZH = ROOT / "docs" / "tutorial.zh.md"
SEED_TERMS = ("感知器", "激活值", "权重", "偏置", "代价函数", "梯度下降", "随机梯度下降", "反向传播")
"""The seed tutorial's words for the book's terms, which the Chinese page uses as the seed does."""


def _blocks(language: set[str], page: Path = TUTORIAL) -> list[str]:
    """Return the bodies of the fenced blocks whose info string is in language."""
    return [
        body
        for info, body in re.findall(r"^```(\w*)\n(.*?)^```", page.read_text(), flags=re.M | re.S)
        if info in language
    ]


def _commands(page: Path = TUTORIAL) -> list[list[str]]:
    """Return every `scratchnet ...` line of the sh/console blocks, split into arguments, `scratchnet` dropped."""
    lines = [line.strip().removeprefix("$ ") for body in _blocks({"sh", "console"}, page) for line in body.splitlines()]
    return [shlex.split(line)[1:] for line in lines if line.startswith("scratchnet ")]


FAST_TRAINING_SECONDS = "10"
"""The training budget of each `train` in the test: one epoch of book-ch6's network takes about 40 s on one core."""


def _fast(args: list[str]) -> list[str]:
    """Return args with training cut to one epoch and at most FAST_TRAINING_SECONDS of it, so the test stays quick;
    every other command runs as written."""
    return [*args, "--epochs", "1", "--time-budget", FAST_TRAINING_SECONDS] if args[:1] == ["train"] else args


def _assert_png(path: Path) -> None:
    with Image.open(path) as image:
        assert image.format == "PNG" and image.size[0] >= 800, path


@pytest.mark.slow
def test_every_command_of_the_tutorial_runs_in_order(tmp_path):
    """Twenty-four commands, each a fresh `python -m scratchnet` (about two minutes on a busy two-core machine)."""
    commands = _commands()
    assert {args[1] for args in commands if args[0] == "plot"} == set(KINDS)
    assert commands[0][0] == "perceptron" and ["train"] in commands
    for args in commands:
        done = run_cli(*_fast(args), cwd=tmp_path)
        assert done.returncode == 0, f"scratchnet {' '.join(args)}: {done.stderr}"
        assert "Traceback" not in done.stderr
        if args[0] == "plot":
            _assert_png(tmp_path / args[args.index("--out") + 1])


def test_the_tutorial_shows_what_its_perceptron_commands_print(tmp_path):
    text = TUTORIAL.read_text()
    for args in _commands():
        if args[0] == "perceptron" and "--learn" not in args:
            first = run_cli(*args, cwd=tmp_path, env={"COLUMNS": "100"}).stdout.splitlines()[0]
            assert first.startswith("output 1 when")
        if args[0] == "perceptron" and (
            "--threshold" in args and args[args.index("--threshold") + 1] == "5" or "--bias" in args
        ):
            shown = run_cli(*args, cwd=tmp_path, env={"COLUMNS": "100"}).stdout
            assert shown.strip() in text


@pytest.mark.parametrize("page", [TUTORIAL, TUTORIAL_ZH], ids=["en", "zh"])
def test_the_python_examples_run(page):
    parser, runner = doctest.DocTestParser(), doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    globs: dict[str, object] = {}
    for k, body in enumerate(b for b in _blocks({"python"}, page) if ">>>" in b):
        test = parser.get_doctest(body, globs, f"{page.name} example {k}", str(page), 0)
        runner.run(test, clear_globs=False)
        globs.update(test.globs)  # the page reads as one session: a later example uses the names of an earlier one
    results = runner.summarize(verbose=False)
    assert results.attempted >= 5 and results.failed == 0


def test_the_quoted_backprop_code_is_in_network_py():
    source = {line.strip() for line in (ROOT / "src" / "scratchnet" / "core" / "network.py").read_text().splitlines()}
    quoted = [
        line.strip() for body in _blocks({"python"}) if ">>>" not in body for line in body.splitlines() if line.strip()
    ]
    assert any("(BP1)" in q for q in quoted) and any("(BP4)" in q for q in quoted)
    for line in quoted:
        assert line in source, f"docs/tutorial.md quotes a line network.py no longer has: {line}"


def test_every_picture_of_the_tutorial_is_committed():
    pictures = re.findall(r"!\[[^\]]*\]\((figures/[^)]+\.png)\)", TUTORIAL.read_text())
    # a kind's picture is named after it, or after it and the model it was drawn from (noise-ch6)
    kinds = [kind for p in pictures for kind in KINDS if Path(p).stem == kind or Path(p).stem.startswith(f"{kind}-")]
    assert len(kinds) == len(pictures) and set(kinds) == set(KINDS)
    for picture in pictures:
        _assert_png(TUTORIAL.parent / picture)


def test_the_chinese_tutorial_has_the_same_commands_pictures_and_code_in_the_seeds_words():
    assert _commands(TUTORIAL_ZH) == _commands()
    figures = r"\((figures/[^)]+\.png)\)"
    assert re.findall(figures, TUTORIAL_ZH.read_text()) == re.findall(figures, TUTORIAL.read_text())
    assert _blocks({"text"}, TUTORIAL_ZH) == _blocks({"text"})  # what the commands print, as they print it
    quoted = [b for b in _blocks({"python"}) if ">>>" not in b]
    assert [b for b in _blocks({"python"}, TUTORIAL_ZH) if ">>>" not in b] == quoted
    doctests = [b for b in _blocks({"python"}) if ">>>" in b]
    assert len([b for b in _blocks({"python"}, TUTORIAL_ZH) if ">>>" in b]) == len(doctests)
    text = TUTORIAL_ZH.read_text()
    for term in SEED_TERMS:
        assert term in text, term
    assert "(tutorial.md)" in text and "(docs/tutorial.zh.md)" in (ROOT / "README.md").read_text()
