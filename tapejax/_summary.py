"""`tf.summary`: TensorBoard event files written with TensorBoard's own protos, plugin metadata,
histogram bucketing and record framing (the `tensorboard` package, imported when a writer is
created), so TensorBoard shows tapejax's summaries as TF's ("scalars", "histograms", "images",
"text", "audio" plugins; the same tensors and dtypes in the events).

Inside `tapejax.function`, a summary of traced values is written at every call: the values (and a
traced step or `record_if` condition) go to the host through `jax.debug.callback`, in program order.
The writer, tag and the Python parts of the condition are fixed when the function is traced, as in a
`tf.function`.

Differences from TF: events are written by the calling thread (buffered; flushed every `max_queue`
events, at a write `flush_millis` after the last flush, on `flush()`, `close()`, leaving
`as_default()` and at exit), not by a background thread; there are no string tensors, so `text`
takes Python/NumPy strings; `trace_export` writes each traced call's jaxpr as its graph
(see "graph traces" below), and `graph` is not provided.
"""

from __future__ import annotations

import atexit
import contextlib
import io
import itertools
import logging
import os
import socket
import threading
import time
import wave
import weakref

import jax
import numpy as np
from jax.extend.core import Literal as _Literal
from PIL import Image

from tapejax import _context, _dtypes, _function, _profiler
from tapejax._errors import InvalidArgumentError, NotFoundError
from tapejax._module import name_scope
from tapejax._ops._convert import convert_to_tensor
from tapejax._tensor import Tensor
from tapejax._variable import Variable

_NO_STEP = ("No step set. Please specify one either through the `step` argument or through "
            "tf.summary.experimental.set_step()")


class _State(threading.local):
    """The default writer, step and recording condition: per thread, as in TF."""

    def __init__(self):
        self.writer = None
        self.step = None
        self.condition = True


_state = _State()


def _tensorboard():
    """The TensorBoard modules the writer uses (imported on first use: an optional dependency)."""
    try:
        from tensorboard.compat.proto import event_pb2, summary_pb2
        from tensorboard.plugins.audio import metadata as audio_metadata
        from tensorboard.plugins.histogram import summary_v2 as histogram_summary
        from tensorboard.plugins.image import metadata as image_metadata
        from tensorboard.plugins.scalar import summary_v2 as scalar_summary
        from tensorboard.plugins.text import summary_v2 as text_summary
        from tensorboard.summary.writer.record_writer import RecordWriter
        from tensorboard.util import tensor_util
    except ImportError as err:
        raise ImportError(
            f"tf.summary writes TensorBoard event files with the `tensorboard` package, which is "
            f"not installed ({err}). Install it with `pip install \"tapejax[summary]\"` (or "
            f"`pip install tensorboard`).") from err
    return {"event_pb2": event_pb2, "summary_pb2": summary_pb2, "audio": audio_metadata,
            "histogram": histogram_summary, "image": image_metadata, "scalar": scalar_summary,
            "text": text_summary, "RecordWriter": RecordWriter, "tensor_util": tensor_util}


# -- writers -----------------------------------------------------------------------------------
class SummaryWriter:
    """Base class of summary writers (`tf.summary.SummaryWriter`)."""

    def set_as_default(self, step=None):
        """Makes this the default writer of the current thread (and sets the step if given)."""
        _state.writer = self
        if step is not None:
            _state.step = step

    def as_default(self, step=None):
        """A context manager that makes this the default writer inside it (and the step, if given);
        the previous ones come back, and the writer is flushed, on exit."""
        return _DefaultWriter(self, step)

    def init(self):
        """Accepted for compatibility (the file is created with the writer)."""

    def flush(self):
        """Writes buffered events to disk."""

    def close(self):
        """Flushes and closes the writer; later writes to it raise NotFoundError."""


class _DefaultWriter:
    def __init__(self, writer, step):
        self._writer, self._step = writer, step

    def __enter__(self):
        self._previous = _state.writer
        _state.writer = self._writer
        if self._step is not None:
            self._previous_step = _state.step
            _state.step = self._step
        return self._writer

    def __exit__(self, *exc):
        self._writer.flush()
        _state.writer = self._previous
        if self._step is not None:
            _state.step = self._previous_step
        return False


class _NoopWriter(SummaryWriter):
    """Writes nothing; `as_default()` leaves the current writer and step as they are (as TF's)."""

    def set_as_default(self, step=None):
        pass

    def as_default(self, step=None):
        return contextlib.nullcontext(self)


_uids = itertools.count()
_open_writers = weakref.WeakSet()


class _FileWriter(SummaryWriter):
    def __init__(self, logdir, max_queue, flush_millis, filename_suffix):
        self._tb = _tb()
        self._logdir = os.fspath(logdir)
        os.makedirs(self._logdir, exist_ok=True)
        name = "events.out.tfevents.%010d.%s.%s.%s%s" % (
            time.time(), socket.gethostname(), os.getpid(), next(_uids), filename_suffix)
        self._path = os.path.join(self._logdir, name)
        self._records = self._tb["RecordWriter"](open(self._path, "wb"))
        self._max_queue = max_queue
        self._flush_seconds = flush_millis / 1000.0
        self._queued = 0
        self._last_flush = time.monotonic()
        self._lock = threading.Lock()
        self._closed = False
        event_pb2 = self._tb["event_pb2"]
        self._add_event(event_pb2.Event(wall_time=time.time(), file_version="brain.Event:2",
                                        source_metadata=event_pb2.SourceMetadata(writer="tapejax")))
        self.flush()
        _open_writers.add(self)

    def _check_open(self):
        if self._closed:
            raise RuntimeError(f"SummaryWriter {self!r} is already closed")

    def set_as_default(self, step=None):
        self._check_open()
        super().set_as_default(step)

    def as_default(self, step=None):
        self._check_open()
        return super().as_default(step)

    def init(self):
        self._check_open()

    def _add_event(self, event):
        with self._lock:
            if self._closed:
                raise NotFoundError(f"Resource for the summary writer of {self._logdir!r} does not "
                                    f"exist: the writer was closed. [Op:WriteSummary]")
            self._records.write(event.SerializeToString())
            self._queued += 1
            due = (self._queued >= self._max_queue
                   or time.monotonic() - self._last_flush >= self._flush_seconds)
        if due:
            self.flush()

    def _add_summary(self, summary, step):
        self._add_event(self._tb["event_pb2"].Event(wall_time=time.time(), step=int(step),
                                                    summary=summary))

    def flush(self):
        with self._lock:
            if not self._closed:
                self._records.flush()
                self._queued = 0
                self._last_flush = time.monotonic()

    def close(self):
        with self._lock:
            if not self._closed:
                self._records.flush()
                self._records.close()
                self._closed = True

    def __del__(self):
        try:
            self.close()
        except Exception:  # noqa: BLE001 - interpreter shutdown: nothing left to report to
            pass


@atexit.register
def _flush_at_exit():
    for writer in list(_open_writers):
        writer.flush()


def create_file_writer(logdir, max_queue=None, flush_millis=None, filename_suffix=None, name=None,
                       experimental_trackable=False, experimental_mesh=None):
    """Creates a writer of TensorBoard event files in `logdir` (`tf.summary.create_file_writer`).

    Args:
      logdir: the directory (created if needed); the file is named as TF's
        (`events.out.tfevents.<time>.<host>.<pid>.<n><suffix>`).
      max_queue: flush after this many events. Default 10.
      flush_millis: flush at a write this long after the last flush. Default 120000.
      filename_suffix: the file name's suffix. Default `'.v2'`.
      name: ignored.

    Returns:
      A `SummaryWriter`.

    Raises:
      ValueError: if `logdir` is None.
      ImportError: if the `tensorboard` package is not installed.
    """
    if logdir is None:
        raise ValueError("Argument `logdir` cannot be None")
    return _FileWriter(logdir, 10 if max_queue is None else int(max_queue),
                       120000 if flush_millis is None else float(flush_millis),
                       ".v2" if filename_suffix is None else filename_suffix)


def create_noop_writer():
    """A writer that writes nothing (`tf.summary.create_noop_writer`)."""
    return _NoopWriter()


def flush(writer=None, name=None):
    """Flushes `writer`, or the default writer."""
    writer = _state.writer if writer is None else writer
    if writer is not None:
        writer.flush()


# -- step and recording condition -----------------------------------------------------------------
def set_step(step):
    """Sets the default step of the current thread (an int, an int64 Tensor or Variable, or None)."""
    _state.step = step


def get_step():
    """The default step set by `set_step` or `as_default(step=...)`, or None."""
    return _state.step


@contextlib.contextmanager
def record_if(condition):
    """Records summaries inside the block only if `condition` (a bool, a boolean Tensor, or a
    callable returning one, evaluated at each summary) holds."""
    previous = _state.condition
    _state.condition = condition
    try:
        yield
    finally:
        _state.condition = previous


def _condition():
    """The recording condition: a Python bool, or a traced boolean array inside a function."""
    condition = _state.condition
    if callable(condition) and not isinstance(condition, (Tensor, Variable)):
        condition = condition()
    if isinstance(condition, (Tensor, Variable)):
        condition = condition._value
    if isinstance(condition, jax.core.Tracer):
        return condition
    return bool(np.asarray(condition))


def should_record_summaries():
    """Whether summaries are recorded here (a default writer and a true `record_if` condition)."""
    record = _state.writer is not None and not isinstance(_state.writer, _NoopWriter)
    condition = _condition() if record else False
    return Tensor(condition) if isinstance(condition, jax.core.Tracer) else _bool(condition)


def _bool(value):
    return Tensor(np.asarray(bool(value)))


def _step_value(step):
    """The step as a Python int, or an int64 array (a tracer inside a function)."""
    if isinstance(step, (Tensor, Variable)):
        if step.dtype != _dtypes.int64:
            raise ValueError(f"Tensor conversion requested dtype int64 for Tensor with dtype "
                             f"{step.dtype.name}: {step!r}")
        return step._read() if isinstance(step, Variable) else step._value
    if isinstance(step, (bool, float, np.floating)) or not isinstance(step, (int, np.integer)):
        raise TypeError(f"Cannot convert {step!r} to EagerTensor of dtype int64")
    return int(step)


def _array(data):
    """`data` as a JAX/NumPy array (a tracer inside a function), without recording anything."""
    if isinstance(data, Variable):
        return data._read()
    if isinstance(data, Tensor):
        return data._value
    return convert_to_tensor(data)._value


def _tag(name):
    return "/".join(s.rstrip("/") for s in _context.current.name_scopes + [name] if s)


def _write(tag, build, arrays, step, check=None):
    """Writes `build(*host_arrays)` (a Summary proto) at `step` to the default writer.

    Returns:
      A boolean Tensor: whether it was written (False without a default writer, as TF).
    """
    writer = _state.writer
    if writer is None or isinstance(writer, _NoopWriter):
        return _bool(False)
    condition = _condition()
    if condition is False:
        return _bool(False)
    step = _state.step if step is None else step
    if step is None:
        raise ValueError(_NO_STEP)
    step = _step_value(step)
    if check is not None:
        check(*arrays)
    traced = [isinstance(a, jax.core.Tracer) for a in [condition, step, *arrays]]
    if _context.current.replaying:
        # a recorded tapejax.function call's backward reruns its body: the call wrote already
        return Tensor(condition) if traced[0] else _bool(True)
    if any(traced):
        def host(condition, step, *values):
            if bool(condition):
                writer._add_summary(build(*[np.asarray(v) for v in values]), int(step))

        jax.debug.callback(host, condition, step, *arrays, ordered=True)
        return Tensor(condition) if traced[0] else _bool(True)
    writer._add_summary(build(*[np.asarray(a) for a in arrays]), step)
    return _bool(True)


# -- summaries -------------------------------------------------------------------------------------
_modules = None


def _tb():
    global _modules
    if _modules is None:
        _modules = _tensorboard()
    return _modules


def scalar(name, data, step=None, description=None):
    """Writes a scalar (as float32, TensorBoard's "scalars" plugin).

    Args:
      name: the tag (prefixed by the enclosing `tf.name_scope`s).
      data: a real scalar.
      step: an int64 step; default `tf.summary.experimental.get_step()`.
      description: optional Markdown description.

    Returns:
      A boolean Tensor: True if written, False without a default writer or when `record_if` is false.

    Raises:
      ValueError: `data` is not a scalar; or a writer is set but no step is.
    """
    array = _array(data)
    if tuple(array.shape) != ():
        raise ValueError(f"Expected scalar shape, saw shape: {tuple(array.shape)}.")
    tag = _tag(name)
    return _write(tag, lambda a: _tb()["scalar"].scalar_pb(tag, a, description), [array], step)


def histogram(name, data, step=None, buckets=None, description=None):
    """Writes a histogram of `data` (TF's `[buckets, 3]` float64 left/right/count, default 30
    buckets, TensorBoard's "histograms" plugin); returns a boolean Tensor as `scalar`."""
    array = _array(data)
    tag = _tag(name)
    return _write(tag, lambda a: _tb()["histogram"].histogram_pb(tag, a, buckets, description),
                  [array], step)


def _to_uint8(images):
    """`tf.image.convert_image_dtype(images, tf.uint8, saturate=True)`."""
    if images.dtype == np.uint8:
        return images
    if np.issubdtype(images.dtype, np.floating):
        scaled = images * images.dtype.type(255.5)
        return np.clip(scaled, 0, 255).astype(np.uint8)
    if images.dtype == np.bool_:
        return images.astype(np.uint8)
    info = np.iinfo(images.dtype)
    shift = (int(info.max) + 1) // 256
    return np.clip(images.astype(np.int64) // max(shift, 1), 0, 255).astype(np.uint8)


_PNG_MODES = {1: "L", 2: "LA", 3: "RGB", 4: "RGBA"}


def _png(image):
    buffer = io.BytesIO()
    channels = image.shape[-1]
    Image.fromarray(image[..., 0] if channels == 1 else image, _PNG_MODES[channels]).save(
        buffer, format="PNG")
    return buffer.getvalue()


def _check_rank(rank):
    def check(array):
        if array.ndim != rank:
            raise ValueError(f"Tensor  must have rank {rank}.  Received rank {array.ndim}, shape "
                             f"{tuple(array.shape)}")
    return check


def image(name, data, step=None, max_outputs=3, description=None):
    """Writes up to `max_outputs` images as PNG (TensorBoard's "images" plugin).

    Args:
      data: `[k, h, w, c]` images, c in 1..4; floats in [0, 1] (converted as
        `tf.image.convert_image_dtype(..., tf.uint8, saturate=True)`) or uint8.

    Returns:
      A boolean Tensor as `scalar`.
    """
    array = _array(data)
    tag = _tag(name)

    def build(images):
        tb = _tb()
        images = _to_uint8(images)
        strings = [str(images.shape[2]).encode(), str(images.shape[1]).encode()] + [
            _png(im) for im in images[:max_outputs]]
        tensor = tb["tensor_util"].make_tensor_proto(np.array(strings, dtype=object))
        summary = tb["summary_pb2"].Summary()
        summary.value.add(tag=tag, tensor=tensor, metadata=tb["image"].create_summary_metadata(
            display_name=None, description=description))
        return summary

    if max_outputs < 0:
        raise InvalidArgumentError(f"\nCondition x >= 0 did not hold element-wise:\nx (shape=() "
                                   f"dtype=int32) = \n{max_outputs}")
    return _write(tag, build, [array], step, check=_check_rank(4))


def _strings(data):
    if isinstance(data, (Tensor, Variable)):
        raise TypeError(f"tensor must be of type tf.string; got tf.{data.dtype.name}")
    array = np.asarray(data)
    if array.dtype.kind not in "USO":
        dtype = {"f": "float32", "i": "int32", "b": "bool"}.get(array.dtype.kind, array.dtype.name)
        raise TypeError(f"tensor must be of type tf.string; got tf.{dtype}")
    return np.vectorize(lambda s: s if isinstance(s, bytes) else str(s).encode(), otypes=[object])(
        array) if array.size else array.astype(object)


def text(name, data, step=None, description=None):
    """Writes text (a Python/NumPy string or array of strings; TensorBoard's "text" plugin).

    Raises:
      TypeError: `data` is not strings.
    """
    strings = _strings(data)
    tag = _tag(name)

    return _write(tag, lambda: _tb()["text"].text_pb(tag, strings, description), [], step)


def _wav(samples, sample_rate):
    """16-bit PCM WAV of float samples `[t, c]` in [-1, 1] (TF's encode_wav quantization)."""
    scaled = samples.astype(np.float64) * 32768.0
    pcm = np.clip(np.sign(scaled) * np.floor(np.abs(scaled) + 0.5), -32768, 32767).astype("<i2")
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(samples.shape[1])
        out.setsampwidth(2)
        out.setframerate(int(sample_rate))
        out.writeframes(pcm.tobytes())
    return buffer.getvalue()


def audio(name, data, sample_rate, step=None, max_outputs=3, encoding=None, description=None):
    """Writes up to `max_outputs` clips as WAV (TensorBoard's "audio" plugin).

    Args:
      data: float `[k, t, c]` samples in [-1, 1].
      sample_rate: samples per second.

    Returns:
      A boolean Tensor as `scalar`.
    """
    if encoding not in (None, "wav"):
        raise ValueError(f"Unknown encoding: {encoding!r}")
    array = _array(data)
    rate = int(np.asarray(_array(sample_rate)))
    tag = _tag(name)

    def build(clips):
        tb = _tb()
        pairs = np.array([[_wav(c, rate), b""] for c in clips[:max_outputs]], dtype=object)
        tensor = tb["tensor_util"].make_tensor_proto(pairs.reshape(-1, 2))
        metadata = tb["audio"].create_summary_metadata(
            display_name=None, description=description,
            encoding=tb["audio"].Encoding.Value("WAV"))
        summary = tb["summary_pb2"].Summary()
        summary.value.add(tag=tag, tensor=tensor, metadata=metadata)
        return summary
    return _write(tag, build, [array], step, check=_check_rank(3))


def write(tag, tensor, step=None, metadata=None, name=None):
    """Writes a raw tensor with `metadata` (a `SummaryMetadata` proto, its serialized bytes, or None).

    Returns:
      A boolean Tensor as `scalar`.
    """
    array = tensor if isinstance(tensor, np.ndarray) and tensor.dtype == object else _array(tensor)

    def build(value):
        tb = _tb()
        summary = tb["summary_pb2"].Summary()
        entry = summary.value.add(tag=tag, tensor=tb["tensor_util"].make_tensor_proto(value))
        if isinstance(metadata, bytes):
            entry.metadata.ParseFromString(metadata)
        elif metadata is not None:
            entry.metadata.CopyFrom(metadata)
        return summary
    return _write(tag, build, [array], step)


@contextlib.contextmanager
def summary_scope(name, default_name=None, values=None):
    """Yields `(tag, scope)` for a summary named `name` inside the current name scopes."""
    with name_scope(name or default_name):
        scope = "/".join(s for s in _context.current.name_scopes if s)
        yield scope, scope + "/"


# -- graph traces ----------------------------------------------------------------------------------
# TF collects the graphs of the tf.function calls between trace_on and trace_export and writes them
# as one summary: tag `name`, a [1] string tensor holding a serialized RunMetadata (one
# FunctionGraphs entry per graph), plugin "graph_run_metadata_graph" with content "1" (measured on
# TF 2.21; TensorBoard's graphs plugin reads it). tapejax writes the same summary; each graph is
# the compiled call's jaxpr as a GraphDef: an `_Arg` node per input, a node per top-level equation
# (named by its tapejax op where it is one, inputs from the nodes producing its operands) and a
# `_Retval` node per output.
_trace_lock = threading.Lock()
_trace = {"context": None, "calls": {}, "original": None}
_logger = logging.getLogger("tapejax")


def _start_collecting():
    original = _function.Function._call_concrete

    def collecting(self, concrete, leaves):
        _trace["calls"].setdefault(id(concrete), (self._name, concrete))
        return original(self, concrete, leaves)

    _trace["original"] = original
    _function.Function._call_concrete = collecting


def _stop_collecting():
    if _trace["original"] is not None:
        _function.Function._call_concrete = _trace["original"]
        _trace["original"] = None
    _trace["calls"] = {}


def trace_on(graph=True, profiler=False, profiler_outdir=None):
    """Starts collecting the graphs of `tf.function` calls (and, with `profiler`, a JAX profile).

    Args:
      graph: collect the graphs of the functions called until `trace_export`/`trace_off`.
      profiler: also run JAX's profiler (`jax.profiler.start_trace`) into `profiler_outdir`,
        which TensorBoard's profile plugin reads.
      profiler_outdir: the profile's directory; required with `profiler` (a warning otherwise, as TF).
    """
    if _function._tracing():
        _logger.warning("Cannot enable trace inside a tf.function.")
        return
    with _trace_lock:
        if _trace["context"] is not None:
            _logger.warning("Trace already enabled")
            return
        profiling = False
        if profiler:
            if profiler_outdir is None:
                _logger.warning("No `profiler_outdir` passed to trace_on(). Profiler won't be enabled.")
            else:
                _profiler.start(profiler_outdir)
                profiling = True
        _start_collecting()
        _trace["context"] = (bool(graph), bool(profiler), profiling)


def trace_off():
    """Stops the current trace and discards what it collected."""
    with _trace_lock:
        context, _trace["context"] = _trace["context"], None
        if context is None:
            return
        _stop_collecting()
    if context[2]:
        try:
            _profiler.stop()
        except Exception as err:  # noqa: BLE001 - TF logs any failure to stop and goes on
            _logger.warning("Error while stopping profiler: %s", err)


def _graph_def(concrete):
    """A GraphDef proto of a compiled call's jaxpr (see the section comment)."""
    from tensorboard.compat.proto import graph_pb2
    jaxpr = getattr(concrete.jaxpr, "jaxpr", concrete.jaxpr)
    graph = graph_pb2.GraphDef()
    producer = {}
    for i, var in enumerate(jaxpr.invars):
        node = graph.node.add(name=f"input_{i}", op="_Arg")
        node.attr["index"].i = i
        producer[var] = node.name
    counts = {}
    for eqn in jaxpr.eqns:
        op_type = eqn.primitive.name
        if op_type in ("jit", "pjit"):
            op_type = eqn.params.get("name", op_type)
        counts[op_type] = counts.get(op_type, 0) + 1
        name = op_type if counts[op_type] == 1 else f"{op_type}_{counts[op_type] - 1}"
        inputs = [producer[v] for v in eqn.invars if not isinstance(v, _Literal) and v in producer]
        graph.node.add(name=name, op=op_type, input=inputs)
        for j, var in enumerate(eqn.outvars):
            producer[var] = name if j == 0 else f"{name}:{j}"
    for i, var in enumerate(jaxpr.outvars):
        node = graph.node.add(name=f"output_{i}_RetVal", op="_Retval",
                              input=[producer[var]] if not isinstance(var, _Literal) and var in producer else [])
        node.attr["index"].i = i
    return graph


def trace_export(name, step=None, profiler_outdir=None):
    """Stops the trace and writes the collected graphs as a summary to the default writer.

    Args:
      name: the summary's tag.
      step: an int64 step; default `tf.summary.experimental.get_step()`.
      profiler_outdir: ignored, as in TF 2.21 (pass it to `trace_on`).

    Raises:
      ValueError: when no trace is on, or a writer is set but no step is.
    """
    if _function._tracing():
        _logger.warning("Cannot export trace inside a tf.function.")
        return
    with _trace_lock:
        context = _trace["context"]
        if context is None:
            raise ValueError("Must enable trace before export through tf.summary.trace_on.")
        calls = list(_trace["calls"].values())
    graph, profiler, _ = context
    tag = _tag(name)
    plugin = "graph_run_metadata_graph" if graph and not profiler else "graph_run_metadata"

    def build():
        tb = _tb()
        from tensorboard.compat.proto import config_pb2
        run_metadata = config_pb2.RunMetadata()
        for _, concrete in calls:
            run_metadata.function_graphs.add().pre_optimization_graph.CopyFrom(_graph_def(concrete))
        summary = tb["summary_pb2"].Summary()
        value = np.empty((1,), dtype=object)
        value[0] = run_metadata.SerializeToString()
        entry = summary.value.add(tag=tag, tensor=tb["tensor_util"].make_tensor_proto(value))
        entry.metadata.plugin_data.plugin_name = plugin
        entry.metadata.plugin_data.content = b"1"
        entry.metadata.data_class = tb["summary_pb2"].DATA_CLASS_BLOB_SEQUENCE
        return summary

    if profiler and profiler_outdir:
        _logger.warning("Ignoring `profiler_outdir` passed to trace_export(). Please pass it to "
                        "trace_on() instead.")
    _write(tag, build, [], step)  # a missing step raises here and leaves the trace on, as TF
    trace_off()


__all__ = ["SummaryWriter", "audio", "create_file_writer", "create_noop_writer", "flush",
           "get_step", "histogram", "image", "record_if", "scalar", "set_step",
           "should_record_summaries", "summary_scope", "text", "trace_export", "trace_off", "trace_on",
           "write"]
