"""ScratchnetClassifier: scikit-learn's own checks, its parameters against the declaration and MLPClassifier,
labels of any kind, partial_fit and warm_start, early stopping, pickling, ONNX, and a grid search on MNIST."""

from __future__ import annotations

import pickle

import numpy as np
import onnxruntime
import pytest
from sklearn.base import clone
from sklearn.datasets import make_blobs
from sklearn.model_selection import GridSearchCV
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import MinMaxScaler, StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from scratchnet import MNIST, Network
from scratchnet.onnx import to_onnx
from scratchnet.sklearn import ScratchnetClassifier
from scratchnet.training.options import NetworkShape, TrainOptions, settings

MLP_NAMES = {
    "hidden_layer_sizes",
    "activation",
    "alpha",
    "batch_size",
    "learning_rate_init",
    "max_iter",
    "momentum",
    "early_stopping",
    "validation_fraction",
    "n_iter_no_change",
    "random_state",
    "warm_start",
    "verbose",
}
"""The parameters the issue asks to be named as MLPClassifier names them."""
OWN_NAMES = {"cost", "optimizer", "schedule", "dropout", "augment", "dtype"}


@parametrize_with_checks([ScratchnetClassifier()])
def test_passes_every_scikit_learn_check(estimator, check):
    check(estimator)


def test_parameters_carry_mlpclassifiers_names_and_scratchnets_own():
    names = set(ScratchnetClassifier().get_params())
    assert set(MLPClassifier().get_params()) >= MLP_NAMES  # the names are scikit-learn's, as MLPClassifier spells them
    assert names >= MLP_NAMES | OWN_NAMES


def test_every_declared_setting_is_a_parameter_with_the_declared_default():
    params = ScratchnetClassifier().get_params()
    renamed = {"lr": "learning_rate_init", "lmbda": "alpha", "epochs": "max_iter", "seed": "random_state"}
    for item in [*settings(NetworkShape), *settings(TrainOptions)]:
        if item.name in ("layers", "early_stop", "training_sample", "teacher", "temperature", "soft_weight"):
            continue
        expected = "logistic" if item.default == "sigmoid" else item.default
        assert params[renamed.get(item.name, item.name)] == expected, item.name
    assert params["hidden_layer_sizes"] == NetworkShape().layers[1:-1]
    assert params["early_stopping"] is False and TrainOptions().early_stop is None


@pytest.mark.parametrize(
    "parameters, message",
    [
        ({"alpha": -1.0}, "alpha must be a finite number ≥ 0; got -1.0"),
        ({"learning_rate_init": 0}, "learning_rate_init must be a positive finite number; got 0"),
        ({"max_iter": 0}, "max_iter must be a positive integer; got 0"),
        ({"activation": "sigmoid"}, "activation must be one of logistic, tanh, relu; got 'sigmoid'"),
        ({"cost": "hinge"}, "cost must be one of quadratic, cross-entropy, log-likelihood; got 'hinge'"),
        ({"hidden_layer_sizes": (16, 0)}, "hidden_layer_sizes must be positive integers"),
        ({"validation_fraction": 1.0}, "validation_fraction must be a number in (0, 1); got 1.0"),
        ({"random_state": -3}, "random_state must be an integer ≥ 0; got -3"),
        ({"augment": ("shift",)}, "augmentation needs square images"),
    ],
)
def test_a_bad_parameter_is_refused_by_fit_with_its_name(parameters, message):
    X, y = make_blobs(40, n_features=5, centers=2, random_state=0)
    estimator = ScratchnetClassifier(**parameters)  # __init__ and set_params accept anything; fit checks
    with pytest.raises(ValueError) as error:
        estimator.fit(X, y)
    assert message in str(error.value)


def test_an_unknown_parameter_is_a_type_error():
    with pytest.raises(TypeError):
        ScratchnetClassifier(learning_rate=0.1)


def _blobs(n=300, centers=3):
    X, y = make_blobs(n, n_features=4, centers=centers, cluster_std=1.0, random_state=3)
    return StandardScaler().fit_transform(X), y


def test_any_labels_strings_or_non_contiguous_integers_come_back_as_they_were():
    X, y = _blobs()
    for labels in (np.array(["cat", "dog", "emu"]), np.array([-7, 10, 1000])):
        estimator = ScratchnetClassifier().fit(X, labels[y])
        assert estimator.classes_.tolist() == sorted(labels.tolist())
        assert estimator.score(X, labels[y]) > 0.95 and set(estimator.predict(X)) == set(labels)
        assert estimator.predict_proba(X).shape == (300, 3) and np.allclose(estimator.predict_proba(X).sum(axis=1), 1)


def test_net_is_the_trained_network_and_exports_to_onnx_with_the_same_answers():
    X, y = _blobs()
    estimator = ScratchnetClassifier(
        hidden_layer_sizes=(8,), activation="relu", cost="log-likelihood", init="he", learning_rate_init=0.1
    ).fit(X, y)
    assert isinstance(estimator.net_, Network) and estimator.net_.sizes == [4, 8, 3]
    assert estimator.n_features_in_ == 4 and estimator.n_iter_ == 30 and len(estimator.loss_curve_) == 30
    session = onnxruntime.InferenceSession(
        to_onnx(estimator.net_).SerializeToString(), providers=["CPUExecutionProvider"]
    )
    (probabilities,) = session.run(["probabilities"], {"input": X.astype(np.float32)})
    assert np.array_equal(estimator.classes_[probabilities.argmax(axis=1)], estimator.predict(X))


def test_partial_fit_needs_the_classes_first_and_learns_call_by_call():
    X, y = _blobs()
    estimator = ScratchnetClassifier(hidden_layer_sizes=(8,))
    with pytest.raises(ValueError, match="classes must be given"):
        estimator.partial_fit(X, y)
    scores = []
    for _ in range(5):
        for start in range(0, 300, 50):  # six chunks of 50, one epoch over each
            estimator.partial_fit(X[start : start + 50], y[start : start + 50], classes=[0, 1, 2])
            scores.append(estimator.score(X, y))
    assert estimator.n_iter_ == 30 and scores[-1] > 0.9 and scores[-1] > scores[0]
    with pytest.raises(ValueError, match=r"labels that are not in classes \[0, 1, 2\]; got \[7\]"):
        estimator.partial_fit(X[:3], [0, 1, 7])
    with pytest.raises(ValueError, match="features"):
        estimator.partial_fit(X[:, :3], y)


def test_partial_fit_after_fit_goes_on_from_the_fitted_network():
    X, y = _blobs()
    estimator = ScratchnetClassifier(max_iter=2).fit(X, y)
    before = estimator.net_.copy_parameters()
    estimator.partial_fit(X, y)
    assert estimator.n_iter_ == 3 and not np.array_equal(estimator.net_.weights[0], before[0][0])
    # A fit that stopped early (η so small that epoch 1 stays best, and epoch 2 ends it) still trains a call at a time.
    stopped = ScratchnetClassifier(early_stopping=True, n_iter_no_change=1, learning_rate_init=1e-9).fit(X, y)
    assert stopped.n_iter_ == 2
    assert stopped.partial_fit(X, y).n_iter_ == 3


def test_warm_start_goes_on_from_the_last_fit_and_a_cold_fit_starts_again():
    X, y = _blobs()
    warm = ScratchnetClassifier(max_iter=3, warm_start=True, keep="last").fit(X, y)
    first = warm.net_.copy_parameters()
    warm.fit(X, y)
    assert warm.n_iter_ == 6 and len(warm.loss_curve_) == 6
    cold = ScratchnetClassifier(max_iter=3, keep="last").fit(X, y)
    assert all(np.array_equal(a, b) for a, b in zip(cold.net_.weights, first[0]))  # same seed, same 3 epochs
    cold.fit(X, y)
    assert cold.n_iter_ == 3 and all(np.array_equal(a, b) for a, b in zip(cold.net_.weights, first[0]))


def test_early_stopping_holds_out_a_validation_share_and_stops_without_progress():
    X, y = _blobs()
    # η so small the validation accuracy cannot change: epoch 1 is best, and n_iter_no_change = 2 more end it.
    estimator = ScratchnetClassifier(early_stopping=True, n_iter_no_change=2, learning_rate_init=1e-9).fit(X, y)
    assert estimator.n_iter_ == 3 and len(estimator.validation_scores_) == 3
    assert estimator.best_validation_score_ == max(estimator.validation_scores_)
    assert ScratchnetClassifier(max_iter=2).fit(X, y).validation_scores_ is None


def test_verbose_prints_a_line_per_epoch(capsys):
    X, y = _blobs()
    ScratchnetClassifier(max_iter=2, verbose=True).fit(X, y)
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[:2] for line in lines] == [["epoch", "1/2"], ["epoch", "2/2"]]


def test_pickles_and_clones():
    X, y = _blobs()
    estimator = ScratchnetClassifier(max_iter=5).fit(X, y)
    again = pickle.loads(pickle.dumps(estimator))
    assert np.array_equal(again.predict_proba(X), estimator.predict_proba(X))
    twin = clone(estimator)
    assert twin.get_params() == estimator.get_params() and not hasattr(twin, "net_")


def test_augment_distorts_the_uint8_images_it_trains_on(mnist: MNIST):
    images, labels = mnist.train.images[:3_000], mnist.train.labels[:3_000]
    plain = ScratchnetClassifier(hidden_layer_sizes=(30,), max_iter=3).fit(images, labels)
    shifted = ScratchnetClassifier(hidden_layer_sizes=(30,), max_iter=3, augment=("shift",)).fit(images, labels)
    assert not np.array_equal(plain.net_.weights[0], shifted.net_.weights[0])  # same seed: only the distortions differ
    # ten digits: chance is 0.1; random_state 0–5 measured 0.498 to 0.650, the same on three kernels
    assert shifted.score(mnist.test.images[:1_000], mnist.test.labels[:1_000]) > 0.4


def test_pipeline_grid_search_on_mnist_reads_90_percent_of_the_test_images(mnist: MNIST):
    X, y = mnist.train.images[:20_000], mnist.train.labels[:20_000]
    pipeline = Pipeline(
        [("scale", MinMaxScaler()), ("net", ScratchnetClassifier(hidden_layer_sizes=(30,), max_iter=5))]
    )
    search = GridSearchCV(pipeline, {"net__learning_rate_init": [0.5, 3.0]}, cv=2, n_jobs=2).fit(X, y)
    assert search.best_params_ == {
        "net__learning_rate_init": 3.0
    }  # the book's η for sigmoid neurons and the quadratic cost
    assert search.score(mnist.test.images, mnist.test.labels) >= 0.90
