"""Checks for what arrives over HTTP: every request body is read, capped, parsed and checked here.

Each check raises RequestError, whose message has the project's shape (what was wrong, what was
expected, what arrived) and whose `status` is the HTTP code the handler answers with: 400 for a bad
value, 413 for a body over the size limit, 415 for a body not sent as JSON, 404 for something that
does not exist, 409 for a conflict.
"""

from __future__ import annotations

import base64
import json
import math
from typing import Any

import numpy as np
from numpy.typing import NDArray
from starlette.requests import Request

from scratchnet.errors import ScratchnetError
from scratchnet.training.config import TrainConfig

MAX_BODY_BYTES = 1 << 20
"""The largest request body read (1 MiB); a drawing of 112×112 grey levels takes about 30 kB."""

MAX_PICTURE_BYTES = 20 << 20
"""The largest picture file read (20 MiB): a phone's photo of 12 to 48 megapixels, as JPEG or HEIC."""

PICTURE_TYPES = ("image/", "application/octet-stream")
"""The Content-Types (or their beginnings) of a picture sent as its file: image/jpeg, image/heic, ...; a file whose
type the browser does not know comes as application/octet-stream. None is one a plain HTML form can send."""

MAX_IMAGE_SIDE = 512
"""The largest drawing accepted, in pixels on either side."""


class RequestError(ScratchnetError, ValueError):
    """A request the server cannot serve; `status` is the HTTP status code of the answer."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def _describe(value: Any) -> str:
    """Return a short description of a JSON value for an error message."""
    text = json.dumps(value) if not isinstance(value, float) or math.isfinite(value) else repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _media_type(request: Request) -> str:
    """Return the request's Content-Type without its parameters, in lower case ('' when none)."""
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


def sends_picture(request: Request) -> bool:
    """Return True when the request's body is a picture's file (its Content-Type one of PICTURE_TYPES)."""
    return _media_type(request).startswith(PICTURE_TYPES)


async def read_body(request: Request, limit: int = MAX_BODY_BYTES, picture: bool = False) -> bytes:
    """Return the request's body, a JSON document (or, with `picture`, a picture's file), reading at most `limit` bytes.

    Raises RequestError: 415 unless sent as application/json (or, with `picture`, as a picture), 413 for a body
    over the limit (declared or actual), 400 for an empty body.
    """
    media_type = _media_type(request)
    if not (picture and sends_picture(request)) and media_type != "application/json":
        # Also keeps other sites' plain HTML forms (which cannot send this type) from driving the server.
        either = "application/json, or a picture's file as image/... or application/octet-stream," if picture else ""
        raise RequestError(
            f"the request body must be sent as Content-Type {either or 'application/json'}; got {media_type or 'none'!r}",
            415,
        )
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.isdigit():
            raise RequestError(f"Content-Length must be a number of bytes; got {declared!r}")
        if int(declared) > limit:
            raise RequestError(f"request body too large: at most {limit:,} bytes accepted; got {int(declared):,}", 413)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise RequestError(f"request body too large: at most {limit:,} bytes accepted; got more", 413)
    if not body:
        expected = "a picture's file" if picture and sends_picture(request) else "a JSON object"
        raise RequestError(f"the request body must be {expected}; got an empty body")
    return bytes(body)


def _refuse_constant(name: str) -> None:
    """Refuse NaN and ±Infinity, which Python's json would otherwise accept."""
    raise ValueError(f"{name} is not a number JSON allows")


def parse_json(body: bytes) -> dict[str, Any]:
    """Return body parsed as a JSON object.

    Raises RequestError (400) for a body that is not UTF-8 JSON, holds NaN or infinity, or is not an object.
    """
    try:
        data = json.loads(body.decode("utf-8"), parse_constant=_refuse_constant)
    except UnicodeDecodeError as err:
        raise RequestError(f"the request body must be UTF-8 JSON; got undecodable bytes ({err.reason})") from err
    except (ValueError, RecursionError) as err:
        raise RequestError(f"the request body must be valid JSON; got a parse error ({err})") from err
    if not isinstance(data, dict):
        raise RequestError(f"the request body must be a JSON object; got {type(data).__name__} {_describe(data)}")
    return data


async def read_json(request: Request, limit: int = MAX_BODY_BYTES) -> dict[str, Any]:
    """Return the request's body parsed as a JSON object (read_body, then parse_json)."""
    return parse_json(await read_body(request, limit))


def _require(data: dict[str, Any], name: str) -> Any:
    """Return data[name], or raise RequestError naming the missing field."""
    if name not in data:
        raise RequestError(
            f"field {name!r} is missing; expected it in the JSON object (fields given: {', '.join(sorted(data)) or 'none'})"
        )
    return data[name]


def integer(data: dict[str, Any], name: str, low: int, high: int, default: int | None = None) -> int:
    """Return data[name] as an integer in low..high (default when absent, if given)."""
    value = data.get(name, default) if default is not None else _require(data, name)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise RequestError(f"{name} must be an integer in {low}..{high}; got {_describe(value)}")
    return value


def number(data: dict[str, Any], name: str, low: float, high: float, default: float | None = None) -> float:
    """Return data[name] as a finite number in [low, high] (default when absent, if given)."""
    value = data.get(name, default) if default is not None else _require(data, name)
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not math.isfinite(value)
        or not low <= value <= high
    ):
        raise RequestError(f"{name} must be a finite number in [{low:g}, {high:g}]; got {_describe(value)}")
    return float(value)


def choice(data: dict[str, Any], name: str, choices: tuple[str, ...], default: str) -> str:
    """Return data[name] if it is one of choices (default when absent)."""
    value = data.get(name, default)
    if value not in choices:
        raise RequestError(f"{name} must be one of {', '.join(choices)}; got {_describe(value)}")
    return str(value)


def flag(data: dict[str, Any], name: str, default: bool, query: bool = False) -> bool:
    """Return data[name] as a boolean (default when absent): true or false in JSON, "true" or "false" in a query."""
    value = data.get(name, default)
    if query and value in ("true", "false"):
        return value == "true"
    if not isinstance(value, bool):
        raise RequestError(f"{name} must be true or false; got {_describe(value)}")
    return value


def numbers(value: Any, name: str, length: int, low: float, high: float) -> NDArray[np.float64]:
    """Return value, a JSON list of `length` finite numbers in [low, high], as a float64 array."""
    if not isinstance(value, list):
        raise RequestError(f"{name} must be a list of {length} numbers; got {_describe(value)}")
    if len(value) != length:
        raise RequestError(f"{name} must hold {length} numbers; got {len(value)}")
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value):
        bad = next(v for v in value if not isinstance(v, (int, float)) or isinstance(v, bool))
        raise RequestError(f"{name} must hold only numbers; got {_describe(bad)}")
    array = np.asarray(value, dtype=np.float64)
    if not np.all(np.isfinite(array)):
        raise RequestError(f"{name} must hold finite numbers; got NaN or infinity")
    if array.size and (array.min() < low or array.max() > high):
        raise RequestError(
            f"{name} must lie in [{low:g}, {high:g}]; got values from {array.min():g} to {array.max():g}"
        )
    return array


def grey_image(data: dict[str, Any]) -> NDArray[np.float32]:
    """Return a drawing as (height, width) grey levels in [0, 1], given in either of two forms:

        {"width": w, "height": h, "grey": "..."}      the compact form: base64 of h·w bytes, row by row,
                                                      each a grey level 0..255 (the page sends this)
        {"width": w, "height": h, "pixels": [...]}    h·w JSON numbers in [0, 1], row by row

    A byte g stands for the grey level g / 255, so both forms describe the same drawing.
    """
    width = integer(data, "width", 1, MAX_IMAGE_SIDE)
    height = integer(data, "height", 1, MAX_IMAGE_SIDE)
    if ("grey" in data) == ("pixels" in data):
        raise RequestError(
            f"a drawing needs exactly one of 'grey' (base64 grey levels) and 'pixels' (numbers); got {'both' if 'grey' in data else 'neither'}"
        )
    if "pixels" in data:
        pixels = numbers(data["pixels"], "pixels", width * height, 0.0, 1.0)
        return pixels.astype(np.float32).reshape(height, width)
    levels = grey_levels(data["grey"], width * height)
    return np.multiply(levels, np.float32(1 / 255), dtype=np.float32).reshape(
        height, width
    )  # one float array, no copies


def grey_levels(value: Any, length: int) -> NDArray[np.uint8]:
    """Return value, base64 text of exactly `length` bytes, as a read-only uint8 view of those bytes."""
    if not isinstance(value, str):
        raise RequestError(f"grey must be base64 text of {length:,} grey levels; got {_describe(value)}")
    try:
        raw = base64.b64decode(value, validate=True)
    except ValueError as err:  # binascii.Error: a character outside base64, or bad padding
        raise RequestError(f"grey must be base64 text of {length:,} grey levels; got invalid base64 ({err})") from err
    if len(raw) != length:
        raise RequestError(f"grey must hold width × height = {length:,} grey levels; got {len(raw):,}")
    return np.frombuffer(raw, dtype=np.uint8)


TRAINING_FIELDS = ("layers", "activation", "cost", "lr", "batch_size", "epochs")
"""The settings the page's training form may send; their types and ranges are TrainConfig's own."""

SERVER_LIMITS = {"epochs": 100, "batch_size": 1000}
"""What one training started from the page may ask for, beyond the settings' own ranges: it runs on this server."""

MAX_HIDDEN_NEURONS = 1000
"""The widest layer a training from the page may ask for."""

MAX_LAYERS = 8


def train_settings(data: dict[str, Any], defaults: TrainConfig) -> tuple[dict[str, Any], int]:
    """Return (TrainConfig fields, training set size n) from a training request; absent fields take the defaults.

    Each field is checked by TrainConfig's declaration (`scratchnet.training.options`), then against what
    this server allows (SERVER_LIMITS, layer widths) and MNIST: 784 inputs, 10 outputs.
    """
    unknown = sorted(set(data) - set(TRAINING_FIELDS) - {"training_size"})
    if unknown:
        raise RequestError(f"unknown field {unknown[0]!r}; expected only {', '.join(TRAINING_FIELDS)}, training_size")
    try:
        config = defaults.with_options(**{name: data[name] for name in TRAINING_FIELDS if name in data})
    except ScratchnetError as err:
        raise RequestError(str(err)) from err
    for name, most in SERVER_LIMITS.items():
        if getattr(config, name) > most:
            raise RequestError(
                f"{name} must be at most {most} for a training on this server; got {getattr(config, name)}"
            )
    layers = config.layers
    if isinstance(layers, str):
        raise RequestError(f"the page trains fully connected networks (784,16,16,10); got {layers}")
    if len(layers) > MAX_LAYERS or max(layers[1:-1], default=0) > MAX_HIDDEN_NEURONS:
        raise RequestError(
            f"layers must be at most {MAX_LAYERS} with at most {MAX_HIDDEN_NEURONS} neurons each; got {list(layers)}"
        )
    if layers[0] != 784 or layers[-1] != 10:
        raise RequestError(
            f"layers must start with 784 inputs (28×28 pixels) and end with 10 outputs (the digits); got {list(layers)}"
        )
    training_size = integer(data, "training_size", 10, 1_000_000, 50_000)
    return {name: getattr(config, name) for name in TRAINING_FIELDS}, training_size
