"""Save and load trained networks: one `.npz` of arrays plus a JSON header, written atomically.

The file opens with `numpy.load(path, allow_pickle=False)`: arrays `weights_0, biases_0, ...` in the
network's shapes and a 0-d string array `header` holding JSON (format version, layer sizes and, for a
convolutional network, its spelling under "layers" (`28x28,conv5x5x20,pool2,100,10`),
activation, cost, training settings, per-epoch metrics, the data's checksum, the package version).
Every file is written to a temporary file beside its target and then renamed over it, so a crash
never leaves a half-written file.

A committee (`scratchnet train --members K`: K networks that answer by the mean of their
probabilities, `scratchnet.core.committee`) is one such file too: its header says "committee": K and
holds each member's own header under "members"; member k's arrays are `member{k}_weights_0`, ....
`load_model(path, committee=True)` gives such a file back as a `Committee`; the commands that need
one network (plots, the explorer, a teacher) refuse it in one line.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import tokenize
import warnings
import zipfile
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, Any, Literal, overload

import numpy as np

from scratchnet.core.committee import Committee
from scratchnet.core.convnet import ConvNetwork
from scratchnet.core.network import Network
from scratchnet.errors import ModelFileError, ScratchnetError
from scratchnet.training.options import TrainOptions
from scratchnet.training.sgd import Network as TrainableNetwork  # the core's Network with `sgd`
from scratchnet.training.state import TrainingState

FORMAT = "scratchnet-model"
FORMAT_VERSION = 1


def write_atomically(path: str | Path, write: Callable[[IO[bytes]], Any]) -> Path:
    """Call write(file) on a temporary file beside path, then rename it onto path; return path.

    On any error the temporary file is removed and path is left as it was. The file gets the permissions
    `open` would give it (read and write for the owner, read for the others under the usual umask 022), not
    the owner-only ones of a temporary file, so a model or a report can be shared.
    """
    path = Path(path)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.chmod(temporary, 0o666 & ~_umask())
        with os.fdopen(handle, "wb") as file:
            write(file)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def _umask() -> int:
    """Return this process's umask (reading it means setting it, so it is set back at once)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_json(path: str | Path, data: Any) -> Path:
    """Write data as indented JSON to path, atomically."""
    text = json.dumps(data, indent=2, allow_nan=False) + "\n"
    return write_atomically(path, lambda file: file.write(text.encode()))


STORAGES = ("float32", "float64", "float16")
"""How a model's arrays may be stored; float16 halves a float32 file (the shipped reader), read back as the header's dtype."""


def save_model(
    path: str | Path, net: Network, metadata: dict[str, Any] | None = None, storage: str | None = None
) -> Path:
    """Save net and metadata to path as an `.npz` with a JSON header, atomically; return path.

    storage 'float16' stores the arrays rounded to half precision (header "storage"); `load_model`
    gives them back in the network's dtype. Round the network with `round_to_storage` first, so the
    saved network is the one measured.
    """
    return write_atomically(path, _model_writer(net, metadata or {}, storage=storage))


def round_to_storage(net: Network, storage: str) -> None:
    """Round net's weights and biases in place to what `storage` holds (float16: 11 significant bits)."""
    for array in (*net.weights, *net.biases):
        array[...] = array.astype(storage).astype(array.dtype)


def _model_writer(
    net: Network, metadata: dict[str, Any], members: dict[str, Any] | None = None, storage: str | None = None
) -> Callable[[IO[bytes]], None]:
    """Return what writes net's model file: the header (format, architecture, metadata), the arrays, and `members`."""
    header, arrays = _network_arrays(net, metadata, storage)
    arrays = {"header": np.array(json.dumps(header, allow_nan=False)), **arrays, **(members or {})}
    return lambda file: np.savez(file, **arrays)


def _file_header() -> dict[str, Any]:
    """Return what every model file's header opens with: the format, its version, scratchnet's version."""
    from scratchnet import __version__

    return {"format": FORMAT, "format_version": FORMAT_VERSION, "scratchnet_version": __version__}


def _network_arrays(
    net: Network, metadata: dict[str, Any], storage: str | None = None, prefix: str = ""
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Return (header, arrays) of one network: its architecture and metadata, and `{prefix}weights_0`, ...."""
    header = {
        **_file_header(),
        "sizes": net.sizes,
        **({"layers": net.spelling} if isinstance(net, ConvNetwork) else {}),
        "activation": net.activation.name,
        "cost": net.cost_function.name,
        "init": net.init,
        "dtype": np.dtype(net.dtype).name,
        "seed": net.seed,
        **metadata,
    }
    stored = np.dtype(storage or net.dtype)
    if stored != np.dtype(net.dtype):
        header["storage"] = stored.name
    arrays: dict[str, Any] = {}
    for l, (W, b) in enumerate(zip(net.weights, net.biases)):
        arrays[f"{prefix}weights_{l}"] = W.astype(stored, copy=False)
        arrays[f"{prefix}biases_{l}"] = b.astype(stored, copy=False)
    return header, arrays


def save_committee(
    path: str | Path, nets: Sequence[Network], headers: Sequence[dict[str, Any]], metadata: dict[str, Any]
) -> Path:
    """Save a committee's networks, each with its own header's metadata, as one model file, atomically; return path.

    The file's header is `metadata` with "committee": K and "members": [each member's header]; member k's
    arrays are `member{k}_weights_0`, ... (k from 0), stored as that member's header says.
    """
    if len(nets) < 2 or len(nets) != len(headers):
        raise ValueError(f"a committee file holds two or more networks, each with its header; got {len(nets)}")
    arrays: dict[str, Any] = {}
    members = []
    for k, (net, own) in enumerate(zip(nets, headers)):
        metadata_of_member = {key: value for key, value in own.items() if key not in (*_file_header(), "storage")}
        header, member_arrays = _network_arrays(net, metadata_of_member, own.get("storage"), prefix=f"member{k}_")
        members.append(header)
        arrays.update(member_arrays)
    header = {**_file_header(), "sizes": [nets[0].sizes[0], nets[0].sizes[-1]], **metadata}
    header.update(committee=len(nets), members=members)
    arrays["header"] = np.array(json.dumps(header, allow_nan=False))
    return write_atomically(path, lambda file: np.savez(file, **arrays))


ZIP_METHODS = {zipfile.ZIP_STORED: "stored", zipfile.ZIP_DEFLATED: "deflated"}
"""The zip compression methods of `np.savez` and `np.savez_compressed`, the only ones a model file uses."""

_ZIP_FLAGS_REFUSED = 0x01 | 0x20 | 0x40
"""Zip flag bits for encryption (bit 0), patched data (bit 5) and strong encryption (bit 6)."""


def _check_members(archive: Any, path: Path) -> None:
    """Refuse an archive whose members zipfile could only refuse itself, with NotImplementedError or
    RuntimeError: an unknown compression method, encryption or patched data (a damaged entry, here)."""
    for info in archive.zip.infolist():
        if info.compress_type not in ZIP_METHODS:
            raise ModelFileError(
                f"{path}: member {info.filename!r} uses zip compression method {info.compress_type}; "
                "model files are stored (0) or deflated (8)"
            )
        if info.flag_bits & _ZIP_FLAGS_REFUSED:
            raise ModelFileError(
                f"{path}: member {info.filename!r} is marked encrypted or patched (zip flags 0x{info.flag_bits:04x}); "
                "model files are neither"
            )


def _read_array(archive: Any, name: str, path: Path) -> np.ndarray:
    """Return the archive's member `name` as an array.

    numpy parses each member's `.npy` header as a Python literal: damaged header text can raise
    tokenize's TokenError, or parse only with numpy's Python-2 fallback (a UserWarning), and a damaged
    dtype such as `(,)i4` is parsed by `ast.literal_eval` too (SyntaxError); a damaged
    deflate stream raises zlib.error, a member whose data runs past the end of the file EOFError, and
    one whose bytes fail their CRC BadZipFile. Each means a corrupt file.
    """
    if name not in archive.files:
        raise ModelFileError(f"{path}: array {name} is missing")
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings(
                "error",
                message="Reading `.npy` or `.npz` file required additional header parsing",
                category=UserWarning,
            )
            array = archive[name]
    except (tokenize.TokenError, SyntaxError, zlib.error, EOFError, zipfile.BadZipFile, UserWarning) as err:
        raise ModelFileError(f"{path}: array {name} is damaged ({type(err).__name__}: {err})") from err
    if not isinstance(array, np.ndarray):  # NpzFile hands back a member without the .npy magic as bytes
        raise ModelFileError(f"{path}: member {name} is not a NumPy array (no .npy header)")
    return array


def _read_header(archive: Any, path: Path) -> dict[str, Any]:
    """Return the parsed, checked JSON header of an opened model archive."""
    if "header" not in archive.files:
        raise ModelFileError(f"{path}: not a scratchnet model (no header array)")
    try:
        header = json.loads(str(_read_array(archive, "header", path)))
    except (ValueError, TypeError, RecursionError) as err:
        raise ModelFileError(f"{path}: the model header is not valid JSON ({err})") from err
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise ModelFileError(
            f"{path}: not a scratchnet model (header format {header.get('format') if isinstance(header, dict) else header!r})"
        )
    if header.get("format_version") != FORMAT_VERSION:
        raise ModelFileError(
            f"{path}: model format version {header.get('format_version')!r}; this scratchnet reads {FORMAT_VERSION}"
        )
    return header


def _read_network(archive: Any, path: Path, header: dict[str, Any], prefix: str = "") -> Network:
    """Return the network `header` describes, its arrays `{prefix}weights_0`, ... read and checked against it."""
    try:
        kind = ConvNetwork if "layers" in header else TrainableNetwork  # a convolutional model is spelled by its layers
        net = kind(
            header["layers"] if "layers" in header else header["sizes"],
            header["activation"],
            header["cost"],
            header.get("init", "normal"),
            seed=None,
            dtype=header["dtype"],
        )
    except (KeyError, TypeError, ScratchnetError) as err:
        raise ModelFileError(f"{path}: the header does not describe a network ({err})") from err
    stored = header.get("storage", header["dtype"])
    if stored not in STORAGES:
        raise ModelFileError(f"{path}: the header's storage must be one of {', '.join(STORAGES)}; got {stored!r}")
    for l, (W, b) in enumerate(zip(net.weights, net.biases)):
        for name, target in ((f"{prefix}weights_{l}", W), (f"{prefix}biases_{l}", b)):
            array = _read_array(archive, name, path)
            if array.shape != target.shape or array.dtype != np.dtype(stored):
                raise ModelFileError(
                    f"{path}: array {name} should be {stored} of shape {target.shape}; got {array.dtype} of shape {array.shape}"
                )
            if not np.all(np.isfinite(array)):
                raise ModelFileError(f"{path}: array {name} holds NaN or infinite values")
            target[...] = array
    net.seed = header.get("seed")
    return net


def _read_committee(archive: Any, path: Path, header: dict[str, Any]) -> Committee[Network]:
    """Return the committee a committee file's header describes, each member read as `_read_network` reads one."""
    count, members = header.get("committee"), header.get("members")
    if not isinstance(count, int) or count < 2 or not isinstance(members, list) or len(members) != count:
        raise ModelFileError(f"{path}: the header's committee of {count!r} does not list as many members' headers")
    if not all(isinstance(member, dict) for member in members):
        raise ModelFileError(f"{path}: the header's members are not each a network's header")
    nets = [_read_network(archive, path, member, prefix=f"member{k}_") for k, member in enumerate(members)]
    try:
        return Committee(nets)
    except ValueError as err:
        raise ModelFileError(f"{path}: {err}") from err


def _open_model(path: Path) -> tuple[Network | Committee[Network], dict[str, Any]]:
    """Return (network or committee, header) from a model file, every array checked against the header."""
    if not path.is_file():
        raise ModelFileError(f"{path}: no such model file")
    try:
        with path.open("rb") as file:
            try:
                archive = np.load(file, allow_pickle=False)
            except NotImplementedError as err:  # zipfile: a directory entry asks for a zip version newer than 6.3
                raise ModelFileError(f"{path}: not a scratchnet model (damaged zip directory: {err})") from err
            if not isinstance(archive, np.lib.npyio.NpzFile):
                raise ModelFileError(f"{path}: not a scratchnet model (a single array, not an .npz archive)")
            with archive:
                _check_members(archive, path)
                header = _read_header(archive, path)
                if "committee" in header:
                    return _read_committee(archive, path, header), header
                return _read_network(archive, path, header), header
    except ModelFileError:
        raise
    except (OSError, ValueError, zipfile.BadZipFile, EOFError, KeyError) as err:
        raise ModelFileError(f"{path}: not a scratchnet model ({type(err).__name__}: {err})") from err


@overload
def load_model(path: str | Path, committee: Literal[False] = False) -> tuple[Network, dict[str, Any]]: ...


@overload
def load_model(path: str | Path, committee: Literal[True]) -> tuple[Network | Committee[Network], dict[str, Any]]: ...


def load_model(path: str | Path, committee: bool = False) -> tuple[Network | Committee[Network], dict[str, Any]]:
    """Return (network, header) from a file written by `save_model` (with committee=True, also a `Committee`
    from a file written by `save_committee`).

    Raises
    ------
    ModelFileError : if the file is missing, not an `.npz`, damaged, has no valid header, or holds
        arrays whose shapes, dtype or values (NaN, ∞) do not match the header; or, without committee=True,
        if it holds a committee (the caller needs one network).
    """
    path = Path(path)
    model, header = _open_model(path)
    if isinstance(model, Committee) and not committee:
        raise ModelFileError(
            f"{path}: a committee of {len(model.members)} networks (scratchnet train --members); this needs one "
            "network (evaluate, predict, read, info and export take a committee; plot and serve show its first member)"
        )
    return model, header


def load_shown_network(path: str | Path) -> tuple[Network, dict[str, Any], int | None]:
    """Return (network, its header, None) from one network's file; from a committee's, (its first member, that
    member's own header, how many members): what draws or serves one network (plots, the explorer) shows."""
    model, header = load_model(path, committee=True)
    if not isinstance(model, Committee):
        return model, header, None
    return model.members[0], header["members"][0], len(model.members)


MODELS = Path(__file__).parent / "models"
"""The models shipped with scratchnet, each named by its file's stem: `reader` is models/reader.npz."""


def model_file(name: str | Path) -> Path:
    """Return the file a model's name means: the path itself where it is a file, else the shipped model of that name."""
    path = Path(name)
    shipped = MODELS / f"{path.name}.npz"
    if path.is_file() or path.parent != Path(".") or not shipped.is_file():
        return path
    return shipped


def load_teacher(name: str | Path) -> tuple[Network, dict[str, Any], str]:
    """Return (network, header, the file's SHA-256) of the model a teacher setting names (a path or a shipped name).

    Raises
    ------
    ModelFileError : if there is no such file nor shipped model, or `load_model` refuses the file.
    """
    path = model_file(name)
    if not path.is_file():
        shipped = ", ".join(sorted(model.stem for model in MODELS.glob("*.npz")))
        raise ModelFileError(f"{name}: no such model file, nor a model shipped with scratchnet ({shipped})")
    net, header = load_model(path)
    return net, header, hashlib.sha256(path.read_bytes()).hexdigest()


CHECKPOINT_SUFFIX = ".ckpt"
"""A checkpoint sits beside the model it will become: model.npz.ckpt."""


def save_checkpoint(path: str | Path, state: TrainingState, settings: dict[str, Any] | None = None) -> Path:
    """Write a run's state to path, atomically; return path.

    A checkpoint is a model file (so `scratchnet evaluate` reads it) whose header also holds, under
    "checkpoint", the training options, the state's numbers (`TrainingState.to_payload`: epoch, the
    generators' states, the schedule's, early stopping's, the history) and the caller's settings;
    the state's arrays (velocities, moments, the best epoch's parameters) are members `state_NAME`.
    """
    numbers, arrays = state.to_payload()
    checkpoint = {"options": state.options.to_dict(), "state": numbers, "settings": settings or {}}
    members: dict[str, Any] = {f"state_{name}": array for name, array in arrays.items()}
    write = _model_writer(state.net, {"complete": False, "checkpoint": checkpoint}, members)
    return write_atomically(path, write)


def load_checkpoint(path: str | Path) -> tuple[TrainingState, dict[str, Any]]:
    """Return (state, settings) from a file written by `save_checkpoint`, ready for `fit(..., state=state)`.

    Raises
    ------
    ModelFileError : if the file is not a readable model, holds no training state, or holds a state
        that does not fit its network or options.
    """
    path = Path(path)
    net, header = load_model(path)
    checkpoint = header.get("checkpoint")
    if not isinstance(checkpoint, dict):
        raise ModelFileError(
            f"{path}: not a checkpoint (a model file without training state); resume from the .ckpt file a run writes"
        )
    try:
        with np.load(path, allow_pickle=False) as archive:
            arrays = {
                name[len("state_") :]: _read_array(archive, name, path)
                for name in archive.files
                if name.startswith("state_")
            }
        options = TrainOptions.from_dict(checkpoint["options"])
        state = TrainingState.from_payload(net, options, checkpoint["state"], arrays)
    except ModelFileError:
        raise
    except (ScratchnetError, OSError, ValueError, TypeError, KeyError, AttributeError, zipfile.BadZipFile) as err:
        raise ModelFileError(
            f"{path}: the checkpoint's training state is damaged or does not fit its network ({type(err).__name__}: {err})"
        ) from err
    settings = checkpoint.get("settings")
    return state, settings if isinstance(settings, dict) else {}


def state_directory() -> Path:
    """Return where scratchnet remembers things between runs: $SCRATCHNET_HOME, else ~/.scratchnet."""
    return Path(os.environ.get("SCRATCHNET_HOME") or Path.home() / ".scratchnet")


def remember_last_model(path: str | Path) -> None:
    """Record path as the last trained model, for commands whose MODEL argument is left out."""
    folder = state_directory()
    folder.mkdir(parents=True, exist_ok=True)
    text = str(Path(path).resolve())
    write_atomically(folder / "last-model", lambda file: file.write(text.encode()))


def last_model_path() -> Path:
    """Return the path of the last model `scratchnet train` saved.

    Raises ModelFileError when none was recorded or the file has gone.
    """
    record = state_directory() / "last-model"
    if not record.is_file():
        raise ModelFileError("no model given and none trained yet; run `scratchnet train` first or name a MODEL")
    path = Path(record.read_text().strip())
    if not path.is_file():
        raise ModelFileError(f"the last trained model {path} no longer exists; run `scratchnet train` or name a MODEL")
    return path
