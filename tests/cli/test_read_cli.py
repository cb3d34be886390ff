"""`scratchnet read`: numbers and digits read left to right, "not a digit" refused, JSON, and bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
from PIL import Image, ImageDraw

from benchmarks.handwriting import drawing, number, one_under_another, photo
from tests.conftest import run_cli


def save(grey: np.ndarray, path) -> None:
    Image.fromarray((np.clip(grey, 0, 1) * 255).astype(np.uint8)).save(path)


def write_pictures(tmp_path, mnist) -> dict[str, str]:
    """Write three numbers, a digit, a house and a blank page; return {file name: the truth}."""
    rng = np.random.default_rng(21)
    truths = {}
    for k in range(3):
        chosen = rng.choice(len(mnist.test), size=3 + k, replace=False)
        grey, _ = number([mnist.test.images[i] for i in chosen], rng)
        save(grey, tmp_path / f"number{k}.png")
        truths[f"number{k}.png"] = "".join(str(mnist.test.labels[i]) for i in chosen)
    grey, _ = drawing(mnist.test.images[0], rng)
    save(grey, tmp_path / "digit.png")
    truths["digit.png"] = str(mnist.test.labels[0])
    house = Image.new("L", (300, 300), 255)
    draw = ImageDraw.Draw(house)
    draw.rectangle((70, 130, 230, 260), outline=0, width=10)
    draw.line([(60, 135), (150, 50), (240, 135)], fill=0, width=10)
    house.save(tmp_path / "house.jpg", quality=80)
    truths["house.jpg"] = "not a digit"
    Image.new("RGB", (120, 90), (250, 245, 235)).save(tmp_path / "blank.png")
    truths["blank.png"] = "not a digit"
    return truths


def test_read_prints_each_picture_in_order_with_what_it_says(tmp_path, mnist):
    truths = write_pictures(tmp_path, mnist)
    done = run_cli("read", *truths, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert [line.split(": ")[0] for line in lines] == list(truths)
    answers = dict(line.split(": ", 1) for line in lines)
    assert answers["house.jpg"] == answers["blank.png"] == "not a digit"
    assert sum(answers[name] == truth for name, truth in truths.items()) >= len(truths) - 1


def test_numbers_written_one_under_another_print_line_by_line(tmp_path, mnist):
    rng = np.random.default_rng(42)
    lines = [(3, 2, 1), (0, 4, 7, 5)]
    save(
        one_under_another([number([mnist.test.images[i] for i in line], rng)[0] for line in lines], 0.5),
        tmp_path / "two.png",
    )
    done = run_cli("read", "two.png", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "two.png: " + " ".join(
        "".join(str(mnist.test.labels[i]) for i in line) for line in lines
    )


def test_read_json_gives_the_digits_with_their_boxes(tmp_path, mnist):
    truths = write_pictures(tmp_path, mnist)
    done = run_cli("read", "number1.png", "house.jpg", "--json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert [item["path"] for item in answer] == ["number1.png", "house.jpg"]
    read_number, house = answer
    assert not read_number["rejected"] and read_number["text"] == "".join(
        str(d["digit"]) for d in read_number["digits"]
    )
    assert len(read_number["digits"]) == len(truths["number1.png"])
    lefts = [d["box"][0] for d in read_number["digits"]]
    assert lefts == sorted(lefts) and all(
        len(d["box"]) == 4 and 0 < d["confidence"] <= 1 for d in read_number["digits"]
    )
    assert house == {"path": "house.jpg", "text": "", "rejected": True, "digits": []}


def test_read_with_a_ten_output_model_still_says_not_a_digit(tmp_path, mnist, cli_trained_model):
    write_pictures(tmp_path, mnist)
    done = run_cli("read", "house.jpg", "digit.png", "--model", str(cli_trained_model), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == "house.jpg: not a digit"


def test_bad_input_is_one_line_and_a_nonzero_exit(tmp_path, mnist):
    (tmp_path / "notes.png").write_text("not a picture")
    for args, code in (
        [("read", "absent.png"), 1],
        [("read", "notes.png"), 1],
        [("read", "notes.png", "--model", "absent.npz"), 1],
    ):
        done = run_cli(*args, cwd=tmp_path)
        assert done.returncode == code and "Traceback" not in done.stderr
        assert len(done.stderr.strip().splitlines()) == 1 and done.stderr.startswith("scratchnet: error: ")


def test_a_bad_picture_among_good_ones_costs_only_its_own_answer(tmp_path, mnist):
    truths = write_pictures(tmp_path, mnist)
    whole = (tmp_path / "digit.png").read_bytes()
    (tmp_path / "cut.png").write_bytes(whole[: len(whole) // 2])  # a download broken off half-way
    names = ["number0.png", "cut.png", "absent.jpg", "house.jpg"]
    done = run_cli("read", *names, cwd=tmp_path)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stdout.splitlines() == [f"number0.png: {truths['number0.png']}", "house.jpg: not a digit"]
    errors = done.stderr.splitlines()
    assert len(errors) == 2 and all(line.startswith("scratchnet: error: ") for line in errors)
    assert "cut.png: cannot decode image" in errors[0] and "absent.jpg: no such image file" in errors[1]
    as_json = run_cli("read", *names, "--json", cwd=tmp_path)
    assert as_json.returncode == 1 and len(as_json.stderr.splitlines()) == 2
    answers = json.loads(as_json.stdout)
    assert [answer["path"] for answer in answers] == names
    assert answers[1] == {"path": "cut.png", "error": errors[0].removeprefix("scratchnet: error: ")}
    assert answers[0]["text"] == truths["number0.png"] and answers[3]["rejected"]


def _read_piped(data: bytes, tmp_path, *args: str) -> subprocess.CompletedProcess[bytes]:
    environment = {**os.environ, "SCRATCHNET_HOME": str(tmp_path / ".scratchnet")}
    command = [sys.executable, "-m", "scratchnet", "read", *args]
    return subprocess.run(command, input=data, capture_output=True, cwd=tmp_path, env=environment, timeout=300)


def test_a_picture_piped_into_standard_input_is_read_as_its_file_is(tmp_path, mnist):
    truths = write_pictures(tmp_path, mnist)
    for name in ("number2.png", "house.jpg"):
        piped = _read_piped((tmp_path / name).read_bytes(), tmp_path, "-")
        assert piped.returncode == 0 and piped.stdout.decode() == f"-: {truths[name]}\n", piped.stderr
    empty = _read_piped(b"", tmp_path, "-")
    lines = empty.stderr.decode().strip().splitlines()
    assert empty.returncode == 1 and len(lines) == 1 and "-: empty (0 bytes), not a picture" in lines[0]


def test_standard_input_that_is_a_terminal_is_refused_at_once_not_waited_on(tmp_path):
    """`scratchnet read -` typed with nothing piped would wait for ever: one line instead."""
    import pty

    controller, terminal = pty.openpty()
    environment = {**os.environ, "SCRATCHNET_HOME": str(tmp_path / ".scratchnet")}
    with subprocess.Popen(
        [sys.executable, "-m", "scratchnet", "read", "-"], stdin=terminal, stderr=subprocess.PIPE, cwd=tmp_path,
        env=environment,
    ) as process:  # fmt: skip
        _, stderr = process.communicate(timeout=120)
    os.close(controller)
    os.close(terminal)
    assert process.returncode == 1 and "standard input is a terminal" in stderr.decode()


def test_phone_photos_saved_as_heic_are_read(tmp_path, mnist):
    """An iPhone saves its photos as HEIC: `read` opens them (pillow-heif) and reads them as their JPEGs."""
    from pillow_heif import register_heif_opener

    register_heif_opener()  # to write them here
    names, truths = [], []
    for index in range(3):
        grey = photo(mnist.test.images[index], np.random.default_rng(40 + index))
        picture = Image.fromarray((grey * 255).astype(np.uint8)).convert("RGB")
        picture.save(tmp_path / f"photo{index}.heic", quality=80)
        picture.save(tmp_path / f"photo{index}.jpg", quality=80)
        names += [f"photo{index}.heic", f"photo{index}.jpg"]
        truths += [str(mnist.test.labels[index])] * 2
    result = run_cli("read", *names, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [f"{name}: {truth}" for name, truth in zip(names, truths)]
