"""Measure how well `scratchnet read` reads drawings, photos, numbers, scans, and refuses non-digits.

    python -m benchmarks.reading                       # the table of docs/reading.md (about 2 minutes)
    python -m benchmarks.reading --count 20            # a quick look
    python -m benchmarks.reading --tuned tuned.npz     # also tutorial-tuned's rows
    python -m benchmarks.reading --tradeoff            # also the rejection trade-off at thresholds on P(not a digit)
    python -m benchmarks.reading --latency             # also the time of one `read`, on a quiet machine

Every set but one is made by `benchmarks.handwriting` from MNIST's TEST digits (chosen by --seed), never
from the training images, and the readers were never tuned on them. The one, "writers", is real
handwriting by other writers at another resolution (scikit-learn's 8×8 digits, all 1,797; needs
scikit-learn, the bench extra). Writes the numbers as JSON
(--out) and prints a table.
"""

from __future__ import annotations

import argparse
import platform
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.handwriting import (
    SPACED,
    TOUCHING,
    chalkboard,
    drawing,
    nondigit,
    number,
    one_under_another,
    photo,
    photograph,
    scan,
    turned,
)
from scratchnet import load_mnist
from scratchnet.core.network import Network
from scratchnet.io import load_model, write_json
from scratchnet.reading import load_reader, read


def _rate(pictures: list[tuple[Any, str]], net: Network, gate: Network | None) -> tuple[float, float]:
    """Return (fraction read exactly as their truth, fraction rejected as not a digit)."""
    right = rejected = 0
    for grey, truth in pictures:
        reading = read(grey, net, gate)
        right += reading.text == truth
        rejected += reading.rejected
    return right / len(pictures), rejected / len(pictures)


def make_sets(count: int, seed: int) -> dict[str, list[tuple[Any, str]]]:
    """Return {set name: [(grey picture, truth text)]}: count pictures each (a fifth as many numbers)."""
    test = load_mnist().test
    rng = np.random.default_rng(seed)

    def pick(n: int) -> Any:
        return rng.choice(len(test), size=n, replace=False)

    sets: dict[str, list[tuple[Any, str]]] = {}
    sets["drawings"] = [(drawing(test.images[i], rng)[0], str(test.labels[i])) for i in pick(count)]
    sets["photos"] = [(photo(test.images[i], rng), str(test.labels[i])) for i in pick(count)]
    sets["numbers"] = written_numbers(test, max(1, count // 5), rng)
    sets["scans"] = [(scan(test.images[i], rng), str(test.labels[i])) for i in pick(count)]
    sets["nondigits"] = [(nondigit(rng), "") for _ in range(count)]
    sets["writers"] = other_writers()
    sets["touching"] = numbers_written_close(test, max(1, count // 5), np.random.default_rng([seed, 1]))
    sets["turned"] = numbers_turned(test, max(1, count // 5), np.random.default_rng([seed, 2]))
    sets["chalkboard"] = chalkboards(test, count, np.random.default_rng([seed, 3]))
    sets["lines"] = numbers_one_under_another(test, max(1, count // 5), np.random.default_rng([seed, 4]))
    return sets


def numbers_of(
    test: Any, count: int, rng: np.random.Generator, page: Callable[[list[Any], np.random.Generator], Any]
) -> list[tuple[Any, str]]:
    """Return `count` (picture, truth) of numbers of 2–6 test digits chosen by rng, each written by page(digits, rng)."""
    numbers = []
    for _ in range(count):
        chosen = rng.choice(len(test), size=int(rng.integers(2, 7)), replace=False)
        numbers.append((page([test.images[i] for i in chosen], rng), "".join(str(test.labels[i]) for i in chosen)))
    return numbers


def written_numbers(
    test: Any, count: int, rng: np.random.Generator, spacing: tuple[float, float] = SPACED
) -> list[tuple[Any, str]]:
    """Return `count` numbers written in a row, `spacing` apart (`number`), half of them photographed."""

    def page(digits: list[Any], rng: np.random.Generator) -> Any:
        grey, _boxes = number(digits, rng, spacing)
        return photograph(1.0 - grey, rng) if rng.random() < 0.5 else grey

    return numbers_of(test, count, rng, page)


def numbers_written_close(test: Any, count: int, rng: np.random.Generator) -> list[tuple[Any, str]]:
    """Return `count` numbers of 2–6 test digits, each touching or overlapping the one before it (TOUCHING), half
    of them photographed; their own generator, so the other sets stay as they were drawn before this one."""
    return written_numbers(test, count, rng, TOUCHING)


def chalkboards(test: Any, count: int, rng: np.random.Generator) -> list[tuple[Any, str]]:
    """Return `count` photos of test digits chalked on a board (`chalkboard`: light on dark, lit unevenly), chosen
    by their own generator, as the touching numbers are."""
    chosen = rng.choice(len(test), size=count, replace=False)
    return [(chalkboard(test.images[i], rng), str(test.labels[i])) for i in chosen]


LINE_GAPS = (0.3, 1.0)
"""How far apart the lines of "lines" are written, as a share of the taller line's height."""


def numbers_one_under_another(test: Any, count: int, rng: np.random.Generator) -> list[tuple[Any, str]]:
    """Return `count` pictures of two numbers of 2–6 test digits written apart (`number`), one under the other,
    LINE_GAPS of their height apart (`one_under_another`), half of them photographed; the truth is the two numbers,
    a space between. Their own generator, as the touching numbers have."""
    pictures = []
    for _ in range(count):
        lines = numbers_of(test, 2, rng, lambda digits, rng: number(digits, rng)[0])
        grey = one_under_another([page for page, _ in lines], rng.uniform(*LINE_GAPS))
        photographed = photograph(1.0 - grey, rng) if rng.random() < 0.5 else grey
        pictures.append((photographed, " ".join(truth for _, truth in lines)))
    return pictures


TURNS = (10.0, 30.0)
"""The slopes of the "turned" numbers, in degrees either way: a phone held askew, a canvas turned."""


def numbers_turned(test: Any, count: int, rng: np.random.Generator) -> list[tuple[Any, str]]:
    """Return `count` numbers of 2–6 test digits written apart, then turned by 10–30° either way (`turned`): half
    drawn, half photographed; their own generator, as the touching numbers have."""

    def page(digits: list[Any], rng: np.random.Generator) -> Any:
        return turned(number(digits, rng)[0], rng.uniform(*TURNS) * rng.choice([-1, 1]), rng)

    return numbers_of(test, count, rng, page)


def other_writers() -> list[tuple[Any, str]]:
    """Return real handwriting by writers MNIST never saw, at another resolution: the 1,797 digits of
    scikit-learn's `load_digits` (the UCI optdigits test set: 13 writers, NIST-normalised 32×32 bitmaps
    reduced to 8×8 counts of ink pixels, 0–16), as dark ink on white. [] without scikit-learn."""
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        return []
    digits = load_digits()
    return [(1.0 - image / 16.0, str(label)) for image, label in zip(digits.images, digits.target)]


def measure(sets: dict[str, list[tuple[Any, str]]], net: Network, gate: Network | None) -> dict[str, float]:
    """Return the rates of one reader over every set."""
    rates: dict[str, float] = {}
    for name, pictures in sets.items():
        if not pictures:
            continue
        right, rejected = _rate(pictures, net, gate)
        if name == "nondigits":
            rates["nondigits_rejected"] = rejected
        else:
            rates[name] = right
            rates[f"{name}_rejected"] = rejected
    return rates


THRESHOLDS = (0.05, 0.1, 0.2, 0.3, 0.5)


def tradeoff(sets: dict[str, list[tuple[Any, str]]], net: Network) -> list[dict[str, float]]:
    """Return, for the argmax rule and for thresholds τ on P(not a digit | x), the drawn digits and the other
    writers' digits rejected and the non-digits caught: a picture is refused when half or more of its
    characters are judged not digits.

    Also the held-out negatives of our own generator (seeds [0, 2], which no training or validation
    picture came from), one character each.
    """
    from scratchnet.data.images import read_characters
    from scratchnet.data.negatives import negatives

    def shares(pictures: list[tuple[Any, str]]) -> list[tuple[Any, Any]]:
        found = []
        for grey, _ in pictures:
            characters = read_characters(grey)
            P = net.probabilities(np.stack([c.input for c in characters])) if characters else np.zeros((0, 11))
            found.append((P[:, 10], P[:, :10].max(axis=1)))
        return found

    digits, others, writers = shares(sets["drawings"]), shares(sets["nondigits"]), shares(sets.get("writers", []))
    own = net.probabilities(negatives(len(sets["nondigits"]), [0, 2]).astype(np.float32) / 255)
    rules: list[tuple[str, Any]] = [("argmax", lambda nd, best: nd > best)] + [
        (f"P ≥ {t:g}", lambda nd, best, t=t: nd >= t) for t in THRESHOLDS
    ]

    def refused(found: list[Any], judge: Any) -> float:
        """The share of pictures refused: no character, or at least half of them judged 'not a digit'."""
        return float(np.mean([len(nd) == 0 or 2 * int(judge(nd, best).sum()) >= len(nd) for nd, best in found]))

    rows = []
    for name, judge in rules:
        rows.append(
            {
                "rule": name,
                "drawn_digits_rejected": refused(digits, judge),
                "nondigits_caught": refused(others, judge),
                **({"writers_rejected": refused(writers, judge)} if writers else {}),
                "own_negatives_caught": float(np.mean(judge(own[:, 10], own[:, :10].max(axis=1)))),
            }
        )
    return rows


def latency(net: Network, repeats: int = 50) -> dict[str, float]:
    """Return the median and 90th-percentile seconds of one `read` of a photo and of a drawing, after start-up."""
    test = load_mnist().test
    rng = np.random.default_rng(1)
    result = {}
    for name, grey in (("photo", photo(test.images[0], rng)), ("drawing", drawing(test.images[0], rng)[0])):
        read(grey, net)  # warm
        times = []
        for _ in range(repeats):
            started = time.perf_counter()
            read(grey, net)
            times.append(time.perf_counter() - started)
        result[f"{name}_median_s"], result[f"{name}_p90_s"] = float(np.median(times)), float(np.percentile(times, 90))
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.reading", description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=500, help="pictures per set (numbers: a fifth as many)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--model", help="the reader to measure (default: the shipped one)")
    parser.add_argument(
        "--tuned", help="a tutorial-tuned model file: also its rows (its 'not a digit' asked of the reader)"
    )
    parser.add_argument("--latency", action="store_true", help="also time one read (run on a quiet machine)")
    parser.add_argument(
        "--tradeoff",
        action="store_true",
        help="also the rejection trade-off of the reader at thresholds on P(not a digit)",
    )
    parser.add_argument("--out", default="docs/reading.json", help="where to write the numbers (default: %(default)s)")
    args = parser.parse_args(argv)
    reader, reader_header = load_reader()
    net, header = load_model(args.model) if args.model else (reader, reader_header)
    sets = make_sets(args.count, args.seed)
    results: dict[str, Any] = {
        "count": args.count,
        "seed": args.seed,
        "machine": platform.platform(),
        "numpy": np.__version__,
    }
    results["reader"] = {
        "model": args.model or "shipped reader",
        "test_accuracy": header.get("test_accuracy", [m.get("test_accuracy") for m in header.get("members", [])]),
        **measure(sets, net, None),
    }
    if args.tuned:
        tuned, header = load_model(args.tuned)
        results["tutorial_tuned"] = {
            "model": args.tuned,
            "test_accuracy": header.get("test_accuracy"),
            **measure(sets, tuned, reader),
        }
    if args.tradeoff:
        results["tradeoff"] = tradeoff(sets, reader)
    if args.latency:
        results["latency"] = latency(net)
    write_json(args.out, results)
    for who in ("reader", "tutorial_tuned"):
        for key, value in results.get(who, {}).items():
            if isinstance(value, float):
                print(f"{who:15} {key:22} {100 * value:6.2f}%")
    for row in results.get("tradeoff", []):
        print(
            f"{'trade-off':15} {row['rule']:10} digits rejected {100 * row['drawn_digits_rejected']:5.1f}%  "
            f"writers' rejected {100 * row.get('writers_rejected', float('nan')):5.1f}%  non-digits caught {100 * row['nondigits_caught']:5.1f}%  own negatives caught {100 * row['own_negatives_caught']:5.1f}%"
        )
    for key, value in results.get("latency", {}).items():
        print(f"{'latency':15} {key:22} {1000 * value:6.1f} ms")
    print(f"wrote {Path(args.out)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
