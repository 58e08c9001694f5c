"""TF's exception classes (`tf.errors`) and the call-site helpers used in tapejax's hints."""

from __future__ import annotations

import os
import sys


class OperatorNotAllowedInGraphError(TypeError):
    """A traced Tensor used where Python needs a concrete value (a Python `bool`, an iteration)."""


class OpError(Exception):
    """Base class of TF's runtime errors (`tf.errors.OpError`)."""

    def __init__(self, message="", node_def=None, op=None):
        super().__init__(message)
        self.message = message
        self.node_def = node_def
        self.op = op


class InvalidArgumentError(OpError):
    """An op received an invalid argument (`tf.errors.InvalidArgumentError`)."""


class NotFoundError(OpError):
    """`tf.errors.NotFoundError`."""


class ResourceExhaustedError(OpError):
    """`tf.errors.ResourceExhaustedError`."""


class FailedPreconditionError(OpError):
    """`tf.errors.FailedPreconditionError`."""


class DataLossError(OpError):
    """Unrecoverable data loss or corruption, e.g. a truncated checkpoint (`tf.errors.DataLossError`)."""


class UnimplementedError(OpError):
    """`tf.errors.UnimplementedError`."""


class OutOfRangeError(OpError):
    """Iteration past the end of a sequence, e.g. `iterator.get_next()` (`tf.errors.OutOfRangeError`)."""


class AlreadyExistsError(OpError):
    """An entity (a file) that an op tried to create already exists (`tf.errors.AlreadyExistsError`)."""


class PermissionDeniedError(OpError):
    """The caller may not run the operation, e.g. a read on a file opened for writing
    (`tf.errors.PermissionDeniedError`)."""


class UnavailableError(OpError):
    """The runtime cannot do it now, e.g. stopping a profiler that is not running (`tf.errors.UnavailableError`)."""


_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))


def _generated_by_tapejax(frame):
    """A frame of code tapejax built with `exec` (e.g. signature-preserving wrappers): no file, and
    a namespace of tapejax's or none."""
    if not frame.f_code.co_filename.startswith("<"):
        return False
    module = frame.f_globals.get("__name__")
    return module is None or module.startswith("tapejax")


def user_frame():
    """(filename, lineno) of the innermost stack frame outside tapejax."""
    frame = sys._getframe(1)
    while frame is not None and (frame.f_code.co_filename.startswith(_PACKAGE_DIR)
                                 or _generated_by_tapejax(frame)):
        frame = frame.f_back
    if frame is None:
        return ("<unknown>", 0)
    return (frame.f_code.co_filename, frame.f_lineno)


def user_line():
    """'file:line' of the user's call, for hints in error messages."""
    filename, lineno = user_frame()
    return f"{filename}:{lineno}"


_logger = None
_log_counts = {}


def logger():
    """tapejax's logger; WARNING records print as TF's do (`WARNING:tapejax:...`)."""
    global _logger
    if _logger is None:
        import logging
        _logger = logging.getLogger("tapejax")
        if not _logger.handlers:
            handler = logging.StreamHandler()
            handler.setFormatter(logging.Formatter("%(levelname)s:%(name)s:%(message)s"))
            _logger.addHandler(handler)
            _logger.propagate = True
    return _logger


def warn_first_n(n, message, key=None):
    """Logs `message` as a warning at most `n` times per user call site (TF's log_first_n), per
    `key` (default: the message's first 40 characters)."""
    site = (user_frame(), message[:40] if key is None else key)
    count = _log_counts.get(site, 0)
    if count < n:
        _log_counts[site] = count + 1
        logger().warning(message)


_RUNTIME_STATUS = {"RESOURCE_EXHAUSTED": ResourceExhaustedError, "INVALID_ARGUMENT": InvalidArgumentError,
                   "NOT_FOUND": NotFoundError, "FAILED_PRECONDITION": FailedPreconditionError,
                   "UNIMPLEMENTED": UnimplementedError, "OUT_OF_RANGE": OutOfRangeError,
                   "DATA_LOSS": DataLossError}


def from_runtime_error(err):
    """TF's `tf.errors` class for a JAX/XLA runtime error, by its status (`RESOURCE_EXHAUSTED: Out of
    memory ...` -> ResourceExhaustedError); None when the status has no TF class here."""
    message = str(err)
    status = message.split(":", 1)[0].strip()
    cls = _RUNTIME_STATUS.get(status)
    if cls is None:
        return None
    hint = ("\ntapejax: the device ran out of memory; use smaller shapes or batches."
            if cls is ResourceExhaustedError else "")
    return cls(f"{message.split(chr(10))[0]}{hint}")
