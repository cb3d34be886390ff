"""ONNX: does onnxruntime answer the 10,000 MNIST test images as scratchnet does, for a saved model?

    python -m benchmarks.onnx_agreement --model MODEL [--about "how MODEL was made"] [--out docs/]

Exports MODEL with `scratchnet.onnx.to_onnx` (dense or convolutional), runs the graph in onnxruntime on
the test images as float32 grey levels in [0, 1], and compares with `net.feedforward` and `net.predict`:
the largest |difference| of an output activation and of a probability, and how many answers differ
(issue 20's target: < 1e-5, none). Writes its section of docs/benchmarks.md (kept by benchmarks.run).
Not a timing: the numbers do not depend on the machine's load.
"""

from __future__ import annotations

import argparse
import datetime
import sys
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks import load

DOCS = Path(__file__).resolve().parent.parent / "docs"
SECTION_START = "<!-- onnx: written by python -m benchmarks.onnx_agreement -->"
SECTION_END = "<!-- onnx: end -->"
TOLERANCE = 1e-5
"""Issue 20's bound on max |onnxruntime − scratchnet| over the 10,000 test images."""


def agreement(model: Path, about: str = "") -> dict[str, Any]:
    """Return what onnxruntime and scratchnet answer differently on the 10,000 test images for the model file."""
    import onnxruntime

    from scratchnet import load_mnist
    from scratchnet.io import load_model
    from scratchnet.onnx import to_onnx

    net, _header = load_model(model, committee=True)
    test = load_mnist().test
    X = (test.images.reshape(len(test), -1) / np.float32(255)).astype(np.float32)
    session = onnxruntime.InferenceSession(to_onnx(net).SerializeToString(), providers=["CPUExecutionProvider"])
    activations, probabilities = session.run(["activations", "probabilities"], {"input": X})
    answers = net.predict(X)
    return {
        "when": datetime.datetime.now().isoformat(timespec="minutes"),
        "model": str(model),
        "about": about,
        "layers": _layers(net),
        "images": len(X),
        "accuracy": float(np.mean(answers == test.labels)),
        "activations_max_difference": float(np.abs(activations - net.feedforward(X)).max()),
        "probabilities_max_difference": float(np.abs(probabilities - net.probabilities(X)).max()),
        "differing_answers": int(np.sum(probabilities.argmax(axis=1) != answers)),
        "onnxruntime": onnxruntime.__version__,
    }


def _layers(model: Any) -> str:
    """Return a network's layers, or a committee's: `a committee of 3 × LAYERS` where its members are alike."""
    from scratchnet.core.committee import Committee
    from scratchnet.core.convnet import layers_text

    if not isinstance(model, Committee):
        return layers_text(model)
    spelled = [layers_text(member) for member in model.members]
    alike = len(set(spelled)) == 1
    return f"a committee of {len(spelled)} × {spelled[0]}" if alike else "a committee of " + " + ".join(spelled)


def markdown(result: dict[str, Any]) -> str:
    """Return the ONNX section of docs/benchmarks.md, with whether issue 20's target is met."""
    met = (
        max(result["activations_max_difference"], result["probabilities_max_difference"]) < TOLERANCE
        and result["differing_answers"] == 0
    )
    return "\n".join(
        [
            SECTION_START,
            "## ONNX: onnxruntime against scratchnet",
            "",
            f"Written by `python -m benchmarks.onnx_agreement --model {result['model']}` on {result['when']} "
            f"(onnxruntime {result['onnxruntime']}, CPU). The model: {result['layers']}"
            + (f" ({result['about']})" if result["about"] else "")
            + ", "
            f"{100 * result['accuracy']:.2f}% on the {result['images']:,} test images; exported by `scratchnet export`'s "
            "`scratchnet.onnx.to_onnx`, run on the test images as float32 grey levels in [0, 1].",
            "",
            f"- max |difference| of the output activations: {result['activations_max_difference']:.2e}",
            f"- max |difference| of the probabilities: {result['probabilities_max_difference']:.2e}",
            f"- answers that differ: {result['differing_answers']:,} of {result['images']:,}",
            f"- target (issue 20: < {TOLERANCE:g}, every answer the same): {'met' if met else '**not met**'}",
            "",
            SECTION_END,
            "",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    """Measure the model's agreement, print the section and write it into OUT/benchmarks.md; return 0."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.onnx_agreement", description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, required=True, help="a model file written by `scratchnet train`")
    parser.add_argument("--about", default="", help="how the model was made, said in the section")
    parser.add_argument("--out", type=Path, default=DOCS, help="folder of benchmarks.md (default: docs/)")
    args = parser.parse_args(argv)
    section = markdown(agreement(args.model, args.about))
    print(section)
    args.out.mkdir(parents=True, exist_ok=True)
    load.write_section(args.out / "benchmarks.md", section, SECTION_START, SECTION_END)
    return 0


if __name__ == "__main__":
    sys.exit(main())
