"""`tf.profiler.experimental`: JAX's profiler (`jax.profiler`) behind TF's profiler API.

`start(logdir)` ... `stop()` write `<logdir>/plugins/profile/<run>/<host>.xplane.pb`, the layout
TF 2.21 writes and TensorBoard's profile plugin reads; `Trace` is `jax.profiler.TraceAnnotation`.
The profile is JAX's (XLA's programs and host events), not TF's op-by-op one.
"""

from __future__ import annotations

import collections
import os
import threading

import jax

from tapejax._errors import AlreadyExistsError, UnavailableError

_lock = threading.Lock()
_running = [False]

ProfilerOptions = collections.namedtuple(
    "ProfilerOptions", ["host_tracer_level", "python_tracer_level", "device_tracer_level", "delay_ms"],
    defaults=[2, 0, 1, None])


def start(logdir, options=None):
    """Starts profiling into `logdir` (`options` are accepted; JAX picks its tracers).

    Raises:
      AlreadyExistsError: when a profiler is running already (TF's message).
    """
    with _lock:
        if _running[0]:
            raise AlreadyExistsError("Another profiler is running.")
        jax.profiler.start_trace(os.fspath(logdir))
        _running[0] = True


def stop(save=True):
    """Stops profiling and writes the profile.

    Raises:
      UnavailableError: when no profiler is running (TF's message).
    """
    with _lock:
        if not _running[0]:
            raise UnavailableError("Cannot export profiling results. No profiler is running.")
        _running[0] = False
        jax.profiler.stop_trace()


def running():
    return _running[0]


class Profile:
    """A context manager that profiles its body into `logdir` (`tf.profiler.experimental.Profile`)."""

    def __init__(self, logdir, options=None):
        self._logdir, self._options = logdir, options

    def __enter__(self):
        start(self._logdir, self._options)
        return self

    def __exit__(self, *exc):
        stop()
        return False


def Trace(name, **kwargs):  # noqa: N802 - TF's name
    """A context manager naming the events inside it in the profile (`tf.profiler.experimental.Trace`)."""
    return jax.profiler.TraceAnnotation(name, **kwargs)


def start_server(port):
    """Starts a profiler server on `port` (`tf.profiler.experimental.server.start`)."""
    jax.profiler.start_server(port)


def _remote(*args, **kwargs):
    raise NotImplementedError("tf.profiler.experimental.client (remote capture) is not implemented in tapejax; "
                              "profile in-process with tf.profiler.experimental.start/stop.")


__all__ = ["Profile", "ProfilerOptions", "Trace", "start", "stop"]
