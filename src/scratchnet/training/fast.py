"""The fast path of mini-batch SGD: the steps of `Network.backprop` and the update rule, rearranged.

It takes plain SGD and, on top of it, momentum or Nesterov's rule, L2's weight decay, any schedule
of η (or a function of the step, for a time budget), dropout and augmentation (Adam stays on the
reference path).

The readable reference (network.py, sgd.py) makes new arrays for every z, a, δ and ∇ on every step.
At m = 10 those arrays hold a few hundred numbers, so its time goes into Python and into NumPy's cost
per call, not into arithmetic. This module takes exactly the same steps with fewer, larger calls:

- the biases ride inside the weights: W̃ = [W | b] has shape (n_out, n_in + 1) and every layer's input
  ã = [a | 1] carries a column of ones, so z = ã W̃ᵀ is one product (no separate + b), and (BP3) and
  (BP4) together are one product, ∇W̃ = δᵀ ã (the ones column sums δ over the mini-batch), computed
  transposed, ∇W̃ᵀ = ãᵀ δ, like the W̃ᵀ it updates;
- η/m is folded into δ^L once (everything after it is linear in δ), so ∇W̃ᵀ holds η ∂C/∂W̃ᵀ and the
  plain step is W̃ −= δᵀ ã; L2 adds (ηλ/n) W to it (not to the biases' row), momentum keeps a velocity
  v̂ shaped like W̃ᵀ (v → μ v − η∇, w → w + v; Nesterov as in optimizers.py), and a schedule's η is
  a 0-d array rewritten before each step, so the compiled steps read the η of their moment;
- dropout's masks r are drawn a chunk at a time, in the reference's order (mini-batch by mini-batch,
  layer by layer, from the same generator), so they are the reference's masks; a hidden layer's a
  is multiplied by r after its forward step and its δ by r after σ'(z);
- with augmentation, each mini-batch is distorted by the reference's `Augmenter` and then its masks
  drawn, mini-batch by mini-batch from the same generator, so the distortions and masks are the
  reference's; a helper thread fills the next chunk (a second set of arrays, with its own compiled
  steps) while this one trains: the distortions are NumPy calls on whole mini-batches, which release
  the interpreter, beside the products, which release it too;
- σ' is read off what the forward pass kept: with u = tanh(z/2)/2, the sigmoid is a = ½ + u and
  σ'(z) = a(1 − a) = ¼ − u²; tanh' = 1 − a²; relu' = [a > 0];
- a sigmoid output layer stops at u, and the targets are stored as y − ½, since a − y = u − (y − ½);
- every array is made once, before the first step, and written in place, with constants as 0-d
  arrays of the network's dtype (NumPy converts a Python float on every call), and products go
  through `np.dot`, which costs less per call than `np.matmul` for 2-D arrays;
- the steps of a chunk are compiled once into one flat list of NumPy calls on those fixed arrays
  (a `Plan`), so training runs no Python but that list;
- the arrays that elementwise operations touch are contiguous (strided ones run at half speed);
  only the last operation of a hidden layer writes into ã's strided columns;
- the images are gathered and made floats a chunk of about CHUNK_BYTES at a time, so the chunk is
  still in the processor's cache when its mini-batches (views into it) are multiplied, and memory
  stays flat; `progress` is called about a hundred times an epoch, between chunks;
- the grey levels x = 255 x′ enter the first layer unscaled, ã = [255 x′ | 255], and the 1/255 is
  applied to z (n_1 numbers per image) instead of x (784 per image):  z = (ã W̃ᵀ)/255, and in the
  same way ∇W̃ = (δ/255)ᵀ ã.

Samples are rows, as in network.py: ã^(l) has shape (k, n_l + 1) for a mini-batch of k ≤ m rows.
The weights and biases the network holds are copied in before an epoch and out after it, so
between epochs the network looks exactly as the reference leaves it. The results equal the
reference's up to rounding (tests/unit/test_fast.py holds the two to 1e-10 in float64).
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import closing
from functools import partial
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from scratchnet.training.optimizers import Momentum, Nesterov, Optimizer

if TYPE_CHECKING:
    from scratchnet.core.network import Array, Network
    from scratchnet.data.augment import Augmenter

CHUNK_BYTES = 512 * 1024
"""About how many bytes of floats an epoch's rows are gathered in at once (whole mini-batches, at least one)."""

Plan = list[tuple[Callable[..., Any], Sequence[Any]]]
"""A step compiled: NumPy calls (function, arguments) that write into preallocated arrays, run in order."""

EVALUATION_BYTES = 4 * 1024 * 1024
"""About how many bytes of inputs `FastSGD.feedforward` multiplies at once: over a thousand rows of
784 floats, products large enough to share between threads, in arrays small enough to stay in the
cache and cost next to nothing to allocate (a 10,000-row x̃ is 31 MB of fresh pages, about as long to
fault in as a 784-16-16-10 epoch's monitoring is allowed to take)."""


def supports(net: Network, X: NDArray[Any]) -> bool:
    """Return True if `FastSGD` knows net's activations and X's type (the caller checks for plain SGD), and
    net is a chain of dense layers (weights[l] of shape (sizes[l + 1], sizes[l]); not a convolutional network)."""
    shapes = [(n_out, n_in) for n_in, n_out in zip(net.sizes[:-1], net.sizes[1:])]
    return (
        [W.shape for W in net.weights] == shapes
        and net.activation.name in KERNELS
        and net.output_activation.name in (*KERNELS, "softmax")
        and X.ndim == 2
        and (X.dtype == np.uint8 or np.issubdtype(X.dtype, np.floating))
    )


def run(plan: Plan) -> None:
    """Make the calls of a plan, in order."""
    for call, arguments in plan:
        call(*arguments)


def _scaled(z: Array, scale: Array) -> Plan:
    """Return the call z *= scale, or none where scale is 1."""
    return [] if scale == 1 else [(np.multiply, (z, scale, z))]


class _Sigmoid:
    """σ(z) = ½ + u with u = ½ tanh(z/2) (as in activations.py, which cannot overflow); σ' = ¼ − u².

    A kernel is made for one layer, with the factor its z still needs (1/255 for grey levels), and
    returns the NumPy calls of its part of a step rather than making them.
    """

    def __init__(self, dtype: Any, scale: float = 1.0) -> None:
        self.half, self.quarter = np.array(0.5, dtype), np.array(0.25, dtype)
        self.half_scale = np.array(0.5 * scale, dtype)

    def forward(self, z: Array, a: Array | None) -> Plan:
        """Write σ(scale z) into a (unless a is None); z is left holding u = σ(scale z) − ½."""
        plan: Plan = [(np.multiply, (z, self.half_scale, z)), (np.tanh, (z, z)), (np.multiply, (z, self.half, z))]
        return plan if a is None else [*plan, (np.add, (z, self.half, a))]

    def times_prime(self, e: Array, u: Array, s: Array) -> Plan:
        """e ⊙= σ'(z) = a(1 − a) = ¼ − u², with s as scratch."""
        return [(np.multiply, (u, u, s)), (np.subtract, (self.quarter, s, s)), (np.multiply, (e, s, e))]


class _Tanh:
    """tanh(z); tanh' = 1 − a²."""

    def __init__(self, dtype: Any, scale: float = 1.0) -> None:
        self.one, self.scale = np.array(1.0, dtype), np.array(scale, dtype)

    def forward(self, z: Array, a: Array) -> Plan:
        """Write tanh(scale z) into a and into z."""
        return _scaled(z, self.scale) + [(np.tanh, (z, z)), (np.copyto, (a, z))]

    def times_prime(self, e: Array, a: Array, s: Array) -> Plan:
        """e ⊙= 1 − a²."""
        return [(np.multiply, (a, a, s)), (np.subtract, (self.one, s, s)), (np.multiply, (e, s, e))]


class _ReLU:
    """max(0, z); relu' = 1 where a > 0, else 0."""

    def __init__(self, dtype: Any, scale: float = 1.0) -> None:
        self.zero, self.scale = np.array(0.0, dtype), np.array(scale, dtype)

    def forward(self, z: Array, a: Array) -> Plan:
        """Write max(0, scale z) into a and into z."""
        return _scaled(z, self.scale) + [(partial(np.maximum, out=z), (z, self.zero)), (np.copyto, (a, z))]

    def times_prime(self, e: Array, a: Array, s: Array) -> Plan:
        """e ⊙= [a > 0], which is sign(a) for a ≥ 0."""
        return [(np.sign, (a, s)), (np.multiply, (e, s, e))]


class _Softmax:
    """softmax(z)_j = e^(z_j) / Σ_k e^(z_k), shifted by the row's largest z so e^z cannot overflow."""

    def __init__(self, dtype: Any, scale: float = 1.0) -> None:
        self.scale, self.dtype = np.array(scale, dtype), dtype

    def forward(self, z: Array, a: Array) -> Plan:
        """Write softmax(scale z) into a; z is spoilt."""
        row = np.empty((len(z), 1), self.dtype)  # each row's largest z, then its Σ e^z
        return _scaled(z, self.scale) + [
            (np.maximum.reduce, (z, 1, None, row, True)),
            (np.subtract, (z, row, z)),
            (np.exp, (z, a)),
            (np.add.reduce, (a, 1, None, row, True)),
            (np.divide, (a, row, a)),
        ]

    def times_prime(self, e: Array, a: Array, s: Array) -> Plan:
        raise NotImplementedError("softmax pairs only with the log-likelihood cost, whose δ^L = a − y")


KERNELS = {"sigmoid": _Sigmoid, "tanh": _Tanh, "relu": _ReLU}
"""The hidden activations the fast path knows, by name; anything else falls back to the reference."""


class _Buffers:
    """The arrays of one step for a mini-batch of k rows: z, ã, δ, scratch and ∇W̃ of every layer."""

    def __init__(self, sizes: list[int], k: int, dtype: Any) -> None:
        layers = range(len(sizes) - 1)
        self.z = [np.empty((k, sizes[l + 1]), dtype) for l in layers]  # then what σ' is read from
        # ã^(l+1) = [a | 1] for the hidden layers; the output layer needs no ones column.
        self.a_tilde = [np.ones((k, sizes[l + 1] + 1), dtype) for l in layers[:-1]]
        self.a = [a_tilde[:, :-1] for a_tilde in self.a_tilde] + [np.empty((k, sizes[-1]), dtype)]
        self.delta = [np.empty((k, sizes[l + 1]), dtype) for l in layers]
        self.scratch = [np.empty((k, sizes[l + 1]), dtype) for l in layers]
        self.nabla = [np.empty((sizes[l] + 1, sizes[l + 1]), dtype) for l in layers]  # shaped like W̃ᵀ

    def first_rows(self, k: int) -> _Buffers:
        """Return buffers for k rows that are views of the first k rows of these."""
        short = object.__new__(_Buffers)
        short.z = [z[:k] for z in self.z]
        short.a_tilde = [a[:k] for a in self.a_tilde]
        short.a = [a[:k] for a in self.a]
        short.delta = [d[:k] for d in self.delta]
        short.scratch = [s[:k] for s in self.scratch]
        short.nabla = self.nabla
        return short


class _Chunk:
    """The arrays a chunk of rows is gathered into: raw rows, ã = [x | 1], targets y and dropout masks r."""

    def __init__(self, net: Network, X: NDArray[Any], rows: int, one: float, dropout: float) -> None:
        sizes, dtype = net.sizes, net.dtype
        self.raw = np.empty((rows, sizes[0]), X.dtype)
        self.inputs = np.full((rows, sizes[0] + 1), one, dtype)  # ã = [x | 1] or [255 x′ | 255]
        self.targets = np.empty((rows, sizes[-1]), dtype)
        self.masks = [np.empty((rows, size), dtype) for size in sizes[1:-1]] if dropout > 0 else []


class FastSGD:
    """Plain mini-batch SGD on net with preallocated arrays; call `epoch` once per shuffled order.

    Parameters
    ----------
    net : the Network; its weights and biases are read before and written after every epoch.
    X : training inputs (n, sizes[0]), uint8 grey levels (their 1/255 goes onto z, see above) or floats.
    Y : one-hot targets (n, sizes[-1]) in the network's dtype.
    m : the mini-batch size.
    eta : η, the learning rate.
    optimizer, lmbda, dropout : the update rule (SGD, momentum or Nesterov), L2's λ and dropout's p.
    noise : the generator dropout's masks and the distortions are drawn from (needed for either).
    augmenter : distorts each mini-batch as the reference does (`scratchnet.data.augment.Augmenter`).
    Call `close` (or use it in a `with`) to end the helper thread augmentation starts.
    """

    def __init__(
        self,
        net: Network,
        X: NDArray[Any],
        Y: Array,
        m: int,
        eta: float,
        optimizer: Optimizer | None = None,
        lmbda: float = 0.0,
        dropout: float = 0.0,
        noise: np.random.Generator | None = None,
        augmenter: Augmenter | None = None,
    ) -> None:
        self.net, self.X, self.Y, self.m, self.eta, self.lmbda = net, X, Y, m, eta, lmbda
        if (dropout > 0 or augmenter is not None) and noise is None:
            raise ValueError("dropout and augmentation need the generator their draws come from")
        self.dropout, self.noise, self.augmenter = dropout, noise, augmenter
        dtype, sizes, n = net.dtype, net.sizes, len(X)
        self.optimizer = optimizer if isinstance(optimizer, Momentum) else None  # Nesterov is a Momentum
        if optimizer is not None and optimizer.name not in ("sgd", "momentum", "nesterov"):
            raise ValueError(f"the fast path takes sgd, momentum or nesterov; got {optimizer.name!r}")
        grey = X.dtype == np.uint8
        self.scale = np.array(1 / 255, dtype) if grey else None  # what z^1 and δ^1 are multiplied by
        kinds = [KERNELS[net.activation.name]] * (len(sizes) - 2) + [KERNELS.get(net.output_activation.name, _Softmax)]
        self.kernels: list[Any] = [kind(dtype, 1 / 255 if grey and l == 0 else 1.0) for l, kind in enumerate(kinds)]
        self.output_error_has_prime = net.cost_function.name == "quadratic"  # (BP1): (a − y) ⊙ σ'(z^L)
        # A sigmoid output keeps u = a − ½ and the targets are stored as y − ½: u − (y − ½) = a − y.
        self.shifted = isinstance(self.kernels[-1], _Sigmoid)
        # W̃ᵀ = [W | b]ᵀ, one block per layer, kept transposed: BLAS multiplies it faster that way.
        self.w_tilde_T = [np.empty((W.shape[1] + 1, W.shape[0]), dtype) for W in net.weights]
        self.chunk = m * max(1, CHUNK_BYTES // (np.dtype(dtype).itemsize * (sizes[0] + 1) * m))  # rows
        rows = min(self.chunk, n)
        self.one = np.array(255 if grey else 1, dtype)  # ã's last column: x̃ = [x | 1] or [255 x′ | 255]
        # Two sets of arrays with augmentation: the helper fills one while the steps read the other.
        self.chunks = [_Chunk(net, X, rows, 255 if grey else 1, dropout) for _ in range(2 if augmenter else 1)]
        self.helper = ThreadPoolExecutor(max_workers=1) if augmenter is not None else None
        self.buffers = _Buffers(sizes, min(m, n), dtype)
        self.plans: dict[tuple[int, int], list[Plan]] = {}  # the steps of a whole chunk, by (its arrays, its rows)
        self.flat: dict[tuple[int, int], Plan] = {}  # the same steps as one list, for a constant η
        self.evaluation: _Buffers | None = None  # made when `feedforward` is first called
        self.evaluation_inputs: Array | None = None  # x̃ rows for inputs not remembered, made when first needed
        self.remembered: dict[int, tuple[NDArray[Any], Array]] = {}  # x̃ of the arrays measured every epoch, by id
        # What the compiled steps read: η/k for a mini-batch of k rows, ηλ/n, μ and 1 + μ, as 0-d arrays.
        self.eta_over: dict[int, Array] = {k: np.array(eta / k, dtype) for k in {min(m, n), n % m or m}}
        self.decay = np.array(eta * lmbda / max(n, 1), dtype)
        mu = self.optimizer.mu if self.optimizer is not None else 0.0
        self.mu, self.one_plus_mu = np.array(mu, dtype), np.array(1 + mu, dtype)
        self.velocity = [np.zeros_like(w) for w in self.w_tilde_T] if self.optimizer is not None else []
        self.update_scratch = (
            [np.empty_like(w) for w in self.w_tilde_T] if lmbda or isinstance(self.optimizer, Nesterov) else []
        )
        self.inverse_keep = np.array(1 / (1 - dropout), dtype)

    def _load(self) -> None:
        """Copy the network's weights and biases into W̃ᵀ = [W | b]ᵀ (and the rule's velocities into v̂ alike)."""
        for w_tilde_T, W, b in zip(self.w_tilde_T, self.net.weights, self.net.biases):
            w_tilde_T[:-1] = W.T
            w_tilde_T[-1] = b
        if self.optimizer is not None and self.optimizer.velocities is not None:
            layers = len(self.w_tilde_T)
            for l, v in enumerate(self.velocity):
                v[:-1] = self.optimizer.velocities[l].T
                v[-1] = self.optimizer.velocities[layers + l]

    def _store(self) -> None:
        """Copy W̃ᵀ back into the network's weights and biases (and v̂ into the rule's velocities)."""
        for w_tilde_T, W, b in zip(self.w_tilde_T, self.net.weights, self.net.biases):
            W[...] = w_tilde_T[:-1].T
            b[...] = w_tilde_T[-1]
        if self.optimizer is not None:
            parameters = [*self.net.weights, *self.net.biases]
            if self.optimizer.velocities is None:
                self.optimizer.velocities = [np.zeros_like(w) for w in parameters]
            layers = len(self.w_tilde_T)
            for l, v in enumerate(self.velocity):
                self.optimizer.velocities[l][...] = v[:-1].T
                self.optimizer.velocities[layers + l][...] = v[-1]

    def _set_eta(self, eta: float) -> None:
        """Make the compiled steps take the learning rate η: η/k for every k, and ηλ/n."""
        for k, eta_over_k in self.eta_over.items():
            eta_over_k[()] = eta / k
        self.decay[()] = eta * self.lmbda / len(self.X)
        self.eta = eta

    def _update(self, l: int, nabla: Array) -> Plan:
        """Return the calls of layer l's update from nabla = η ∂C₀/∂W̃ᵀ: L2, then the rule (optimizers.py's equations)."""
        W = self.w_tilde_T[l]
        plan: Plan = []
        if self.lmbda:  # η ∂C/∂w = η ∂C₀/∂w + (ηλ/n) w, the biases' row left out
            plan += [
                (np.multiply, (W[:-1], self.decay, self.update_scratch[l][:-1])),
                (np.add, (nabla[:-1], self.update_scratch[l][:-1], nabla[:-1])),
            ]
        if self.optimizer is None:
            return [*plan, (np.subtract, (W, nabla, W))]  # w → w − η ∂C/∂w
        v = self.velocity[l]
        if isinstance(self.optimizer, Nesterov):  # w̃ → w̃ − μ v + (1 + μ) v′, v′ = μ v − η∇C(w̃)
            scratch = self.update_scratch[l]
            return [
                *plan,
                (np.multiply, (v, self.mu, scratch)),
                (np.subtract, (W, scratch, W)),
                (np.multiply, (v, self.mu, v)),
                (np.subtract, (v, nabla, v)),
                (np.multiply, (v, self.one_plus_mu, scratch)),
                (np.add, (W, scratch, W)),
            ]
        return [
            *plan,
            (np.multiply, (v, self.mu, v)),
            (np.subtract, (v, nabla, v)),
            (np.add, (W, v, W)),
        ]  # v → μ v − η∇C, w → w + v

    def _forward(self, x_tilde: Array, buffers: _Buffers, output: bool = True, masks: Sequence[Array] = ()) -> Plan:
        """Return the calls of the forward pass: z = ã W̃ᵀ = a Wᵀ + b and a = σ(z) (⊙ r, with dropout masks), layer by layer.

        output=False leaves out the last layer's a where z already holds what δ^L needs (u = a − ½).
        """
        inputs, plan, last = [x_tilde, *buffers.a_tilde], Plan(), len(self.kernels) - 1
        for l, kernel in enumerate(self.kernels):
            plan.append((np.dot, (inputs[l], self.w_tilde_T[l], buffers.z[l])))
            plan += kernel.forward(buffers.z[l], None if l == last and not output else buffers.a[l])
            if l < len(masks):
                plan.append(
                    (np.multiply, (buffers.a[l], masks[l], buffers.a[l]))
                )  # a ⊙ r; z keeps what σ' is read from
        return plan

    def _compile(self, rows: slice, chunk: _Chunk) -> Plan:
        """Return the calls of one step on the mini-batch in these rows of the chunk: forward, (BP1)–(BP4), update."""
        x_tilde, y = chunk.inputs[rows], chunk.targets[rows]
        k = len(x_tilde)
        buffers = self.buffers if k == len(self.buffers.z[0]) else self.buffers.first_rows(k)
        kernels, z, a, delta, scratch, nabla = (
            self.kernels,
            buffers.z,
            buffers.a,
            buffers.delta,
            buffers.scratch,
            buffers.nabla,
        )
        inputs, last = [x_tilde, *buffers.a_tilde], len(z) - 1
        masks = [mask[rows] for mask in chunk.masks]
        plan = self._forward(x_tilde, buffers, output=not self.shifted, masks=masks)
        d = delta[last]
        plan.append((np.subtract, (z[last] if self.shifted else a[last], y, d)))  # a − y, or u − (y − ½) if shifted
        if self.output_error_has_prime:
            plan += kernels[last].times_prime(d, z[last], scratch[last])  # (BP1): δ^L = (a − y) ⊙ σ'(z^L)
        plan.append((np.multiply, (d, self.eta_over[k], d)))  # η/k once here instead of in every ∇
        for l in range(last, -1, -1):
            if l == 0 and self.scale is not None:
                plan.append((np.multiply, (d, self.scale, d)))  # ∇W̃ = (δ/255)ᵀ ã for grey levels ã = [255 x′ | 255]
            plan.append((np.dot, (inputs[l].T, d, nabla[l])))  # (BP3) and (BP4) at once: η [∂C/∂W | ∂C/∂b]ᵀ
            if l > 0:
                plan.append(
                    (np.dot, (d, self.w_tilde_T[l][:-1].T, delta[l - 1]))
                )  # (BP2), with the weights before this step
                plan += kernels[l - 1].times_prime(delta[l - 1], z[l - 1], scratch[l - 1])
                if masks:
                    plan.append((np.multiply, (delta[l - 1], masks[l - 1], delta[l - 1])))  # (BP2) ⊙ r
                d = delta[l - 1]
            plan += self._update(l, nabla[l])
        return plan

    def _steps(self, slot: int, rows: int) -> list[Plan]:
        """Return the calls of the steps on the first `rows` rows of chunk `slot`, one plan per mini-batch (compiled once)."""
        key = (slot, rows)
        if key not in self.plans:
            chunk = self.chunks[slot]
            self.plans[key] = [
                self._compile(slice(first, min(first + self.m, rows)), chunk) for first in range(0, rows, self.m)
            ]
        return self.plans[key]

    def epoch(
        self,
        order: NDArray[np.intp],
        progress: Callable[[int], Any] | None = None,
        etas: Sequence[float] | Callable[[int], float | None] | None = None,
    ) -> bool:
        """Take one step per mini-batch of `order` (a permutation of range(n)), m rows at a time.

        etas[s], if given, is the η of step s (a schedule's); otherwise every step takes the constructor's η.
        etas may also be a function of s, asked just before step s; its None stops the epoch there.
        Return False if it was stopped so, True when every step was taken.
        """
        self._load()
        asked = callable(etas)
        constant = etas is None or (not asked and len(set(etas)) == 1)  # type: ignore[arg-type]
        if etas is not None and not asked:
            self._set_eta(etas[0])  # type: ignore[index]
        report_at, step = 0.0, 0
        with closing(self._filled(order)) as chunks:
            for start, rows, slot in chunks:
                steps = self._steps(slot, rows)
                if constant:  # the whole chunk as one list of calls: no Python between the steps
                    key = (slot, rows)
                    run(self.flat.get(key) or self.flat.setdefault(key, [call for plan in steps for call in plan]))
                else:
                    for plan in steps:
                        eta = etas(step) if asked else etas[step]  # type: ignore[index, misc, operator]
                        if eta is None:
                            self._store()
                            return False
                        self._set_eta(eta)
                        step += 1
                        run(plan)
                if progress is not None and start + rows >= report_at:
                    progress(start + rows)
                    report_at = start + rows + len(order) / 100
        self._store()
        return True

    def _filled(self, order: NDArray[np.intp]) -> Generator[tuple[int, int, int], None, None]:
        """Yield (first row, rows, which arrays) for each chunk of order, its arrays filled by `_fill`.

        With two sets of arrays the helper thread fills chunk c + 1 while the caller trains on chunk c;
        it alone draws from the generator, chunk after chunk, so the draws do not depend on timing.
        """
        starts = range(0, len(order), self.chunk)
        if self.helper is None:
            for start in starts:
                yield start, self._fill(self.chunks[0], order[start : start + self.chunk]), 0
            return
        pending: Future[int] = self.helper.submit(self._fill, self.chunks[0], order[: self.chunk])
        try:
            for c, start in enumerate(starts):
                rows = pending.result()
                following = start + self.chunk
                if following < len(order):
                    pending = self.helper.submit(
                        self._fill, self.chunks[(c + 1) % 2], order[following : following + self.chunk]
                    )
                yield start, rows, c % 2
        finally:
            pending.result()  # stopped early: let the helper finish before anyone reads the generator's state

    def _fill(self, chunk: _Chunk, index: NDArray[np.intp]) -> int:
        """Gather the rows `index` into chunk's arrays (distorted, with their masks, if asked); return how many."""
        rows, n_in = len(index), self.net.sizes[0]
        # order is a permutation, so no index is out of range; mode="clip" spares NumPy a checked copy
        np.take(self.Y, index, axis=0, out=chunk.targets[:rows], mode="clip")
        if self.shifted:
            np.subtract(chunk.targets[:rows], 0.5, chunk.targets[:rows])
        if self.augmenter is None:
            np.take(self.X, index, axis=0, out=chunk.raw[:rows], mode="clip")
            np.copyto(chunk.inputs[:rows, :n_in], chunk.raw[:rows])
            if chunk.masks:
                self._draw_masks(chunk, rows)
            return rows
        assert self.noise is not None
        keep = 1.0 - self.dropout
        for first in range(0, rows, self.m):  # as the reference's helper: distortions, then masks, per mini-batch
            batch = slice(first, min(first + self.m, rows))
            distorted = self.augmenter(self.X[index[batch]], self.noise, self.net.dtype)  # x in [0, 1]
            np.multiply(distorted, self.one, out=chunk.inputs[batch, :n_in])  # 255 x for grey levels
            for mask, size in zip(chunk.masks, self.net.sizes[1:-1]):  # as `dropout_masks` draws them
                uniform = self.noise.random((batch.stop - first, size), dtype=np.float32)
                np.multiply(uniform < keep, self.inverse_keep, out=mask[batch])
        return rows

    def close(self) -> None:
        """End the helper thread (if augmentation started one)."""
        if self.helper is not None:
            self.helper.shutdown()

    def __enter__(self) -> FastSGD:
        return self

    def __exit__(self, *exception: object) -> None:
        self.close()

    def _draw_masks(self, chunk: _Chunk, rows: int) -> None:
        """Fill the masks of the chunk's first `rows` rows as `dropout_masks` draws them for each mini-batch in turn.

        The reference draws, for each mini-batch of k rows and each hidden layer, k·size uniform numbers
        and keeps a neuron where u < 1 − p; drawing all of the chunk's numbers at once and cutting them
        up in that order gives the same numbers, so the same masks.
        """
        assert self.noise is not None
        keep, hidden = 1.0 - self.dropout, self.net.sizes[1:-1]
        per_row = sum(hidden)
        draws = self.noise.random(rows * per_row, dtype=np.float32)
        full = rows // self.m * self.m
        for start, stop, k in ((0, full, self.m), (full, rows, rows - full)):
            if stop == start:
                continue
            batches = draws[start * per_row : stop * per_row].reshape(-1, k * per_row)  # one row per mini-batch
            offset = 0
            for mask, size in zip(chunk.masks, hidden):
                uniform = batches[:, offset * k : (offset + size) * k].reshape(stop - start, size)  # (rows, size)
                np.multiply(uniform < keep, self.inverse_keep, out=mask[start:stop])  # 0 or 1/(1 − p)
                offset += size

    def remember(self, X: NDArray[Any]) -> None:
        """Convert X once into x̃ = [x | 1] (grey levels: [255 x′ | 255]), so measuring it after every epoch is only products."""
        if X.dtype == self.X.dtype:
            x_tilde = np.full((len(X), self.net.sizes[0] + 1), self.one, self.net.dtype)
            np.copyto(x_tilde[:, :-1], X)
            self.remembered[id(X)] = (X, x_tilde)

    def feedforward(self, X: NDArray[Any]) -> Array:
        """Return the output activations for the rows of X, as `Network.feedforward` (up to rounding).

        For measuring cost and accuracy after each epoch: grey levels go in unscaled, as in training,
        through arrays kept from one call to the next (about EVALUATION_BYTES of inputs at a time, so
        the products stay large), converted once if X was remembered. X must be of the training data's type.
        """
        net, n_in = self.net, self.net.sizes[0]
        if X.dtype != self.X.dtype:
            return net.feedforward(X, products=net.dtype)
        self._load()
        size = min(len(X), max(self.m, EVALUATION_BYTES // (np.dtype(net.dtype).itemsize * (n_in + 1))))
        if self.evaluation is None or len(self.evaluation.a[-1]) < size:
            self.evaluation = _Buffers(net.sizes, size, net.dtype)
        held = self.remembered.get(id(X))
        converted = held[1] if held is not None and held[0] is X else None
        if converted is None and (self.evaluation_inputs is None or len(self.evaluation_inputs) < size):
            self.evaluation_inputs = np.full((size, n_in + 1), self.one, net.dtype)  # x̃ of arrays not remembered
        out = np.empty((len(X), net.sizes[-1]), net.dtype)
        for start in range(0, len(X), size):
            rows = min(size, len(X) - start)
            buffers = self.evaluation.first_rows(rows)
            if converted is not None:
                x_tilde = converted[start : start + rows]
            else:
                assert self.evaluation_inputs is not None
                x_tilde = self.evaluation_inputs[:rows]
                np.copyto(x_tilde[:, :n_in], X[start : start + rows])
            run(self._forward(x_tilde, buffers))
            out[start : start + rows] = buffers.a[-1]
        return out
