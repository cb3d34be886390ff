"""The made-up negatives: reproducible from their seed, and prepared as MNIST's digits are."""

from __future__ import annotations

import numpy as np
import pytest

from scratchnet.data.negatives import KINDS, NEGATIVE_SHARE, PAIR_SHARE, digit_pairs, negatives, render, with_negatives


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


def test_negatives_join_the_digits_under_their_own_label(mnist):
    images, labels = mnist.train.images[:100], mnist.train.labels[:100]
    more_images, more_labels, count = with_negatives(images, labels, 10, seed=0, part=0)
    assert count == round(NEGATIVE_SHARE * 100) + round(PAIR_SHARE * 100)
    assert len(more_images) == len(more_labels) == 100 + count
    assert (more_labels[100:] == 10).all() and (more_labels[:100] == labels).all() and more_images[100:].any()


def _bar(width: int) -> np.ndarray:
    """Return a 28×28 uint8 image of a vertical bar `width` pixels wide and 20 tall: a plain 1."""
    image = np.zeros((28, 28), dtype=np.uint8)
    image[4:24, 10 : 10 + width] = 255
    return image.reshape(784)


def test_a_pair_of_ones_stands_side_by_side_touching_or_a_pixel_apart():
    # two bars 6 wide: the second starts up to 2 pixels inside the first (a third of 6) or 1 pixel after it,
    # up to 3 higher or lower: 10 to 13 columns by 20 to 23 rows, boxed so the taller side is 20
    pairs = digit_pairs(np.stack([_bar(6)] * 3), 200, np.random.default_rng(5)).reshape(-1, 28, 28)
    widths = [np.ptp(np.flatnonzero(pair.max(axis=0) > 127)) + 1 for pair in pairs]
    assert min(widths) >= 8 and max(widths) <= 14
    runs = [np.count_nonzero(np.diff((pair[14] > 127).astype(int)) == 1) + (pair[14, 0] > 127) for pair in pairs]
    assert set(runs) == {1, 2}  # some touch or overlap (one run of ink across the middle), some stand apart


def test_pairs_are_made_of_the_images_given_and_boxed_as_characters(mnist):
    pairs = digit_pairs(mnist.train.images[:50], 30, np.random.default_rng(6)).reshape(-1, 28, 28)
    for pair in pairs:
        rows, columns = np.nonzero(pair)
        assert max(np.ptp(rows), np.ptp(columns)) + 1 <= 20
        assert np.ptp(columns) >= np.ptp(rows) * 0.6  # two digits side by side: about as wide as tall or wider
