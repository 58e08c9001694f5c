"""Keras 3 (TF 2.21) behaviours that public programs need, on TF and on tapejax: InputLayer's old
argument names, (de)serialization of initializers/activations/regularizers/constraints,
`keras.random`, `to_categorical`'s dtype, mixed precision and `keras.datasets`' cache layout."""

import warnings

import numpy as np
import pytest

from compat_tests._harness import raises


def _caught(fn):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = fn()
        except Exception as e:  # noqa: BLE001 - the exception is the outcome compared
            result = (type(e).__name__, str(e))
    return result, [(w.category.__name__, str(w.message)) for w in caught]


@pytest.mark.parametrize("kwargs", [
    dict(input_shape=(28, 28, 1)),
    dict(input_shape=(4,), batch_size=5),
    dict(batch_input_shape=(3, 2)),
    dict(input_shape=(2,), shape=(3,)),
    dict(shape=(2,), batch_shape=(3, 2)),
    dict(batch_size=2, batch_shape=(2, 3)),
    dict(),
], ids=["input_shape", "input_shape_batch_size", "batch_input_shape", "input_shape_wins",
        "shape_and_batch_shape", "batch_size_and_batch_shape", "nothing"])
def test_input_layer_takes_input_shape_and_batch_input_shape(compare, kwargs):
    def program(tf):
        def make():
            layer = tf.keras.layers.InputLayer(**kwargs)
            return layer.batch_shape, tuple(layer.output.shape), layer.dtype
        return _caught(make)
    compare(program)


def test_sequential_starting_with_an_input_layer_given_input_shape(compare):
    def program(tf):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = tf.keras.Sequential([tf.keras.layers.InputLayer(input_shape=(4,)),
                                         tf.keras.layers.Dense(2)])
        return len(model.layers), tuple(model.output_shape), [tuple(w.shape) for w in model.weights]
    compare(program)


_INITIALIZERS = [("GlorotUniform", {}), ("GlorotNormal", {"seed": 1}), ("HeNormal", {"seed": 3}),
                 ("HeUniform", {}), ("LecunNormal", {}), ("LecunUniform", {}), ("Zeros", {}),
                 ("Ones", {}), ("Constant", {"value": 2.0}), ("RandomNormal", {"stddev": 0.1}),
                 ("RandomUniform", {"minval": -1.0}), ("TruncatedNormal", {"mean": 1.0}),
                 ("VarianceScaling", {"scale": 2.0, "mode": "fan_out"}), ("Orthogonal", {})]


@pytest.mark.parametrize("name,kwargs", _INITIALIZERS, ids=[n for n, _ in _INITIALIZERS])
def test_initializers_serialize_deserialize_and_get_round_trip(compare, name, kwargs):
    def program(tf):
        init = getattr(tf.keras.initializers, name)(**kwargs)
        config = tf.keras.initializers.serialize(init)
        back = tf.keras.initializers.deserialize(config)
        got = tf.keras.initializers.get(config)
        return (config, type(back).__name__, back.get_config(), type(got).__name__,
                isinstance(init, tf.keras.initializers.Initializer))
    compare(program)


@pytest.mark.parametrize("identifier", ["he_normal", "HeNormal", "glorot_uniform", "zeros",
                                        "random_normal", "orthogonal", "nope", 3, None])
def test_initializers_get_by_name(compare, identifier):
    @raises("ValueError", optional_=True)
    def program(tf):
        got = tf.keras.initializers.get(identifier)
        return None if got is None else (type(got).__name__, got.get_config())
    compare(program)


def test_initializers_get_passes_instances_and_instantiates_classes(compare):
    def program(tf):
        init = tf.keras.initializers.HeNormal(seed=4)
        return (tf.keras.initializers.get(init) is init,
                type(tf.keras.initializers.get(tf.keras.initializers.Ones)).__name__,
                tf.keras.initializers.serialize(None), tf.keras.initializers.deserialize(None))
    compare(program)


@pytest.mark.parametrize("name", ["relu", "softmax", "linear", "tanh", "sigmoid", "gelu", "elu"])
def test_activations_serialize_functions_by_name_and_deserialize_them(compare, name):
    def program(tf):
        fn = getattr(tf.keras.activations, name)
        text = tf.keras.activations.serialize(fn)
        back = tf.keras.activations.deserialize(text)
        as_dict = tf.keras.activations.get({"module": "keras.activations", "class_name": "function",
                                            "config": name, "registered_name": "function"})
        return text, back is fn, as_dict is fn, tf.keras.activations.get(name) is fn
    compare(program)


@pytest.mark.parametrize("value", ["relu", "custom"])
def test_activations_serialize_refuses_strings_and_gives_other_functions_a_dict(compare, value):
    @raises("ValueError", optional_=True)
    def program(tf):
        def custom(x):
            return x
        return tf.keras.activations.serialize(value if value == "relu" else custom)
    compare(program)


def test_regularizers_and_constraints_serialize_round_trip(compare):
    def program(tf):
        reg = tf.keras.regularizers.L1L2(l1=0.01, l2=0.02)
        con = tf.keras.constraints.MaxNorm(max_value=2.0)
        rc = tf.keras.regularizers.serialize(reg)
        cc = tf.keras.constraints.serialize(con)
        return (rc, tf.keras.regularizers.deserialize(rc).get_config(), cc,
                tf.keras.constraints.deserialize(cc).get_config())
    compare(program)


def test_custom_layer_get_config_with_a_serialized_initializer(compare):
    def program(tf):
        keras = tf.keras

        class Scale(keras.layers.Layer):
            def __init__(self, initializer="he_normal", **kwargs):
                super().__init__(**kwargs)
                self.initializer = keras.initializers.get(initializer)

            def build(self, input_shape):
                self.w = self.add_weight(shape=(input_shape[-1],), initializer=self.initializer)

            def call(self, x):
                return x * self.w

            def get_config(self):
                config = super().get_config()
                config["initializer"] = keras.initializers.serialize(self.initializer)
                return config

        layer = Scale(name="scale")
        layer(np.ones((2, 3), np.float32))
        config = layer.get_config()
        again = Scale.from_config(config)
        return config["initializer"], type(again.initializer).__name__, again.name
    compare(program)


@pytest.mark.parametrize("labels,num_classes", [
    ([0, 2, 1], None), ([0, 2, 1], 4), (np.array([1, 0], np.int32), 3),
    (np.array([[1], [2]]), 3), (np.array([1.0, 2.0], np.float32), 3),
    (np.array([[0, 1], [1, 0]]), None), ([0, 3], 2), (np.array(3), 5),
], ids=["list", "list_num_classes", "int32", "column", "float_labels", "matrix", "too_few",
        "scalar"])
def test_to_categorical_returns_float64_arrays(compare, labels, num_classes):
    @raises("IndexError", optional_=True)
    def program(tf):
        return tf.keras.utils.to_categorical(labels, num_classes=num_classes)
    compare(program)


@pytest.mark.parametrize("shape", [(3,), (3, 1), (2, 2)])
def test_to_categorical_of_a_tensor_is_a_float32_one_hot_tensor(compare, shape):
    def program(tf):
        labels = tf.constant(np.arange(int(np.prod(shape))).reshape(shape) % 3)
        return tf.keras.utils.to_categorical(labels, num_classes=3)
    compare(program)


_DRAWS = {
    "normal": lambda r, seed: r.normal((2000,), mean=1.0, stddev=2.0, seed=seed),
    "uniform": lambda r, seed: r.uniform((2000,), minval=-1.0, maxval=3.0, seed=seed),
    "truncated_normal": lambda r, seed: r.truncated_normal((2000,), stddev=0.5, seed=seed),
    "randint": lambda r, seed: r.randint((2000,), 2, 9, seed=seed),
    "randint_uint8": lambda r, seed: r.randint((2000,), 0, 4, dtype="uint8", seed=seed),
    "normal_float64": lambda r, seed: r.normal((2000,), dtype="float64", seed=seed),
    "categorical": lambda r, seed: r.categorical(np.log([[0.2, 0.8], [0.9, 0.1]]), 1000,
                                                 seed=seed),
}


def _summary(x):
    """What must match TF: dtype, shape and statistics (the numbers are another stream)."""
    a = np.asarray(x.numpy(), np.float64)
    axis = -1 if a.ndim > 1 else None
    return (x.dtype.name, tuple(x.shape), np.round(a.mean(axis=axis), 1),
            np.round(a.std(axis=axis), 1), float(a.min()) >= -1.0 - 5.0 * 2.0)


@pytest.mark.parametrize("kind", list(_DRAWS))
def test_keras_random_ops_dtypes_shapes_and_statistics(compare, kind):
    def program(tf):
        x = _DRAWS[kind](tf.keras.random, 7)
        return _summary(x)
    compare(program, rtol=0, atol=0.11)


@pytest.mark.parametrize("kind", list(_DRAWS))
def test_keras_random_seeds_repeat_and_seed_generators_move_on(compare, kind):
    def program(tf):
        r = tf.keras.random
        same_int = bool(np.array_equal(_DRAWS[kind](r, 5).numpy(), _DRAWS[kind](r, 5).numpy()))
        other_int = bool(np.array_equal(_DRAWS[kind](r, 5).numpy(), _DRAWS[kind](r, 6).numpy()))
        g1, g2 = r.SeedGenerator(11), r.SeedGenerator(11)
        a1, b1 = _DRAWS[kind](r, g1).numpy(), _DRAWS[kind](r, g1).numpy()
        a2, b2 = _DRAWS[kind](r, g2).numpy(), _DRAWS[kind](r, g2).numpy()
        return (same_int, other_int, bool(np.array_equal(a1, b1)),
                bool(np.array_equal(a1, a2)), bool(np.array_equal(b1, b2)))
    compare(program)


def test_seed_generator_state_config_and_errors(compare):
    def program(tf):
        r = tf.keras.random
        g = r.SeedGenerator(1337)
        first = g.state.numpy()
        drawn = g.next().numpy()
        after = g.state.numpy()
        out = [first, drawn, after, g.state.numpy().dtype, g.get_config()["seed"],
               r.SeedGenerator.from_config(g.get_config()).state.numpy()]
        for bad in [lambda: r.SeedGenerator(1.5), lambda: r.SeedGenerator(1, foo=2),
                    lambda: r.normal((2,), seed=1.5), lambda: r.uniform((2,), dtype="int32"),
                    lambda: r.categorical(np.zeros((3,)), 2)]:
            try:
                bad()
                out.append("ok")
            except ValueError as e:
                out.append(str(e))
        return out
    compare(program)


def test_keras_random_dropout_and_shuffle(compare):
    def program(tf):
        r = tf.keras.random
        x = np.ones((200, 50), np.float32)
        d = r.dropout(x, 0.3, seed=3).numpy()
        kept = float(np.mean(d > 0))
        column = r.dropout(x, 0.5, noise_shape=(None, 1), seed=4).numpy()
        rows_uniform = bool(np.all(column.min(axis=1) == column.max(axis=1)))
        s = r.shuffle(np.arange(12).reshape(6, 2), seed=9).numpy()
        s1 = r.shuffle(np.arange(12).reshape(2, 6), axis=1, seed=9).numpy()
        return (round(kept, 1), sorted(set(np.unique(d).tolist())), rows_uniform,
                sorted(np.unique(column).tolist()), r.dropout(x, 0.0).shape,
                float(r.dropout(x, 1.0).numpy().sum()), sorted(s[:, 0].tolist()),
                bool(np.all(s[:, 1] == s[:, 0] + 1)), sorted(s1[0].tolist()),
                bool(np.all(s1[1] == s1[0] + 6)))
    compare(program, atol=0.05)


def test_keras_random_with_a_seed_generator_inside_tf_function(compare):
    def program(tf):
        r = tf.keras.random
        g = r.SeedGenerator(21)

        @tf.function
        def draw():
            return r.normal((3, 2), seed=g)

        a, b = draw().numpy(), draw().numpy()
        return a.shape, a.dtype, bool(np.array_equal(a, b)), g.state.numpy()
    compare(program)


def _write_idx(path, array, magic):
    import gzip
    header = magic.to_bytes(4, "big") + b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    with gzip.open(path, "wb") as f:
        f.write(header + array.astype(np.uint8).tobytes())


@pytest.fixture
def keras_home(tmp_path, monkeypatch):
    """A temporary KERAS_HOME (Keras 3 reads it when it is imported, so the oracle's copy is
    pointed there too)."""
    home = str(tmp_path / "keras_home")
    monkeypatch.setenv("KERAS_HOME", home)
    try:
        from keras.src.backend import config
        monkeypatch.setattr(config, "_KERAS_DIR", home)
    except ImportError:
        pass
    return home


def test_fashion_mnist_reads_keras_cache_layout(compare, keras_home):
    import os
    d = os.path.join(keras_home, "datasets", "fashion-mnist")
    os.makedirs(d)
    rs = np.random.RandomState(0)
    x_train, x_test = rs.randint(0, 256, (5, 28, 28)), rs.randint(0, 256, (3, 28, 28))
    y_train, y_test = rs.randint(0, 10, 5), rs.randint(0, 10, 3)
    _write_idx(os.path.join(d, "train-labels-idx1-ubyte.gz"), y_train, 2049)
    _write_idx(os.path.join(d, "train-images-idx3-ubyte.gz"), x_train, 2051)
    _write_idx(os.path.join(d, "t10k-labels-idx1-ubyte.gz"), y_test, 2049)
    _write_idx(os.path.join(d, "t10k-images-idx3-ubyte.gz"), x_test, 2051)

    def program(tf):
        return tf.keras.datasets.fashion_mnist.load_data()
    result = compare(program)
    assert result[1][0][1][0][3].shape == (5, 28, 28)


def test_boston_housing_rejects_a_bad_test_split(compare):
    @raises("ValueError")
    def program(tf):
        tf.keras.datasets.boston_housing.load_data(test_split=1.0)
    compare(program)


@pytest.mark.parametrize("name", ["mixed_float16", "mixed_bfloat16", "float16", "float32",
                                  "float64", "bfloat16", "int32", "nope", 3])
def test_mixed_precision_policy_dtypes_and_repr(compare, name):
    @raises("TypeError", "ValueError", optional_=True)
    def program(tf):
        p = tf.keras.mixed_precision.Policy(name)
        return (repr(p), str(p), p.name, p.compute_dtype, p.variable_dtype, p.get_config(),
                p == tf.keras.mixed_precision.Policy(name), type(p).__name__)
    compare(program)


@pytest.mark.parametrize("policy", ["float16", "float64", "bfloat16"])
def test_set_global_policy_of_one_dtype_sets_new_layers_dtype(compare, policy):
    def program(tf):
        mp = tf.keras.mixed_precision
        before = repr(mp.global_policy())
        try:
            mp.set_global_policy(mp.Policy(policy) if policy == "float64" else policy)
            layer = tf.keras.layers.Dense(2)
            y = layer(np.ones((1, 3), np.float32))
            return (before, repr(mp.global_policy()), layer.dtype, layer.compute_dtype,
                    layer.variable_dtype, y.dtype, layer.kernel.numpy().dtype)
        finally:
            mp.set_global_policy("float32")
    compare(program)


def test_set_global_policy_rejects_none(compare):
    @raises("ValueError")
    def program(tf):
        tf.keras.mixed_precision.set_global_policy(None)
    compare(program)
