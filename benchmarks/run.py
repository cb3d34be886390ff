"""Time scratchnet against what a user would pick instead, and write docs/benchmarks.md and .json.

    python -m benchmarks.run [--threads N] [--repeats R] [--quick] [--best-mlp]

For each configuration, in one process: every contender (contenders.py) and the products floor
(floor.py) first warm up on 2,000 images, then train epoch after epoch in turn, so that a slow
moment of the machine falls on all of them alike. The slow ones stop after `--slow-repeats` epochs,
the others go on to `--repeats`; every test accuracy is read after the same `--slow-repeats` epochs.
Before them: feedforward timings (inference.py) in the fresh process; after them: peak memory of
each contender in a process of its own (memory.py), and the end-to-end rows (end_to_end.py): the
Python call `Network.sgd` raced as a contender, `scratchnet train` with its defaults (wall time and
peak memory), and with --best-mlp, `best-mlp` to 99.4% on one thread and on two (about half an hour).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import statistics
import sys
from pathlib import Path
from typing import Any

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits

import scratchnet
from benchmarks import contenders, conv, end_to_end, floor, inference, load, memory, onnx_agreement

DOCS = Path(__file__).resolve().parent.parent / "docs"
SLOW_SECONDS = 1.0
"""A contender whose epochs take longer than this stops after --slow-repeats epochs."""


def machine(threads: int) -> dict[str, Any]:
    """Return what the numbers depend on: CPU, cores, versions, BLAS kernel and thread counts."""
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    info: dict[str, Any] = {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "threads": threads,
        "load_average": os.getloadavg(),
        "blas": [
            {
                k: pool.get(k)
                for k in ("prefix", "internal_api", "version", "architecture", "num_threads", "threading_layer")
            }
            for pool in threadpool_info()
        ],
        "numpy_blas": {
            k: v
            for k, v in np.show_config(mode="dicts")["Build Dependencies"]["blas"].items()
            if k in ("name", "version")
        },
        "environment": {k: os.environ[k] for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE") if k in os.environ},
    }
    for module in ("torch", "sklearn"):
        try:
            info[module] = __import__(module).__version__
        except ImportError:
            info[module] = None
    return info


def time_configuration(
    config: contenders.Config, data: contenders.Data, names: list[str], args: argparse.Namespace
) -> dict[str, Any]:
    """Return every contender's epoch times, test accuracy and peak memory for one configuration."""
    rows = args.rows
    threadpool_limits(args.threads)  # again: libraries loaded since the last call get the limit too
    for name in names:  # warm-up: the first calls into each library, on a model thrown away
        contenders.make(name, config, data, args.threads).epoch(2_000)
    racers: dict[str, Any] = {name: contenders.make(name, config, data, args.threads) for name in names}
    racers["floor: products"] = floor.ProductsFloor(config)
    racers["floor: products"].epoch(2_000)
    times: dict[str, list[float]] = {name: [] for name in racers}
    accuracy: dict[str, float] = {}
    for repeat in range(args.repeats):
        order = list(racers)[repeat % len(racers) :] + list(racers)[: repeat % len(racers)]
        for name in order:
            done = times[name]
            if repeat >= args.slow_repeats and statistics.median(done) > SLOW_SECONDS:
                continue
            done.append(racers[name].epoch(rows))
            print(f"  {config.name:34s} {name:20s} epoch {len(done)}: {done[-1]:.3f} s", file=sys.stderr, flush=True)
        if repeat + 1 == args.slow_repeats:
            accuracy = {name: racers[name].accuracy() for name in names}
    images = rows or floor.IMAGES
    flops = floor.epoch_flops(config, images)
    result: dict[str, Any] = {
        "config": config.__dict__,
        "epochs_before_accuracy": args.slow_repeats,
        "seconds_per_epoch": {name: inference.summary(t) | {"all": t} for name, t in times.items()},
        "test_accuracy": accuracy,
        "floor": {
            "flops": flops,
            "products_seconds": statistics.median(times["floor: products"]),
            "data_seconds": floor.data_bytes(config, images) / args.bandwidth,
            "gemm_rate_achieved": flops / statistics.median(times["floor: products"]),
            "products_seconds_at_peak_rate": flops / args.peak,
        },
    }
    # Ratios from the same rounds: each contender's epoch over scratchnet float32's epoch of that round.
    base = times["scratchnet float32"]
    result["ratio_to_scratchnet"] = {
        name: statistics.median(t / b for t, b in zip(times[name], base)) for name in names
    }
    data_seconds = result["floor"]["data_seconds"]
    result["scratchnet_over_floor"] = statistics.median(
        b / (p + data_seconds) for b, p in zip(base, times["floor: products"])
    )
    result["floor"]["images"] = images
    if contenders.ScratchnetCall.name in racers:
        result["call"] = end_to_end.call_figures(times, racers[contenders.ScratchnetCall.name], data_seconds)
    result["floor"]["seconds"] = result["floor"]["products_seconds"] + result["floor"]["data_seconds"]
    if not args.quick:
        index = contenders.CONFIGS.index(config)
        result["peak_rss"] = {name: memory.contender_peak(name, index, args.threads) for name in names}
    return result


WHY_NOT = {
    "m=10: PyTorch CPU / scratchnet ≥ 10×": "at m = 10 both are bound by the cost of each call, not by arithmetic; PyTorch's autograd and optimizer add more of it per step",
    "m=10: book per-example loop / scratchnet ≥ 20×": "the ratio moves with the machine's load, which slows both by different amounts",
    "m=100: scratchnet / hardware floor ≤ 2×": (
        "besides the products (the floor), each step still makes its inputs floats (the floor counts only reading the "
        "uint8 images), runs about 30 elementwise NumPy calls on (100, 16) arrays at about a microsecond of overhead each, "
        "and rewrites the 12,560 first-layer weights in place; the products themselves cost the same in both"
    ),
    "m=100: PyTorch CPU / scratchnet ≥ 5×": "at m = 100 the products weigh more and PyTorch's overhead per step less",
    "feedforward, one image < 50 µs": "`Network.feedforward` is the readable reference: about twenty NumPy calls, each slowed on a loaded machine",
    "feedforward, 10,000 images < 20 ms": (
        "`Network.feedforward` is the answer path: it makes the 7.8 million grey levels float64, a few hundred rows at a time, "
        "and multiplies them by 784×16 in float64 on the benchmark's one thread, so that no answer depends on its batch; "
        "a busy moment pushes it over"
    ),
    "`scratchnet train` defaults < 15 s wall": "the run shares two cores with other work (see the load average above)",
    "`scratchnet train` defaults < 300 MB peak RSS": "",
    "m=100: Network.sgd(epochs=1) whole call / hardware floor ≤ 2×": "",
    "m=10: PyTorch CPU / Network.sgd(epochs=1) whole call ≥ 15×": "",
    "m=100: Network.sgd's time beyond its epoch ≤ 10% of the epoch": "",
}
"""For each target: why it can miss, printed under the table when it does."""


def check_targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Return the issue's targets, each with the number measured and whether it is met."""

    def ratio(config: int, name: str) -> float:
        return float(results["configs"][config]["ratio_to_scratchnet"][name])

    train, feed = results.get("train_defaults"), results["inference"]["answer path (float64 products)"]
    targets = [
        ("m=10: PyTorch CPU / scratchnet ≥ 10×", ratio(0, "PyTorch CPU"), 10, "≥"),
        ("m=10: book per-example loop / scratchnet ≥ 20×", ratio(0, "book, per example"), 20, "≥"),
        ("m=100: scratchnet / hardware floor ≤ 2×", float(results["configs"][1]["scratchnet_over_floor"]), 2, "≤"),
        ("m=100: PyTorch CPU / scratchnet ≥ 5×", ratio(1, "PyTorch CPU"), 5, "≥"),
        ("feedforward, one image < 50 µs", feed["one image"]["median"] * 1e6, 50, "<"),
        ("feedforward, 10,000 images < 20 ms", feed["10,000 images"]["median"] * 1e3, 20, "<"),
    ]
    call = results["configs"][0].get("call") and results["configs"][1].get("call")
    if call:
        targets += [
            (
                "m=100: Network.sgd(epochs=1) whole call / hardware floor ≤ 2×",
                float(results["configs"][1]["call"]["over_floor"]),
                2,
                "≤",
            ),
            (
                "m=10: PyTorch CPU / Network.sgd(epochs=1) whole call ≥ 15×",
                float(results["configs"][0]["call"]["pytorch_over_call"] or 0),
                15,
                "≥",
            ),
            (
                "m=100: Network.sgd's time beyond its epoch ≤ 10% of the epoch",
                100 * float(results["configs"][1]["call"]["beyond_epoch"]),
                10,
                "≤",
            ),
        ]
    if train:
        targets += [
            ("`scratchnet train` defaults < 15 s wall", train["seconds"], 15, "<"),
            ("`scratchnet train` defaults < 300 MB peak RSS", train["peak_rss"] / 1e6, 300, "<"),
        ]
    return [
        {"target": t, "measured": v, "limit": lim, "met": v >= lim if op == "≥" else v <= lim if op == "≤" else v < lim}
        for t, v, lim, op in targets
    ]


def markdown(results: dict[str, Any]) -> str:
    """Return the one-screen table of docs/benchmarks.md."""
    info = results["machine"]
    blas = ", ".join(
        f"{b.get('prefix') or b['internal_api']}{' ' + b['version'] if b['version'] else ''}"
        f" ({(b['architecture'] + ', ') if b['architecture'] else ''}{b['num_threads']} thread{'s' if b['num_threads'] != 1 else ''})"
        for b in info["blas"]
    )
    numpy_blas = info.get("numpy_blas", {})
    numpy_blas_text = f" (BLAS: {numpy_blas.get('name')} {numpy_blas.get('version')})" if numpy_blas else ""
    lines = [
        "# Benchmarks",
        "",
        f"Written by `python -m benchmarks.run` on {results['date']} (raw numbers: `docs/benchmarks.json`). "
        f"{info['cpu']}, {info['cores']} cores (load average {info['load_average'][0]:.1f} at the start); Python {info['python']}, "
        f"NumPy {info['numpy']}{numpy_blas_text}; thread pools loaded, by threadpoolctl: {blas}; PyTorch {info['torch']}, scikit-learn {info['sklearn']}; every contender on {info['threads']} thread(s); "
        f"OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE {'set: ' + str(info['environment']) if info['environment'] else 'unset'}. "
        f"One epoch = 60,000 MNIST images; seconds per epoch are median (min–max) of epochs run in turn in one process; "
        f"×: the median, over the rounds both ran, of its epoch's seconds over scratchnet float32's in the same round; accuracy on the 10,000 test images after {results['configs'][0]['epochs_before_accuracy']} epochs; "
        "memory: peak RSS of a process that loads the data and trains that contender.",
        "",
    ]
    lines += _table_lines(results)
    lines += _notes_lines(results)
    lines += end_to_end.markdown_lines(results)
    lines += _targets_lines(results)
    return "\n".join(lines) + "\n"


def _table_lines(results: dict[str, Any]) -> list[str]:
    """Return the table's lines: each configuration's contenders, their seconds, ratio, accuracy and memory."""
    lines = ["| configuration | contender | s/epoch | × | test acc. | memory |", "|---|---|---|---|---|---|"]
    for result in results["configs"]:
        config, seconds, f = result["config"], result["seconds_per_epoch"], result["floor"]
        for i, (name, s) in enumerate(seconds.items()):
            acc, rss = result["test_accuracy"].get(name), result.get("peak_rss", {}).get(name)
            times = result["ratio_to_scratchnet"].get(name)
            if name == "floor: products":
                name, s = "hardware floor", {"median": f["seconds"], "min": f["seconds"], "max": f["seconds"]}
                times = 1 / result["scratchnet_over_floor"]
            label = f"{config['name']}, η = {config['eta']:g}" if i == 0 else ""
            spread = "" if s["min"] == s["max"] else f" ({s['min']:.3f}–{s['max']:.3f})"
            lines.append(
                f"| {label} | {name} | {s['median']:.3f}{spread} | {times:.2f} | "
                f"{'' if acc is None else f'{100 * acc:.1f}%'} | {'' if rss is None else f'{rss / 1e6:.0f} MB'} |"
            )
    return lines


def _notes_lines(results: dict[str, Any]) -> list[str]:
    """Return the paragraphs under the table: the hardware floor, the contenders and inference."""
    lines = [
        "",
        "Hardware floor = the epoch's matrix products at the shapes scratchnet multiplies, timed alone through the same BLAS, "
        "plus reading the uint8 images once at the memory bandwidth measured in this run ("
        + "; ".join(
            f"{r['config']['name']}: {r['floor']['flops'] / 1e9:.2f} GFLOP at {r['floor']['gemm_rate_achieved'] / 1e9:.0f} GFLOP/s achieved "
            f"+ {r['floor']['data_seconds'] * 1e3:.1f} ms"
            for r in results["configs"]
        )
        + f"). For scale: BLAS reaches {results['peak_gemm_rate'] / 1e9:.0f} GFLOP/s on 1024² products, {results['memory_bandwidth'] / 1e9:.1f} GB/s copying.",
        "",
    ]
    lines += [
        "Contenders: *scratchnet* through `scratchnet.train(..., epochs=1)` on the uint8 images (its own epoch timer); "
        f"*{contenders.ScratchnetCall.name}*: `net.sgd(X, y, epochs=1, batch_size=m, lr=η)` with its other defaults, timed from call to return; "
        "*book*: `benchmarks/book.py`, chapter 1's per-example loop on (784, 1) float32 columns with float64 weights "
        "(softmax and δ^L = a − y added for the log-likelihood row); *PyTorch*: `Linear`+`Sigmoid` layers, the same cost, "
        "`torch.optim.SGD`, all images preloaded as one float32 tensor; *scikit-learn*: `MLPClassifier(activation='logistic', "
        "solver='sgd', momentum=0, alpha=0)`, one `partial_fit` per epoch: it can only use a softmax output with the log-loss "
        "and Glorot initialisation, so its quadratic rows run at η/10 and are the closest settings, not the same network.",
        "",
    ]
    feed = results["inference"]
    lines += [
        "**Inference** (`Network.feedforward` of the tutorial's network, one thread, median of 63, first thing in the run; "
        "the answer path multiplies in float64 so that an answer does not depend on the images sent with it, "
        "beside the float32 products it replaced): "
        + ", ".join(
            f"{name}: one image {t['one image']['median'] * 1e6:.0f} µs, 10,000 images {t['10,000 images']['median'] * 1e3:.1f} ms"
            for name, t in feed.items()
        ),
        "",
    ]
    return lines


def _targets_lines(results: dict[str, Any]) -> list[str]:
    """Return the targets of issue 5, met or not, and the run's notes."""
    lines = [
        "**Targets** (issue 5), from this one run: the machine's two cores are shared, so its ratios move with the load "
        "(the runs of the morning this was written, at load averages of 2 to 8 and some on earlier versions of the fast path, "
        "gave 15 to 25× for the book's loop at m = 10 and 4.4 to 7.2× for PyTorch at m = 100)",
        "",
    ]
    for t in results["targets"]:
        why = "" if t["met"] or not WHY_NOT.get(t["target"]) else f"; {WHY_NOT[t['target']]}"
        lines.append(f"- {'met' if t['met'] else '**not met**'}: {t['target']}: measured {t['measured']:.3g}{why}")
    notes = results.get("notes")
    if notes:
        lines += ["", notes]
    return lines


def _parser() -> argparse.ArgumentParser:
    """Return the command line's parser."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--threads", type=int, default=1, help="BLAS/PyTorch threads for every contender (default: %(default)s)"
    )
    parser.add_argument(
        "--repeats", type=int, default=11, help="epochs timed per fast contender (default: %(default)s)"
    )
    parser.add_argument(
        "--slow-repeats",
        type=int,
        default=5,
        help="epochs timed per slow contender; accuracy is read after these (default: %(default)s)",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a smoke run: 6,000 images per epoch, 2 epochs, no memory runs; writes nothing",
    )
    parser.add_argument(
        "--best-mlp",
        action="store_true",
        help="also time `best-mlp` to 99.4%% on one and two threads (two runs of up to 15 minutes; with --quick, two tiny ones)",
    )
    parser.add_argument(
        "--out", type=Path, default=DOCS, help="folder for benchmarks.md and benchmarks.json (default: docs/)"
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    args.rows = 6_000 if args.quick else None
    if args.quick:
        args.repeats = args.slow_repeats = 2
    for module in ("torch", "sklearn.neural_network"):  # load their BLAS and OpenMP now, so the limit reaches them
        try:
            __import__(module)
        except ImportError:
            sys.exit(f"benchmarks need {module.split('.')[0]}: pip install -e '.[bench]'")
    threadpool_limits(args.threads)
    results: dict[str, Any] = {
        "date": datetime.datetime.now().isoformat(timespec="minutes"),
        "machine": machine(args.threads),
    }
    print(f"machine: {json.dumps(results['machine'])}", file=sys.stderr)
    args.bandwidth = results["memory_bandwidth"] = floor.memory_bandwidth()
    args.peak = results["peak_gemm_rate"] = floor.peak_gemm_rate()
    data = contenders.load_data()
    names = list(contenders.NAMES)
    # Inference first, while nothing else has run in this process: the tutorial's network after one epoch.
    net = scratchnet.Network(contenders.CONFIGS[0].sizes, seed=0)
    scratchnet.train(net, data.train_images, data.train_labels, epochs=1, batch_size=10, lr=3.0, keep="last")
    feed = inference.answer_path_cost(net, data.test_images)
    results["inference"] = feed
    results["configs"] = [time_configuration(config, data, names, args) for config in contenders.CONFIGS]
    results["train_defaults"] = end_to_end.train_defaults(dict(os.environ), args.quick, results["configs"][0])
    if args.best_mlp:
        results["best_mlp"] = end_to_end.best_runs(dict(os.environ), args.quick)
        if not args.quick:
            args.out.mkdir(parents=True, exist_ok=True)
            figure = end_to_end.write_figure(results["best_mlp"], args.out / "benchmarks-best-mlp.png")
            results["best_mlp_figure"] = None if figure is None else str(figure)
    results["targets"] = check_targets(results)
    table = markdown(results)
    print(table)
    if not args.quick:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "benchmarks.json").write_text(json.dumps(results, indent=1) + "\n")
        (args.out / "benchmarks.md").write_text(
            table
            + load.kept_section(args.out / "benchmarks.md")
            + load.kept_section(args.out / "benchmarks.md", onnx_agreement.SECTION_START, onnx_agreement.SECTION_END)
            + load.kept_section(args.out / "benchmarks.md", conv.SECTION_START, conv.SECTION_END)
        )  # keep the sections of benchmarks.load, benchmarks.onnx_agreement and benchmarks.conv
    return 0


if __name__ == "__main__":
    sys.exit(main())
