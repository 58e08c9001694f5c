"""Keras 3's image preprocessing and augmentation layers on TF 2.21 and on tapejax: values at fixed
factors (where a random layer draws one value), dtypes, shapes, inference identity, configs, errors;
random draws checked by properties that hold on both backends; augmentation inside fit and
tf.function."""

import numpy as np
import pytest

from compat_tests._harness import raises

SQ = np.arange(16, dtype=np.float32).reshape(1, 4, 4, 1)
RECT = np.arange(30, dtype=np.float32).reshape(1, 5, 6, 1)
RS = np.random.RandomState(0)
IMG = RS.rand(3, 6, 5, 2).astype(np.float32)
U8 = (np.arange(48).reshape(1, 4, 4, 3) * 5).astype(np.uint8)
U8_5 = (RS.rand(2, 5, 5, 3) * 255).astype(np.uint8)  # resized 5 -> 3 by thirds: no .5 ties
FILL_MODES = ["reflect", "wrap", "constant", "nearest"]


def _apply(tf, make, x=SQ, training=None):
    layer = make(tf.keras.layers)
    x = tf.constant(x)
    return layer(x) if training is None else layer(x, training=training)


# -- geometry at fixed factors --------------------------------------------------------------------
@pytest.mark.parametrize("interpolation", ["bilinear", "nearest"])
@pytest.mark.parametrize("turn", [0.25, -0.25, 0.5])
def test_rotation_by_a_fixed_quarter_or_half_turn_moves_pixels_as_tf(compare, interpolation, turn):
    compare(lambda tf: _apply(tf, lambda L: L.RandomRotation((turn, turn),
                                                              interpolation=interpolation)))


@pytest.mark.parametrize("interpolation", ["bilinear", "nearest"])
@pytest.mark.parametrize("fill_mode", FILL_MODES)
def test_rotation_by_an_eighth_fills_corners_by_each_fill_mode(compare, fill_mode, interpolation):
    compare(lambda tf: _apply(tf, lambda L: L.RandomRotation(
        (0.125, 0.125), fill_mode=fill_mode, interpolation=interpolation, fill_value=-1.0), RECT),
        rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("interpolation", ["bilinear", "nearest"])
@pytest.mark.parametrize("fill_mode", FILL_MODES)
@pytest.mark.parametrize("factor", [-0.5, 0.7, 1.0])
def test_zoom_in_and_out_with_each_fill_mode(compare, factor, fill_mode, interpolation):
    compare(lambda tf: _apply(tf, lambda L: L.RandomZoom(
        (factor, factor), fill_mode=fill_mode, interpolation=interpolation, fill_value=-2.0), RECT),
        rtol=1e-5, atol=1e-5)


def test_zoom_with_its_own_width_factor(compare):
    compare(lambda tf: _apply(tf, lambda L: L.RandomZoom((-0.5, -0.5), width_factor=(0.3, 0.3),
                                                          fill_mode="constant"), RECT),
            atol=1e-5)


@pytest.mark.parametrize("fill_mode", FILL_MODES)
@pytest.mark.parametrize("factors", [((0.6, 0.6), (-0.3, -0.3)), ((-1.0, -1.0), (0.5, 0.5)),
                                     ((0.25, 0.25), (-0.25, -0.25))])
def test_translation_by_fixed_fractions_with_each_fill_mode(compare, fill_mode, factors):
    compare(lambda tf: _apply(tf, lambda L: L.RandomTranslation(*factors, fill_mode=fill_mode),
                              RECT), atol=1e-5)


def test_translation_nearest_interpolation_and_fill_value(compare):
    compare(lambda tf: _apply(tf, lambda L: L.RandomTranslation(
        (0.3, 0.3), (0.1, 0.1), fill_mode="constant", fill_value=7.0, interpolation="nearest"),
        RECT))


def test_geometric_layers_take_unbatched_images(compare):
    def program(tf):
        L = tf.keras.layers
        x = tf.constant(RECT[0])
        return [L.RandomRotation((0.25, 0.25))(x), L.RandomZoom((0.5, 0.5))(x),
                L.RandomTranslation((0.2, 0.2), (0.2, 0.2))(x)]
    compare(program, atol=1e-5)


def test_geometric_layers_with_channels_first(compare):
    def program(tf):
        L = tf.keras.layers
        x = tf.constant(np.transpose(IMG, (0, 3, 1, 2)))
        return [L.RandomRotation((0.25, 0.25), data_format="channels_first")(x),
                L.RandomZoom((0.5, 0.5), data_format="channels_first")(x),
                L.RandomTranslation((0.2, 0.2), (-0.2, -0.2), data_format="channels_first")(x),
                L.Resizing(3, 4, data_format="channels_first")(x),
                L.CenterCrop(2, 2, data_format="channels_first")(x)]
    compare(program, atol=1e-5)


def test_rotation_of_a_multichannel_batch(compare):
    compare(lambda tf: _apply(tf, lambda L: L.RandomRotation((0.1, 0.1), fill_mode="wrap"), IMG),
            atol=1e-5)


# -- resizing and cropping ----------------------------------------------------------------------------
@pytest.mark.parametrize("interpolation", ["bilinear", "nearest", "bicubic", "area"])
@pytest.mark.parametrize("size", [(2, 3), (7, 9), (5, 6)])
def test_resizing_with_each_interpolation(compare, interpolation, size):
    compare(lambda tf: _apply(tf, lambda L: L.Resizing(*size, interpolation=interpolation), RECT),
            atol=1e-5)


@pytest.mark.parametrize("size", [(2, 4), (4, 2), (3, 3), (6, 2)])
@pytest.mark.parametrize("option", ["crop_to_aspect_ratio", "pad_to_aspect_ratio"])
def test_resizing_to_the_aspect_ratio(compare, size, option):
    compare(lambda tf: _apply(tf, lambda L: L.Resizing(*size, fill_value=-1.0, **{option: True}),
                              RECT), atol=1e-5)


def test_resizing_keeps_uint8_rounded_in_training_and_inference(compare):
    def program(tf):
        layer = tf.keras.layers.Resizing(3, 3)
        x = tf.constant(U8_5)
        return layer(x), layer(x, training=False), layer(U8_5[0]), tf.keras.layers.Resizing(
            7, 2, interpolation="nearest")(x)
    compare(program)


def test_resizing_uint8_rounds_exact_ties_to_even(compare):
    compare(lambda tf: tf.keras.layers.Resizing(3, 3)(tf.constant(U8)))


@pytest.mark.parametrize("size", [(2, 2), (6, 6), (2, 6), (3, 1), (4, 4)])
def test_center_crop_of_smaller_larger_and_mixed_targets(compare, size):
    compare(lambda tf: _apply(tf, lambda L: L.CenterCrop(*size)), atol=1e-5)


def test_center_crop_outputs_float32_from_uint8_and_takes_unbatched(compare):
    def program(tf):
        layer = tf.keras.layers.CenterCrop(2, 3)
        return layer(tf.constant(U8)), layer(tf.constant(U8[0]), training=False)
    compare(program)


def test_random_crop_of_a_small_input_is_resized_and_inference_is_identity(compare):
    def program(tf):
        L = tf.keras.layers
        small = L.RandomCrop(6, 6, seed=1)
        same = L.RandomCrop(4, 4, seed=1)
        thin = L.RandomCrop(3, 3, seed=1)
        x = tf.constant(SQ)
        return (small(x), same(x), thin(tf.constant(RECT[:, :3])), small(x, training=False),
                small(tf.constant(U8), training=False), same(tf.constant(U8)))
    compare(program, atol=1e-5)


def test_random_crop_window_is_one_of_the_input_windows(tf):
    layer = tf.keras.layers.RandomCrop(3, 4, seed=3)
    x = np.arange(2 * 5 * 6, dtype=np.float32).reshape(2, 5, 6, 1)
    windows = {x[:, i:i + 3, j:j + 4].tobytes() for i in range(3) for j in range(3)}
    for _ in range(5):
        out = np.asarray(layer(tf.constant(x)))
        assert out.shape == (2, 3, 4, 1)
        assert out.tobytes() in windows  # one offset for the whole batch


# -- colour layers ----------------------------------------------------------------------------------
def test_contrast_and_brightness_at_fixed_factors_with_value_range(compare):
    def program(tf):
        L = tf.keras.layers
        x = tf.constant(IMG)
        return [L.RandomContrast((0.0, 0.0))(x), L.RandomContrast((-0.5, 0.5), value_range=(0, 1))(x),
                L.RandomContrast((-1.0, 1.0), value_range=(0.2, 0.8))(x),
                L.RandomBrightness((0.5, 0.5), value_range=(0, 255))(x * 255),
                L.RandomBrightness((-0.25, -0.25), value_range=(0, 1))(x),
                L.RandomBrightness((0.3, 0.3), value_range=(1, -1))(x)]
    compare(program, atol=1e-5)


def test_brightness_keeps_uint8_and_contrast_on_uint8_raises_in_training(compare):
    def program(tf):
        L = tf.keras.layers
        x = tf.constant(U8)
        return (L.RandomBrightness((0.1, 0.1))(x), L.RandomBrightness(0.2)(x, training=False),
                L.RandomContrast(0.2)(x, training=False))
    compare(program)

    @raises("InvalidArgumentError")
    def contrast_uint8(tf):
        return tf.keras.layers.RandomContrast(0.2)(tf.constant(U8))
    compare(contrast_uint8)


def test_contrast_factor_draws_only_higher_contrast_for_a_number(tf):
    x = tf.constant(IMG)
    layer = tf.keras.layers.RandomContrast(0.4, value_range=(-10, 10), seed=2)
    mean = IMG.mean(axis=(1, 2), keepdims=True)
    for _ in range(4):
        scale = (np.asarray(layer(x)) - mean) / (IMG - mean)
        per_image = scale.reshape(3, -1)
        assert np.allclose(per_image, per_image[:, :1], atol=1e-3)
        assert np.all(per_image[:, 0] >= 1 - 1e-4) and np.all(per_image[:, 0] <= 1.4 + 1e-4)


# -- dtypes and inference -------------------------------------------------------------------------
LAYERS = [("RandomFlip", ()), ("RandomRotation", (0.2,)), ("RandomZoom", (0.2,)),
          ("RandomTranslation", (0.1, 0.1)), ("RandomContrast", (0.2,)),
          ("RandomBrightness", (0.2,)), ("RandomCrop", (3, 3)), ("Resizing", (3, 3)),
          ("CenterCrop", (3, 3))]


@pytest.mark.parametrize("name,args", LAYERS)
def test_inference_output_dtype_shape_and_values(compare, name, args):
    def program(tf):
        layer = getattr(tf.keras.layers, name)(*args, seed=4) if name.startswith("Random") else \
            getattr(tf.keras.layers, name)(*args)
        x = tf.constant(U8_5)
        out = layer(x, training=False)
        model = tf.keras.Sequential([tf.keras.Input((5, 5, 3)), layer])
        return out, model.predict(U8_5.astype(np.float32), verbose=0)
    compare(program)


@pytest.mark.parametrize("name,args", [item for item in LAYERS if item[0] not in
                                       ("RandomContrast",)])
def test_training_output_dtype_and_shape_from_uint8(compare, name, args):
    def program(tf):
        layer = getattr(tf.keras.layers, name)(*args)
        out = layer(tf.constant(U8))
        return out.dtype, tuple(out.shape)
    compare(program)


def test_direct_call_augments_and_model_call_augments_but_predict_does_not(compare):
    def program(tf):
        L = tf.keras.layers
        x = tf.constant(SQ)
        rotate = L.RandomRotation((0.25, 0.25))
        model = tf.keras.Sequential([tf.keras.Input((4, 4, 1)), rotate])
        return rotate(x), model(x), model(x, training=False), model.predict(SQ, verbose=0)
    compare(program, atol=1e-5)


def test_symbolic_output_shapes(compare):
    def program(tf):
        L = tf.keras.layers
        x = tf.keras.Input((8, 6, 3))
        return [tuple(layer(x).shape) for layer in
                (L.RandomFlip(), L.RandomRotation(0.1), L.Resizing(4, 5), L.CenterCrop(3, 2),
                 L.RandomCrop(2, 2), L.RandomZoom(0.1))]
    compare(program)


# -- configs ----------------------------------------------------------------------------------------
CONFIG_CASES = [
    ("RandomFlip", (), dict(mode="horizontal", seed=3)),
    ("RandomRotation", (0.2,), {}), ("RandomRotation", ((-0.1, 0.3),), dict(fill_mode="constant")),
    ("RandomRotation", (1,), dict(interpolation="nearest", fill_value=2.0, seed=1)),
    ("RandomZoom", (0.2,), {}), ("RandomZoom", ((0.1, -0.3),), dict(width_factor=0.4)),
    ("RandomTranslation", (0.1, 0.2), dict(fill_mode="wrap")),
    ("RandomContrast", (0.2,), {}), ("RandomContrast", ((0.1, 0.3),), dict(value_range=(0, 1))),
    ("RandomBrightness", (0.2,), {}), ("RandomBrightness", ((-0.1, 0.4),), dict(value_range=(1, 0))),
    ("Resizing", (2, 3), dict(interpolation="nearest", crop_to_aspect_ratio=True)),
    ("CenterCrop", (2, 3), {}), ("RandomCrop", (2, 3), dict(seed=5)),
]


@pytest.mark.parametrize("name,args,kwargs", CONFIG_CASES)
def test_get_config_and_from_config_round_trip(compare, name, args, kwargs):
    def program(tf):
        cls = getattr(tf.keras.layers, name)
        config = cls(*args, name="img", **kwargs).get_config()
        config.pop("dtype")
        again = cls.from_config(dict(config)).get_config()
        again.pop("dtype")
        # Keras keeps a list attribute as its TrackedList (a list)
        return [{k: list(v) if isinstance(v, list) else v for k, v in c.items()}
                for c in (config, again)]
    compare(program)


def test_random_crop_without_seed_reports_a_drawn_int_seed(tf):
    seed = tf.keras.layers.RandomCrop(2, 2).get_config()["seed"]
    assert isinstance(seed, int) and 1 <= seed <= 10**9


# -- errors ------------------------------------------------------------------------------------------
BAD = [
    ("NotImplementedError", "RandomRotation", (0.2,), dict(fill_mode="x")),
    ("NotImplementedError", "RandomRotation", (0.2,), dict(interpolation="bicubic")),
    ("NotImplementedError", "RandomZoom", (0.2,), dict(fill_mode="mirror")),
    ("NotImplementedError", "RandomTranslation", (0.2, 0.1), dict(interpolation="area")),
    ("ValueError", "RandomRotation", (1.5,), {}), ("ValueError", "RandomRotation", ("a",), {}),
    ("ValueError", "RandomRotation", ((0.1, 0.2, 0.3),), {}),
    ("ValueError", "RandomZoom", (1.5,), {}), ("ValueError", "RandomZoom", (-1.0,), {}),
    ("ValueError", "RandomZoom", (0.1,), dict(width_factor=2)),
    ("ValueError", "RandomZoom", ((0.1, 0.2, 0.3),), {}),
    ("ValueError", "RandomTranslation", (2.0, 0.1), {}),
    ("ValueError", "RandomTranslation", (0.1, "x"), {}),
    ("ValueError", "RandomContrast", (1.5,), {}), ("ValueError", "RandomContrast", (-0.1,), {}),
    ("ValueError", "RandomContrast", ((0.5, -0.5),), {}),
    ("ValueError", "RandomBrightness", (2.0,), {}),
    ("ValueError", "RandomBrightness", ((0.1, 0.2, 0.3),), {}),
    ("ValueError", "RandomBrightness", (0.1,), dict(value_range=5)),
    ("ValueError", "RandomFlip", (), dict(data_format="nchw")),
]


@pytest.mark.parametrize("error,name,args,kwargs", BAD)
def test_bad_constructor_arguments_raise_keras_errors(compare, error, name, args, kwargs):
    @raises(error)
    def program(tf):
        getattr(tf.keras.layers, name)(*args, **kwargs)
    compare(program)


@pytest.mark.parametrize("make", [
    lambda L: L.Resizing(2, 2, interpolation="cubic"),
    lambda L: L.Resizing(2, 2, fill_mode="reflect"),
    lambda L: L.Resizing(2, 2, crop_to_aspect_ratio=True, pad_to_aspect_ratio=True),
    lambda L: L.RandomRotation(0.1), lambda L: L.RandomFlip(),
])
def test_bad_calls_raise_keras_errors(compare, make):
    @raises("ValueError")
    def program(tf):
        layer = make(tf.keras.layers)
        x = SQ if not isinstance(layer, (tf.keras.layers.RandomRotation, tf.keras.layers.RandomFlip)) \
            else SQ[0, :, :, 0]
        return layer(tf.constant(x))
    compare(program)


def test_an_unknown_flip_mode_is_accepted_and_flips_nothing(compare):
    compare(lambda tf: _apply(tf, lambda L: L.RandomFlip("diagonal"), IMG))


# -- random draws: properties that hold on both -------------------------------------------------------
@pytest.mark.parametrize("mode", ["horizontal", "vertical", "horizontal_and_vertical"])
def test_random_flip_gives_the_input_or_its_mirror_and_both_occur(tf, mode):
    x = np.repeat(RECT, 64, axis=0)
    out = np.asarray(tf.keras.layers.RandomFlip(mode, seed=7)(tf.constant(x)))
    flipped = {"horizontal": RECT[0, :, ::-1], "vertical": RECT[0, ::-1],
               "horizontal_and_vertical": RECT[0, ::-1, ::-1]}[mode]
    same = np.all(out == RECT[0], axis=(1, 2, 3))
    mirrored = np.all(out == flipped, axis=(1, 2, 3))
    assert np.all(same | mirrored)
    assert same.any() and mirrored.any()


def test_random_rotation_keeps_shape_and_value_range(tf):
    x = np.repeat(IMG, 8, axis=0)
    out = np.asarray(tf.keras.layers.RandomRotation(0.3, seed=1)(tf.constant(x)))
    assert out.shape == x.shape and out.dtype == np.float32
    assert out.min() >= -1e-6 and out.max() <= 1 + 1e-6
    assert not np.allclose(out[0], out[1]) or not np.allclose(out[0], x[0])


@pytest.mark.parametrize("make", [
    lambda L, s: L.RandomFlip(seed=s), lambda L, s: L.RandomRotation(0.3, seed=s),
    lambda L, s: L.RandomZoom(0.3, 0.2, seed=s), lambda L, s: L.RandomTranslation(0.2, 0.3, seed=s),
    lambda L, s: L.RandomContrast(0.5, seed=s), lambda L, s: L.RandomBrightness(0.3, seed=s),
    lambda L, s: L.RandomCrop(2, 3, seed=s)])
def test_same_seed_gives_the_same_draws_and_successive_calls_differ(tf, make):
    x = tf.constant(np.repeat(IMG, 4, axis=0) * 100)
    first, second = make(tf.keras.layers, 11), make(tf.keras.layers, 11)
    a1, b1 = np.asarray(first(x)), np.asarray(second(x))
    np.testing.assert_array_equal(a1, b1)
    draws = [a1] + [np.asarray(first(x)) for _ in range(4)]
    assert any(not np.array_equal(a1, d) for d in draws[1:])


def test_augmentation_model_trains_in_fit_and_predict_is_identity(tf):
    L = tf.keras.layers
    augment = tf.keras.Sequential([L.RandomFlip("horizontal", seed=1), L.RandomRotation(0.1, seed=2),
                                   L.RandomZoom(0.1, seed=3), L.RandomTranslation(0.1, 0.1, seed=4),
                                   L.RandomContrast(0.1, seed=5), L.RandomBrightness(0.1, seed=6)])
    model = tf.keras.Sequential([tf.keras.Input((8, 8, 2)), L.Resizing(6, 6), L.Rescaling(1 / 255.0),
                                 augment, L.Conv2D(3, 3, activation="relu"), L.Flatten(),
                                 L.Dense(2)])
    model.compile(optimizer="adam",
                  loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    x = (np.random.RandomState(1).rand(16, 8, 8, 2) * 255).astype(np.float32)
    y = np.arange(16) % 2
    history = model.fit(x, y, batch_size=8, epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2 and np.all(np.isfinite(history.history["loss"]))
    out = model.predict(x, verbose=0)
    assert out.shape == (16, 2)
    head = tf.keras.Sequential([tf.keras.Input((8, 8, 2)), L.Resizing(6, 6), L.Rescaling(1 / 255.0)])
    np.testing.assert_allclose(np.asarray(augment(head(x), training=False)), np.asarray(head(x)),
                               rtol=1e-6)


def test_augmentation_inside_a_compiled_function_draws_anew_each_call(tf):
    L = tf.keras.layers
    augment = tf.keras.Sequential([L.RandomFlip(seed=1), L.RandomRotation(0.2, seed=2),
                                   L.RandomZoom(0.2, seed=3)])

    @tf.function
    def step(images):
        return augment(images, training=True)
    x = tf.constant(np.repeat(IMG, 4, axis=0))
    first, second = np.asarray(step(x)), np.asarray(step(x))
    assert first.shape == second.shape == (12, 6, 5, 2)
    assert np.all(np.isfinite(first)) and not np.array_equal(first, second)
    np.testing.assert_array_equal(np.asarray(augment(x, training=False)), np.asarray(x))


def test_weights_exclude_the_seed_generator_state(compare):
    def program(tf):
        L = tf.keras.layers
        flip = L.RandomFlip(seed=1)
        model = tf.keras.Sequential([tf.keras.Input((4, 4, 1)), flip, L.Flatten(), L.Dense(2)])
        return len(flip.weights), len(model.weights), len(model.trainable_weights)
    compare(program)


def test_variables_include_the_seed_generator_state(compare):
    def program(tf):
        L = tf.keras.layers
        flip = L.RandomFlip(seed=1)
        model = tf.keras.Sequential([tf.keras.Input((4, 4, 1)), flip, L.Flatten(), L.Dense(2)])
        return len(flip.variables), len(model.variables), len(model.non_trainable_variables)
    compare(program)


def test_the_seed_generator_state_is_not_a_weight(compare):
    def program(tf):
        L = tf.keras.layers
        flip = L.RandomFlip(seed=1)
        model = tf.keras.Sequential([tf.keras.Input((4, 4, 1)), flip, L.Flatten(), L.Dense(2)])
        frozen = L.RandomRotation(0.1, seed=2)
        frozen.trainable = False
        return (len(flip.weights), len(model.weights), len(model.trainable_variables),
                len(model.non_trainable_weights), [str(v.dtype) for v in model.variables],
                len(frozen.non_trainable_variables), len(frozen.trainable_variables))
    compare(program)


def test_negative_brightness_on_uint8_wraps_as_tfs_cast(compare):
    compare(lambda tf: tf.keras.layers.RandomBrightness((-0.1, -0.1))(tf.constant(U8)))


@pytest.mark.parametrize("make", [
    lambda L: L.RandomRotation((0.25, 0.25), dtype="mixed_float16"),
    lambda L: L.RandomZoom((0.5, 0.5), fill_mode="constant", dtype="float16"),
    lambda L: L.Resizing(3, 3, dtype="mixed_float16"), lambda L: L.CenterCrop(2, 2, dtype="float16"),
    lambda L: L.RandomContrast((-0.5, 0.5), value_range=(0, 1), dtype="float16"),
    lambda L: L.RandomBrightness((0.1, 0.1), value_range=(0, 1), dtype="mixed_float16")])
def test_half_precision_policies_compute_and_return_float16(compare, make):
    compare(lambda tf: _apply(tf, make, IMG), rtol=2e-3, atol=2e-3)


def test_augmentation_mapped_over_a_prefetched_dataset_for_many_epochs(tf):
    L = tf.keras.layers
    augment = tf.keras.Sequential([L.RandomFlip("horizontal_and_vertical"), L.RandomRotation(0.2)])
    x = np.random.RandomState(2).rand(96, 12, 12, 3).astype(np.float32)
    ds = tf.data.Dataset.from_tensor_slices((x, np.arange(96))).batch(8)
    ds = ds.map(lambda a, b: (augment(a, training=True), b)).prefetch(tf.data.AUTOTUNE)
    for _ in range(8):
        shapes = [tuple(a.shape) for a, _ in ds]
        assert shapes == [(8, 12, 12, 3)] * 12
