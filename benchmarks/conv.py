"""Chapter 6's network on the CPU: an epoch of `book-ch6`'s training raced against PyTorch, and its answers.

    python -m benchmarks.conv [--threads 1] [--repeats 3] [--quick]

In one process, turn by turn (so that a slow moment of the machine falls on both alike): one epoch of
`book-ch6`'s network (28x28,conv5x5x20,pool2,conv5x5x40,pool2,100,10, ReLU, softmax and log-likelihood)
on the 50,000 training images, m = 10, momentum 0.9 at η = 0.01 and L2 λ = 0.1 (a constant η: the
preset's cosine schedule only changes the number), by scratchnet (`scratchnet.train`, its own epoch
timer) and by PyTorch on the CPU (the same layers, `torch.optim.SGD(momentum=0.9, weight_decay=λ/n)`, the
same m, the images preloaded as one float32 tensor, the shuffle included), on the same threads. The
epoch's matrix products are counted (`training_flops`) and their rate set against one large float32
product's, timed here on as many threads. Then: scratchnet's epoch layer by layer (each layer's
forward and backward timed on a slice of the epoch), and the forward pass over the 10,000 test images
in images a second: scratchnet's answer path (float64 products), its float32 products, PyTorch, and
onnxruntime when scratchnet can export a convolutional network to ONNX.

Writes docs/benchmarks-conv.json and its section of docs/benchmarks.md (between its two markers);
PyTorch is the `bench` extra (`pip install -e '.[bench]'`): without it the script says so and stops.
"""

from __future__ import annotations

import argparse
import datetime
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits

import scratchnet
from benchmarks import floor, load
from scratchnet.core.convnet import ConvNetwork
from scratchnet.core.layers import Conv, Dense, Pool
from scratchnet.training.config import PRESETS

DOCS = Path(__file__).resolve().parent.parent / "docs"
SECTION_START = "<!-- conv: written by python -m benchmarks.conv -->"
SECTION_END = "<!-- conv: end -->"
CONFIG = PRESETS["book-ch6"].config
SPELLING = str(CONFIG.layers)
PROFILED_IMAGES = 5_000
"""The slice of an epoch timed layer by layer (scaled to the epoch's 50,000 images in the table)."""


def training_flops(net: ConvNetwork) -> float:
    """Return the floating-point operations of one image's training step through net's matrix products.

    Each layer with parameters multiplies F = 2 · (outputs) · (fan-in) forward (z = P Wᵀ, z = a Wᵀ), as
    many for ∇w (BP4), and again for the error sent to the layer below (BP2), except below the first.
    """
    total, shape, first = 0.0, net.input_shape, True
    for layer in net.layers:
        out = layer.output_shape(shape)
        if isinstance(layer, (Conv, Dense)):
            forward = 2.0 * float(np.prod(out)) * layer.fan_in(shape)
            total += forward * (2 if first else 3)
            first = False
        shape = out
    return total


class ScratchnetEpoch:
    """scratchnet: `scratchnet.train(net, X, y, epochs=1, ...)` with book-ch6's settings, on the uint8 rows."""

    name = "scratchnet"

    def __init__(self, images: np.ndarray, labels: np.ndarray, threads: int) -> None:
        self.images, self.labels, self.threads = images, labels, threads
        self.net = ConvNetwork(SPELLING, CONFIG.activation, CONFIG.cost, CONFIG.init, seed=0)

    def epoch(self, rows: int | None = None) -> float:
        """Train one epoch (or on the first `rows` images); return the seconds of its steps, as scratchnet timed them."""
        history = scratchnet.train(
            self.net,
            self.images[:rows],
            self.labels[:rows],
            epochs=1,
            batch_size=CONFIG.batch_size,
            lr=CONFIG.lr,
            keep="last",
            optimizer=CONFIG.optimizer,
            momentum=CONFIG.momentum,
            lmbda=CONFIG.lmbda,
            training_sample=100,  # its measurement after the epoch is not timed, and kept small
            threads=self.threads,
        )
        return history.epochs[-1].seconds

    def forward(self, X: np.ndarray, products: Any = np.float64) -> np.ndarray:
        return self.net.feedforward(X, products=products)


class TorchEpoch:
    """PyTorch on the CPU: Conv2d, ReLU, MaxPool2d, Linear; cross-entropy; SGD with momentum and weight decay."""

    name = "PyTorch CPU"

    def __init__(self, images: np.ndarray, labels: np.ndarray, threads: int) -> None:
        import torch

        torch.set_num_threads(threads)
        torch.manual_seed(0)
        nn = torch.nn
        self.torch = torch
        self.model = nn.Sequential(
            nn.Conv2d(1, 20, 5), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(20, 40, 5), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(640, 100), nn.ReLU(), nn.Linear(100, 10),
        )  # fmt: skip
        for module in self.model:
            if isinstance(module, (nn.Conv2d, nn.Linear)):
                nn.init.kaiming_normal_(module.weight, nonlinearity="relu")  # He, as scratchnet's init='he'
                nn.init.zeros_(module.bias)
        decay = CONFIG.lmbda / len(images)  # L2: ∂C/∂w gains (λ/n) w
        self.optimizer = torch.optim.SGD(
            self.model.parameters(), lr=CONFIG.lr, momentum=CONFIG.momentum, weight_decay=decay
        )
        self.X = (
            torch.from_numpy(images.copy()).float().div_(255).reshape(-1, 1, 28, 28)
        )  # copied: MNIST's arrays are read-only
        self.labels = torch.from_numpy(labels.astype(np.int64))

    def epoch(self, rows: int | None = None) -> float:
        torch, m = self.torch, CONFIG.batch_size
        started = time.perf_counter()
        n = rows or len(self.X)
        order = torch.randperm(n)
        for start in range(0, n, m):
            batch = order[start : start + m]
            self.optimizer.zero_grad()
            loss = torch.nn.functional.cross_entropy(self.model(self.X[batch]), self.labels[batch])
            loss.backward()
            self.optimizer.step()
        return time.perf_counter() - started

    def forward(self, X: np.ndarray) -> np.ndarray:
        with self.torch.no_grad():
            inputs = self.torch.from_numpy(X.copy()).float().div_(255).reshape(-1, 1, 28, 28)
            return self.torch.softmax(self.model(inputs), dim=1).numpy()


def race(racers: list[Any], rows: int | None, repeats: int) -> dict[str, list[float]]:
    """Return each racer's epoch seconds, `repeats` epochs each, in turn (the first of each round alternating)."""
    for racer in racers:  # warm-up: the first calls into each library
        racer.epoch(500)
    times: dict[str, list[float]] = {racer.name: [] for racer in racers}
    for repeat in range(repeats):
        for racer in racers[repeat % 2 :] + racers[: repeat % 2]:
            times[racer.name].append(racer.epoch(rows))
            print(f"  {racer.name:12s} epoch {len(times[racer.name])}: {times[racer.name][-1]:.1f} s", file=sys.stderr)
    return times


def profile_layers(racer: ScratchnetEpoch, rows: int) -> dict[str, Any]:
    """Return scratchnet's epoch on `rows` images layer by layer: each layer's forward and backward seconds.

    Each layer's forward and backward are wrapped with a clock for this one epoch; what the layers do
    not account for (σ and σ′, the update rule, the mini-batches' preparation, Python) is `the rest`.
    """
    spent: dict[str, float] = {}
    originals = {cls: (cls.forward, cls.backward) for cls in (Conv, Pool, Dense)}

    def clocked(method: Callable[..., Any], direction: str) -> Callable[..., Any]:
        def timed(layer: Any, *args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            result = method(layer, *args, **kwargs)
            key = f"{layer.spelling()} ({racer.net.layers.index(layer) + 1}) {direction}"
            spent[key] = spent.get(key, 0.0) + time.perf_counter() - started
            return result

        return timed

    for cls, (forward, backward) in originals.items():
        cls.forward, cls.backward = clocked(forward, "forward"), clocked(backward, "backward")  # type: ignore[method-assign]
    try:
        seconds = racer.epoch(rows)
    finally:
        for cls, (forward, backward) in originals.items():
            cls.forward, cls.backward = forward, backward  # type: ignore[method-assign]
    spent = {key: value for key, value in spent.items() if value > 0}
    layers = sum(spent.values())
    return {"images": rows, "seconds": seconds, "layers": spent, "rest": seconds - layers}


def onnx_forward(net: ConvNetwork) -> tuple[Callable[[np.ndarray], np.ndarray] | None, str]:
    """Return (onnxruntime's forward on uint8 rows, '') or (None, why not): no export of convolutions, no onnxruntime."""
    try:
        import onnxruntime

        from scratchnet.onnx import to_onnx

        model = to_onnx(net)
    except Exception as err:  # noqa: BLE001 - any reason not to race it is reported, not raised
        first = str(err).splitlines()[0][:140] if str(err) else ""
        return None, f"scratchnet's ONNX export on this version cannot run this network: {type(err).__name__}: {first}"
    session = onnxruntime.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    return lambda X: session.run(None, {name: X.astype(np.float32) / 255})[0], ""


def forward_rates(racers: dict[str, Any], X: np.ndarray, labels: np.ndarray, repeats: int) -> dict[str, Any]:
    """Return images a second feeding the rows of X forward, per way (the median of `repeats` passes), and the
    accuracy each way reads off its outputs (the same network, so about the same; PyTorch's is its own)."""
    scratch = racers["scratchnet"]
    ways: dict[str, Callable[[np.ndarray], Any]] = {
        "scratchnet, answer path (float64 products)": scratch.forward,
        "scratchnet, float32 products": lambda rows: scratch.forward(rows, products=np.float32),
    }
    if "PyTorch CPU" in racers:
        ways["PyTorch CPU"] = racers["PyTorch CPU"].forward
    runtime, why = onnx_forward(scratch.net)
    if runtime is not None:
        ways["onnxruntime"] = runtime
    rates: dict[str, Any] = {}
    accuracies: dict[str, float] = {}
    for name, forward in ways.items():
        forward(X[:100])
        seconds = []
        for _ in range(repeats):
            started = time.perf_counter()
            outputs = forward(X)
            seconds.append(time.perf_counter() - started)
        rates[name] = len(X) / statistics.median(seconds)
        accuracies[name] = float(np.mean(np.asarray(outputs).argmax(axis=1) == labels))
    return {"images_per_second": rates, "test_accuracy": accuracies, "onnxruntime_skipped": why or None}


def measure(args: argparse.Namespace) -> dict[str, Any]:
    """Return every figure of this benchmark, measured in this process."""
    from benchmarks.run import machine  # here: benchmarks.run imports this module to keep its section

    mnist = scratchnet.load_mnist()
    images, labels = mnist.train.images, mnist.train.labels
    threadpool_limits(args.threads)
    racers = [ScratchnetEpoch(images, labels, args.threads), TorchEpoch(images, labels, args.threads)]
    with threadpool_limits(args.threads):
        peak = floor.peak_gemm_rate(n=2048, repeats=1 if args.quick else 3)
    times = race(racers, args.rows, args.repeats)
    scratch = racers[0]
    flops = training_flops(scratch.net) * (args.rows or len(images))
    epochs = {name: statistics.median(seconds) for name, seconds in times.items()}
    profile = profile_layers(scratch, PROFILED_IMAGES if not args.quick else 500)
    with threadpool_limits(args.threads):
        forward = forward_rates(
            {racer.name: racer for racer in racers}, mnist.test.images, mnist.test.labels, args.forward_repeats
        )
    return {
        "date": datetime.datetime.now().isoformat(timespec="minutes"),
        "machine": machine(args.threads),
        "network": SPELLING,
        "images": args.rows or len(images),
        "m": CONFIG.batch_size,
        "threads": args.threads,
        "epoch_seconds": {name: {"median": epochs[name], "all": seconds} for name, seconds in times.items()},
        "ratio_scratchnet_over_pytorch": epochs["scratchnet"] / epochs["PyTorch CPU"],
        "epoch_flops": flops,
        "gflops": {name: flops / seconds / 1e9 for name, seconds in epochs.items()},
        "peak_gemm_gflops": peak / 1e9,
        "profile": profile,
        "forward": forward,
    }


def markdown(results: dict[str, Any]) -> str:
    """Return the section of docs/benchmarks.md: the race, the rates, the layers, the forward pass."""
    epochs, rates, ratio = results["epoch_seconds"], results["gflops"], results["ratio_scratchnet_over_pytorch"]
    machine_ = results["machine"]
    lines = [
        SECTION_START,
        "## Convolution: an epoch of `book-ch6`'s network against PyTorch",
        "",
        f"`python -m benchmarks.conv --threads {results['threads']}` on {results['date']} ({machine_['cpu']}, "
        f"{machine_['cores']} cores, load average {machine_['load_average'][0]:.1f} at the end; NumPy "
        f"{machine_['numpy']}, PyTorch {machine_['torch']}). One process, turn by turn: {results['images']:,} "
        f"training images of `{results['network']}` (ReLU, softmax, log-likelihood), m = {results['m']}, momentum "
        f"0.9 at η = 0.01, L2 λ = 0.1, {results['threads']} thread(s) each. The epoch's matrix products are "
        f"{results['epoch_flops'] / 1e9:.0f} GFLOP; one 2048² float32 product runs at "
        f"{results['peak_gemm_gflops']:.0f} GFLOP/s here on as many threads.",
        "",
        "| contender | seconds per epoch (median; all) | GFLOP/s of its products | share of the matmul rate |",
        "|---|---|---|---|",
    ]
    for name, epoch in epochs.items():
        spread = ", ".join(f"{s:.1f}" for s in epoch["all"])
        lines.append(
            f"| {name} | {epoch['median']:.1f} ({spread}) | {rates[name]:.1f} | "
            f"{100 * rates[name] / results['peak_gemm_gflops']:.0f}% |"
        )
    verdict = "met" if ratio <= 1.0 else f"**not met**: scratchnet is {ratio:.2f}× PyTorch's time"
    lines += ["", f"Ratio scratchnet / PyTorch: **{ratio:.2f}** (target ≤ 1.0: {verdict}).", ""]
    lines += _profile_lines(results)
    forward = results["forward"]
    lines += [
        "**Forward pass** over the 10,000 test images (images a second, median of the passes): "
        + ", ".join(f"{name} {rate:,.0f}" for name, rate in forward["images_per_second"].items())
        + (f"; onnxruntime not raced ({forward['onnxruntime_skipped']})" if forward["onnxruntime_skipped"] else "")
        + ". Test accuracy after the epochs above (a check that both learned, not a measurement): "
        + ", ".join(f"{name} {100 * accuracy:.2f}%" for name, accuracy in forward["test_accuracy"].items())
        + ".",
        "",
        SECTION_END,
        "",
    ]
    return "\n".join(lines)


def _profile_lines(results: dict[str, Any]) -> list[str]:
    """Return the table of scratchnet's epoch layer by layer, scaled to the whole epoch."""
    profile = results["profile"]
    scale = results["images"] / profile["images"]
    lines = [
        f"Where scratchnet's epoch goes (each layer's forward and backward timed over {profile['images']:,} images of "
        f"another epoch, {profile['seconds']:.1f} s, scaled to {results['images']:,}):",
        "",
        "| layer (position) | seconds per epoch | share |",
        "|---|---|---|",
    ]
    for key, seconds in sorted(profile["layers"].items(), key=lambda item: -item[1]):
        lines.append(f"| {key} | {seconds * scale:.1f} | {100 * seconds / profile['seconds']:.0f}% |")
    lines.append(
        f"| the rest: σ and σ′, the update rule, the mini-batches, Python | {profile['rest'] * scale:.1f} | "
        f"{100 * profile['rest'] / profile['seconds']:.0f}% |"
    )
    return [*lines, ""]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.conv", description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=1, help="BLAS and PyTorch threads (default: %(default)s)")
    parser.add_argument("--repeats", type=int, default=3, help="epochs timed per contender (default: %(default)s)")
    parser.add_argument("--forward-repeats", type=int, default=5, help="forward passes timed (default: %(default)s)")
    parser.add_argument(
        "--quick", action="store_true", help="a smoke run: 2,000 images, one epoch each; writes nothing"
    )
    parser.add_argument("--out", type=Path, default=DOCS, help="folder of benchmarks.md (default: docs/)")
    args = parser.parse_args(argv)
    try:
        import torch  # noqa: F401 - loaded now, so that the thread limit reaches its pools
    except ImportError:
        print(
            "benchmarks.conv races scratchnet against PyTorch, which is not installed here: "
            "pip install -e '.[bench]' (nothing measured, nothing written)",
            file=sys.stderr,
        )
        return 1
    args.rows = 2_000 if args.quick else None
    if args.quick:
        args.repeats, args.forward_repeats = 1, 1
    results = measure(args)
    section = markdown(results)
    print(section)
    if not args.quick:
        (args.out / "benchmarks-conv.json").write_text(json.dumps(results, indent=1) + "\n")
        load.write_section(args.out / "benchmarks.md", section, SECTION_START, SECTION_END)
    return 0


if __name__ == "__main__":
    sys.exit(main())
