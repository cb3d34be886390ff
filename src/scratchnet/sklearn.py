"""ScratchnetClassifier: scratchnet's network as a scikit-learn classifier, for Pipeline, GridSearchCV and friends.

    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import MinMaxScaler
    >>> from scratchnet.sklearn import ScratchnetClassifier
    >>> model = make_pipeline(MinMaxScaler(), ScratchnetClassifier(hidden_layer_sizes=(30,), max_iter=10))
    >>> model.fit(X_train, y_train).score(X_test, y_test)  # doctest: +SKIP

Install it with `pip install 'scratchnet[sklearn]'`; scratchnet's core never imports scikit-learn.

The parameters are not declared here. Every setting of `scratchnet.training.options` (NetworkShape and
TrainOptions: the one declaration the command line, the web page and model files read too) is a
parameter, with its default, its help text and its constraint; where scikit-learn's MLPClassifier has
a name for the same concept, the parameter takes that name (`SKLEARN_NAMES`): `learning_rate_init` is η
(`lr`), `alpha` is λ (`lmbda`: C = C₀ + λ/(2n) Σ w², the very penalty MLPClassifier's alpha adds),
`max_iter` the epochs, `random_state` the seed, `activation` takes scikit-learn's `logistic` for the
sigmoid. Three settings are spelled as MLPClassifier spells them: `hidden_layer_sizes` (the layers
between the n_features inputs and the n_classes outputs), and `early_stopping` with `n_iter_no_change`
(scratchnet's `early_stop`). scikit-learn's own parameters (`validation_fraction`, `warm_start`,
`verbose`) are the only ones declared in this module, in `ESTIMATOR_PARAMETERS`. Values are checked in
`fit`, by the declared constraints, and refused with ValueError (scratchnet's ConfigError) naming the
parameter, never in `__init__` or `set_params`.

Inputs are validated by scikit-learn's `validate_data`: X is a dense 2-D array of finite numbers; uint8
arrays are grey levels 0..255, scaled to [0, 1] as everywhere in scratchnet (MNIST's images go in as
they are, and `augment` distorts them); other numbers are used as they are. Labels may be anything
`numpy.unique` sorts (strings, non-contiguous integers): output neuron j answers `classes_[j]`.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Sequence
from dataclasses import replace
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from scratchnet.errors import ConfigError
from scratchnet.training.callbacks import Callback
from scratchnet.training.loop import fit
from scratchnet.training.options import Constraint, Flag, Integer, NetworkShape, Real, TrainOptions, settings
from scratchnet.training.sgd import Network  # the public Network: the core one with net.sgd
from scratchnet.training.state import EpochRecord, History, TrainingState

SKLEARN_NAMES = {"lr": "learning_rate_init", "lmbda": "alpha", "epochs": "max_iter", "seed": "random_state"}
"""Declared settings that MLPClassifier names otherwise: option field → parameter name."""

SPELLED_AS_MLP = ("layers", "early_stop")
"""Declared settings whose parameters are spelled as MLPClassifier's: hidden_layer_sizes; early_stopping, n_iter_no_change."""

LEFT_OUT = ("training_sample", "teacher", "temperature", "soft_weight")
"""Declared settings that are no parameter: the training set is whatever `fit` is given, measured whole; a teacher
answers for its own classes in its own order, not for the labels `fit` is given (distil with `scratchnet train --teacher`
or `scratchnet.training.loop.fit(..., teacher=)`)."""

SKLEARN_ACTIVATIONS = {"sigmoid": "logistic"}
"""scratchnet's activation names that scikit-learn spells otherwise; tanh and relu are the same in both."""


class Parameter(NamedTuple):
    """One parameter of the estimator: its name, default, help text and the constraint `fit` checks."""

    name: str
    default: Any
    help: str
    constraint: Constraint | None


ESTIMATOR_PARAMETERS = (
    Parameter(
        "early_stopping",
        False,
        "hold out validation_fraction of the training data and stop after n_iter_no_change "
        "epochs without a better accuracy on it",
        Flag(),
    ),
    Parameter(
        "validation_fraction", 0.1, "the share of the training data held out when early_stopping is on", Real(0, 1)
    ),
    Parameter("warm_start", False, "fit continues from the weights of the previous fit instead of new ones", Flag()),
    Parameter("verbose", False, "print one line per epoch", None),
)
"""The parameters scikit-learn adds to the declared settings (n_iter_no_change is declared: early_stop)."""


def _sklearn_value(name: str, value: Any) -> Any:
    """Return a declared default as the estimator shows it (sigmoid as 'logistic')."""
    if name == "activation":
        return SKLEARN_ACTIVATIONS.get(value, value)
    return value


def _declared_parameters() -> list[Parameter]:
    """Return every parameter in order: the network's settings, the training options, then scikit-learn's own."""
    shape = {item.name: item for item in settings(NetworkShape)}
    parameters = [
        Parameter(
            "hidden_layer_sizes",
            tuple(shape["layers"].default[1:-1]),
            "the sizes of the hidden layers, between the n_features inputs and the n_classes outputs",
            None,
        )
    ]
    for item in [*shape.values(), *settings(TrainOptions)]:
        if item.name in SPELLED_AS_MLP or item.name in LEFT_OUT:
            continue
        expected = item.constraint.expected
        if item.name == "activation":
            expected = "one of " + ", ".join(_sklearn_value(item.name, name) for name in item.constraint.choices or ())
        help_text = f"{item.help} ({expected})"
        parameters.append(
            Parameter(
                SKLEARN_NAMES.get(item.name, item.name),
                _sklearn_value(item.name, item.default),
                help_text,
                item.constraint,
            )
        )
    early_stop = next(item for item in settings(TrainOptions) if item.name == "early_stop")
    patience_default = next(item.default for item in settings(TrainOptions) if item.name == "patience")
    parameters.append(
        Parameter("n_iter_no_change", patience_default, f"with early_stopping: {early_stop.help}", Integer())
    )
    return [*parameters, *ESTIMATOR_PARAMETERS]


PARAMETERS = _declared_parameters()
"""Every parameter of ScratchnetClassifier, in the order of its signature."""

_SIGNATURE = inspect.Signature(
    [inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
    + [inspect.Parameter(p.name, inspect.Parameter.KEYWORD_ONLY, default=p.default) for p in PARAMETERS]
)


class _PrintEpochs(Callback):
    """Print one line per epoch, as scikit-learn's estimators do with verbose: `epoch 3/30  cost 0.0412  validation 94.12%`."""

    def __init__(self, epochs: int) -> None:
        self.epochs = epochs

    def on_epoch_end(self, record: EpochRecord, state: TrainingState) -> str | None:
        checked = "" if record.validation_accuracy is None else f"  validation {100 * record.validation_accuracy:.2f}%"
        print(
            f"epoch {record.epoch}/{self.epochs}  cost {record.training_cost:.4f}  training {100 * record.training_accuracy:.2f}%{checked}"
        )
        return None


class ScratchnetClassifier(ClassifierMixin, BaseEstimator):
    # The docstring, with every parameter, is written from the declaration below the class.

    net_: Network
    history_: History
    classes_: NDArray[Any]
    n_iter_: int
    loss_curve_: list[float]
    validation_scores_: list[float] | None
    best_validation_score_: float | None
    _state: TrainingState

    def __init__(self, **parameters: Any) -> None:
        bound = _SIGNATURE.bind_partial(None, **parameters)  # TypeError for a name that is no parameter
        bound.apply_defaults()
        for name, value in list(bound.arguments.items())[1:]:
            setattr(self, name, value)

    __init__.__signature__ = _SIGNATURE  # type: ignore[attr-defined]  # what get_params, clone and help() read

    def __sklearn_tags__(self) -> Any:
        """Return scikit-learn's tags: a multiclass classifier of dense, finite 2-D inputs, not multilabel."""
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = True
        tags.input_tags.sparse = False
        tags.input_tags.allow_nan = False
        tags.classifier_tags.multi_class = True
        tags.classifier_tags.multi_label = False
        tags.target_tags.required = True
        return tags

    # Settings ------------------------------------------------------------------------------------

    def _settings(self, n_features: int, n_classes: int) -> tuple[NetworkShape, TrainOptions]:
        """Return the declared settings these parameters give, each checked by its constraint under its parameter name."""
        values: dict[str, Any] = {}
        for parameter in PARAMETERS:
            value = getattr(self, parameter.name)
            if parameter.name == "activation":
                value = _activation(value)
            if parameter.name == "random_state":
                value = _seed(value)
            if parameter.constraint is not None:
                value = parameter.constraint.check(parameter.name, value)
            values[parameter.name] = value
        hidden = _hidden_layer_sizes(self.hidden_layer_sizes)
        fields = {option: values[SKLEARN_NAMES.get(option, option)] for option in _option_fields()}
        fields["layers"] = (n_features, *hidden, n_classes)
        fields["early_stop"] = values["n_iter_no_change"] if values["early_stopping"] else None
        shape = NetworkShape(**{item.name: fields[item.name] for item in settings(NetworkShape)})
        options = TrainOptions(
            **{item.name: fields[item.name] for item in settings(TrainOptions) if item.name in fields}
        )
        return shape, options

    # Training ------------------------------------------------------------------------------------

    def fit(self, X: Any, y: Any) -> ScratchnetClassifier:
        """Train a new network on (X, y) (or go on training the last one, with warm_start); return self.

        Parameters
        ----------
        X : (n_samples, n_features) numbers; uint8 arrays are grey levels 0..255.
        y : (n_samples,) labels of any kind numpy can sort.

        Raises
        ------
        ValueError : for a parameter out of its range (naming it) or data scikit-learn's validate_data refuses.
        """
        X, y = validate_data(self, X, y, dtype=_DTYPES)
        check_classification_targets(y)
        classes, labels = np.unique(y, return_inverse=True)
        shape, options = self._settings(X.shape[1], len(classes))
        warm = self.warm_start and hasattr(self, "net_") and self.net_.sizes == list(shape.layers)
        if not warm:
            self.net_ = _network(shape)
        self.classes_ = classes
        validation = None
        if options.early_stop is not None:
            X, X_check, labels, labels_check = _split(X, labels, self.validation_fraction, shape.seed)
            validation = (X_check, labels_check)
        history = self.history_ if warm else History()
        self._state = TrainingState.start(self.net_, options, history)
        self.history_ = fit(
            self.net_, X, labels, options, validation=validation, callbacks=self._callbacks(options), state=self._state
        )
        self._record()
        return self

    def partial_fit(self, X: Any, y: Any, classes: Sequence[Any] | NDArray[Any] | None = None) -> ScratchnetClassifier:
        """Train for one epoch over (X, y), going on from the previous calls; return self.

        The first call needs `classes`, every label that any call will bring (the output layer has one
        neuron per class). The update rule's state (velocities, Adam's moments) carries over from call
        to call, and the schedule's clock counts the calls against max_iter. Without early stopping,
        the network keeps its last weights.

        Raises
        ------
        ValueError : without classes on the first call, for labels not among them, or for inputs of
            another width than the first call's.
        """
        first = not hasattr(self, "_state")
        if first and classes is None:
            raise ValueError(
                "classes must be given to the first call of partial_fit: every label any call will bring; got None"
            )
        X, y = validate_data(self, X, y, dtype=_DTYPES, reset=first)
        check_classification_targets(y)
        if first:
            self.classes_ = np.unique(np.asarray(classes))
            shape, options = self._settings(X.shape[1], len(self.classes_))
            self.net_ = _network(shape)
            self._state = TrainingState.start(self.net_, options)
        labels = np.searchsorted(self.classes_, y)
        unknown = (labels >= len(self.classes_)) | (self.classes_[np.minimum(labels, len(self.classes_) - 1)] != y)
        if unknown.any():
            raise ValueError(
                f"y holds labels that are not in classes {self.classes_.tolist()}; got {np.unique(y[unknown]).tolist()}"
            )
        state = self._state
        state.stopped = False  # a fit that stopped early may still be trained on, a call at a time
        # One epoch more, on this call's samples alone: no held-out share to stop on or keep the best by.
        one_more = replace(state.options, epochs=state.epoch + 1, keep="last", early_stop=None)
        self.history_ = fit(self.net_, X, labels, one_more, callbacks=self._callbacks(state.options), state=state)
        self._record()
        return self

    def _callbacks(self, options: TrainOptions) -> list[Callback]:
        """Return the callbacks of this fit: a line per epoch with verbose."""
        return [_PrintEpochs(options.epochs)] if self.verbose else []

    def _record(self) -> None:
        """Set the fitted attributes scikit-learn's users look for, from the History."""
        epochs = self.history_.epochs
        self.n_iter_ = len(epochs)
        self.loss_curve_ = [record.training_cost for record in epochs]
        scores = [record.validation_accuracy for record in epochs if record.validation_accuracy is not None]
        self.validation_scores_ = scores if scores and len(scores) == len(epochs) else None
        self.best_validation_score_ = max(scores) if self.validation_scores_ else None

    # Answers -------------------------------------------------------------------------------------

    def predict_proba(self, X: Any) -> NDArray[np.float64]:
        """Return each class's probability for the rows of X, (n_samples, n_classes), rows summing to 1.

        These are `Network.probabilities`: a softmax output as it is, other outputs a_j / Σ_k a_k.
        """
        check_is_fitted(self)
        X = validate_data(self, X, dtype=_DTYPES, reset=False)
        return self.net_.probabilities(X).astype(np.float64)

    def predict(self, X: Any) -> NDArray[Any]:
        """Return the label of each row of X: classes_[j] for the brightest output neuron j."""
        check_is_fitted(self)
        answers: NDArray[Any] = self.classes_[np.argmax(self.predict_proba(X), axis=1)]
        return answers


_DTYPES = [np.float64, np.float32, np.uint8]
"""Input dtypes kept as they are (uint8: grey levels); any other numbers become float64."""


def _option_fields() -> list[str]:
    """Return the declared settings the parameters set directly (all but layers, early_stop and those left out)."""
    names = [item.name for item in [*settings(NetworkShape), *settings(TrainOptions)]]
    return [name for name in names if name not in SPELLED_AS_MLP and name not in LEFT_OUT]


def _activation(value: Any) -> str:
    """Return scratchnet's name for scikit-learn's activation name, or raise ConfigError listing the names accepted."""
    declared = next(item.constraint.choices for item in settings(NetworkShape) if item.name == "activation") or ()
    accepted = {_sklearn_value("activation", name): name for name in declared}
    if not isinstance(value, str) or value not in accepted:
        raise ConfigError(f"activation must be one of {', '.join(accepted)}; got {value!r}")
    return accepted[value]


def _seed(random_state: Any) -> Any:
    """Return the seed for random_state: an int as it is (checked later), else one drawn from check_random_state."""
    if isinstance(random_state, (int, np.integer)) and not isinstance(random_state, bool):
        return random_state
    try:
        return int(check_random_state(random_state).randint(np.iinfo(np.int32).max))
    except ValueError as err:
        raise ConfigError(
            f"random_state must be None, an integer ≥ 0 or a numpy RandomState; got {random_state!r}"
        ) from err


def _hidden_layer_sizes(value: Any) -> tuple[int, ...]:
    """Return hidden_layer_sizes as a tuple of positive ints (one int is one hidden layer), or raise ConfigError."""
    sizes = (value,) if isinstance(value, (int, np.integer)) else value
    ok = isinstance(sizes, (tuple, list)) and all(
        isinstance(s, (int, np.integer)) and not isinstance(s, bool) and s > 0 for s in sizes
    )
    if not ok:
        raise ConfigError(f"hidden_layer_sizes must be positive integers (a tuple; () for none); got {value!r}")
    return tuple(int(s) for s in sizes)


def _network(shape: NetworkShape) -> Network:
    """Return a new Network built as the shape says."""
    assert not isinstance(shape.layers, str)  # hidden_layer_sizes spells a dense network
    return Network(shape.layers, shape.activation, shape.cost, shape.init, seed=shape.seed, dtype=shape.dtype)


def _split(X: NDArray[Any], labels: NDArray[Any], fraction: float, seed: int) -> list[NDArray[Any]]:
    """Return X_train, X_check, labels_train, labels_check: `fraction` held out, stratified where every class can be."""
    counts = np.bincount(labels)
    stratify = labels if counts.min() >= 2 and math.ceil(fraction * len(labels)) >= len(counts) else None
    parts: list[NDArray[Any]] = train_test_split(X, labels, test_size=fraction, random_state=seed, stratify=stratify)
    return parts


def _docstring() -> str:
    """Return the class docstring: what it is, then every parameter with its default and help text."""
    lines = [
        "A scikit-learn classifier whose model is a scratchnet Network trained by mini-batch SGD.",
        "",
        "`net_` is the trained Network (plots, the explorer and `scratchnet.onnx.to_onnx` take it); `history_`",
        "its History. Also fitted: classes_, n_features_in_, loss_curve_ (training cost per epoch), validation_scores_",
        "and best_validation_score_ (with early_stopping), n_iter_ (epochs trained).",
        "",
        "Parameters",
        "----------",
    ]
    for parameter in PARAMETERS:
        lines += [f"{parameter.name} : default {parameter.default!r}", f"    {parameter.help}"]
    return "\n".join(lines)


ScratchnetClassifier.__doc__ = _docstring()
