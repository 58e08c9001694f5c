"""Unit tests of the projective-transform sampler behind the Keras image layers
(tapejax/keras/_image_layers.py), against a direct NumPy port of TF's ImageProjectiveTransformV3
kernel rules (fill-mode coordinate mapping, then nearest or bilinear reads with a fill value)."""

import math

import numpy as np
import pytest

import tapejax as tf
from tapejax.keras import _image_layers
from tapejax.keras._image_layers import projective_transform


def _map(coord, size, mode):
    """TF's MapCoordinate, one float32 coordinate at a time."""
    c = np.float32(coord)
    if mode == "constant":
        return c
    if mode == "nearest":
        return np.float32(min(max(c, 0), size - 1))
    if size <= 1:
        return np.float32(0)
    if mode == "reflect":
        sz2 = 2 * size
        if c < 0:
            c = np.float32(sz2 * int(-c / sz2) + c)
            c = c + sz2 if c < -size else -c - 1
        elif c > size - 1:
            c = np.float32(c - sz2 * int(c / sz2))
            if c >= size:
                c = sz2 - c - 1
    else:
        sz = size - 1
        if c < 0:
            c = np.float32(c + size * (int(-c / sz) + 1))
        elif c > size - 1:
            c = np.float32(c - size * int(c / sz))
    return np.float32(min(max(c, 0), size - 1))


def _reference(images, transforms, interpolation, fill_mode, fill_value):
    b, h, w, ch = images.shape
    out = np.zeros_like(images)

    def read(i, y, x, c):
        return images[i, y, x, c] if 0 <= y < h and 0 <= x < w else fill_value
    for i in range(b):
        t = transforms[i if len(transforms) > 1 else 0].astype(np.float32)
        for oy in range(h):
            for ox in range(w):
                k = t[6] * ox + t[7] * oy + np.float32(1)
                if k == 0:
                    out[i, oy, ox] = fill_value
                    continue
                x = _map((t[0] * ox + t[1] * oy + t[2]) / k, w, fill_mode)
                y = _map((t[3] * ox + t[4] * oy + t[5]) / k, h, fill_mode)
                for c in range(ch):
                    if interpolation == "nearest":
                        rx = int(math.floor(abs(x) + 0.5)) * (1 if x >= 0 else -1)
                        ry = int(math.floor(abs(y) + 0.5)) * (1 if y >= 0 else -1)
                        out[i, oy, ox, c] = read(i, ry, rx, c)
                    else:
                        x0, y0 = math.floor(x), math.floor(y)
                        top = (x0 + 1 - x) * read(i, y0, x0, c) + (x - x0) * read(i, y0, x0 + 1, c)
                        low = (x0 + 1 - x) * read(i, y0 + 1, x0, c) + (x - x0) * read(i, y0 + 1, x0 + 1, c)
                        out[i, oy, ox, c] = (y0 + 1 - y) * top + (y - y0) * low
    return out


RS = np.random.RandomState(0)
IMAGES = RS.rand(2, 5, 6, 2).astype(np.float32)


def _random_transforms(n, projective=False):
    t = np.zeros((n, 8), np.float32)
    t[:, 0] = RS.uniform(0.5, 1.6, n)
    t[:, 1] = RS.uniform(-0.6, 0.6, n)
    t[:, 2] = RS.uniform(-8, 8, n)
    t[:, 3] = RS.uniform(-0.6, 0.6, n)
    t[:, 4] = RS.uniform(0.5, 1.6, n)
    t[:, 5] = RS.uniform(-8, 8, n)
    if projective:
        t[:, 6:] = RS.uniform(-0.05, 0.05, (n, 2))
    return t


@pytest.mark.parametrize("interpolation", ["nearest", "bilinear"])
@pytest.mark.parametrize("fill_mode", ["reflect", "wrap", "constant", "nearest"])
@pytest.mark.parametrize("projective", [False, True])
def test_sampler_matches_tfs_kernel_rules(interpolation, fill_mode, projective):
    transforms = _random_transforms(2, projective)
    got = projective_transform(IMAGES, transforms, interpolation, fill_mode, fill_value=-3.0)
    want = _reference(IMAGES, transforms, interpolation, fill_mode, np.float32(-3.0))
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-5, atol=1e-5)


def test_far_outside_coordinates_fold_back_by_each_mode():
    transforms = np.asarray([[1, 0, -23.3, 0, 1, 17.6, 0, 0]], np.float32)
    for mode in ("reflect", "wrap", "nearest", "constant"):
        got = projective_transform(IMAGES, transforms, "bilinear", mode, 0.5)
        want = _reference(IMAGES, transforms, "bilinear", mode, np.float32(0.5))
        np.testing.assert_allclose(got.numpy(), want, rtol=1e-5, atol=1e-5)


def test_identity_transform_returns_the_images_and_one_row_serves_the_batch():
    identity = np.asarray([1, 0, 0, 0, 1, 0, 0, 0], np.float32)
    out = projective_transform(IMAGES, identity)
    np.testing.assert_array_equal(out.numpy(), IMAGES)
    assert out.dtype == tf.float32 and out.shape == IMAGES.shape


def test_integer_shift_with_constant_fill():
    shift = np.asarray([[1, 0, -2, 0, 1, 1, 0, 0]], np.float32)  # reads x - 2, y + 1
    out = projective_transform(IMAGES, shift, "nearest", "constant", 9.0).numpy()
    np.testing.assert_array_equal(out[:, :4, 2:], IMAGES[:, 1:, :4])
    assert np.all(out[:, :, :2] == 9.0) and np.all(out[:, 4] == 9.0)


def test_a_zero_projection_reads_the_fill_value():
    t = np.asarray([[1, 0, 0, 0, 1, 0, -0.5, 0]], np.float32)  # k = 0 at x = 2
    out = projective_transform(IMAGES, t, "bilinear", "reflect", 4.0).numpy()
    assert np.all(out[:, :, 2] == 4.0)


def test_unbatched_and_channels_first_images():
    t = _random_transforms(1)
    batched = projective_transform(IMAGES[:1], t, "bilinear", "wrap").numpy()
    single = projective_transform(IMAGES[0], t[0], "bilinear", "wrap").numpy()
    np.testing.assert_allclose(single, batched[0], rtol=1e-6)
    first = projective_transform(np.transpose(IMAGES[:1], (0, 3, 1, 2)), t, "bilinear", "wrap",
                                 data_format="channels_first").numpy()
    np.testing.assert_allclose(np.transpose(first, (0, 2, 3, 1)), batched, rtol=1e-6)


@pytest.mark.parametrize("dtype", [np.float16, np.float64])
def test_the_images_dtype_is_kept(dtype):
    t = _random_transforms(2)
    out = projective_transform(IMAGES.astype(dtype), t, "bilinear", "reflect")
    assert out.dtype.name == np.dtype(dtype).name
    want = _reference(IMAGES.astype(np.float32), t, "bilinear", "reflect", np.float32(0))
    np.testing.assert_allclose(np.asarray(out.numpy(), np.float32), want, rtol=2e-3, atol=2e-3)


def test_gradient_with_respect_to_the_images_is_the_transposed_sampling():
    t = _random_transforms(2)
    x = tf.constant(IMAGES)
    weights = tf.constant(RS.rand(*IMAGES.shape).astype(np.float32))
    with tf.GradientTape() as tape:
        tape.watch(x)
        loss = tf.reduce_sum(projective_transform(x, t, "bilinear", "constant") * weights)
    grad = tape.gradient(loss, x).numpy()
    # the sampler is linear in the images: <grad, e_i> = loss of the i-th basis image
    flat = np.zeros(IMAGES.size, np.float32)
    for i in RS.choice(IMAGES.size, 12, replace=False):
        flat[:] = 0
        flat[i] = 1
        basis = flat.reshape(IMAGES.shape)
        value = np.sum(_reference(basis, t, "bilinear", "constant", np.float32(0)) * weights.numpy())
        np.testing.assert_allclose(grad.reshape(-1)[i], value, rtol=1e-4, atol=1e-5)


def test_sampler_runs_inside_a_compiled_function():
    t = _random_transforms(2)

    @tf.function
    def warp(images, transforms):
        return projective_transform(images, transforms, "bilinear", "reflect")
    got = warp(tf.constant(IMAGES), tf.constant(t)).numpy()
    np.testing.assert_allclose(got, _reference(IMAGES, t, "bilinear", "reflect", np.float32(0)),
                               rtol=1e-5, atol=1e-5)


def test_bad_arguments_raise_keras_value_errors():
    with pytest.raises(ValueError, match="interpolation"):
        projective_transform(IMAGES, np.eye(3).ravel()[:8], interpolation="bicubic")
    with pytest.raises(ValueError, match="fill_mode"):
        projective_transform(IMAGES, np.eye(3).ravel()[:8], fill_mode="mirror")
    with pytest.raises(ValueError, match="Invalid images rank"):
        projective_transform(IMAGES[0, :, :, 0], np.eye(3).ravel()[:8])


def test_rotation_matrix_is_kerass_centre_rotation():
    angle = np.asarray([90.0, -30.0], np.float32)
    m = np.asarray(_image_layers._rotation_matrix(angle, height=5, width=7))
    theta = np.deg2rad(angle)
    cx, cy = 3.0, 2.0
    want = np.stack([np.cos(theta), -np.sin(theta), cx - cx * np.cos(theta) + cy * np.sin(theta),
                     np.sin(theta), np.cos(theta), cy - cx * np.sin(theta) - cy * np.cos(theta),
                     0 * theta, 0 * theta], axis=1)
    np.testing.assert_allclose(m, want, rtol=1e-5, atol=1e-5)
