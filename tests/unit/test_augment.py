"""Augmentation: the bilinear reader by hand, each distortion's geometry, and training from uint8 images."""

import numpy as np
import pytest

from scratchnet.data.augment import FIELD_VARIANCE, Augmenter, bilinear, field_basis, gaussian_matrix, moved


def test_bilinear_reads_pixels_midpoints_and_black_outside():
    image = np.array([[[0, 100], [200, 255]]], dtype=np.uint8)
    rows = np.array([[[0.0, 0.5, 1.0, -0.5, 0.0, 5.0, 1.0]]])
    columns = np.array([[[1.0, 0.5, 0.0, 0.0, 1.5, 0.0, 0.25]]])
    expected = np.array([100, (0 + 100 + 200 + 255) / 4, 200, 0.5 * 0, 0.5 * 100, 0, 0.75 * 200 + 0.25 * 255]) / 255
    np.testing.assert_allclose(bilinear(image, rows, columns)[0], expected, rtol=1e-6)


def test_no_distortion_gives_back_the_scaled_image(mnist):
    X = mnist.train.images[:16]
    out = Augmenter(["shift", "rotate", "scale"], max_shift=0, max_degrees=0, max_scale=0)(X, np.random.default_rng(0))
    assert out.shape == (16, 784) and out.dtype == np.float32
    np.testing.assert_allclose(out, X / 255, atol=1e-6)


def test_shifts_move_whole_images_by_at_most_two_pixels(mnist):
    X = mnist.train.images[:32]
    out = Augmenter(["shift"])(X, np.random.default_rng(1))
    shifts = set()
    for image, shifted in zip(X.reshape(-1, 28, 28) / 255, out.reshape(-1, 28, 28)):
        padded = np.pad(image, 2)
        matches = [
            (dr, dc)
            for dr in range(-2, 3)
            for dc in range(-2, 3)
            if np.allclose(shifted, padded[2 + dr : 30 + dr, 2 + dc : 30 + dc], atol=1e-6)
        ]
        assert matches, "each output must be its input shifted by whole pixels"
        shifts.add(matches[0])
    assert len(shifts) > 5  # drawn afresh per image


@pytest.mark.parametrize("grey", ["uint8", "float"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_whole_pixel_shifts_are_copied_as_bilinear_interpolation_reads_them(mnist, grey, dtype):
    X = mnist.train.images[:64] if grey == "uint8" else mnist.train.images[:64].astype(np.float32) / 255
    augmenter = Augmenter(["shift"])
    assert augmenter.moves_whole_pixels and not Augmenter(["shift", "rotate"]).moves_whole_pixels
    rows, columns = augmenter.source_points(64, np.random.default_rng(5))  # the same draws, read by interpolation
    interpolated = bilinear(X.reshape(-1, 28, 28), rows, columns, dtype)
    copied = augmenter(X, np.random.default_rng(5), dtype)
    assert copied.dtype == dtype and copied.tobytes() == interpolated.tobytes()  # bit for bit


def test_moved_images_move_by_whole_pixels_and_let_black_in():
    """A lit pixel at (r, c) moved by (down, right) is lit at (r + down, c + right); one moved past the edge is gone."""
    X = np.zeros((2, 3 * 4), dtype=np.float32)
    X[0, 1 * 4 + 2] = 0.5  # image 0: (1, 2)
    X[1, 0 * 4 + 3] = 1.0  # image 1: (0, 3), in the top-right corner
    views = moved(X, [(0, 0), (1, 0), (0, -2), (-1, 1)], image_shape=(3, 4))
    assert views.shape == (8, 12) and views.dtype == np.float32
    lit = [tuple(int(i) for i in np.argwhere(view.reshape(3, 4))[0]) if view.any() else None for view in views]
    assert lit == [(1, 2), (0, 3), (2, 2), (1, 3), (1, 0), (0, 1), (0, 3), None]
    assert sorted(np.unique(views)) == [0.0, 0.5, 1.0]
    as_grey_levels = moved((X * 255).astype(np.uint8), [(1, 0)], image_shape=(3, 4))
    assert as_grey_levels.dtype == np.float32 and np.allclose(as_grey_levels, views[2:4], atol=1 / 255)


def test_rotation_and_scaling_points_are_a_similarity_about_the_centre():
    augmenter = Augmenter(["rotate", "scale"], max_degrees=15, max_scale=0.2)
    rows, columns = augmenter.source_points(50, np.random.default_rng(2))
    centre = 13.5
    source = np.hypot(rows - centre, columns - centre)
    target = np.hypot(*np.mgrid[0:28, 0:28] - centre)
    ratio = source[:, target > 1] / target[target > 1]
    # every point of one image is moved the same relative distance from the centre: 1/s, s ∈ [0.8, 1.2]
    assert np.allclose(ratio, ratio[:, :1], rtol=1e-4)
    assert ratio.min() >= 1 / 1.2 - 1e-6 and ratio.max() <= 1 / 0.8 + 1e-6
    angles = np.degrees(np.arctan2(rows[:, 0, 0] - centre, columns[:, 0, 0] - centre) - np.arctan2(-centre, -centre))
    angles = (angles + 180) % 360 - 180
    assert np.all(np.abs(angles) <= 15 + 1e-4) and np.ptp(angles) > 10


def test_slant_moves_each_row_sideways_by_k_times_its_height_above_the_centre():
    augmenter = Augmenter(["slant"], max_slant=0.3)
    rows, columns = augmenter.source_points(40, np.random.default_rng(3))
    target_rows, target_columns = np.mgrid[0:28, 0:28].astype(np.float32)
    np.testing.assert_allclose(rows, np.broadcast_to(target_rows, rows.shape), atol=1e-5)  # rows stay
    # q_x = p_x + k (p_y − c): along each row the move is the same, and it grows linearly from the centre row
    k = (columns - target_columns)[:, :, 0] / (target_rows[:, 0] - 13.5)
    np.testing.assert_allclose(k, k[:, :1] * np.ones(28), atol=1e-5)
    np.testing.assert_allclose(columns - target_columns, k[:, :1, None] * (target_rows - 13.5), atol=1e-4)
    assert np.abs(k).max() <= 0.3 + 1e-6 and np.ptp(k[:, 0]) > 0.3
    assert not augmenter.moves_whole_pixels


def test_a_zero_slant_draws_after_rotation_and_scaling_and_leaves_their_points():
    # θ and s are drawn first from the same generator, as without the slant: a seed turns and scales alike
    slanted = Augmenter(["rotate", "scale", "slant"], max_slant=0.0).source_points(30, np.random.default_rng(4))
    plain = Augmenter(["rotate", "scale"]).source_points(30, np.random.default_rng(4))
    np.testing.assert_allclose(slanted[0], plain[0], atol=1e-5)
    np.testing.assert_allclose(slanted[1], plain[1], atol=1e-5)


def test_gaussian_blur_by_matrices_equals_the_double_sum():
    sigma, u = 1.5, np.random.default_rng(3).uniform(-1, 1, (9, 9))
    G = gaussian_matrix(9, sigma)
    kernel = lambda d: np.exp(-(d**2) / (2 * sigma**2)) / (sigma * np.sqrt(2 * np.pi))  # noqa: E731
    expected = np.array(
        [
            [sum(kernel(i - k) * kernel(j - l) * u[k, l] for k in range(9) for l in range(9)) for j in range(9)]
            for i in range(9)
        ]
    )
    np.testing.assert_allclose(G @ u @ G.T, expected, rtol=1e-12)


def test_field_basis_keeps_the_smoothed_fields_covariance():
    # G u Gᵀ with u of unit variance has covariance (G Gᵀ) ⊗ (G Gᵀ); the field drawn as A Z Aᵀ has (A Aᵀ) ⊗ (A Aᵀ).
    G = gaussian_matrix(28, 4.0)
    A = field_basis(28, 4.0).astype(np.float64)
    assert A.shape == (28, 8)  # 8 directions a side carry all but 10⁻⁵ of the variance for σ = 4
    C = G @ G.T
    assert np.abs(A @ A.T - C).max() <= (1 - FIELD_VARIANCE) * np.trace(C) + 1e-6
    # and the empirical covariance of fields drawn the old way, by blurring uniform noise, agrees with it
    u = np.random.default_rng(5).uniform(-1, 1, (4000, 28, 28))
    d = G @ u @ G.T
    np.testing.assert_allclose(np.cov(d[:, 14, :].T) * 3, C[14, 14] * (A @ A.T), atol=0.06 * C[14, 14] * C.max())


def test_elastic_field_is_smooth_and_about_alpha_strong():
    augmenter = Augmenter(["elastic"], alpha=34.0, sigma=4.0)
    rows, columns = augmenter.source_points(64, np.random.default_rng(4))
    d = rows - np.mgrid[0:28, 0:28][0]
    # Neighbouring displacements differ far less than the displacements themselves (σ = 4 pixels of smoothing).
    assert np.abs(np.diff(d, axis=2)).mean() < 0.3 * np.abs(d).mean()
    # Centre pixel: the variance of α Σ_kl G_ik G_jl u_kl is α² (1/3) (Σ_k G²)², about 34²/3/(8π σ²)² · (8πσ²)... ≈ 1.1 px
    G = gaussian_matrix(28, 4.0)
    expected_std = 34.0 * np.sqrt(1 / 3) * np.sum(G[14] ** 2)
    assert d[:, 14, 14].std() == pytest.approx(expected_std, rel=0.3)


def test_training_with_augmentation_reads_uint8_images(mnist):
    from scratchnet import Network

    X, y = mnist.train.images[:500], mnist.train.labels[:500]
    net = Network([784, 20, 10], cost="cross-entropy", init="scaled", seed=0)
    history = net.sgd(X, y, epochs=2, batch_size=20, lr=0.5, augment=["shift", "rotate", "elastic"], keep="last")
    assert X.dtype == np.uint8 and len(history.epochs) == 2
    # learning, well above the 10% of guessing: seeds 0–5 measured 31.8% to 59.6%, the same on three kernels
    assert history.epochs[-1].training_accuracy > 0.25
