"""tf.image, program by program on TensorFlow and on tapejax: values, dtypes, shapes, gradients
through the tape, and exceptions (type, and TF's first line unless listed in NO_MESSAGE)."""

import numpy as np
import pytest

from compat_tests import _harness as H

RS = np.random.RandomState(7)
IMG = RS.rand(5, 7, 3).astype(np.float32)
BATCH = RS.rand(2, 6, 8, 3).astype(np.float32)
UINT8 = (RS.rand(5, 7, 3) * 255).astype(np.uint8)
GRAY = RS.rand(2, 4, 5, 1).astype(np.float32)
BIG = RS.rand(2, 16, 18, 3).astype(np.float32)
WEIGHTS = RS.rand(*IMG.shape).astype(np.float32)

PROGRAMS = {}
NO_MESSAGE = set()


def program(f=None, messages=True):
    def register(g):
        PROGRAMS[g.__name__] = g
        if not messages:
            NO_MESSAGE.add(g.__name__)
        return g
    return register(f) if f is not None else register


# ==== resize ====================================================================================
SIZES = [(3, 4), (10, 13), (5, 7), (2, 11), (9, 3), (1, 1)]
METHODS = ["bilinear", "nearest", "bicubic", "area", "lanczos3", "lanczos5", "gaussian", "mitchellcubic"]


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_resize_values_match_tf(compare, method, size):
    compare(lambda tf: (tf.image.resize(tf.constant(BATCH), size, method=method),
                        tf.image.resize(tf.constant(IMG), size, method=method)), rtol=2e-5, atol=2e-6)


@pytest.mark.parametrize("method", ["bilinear", "bicubic", "lanczos3", "lanczos5", "gaussian", "mitchellcubic"])
@pytest.mark.parametrize("size", [(3, 4), (10, 13), (2, 11)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_antialiased_resize_values_match_tf(compare, method, size):
    compare(lambda tf: tf.image.resize(tf.constant(BATCH), size, method=method, antialias=True),
            rtol=2e-5, atol=2e-6)


@pytest.mark.parametrize("method", ["bilinear", "nearest", "bicubic", "area"])
@pytest.mark.parametrize("dtype", ["uint8", "int32", "float16", "float64"])
def test_resize_dtypes_match_tf(compare, method, dtype):
    compare(lambda tf: (tf.image.resize(tf.cast(tf.constant(UINT8), getattr(tf, dtype)), [3, 9], method=method),
                        tf.image.resize(tf.cast(tf.constant(UINT8), getattr(tf, dtype)), [5, 7])),
            rtol=1e-3 if dtype == "float16" else 2e-5, atol=1e-3 if dtype == "float16" else 2e-5)


@program
def resize_preserving_aspect_ratio(tf):
    x = tf.constant(BATCH)
    return (tf.image.resize(x, [3, 5], preserve_aspect_ratio=True), tf.image.resize(x, [20, 9], preserve_aspect_ratio=True),
            tf.image.resize(tf.constant(IMG), [3, 3], preserve_aspect_ratio=True, method="nearest"))


@program
def resize_size_as_tensor_and_tuple(tf):
    return tf.image.resize(tf.constant(IMG), tf.constant([4, 4])), tf.image.resize(tf.constant(IMG), (2, 3))


@program
@H.raises("ValueError")
def resize_of_rank_2_raises(tf):
    return tf.image.resize(tf.zeros([4, 6]), [3, 5])


@program
@H.raises("ValueError")
def resize_of_rank_5_raises(tf):
    return tf.image.resize(tf.zeros([1, 1, 4, 6, 1]), [3, 5])


@program
@H.raises("ValueError")
def resize_with_three_sizes_raises(tf):
    return tf.image.resize(tf.zeros([4, 6, 1]), [3, 5, 1])


@program
@H.raises("ValueError")
def resize_with_unknown_method_raises(tf):
    return tf.image.resize(tf.zeros([4, 6, 1]), [3, 5], method="foo")


@program
@H.raises("InvalidArgumentError")
def resize_to_zero_raises(tf):
    return tf.image.resize(tf.zeros([4, 6, 1]), [0, 5])


@pytest.mark.parametrize("method", ["bilinear", "nearest", "bicubic", "lanczos3", "mitchellcubic"])
@pytest.mark.parametrize("antialias", [False, True])
def test_resize_gradient_matches_tf(compare, method, antialias):
    def program(tf):
        x = tf.Variable(BATCH)
        with tf.GradientTape(persistent=True) as tape:
            down = tf.image.resize(x, [4, 5], method=method, antialias=antialias)
            up = tf.image.resize(x, [9, 11], method=method, antialias=antialias)
            loss = tf.reduce_sum(down * tf.constant(np.arange(60, dtype=np.float32).reshape(1, 4, 5, 3))) + \
                tf.reduce_sum(tf.square(up))
        return tape.gradient(loss, x), tape.gradient(down, x)
    compare(program, rtol=2e-5, atol=2e-5)


@program
@H.raises("LookupError")
def resize_area_gradient_raises_lookup_error(tf):
    x = tf.Variable(BATCH)
    with tf.GradientTape() as tape:
        y = tf.image.resize(x, [3, 4], method="area")
    return tape.gradient(y, x)


# ==== crop, pad ================================================================================
@program
def crop_and_pad_to_bounding_box(tf):
    x, b = tf.constant(IMG), tf.constant(BATCH)
    return (tf.image.crop_to_bounding_box(x, 1, 2, 3, 4), tf.image.crop_to_bounding_box(b, 0, 1, 6, 2),
            tf.image.pad_to_bounding_box(x, 1, 2, 8, 10), tf.image.pad_to_bounding_box(b, 0, 0, 6, 9),
            tf.image.pad_to_bounding_box(tf.constant(UINT8), 2, 1, 7, 9))


@pytest.mark.parametrize("args", [(2, 2, 4, 3), (-1, 0, 2, 2), (0, -1, 2, 2), (0, 0, 0, 2), (0, 0, 2, 0),
                                  (0, 5, 2, 3)])
def test_crop_to_bounding_box_errors(compare, args):
    compare(lambda tf: tf.image.crop_to_bounding_box(tf.constant(IMG), *args), raises="ValueError")


@pytest.mark.parametrize("args", [(2, 2, 3, 3), (-1, 0, 8, 8), (0, -1, 8, 8), (0, 2, 5, 8)])
def test_pad_to_bounding_box_errors(compare, args):
    compare(lambda tf: tf.image.pad_to_bounding_box(tf.constant(IMG), *args), raises="ValueError")


@program
@H.raises("ValueError")
def crop_of_rank_2_raises(tf):
    return tf.image.crop_to_bounding_box(tf.zeros([4, 6]), 0, 0, 2, 2)


@program
def resize_with_crop_or_pad_values(tf):
    x, b = tf.constant(IMG), tf.constant(BATCH)
    return (tf.image.resize_with_crop_or_pad(x, 3, 3), tf.image.resize_with_crop_or_pad(x, 8, 10),
            tf.image.resize_with_crop_or_pad(x, 2, 12), tf.image.resize_with_crop_or_pad(b, 7, 4),
            tf.image.resize_with_crop_or_pad(b, 6, 8))


@program
@H.raises("ValueError")
def resize_with_crop_or_pad_to_zero_raises(tf):
    return tf.image.resize_with_crop_or_pad(tf.constant(IMG), 0, 3)


@program
def resize_with_pad_values(tf):
    x, b = tf.constant(IMG), tf.constant(BATCH)
    return (tf.image.resize_with_pad(x, 10, 10), tf.image.resize_with_pad(x, 4, 9),
            tf.image.resize_with_pad(b, 5, 5, method="nearest"), tf.image.resize_with_pad(b, 12, 7, antialias=True),
            tf.image.resize_with_pad(tf.constant(UINT8), 6, 6))


@program
def central_crop_values(tf):
    x, b = tf.constant(IMG), tf.constant(BATCH)
    return (tf.image.central_crop(x, 0.5), tf.image.central_crop(x, 1.0), tf.image.central_crop(b, 0.33),
            tf.image.central_crop(b, 0.8))


@pytest.mark.parametrize("fraction", [0.0, 1.5, -0.1])
def test_central_crop_fraction_out_of_range_raises(compare, fraction):
    compare(lambda tf: tf.image.central_crop(tf.constant(IMG), fraction), raises="ValueError")


@program
def crop_and_pad_gradients(tf):
    x = tf.Variable(BATCH)
    with tf.GradientTape() as tape:
        y = (tf.reduce_sum(tf.image.central_crop(x, 0.5) ** 2) + tf.reduce_sum(tf.image.resize_with_pad(x, 9, 9))
             + tf.reduce_sum(tf.image.resize_with_crop_or_pad(x, 4, 10) * 3.0))
    return tape.gradient(y, x)


# ==== flips, rotations =========================================================================
@program
def flips_rotations_and_transposes(tf):
    x, b = tf.constant(IMG), tf.constant(BATCH)
    return (tf.image.flip_left_right(x), tf.image.flip_left_right(b), tf.image.flip_up_down(x),
            tf.image.flip_up_down(b), [tf.image.rot90(x, k) for k in range(-1, 5)],
            [tf.image.rot90(b, k) for k in range(4)], tf.image.transpose(x), tf.image.transpose(b),
            tf.image.flip_left_right(tf.constant(UINT8)))


@program
@H.raises("ValueError")
def flip_of_rank_2_raises(tf):
    return tf.image.flip_left_right(tf.zeros([4, 6]))


@program
@H.raises("ValueError")
def flip_of_rank_5_raises(tf):
    return tf.image.flip_up_down(tf.zeros([1, 2, 4, 6, 3]))


@program
@H.raises("ValueError")
def rot90_of_rank_2_raises(tf):
    return tf.image.rot90(tf.zeros([4, 6]))


@program
def flip_gradients(tf):
    x = tf.Variable(BATCH)
    w = tf.constant(np.arange(BATCH.size, dtype=np.float32).reshape(BATCH.shape))
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(tf.image.flip_left_right(x) * w) + tf.reduce_sum(tf.image.rot90(x, 3) ** 2)
    return tape.gradient(y, x)


def test_random_flips_flip_whole_images_or_nothing(tf):
    tf.random.set_seed(3)
    x = tf.constant(BATCH)
    seen = set()
    for _ in range(8):
        lr = tf.image.random_flip_left_right(x).numpy()
        ud = tf.image.random_flip_up_down(x).numpy()
        for i in range(2):
            lr_flipped = np.array_equal(lr[i], BATCH[i, :, ::-1])
            assert lr_flipped or np.array_equal(lr[i], BATCH[i])
            assert np.array_equal(ud[i], BATCH[i, ::-1]) or np.array_equal(ud[i], BATCH[i])
            seen.add(lr_flipped)
        one = tf.image.random_flip_left_right(tf.constant(IMG)).numpy()
        assert np.array_equal(one, IMG[:, ::-1]) or np.array_equal(one, IMG)
    assert seen == {True, False}


# ==== dtype conversion =========================================================================
@program
def convert_image_dtype_rules(tf):
    f = tf.constant([[[0.0, 0.5, 1.0], [0.999, 0.25, 0.1]]])
    u = tf.constant(UINT8)
    return (tf.image.convert_image_dtype(f, tf.uint8), tf.image.convert_image_dtype(u, tf.float32),
            tf.image.convert_image_dtype(u, tf.float64), tf.image.convert_image_dtype(u, tf.int32),
            tf.image.convert_image_dtype(u, tf.uint16), tf.image.convert_image_dtype(u, tf.int8),
            tf.image.convert_image_dtype(tf.constant([[[70000, -5, 2 ** 31 - 1]]]), tf.uint8),
            tf.image.convert_image_dtype(tf.constant([[[1.5, -0.5, 0.5]]]), tf.uint8, saturate=True),
            tf.image.convert_image_dtype(f, tf.float64), tf.image.convert_image_dtype(f, tf.float32),
            tf.image.convert_image_dtype(f, tf.int16), tf.image.convert_image_dtype(u, tf.float16))


@program
@H.raises("AttributeError")
def convert_image_dtype_to_bool_raises(tf):
    return tf.image.convert_image_dtype(tf.constant(IMG), tf.bool)


@program
def convert_image_dtype_gradient(tf):
    x = tf.Variable(IMG)
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(tf.image.convert_image_dtype(x, tf.float64) ** 2)
    return tape.gradient(y, x)


# ==== colour ====================================================================================
@program
def brightness_contrast_gamma(tf):
    x, u, b = tf.constant(IMG), tf.constant(UINT8), tf.constant(BATCH)
    return (tf.image.adjust_brightness(x, 0.2), tf.image.adjust_brightness(u, 0.3),
            tf.image.adjust_brightness(u, -0.4), tf.image.adjust_contrast(x, 1.7), tf.image.adjust_contrast(b, 0.3),
            tf.image.adjust_contrast(u, 2.5), tf.image.adjust_gamma(x, 2.0, 1.5), tf.image.adjust_gamma(u, 0.5),
            tf.image.adjust_brightness(tf.cast(x, tf.float16), 0.1),
            tf.image.adjust_contrast(tf.cast(x, tf.float64), 1.5))


@program
def saturation_and_hue(tf):
    x, u, b = tf.constant(IMG), tf.constant(UINT8), tf.constant(BATCH)
    specials = tf.constant([[[0.2, 0.2, 0.2], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0],
                             [0.5, 0.5, 0.1], [0.1, 0.5, 0.5], [0.5, 0.1, 0.5], [0.0, 0.0, 0.0]]])
    return ([tf.image.adjust_saturation(x, f) for f in (0.0, 0.5, 1.0, 2.5)],
            [tf.image.adjust_hue(x, d) for d in (-1.0, -0.3, 0.0, 0.2, 0.5, 1.0)],
            tf.image.adjust_saturation(u, 0.4), tf.image.adjust_hue(u, 0.25), tf.image.adjust_hue(b, 0.1),
            tf.image.adjust_saturation(specials, 1.5), tf.image.adjust_hue(specials, 0.4),
            tf.image.adjust_saturation(b * 3.0 - 1.0, 1.3), tf.image.adjust_hue(b * 3.0 - 1.0, -0.6))


@program
@H.raises("ValueError")
def adjust_hue_out_of_range_raises(tf):
    return tf.image.adjust_hue(tf.constant(IMG), 1.5)


@program
@H.raises("InvalidArgumentError")
def adjust_saturation_of_four_channels_raises(tf):
    return tf.image.adjust_saturation(tf.zeros([2, 2, 4]), 0.5)


@program
def hsv_round_trip(tf):
    x, b = tf.constant(IMG), tf.constant(BATCH)
    hsv = tf.image.rgb_to_hsv(x)
    specials = tf.constant([[[0.2, 0.2, 0.2], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0],
                             [0.5, 0.5, 0.1], [0.1, 0.5, 0.5], [0.5, 0.1, 0.5], [0.0, 0.0, 0.0]]])
    return (hsv, tf.image.hsv_to_rgb(hsv), tf.image.rgb_to_hsv(b), tf.image.rgb_to_hsv(specials),
            tf.image.hsv_to_rgb(tf.image.rgb_to_hsv(specials)), tf.image.rgb_to_hsv(tf.cast(x, tf.float64)),
            tf.image.hsv_to_rgb(tf.constant([[[0.95, 0.5, 0.5], [1.0, 1.0, 1.0], [0.0, 0.3, 0.7]]])))


@program
@H.raises("FailedPreconditionError")
def rgb_to_hsv_of_four_channels_raises(tf):
    return tf.image.rgb_to_hsv(tf.zeros([4, 6, 4]))


@program
@H.raises("InvalidArgumentError")
def rgb_to_hsv_of_ints_raises(tf):
    return tf.image.rgb_to_hsv(tf.zeros([4, 6, 3], tf.int32))


@program
def rgb_to_hsv_gradient(tf):
    x = tf.Variable(IMG)
    w = tf.constant(WEIGHTS)
    with tf.GradientTape(persistent=True) as tape:
        hsv = tf.image.rgb_to_hsv(x)
        y = tf.reduce_sum(hsv * w)
        back = tf.reduce_sum(tf.image.hsv_to_rgb(x))
    return tape.gradient(y, x), tape.gradient(back, x)


@program
def grayscale_conversions(tf):
    x, u, b = tf.constant(IMG), tf.constant(UINT8), tf.constant(BATCH)
    return (tf.image.rgb_to_grayscale(x), tf.image.rgb_to_grayscale(u), tf.image.rgb_to_grayscale(b),
            tf.image.grayscale_to_rgb(tf.constant(GRAY)), tf.image.grayscale_to_rgb(tf.image.rgb_to_grayscale(u)))


@program
@H.raises("ValueError")
def grayscale_to_rgb_of_three_channels_raises(tf):
    return tf.image.grayscale_to_rgb(tf.zeros([4, 6, 3]))


@program
def grayscale_gradient(tf):
    x = tf.Variable(BATCH)
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(tf.image.grayscale_to_rgb(tf.image.rgb_to_grayscale(x)) ** 2)
    return tape.gradient(y, x)


@program
def per_image_standardization_values(tf):
    return (tf.image.per_image_standardization(tf.constant(IMG)),
            tf.image.per_image_standardization(tf.constant(BATCH)),
            tf.image.per_image_standardization(tf.constant(UINT8)),
            tf.image.per_image_standardization(tf.zeros([2, 2, 3])),
            tf.image.per_image_standardization(tf.cast(tf.constant(IMG), tf.float64)))


@program
def brightness_and_standardization_gradients(tf):
    x = tf.Variable(BATCH)
    delta = tf.Variable(0.3)
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(tf.image.adjust_brightness(x, delta) ** 2) + tf.reduce_sum(
            tf.image.per_image_standardization(x) * tf.constant(BATCH)) + tf.reduce_sum(tf.image.adjust_gamma(x, 2.0))
    return tape.gradient(y, [x, delta])


@pytest.mark.parametrize("op", ["adjust_contrast", "adjust_saturation", "adjust_hue"])
def test_colour_ops_without_a_tf_gradient_raise_lookup_error(compare, op):
    @H.raises("LookupError")
    def program(tf):
        x = tf.Variable(IMG)
        with tf.GradientTape() as tape:
            y = getattr(tf.image, op)(x, 0.3)
        return tape.gradient(y, x)
    compare(program)


def test_random_colour_ops_stay_in_their_ranges(tf):
    tf.random.set_seed(5)
    x = tf.constant(IMG)
    for _ in range(5):
        b = tf.image.random_brightness(x, 0.2).numpy()
        delta = b - IMG
        assert np.allclose(delta, delta.flat[0], atol=1e-6) and abs(delta.flat[0]) <= 0.2
        c = tf.image.random_contrast(x, 0.5, 1.5).numpy()
        mean = IMG.mean(axis=(0, 1))
        factor = (c - mean) / (IMG - mean)
        assert np.allclose(factor, factor.flat[0], rtol=1e-3) and 0.5 <= factor.flat[0] < 1.5
        assert tf.image.random_saturation(x, 0.2, 0.8).shape == IMG.shape
        assert tf.image.random_hue(x, 0.2).dtype == tf.float32


@pytest.mark.parametrize("call", ["random_brightness(x, -0.1)", "random_contrast(x, 0.5, 0.2)",
                                  "random_contrast(x, -0.5, 0.2)", "random_saturation(x, 0.9, 0.2)",
                                  "random_hue(x, 0.7)", "random_hue(x, -0.1)"])
def test_random_colour_op_argument_errors(compare, call):
    compare(lambda tf: eval("tf.image." + call, {"tf": tf, "x": tf.constant(IMG)}), raises="ValueError")


def test_random_crop_takes_a_slice_of_the_requested_size(tf):
    tf.random.set_seed(1)
    x = tf.constant(BATCH)
    offsets = set()
    for _ in range(10):
        c = tf.image.random_crop(x, [2, 3, 4, 3]).numpy()
        assert c.shape == (2, 3, 4, 3)
        found = [(i, j) for i in range(4) for j in range(5) if np.array_equal(BATCH[:, i:i + 3, j:j + 4], c)]
        assert found
        offsets.add(found[0])
    assert len(offsets) > 1


@program
@H.raises("InvalidArgumentError")
def random_crop_larger_than_the_value_raises(tf):
    return tf.image.random_crop(tf.constant(IMG), [6, 2, 3])


# ==== metrics ===================================================================================
@program
def image_gradients_total_variation_psnr(tf):
    b = tf.constant(BATCH)
    other = tf.constant(BATCH[::-1])
    return (tf.image.image_gradients(b), tf.image.total_variation(b), tf.image.total_variation(tf.constant(IMG)),
            tf.image.psnr(b, other, 1.0), tf.image.psnr(tf.constant(UINT8), tf.constant(UINT8[::-1]), 255),
            tf.image.psnr(tf.constant(IMG), tf.constant(IMG * 0.9), 1.0))


@program
@H.raises("ValueError")
def image_gradients_of_rank_3_raises(tf):
    return tf.image.image_gradients(tf.zeros([4, 6, 3]))


@program(messages=False)  # TF's message lists Abs's allowed dtypes
@H.raises("InvalidArgumentError")
def total_variation_of_uint8_raises(tf):
    return tf.image.total_variation(tf.constant(UINT8))


@program
def ssim_values(tf):
    a, b = tf.constant(BIG), tf.constant(BIG[::-1] * 0.8)
    return (tf.image.ssim(a, b, 1.0), tf.image.ssim(a, a, 1.0), tf.image.ssim(a[0], b[0], 1.0, filter_size=5),
            tf.image.ssim(a, b, 2.0, filter_sigma=0.8, k1=0.02, k2=0.05))


@program
def metric_gradients(tf):
    x = tf.Variable(BIG)
    with tf.GradientTape() as tape:
        dy, dx = tf.image.image_gradients(x)
        y = (tf.reduce_sum(dy * dx) + tf.reduce_sum(tf.image.total_variation(x)) +
             tf.reduce_sum(tf.image.psnr(x, tf.constant(BIG[::-1]), 1.0)) +
             tf.reduce_sum(tf.image.ssim(x, tf.constant(BIG * 0.5), 1.0)))
    return tape.gradient(y, x)


# ==== patches, pipelines inside tf.function ===================================================
@pytest.mark.parametrize("padding", ["VALID", "SAME"])
@pytest.mark.parametrize("sizes, strides, rates", [
    ([1, 2, 3, 1], [1, 2, 2, 1], [1, 1, 1, 1]), ([1, 3, 3, 1], [1, 1, 1, 1], [1, 2, 1, 1]),
    ([1, 4, 4, 1], [1, 4, 4, 1], [1, 1, 1, 1]), ([1, 1, 1, 1], [1, 3, 2, 1], [1, 1, 1, 1]),
    ([1, 5, 2, 1], [1, 1, 3, 1], [1, 2, 2, 1])])
def test_extract_patches_matches_tf(compare, padding, sizes, strides, rates):
    def program(tf):
        x = tf.Variable(BIG)
        with tf.GradientTape() as tape:
            p = tf.image.extract_patches(x, sizes=sizes, strides=strides, rates=rates, padding=padding)
            loss = tf.reduce_sum(p * p)
        ints = tf.image.extract_patches(tf.cast(tf.constant(BIG * 100), tf.int32), sizes, strides, rates, padding)
        return p, ints, tape.gradient(loss, x)
    compare(program)


@program
@H.raises("InvalidArgumentError")
def extract_patches_of_rank_3_raises(tf):
    return tf.image.extract_patches(tf.constant(IMG), [1, 2, 2, 1], [1, 1, 1, 1], [1, 1, 1, 1], "VALID")


@program
def augmentation_step_inside_function(tf):
    w = tf.Variable(np.linspace(-1, 1, 12 * 3, dtype=np.float32).reshape(1, 12, 1, 3))

    @tf.function
    def step(images):
        with tf.GradientTape() as tape:
            x = tf.image.resize(images, [12, 12])
            x = tf.image.adjust_brightness(tf.image.flip_left_right(x), 0.1)
            x = tf.image.per_image_standardization(tf.image.central_crop(x, 0.75) * 1.0)
            x = tf.image.resize_with_crop_or_pad(x, 12, 12)
            loss = tf.reduce_sum(x * w) + tf.reduce_sum(tf.image.rgb_to_grayscale(x))
        return loss, tape.gradient(loss, w)
    return step(tf.constant(BATCH)), step(tf.constant(BATCH[::-1]))


def test_random_augmentation_runs_inside_function(tf):
    @tf.function
    def augment(images):
        x = tf.image.random_flip_left_right(images[0])
        x = tf.image.random_crop(x, [4, 6, 3])
        x = tf.image.random_brightness(x, 0.1)
        return tf.image.random_contrast(x, 0.8, 1.2), tf.image.random_flip_up_down(images)
    one, batch = augment(tf.constant(BATCH))
    assert one.shape == (4, 6, 3) and batch.shape == BATCH.shape
    for i in range(2):
        assert np.array_equal(batch[i], BATCH[i]) or np.array_equal(batch[i], BATCH[i, ::-1])


def test_stateless_random_ops_repeat_for_a_seed_and_keep_their_structure(tf):
    x = tf.constant(BATCH)
    for seed in [(1, 2), (3, 4), (5, 6), (7, 8)]:
        a = tf.image.stateless_random_flip_left_right(x, seed=seed).numpy()
        assert np.array_equal(a, tf.image.stateless_random_flip_left_right(x, seed=seed).numpy())
        for i in range(2):
            assert np.array_equal(a[i], BATCH[i]) or np.array_equal(a[i], BATCH[i, :, ::-1])
        b = tf.image.stateless_random_brightness(x, 0.2, seed=seed).numpy()
        delta = b - BATCH
        assert np.allclose(delta, delta.flat[0], atol=1e-6) and abs(delta.flat[0]) <= 0.2
        assert np.array_equal(b, tf.image.stateless_random_brightness(x, 0.2, seed=seed).numpy())
        c = tf.image.stateless_random_crop(x, [2, 3, 4, 3], seed=seed).numpy()
        assert any(np.array_equal(BATCH[:, i:i + 3, j:j + 4], c) for i in range(4) for j in range(5))
        assert np.array_equal(c, tf.image.stateless_random_crop(x, [2, 3, 4, 3], seed=seed).numpy())
        for op, args in [("stateless_random_contrast", (0.5, 1.5)), ("stateless_random_saturation", (0.5, 1.5)),
                         ("stateless_random_hue", (0.2,))]:
            r = getattr(tf.image, op)(x, *args, seed=seed)
            assert r.shape == BATCH.shape and np.array_equal(r.numpy(), getattr(tf.image, op)(x, *args, seed=seed).numpy())


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_image(name):
    H.compare(PROGRAMS[name], messages=name not in NO_MESSAGE, rtol=2e-5, atol=2e-5)
