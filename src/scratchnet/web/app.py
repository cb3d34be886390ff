"""The explorer's routes: each handler checks its request (scratchnet.web.validation), asks the
Explorer for numbers, and answers JSON; the page itself is static/index.html with its script and style.

Every error answers with its status and {"error": "..."}: 400 bad value, 404 unknown route or digit,
405 wrong method, 409 training conflict, 413 body too large, 503 no model yet; the server keeps serving.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Callable
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import anyio
import orjson
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from scratchnet.core.convnet import layers_text
from scratchnet.data.images import BlankImageError, decode_image, mnistify
from scratchnet.errors import ScratchnetError
from scratchnet.training.config import TrainConfig
from scratchnet.web import backprop, validation
from scratchnet.web.admission import Admission
from scratchnet.web.auth import TokenGuard
from scratchnet.web.explorer import (
    READ_MODELS,
    Explorer,
    ServedModel,
    neuron_view,
    picture_view,
    reading_view,
    shown_member,
    trace_view,
)
from scratchnet.web.maps import filter_view, refuse_maps
from scratchnet.web.readers import ReadingPool
from scratchnet.web.validation import RequestError

logger = logging.getLogger(__name__)

STATIC = Path(__file__).parent / "static"
OPENAPI = Path(__file__).parent / "openapi.json"

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)
"""Only the server's own assets may load: the page works with the network cut off, and says so."""

EVENT_POLL_SECONDS = 0.15
T = TypeVar("T")
MAX_SAMPLES = 200


def _error(message: str, status: int) -> JSONResponse:
    """Return the JSON answer {"error": message} with the given status."""
    return JSONResponse({"error": message}, status_code=status)


# The model and the Draw view -----------------------------------------------------------------


async def model(request: Request) -> Response:
    """GET /api/model: the served model's sizes, activation, cost, source and test accuracy."""
    return JSONResponse(_explorer(request).model_info())


async def model_onnx(request: Request) -> Response:
    """GET /api/model.onnx: the served model as an ONNX file (scratchnet.onnx.to_onnx), to download."""
    from scratchnet.onnx import to_onnx

    served = _explorer(request).served()
    data = (await run_in_threadpool(to_onnx, served.net)).SerializeToString()
    name = f"scratchnet-{layers_text(served.net)}.onnx"
    headers = {"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"}
    return Response(data, media_type="application/octet-stream", headers=headers)


async def predict(request: Request) -> Response:
    """POST /api/predict {"width", "height", "grey" | "pixels"}: what the network sees and answers for a drawing.

    The drawing is preprocessed exactly as `scratchnet predict` does (mnistify); a blank one answers
    {"blank": true} rather than a guess. Only the body is read on the event loop: parsing, checking,
    preprocessing, the trace and the JSON text are made in a worker thread.
    """
    return await _answer_picture(request, _predict_answer)


async def _answer_picture(
    request: Request, answer: Callable[[bytes, ServedModel], bytes], body: bytes | None = None
) -> Response:
    """Return answer(body, served model) for a picture's request (its body read here unless given), once the
    served model is known to take 28×28 inputs: in the app's reading processes if it has them and they can (a
    worker may have died, scratchnet.web.readers), else in a worker thread."""
    body = await validation.read_body(request) if body is None else body
    explorer = _explorer(request)
    served = explorer.served()
    explorer.check_input_size(served)
    readers: ReadingPool | None = request.app.state.readers
    answered = None if readers is None else await readers.answer(answer, body, served)  # every core reads
    return _json_bytes(answered if answered is not None else await _compute(request, answer, body, served))


def _predict_answer(body: bytes, served: ServedModel) -> bytes:
    """Return the JSON answer to a /api/predict body for the served model."""
    grey = validation.grey_image(validation.parse_json(body))
    try:
        x = mnistify(grey)
    except BlankImageError as err:
        return _dumps({"blank": True, "message": str(err), "model_version": served.version})
    return _dumps({"blank": False, **trace_view(served.net, x), "model_version": served.version})


async def read(request: Request) -> Response:
    """POST /api/read {"width", "height", "grey" | "pixels", "model"?}: the drawing or photo read as `scratchnet read` reads it.

    Every character found, with its box and 28×28 input, the digits read or "not a digit", and the
    served network's trace of the first digit. "model" is "served" (default) or "reader", the shipped one;
    "maps": false leaves a convolutional network's feature maps out of the trace (the page asks so while they
    are out of view: on a phone, over a quarter of the server's work per drawing and five sixths of its bytes);
    "live": true marks a drawing the finger is still drawing, read without the search for touching digits (on an
    unfinished stroke, most of the work: `reading.read`), as the page sends it until the finger lifts.
    A picture may come as its file instead (Content-Type image/..., ?model=...): it is then decoded as
    `scratchnet read` decodes a file (`decode_image`: HEIC, EXIF turns, transparency, full size), and the
    answer adds the picture as it was read (`picture_view`), for the page to show what the reader saw.
    """
    if not validation.sends_picture(request):  # a drawing's JSON (a 415 names both forms)
        return await _answer_picture(request, _read_answer, await validation.read_body(request, picture=True))
    body = await validation.read_body(request, validation.MAX_PICTURE_BYTES, picture=True)
    query = dict(request.query_params)
    which = validation.choice(query, "model", READ_MODELS, "served")
    maps = validation.flag(query, "maps", True, query=True)
    return await _answer_picture(request, partial(_read_picture_answer, which=which, maps=maps), body)


def _read_picture_answer(body: bytes, served: ServedModel, which: str, maps: bool) -> bytes:
    """Return the JSON answer to a /api/read body that is a picture's file, for the served model."""
    grey = decode_image(body, "the picture")
    return _dumps(
        {**reading_view(grey, served.net, which, maps), "picture": picture_view(grey), "model_version": served.version}
    )


def _read_answer(body: bytes, served: ServedModel) -> bytes:
    """Return the JSON answer to a /api/read body for the served model."""
    data = validation.parse_json(body)
    grey = validation.grey_image(data)
    which = validation.choice(data, "model", READ_MODELS, "served")
    maps = validation.flag(data, "maps", True)
    live = validation.flag(data, "live", False)
    return _dumps({**reading_view(grey, served.net, which, maps, live), "model_version": served.version})


async def neuron(request: Request) -> Response:
    """POST /api/neuron {"layer", "index", "input"?}: one neuron's incoming weights, bias, z and a."""
    body = await validation.read_body(request)
    return _json_bytes(await _compute(request, _neuron_answer, body, _explorer(request).served()))


def _neuron_answer(body: bytes, served: ServedModel) -> bytes:
    """Return the JSON answer to a /api/neuron body for the served model."""
    data = validation.parse_json(body)
    sizes = served.net.sizes
    layer = validation.integer(data, "layer", 1, len(sizes) - 1)
    index = validation.integer(data, "index", 0, sizes[layer] - 1)
    x = data.get("input")
    x = None if x is None else validation.numbers(x, "input", sizes[0], 0.0, 1.0)
    return _dumps({**neuron_view(served.net, layer, index, x), "model_version": served.version})


async def filter_(request: Request) -> Response:
    """POST /api/filter {"layer", "map", "model"?}: the filter w (C_in, k, k) and bias b of the convolution that
    made one map of a convolutional network's layer (for a pooling layer, the convolution below it); 409 for a
    dense network. "model" is "served" (default) or "reader", the shipped one, whose maps a reading shows."""
    body = await validation.read_body(request)
    return _json_bytes(await _compute(request, _filter_answer, body, _explorer(request).served()))


def _filter_answer(body: bytes, served: ServedModel) -> bytes:
    """Return the JSON answer to a /api/filter body for the served model."""
    data = validation.parse_json(body)
    layer = validation.integer(data, "layer", 1, 1_000)
    index = validation.integer(data, "map", 0, 100_000)
    which = validation.choice(data, "model", READ_MODELS, "served")
    if which == "reader":
        from scratchnet.reading import load_reader

        return _dumps({**filter_view(shown_member(load_reader()[0]), layer, index), "model_version": served.version})
    return _dumps({**filter_view(served.net, layer, index), "model_version": served.version})


COMPUTE_THREADS = 1
"""Worker threads computing answers at once. One: an answer is mostly small NumPy calls holding the
interpreter lock, so a second thread only takes turns at it, and the turns cost. Measured under load
(benchmarks.load, 10 clients): one thread 2.8 ms of server CPU per request and 325 requests/s, two
threads 3.7 ms and 263/s, four 4.4 ms and 209/s. The event loop keeps its own thread for the I/O."""


async def _compute(request: Request, function: Callable[..., T], *args: Any) -> T:
    """Return function(*args), run in one of COMPUTE_THREADS worker threads so the event loop stays free."""
    state = request.app.state
    if getattr(state, "compute_limiter", None) is None:
        state.compute_limiter = anyio.CapacityLimiter(COMPUTE_THREADS)  # made inside the event loop, as anyio wants
    return await anyio.to_thread.run_sync(partial(function, *args), limiter=state.compute_limiter)


def _dumps(data: Any) -> bytes:
    """Return data as compact UTF-8 JSON bytes. orjson writes a prediction's 8 KB of numbers about
    many times quicker than the standard library (0.4 → 0.02 ms measured), a tenth of the server's work
    per drawing. What JSON cannot hold, a NaN or an infinity, is written null, never as invalid JSON."""
    return orjson.dumps(data)


def _json_bytes(body: bytes, status: int = 200) -> Response:
    """Return a response of JSON text already made (in a worker thread)."""
    return Response(body, status_code=status, media_type="application/json")


# Samples -------------------------------------------------------------------------------------


async def samples(request: Request) -> Response:
    """GET /api/samples?offset=0&limit=60: test digits with the network's answers, mistakes first."""
    query = {}
    for name in ("offset", "limit"):
        if name in request.query_params:
            text = request.query_params[name]
            if not text.lstrip("-").isdigit():
                raise RequestError(f"{name} must be an integer; got {text!r}")
            query[name] = int(text)
    offset = validation.integer(query, "offset", 0, 1_000_000, 0)
    limit = validation.integer(query, "limit", 1, MAX_SAMPLES, 60)
    explorer = _explorer(request)
    return _json_bytes(await _compute(request, lambda: _dumps(explorer.samples(offset, limit))))


async def sample(request: Request) -> Response:
    """GET /api/samples/{index}: the Draw view of one test digit, with its label."""
    explorer, index = _explorer(request), request.path_params["index"]
    return _json_bytes(await _compute(request, lambda: _dumps(explorer.sample(index))))


# Backpropagation, as wishes -------------------------------------------------------------------


async def wishes(request: Request) -> Response:
    """POST /api/wishes {"index" | "digit", "nth" | "input", "label"; "neuron"?: {"layer", "index"}; "network"?:
    "served" | "untrained"}: what one example wishes of every layer (scratchnet.tutorial.wishes) of the served
    network or an untrained one of its shape, and the clicked neuron's three routes."""
    data = await validation.read_json(request)
    explorer = _explorer(request)
    served = explorer.served()
    explorer.check_input_size(served)
    refuse_maps(served.net, "the Backprop tab")
    mnist = await run_in_threadpool(explorer.data)
    chosen = backprop.example(data, mnist, served.net)
    neuron = backprop.neuron_choice(data, served.net)
    name, net = backprop.chosen_network(data, served.net)
    view = await run_in_threadpool(backprop.wishes_view, net, chosen, neuron)
    return JSONResponse({**view, "network": name, "model_version": served.version})


async def wishes_step(request: Request) -> Response:
    """POST /api/wishes/step {the example and network as for /api/wishes; "mode": "example" | "batch", "m", "eta",
    "steps"}: the outputs and costs before and after stepping a copy of that network along the wishes."""
    data = await validation.read_json(request)
    explorer = _explorer(request)
    served = explorer.served()
    explorer.check_input_size(served)
    refuse_maps(served.net, "the Backprop tab")
    mnist = await run_in_threadpool(explorer.data)
    chosen = backprop.example(data, mnist, served.net)
    settings = backprop.step_settings(data)
    name, net = backprop.chosen_network(data, served.net)
    view = await run_in_threadpool(backprop.step_view, net, chosen, mnist, settings)
    return JSONResponse({**view, "network": name, "model_version": served.version})


# The perceptron ------------------------------------------------------------------------------


async def perceptron(request: Request) -> Response:
    """POST /api/perceptron {"weights": [w1, w2, w3], "threshold": t}: the truth table of that perceptron.

    Output 1 when Σ_j w_j x_j > threshold, else 0 (Nielsen, chapter 1): the cheese festival's
    weights are 6, 2, 2 with threshold 5 (go iff the weather is good) or 3.
    """
    from scratchnet.tutorial.perceptron import Perceptron, truth_table

    data = await validation.read_json(request)
    weights = validation.numbers(data.get("weights"), "weights", 3, -100.0, 100.0)
    threshold = validation.number(data, "threshold", -100.0, 100.0)
    unit = Perceptron([float(w) for w in weights], threshold=threshold)
    rows = [
        {"inputs": list(inputs), "weighted_sum": round(float(weights @ inputs), 6), "output": int(output)}
        for inputs, output in truth_table(unit)
    ]
    return JSONResponse({"weights": weights.tolist(), "threshold": threshold, "rows": rows})


# Training ------------------------------------------------------------------------------------


async def training_status(request: Request) -> Response:
    """GET /api/train: the current (or last) training's state and epochs, and the default settings."""
    run = _explorer(request).run
    defaults = {**TrainConfig().to_dict(), "training_size": 50_000}
    return JSONResponse({"defaults": defaults, "run": run.status() if run else None})


async def start_training(request: Request) -> Response:
    """POST /api/train {"layers", "activation", "cost", "lr", "batch_size", "epochs", "training_size"}:
    start training in the background (202), or 409 while another training runs."""
    fields, training_size = validation.train_settings(await validation.read_json(request), TrainConfig())
    explorer = _explorer(request)
    available = len((await run_in_threadpool(explorer.data)).train)
    if training_size > available:
        raise RequestError(f"training_size must be at most the {available:,} training images; got {training_size:,}")
    run = explorer.start_training(TrainConfig(**fields), training_size)
    return JSONResponse(run.status(), status_code=202)


async def stop_training(request: Request) -> Response:
    """POST /api/train/stop: stop the running training after its current epoch (409 when none runs)."""
    return JSONResponse(_explorer(request).stop_training().status())


async def training_events(request: Request) -> Response:
    """GET /api/train/events: the current training as server-sent events, replayed from its start.

    Events: "status" (state changes), "epoch" (an EpochRecord), "progress" (fraction of the epoch),
    "model" (a newly served model) and finally "end"; the stream closes when the training has.
    """
    run = _explorer(request).run

    async def stream() -> AsyncIterator[str]:
        yield "retry: 2000\n\n"
        if run is None:
            yield _event("end", {"state": "idle"})
            return
        seen, progress = 0, (-1, -1.0)
        while True:
            events, finished = run.events_since(seen)
            for item in events:
                yield _event(item["event"], item["data"])
            seen += len(events)
            if finished and not events:
                yield _event("end", {"state": run.state, "message": run.message})
                return
            if (run.epoch, run.progress) != progress and not finished:
                progress = (run.epoch, run.progress)
                yield _event(
                    "progress",
                    {"epoch": run.epoch + 1, "epochs": run.config.epochs, "fraction": round(run.progress, 3)},
                )
            await asyncio.sleep(EVENT_POLL_SECONDS)

    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return StreamingResponse(stream(), media_type="text/event-stream", headers=headers)


def _event(name: str, data: dict[str, Any]) -> str:
    """Return one server-sent event."""
    return f"event: {name}\ndata: {json.dumps(data, allow_nan=False)}\n\n"


# The page and the plumbing -------------------------------------------------------------------


async def index(request: Request) -> Response:
    """GET /: the explorer page."""
    return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-cache"})


async def openapi(request: Request) -> Response:
    """GET /api/openapi.json: the hand-written OpenAPI 3.1 description of this JSON API."""
    return FileResponse(OPENAPI, media_type="application/json", headers={"Cache-Control": "no-cache"})


async def access(request: Request) -> Response:
    """GET /api/access: whether this server asks for a token to change its state, and whether this
    request carries it (the page offers training only then)."""
    token_required = request.app.state.token_required
    return JSONResponse(
        {"token_required": token_required, "authorised": bool(request.scope["state"].get("authorised"))}
    )


def _explorer(request: Request) -> Explorer:
    """Return the Explorer the app serves."""
    explorer: Explorer = request.app.state.explorer
    return explorer


async def _request_error(request: Request, err: Exception) -> Response:
    """Answer a RequestError with its own status."""
    assert isinstance(err, RequestError)
    return _error(str(err), err.status)


async def _scratchnet_error(request: Request, err: Exception) -> Response:
    """Answer any other ScratchnetError (a bad setting or input the library refused) with 400."""
    return _error(str(err), 400)


async def _http_error(request: Request, err: Exception) -> Response:
    """Answer an unknown route (404) or a wrong method (405) in JSON, naming what arrived."""
    assert isinstance(err, HTTPException)
    if err.status_code == 404:
        return _error(f"no such page or endpoint: {request.method} {request.url.path}; the explorer is at /", 404)
    if err.status_code == 405:
        allowed = err.headers.get("Allow", "") if err.headers else ""
        return _error(f"method {request.method} not allowed on {request.url.path}; allowed: {allowed}", 405)
    return _error(str(err.detail), err.status_code)


async def _unexpected_error(request: Request, err: Exception) -> Response:
    """Log a bug and answer 500 in JSON; the server keeps serving."""
    logger.exception("unexpected error on %s %s", request.method, request.url.path)
    return _error(f"internal error: {type(err).__name__}; the server keeps serving", 500)


class SecurityHeaders:
    """ASGI middleware adding the Content-Security-Policy (own assets only), nosniff, no framing and no
    referrer to every response. No CORS header is ever sent: other origins cannot read or drive the API."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.append((b"content-security-policy", CONTENT_SECURITY_POLICY.encode()))
                headers.append((b"x-content-type-options", b"nosniff"))
                headers.append((b"x-frame-options", b"DENY"))
                headers.append((b"referrer-policy", b"no-referrer"))  # a tokened address never leaks onwards
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def create_app(explorer: Explorer, token: str | None = None, readers: ReadingPool | None = None) -> Starlette:
    """Return the explorer's ASGI application, serving explorer's model and trainings.

    With a token, requests that change the server's state must carry it (scratchnet.web.auth);
    API requests in flight are bounded overall and per client (scratchnet.web.admission). With `readers`,
    drawings and photos are read in its worker processes (scratchnet.web.readers); its owner closes it.
    """
    routes = [
        Route("/", index, methods=["GET"]),
        Route("/api/openapi.json", openapi, methods=["GET"]),
        Route("/api/access", access, methods=["GET"]),
        Route("/api/model", model, methods=["GET"]),
        Route("/api/model.onnx", model_onnx, methods=["GET"]),
        Route("/api/predict", predict, methods=["POST"]),
        Route("/api/read", read, methods=["POST"]),
        Route("/api/neuron", neuron, methods=["POST"]),
        Route("/api/filter", filter_, methods=["POST"]),
        Route("/api/samples", samples, methods=["GET"]),
        Route("/api/samples/{index:int}", sample, methods=["GET"]),
        Route("/api/perceptron", perceptron, methods=["POST"]),
        Route("/api/wishes", wishes, methods=["POST"]),
        Route("/api/wishes/step", wishes_step, methods=["POST"]),
        Route("/api/train", training_status, methods=["GET"]),
        Route("/api/train", start_training, methods=["POST"]),
        Route("/api/train/stop", stop_training, methods=["POST"]),
        Route("/api/train/events", training_events, methods=["GET"]),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    handlers = {
        RequestError: _request_error,
        ScratchnetError: _scratchnet_error,
        HTTPException: _http_error,
        Exception: _unexpected_error,
    }
    middleware = [Middleware(SecurityHeaders), Middleware(TokenGuard, token=token), Middleware(Admission)]
    app = Starlette(routes=routes, exception_handlers=handlers, middleware=middleware)
    app.state.explorer = explorer
    app.state.token_required = token is not None
    app.state.readers = readers
    return app
