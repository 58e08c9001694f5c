"""`tf.print`: TF's text for tensors and nested structures, eagerly and at each call of a function.

The text follows TF's kernels: a structure is laid out with `pprint` around placeholders, and each
tensor is summarised as `Tensor::SummarizeValue` does in print mode (`[1 2 ... 9]`, floats with the
shortest of 6/9 (float32) or 15/17 (float64) significant digits that round-trips, booleans as
`1`/`0`). Inside `tapejax.function` the text is made by a `jax.debug.callback`, so it prints on every
call of the compiled step, as TF prints at each call of a `tf.function`.
"""

from __future__ import annotations

import collections
import logging
import math
import os
import pprint
import random
import sys

import jax
import numpy as np

from tapejax import _context, _errors, _lazy, _nest, _trace_graph
from tapejax._tensor import Tensor
from tapejax._variable import Variable


# -- one tensor's text -----------------------------------------------------------------------
def _float_text(value, narrow):
    """TF's FloatToBuffer / DoubleToBuffer: %.6g (%.15g) unless it does not round-trip."""
    v = float(value)
    if math.isnan(v):
        return "-nan" if np.signbit(value) else "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    if narrow:
        text = "%.6g" % v
        return text if np.float32(text) == np.float32(v) else "%.9g" % v
    text = "%.15g" % v
    return text if float(text) == v else "%.17g" % v


def _element_formatter(dtype):
    kind = dtype.kind
    if kind == "b":
        return lambda x: "1" if x else "0"
    if kind in "iu":
        return lambda x: str(int(x))
    if kind == "f" or dtype.name == "bfloat16":
        narrow = dtype.itemsize <= 4
        return lambda x: _float_text(x, narrow)
    if kind == "O" or kind in "SU":  # a string tensor: quoted and C-escaped, as TF
        return _string_element
    return None


_ESCAPES = {ord("\n"): "\\n", ord("\r"): "\\r", ord("\t"): "\\t", ord('"'): '\\"', ord("'"): "\\'",
            ord("\\"): "\\\\"}


def _string_element(x):
    """A string element quoted and escaped as TF's `Utf8SafeCEscape` (UTF-8 bytes kept as they are)."""
    if isinstance(x, str):
        x = x.encode("utf-8")
    out = bytearray()
    for byte in x:
        if byte in _ESCAPES:
            out += _ESCAPES[byte].encode()
        elif byte < 0x80 and not 0x20 <= byte < 0x7F:
            out += b"\\%03o" % byte
        else:
            out.append(byte)
    return '"' + out.decode("utf-8", "replace") + '"'


def _dim_spacing(dim, ndims, out):
    if dim == ndims - 1:
        out.append(" ")
        return
    out.append("\n" * (ndims - dim - 1) + " " * (dim + 1))


def _one_dim(dim, shape, ends, flat, index, fmt, out):
    ndims = len(shape)
    if dim == ndims:
        out.append(fmt(flat[index]))
        return
    out.append("[")
    count = shape[dim]
    start_of_end = max(ends, count - ends)
    per = int(np.prod(shape[dim + 1:], dtype=np.int64))
    for i in range(min(ends, count)):
        if i > 0:
            _dim_spacing(dim, ndims, out)
        _one_dim(dim + 1, shape, ends, flat, index + per * i, fmt, out)
    if count > 2 * ends:
        _dim_spacing(dim, ndims, out)
        out.append("...")
    for i in range(start_of_end, count):
        _dim_spacing(dim, ndims, out)
        _one_dim(dim + 1, shape, ends, flat, index + per * i, fmt, out)
    out.append("]")


def format_array(array, summarize=3):
    """An array's text as `tf.print` writes it (TF's `SummarizeValue(summarize, print_v2=true)`).

    Args:
      array: a NumPy array.
      summarize: elements shown at each end of each dimension; -1 shows all.

    Returns:
      The text, e.g. `[0 1 2 ... 7 8 9]`.
    """
    array = np.asarray(array)
    num = array.size
    max_entries = num if summarize < 0 else summarize
    limit = min(max_entries, num)
    flat = array.reshape(-1)
    fmt = _element_formatter(array.dtype)
    if fmt is None:  # complex and other irregular types: TF prints '?' per element
        text = " ".join("?" for _ in range(limit)) + ("..." if max_entries < num else "")
        return f"[{text}]" if array.ndim else text
    if array.ndim == 0:
        return " ".join(fmt(flat[i]) for i in range(limit)) + ("..." if num > limit else "")
    out = []
    _one_dim(0, array.shape, limit, flat, 0, fmt, out)
    return "".join(out)


# -- tf.print --------------------------------------------------------------------------------
def _is_tensor(x):
    return type(x) is Tensor or isinstance(x, Variable)


def _placeholder(template):
    """TF's `_generate_placeholder_string`: '{}' plus seeded random digits until it is unique."""
    placeholder = "{}"
    rng = random.Random(5)
    while placeholder in template:
        placeholder = placeholder + str(rng.randint(0, 9))
    return placeholder


def _template(inputs, sep):
    """(template, placeholder, tensors) as TF's `print_v2` builds them."""
    sorted_inputs = [collections.OrderedDict(sorted(x.items())) if isinstance(x, collections.OrderedDict) else x
                     for x in inputs]
    tensor_free = _nest.map_structure(lambda x: "" if _is_tensor(x) else x, sorted_inputs)
    placeholder = _placeholder(" ".join(pprint.pformat(x) for x in tensor_free))
    templates, tensors = [], []
    for item in inputs:
        slots = []
        for x in _nest.flatten(item):
            if _is_tensor(x):
                tensors.append(x)
                slots.append(placeholder)
            else:
                slots.append(x)
        if isinstance(item, str):
            templates.append(item)
        else:
            templates.append(pprint.pformat(_nest.pack_sequence_as(item, slots)))
    template = sep.join(templates).replace("'" + placeholder + "'", placeholder)
    return template, placeholder, tensors


_LOG_STREAMS = {logging.INFO: "info", logging.WARNING: "warning", logging.ERROR: "error"}
_LOG_FUNCTIONS = {"info": "info", "warning": "warning", "warn": "warning", "error": "error"}


def _stream_name(stream):
    if isinstance(stream, str) and stream.startswith("file://"):
        return stream
    if stream is sys.stdout:
        return "stdout"
    if stream is sys.stderr:
        return "stderr"
    if isinstance(stream, int) and not isinstance(stream, bool) and stream in _LOG_STREAMS:
        return "log:" + _LOG_STREAMS[stream]
    if callable(stream) and getattr(stream, "__name__", None) in _LOG_FUNCTIONS and getattr(
            stream, "__module__", "") in ("logging", "tapejax._errors", "absl.logging"):
        return "log:" + _LOG_FUNCTIONS[stream.__name__]
    raise ValueError(
        "Unsupported output stream, logging level, or file." + str(stream) + ". Supported streams are "
        "sys.stdout, sys.stderr, tf.logging.info, tf.logging.warning, tf.logging.error. File needs to be "
        "in the form of 'file://<filepath>'.")


def _write(stream_name, text, end):
    if stream_name == "stdout" or stream_name == "stderr":
        stream = sys.stdout if stream_name == "stdout" else sys.stderr
        stream.write(text + end)
        stream.flush()
    elif stream_name.startswith("file://"):
        with open(stream_name[len("file://"):], "a", encoding="utf-8") as file:
            file.write(text + end)
    else:
        getattr(_errors.logger(), stream_name[len("log:"):])(text)


def _render(template, placeholder, arrays, summarize):
    parts = template.split(placeholder)
    out = [parts[0]]
    for array, part in zip(arrays, parts[1:]):
        out.append(format_array(array, summarize))
        out.append(part)
    return "".join(out)


def print_(*inputs, **kwargs):
    """Prints `inputs` as `tf.print`: tensors in TF's summarised format, other values with `pprint`.

    Args:
      *inputs: Tensors, Variables, Python values, or nested lists/tuples/dicts of them. A string
        input is printed as is.
      output_stream: `sys.stderr` (default), `sys.stdout`, `"file://<path>"` (appended to), or a
        logging level / function (`logging.INFO`, `logging.info`, ...: written to tapejax's logger).
      summarize: elements printed at each end of each dimension (default 3; -1 prints all).
      sep: text between inputs (default " ").
      end: text after the last input (default `os.linesep`).
      name: ignored.

    Inside `tapejax.function` it prints at every call of the compiled function (through
    `jax.debug.callback`, in program order), not only while tracing.

    Raises:
      ValueError: for an unknown keyword argument or output stream, with TF's message.
    """
    output_stream = kwargs.pop("output_stream", sys.stderr)
    kwargs.pop("name", None)
    summarize = kwargs.pop("summarize", 3)
    sep = kwargs.pop("sep", " ")
    end = kwargs.pop("end", os.linesep)
    if kwargs:
        raise ValueError("Unrecognized keyword arguments for tf.print: %s" % kwargs)
    if summarize is None:
        summarize = 3
    stream = _stream_name(output_stream)
    if _context.current.replaying:  # a recorded call's backward reruns its body
        return None
    if (len(inputs) == 1 and _is_tensor(inputs[0]) and inputs[0].ndim == 0
            and inputs[0].dtype.name == "string"):
        value = np.asarray(inputs[0]._value)[()]
        _write(stream, value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value), end)
        return None
    template, placeholder, tensors = _template(inputs, sep)
    values = [t._value for t in tensors]
    if _lazy._no_trace() and not any(isinstance(v, jax.core.Tracer) for v in values):
        _write(stream, _render(template, placeholder, [np.asarray(v) for v in values], summarize), end)
        return None

    on_host = {i: v for i, v in enumerate(values) if isinstance(v, np.ndarray)}  # string tensors
    traced = [v for i, v in enumerate(values) if i not in on_host]

    def emit(*arrays):
        it = iter(arrays)
        merged = [on_host[i] if i in on_host else next(it) for i in range(len(values))]
        _write(stream, _render(template, placeholder, merged, summarize), end)

    def print_kernel(*arrays):
        jax.debug.callback(emit, *arrays, ordered=True)
        return ()

    _trace_graph.run_recorded(print_kernel, traced, multi=True)
    return None
