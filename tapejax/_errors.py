"""TF's exception classes (`tf.errors`) and the call-site helpers used in tapejax's hints."""

from __future__ import annotations

import functools
import logging
import os
import sys


class OperatorNotAllowedInGraphError(TypeError):
    """A traced Tensor used where Python needs a concrete value (a Python `bool`, an iteration)."""


# TF's error codes (`tf.errors.OK`, ...), as in its `error_codes.proto`.
OK, CANCELLED, UNKNOWN, INVALID_ARGUMENT, DEADLINE_EXCEEDED, NOT_FOUND, ALREADY_EXISTS = 0, 1, 2, 3, 4, 5, 6
PERMISSION_DENIED, RESOURCE_EXHAUSTED, FAILED_PRECONDITION, ABORTED, OUT_OF_RANGE = 7, 8, 9, 10, 11
UNIMPLEMENTED, INTERNAL, UNAVAILABLE, DATA_LOSS, UNAUTHENTICATED = 12, 13, 14, 15, 16


class OpError(Exception):
    """Base class of TF's runtime errors (`tf.errors.OpError`).

    Args (TF's): node_def, op, message and, for OpError itself, error_code, as
    `tf.errors.OpError(node_def, op, message, error_code)` and `tf.errors.NotFoundError(node_def, op, message)`.
    tapejax's own code raises with the message alone (`InvalidArgumentError("...")`).
    """

    error_code = UNKNOWN

    def __init__(self, *args, **kwargs):
        names = ("message",) if len(args) + len(kwargs) <= 1 else ("node_def", "op", "message", "error_code")
        given = {**dict(zip(names, args)), **kwargs}
        if type(self) is OpError and "error_code" in given:
            self.error_code = given["error_code"]
        self.message = given.get("message", "")
        super().__init__(self.message)
        self.node_def = given.get("node_def")
        self.op = given.get("op")
        self.experimental_payloads = {}

    def __str__(self):
        return str(self.message)


def _error_class(name, code, doc):
    return type(name, (OpError,), {"__doc__": doc, "error_code": code, "__module__": __name__})


CancelledError = _error_class("CancelledError", CANCELLED, "An operation was cancelled (`tf.errors.CancelledError`).")
UnknownError = _error_class("UnknownError", UNKNOWN, "An unknown error (`tf.errors.UnknownError`).")
InvalidArgumentError = _error_class(
    "InvalidArgumentError", INVALID_ARGUMENT, "An op received an invalid argument (`tf.errors.InvalidArgumentError`).")
DeadlineExceededError = _error_class(
    "DeadlineExceededError", DEADLINE_EXCEEDED, "A deadline expired first (`tf.errors.DeadlineExceededError`).")
NotFoundError = _error_class("NotFoundError", NOT_FOUND, "A file or entity was not found (`tf.errors.NotFoundError`).")
AlreadyExistsError = _error_class(
    "AlreadyExistsError", ALREADY_EXISTS,
    "An entity (a file) that an op tried to create already exists (`tf.errors.AlreadyExistsError`).")
PermissionDeniedError = _error_class(
    "PermissionDeniedError", PERMISSION_DENIED,
    "The caller may not run the operation, e.g. a read on a file opened for writing (`tf.errors.PermissionDeniedError`).")
UnauthenticatedError = _error_class(
    "UnauthenticatedError", UNAUTHENTICATED, "No valid credentials (`tf.errors.UnauthenticatedError`).")
ResourceExhaustedError = _error_class(
    "ResourceExhaustedError", RESOURCE_EXHAUSTED, "Memory or another resource ran out (`tf.errors.ResourceExhaustedError`).")
FailedPreconditionError = _error_class(
    "FailedPreconditionError", FAILED_PRECONDITION,
    "The system is not in a state to run the operation (`tf.errors.FailedPreconditionError`).")
AbortedError = _error_class("AbortedError", ABORTED, "An operation was aborted (`tf.errors.AbortedError`).")
OutOfRangeError = _error_class(
    "OutOfRangeError", OUT_OF_RANGE,
    "Iteration past the end of a sequence, e.g. `iterator.get_next()` (`tf.errors.OutOfRangeError`).")
UnimplementedError = _error_class(
    "UnimplementedError", UNIMPLEMENTED, "The operation is not implemented (`tf.errors.UnimplementedError`).")
InternalError = _error_class("InternalError", INTERNAL, "An internal invariant broke (`tf.errors.InternalError`).")
UnavailableError = _error_class(
    "UnavailableError", UNAVAILABLE,
    "The runtime cannot do it now, e.g. stopping a profiler that is not running (`tf.errors.UnavailableError`).")
DataLossError = _error_class(
    "DataLossError", DATA_LOSS,
    "Unrecoverable data loss or corruption, e.g. a truncated checkpoint (`tf.errors.DataLossError`).")

# `tf.errors`: the classes above, OperatorNotAllowedInGraphError and the codes.
__all__ = sorted(["OperatorNotAllowedInGraphError", "OpError", "CancelledError", "UnknownError",
                  "InvalidArgumentError", "DeadlineExceededError", "NotFoundError", "AlreadyExistsError",
                  "PermissionDeniedError", "UnauthenticatedError", "ResourceExhaustedError",
                  "FailedPreconditionError", "AbortedError", "OutOfRangeError", "UnimplementedError",
                  "InternalError", "UnavailableError", "DataLossError", "OK", "CANCELLED", "UNKNOWN",
                  "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND", "ALREADY_EXISTS", "PERMISSION_DENIED",
                  "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED",
                  "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED"])


_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))


_INSIDE = {}  # a frame's file name -> whether it is one of tapejax's files (bounded: cleared when large)
_GENERATED = {}  # id of an exec'd frame's namespace -> whether it is tapejax's (module namespaces live on)


def call_site(skip=1):
    """Where the user's code is now, cheaply: the code object and instruction offset of the
    innermost frame outside tapejax, looked for from `skip` frames up (its line is worked out only
    when needed, by `site_line`)."""
    frame = sys._getframe(skip)
    while frame is not None:
        code = frame.f_code
        name = code.co_filename
        inside = _INSIDE.get(name)
        if inside is None:
            if len(_INSIDE) >= 4096:
                _INSIDE.clear()
            inside = _INSIDE[name] = name.startswith(_PACKAGE_DIR)
        if not inside and name.startswith("<"):  # exec'd code (signature-preserving wrappers, say):
            namespace = frame.f_globals  # tapejax's when its namespace is, or when it has none
            inside = _GENERATED.get(id(namespace))
            if inside is None:
                if len(_GENERATED) >= 4096:
                    _GENERATED.clear()
                module = namespace.get("__name__")
                inside = _GENERATED[id(namespace)] = module is None or module.startswith("tapejax")
        if not inside:
            return code, frame.f_lasti
        frame = frame.f_back
    return None


def _file_and_line(site):
    """(filename, lineno) of a `call_site()`; ("<unknown>", 0) for None."""
    if site is None:
        return "<unknown>", 0
    code, offset = site
    lineno = next((line for start, end, line in code.co_lines() if start <= offset < end), None)
    return code.co_filename, code.co_firstlineno if lineno is None else lineno


def user_frame():
    """(filename, lineno) of the innermost stack frame outside tapejax."""
    return _file_and_line(call_site(2))


def site_line(site):
    """'file:line' of a `call_site()`."""
    return "%s:%s" % _file_and_line(site)


def user_line():
    """'file:line' of the user's call, for hints in error messages."""
    return site_line(call_site(2))


_log_counts = {}


@functools.cache
def logger():
    """tapejax's logger; WARNING records print as TF's do (`WARNING:tapejax:...`)."""
    found = logging.getLogger("tapejax")
    if not found.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(levelname)s:%(name)s:%(message)s"))
        found.addHandler(handler)
        found.propagate = True
    return found


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
