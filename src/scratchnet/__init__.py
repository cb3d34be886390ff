"""scratchnet: a neural network written from scratch in NumPy that learns to read handwritten digits.

>>> from scratchnet import Network, load_mnist
>>> data = load_mnist()
>>> net = Network([784, 16, 16, 10])
>>> history = net.sgd(data.train.images, data.train.labels, epochs=30, batch_size=10, lr=3.0,
...                   validation=(data.validation.images, data.validation.labels))
>>> net.evaluate(data.test.images, data.test.labels)  # doctest: +SKIP
"""

from scratchnet.core.committee import Committee
from scratchnet.core.convnet import ConvNetwork
from scratchnet.data.mnist import MNIST, load_mnist
from scratchnet.errors import ConfigError, DataFormatError, ModelFileError, ScratchnetError, TrainingDivergedError
from scratchnet.training.loop import fit
from scratchnet.training.options import TrainConfig, TrainOptions
from scratchnet.training.sgd import EpochRecord, History, Network, train
from scratchnet.tutorial.perceptron import Perceptron

__version__ = "0.1.0"

__all__ = [
    "Committee",
    "ConfigError",
    "ConvNetwork",
    "DataFormatError",
    "EpochRecord",
    "History",
    "MNIST",
    "ModelFileError",
    "Network",
    "Perceptron",
    "ScratchnetError",
    "TrainConfig",
    "TrainOptions",
    "TrainingDivergedError",
    "__version__",
    "fit",
    "load_mnist",
    "train",
]
