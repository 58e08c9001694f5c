"""What public programs (compat_tests/programs/) needed in op tables and Keras utilities, on TF and
on tapejax: reductions of empty tensors, tf.math.confusion_matrix, tf.audio's WAV codec,
keras.utils.audio_dataset_from_directory (tutorials/audio/simple_audio), fit's callbacks given as one
callback, and fit's binary accuracy of labels without a trailing axis
(keras_io_structured_data_classification_from_scratch).

tapejax does not export `tf.audio`, `tf.math.confusion_matrix` or
`keras.utils.audio_dataset_from_directory` yet (their namespaces are tapejax/__init__.py's and
tapejax/keras/utils.py's): until it does, `_api` hands the tapejax side the implementation from its
private module, so these programs test the implementation against TF now and the public name once
it is exported.
"""

import os
import wave

import numpy as np
import pytest

from compat_tests._harness import raises
from tapejax import _io as tapejax_io
from tapejax._ops import math_ops as tapejax_math_ops
from tapejax.keras import _dataset_utils as tapejax_dataset_utils

_PRIVATE = {"audio.decode_wav": tapejax_io.decode_wav, "audio.encode_wav": tapejax_io.encode_wav,
            "math.confusion_matrix": tapejax_math_ops.confusion_matrix,
            "keras.utils.audio_dataset_from_directory": tapejax_dataset_utils.audio_dataset_from_directory}


def _api(tf, dotted):
    """`tf.<dotted>`, or on tapejax (while it is not exported) its private implementation."""
    value = tf
    try:
        for part in dotted.split("."):
            value = getattr(value, part)
        return value
    except AttributeError:
        if tf.__name__ != "tapejax":
            raise
        return _PRIVATE[dotted]


# -- reductions of empty tensors ----------------------------------------------------------------
def test_max_and_min_of_empty_tensors_are_the_dtypes_extremes(compare):
    def program(tf):
        return [tf.reduce_max(tf.constant([], tf.int64)), tf.reduce_min(tf.constant([], tf.int32)),
                tf.reduce_max(tf.constant([], tf.float32)), tf.reduce_min(tf.zeros((0, 3)), axis=0),
                tf.reduce_max(tf.zeros((2, 0)), axis=1, keepdims=True), tf.reduce_max(tf.constant([], tf.uint8)),
                tf.math.reduce_min(tf.zeros((0,), tf.float64))]
    compare(program)


def test_max_of_a_nonempty_tensor_keeps_its_gradient_split_between_ties(compare):
    def program(tf):
        x = tf.Variable([[1.0, 3.0, 3.0], [2.0, -1.0, 0.5]])
        with tf.GradientTape() as tape:
            y = tf.reduce_sum(tf.reduce_max(x, axis=1)) + tf.reduce_min(x)
        return y, tape.gradient(y, x)
    compare(program)


# -- tf.math.confusion_matrix (simple_audio's confusion matrix) ---------------------------------
def test_confusion_matrix_counts_label_prediction_pairs(compare):
    def program(tf):
        confusion_matrix = _api(tf, "math.confusion_matrix")
        return [confusion_matrix([1, 2, 4], [2, 2, 4]),
                confusion_matrix(tf.constant([[1], [0]], tf.int64), tf.constant([1, 1], tf.int64)),
                confusion_matrix(np.array([0, 1, 1]), np.array([1.0, 0.0, 1.0])),
                confusion_matrix(tf.constant([0, 2, 2]), tf.constant([0, 2, 1]), num_classes=4)]
    compare(program)


def test_confusion_matrix_sums_weights_in_the_requested_dtype(compare):
    def program(tf):
        confusion_matrix = _api(tf, "math.confusion_matrix")
        return confusion_matrix([1, 2, 4, 2], [2, 2, 4, 2], num_classes=6, dtype=tf.float32,
                                weights=[0.5, 1.0, 2.0, 0.25])
    compare(program)


@pytest.mark.parametrize("labels, predictions, num_classes", [
    ([-1, 2], [0, 1], None), ([0, 1], [0, -2], None), ([0, 3], [0, 1], 3), ([0, 1], [0, 5], 3)],
    ids=["negative labels", "negative predictions", "labels out of bound", "predictions out of bound"])
def test_confusion_matrix_rejects_classes_outside_its_range(compare, labels, predictions, num_classes):
    @raises("InvalidArgumentError")
    def program(tf):
        return _api(tf, "math.confusion_matrix")(labels, predictions, num_classes=num_classes)
    compare(program)


# -- tf.audio.decode_wav / encode_wav -------------------------------------------------------------
AUDIO = np.array([[0.5, -0.25], [1.2, -1.5], [0.1, 0.0], [-0.3, 0.7]], np.float32)


def test_encode_wav_writes_tfs_bytes_and_decode_wav_reads_them_back(compare):
    def program(tf):
        encoded = _api(tf, "audio.encode_wav")(AUDIO, 8000)
        decode = _api(tf, "audio.decode_wav")
        return [encoded, decode(encoded), decode(encoded, desired_channels=1, desired_samples=6),
                decode(encoded, desired_channels=3, desired_samples=2), decode(encoded, desired_samples=-1),
                decode(_api(tf, "audio.encode_wav")(tf.zeros((0, 2)), 44100))]
    compare(program)


def _wav_bytes(sample_width=2, channels=1, frames=b"\x00\x10\xff\x7f\x00\x80", rate=16000):
    import io
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(sample_width)
        w.setframerate(rate)
        w.writeframes(frames)
    return buffer.getvalue()


def test_decode_wav_reads_pythons_wave_files(compare):
    def program(tf):
        return _api(tf, "audio.decode_wav")(tf.constant(_wav_bytes()))
    compare(program)


@pytest.mark.parametrize("contents", [
    b"abc", b"RIFX" + _wav_bytes()[4:], _wav_bytes()[:40], _wav_bytes(sample_width=1, frames=b"\x00\x80\xff"),
    _wav_bytes()[:36] + b"LIST\x00\x00\x00\x00"], ids=["too short", "not RIFF", "cut header", "8-bit", "no data chunk"])
def test_decode_wav_rejects_what_is_not_16_bit_pcm_with_tfs_messages(compare, contents):
    @raises("InvalidArgumentError")
    def program(tf):
        return _api(tf, "audio.decode_wav")(contents)
    compare(program)


def test_decode_wav_of_a_batch_and_encode_wav_of_a_vector_raise_invalid_argument(compare):
    def program(tf):
        out = []
        for call in (lambda: _api(tf, "audio.decode_wav")([_wav_bytes(), _wav_bytes()]),
                     lambda: _api(tf, "audio.encode_wav")(tf.constant([1.0, 2.0]), 8000)):
            try:
                call()
            except tf.errors.InvalidArgumentError as exc:
                out.append(str(exc).split(" [Op:")[0].split("}} ")[-1])
        return out
    compare(program)


# -- keras.utils.audio_dataset_from_directory ---------------------------------------------------
@pytest.fixture(scope="module")
def commands(tmp_path_factory):
    """Three command folders of 16-bit WAV clips of different lengths (and a file that is not a WAV)."""
    root = tmp_path_factory.mktemp("commands")
    rng = np.random.default_rng(0)
    for k, name in enumerate(["go", "no", "yes"]):
        os.makedirs(root / name)
        for i in range(4):
            length = 40 + 7 * i + k
            samples = (rng.uniform(-0.9, 0.9, size=length) * 32767).astype("<i2")
            with wave.open(str(root / name / f"{k}{i}_nohash_{i}.wav"), "wb") as w:
                w.setnchannels(1)
                w.setsampwidth(2)
                w.setframerate(16000)
                w.writeframes(samples.tobytes())
    (root / "README.md").write_text("not audio")
    (root / "go" / "notes.txt").write_text("not audio")
    return str(root)


def _batches(ds):
    return [tuple(part for part in batch) if isinstance(batch, tuple) else batch for batch in ds]


def test_audio_dataset_pads_each_batch_to_its_longest_clip(compare, commands):
    def program(tf):
        ds = _api(tf, "keras.utils.audio_dataset_from_directory")(commands, batch_size=5, shuffle=False)
        return ds.class_names, _batches(ds)
    compare(program)


def test_audio_dataset_with_output_sequence_length_pads_and_cuts_every_clip(compare, commands):
    def program(tf):
        ds = _api(tf, "keras.utils.audio_dataset_from_directory")(
            commands, batch_size=4, shuffle=False, output_sequence_length=50, label_mode="categorical")
        return ds.class_names, _batches(ds)
    compare(program)


def test_audio_dataset_split_in_both_subsets_keeps_keras_file_order(compare, commands):
    def program(tf):
        train, val = _api(tf, "keras.utils.audio_dataset_from_directory")(
            commands, batch_size=3, validation_split=0.25, subset="both", seed=0, output_sequence_length=60)
        train_labels = sorted(int(y) for _, labels in train for y in labels.numpy())
        return train.class_names, val.class_names, train_labels, _batches(val)
    compare(program)


def test_audio_dataset_without_labels_or_batches_yields_single_clips(compare, commands):
    def program(tf):
        ds = _api(tf, "keras.utils.audio_dataset_from_directory")(
            commands, labels=None, batch_size=None, shuffle=False, output_sequence_length=45)
        return [clip for clip in ds][:3]
    compare(program)


@pytest.mark.parametrize("kwargs", [
    {"ragged": True, "output_sequence_length": 10}, {"label_mode": "binary"}, {"labels": "folders"},
    {"sampling_rate": 0}, {"sampling_rate": 1.5}, {"validation_split": 0.2, "subset": "both"}],
    ids=["ragged and length", "binary with three classes", "labels not a list", "zero sampling rate",
         "float sampling rate", "split without seed"])
def test_audio_dataset_rejects_keras_invalid_arguments(compare, commands, kwargs):
    @raises("ValueError")
    def program(tf):
        return _api(tf, "keras.utils.audio_dataset_from_directory")(commands, **kwargs)
    compare(program)


# -- fit's callbacks given as one callback (simple_audio: callbacks=EarlyStopping(...)) -----------
X = np.linspace(-1, 1, 10).astype("float32")[:, None]
Y = (np.arange(10) % 3 == 0).astype("int64")


def _model(tf):
    model = tf.keras.Sequential([tf.keras.Input((1,)), tf.keras.layers.Dense(
        1, activation="sigmoid", kernel_initializer="ones", bias_initializer="zeros")])
    model.compile(tf.keras.optimizers.SGD(5.0), "binary_crossentropy", metrics=["accuracy"])
    return model


def test_fit_takes_a_single_callback_for_its_callbacks(compare):
    def program(tf):
        stopper = tf.keras.callbacks.EarlyStopping(monitor="loss", patience=1)
        history = _model(tf).fit(X, Y[:, None], batch_size=4, epochs=6, verbose=0, shuffle=False,
                                 callbacks=stopper)
        return len(history.history["loss"]), stopper.stopped_epoch, history.history["loss"]
    compare(program)


def test_fit_takes_nested_lists_and_tuples_of_callbacks(compare):
    def program(tf):
        seen = []
        first = tf.keras.callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: seen.append(("a", epoch)))
        second = tf.keras.callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: seen.append(("b", epoch)))
        _model(tf).fit(X, Y[:, None], epochs=2, verbose=0, callbacks=[(first,), [[second]]])
        return seen
    compare(program)


# -- fit's binary accuracy of (n,) labels against (n, 1) sigmoid outputs ------------------------
def test_fit_binary_accuracy_of_labels_without_a_trailing_axis_weighs_every_sample(compare):
    def program(tf):
        history = _model(tf).fit(X, Y, batch_size=4, epochs=2, verbose=0, shuffle=False)
        return history.history["accuracy"], history.history["loss"]
    compare(program)


def test_audio_dataset_element_spec_leaves_the_channels_unknown(compare, commands):
    def program(tf):
        make = _api(tf, "keras.utils.audio_dataset_from_directory")
        return [repr(make(commands, shuffle=False, **kwargs).element_spec) for kwargs in (
            {}, {"output_sequence_length": 50}, {"labels": None, "batch_size": None})]
    compare(program)


def test_audio_dataset_ragged_batches_keep_each_clips_length(compare, commands):
    def program(tf):
        ds = _api(tf, "keras.utils.audio_dataset_from_directory")(commands, batch_size=5, shuffle=False,
                                                                   ragged=True)
        clips, labels = next(iter(ds))
        return type(clips).__name__, clips.to_list()[0][:3], [len(c) for c in clips.to_list()], labels
    compare(program)
