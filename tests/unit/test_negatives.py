"""The made-up negatives: reproducible from their seed, and prepared as MNIST's digits are."""

from __future__ import annotations

import numpy as np
import pytest

from scratchnet.data.negatives import KINDS, NEGATIVE_SHARE, negatives, render, with_negatives


def test_the_same_seed_gives_the_same_pictures_and_another_seed_others():
    first, again, other = negatives(40, [1, 0]), negatives(40, [1, 0]), negatives(40, [1, 1])
    assert first.dtype == np.uint8 and first.shape == (40, 784)
    np.testing.assert_array_equal(first, again)
    assert np.abs(first.astype(int) - other).mean() > 10


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_kind_is_boxed_in_20x20_and_centred_by_mass_in_28x28(kind):
    rng = np.random.default_rng(2)
    for _ in range(5):
        field = render(KINDS[kind], rng).reshape(28, 28)
        rows, columns = np.nonzero(field > 0)
        assert max(rows.max() - rows.min(), columns.max() - columns.min()) + 1 <= 20
        ys, xs = np.indices(field.shape)
        assert (
            abs((ys * field).sum() / field.sum() - 13.5) <= 1.0 and abs((xs * field).sum() / field.sum() - 13.5) <= 1.0
        )


def test_negatives_join_the_digits_under_their_own_label():
    images = np.zeros((100, 784), dtype=np.uint8)
    labels = np.arange(100, dtype=np.uint8) % 10
    more_images, more_labels, count = with_negatives(images, labels, 10, seed=0, part=0)
    assert count == round(NEGATIVE_SHARE * 100) and len(more_images) == len(more_labels) == 100 + count
    assert (more_labels[100:] == 10).all() and (more_labels[:100] == labels).all() and more_images[100:].any()
