"""`tf.summary` event files: each backend writes the same program's summaries; both files are read
back with TensorBoard's own reader and compared (tags, steps, values, dtypes, plugin metadata)."""

import io
import os
import shutil
import wave

import numpy as np
import pytest

from compat_tests._harness import raises

pytest.importorskip("tensorboard")

RS = np.random.RandomState(3)
IMAGES = RS.rand(3, 4, 5, 3).astype(np.float32) * 1.2 - 0.1
GREY = (RS.rand(2, 3, 2, 1) * 255).astype(np.uint8)
RGBA = (RS.rand(1, 2, 3, 4) * 255).astype(np.uint8)
NORMAL = RS.randn(200).astype(np.float32)
NORMAL64 = RS.randn(3, 4)
SOUND = np.sin(np.linspace(0.0, 20.0, 2 * 50 * 2)).reshape(2, 50, 2).astype(np.float32) * 1.1


def _decode(plugin, array):
    """Image PNGs and audio WAVs as pixel/sample arrays (the encoders' bytes differ, not the content)."""
    if plugin == "images":
        from PIL import Image
        return [array[0], array[1]] + [np.asarray(Image.open(io.BytesIO(png))) for png in array[2:]]
    if plugin == "audio":
        clips = []
        for clip, label in array:
            with wave.open(io.BytesIO(clip)) as w:
                clips.append((w.getnchannels(), w.getframerate(), label,
                              np.frombuffer(w.readframes(w.getnframes()), "<i2")))
        return clips
    return array


def read_events(logdir):
    """{tag: [(step, value)], '__meta__': {tag: (plugin, content, description)}, '__files__': [...]}."""
    from tensorboard.backend.event_processing import event_accumulator as ea
    from tensorboard.util import tensor_util
    acc = ea.EventAccumulator(logdir, size_guidance={ea.TENSORS: 0})
    acc.Reload()
    out, meta = {}, {}
    for tag in acc.Tags()["tensors"]:
        metadata = acc.SummaryMetadata(tag)
        plugin = metadata.plugin_data.plugin_name
        meta[tag] = (plugin, metadata.plugin_data.content, metadata.summary_description)
        out[tag] = [(e.step, _decode(plugin, tensor_util.make_ndarray(e.tensor_proto)))
                    for e in acc.Tensors(tag)]
    files = sorted(f.split(".")[-1] for f in os.listdir(logdir) if f.startswith("events.out.tfevents."))
    return {**out, "__meta__": meta, "__files__": files}


@pytest.fixture
def logdir(tmp_path):
    path = str(tmp_path / "logs")

    def fresh():
        # one directory for both backends (programs compare what they wrote), emptied per run
        shutil.rmtree(path, ignore_errors=True)
        return path
    return fresh


def test_scalars_with_explicit_and_default_steps(compare, logdir):
    def program(tf):
        d = logdir()
        writer = tf.summary.create_file_writer(d)
        results = [tf.summary.scalar("no_writer", 1.0, step=0)]
        with writer.as_default(step=3):
            results.append(tf.summary.scalar("loss", 0.5))
            results.append(tf.summary.scalar("loss", tf.constant(0.25), step=4))
            results.append(tf.summary.scalar("int", 7, step=tf.constant(5, tf.int64)))
            results.append(tf.summary.scalar("described", np.float64(2.5), description="the rate"))
            with tf.name_scope("train"):
                results.append(tf.summary.scalar("acc", 0.75, step=np.int32(6)))
            steps = [tf.summary.experimental.get_step()]
            with writer.as_default(step=9):
                steps.append(tf.summary.experimental.get_step())
                results.append(tf.summary.scalar("loss", 0.125))
            steps.append(tf.summary.experimental.get_step())
        steps.append(tf.summary.experimental.get_step())
        writer.close()
        return results, steps, read_events(d)
    compare(program)


def test_histograms_buckets_like_tf(compare, logdir):
    def program(tf):
        d = logdir()
        with tf.summary.create_file_writer(d).as_default(step=1):
            tf.summary.histogram("default", tf.constant(NORMAL))
            tf.summary.histogram("five", tf.constant([1.0, 2.0, 2.0, 3.0, 10.0]), buckets=5)
            tf.summary.histogram("same_value", tf.constant([2.0, 2.0, 2.0]), buckets=4)
            tf.summary.histogram("empty", tf.constant([], tf.float32))
            tf.summary.histogram("ints_2d", tf.constant([[1, 2], [3, 4]]), step=2)
            tf.summary.histogram("float64", tf.constant(NORMAL64), description="d")
        return read_events(d)
    compare(program)


def test_images_float_uint8_and_channels(compare, logdir):
    def program(tf):
        d = logdir()
        with tf.summary.create_file_writer(d).as_default(step=0):
            results = [tf.summary.image("float", IMAGES, max_outputs=2),
                       tf.summary.image("tensor", tf.constant(IMAGES[:1])),
                       tf.summary.image("grey", GREY, step=1),
                       tf.summary.image("rgba", tf.constant(RGBA), max_outputs=5)]
        return results, read_events(d)
    compare(program)


def test_text_and_audio(compare, logdir):
    def program(tf):
        d = logdir()
        with tf.summary.create_file_writer(d).as_default(step=2):
            tf.summary.text("one", "hello")
            tf.summary.text("many", ["a", "bc"], step=3)
            tf.summary.text("bytes", b"raw")
            tf.summary.audio("sound", tf.constant(SOUND), sample_rate=8000, max_outputs=1)
            tf.summary.audio("both", SOUND, sample_rate=16000)
        return read_events(d)
    compare(program)


def test_record_if_noop_writer_and_should_record(compare, logdir):
    def program(tf):
        d = logdir()
        writer = tf.summary.create_file_writer(d)
        out = [tf.summary.should_record_summaries()]
        with tf.summary.create_noop_writer().as_default(step=1):
            out += [tf.summary.scalar("noop", 1.0), tf.summary.experimental.get_step()]
        with writer.as_default(step=1):
            out.append(tf.summary.should_record_summaries())
            with tf.summary.record_if(False):
                out += [tf.summary.scalar("off", 1.0), tf.summary.should_record_summaries()]
                out.append(tf.summary.scalar("off_no_step", 1.0))
            with tf.summary.record_if(lambda: True):
                out.append(tf.summary.scalar("callable", 1.0))
            with tf.summary.record_if(tf.constant(False)):
                out.append(tf.summary.scalar("tensor_off", 1.0))
            out.append(tf.summary.flush())
        writer.flush()
        return out, read_events(d)
    compare(program)


def test_set_step_and_set_as_default(compare, logdir):
    def program(tf):
        d = logdir()
        writer = tf.summary.create_file_writer(d, filename_suffix=".run")
        tf.summary.experimental.set_step(5)
        try:
            writer.set_as_default()
            first = tf.summary.scalar("x", 1.0)
            writer.set_as_default(step=8)
            second = tf.summary.scalar("x", 2.0)
            step = tf.summary.experimental.get_step()
        finally:
            tf.summary.experimental.set_step(None)
            tf.summary.create_noop_writer().set_as_default()
        writer.flush()
        return first, second, step, read_events(d)
    compare(program)


ERRORS = {
    "no_step": lambda tf: tf.summary.scalar("x", 1.0),
    "histogram_no_step": lambda tf: tf.summary.histogram("h", [1.0]),
    "scalar_not_scalar": lambda tf: tf.summary.scalar("x", [1.0, 2.0], step=1),
    "int32_tensor_step": lambda tf: tf.summary.scalar("x", 1.0, step=tf.constant(3)),
    "float_step": lambda tf: tf.summary.scalar("x", 1.0, step=2.5),
    "text_of_float": lambda tf: tf.summary.text("t", 1.0, step=1),
    "image_rank_3": lambda tf: tf.summary.image("i", np.zeros((2, 2, 3), np.float32), step=1),
}


@pytest.mark.parametrize("case", sorted(ERRORS))
def test_summary_errors(compare, logdir, case):
    @raises("TypeError", "ValueError")
    def program(tf):
        with tf.summary.create_file_writer(logdir()).as_default():
            return ERRORS[case](tf)
    compare(program)


def test_errors_before_a_writer_is_set(compare):
    def program(tf):
        out = []
        for call in (lambda: tf.summary.scalar("x", [1.0, 2.0]), lambda: tf.summary.text("t", 1.0),
                     lambda: tf.summary.image("i", np.zeros((2, 2, 3), np.float32)),
                     lambda: tf.summary.create_file_writer(None)):
            try:
                out.append(call())
            except (ValueError, TypeError) as err:
                out.append(f"{type(err).__name__}: {err}")
        return out
    compare(program)


def test_a_closed_writer_cannot_become_the_default(compare, logdir):
    @raises("RuntimeError")
    def program(tf):
        writer = tf.summary.create_file_writer(logdir())
        writer.close()
        return writer.close(), writer.flush(), writer.as_default()
    compare(program, messages=False)  # the message holds the writer's repr


def test_writing_to_a_closed_default_writer_raises_not_found(compare, logdir):
    @raises("NotFoundError")
    def program(tf):
        writer = tf.summary.create_file_writer(logdir())
        with writer.as_default(step=1):
            writer.close()
            return tf.summary.scalar("x", 1.0)
    compare(program, messages=False)  # TF's message names its resource handle


def test_summaries_inside_a_function_write_at_every_call(compare, logdir):
    def program(tf):
        d = logdir()
        step = tf.Variable(0, dtype=tf.int64)
        writer = tf.summary.create_file_writer(d)

        @tf.function
        def train_step(x):
            step.assign_add(1)
            y = x * 2.0
            wrote = tf.summary.scalar("y", tf.reduce_sum(y), step=step)
            tf.summary.histogram("x", x, step=step, buckets=3)
            with tf.summary.record_if(step % 2 == 0):
                tf.summary.scalar("even", y[0], step=step)
            return y, wrote

        with writer.as_default():
            results = [train_step(tf.constant([float(i), 1.0, -2.0])) for i in range(4)]
        writer.flush()
        return results, read_events(d)
    compare(program)
