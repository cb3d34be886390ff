"""`scratchnet read`: read the handwriting in pictures (one digit or a number), or say "not a digit"."""

from __future__ import annotations

import argparse
import json
from typing import Any

from rich.console import Console

from scratchnet.cli.arguments import UsageError, error_text, report
from scratchnet.core.answers import freeze
from scratchnet.core.committee import Committee
from scratchnet.core.network import Network
from scratchnet.data.images import load_image
from scratchnet.errors import ScratchnetError
from scratchnet.io import load_model
from scratchnet.reading import READER, READER_CONV, has_reject_class, load_reader, read


def register(subparsers: Any) -> None:
    """Add the `read` subcommand."""
    parser = subparsers.add_parser(
        "read",
        help="read the digits in pictures: drawings, photos, numbers; or say 'not a digit'",
        description="Read the handwriting in each picture (a drawing, a scan or a phone photo; one digit or a number "
        "written in a row) and print `PATH: 2026`, or `PATH: not a digit` when nothing in it reads as a digit; "
        "numbers written one under another print line by line, a space between: `PATH: 2026 1207`.",
    )
    parser.add_argument(
        "images", metavar="IMAGE", nargs="+", help="a PNG, JPEG or other picture; - reads one piped into standard input"
    )
    parser.add_argument(
        "--model",
        metavar="MODEL",
        help=f"a model file written by `scratchnet train` (default: the shipped reader, {READER.name} and {READER_CONV.name} answering together)",
    )
    parser.add_argument(
        "--json",
        action="store_true",
        help='print one JSON array: {"path", "text", "rejected", "digits": [{"digit", "confidence", "box": [x, y, w, h]}]} per picture '
        '({"path", "error"} for one that cannot be read)',
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, console: Console) -> int:
    """Print what each picture says, in the order given; return 0, or 1 if a picture could not be read.

    A picture that cannot be read (missing, damaged, not a picture) gets its one error line on stderr (in the
    JSON, an entry with its "error") and the others are still read: one bad file in a folder of photos
    costs that file's answer only.
    """
    reader, _header = load_reader()
    net, gate = (_frozen(load_model(args.model, committee=True)[0]), reader) if args.model else (reader, None)
    if net.sizes[0] != 784 or net.sizes[-1] not in (10, 11):
        raise UsageError(
            f"argument --model: the model must take 784 inputs (28×28) and give 10 or 11 outputs; got {'-'.join(map(str, net.sizes))}"
        )
    answers = [_answer(path, net, None if has_reject_class(net) else gate) for path in args.images]
    if args.json:
        console.print(json.dumps(answers, ensure_ascii=False), markup=False, highlight=False)
    for answer in answers:
        if "error" in answer:
            report(answer["error"])
        elif not args.json:
            said = "not a digit" if answer["rejected"] else answer["text"]
            console.print(f"{answer['path']}: {said}", markup=False, highlight=False)
    return 1 if any("error" in answer for answer in answers) else 0


def _answer(path: str, net: Any, gate: Any) -> dict[str, Any]:
    """Return what one picture says, as `Reading.to_dict` with its path, or its path and the error's one line."""
    try:
        grey = load_image(path)
    except (ScratchnetError, OSError) as err:
        return {"path": path, "error": error_text(err)}
    return {"path": path, **read(grey, net, gate).to_dict()}


def _frozen(model: Network | Committee[Network]) -> Network | Committee[Network]:
    """Return the model with each network's weights and biases read-only (`freeze`), a committee's members each."""
    return Committee([freeze(member) for member in model.members]) if isinstance(model, Committee) else freeze(model)
