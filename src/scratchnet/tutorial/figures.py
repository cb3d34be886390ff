"""The tutorial's figures by name: what each shows and what it needs.

Declared once, apart from `scratchnet.tutorial.plots` (which draws them with matplotlib), so that
`scratchnet plot --help` and its checks work where matplotlib is not installed.
"""

from __future__ import annotations

KINDS: dict[str, str] = {
    "step-vs-sigmoid": "the perceptron's step function beside the sigmoid σ(z)",
    "descent": "gradient descent rolling into the valleys of a two-variable cost",
    "sgd-path": "full-batch gradient descent beside mini-batch SGD (the drunk man) on a small network",
    "learning-curves": "cost and accuracy per epoch, training against validation (needs a model)",
    "hidden-weights": "each first-layer neuron's 784 weights as a 28×28 image (needs a model)",
    "confusion": "the confusion matrix on the test images (needs a model)",
    "mistakes": "misclassified test digits, the most confident first (needs a model)",
    "noise": "the network's confident answers on random noise (needs a model)",
    "dream": "for each digit, the input gradient ascent finds for its output (needs a model)",
    "gradient-importance": "|∂C/∂w| of every weight for one training 2, per layer (needs a model)",
    "wishes": "backpropagation as wishes: what one test digit wants of each layer, and a mini-batch's mean (needs a model)",
    "filters": "the first convolutional layer's filters as small tiles, red +, blue − (needs a model, a convolutional one)",
    "feature-maps": "a test digit's maps layer by layer: the input, each convolution's and pooling's (needs a model, "
    "a convolutional one)",
}
"""Every figure `scratchnet plot KIND` draws, with what it shows."""

MODEL_KINDS = frozenset(kind for kind, text in KINDS.items() if "needs a model" in text)
"""The kinds drawn from a trained network."""

DATA_KINDS = frozenset({"sgd-path", "confusion", "mistakes", "noise", "gradient-importance", "wishes", "feature-maps"})
"""The kinds drawn from MNIST's images (the training set for sgd-path and gradient-importance, else the test set)."""

CONVOLUTIONAL_KINDS = frozenset({"filters", "feature-maps"})
"""The kinds only a convolutional network has (filters and maps); a dense one's first layer is hidden-weights."""

EXAMPLE_KINDS = frozenset({"wishes", "feature-maps"})
"""The kinds that draw one test digit, chosen by --digit or --index."""
