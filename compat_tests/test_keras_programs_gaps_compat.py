"""Keras 3 (TF 2.21) behaviours the second batch of public programs needs, on TF and on tapejax:
the lookup and text layers (`StringLookup`, `IntegerLookup`, `CategoryEncoding`,
`TextVectorization`) with their `.keras` assets, `keras.utils.pad_sequences`, `keras.ops`' dtype
rules, functional models adjusting an input's rank and matching dict inputs by key, what a custom
`train_step` receives, and a `Normalization` layer's state after loading."""

import os

import numpy as np
import pytest

from compat_tests._harness import raises

_WORDS = np.array([["a"], ["b"], ["c"], ["b"], ["a"], ["d"], ["b"]], dtype=object)
_INTS = np.array([[3], [7], [3], [1], [7], [7], [9]], dtype="int64")


def _values(t):
    return np.asarray(t.numpy()).tolist(), t.dtype.name, tuple(t.shape)


# ---- StringLookup / IntegerLookup ----

@pytest.mark.parametrize("kwargs", [dict(), dict(max_tokens=3), dict(mask_token="[MASK]"),
                                    dict(num_oov_indices=0), dict(oov_token="<oov>")],
                         ids=["default", "max_tokens", "mask_token", "no_oov", "oov_token"])
def test_string_lookup_adapt_orders_by_count_then_token_descending(compare, kwargs):
    def program(tf):
        layer = tf.keras.layers.StringLookup(**kwargs)
        layer.adapt(_WORDS)
        vocab = layer.get_vocabulary()
        return (vocab, [type(v).__name__ for v in vocab], layer.vocabulary_size(),
                layer.get_vocabulary(include_special_tokens=False),
                _values(layer(tf.constant([["a"], ["b"], ["d"]]))))
    compare(program)


def test_string_lookup_maps_unknown_strings_to_the_oov_index_and_the_mask_to_zero(compare):
    def program(tf):
        plain = tf.keras.layers.StringLookup()
        plain.adapt(_WORDS)
        masked = tf.keras.layers.StringLookup(mask_token="[MASK]")
        masked.adapt(_WORDS)
        return (_values(plain(tf.constant(["a", "zzz", "d"]))),
                _values(masked(tf.constant([["[MASK]", "a"], ["q", "c"]]))))
    compare(program)


@pytest.mark.parametrize("mode", ["multi_hot", "one_hot", "count"])
def test_string_lookup_encodings_are_int64_and_a_rank_one_input_is_one_sample(compare, mode):
    def program(tf):
        layer = tf.keras.layers.StringLookup(output_mode=mode)
        layer.adapt(_WORDS)
        padded = tf.keras.layers.StringLookup(output_mode=mode, max_tokens=8, pad_to_max_tokens=True)
        padded.adapt(_WORDS)
        inputs = tf.constant([["a"], ["q"]]) if mode == "one_hot" else tf.constant([["a", "a", "b"], ["q", "c", "c"]])
        return (_values(layer(inputs)), _values(layer(tf.constant(["a", "b"]))), _values(padded(inputs)))
    compare(program)


def test_string_lookup_with_a_given_vocabulary_and_inverted(compare):
    def program(tf):
        given = tf.keras.layers.StringLookup(vocabulary=["x", "y"])
        inverse = tf.keras.layers.StringLookup(vocabulary=["x", "y"], invert=True)
        return (given.get_vocabulary(), _values(given(tf.constant(["y", "x", "w"]))),
                _values(inverse(tf.constant([1, 2, 0]))), list(given.get_config()["vocabulary"]))
    compare(program)


def test_string_lookup_config_matches_keras(compare):
    def program(tf):
        layer = tf.keras.layers.StringLookup(max_tokens=10, mask_token="")
        layer.adapt(_WORDS)
        config = layer.get_config()
        config.pop("dtype")
        return sorted(config.items())
    compare(program)


def test_string_lookup_rejects_a_vocabulary_with_a_repeated_term(compare):
    @raises("ValueError")
    def program(tf):
        tf.keras.layers.StringLookup(vocabulary=["a", "b", "a"])
    compare(program)


def test_string_lookup_without_oov_indices_raises_invalid_argument_for_an_unknown_string(compare):
    def program(tf):
        layer = tf.keras.layers.StringLookup(num_oov_indices=0, vocabulary=["a"])
        try:
            layer(tf.constant(["q"]))
        except Exception as e:  # noqa: BLE001 - the exception class is the outcome compared
            return type(e).__name__
        return "no error"
    compare(program)


@pytest.mark.parametrize("kwargs", [dict(), dict(max_tokens=3), dict(mask_token=0)],
                         ids=["default", "max_tokens", "mask_token"])
def test_integer_lookup_adapt_lookup_and_config(compare, kwargs):
    def program(tf):
        layer = tf.keras.layers.IntegerLookup(**kwargs)
        layer.adapt(_INTS)
        vocab = layer.get_vocabulary()
        config = layer.get_config()
        config.pop("dtype")
        return (vocab, [type(v).__name__ for v in vocab], layer.vocabulary_size(), sorted(config.items()),
                _values(layer(tf.constant([[3], [5], [0], [9]], dtype=tf.int64))))
    compare(program)


def test_integer_lookup_and_category_encoding_train_inside_a_compiled_fit(compare):
    def program(tf):
        lookup = tf.keras.layers.IntegerLookup()
        lookup.adapt(_INTS)
        inputs = tf.keras.Input(shape=(1,), dtype="int64")
        encoded = tf.keras.layers.CategoryEncoding(num_tokens=lookup.vocabulary_size())(lookup(inputs))
        dense = tf.keras.layers.Dense(1, kernel_initializer="ones", use_bias=False)
        model = tf.keras.Model(inputs, dense(encoded))
        model.compile(optimizer=tf.keras.optimizers.SGD(0.5), loss="mse")
        x = np.array([[3], [7], [1], [4]], "int64")
        history = model.fit(x, np.array([1.0, 2.0, 3.0, 4.0], "float32"), epochs=2, batch_size=4, verbose=0)
        return (tuple(encoded.shape), encoded.dtype, history.history["loss"],
                np.asarray(dense.kernel.numpy()))
    compare(program)


# ---- CategoryEncoding ----

@pytest.mark.parametrize("mode", ["multi_hot", "one_hot", "count"])
def test_category_encoding_shapes_and_dtypes_per_mode(compare, mode):
    def program(tf):
        layer = tf.keras.layers.CategoryEncoding(num_tokens=4, output_mode=mode)
        symbolic = layer(tf.keras.Input(shape=(1,), dtype="int32"))
        return (_values(layer(tf.constant([[0], [3]]))), _values(layer(tf.constant([1, 2]))),
                _values(layer(tf.constant([[1, 1, 2], [0, 0, 0]]) if mode != "one_hot" else tf.constant(2))),
                tuple(symbolic.shape), symbolic.dtype)
    compare(program)


def test_category_encoding_requires_num_tokens(compare):
    @raises("ValueError")
    def program(tf):
        tf.keras.layers.CategoryEncoding()
    compare(program)


# ---- TextVectorization ----

_TEXT = ["The cat sat.", "The dog, the CAT!", "a bird"]


def test_text_vectorization_default_standardize_split_and_output_sequence_length(compare):
    def program(tf):
        layer = tf.keras.layers.TextVectorization(max_tokens=8, output_sequence_length=4)
        layer.adapt(_TEXT)
        symbolic = layer(tf.keras.Input(shape=(1,), dtype="string"))
        return (layer.get_vocabulary(), layer.vocabulary_size(),
                _values(layer(tf.constant([["The cat and the dog sat"], ["bird"]]))),
                _values(layer(tf.constant(["The cat", "bird is"]))), tuple(symbolic.shape), symbolic.dtype)
    compare(program)


def test_text_vectorization_pads_to_the_longest_row_and_adapts_on_a_dataset(compare):
    def program(tf):
        layer = tf.keras.layers.TextVectorization()
        layer.adapt(tf.data.Dataset.from_tensor_slices(["b a", "a c a"]).batch(1))
        return layer.get_vocabulary(), _values(layer(tf.constant(["a b c d", "c"])))
    compare(program)


def test_text_vectorization_with_a_custom_standardization_in_a_dataset_map(compare):
    def program(tf):
        import re
        import string

        def standardize(text):
            lowered = tf.strings.lower(text)
            return tf.strings.regex_replace(tf.strings.regex_replace(lowered, "<br />", " "),
                                            "[%s]" % re.escape(string.punctuation), "")
        layer = tf.keras.layers.TextVectorization(standardize=standardize, output_sequence_length=6)
        raw = tf.data.Dataset.from_tensor_slices((["Good<br />film!", "Bad, BAD film."], [1, 0])).batch(2)
        layer.adapt(raw.map(lambda x, y: x))
        vectorized = [(_values(x), _values(y)) for x, y in raw.map(lambda x, y: (layer(tf.expand_dims(x, -1)), y))]
        return layer.get_vocabulary(), vectorized
    compare(program)


@pytest.mark.parametrize("mode", ["multi_hot", "count"])
def test_text_vectorization_multi_hot_and_count_are_int64(compare, mode):
    def program(tf):
        layer = tf.keras.layers.TextVectorization(output_mode=mode)
        layer.adapt(["b a", "a c a"])
        symbolic = layer(tf.keras.Input(shape=(1,), dtype="string"))
        return (layer.get_vocabulary(), _values(layer(tf.constant(["a b a", "zz"]))), tuple(symbolic.shape),
                symbolic.dtype)
    compare(program)


def test_text_vectorization_character_split_without_standardization(compare):
    def program(tf):
        layer = tf.keras.layers.TextVectorization(standardize=None, split="character")
        layer.adapt(["abA", "b"])
        return layer.get_vocabulary(), _values(layer(tf.constant(["bbA", "c"])))
    compare(program)


def test_text_vectorization_rejects_rows_of_several_strings(compare):
    @raises("ValueError")
    def program(tf):
        tf.keras.layers.TextVectorization()(tf.constant([["a", "b"]]))
    # Keras wraps an error raised inside call() in "Exception encountered when calling ...": the
    # class is compared, the message (Keras' inner sentence on tapejax) is not
    compare(program, messages=False)


def test_text_vectorization_config_matches_keras(compare):
    def program(tf):
        layer = tf.keras.layers.TextVectorization(max_tokens=8, output_sequence_length=4)
        layer.adapt(_TEXT)
        config = layer.get_config()
        config.pop("dtype")
        return sorted(config.items())
    compare(program)


def test_an_end_to_end_string_model_evaluates_and_predicts_with_compiled_steps(compare):
    def program(tf):
        layer = tf.keras.layers.TextVectorization(output_sequence_length=3)
        layer.adapt(["good film", "bad film"])
        model = tf.keras.Sequential([layer, tf.keras.layers.Lambda(lambda v: tf.cast(v, "float32")),
                                     tf.keras.layers.Dense(1, kernel_initializer="ones", use_bias=False)])
        model.compile(loss="mse")
        text = tf.constant(["good film", "bad", "film film film"])
        data = tf.data.Dataset.from_tensor_slices((text, [1.0, 2.0, 3.0])).batch(2)
        return model.evaluate(data, verbose=0), np.asarray(model.predict(text, verbose=0))
    compare(program)


def test_lookup_vocabularies_are_keras_assets_in_a_dot_keras_file(compare, tmp_path):
    def program(tf):
        import zipfile
        lookup = tf.keras.layers.StringLookup()
        lookup.adapt(np.array([["a"], ["b"], ["b"]], dtype=object))
        text = tf.keras.layers.TextVectorization(output_sequence_length=3)
        text.adapt(["x y", "y"])
        words, sentences = tf.keras.Input(shape=(1,), dtype="string"), tf.keras.Input(shape=(1,), dtype="string")
        model = tf.keras.Model([words, sentences], [lookup(words), text(sentences)])
        path = os.path.join(str(tmp_path), f"lookups_{tf.__name__}.keras")
        model.save(path)
        with zipfile.ZipFile(path) as archive:
            members = sorted(n for n in archive.namelist() if n.startswith("assets/"))
            vocabulary = archive.read("assets/layers/string_lookup/vocabulary.txt")
        reloaded = tf.keras.models.load_model(path)
        got = reloaded.predict([tf.constant([["a"], ["b"], ["q"]]), tf.constant([["y x"], ["x"], ["z"]])], verbose=0)
        return members, vocabulary, [np.asarray(g) for g in got]
    compare(program)


# ---- pad_sequences ----

_SEQS = [[1, 2, 3, 4], [5], [], [6, 7]]


@pytest.mark.parametrize("kwargs", [dict(), dict(maxlen=3), dict(maxlen=3, padding="post"),
                                    dict(maxlen=2, truncating="post"), dict(value=-1.0, dtype="float32"),
                                    dict(maxlen=6, padding="post", value=9)],
                         ids=["longest", "maxlen", "post_padding", "post_truncating", "float_value", "longer"])
def test_pad_sequences_pads_and_truncates_as_keras(compare, kwargs):
    def program(tf):
        out = tf.keras.utils.pad_sequences(_SEQS, **kwargs)
        same = tf.keras.preprocessing.sequence.pad_sequences(_SEQS, **kwargs)
        return out, bool((out == same).all())
    compare(program)


def test_pad_sequences_takes_an_object_array_of_lists(compare):
    def program(tf):
        seqs = np.empty(3, dtype=object)
        seqs[:] = [[1, 2], [3], [4, 5, 6]]
        return tf.keras.utils.pad_sequences(seqs, maxlen=2)
    compare(program)


@pytest.mark.parametrize("kwargs", [dict(padding="middle"), dict(truncating="middle", maxlen=1),
                                    dict(value="x")], ids=["padding", "truncating", "string_value"])
def test_pad_sequences_rejects_bad_arguments_with_value_error(compare, kwargs):
    @raises("ValueError")
    def program(tf):
        return tf.keras.utils.pad_sequences(_SEQS, **kwargs)
    compare(program)


# ---- keras.ops ----

_PAIRS = [("int32", "float32"), ("int64", "float32"), ("int32", "int64"), ("float16", "float32"),
          ("bool", "int32"), ("uint8", "int32"), ("int8", "float16"), ("float64", "float32")]


@pytest.mark.parametrize("a,b", _PAIRS, ids=[f"{a}-{b}" for a, b in _PAIRS])
def test_keras_ops_add_promotes_mixed_dtypes_as_keras(compare, a, b):
    def program(tf):
        x = tf.cast(tf.constant([1, 0]), a)
        y = tf.cast(tf.constant([2, 1]), b)
        return tf.keras.ops.add(x, y), tf.keras.ops.multiply(y, x)
    compare(program)


def test_keras_ops_python_scalars_are_weak_and_float_valued_ops_of_ints_give_float32(compare):
    def program(tf):
        ops = tf.keras.ops
        ints = tf.constant([1, 2])
        return (ops.add(ints, 1.5), ops.add(ints, 2), ops.multiply(tf.constant([1.0], tf.float16), 2.0),
                ops.maximum(tf.constant([1]), 0.5), ops.divide(ints, tf.constant([2, 2])), ops.sqrt(tf.constant([4])),
                ops.mean(ints), ops.sum(tf.constant([True, True])), ops.true_divide(3, 2), ops.exp(tf.constant([0])))
    compare(program)


def test_keras_ops_shapes_ranges_and_conversions(compare):
    def program(tf):
        ops = tf.keras.ops
        shape = ops.shape(tf.zeros((2, 3)))
        return (shape, [type(d).__name__ for d in shape], ops.arange(0, 3), ops.arange(0.0, 3), ops.arange(5),
                ops.arange(start=0, stop=4, step=2), ops.convert_to_tensor([1.0, 2.0]),
                ops.convert_to_tensor(np.array([1.0])), ops.convert_to_tensor([1, 2]), ops.cast([1.6], "int32"),
                ops.argmax(tf.constant([[1.0, 3.0]]), axis=-1), ops.one_hot(tf.constant([1, 0]), 3),
                ops.expand_dims(tf.constant([1]), 0), ops.softmax(tf.constant([1.0, 2.0])),
                ops.concatenate([tf.constant([1]), tf.constant([2.5])]), ops.where(tf.constant([True, False]), 1, 0.5),
                ops.reshape(ops.arange(6), (2, 3)), ops.transpose(tf.constant([[1, 2]])), ops.clip(tf.constant([-2, 5]), 0, 3))
    compare(program)


def test_keras_ops_record_on_a_gradient_tape(compare):
    def program(tf):
        ops = tf.keras.ops
        x = tf.Variable([1.0, 2.0, 3.0])
        with tf.GradientTape() as tape:
            y = ops.sum(ops.square(ops.subtract(x, 1.0))) + ops.mean(ops.exp(x))
        return tape.gradient(y, x)
    compare(program, rtol=1e-6)


# ---- functional models: input rank, dict inputs; what train_step receives ----

def test_a_functional_model_adjusts_an_input_one_rank_short_or_over_when_the_last_dim_is_one(compare):
    def program(tf):
        def make(shape):
            inputs = tf.keras.Input(shape=shape)
            return tf.keras.Model(inputs, tf.keras.layers.Flatten()(inputs))
        column = make((1,))
        images = make((2, 2, 1))
        squeezed = make((3,))
        sequential = tf.keras.Sequential([tf.keras.Input(shape=(1,)), tf.keras.layers.Dense(1, kernel_initializer="ones")])
        return (np.asarray(column(np.array([1.0, 2.0], "float32"))), tuple(images(np.zeros((4, 2, 2), "float32")).shape),
                tuple(squeezed(np.zeros((2, 3, 1), "float32")).shape),
                np.asarray(sequential.predict(np.array([1.0, 2.0, 3.0], "float32"), verbose=0)))
    compare(program)


def test_a_functional_model_rejects_an_input_of_an_incompatible_rank(compare):
    @raises("ValueError")
    def program(tf):
        inputs = tf.keras.Input(shape=(2, 2))
        model = tf.keras.Model(inputs, tf.keras.layers.Flatten()(inputs))
        model(np.zeros((3, 2, 2, 2, 2), "float32"))
    compare(program, messages=False)  # Keras wraps it in "Exception encountered when calling Functional.call()"


def test_a_functional_model_matches_dict_inputs_by_key_not_by_order(compare):
    def program(tf):
        a = tf.keras.Input(shape=(1,), name="a")
        b = tf.keras.Input(shape=(2,), name="b")
        model = tf.keras.Model({"a": a, "b": b}, tf.keras.layers.concatenate([tf.keras.layers.Rescaling(10.0)(a), b]))
        return np.asarray(model({"b": tf.constant([[1.0, 2.0]]), "a": tf.constant([[3.0]])}))
    compare(program)


def test_train_step_receives_x_alone_when_fit_has_no_targets(compare):
    def program(tf):
        seen = []

        class Probe(tf.keras.Model):
            def __init__(self):
                super().__init__()
                self.dense = tf.keras.layers.Dense(1)

            def call(self, x):
                return self.dense(x)

            def train_step(self, data):
                kind = type(data).__name__ if isinstance(data, (tuple, list)) else "tensor"
                seen.append((kind, len(data) if isinstance(data, (tuple, list)) else tuple(data.shape)))
                return {"n": tf.constant(0.0)}

        model = Probe()
        model.compile("adam", run_eagerly=True)
        x = np.zeros((4, 3), "float32")
        model.fit(x, epochs=1, batch_size=4, verbose=0)
        model.fit(x, np.zeros((4,), "float32"), epochs=1, batch_size=4, verbose=0)
        model.fit(tf.data.Dataset.from_tensor_slices(x).batch(4), epochs=1, verbose=0)
        model.fit([x, x], epochs=1, batch_size=4, verbose=0)
        return seen
    compare(program)


def test_normalization_statistics_survive_load_weights_and_load_model(compare, tmp_path):
    def program(tf):
        x = np.random.RandomState(0).rand(20, 3).astype("float32") * 10
        norm = tf.keras.layers.Normalization(axis=-1)
        norm.adapt(x)
        model = tf.keras.Sequential([tf.keras.Input(shape=(3,)), norm, tf.keras.layers.Dense(1)])
        path = os.path.join(str(tmp_path), f"norm_{tf.__name__}.keras")
        model.save(path)
        reloaded = tf.keras.models.load_model(path)
        weights = os.path.join(str(tmp_path), f"norm_{tf.__name__}.weights.h5")
        model.save_weights(weights)
        fresh = tf.keras.Sequential([tf.keras.Input(shape=(3,)), tf.keras.layers.Normalization(axis=-1),
                                     tf.keras.layers.Dense(1)])
        fresh.load_weights(weights)
        return (np.asarray(reloaded.layers[0].mean), np.asarray(fresh.layers[0].variance),
                bool(np.allclose(model.predict(x, verbose=0), reloaded.predict(x, verbose=0))),
                bool(np.allclose(model.predict(x, verbose=0), fresh.predict(x, verbose=0))))
    compare(program, rtol=1e-5)


def test_keras_tensors_take_arithmetic_operators_in_a_functional_model(compare):
    def program(tf):
        inputs = tf.keras.Input(shape=(2,))
        model = tf.keras.Model(inputs, inputs * 10.0 + 1.0)
        return np.asarray(model(tf.constant([[1.0, 2.0]]))), [type(layer).__name__ for layer in model.layers]
    compare(program)


# ---- Discretization ----

def test_discretization_buckets_by_boundaries_as_int32(compare):
    def program(tf):
        layer = tf.keras.layers.Discretization(bin_boundaries=[0.0, 1.0, 2.0])
        return (_values(layer(tf.constant([[-1.5, 1.0], [3.4, 0.5]]))), _values(layer(np.array([[0.0, 2.0]]))),
                tuple(layer(tf.keras.Input(shape=(2,))).shape))
    compare(program)


def test_discretization_adapt_learns_keras_quantile_boundaries(compare):
    def program(tf):
        x = np.random.RandomState(0).rand(100, 1).astype("float32")
        whole = tf.keras.layers.Discretization(num_bins=4, epsilon=0.01)
        whole.adapt(x)
        batched = tf.keras.layers.Discretization(num_bins=3)
        batched.adapt(tf.data.Dataset.from_tensor_slices(x).batch(16))
        config = whole.get_config()
        config.pop("dtype")
        config["bin_boundaries"] = list(config["bin_boundaries"])  # a TrackedList on Keras
        rebuilt = tf.keras.layers.Discretization.from_config(whole.get_config())
        return (np.asarray(whole.bin_boundaries), np.asarray(batched.bin_boundaries), sorted(config.items()),
                rebuilt.bin_boundaries == whole.bin_boundaries, _values(whole(x[:5])))
    compare(program)


@pytest.mark.parametrize("mode", ["one_hot", "multi_hot", "count"])
def test_discretization_encodings_and_their_symbolic_shapes(compare, mode):
    def program(tf):
        layer = tf.keras.layers.Discretization(bin_boundaries=[0.0, 1.0], output_mode=mode)
        symbolic = layer(tf.keras.Input(shape=(1,)))
        return _values(layer(tf.constant([[-1.0], [0.5]]))), tuple(symbolic.shape), symbolic.dtype
    compare(program)


@pytest.mark.parametrize("kwargs", [dict(), dict(num_bins=2, bin_boundaries=[0.0])], ids=["neither", "both"])
def test_discretization_needs_exactly_one_of_num_bins_and_bin_boundaries(compare, kwargs):
    @raises("ValueError")
    def program(tf):
        tf.keras.layers.Discretization(**kwargs)
    compare(program)
