"""tf.image internals: resize weight matrices, kernels recorded on tapes, dtype and rank rules."""

import numpy as np
import pytest

import tapejax as tf
from tapejax._ops import image_ops


@pytest.mark.parametrize("method", ["bilinear", "bicubic", "area"])
@pytest.mark.parametrize("sizes", [(5, 3), (3, 5), (7, 7), (1, 4), (4, 1)])
def test_resize_weight_rows_sum_to_one(method, sizes):
    w = image_ops._weights(method, *sizes)
    assert w.shape == (sizes[1], sizes[0]) and w.dtype == np.float32
    np.testing.assert_allclose(w.sum(axis=1), 1.0, rtol=1e-5)


def test_same_size_bilinear_resize_is_the_identity_matrix():
    np.testing.assert_array_equal(image_ops._weights("bilinear", 6, 6), np.eye(6, dtype=np.float32))


def test_nearest_indices_stay_inside_the_input():
    for n_in, n_out in [(3, 10), (10, 3), (1, 5), (5, 1)]:
        idx = image_ops._nearest_indices(n_in, n_out)
        assert idx.min() >= 0 and idx.max() < n_in and len(idx) == n_out


@pytest.mark.parametrize("method", ["bilinear", "nearest", "bicubic", "area", "lanczos3", "gaussian",
                                    "mitchellcubic"])
def test_resizing_a_constant_image_keeps_the_constant(method):
    x = tf.fill([2, 5, 6, 3], 0.25)
    y = tf.image.resize(x, [8, 4], method=method)
    np.testing.assert_allclose(y.numpy(), 0.25, rtol=1e-5)


def test_resize_records_one_differentiable_entry_on_the_tape():
    x = tf.Variable(np.ones((1, 4, 4, 1), np.float32))
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(tf.image.resize(x, [2, 2]))
    g = tape.gradient(y, x)
    # each output pixel of a 2x downscale averages a 2x2 block: every input gets 0.25 (as TF 2.21)
    np.testing.assert_allclose(g.numpy(), 0.25)


def test_area_resize_and_colour_ops_without_tf_gradients_raise_lookup_error_and_hsv_gives_none():
    x = tf.Variable(np.random.RandomState(0).rand(4, 4, 3).astype(np.float32))
    with tf.GradientTape(persistent=True) as tape:
        outs = [tf.image.resize(x, [2, 2], method="area"), tf.image.adjust_contrast(x, 2.0),
                tf.image.adjust_saturation(x, 2.0), tf.image.adjust_hue(x, 0.1)]
        hsv = tf.image.hsv_to_rgb(x)
    for out, op_name in zip(outs, ["ResizeArea", "AdjustContrastv2", "AdjustSaturation", "AdjustHue"]):
        with pytest.raises(LookupError, match=f"no entry for: {op_name}"):
            tape.gradient(out, x)
    assert tape.gradient(hsv, x) is None


def test_nearest_keeps_integer_dtypes_and_others_return_float32():
    x = tf.constant(np.arange(24, dtype=np.uint8).reshape(2, 4, 3))
    assert tf.image.resize(x, [3, 3], method="nearest").dtype == tf.uint8
    assert tf.image.resize(x, [3, 3]).dtype == tf.float32


@pytest.mark.parametrize("method", ["gaussian", "mitchellcubic"])
@pytest.mark.parametrize("antialias", [False, True])
def test_sampled_weight_rows_sum_to_one(method, antialias):
    for n_in, n_out in [(5, 3), (3, 11), (8, 8)]:
        np.testing.assert_allclose(image_ops._sampled_weights(method, n_in, n_out, antialias).sum(axis=1), 1.0,
                                   rtol=1e-5)


def test_rgb_to_hsv_gradient_is_tf_formula_not_autodiff_at_ties():
    # at r == g the forward is not differentiable; TF 2.21 returns [[[1, 0, 0]]] here (red counts as biggest)
    x = tf.Variable([[[0.6, 0.6, 0.2]]])
    with tf.GradientTape() as tape:
        v = tf.image.rgb_to_hsv(x)[..., 2]
    np.testing.assert_array_equal(tape.gradient(v, x).numpy(), [[[1.0, 0.0, 0.0]]])


def test_image_namespace_exports_every_name_in_all():
    for name in image_ops.__all__:
        assert getattr(tf.image, name) is getattr(image_ops, name)
