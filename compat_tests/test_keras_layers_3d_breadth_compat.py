"""Keras 3 layers tapejax lacked, on TF 2.21's Keras and on tapejax with the same weights: 3D pooling,
padding, cropping, up-sampling and spatial dropout, AlphaDropout, ThresholdedReLU, RMSNormalization,
EinsumDense, the Wrapper base class, SpectralNormalization and Hashing (outputs, gradients, symbolic shapes,
errors; Hashing's bins are TF's FarmHash and SipHash values)."""

import numpy as np
import pytest

from compat_tests import _harness
from compat_tests._harness import raises

RS = np.random.RandomState(8)
X5 = RS.randn(2, 4, 5, 6, 3).astype(np.float32)
X3 = RS.randn(2, 5, 4).astype(np.float32)


def _run(tf, layer, x, training=None):
    """The output, then the gradients of sum(output * ramp) with respect to the input and the weights."""
    x = tf.constant(x)
    if not layer.built:
        layer.build(tuple(x.shape))
    rs = np.random.RandomState(17)
    layer.set_weights([rs.randn(*w.shape).astype(np.float32) * 0.4 for w in layer.weights])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = layer(x) if training is None else layer(x, training=training)
        ramp = np.linspace(-1, 1, int(np.prod(y.shape)), dtype=np.float32).reshape(y.shape)
        loss = tf.reduce_sum(y * tf.constant(ramp))
    grads = tape.gradient(loss, [x] + list(layer.trainable_weights))
    return [y] + [tf.convert_to_tensor(g) for g in grads]


CASES_5D = [
    ("MaxPooling3D", {}), ("MaxPooling3D", dict(pool_size=3, strides=2, padding="same")),
    ("MaxPooling3D", dict(pool_size=(2, 1, 3), data_format="channels_first")), ("MaxPool3D", dict(strides=1)),
    ("AveragePooling3D", dict(pool_size=2)), ("AveragePooling3D", dict(pool_size=(2, 2, 2), strides=1, padding="same")),
    ("AveragePooling3D", dict(pool_size=(1, 2, 2), padding="same", data_format="channels_first")),
    ("AvgPool3D", dict(pool_size=(3, 2, 2), strides=(1, 2, 3))),
    ("GlobalAveragePooling3D", {}), ("GlobalMaxPooling3D", dict(keepdims=True)),
    ("GlobalAvgPool3D", dict(data_format="channels_first")), ("GlobalMaxPool3D", dict(data_format="channels_first",
                                                                                      keepdims=True)),
    ("ZeroPadding3D", {}), ("ZeroPadding3D", dict(padding=2)), ("ZeroPadding3D", dict(padding=(1, 0, 2))),
    ("ZeroPadding3D", dict(padding=((1, 0), (0, 2), (1, 1)), data_format="channels_first")),
    ("Cropping3D", {}), ("Cropping3D", dict(cropping=((1, 0), (0, 2), (2, 1)))),
    ("Cropping3D", dict(cropping=(1, 0, 1), data_format="channels_first")),
    ("UpSampling3D", {}), ("UpSampling3D", dict(size=(1, 2, 3))),
    ("UpSampling3D", dict(size=2, data_format="channels_first")),
    ("SpatialDropout3D", dict(rate=0.5)), ("AlphaDropout", dict(rate=0.3)),
    ("RMSNormalization", {}), ("RMSNormalization", dict(axis=[3, 4], epsilon=1e-3)),
    ("ThresholdedReLU", dict(theta=0.5)), ("ThresholdedReLU", {}),
]


@pytest.mark.parametrize("name, kwargs", CASES_5D)
def test_layer_outputs_and_gradients_equal_keras(compare, name, kwargs):
    def program(tf):
        return _run(tf, getattr(tf.keras.layers, name)(**kwargs), X5)
    compare(program, atol=1e-5)


@pytest.mark.parametrize("name, kwargs", CASES_5D)
def test_layer_symbolic_output_shapes_equal_keras(compare, name, kwargs):
    def program(tf):
        out = getattr(tf.keras.layers, name)(**kwargs)(tf.keras.Input((4, None, 6, 3)))
        return tuple(out.shape)
    compare(program)


def test_spatial_dropout_3d_drops_whole_channels_in_training(compare):
    def program(tf):
        outs = []
        for data_format, axes in (("channels_last", (1, 2, 3)), ("channels_first", (2, 3, 4))):
            y = tf.keras.layers.SpatialDropout3D(0.5, data_format=data_format)(tf.constant(X5 + 10.0),
                                                                              training=True).numpy()
            zero = (y == 0).all(axis=axes)
            kept = np.isclose(y, 2 * (X5 + 10.0)).all(axis=axes)
            outs.append(bool((zero | kept).all()))
        return outs
    compare(program)


def test_alpha_dropout_takes_any_rate_and_keeps_rate_and_seed_in_its_config(compare):
    def program(tf):
        layer = tf.keras.layers.AlphaDropout(1.5, noise_shape=(1, 3), seed=4)
        config = layer.get_config()
        return [config["rate"], config["seed"], "noise_shape" in config]
    compare(program)


def test_alpha_dropout_in_training_takes_keras_two_values_per_entry(compare):
    def program(tf):
        rate, alpha_p = 0.4, -1.6732632423543772 * 1.0507009873554805
        a = ((1 - rate) * (1 + rate * alpha_p ** 2)) ** -0.5
        b = -a * alpha_p * rate
        layer = tf.keras.layers.AlphaDropout(rate, noise_shape=(2, 1, 1, 1, 3))
        y = layer(tf.constant(X5), training=True).numpy()
        kept = np.isclose(y, a * X5 + b, atol=1e-5)
        dropped = np.isclose(y, a * alpha_p + b, atol=1e-5)
        return [y.dtype.name, y.shape, bool((kept | dropped).all()),
                bool((kept == kept[:, :1, :1, :1, :]).all()), layer(tf.constant(X5)).numpy()]
    compare(program)


@pytest.mark.parametrize("factory", ["ThresholdedReLU(theta=-1.0)", "ThresholdedReLU(theta=None)",
                                     "ZeroPadding3D(padding=(1, 2))", "Cropping3D(cropping=(1, 2, 3, 4))"])
def test_layers_with_bad_arguments_raise_value_error(compare, factory):
    @raises("ValueError")
    def program(tf):
        return eval("tf.keras.layers." + factory)  # noqa: S307 - the test's own constructor strings
    compare(program)


def test_3d_layers_refuse_inputs_of_another_rank(compare):
    @raises("ValueError")
    def program(tf):
        return tf.keras.layers.MaxPooling3D()(tf.keras.Input((4, 4, 3)))
    compare(program)


EINSUM_CASES = [
    ("ab,bc->ac", 4, "c", (2, 3)), ("ab,bc->ac", 4, None, (2, 3)), ("abc,cd->abd", (None, 4), "d", (2, 5, 3)),
    ("abc,cde->abde", (None, 2, 4), "de", (2, 5, 3)), ("...b,bc->...c", 4, "c", (2, 5, 3)),
    ("abcd,cde->abe", (5, 4), "e", (2, 5, 3, 2)), ("ab...,bc->ac...", (4,), "c", (2, 3, 5)),
]


@pytest.mark.parametrize("equation, output_shape, bias_axes, shape", EINSUM_CASES)
def test_einsum_dense_outputs_weights_and_gradients_equal_keras(compare, equation, output_shape, bias_axes, shape):
    def program(tf):
        layer = tf.keras.layers.EinsumDense(equation, output_shape=output_shape, bias_axes=bias_axes,
                                            activation="tanh")
        x = np.linspace(-1, 1, int(np.prod(shape)), dtype=np.float32).reshape(shape)
        layer.build(shape)
        weights = [(w.path.split("/", 1)[1], tuple(w.shape)) for w in layer.weights]  # (own name: run order)
        symbolic = tuple(tf.keras.layers.EinsumDense(equation, output_shape=output_shape, bias_axes=bias_axes)(
            tf.keras.Input(shape[1:])).shape)
        return [weights, symbolic] + _run(tf, layer, x)
    compare(program, atol=1e-5)


def test_einsum_dense_draws_its_glorot_kernel_within_the_limit_of_its_equations_fans(compare):
    def program(tf):
        layer = tf.keras.layers.EinsumDense("abc,cde->abde", output_shape=(None, 8, 16))
        layer.build((2, 5, 32))
        kernel = layer.kernel.numpy()
        limit = np.sqrt(6.0 / (32 + 8 * 16))  # fans from the equation's axes (32 in, 8 * 16 out)
        return [kernel.shape, bool(np.abs(kernel).max() <= limit), bool(np.abs(kernel).max() > 0.8 * limit)]
    compare(program)


@pytest.mark.parametrize("equation, bias_axes", [("ab,bc", None), ("ab,bc->ac", "x"), ("ab,bd->ac", None)])
def test_einsum_dense_with_a_bad_equation_or_bias_axes_raises_value_error(compare, equation, bias_axes):
    @raises("ValueError")
    def program(tf):
        tf.keras.layers.EinsumDense(equation, output_shape=4, bias_axes=bias_axes).build((2, 3))
    compare(program)


def test_a_user_wrapper_builds_and_calls_its_layer(compare):
    def program(tf):
        class Doubled(tf.keras.layers.Wrapper):
            def call(self, inputs):
                return 2.0 * self.layer(inputs)

        wrapper = Doubled(tf.keras.layers.Dense(2, name="inner"))
        wrapper.build((None, 4))
        out = _run(tf, wrapper, X3[:, 0])
        paths = [w.path.split("/", 1)[1] for w in wrapper.weights]  # inner/kernel under the wrapper's own name
        return [wrapper.layer.built, paths, len(wrapper.trainable_weights)] + out
    compare(program)


def test_a_wrapper_of_something_that_is_not_a_layer_raises_value_error(compare):
    @raises("ValueError")
    def program(tf):
        return tf.keras.layers.Wrapper(3)
    compare(program)


def test_convolution_1d_transpose_is_conv_1d_transpose(compare):
    def program(tf):
        return tf.keras.layers.Convolution1DTranspose is tf.keras.layers.Conv1DTranspose
    compare(program)


@pytest.mark.parametrize("inner, shape, iterations", [("Dense", (2, 4), 1), ("Conv2D", (2, 5, 5, 2), 3)])
def test_spectral_normalization_divides_the_kernel_by_its_largest_singular_value_in_training(
        compare, inner, shape, iterations):
    def program(tf):
        layers = tf.keras.layers
        layer = layers.Dense(3) if inner == "Dense" else layers.Conv2D(3, 2)
        wrapper = layers.SpectralNormalization(layer, power_iterations=iterations)
        x = np.linspace(-1, 1, int(np.prod(shape)), dtype=np.float32).reshape(shape)
        wrapper.build(x.shape)
        rs = np.random.RandomState(3)
        wrapper.set_weights([rs.randn(*w.shape).astype(np.float32) for w in wrapper.weights])
        names = [w.name for w in wrapper.weights]
        inference = wrapper(x)
        with tf.GradientTape() as tape:
            out = wrapper(x, training=True)
            loss = tf.reduce_sum(out * out)
        grads = tape.gradient(loss, wrapper.trainable_weights)
        return [names, [w.trainable for w in wrapper.weights], inference, out, wrapper.vector_u.numpy(),
                wrapper.kernel.numpy(), np.linalg.svd(wrapper.kernel.numpy().reshape(-1, 3), compute_uv=False)[0],
                [tf.convert_to_tensor(g) for g in grads]]
    compare(program, atol=1e-4, rtol=1e-4)


def test_spectral_normalization_trains_inside_fit(compare):
    def program(tf):
        model = tf.keras.Sequential([tf.keras.Input((4,)), tf.keras.layers.SpectralNormalization(
            tf.keras.layers.Dense(2))])
        rs = np.random.RandomState(5)
        model.set_weights([rs.randn(*w.shape).astype(np.float32) for w in model.weights])
        model.compile(optimizer=tf.keras.optimizers.SGD(0.1), loss="mse")
        history = model.fit(rs.randn(6, 4).astype(np.float32), rs.randn(6, 2).astype(np.float32), batch_size=3,
                            epochs=2, shuffle=False, verbose=0)
        return [history.history["loss"], model.get_weights()]
    compare(program, atol=1e-5, rtol=1e-4)


@pytest.mark.parametrize("make", ["SpectralNormalization(tf.keras.layers.Dense(2), power_iterations=0)",
                                  "SpectralNormalization(tf.keras.layers.ReLU()).build((None, 3))"])
def test_spectral_normalization_with_bad_arguments_raises_value_error(compare, make):
    @raises("ValueError")
    def program(tf):
        return eval("tf.keras.layers." + make)  # noqa: S307 - the test's own constructor strings
    compare(program)


WORDS = [["apple", "pear"], ["", "kiwi"], ["héllo wörld", "a much longer string of text"]]


@pytest.mark.parametrize("kwargs, data", [
    (dict(num_bins=5), WORDS), (dict(num_bins=1000), WORDS), (dict(num_bins=7, mask_value=""), WORDS),
    (dict(num_bins=7, salt=133), WORDS), (dict(num_bins=9, salt=(2 ** 40 + 7, 12345)), WORDS),
    (dict(num_bins=5, mask_value="kiwi", salt=[1, 2]), WORDS),
    (dict(num_bins=6), [[1, 2, 3], [40, -5, 0]]), (dict(num_bins=6, mask_value=0), [[1, 2, 3], [40, -5, 0]]),
    (dict(num_bins=6), [1.5, 2.5, -7.9]),
    (dict(num_bins=4, output_mode="one_hot"), ["a", "b", "c"]),
    (dict(num_bins=4, output_mode="one_hot"), [["a"], ["b"]]),
    (dict(num_bins=4, output_mode="multi_hot"), [["a", "b"], ["c", "c"]]),
    (dict(num_bins=4, output_mode="count"), [["a", "b"], ["c", "c"]]),
    (dict(num_bins=4, dtype="int32"), ["a", "b"]),
])
def test_hashing_gives_tfs_bins(compare, kwargs, data):
    def program(tf):
        layer = tf.keras.layers.Hashing(**kwargs)
        config = {k: list(v) if isinstance(v, list) else v for k, v in layer.get_config().items()
                  if k in ("num_bins", "salt", "mask_value", "output_mode", "sparse")}  # (Keras' TrackedList)
        return [layer(tf.constant(data)), layer(data), config]
    compare(program)


def test_hashing_in_a_functional_model_gives_int64_bins_of_the_input_shape(compare):
    def program(tf):
        inputs = tf.keras.Input((2,), dtype="string")
        out = tf.keras.layers.Hashing(10)(inputs)
        model = tf.keras.Model(inputs, out)
        return [tuple(out.shape), out.dtype, model.predict(tf.constant(WORDS), verbose=0)]
    compare(program)


@pytest.mark.parametrize("kwargs", [dict(num_bins=0), dict(num_bins=3, output_mode="x"),
                                    dict(num_bins=3, dtype="float32"), dict(num_bins=3, sparse=True),
                                    dict(num_bins=3, salt=[1, 2, 3])])
def test_hashing_with_bad_arguments_raises_value_error(compare, kwargs):
    @raises("ValueError")
    def program(tf):
        return tf.keras.layers.Hashing(**kwargs)
    compare(program)


def test_a_pipeline_runs_its_layers_in_order_and_trains_them_by_default(compare):
    def program(tf):
        layers = tf.keras.layers
        pipeline = layers.Pipeline([layers.Rescaling(0.5, offset=1.0), layers.Dropout(0.5)])
        x = np.linspace(1, 2, 200, dtype=np.float32).reshape(10, 20)
        trained = pipeline(x).numpy()  # training=True by default: dropout drops
        kept = np.isclose(trained, 2 * (0.5 * x + 1.0))
        return [bool(((trained == 0) | kept).all()), bool((trained == 0).any()), pipeline(x, training=False),
                [type(layer).__name__ for layer in pipeline.layers], pipeline.get_config()["name"]]
    compare(program)


def test_a_pipeline_of_layers_with_weights_computes_and_differentiates_as_keras(compare):
    def program(tf):
        layers = tf.keras.layers
        pipeline = layers.Pipeline([layers.Dense(3, activation="relu"), layers.Dense(2)])
        pipeline(X3[:, 0])  # built by its first call
        return [[w.name for w in pipeline.weights]] + _run(tf, pipeline, X3[:, 0], training=False)
    compare(program, atol=1e-5)


def _pipeline_model(tf):
    layers = tf.keras.layers
    model = tf.keras.Sequential([tf.keras.Input((3,)), layers.Pipeline([layers.Rescaling(0.5, offset=0.25),
                                                                        layers.Dense(2)])])
    model.set_weights([np.arange(6, dtype=np.float32).reshape(3, 2) / 5, np.ones(2, np.float32)])
    return model


@pytest.mark.parametrize("writer", _harness.BACKENDS)
def test_a_model_with_a_pipeline_saved_by_either_backend_loads_on_both(compare, tmp_path, writer):
    path = str(tmp_path / "pipeline.keras")
    _pipeline_model(_harness.load(writer)).save(path)

    def program(tf):
        model = tf.keras.models.load_model(path)
        return [[type(layer).__name__ for layer in model.layers[0].layers],
                model.predict(np.linspace(-1, 1, 6, dtype=np.float32).reshape(2, 3), verbose=0)]
    compare(program)


def _mixed_model(tf, legacy):
    layers = tf.keras.layers
    inputs = tf.keras.Input((4, 4, 4, 2))
    x = layers.ZeroPadding3D(1)(inputs)
    x = layers.MaxPooling3D()(x)
    x = layers.Cropping3D(((0, 1), (0, 1), (1, 0)))(x)
    x = layers.UpSampling3D((1, 2, 1))(x)
    x = layers.SpatialDropout3D(0.3)(x)
    x = layers.AveragePooling3D(1)(x)
    x = layers.Reshape((-1, 2))(x)
    x = layers.EinsumDense("abc,cd->abd", output_shape=(None, 3), bias_axes="d")(x)
    x = layers.RMSNormalization()(x)
    x = layers.SpectralNormalization(layers.Dense(2))(x)
    x = layers.GlobalAveragePooling1D()(x)
    if legacy:  # TF 2.21's tf.keras exports these two from keras._legacy.layers
        x = layers.ThresholdedReLU(0.1)(layers.AlphaDropout(0.2)(x))
    model = tf.keras.Model(inputs, x)
    rs = np.random.RandomState(12)
    model.set_weights([rs.randn(*w.shape).astype(np.float32) for w in model.weights])
    return model


@pytest.mark.parametrize("legacy", [False, True], ids=["keras_layers", "legacy_layers"])
@pytest.mark.parametrize("writer", _harness.BACKENDS)
def test_a_model_of_the_new_layers_saved_by_either_backend_loads_on_both(compare, tmp_path, writer, legacy):
    path = str(tmp_path / "mixed.keras")
    _mixed_model(_harness.load(writer), legacy).save(path)

    def program(tf):
        model = tf.keras.models.load_model(path)
        return [[type(layer).__name__ for layer in model.layers], model.predict(X5[:, :4, :4, :4, :2], verbose=0)]
    compare(program, atol=1e-5)


def test_layers_serialize_and_deserialize_round_trip_a_layer(compare):
    def program(tf):
        layers = tf.keras.layers
        dense = layers.Dense(3, activation="relu", name="d")
        config = layers.serialize(dense)
        fresh = layers.deserialize(config)
        dense(np.ones((1, 2), np.float32))
        built = layers.deserialize(layers.serialize(dense))
        lstm = layers.deserialize(layers.serialize(layers.LSTM(2, return_sequences=True, name="l")))
        return [sorted(config), config["module"], config["class_name"], config["config"]["units"],
                (type(fresh).__name__, fresh.name, fresh.units, fresh.activation.__name__, fresh.built),
                layers.serialize(dense)["build_config"], built.built, [tuple(w.shape) for w in built.weights],
                (type(lstm).__name__, lstm.units, lstm.return_sequences)]
    compare(program)


def test_layers_deserialize_of_an_unknown_keras_class_raises_value_error(compare):
    @raises("ValueError")
    def program(tf):
        return tf.keras.layers.deserialize({"module": "keras.layers", "class_name": "NoSuchLayer", "config": {}})
    compare(program)


@pytest.mark.parametrize("kwargs, first, second", [
    (dict(num_bins=10), [["a"], ["bb"], ["héllo"]], [[1], [22], [-3]]),
    (dict(num_bins=1000), ["a", "bb", "héllo"], [1, 22, -3]),
    (dict(num_bins=97), ["x", "y"], ["x", "z"]), (dict(num_bins=50), [5, 6], [7, 2 ** 40]),
    (dict(num_bins=7), "a", 1),
    (dict(num_bins=5, output_mode="one_hot"), ["a", "b"], [1, 2]),
    (dict(num_bins=5, output_mode="one_hot"), [["a"], ["b"]], [[1], [2]]),
    (dict(num_bins=5, output_mode="one_hot"), "a", 1),
])
def test_hashed_crossing_gives_tfs_crossed_bins(compare, kwargs, first, second):
    def program(tf):
        layer = tf.keras.layers.HashedCrossing(**kwargs)
        config = {k: v for k, v in layer.get_config().items() if k != "name"}
        return [layer((tf.constant(first), tf.constant(second))), config]
    compare(program)


def test_hashed_crossing_of_three_features_and_in_a_functional_model(compare):
    def program(tf):
        layer = tf.keras.layers.HashedCrossing(20)
        three = layer((tf.constant(["a", "b"]), tf.constant([1, 2]), tf.constant(["c", "d"])))
        inputs = (tf.keras.Input((1,), dtype="string"), tf.keras.Input((1,), dtype="int64"))
        out = tf.keras.layers.HashedCrossing(10)(inputs)
        model = tf.keras.Model(inputs, out)
        return [three, tuple(out.shape), out.dtype,
                model.predict((tf.constant([["a"], ["b"]]), tf.constant([[1], [2]], tf.int64)), verbose=0)]
    compare(program)


@pytest.mark.parametrize("make", ["HashedCrossing(5, output_mode='x')", "HashedCrossing(5)(tf.constant([1]))",
                                  "HashedCrossing(5)([tf.constant([1])])",
                                  "HashedCrossing(5)((tf.constant([[1, 2]]), tf.constant([[1, 2]])))",
                                  "HashedCrossing(5)((tf.constant([1, 2]), tf.constant([1])))",
                                  "HashedCrossing(5)((tf.constant([1.0]), tf.constant([1])))"])
def test_hashed_crossing_with_bad_arguments_or_inputs_raises_value_error(compare, make):
    @raises("ValueError")
    def program(tf):
        return eval("tf.keras.layers." + make)  # noqa: S307 - the test's own constructor strings
    compare(program, messages=False)  # (Keras' messages print the tensors)
