"""What the explorer page shows, as plain JSON-able numbers: the network's view of a drawing, one neuron's
inside, the test digits it gets wrong, and trainings that run in a background thread.

The web layer adds no mathematics of its own: a drawing goes through `scratchnet.data.images.mnistify`
(the preprocessing of `scratchnet predict`), the layers come from `Network.forward_trace`
(Z[l] = A[l] @ W[l].T + b[l], A[l+1] = σ(Z[l])), the answer from `Network.probabilities`, and
training is `scratchnet.training.loop.fit` with the page's settings and two callbacks (progress, each epoch).
"""

from __future__ import annotations

import base64
import io
import logging
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from PIL import Image

from scratchnet.core.answers import freeze, normalised
from scratchnet.core.committee import Committee
from scratchnet.core.convnet import ConvNetwork, build
from scratchnet.core.network import Network
from scratchnet.data.mnist import MNIST, load_mnist
from scratchnet.errors import ScratchnetError
from scratchnet.io import remember_last_model, save_model
from scratchnet.training.callbacks import EachEpoch, Progress
from scratchnet.training.config import TrainConfig
from scratchnet.training.loop import fit
from scratchnet.training.state import EpochRecord, History
from scratchnet.web.maps import dense_parts, is_convolutional, maps_view
from scratchnet.web.tracing import Pass, Tracing
from scratchnet.web.validation import RequestError

logger = logging.getLogger(__name__)

SHOWN_NEURONS = 40
"""Neurons drawn per layer in the diagram (a wider layer shows its first 40)."""

EDGES_PER_NEURON = 4
"""Incoming connections drawn into each active neuron: those with the largest |w_jk a_k|."""

ACTIVE = 0.5
"""A neuron counts as active when |a_j| is at least this fraction of its layer's largest |a|."""

SAVED_MODEL_NAME = "web-model.npz"


def _rounded(values: NDArray[Any], digits: int = 4) -> list[float]:
    """Return values as a flat list of floats rounded for JSON (tolist: one C loop, not one float() each)."""
    rounded: list[float] = np.round(np.asarray(values, dtype=np.float64).ravel(), digits).tolist()
    return rounded


def copy_network(net: Network) -> Network:
    """Return an independent copy of net (same architecture, copied weights and biases)."""
    twin = Network(
        net.sizes, net.activation.name, net.cost_function.name, net.init, seed=net.seed, dtype=np.dtype(net.dtype).name
    )
    twin.set_parameters(*net.copy_parameters())
    return twin


def strongest_edges(
    weights: list[NDArray[Any]], activations: list[NDArray[Any]], first: int = 0
) -> list[dict[str, Any]]:
    """Return the connections worth drawing: into each active neuron j, its EDGES_PER_NEURON inputs k
    with the largest |w_jk a_k|, as {"layer": l, "from": k, "to": j, "weight": w_jk}.

    activations[l] is a^l for one sample (a^0 the input); weights[l] joins layer l to layer l+1; the
    layers below `first` get none (a convolutional network's first dense layer reads maps, not pixels).
    """
    edges: list[dict[str, Any]] = []
    for l, W in enumerate(weights):
        if l < first:
            continue
        a_in = activations[l] if l == 0 else activations[l][:SHOWN_NEURONS]
        a_out = np.abs(activations[l + 1][:SHOWN_NEURONS])
        if a_out.max(initial=0.0) <= 0:
            continue
        active = np.flatnonzero(a_out >= ACTIVE * a_out.max())
        contribution = np.abs(W[active, : len(a_in)] * a_in)  # (active, inputs): |w_jk a_k|, every active j at once
        shown = min(EDGES_PER_NEURON, contribution.shape[1])
        strongest = np.argpartition(-contribution, shown - 1, axis=1)[:, :shown]  # each row's largest, unordered
        by_size = np.argsort(-np.take_along_axis(contribution, strongest, axis=1), axis=1, kind="stable")
        strongest = np.take_along_axis(strongest, by_size, axis=1)  # largest first
        to = np.repeat(active, shown)
        start = strongest.ravel()
        drawn = np.take_along_axis(contribution, strongest, axis=1).ravel() > 0
        rounded = np.round(W[to, start].astype(np.float64), 4)
        edges += [
            {"layer": l, "from": k, "to": j, "weight": w}
            for k, j, w in zip(start[drawn].tolist(), to[drawn].tolist(), rounded[drawn].tolist())
        ]
    return edges


def trace_view(net: Network, x: NDArray[Any], maps: bool = True, passed: Pass | None = None) -> dict[str, Any]:
    """Return everything the Draw view shows for one input x of shape (sizes[0],).

    "input" is x; "layers"[l − 1] holds a^l and z^l of the dense layer l = 1 .. L−1 (numbered as
    net.sizes); "edges" the connections to draw; "probabilities" the outputs normalised to sum to 1;
    "prediction" the brightest output. A convolutional network adds its "maps" and first "filters"
    (scratchnet.web.maps), from the same forward trace; without `maps`, "maps_left_out" instead.
    `passed` is x's forward pass (Z, A) when a reading already made it (`scratchnet.web.tracing`).
    """
    Z, A = passed if passed is not None else net.forward_trace(np.asarray(x, dtype=np.float64).reshape(1, -1))
    softmax = net.output_activation.name == "softmax"
    probabilities = normalised(A[-1].reshape(1, -1).astype(np.float64), softmax)[0]  # the trace's own outputs: one pass
    weights, zs, activations = dense_parts(net, Z, A)
    convolutional = is_convolutional(net)
    return {
        "input": _rounded(A[0][0], 3),
        "layers": [{"a": _rounded(activations[l][0]), "z": _rounded(zs[l - 1][0])} for l in range(1, len(activations))],
        "edges": strongest_edges(weights, [a[0] for a in activations], first=1 if convolutional else 0),
        "probabilities": _rounded(probabilities),
        "prediction": int(np.argmax(probabilities)),
        **(_maps_part(net, A, maps) if is_convolutional(net) else {}),
    }


def _maps_part(net: ConvNetwork, A: list[Any], maps: bool) -> dict[str, Any]:
    """Return a convolutional network's maps and filters for the trace, or that they were left out on request."""
    return maps_view(net, A) if maps else {"maps_left_out": True}


def neuron_view(net: Network, layer: int, index: int, x: NDArray[Any] | None) -> dict[str, Any]:
    """Return neuron `index` of layer `layer` (1 .. L−1): its incoming weights w_j·, bias b_j, and, for
    input x, its weighted input z_j = Σ_k w_jk a_k + b_j and activation a_j."""
    W, b = _dense_parameters(net, layer - 1)
    view: dict[str, Any] = {
        "layer": layer,
        "index": index,
        "weights": _rounded(W[index]),
        "image_side": 28 if W.shape[1] == 784 else None,
        "bias": round(float(b[index]), 4),
        "z": None,
        "a": None,
    }
    if x is not None:
        _, Z, A = dense_parts(net, *net.forward_trace(np.asarray(x, dtype=np.float64).reshape(1, -1)))
        view["z"] = round(float(Z[layer - 1][0, index]), 4)
        view["a"] = round(float(A[layer][0, index]), 4)
    return view


def _dense_parameters(net: Network, l: int) -> tuple[NDArray[Any], NDArray[Any]]:
    """Return (W, b) of the l-th dense weight layer (joining sizes[l] to sizes[l + 1]), skipping convolutions."""
    dense = [
        (W, b) for W, b in zip(net.weights, net.biases) if W.ndim == 2
    ]  # a convolution's filters are (C_out, C_in, k, k)
    return dense[l]


@dataclass(frozen=True)
class ServedModel:
    """The network the page draws with, where it came from, and a version that changes with it."""

    net: Network
    source: str
    version: int
    test_accuracy: float | None = None

    def __post_init__(self) -> None:
        freeze(self.net)  # served, it only answers: its float64 copies are made once (core.answers)

    def info(self) -> dict[str, Any]:
        """Return the model's description for the page."""
        return {
            "ready": True,
            "version": self.version,
            "sizes": self.net.sizes,
            "layers": self.net.spelling if isinstance(self.net, ConvNetwork) else ",".join(map(str, self.net.sizes)),
            "convolutional": is_convolutional(self.net),
            "activation": self.net.activation.name,
            "cost": self.net.cost_function.name,
            "parameters": self.net.num_params,
            "source": self.source,
            "test_accuracy": self.test_accuracy,
        }


@dataclass
class TrainingRun:
    """One training in a background thread: its settings, its events so far, and a stop flag.

    `events` only grows; each is {"event": name, "data": {...}}, so a page can join late and replay.
    """

    config: TrainConfig
    training_size: int
    live: bool
    state: str = "starting"  # starting → running → (stopping →) done | stopped | failed
    message: str = ""
    result: dict[str, Any] | None = None  # the message's numbers, for a page that words it in its own language
    events: list[dict[str, Any]] = field(default_factory=list)
    progress: float = 0.0
    epoch: int = 0
    stop_requested: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def finished(self) -> bool:
        """Return whether the thread is done (successfully or not)."""
        return self.state in ("done", "stopped", "failed")

    def emit(self, event: str, data: dict[str, Any]) -> None:
        """Append an event for the page."""
        with self.lock:
            self.events.append({"event": event, "data": data})

    def events_since(self, seen: int) -> tuple[list[dict[str, Any]], bool]:
        """Return (the events after the first `seen`, whether the run has finished)."""
        with self.lock:
            return self.events[seen:], self.finished

    def status(self) -> dict[str, Any]:
        """Return the run's state, settings and epochs so far."""
        with self.lock:
            epochs = [e["data"] for e in self.events if e["event"] == "epoch"]
        return {
            "state": self.state,
            "running": not self.finished,
            "live": self.live,
            "message": self.message,
            "result": self.result,
            "config": self.config.to_dict(),
            "training_size": self.training_size,
            "epoch": self.epoch,
            "progress": round(self.progress, 3),
            "epochs": epochs,
        }


class Explorer:
    """The state behind the page: the served model, the MNIST data (loaded on first use), and the
    training run (one at a time).

    Parameters
    ----------
    net : the network to serve, or None until a training produces one.
    source : where net came from, shown on the page.
    test_accuracy : net's known test accuracy, if any.
    save_directory : where trainings finished on the page are saved (and remembered as the last
        model); None keeps them in memory only.
    load_data : returns the data set (default: the shipped MNIST).
    """

    def __init__(
        self,
        net: Network | None,
        source: str = "",
        test_accuracy: float | None = None,
        save_directory: Path | None = None,
        load_data: Callable[[], MNIST] = load_mnist,
    ) -> None:
        self.model = ServedModel(net, source, 1, test_accuracy) if net is not None else None
        self.save_directory = save_directory
        self.run: TrainingRun | None = None
        self._load_data = load_data
        self._data: MNIST | None = None
        self._lock = threading.Lock()
        self._samples: tuple[int, NDArray[np.intp], NDArray[np.floating], NDArray[np.intp]] | None = None

    # The model -------------------------------------------------------------------------------

    def data(self) -> MNIST:
        """Return the data set, loading it on first use."""
        with self._lock:
            if self._data is None:
                self._data = self._load_data()
            return self._data

    def served(self) -> ServedModel:
        """Return the served model, or raise RequestError (503) while none exists yet."""
        model = self.model
        if model is None:
            message = "no model yet: the first epoch of training is still running"
            raise RequestError(
                message if self.run is not None and not self.run.finished else "no model to draw with; train one", 503
            )
        return model

    def model_info(self) -> dict[str, Any]:
        """Return the served model's description, or {"ready": false, ...} while there is none."""
        if self.model is None:
            return {
                "ready": False,
                "source": "training the tutorial's network in the background" if self.run else "none",
            }
        return self.model.info()

    def install(self, net: Network, source: str, test_accuracy: float | None) -> ServedModel:
        """Serve net from now on; return its ServedModel (with a new version)."""
        with self._lock:
            version = self.model.version + 1 if self.model is not None else 1
            self.model = ServedModel(net, source, version, test_accuracy)
            return self.model

    def check_input_size(self, model: ServedModel) -> None:
        """Raise RequestError unless the model reads 784 inputs (a 28×28 drawing)."""
        if model.net.sizes[0] != 784:
            raise RequestError(f"the model takes {model.net.sizes[0]} inputs; drawings become 784 (28×28)", 409)

    # Samples ---------------------------------------------------------------------------------

    def _test_answers(self, model: ServedModel) -> tuple[NDArray[np.intp], NDArray[np.floating], NDArray[np.intp]]:
        """Return (answers, confidences, order) on the test set: order puts mistakes first, the most
        confident mistakes leading, then the correct answers in test-set order."""
        cached = self._samples
        if cached is not None and cached[0] == model.version:
            return cached[1], cached[2], cached[3]
        test = self.data().test
        probabilities = model.net.probabilities(test.images)
        answers = probabilities.argmax(axis=1)
        confidences = probabilities.max(axis=1)
        wrong = np.flatnonzero(answers != test.labels)
        wrong = wrong[np.argsort(-confidences[wrong], kind="stable")]
        order = np.concatenate([wrong, np.flatnonzero(answers == test.labels)])
        self._samples = (model.version, answers, confidences, order)
        return answers, confidences, order

    def samples(self, offset: int, limit: int) -> dict[str, Any]:
        """Return test digits offset .. offset+limit in mistakes-first order, each with its label,
        the network's answer and confidence, and its 784 grey levels (0..255)."""
        model = self.served()
        self.check_input_size(model)
        answers, confidences, order = self._test_answers(model)
        test = self.data().test
        chosen = order[offset : offset + limit]
        return {
            "total": len(test),
            "mistakes": int(np.sum(answers != test.labels)),
            "offset": offset,
            "model_version": model.version,
            "samples": [
                {
                    "index": int(i),
                    "label": int(test.labels[i]),
                    "prediction": int(answers[i]),
                    "confidence": round(float(confidences[i]), 4),
                    "pixels": test.images[i].tolist(),
                }
                for i in chosen
            ],
        }

    def sample(self, index: int) -> dict[str, Any]:
        """Return the Draw view of test digit `index` with its label."""
        model = self.served()
        self.check_input_size(model)
        test = self.data().test
        if not 0 <= index < len(test):
            raise RequestError(f"no test digit {index}: indexes run from 0 to {len(test) - 1}", 404)
        view = trace_view(model.net, test.images[index].astype(np.float64) / 255.0)
        return {**view, "index": index, "label": int(test.labels[index]), "model_version": model.version}

    # Training --------------------------------------------------------------------------------

    def start_training(self, config: TrainConfig, training_size: int, live: bool = False) -> TrainingRun:
        """Start training a new network with config on the first training_size training images, in a
        background thread; return the run. With live=True each epoch's network is served at once.

        Raises RequestError (409) while another training runs.
        """
        with self._lock:
            if self.run is not None and not self.run.finished:
                raise RequestError("a training is already running; stop it or wait for it to finish", 409)
            run = TrainingRun(config, training_size, live)
            self.run = run
        thread = threading.Thread(target=self._train, args=(run,), name="scratchnet-training", daemon=True)
        thread.start()
        return run

    def stop_training(self) -> TrainingRun:
        """Ask the running training to stop after its current epoch; return the run.

        Raises RequestError (409) when none is running.
        """
        run = self.run
        if run is None or run.finished:
            raise RequestError("no training is running", 409)
        run.stop_requested.set()
        if run.state == "running":
            run.state = "stopping"
            run.emit("status", {"state": run.state, "message": "stopping after this epoch"})
        return run

    def _train(self, run: TrainingRun) -> None:
        """The training thread: build the network, train it, serve and save the result."""
        config = run.config
        source = f"trained on this page: {'-'.join(map(str, config.layers))}, {config.activation}, {config.cost}"
        history = History()
        try:
            data = self.data()
            n = run.training_size
            net = build(
                config.layers, config.activation, config.cost, config.init, seed=config.seed, dtype=config.dtype
            )
            run.state = "stopping" if run.stop_requested.is_set() else "running"
            run.emit("status", {"state": run.state, "message": f"training on {n:,} images"})

            def on_progress(done: int) -> None:
                """Record how far into the epoch training is, for the progress bar."""
                run.progress = done / n

            def on_epoch(record: EpochRecord) -> bool:
                """Publish the epoch (and, live, its network); return False to stop when asked."""
                run.epoch, run.progress = record.epoch, 0.0
                run.emit("epoch", asdict(record))
                if run.live:
                    model = self.install(copy_network(net), f"{source} (epoch {record.epoch} of {config.epochs})", None)
                    run.emit("model", model.info())
                return not run.stop_requested.is_set()

            # A too-large η overflows to ∞ and NaN; fit() reports that as TrainingDivergedError, so
            # NumPy's warnings would only repeat it on the server's console.
            with np.errstate(over="ignore", invalid="ignore"):
                fit(
                    net,
                    data.train.images[:n],
                    data.train.labels[:n],
                    config.options(),
                    validation=(data.validation.images, data.validation.labels),
                    callbacks=[Progress(on_progress), EachEpoch(on_epoch)],
                    history=history,
                )
            stopped = run.stop_requested.is_set() and len(history.epochs) < config.epochs
            if history.epochs:
                test_accuracy = net.evaluate(data.test.images, data.test.labels) / len(data.test)
                model = self.install(net, source, test_accuracy)
                saved = self._save(net, config, history, test_accuracy, data, complete=not stopped)
                run.emit("model", model.info())
                where = f"; saved to {saved}" if saved else ""
                run.message = f"Test accuracy {100 * test_accuracy:.2f}% after {len(history.epochs)} epochs; drawing with it now{where}"
                run.result = {
                    "test_accuracy": test_accuracy,
                    "epochs": len(history.epochs),
                    "saved": str(saved) if saved else None,
                }
            else:
                run.message = "Stopped before the first epoch ended; the model is unchanged."
                run.result = {"test_accuracy": None, "epochs": 0, "saved": None}
            run.state = "stopped" if stopped else "done"
        except ScratchnetError as err:
            run.state, run.message = "failed", str(err)
        except Exception as err:  # the page must hear of any failure; the server keeps serving
            logger.exception("training failed")
            run.state, run.message = "failed", f"training failed: {type(err).__name__}: {err}"
        run.emit("status", {"state": run.state, "message": run.message, "result": run.result})

    def _save(
        self, net: Network, config: TrainConfig, history: History, test_accuracy: float, data: MNIST, complete: bool
    ) -> Path | None:
        """Save a network trained on the page to save_directory and remember it as the last model."""
        if self.save_directory is None:
            return None
        try:
            self.save_directory.mkdir(parents=True, exist_ok=True)
            path = self.save_directory / SAVED_MODEL_NAME
            metadata = {
                "config": config.to_dict(),
                "history": history.to_dict(),
                "test_accuracy": test_accuracy,
                "complete": complete,
                "trained_by": "scratchnet serve",
                "data": {"source": data.source, "sha256": data.sha256, "image_shape": list(data.image_shape)},
            }
            save_model(path, net, metadata)
            remember_last_model(path)
            return path
        except OSError as err:
            logger.warning("could not save the trained model: %s", err)
            return None


READ_MODELS = ("served", "reader")
"""Which network reads a drawing on the page: the served one (whose inside is drawn) or the shipped reader."""


def reading_view(
    grey: NDArray[np.floating], served: Network, which: str, maps: bool = True, live: bool = False
) -> dict[str, Any]:
    """Return what the Draw view shows for a drawing or a photo read as `scratchnet read` reads it.

    "characters" are every character found, left to right: its box (x, y, w, h) in the picture's
    pixels, its 28×28 input, its digit and confidence, and whether it reads as a digit at all;
    "text" is the digits read ('' when "rejected"); "trace" is the served network's view of the
    first digit (the diagram shows that network, whichever reads), its maps the reading network's when
    that is a convolutional reader ("maps_model": "reader"), so the maps show the model chosen (left out
    without `maps`: "maps_left_out"). The reader's "not a digit" class judges every character when the
    reading network has none of its own. A `live` reading, of a drawing the finger still draws, does not search for
    digits that touch (`read`'s `touching`): the page asks for the whole reading when the finger lifts.
    """
    from scratchnet.reading import load_reader, read

    reader, _ = load_reader()
    net = reader if which == "reader" else Tracing(served)
    reading = read(grey, net, gate=reader, touching=not live)
    characters = [
        {
            "box": list(answer.box),
            "input": _rounded(answer.input, 3),
            "digit": answer.digit,
            "confidence": round(answer.confidence, 4),
            "is_digit": is_digit,
        }
        for answer, is_digit in reading.characters
    ]
    first = next((answer.input for answer, is_digit in reading.characters if is_digit), None)
    return {
        "blank": not reading.characters,
        "rejected": reading.rejected,
        "text": reading.text,
        "model": which,
        "characters": characters,
        "trace": None if first is None else _trace_with_maps(served, net, first, maps),
    }


SHOWN_SIDE = 512
"""The longer side, at most, of a picture sent back to be shown (`picture_view`); the page's canvas is smaller."""


def picture_view(grey: NDArray[np.floating]) -> dict[str, Any]:
    """Return {"width", "height", "image"}: the picture's size in its own pixels (the units of the characters'
    boxes) and the picture as it was read, in grey, at most SHOWN_SIDE pixels on its longer side, as a PNG data
    URL: the page shows what the reader saw (a transparent drawing on the ground it was laid on, a HEIC photo
    that the browser itself cannot open)."""
    height, width = grey.shape
    image = Image.fromarray(np.rint(np.asarray(grey) * 255).astype(np.uint8))
    image.thumbnail((SHOWN_SIDE, SHOWN_SIDE), Image.Resampling.BOX)
    png = io.BytesIO()
    image.save(png, "PNG")
    return {
        "width": width,
        "height": height,
        "image": "data:image/png;base64," + base64.b64encode(png.getvalue()).decode(),
    }


def shown_member(reader: Network | Committee) -> Network:
    """Return the network whose maps and filters show a reading by `reader`: itself, or its committee's
    convolutional member (the first member when none is convolutional)."""
    members: tuple[Any, ...] = reader.members if isinstance(reader, Committee) else (reader,)
    shown: Network = next((m for m in members if is_convolutional(m)), members[0])
    return shown


def _trace_with_maps(served: Network, reading: Tracing | Committee, x: NDArray[Any], maps: bool) -> dict[str, Any]:
    """Return the served network's trace of x: its reading's own pass when it read (`Tracing`), else with the
    reading committee's maps when it has a convolutional network; without `maps`, whose maps were left out."""
    if isinstance(reading, Tracing):
        return trace_view(served, x, maps, reading.pass_of(x))
    trace = trace_view(served, x, maps)
    shown = shown_member(reading)
    if is_convolutional(shown):
        A = shown.forward_trace(np.asarray(x, dtype=np.float64).reshape(1, -1))[1] if maps else []
        trace.update(_maps_part(shown, A, maps), maps_model="reader")
    return trace
