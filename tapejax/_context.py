"""The ambient state of tapejax, one copy per thread (as TF keeps its eager context per thread).

Everything that changes what an op or a Variable access does, without being an argument to it, lives
here: the tapes now recording, the interception of Variable reads and writes while a
`tapejax.function` or a custom gradient traces, the listeners told of new Variables, the source of
random draws inside a trace, the name scopes, and the depths of the tracing modes. A thread starts
with none of them active, so one thread tracing a function never sees another thread's eager work.

`tf.config.run_functions_eagerly` and tapejax's explanations (`TAPEJAX_EXPLAIN`) are process-wide
switches (the first as in TF), kept in `settings`.
"""

from __future__ import annotations

import contextlib
import os
import threading
import types


class _Context(threading.local):
    def __init__(self):
        self.recording = []          # recorders of the GradientTapes now recording, outermost first
        self.read_hook = None        # Variable -> its value, while a trace intercepts reads
        self.write_hook = None       # (Variable, array) -> None, while a trace intercepts writes
        self.creation_listeners = []  # told of every Variable created in this thread
        self.rng_hook = None         # op seed -> the counter words of a random draw inside a trace
        self.trace = None            # the `tapejax.function` trace now running, if any
        self.replaying = False       # a recorded function call's backward is re-running its body
        self.name_scopes = []        # the stack of `tf.name_scope` prefixes
        self.trace_graph = None      # TF's op names in the `tapejax.function` trace now running
        self.primal_only = 0         # > 0: composites traced by JAX run their plain primal ops
        self.function_depth = 0      # > 0 while a tapejax.function is traced (AutoGraph staging)
        self.trace_records = []      # per function trace being made (innermost last): its TraceRecord
        self.loop_options = []       # per staged loop body being traced: its set_loop_options
        self.local_depth = 0         # > 0 while staged code (a branch or a loop body) is traced
        self.eager_device_scopes = 0  # > 0 inside tf.device scopes off the default device: no deferral
        self.uses_variables = None   # set when this thread first reads or writes a Variable (see
        # `donation_lock`)


current = _Context()

# Donating a Variable's buffer (an in-place update) frees the old value, so it is safe only while
# no other thread can be holding that value: while one thread uses Variables. Each donation (check,
# program, write back) holds this lock; a thread's first Variable access waits on it and counts
# itself, and while more than one live thread is counted, updates copy instead of donating.
donation_lock = threading.RLock()


shared = types.SimpleNamespace(variable_threads=0)  # live threads that have read or written a Variable


class _VariableThread:
    """Held by a counting thread's context: dropped with it when the thread ends, it uncounts it."""

    def __del__(self):
        with donation_lock:
            shared.variable_threads -= 1


def note_variable_thread(context):
    """Counts this thread among the Variable users (once); waits for a donation in flight."""
    with donation_lock:
        if not context.uses_variables:
            context.uses_variables = _VariableThread()
            shared.variable_threads += 1


def variable_user():
    """This thread's context, the thread counted among the Variable users on its first use."""
    context = current
    if not context.uses_variables:
        note_variable_thread(context)
    return context


def donation_allowed():
    """Whether Variable buffers may be donated now: at most one thread uses Variables. Call it
    holding `donation_lock` through the donating program and the write back."""
    return shared.variable_threads <= 1


settings = types.SimpleNamespace(
    run_functions_eagerly=False,  # process-wide, as `tf.config.run_functions_eagerly`
    explain=os.environ.get("TAPEJAX_EXPLAIN", "").strip().lower() not in ("", "0", "false", "no"))


@contextlib.contextmanager
def scope(**changes):
    """Sets attributes of this thread's context for the duration of the block, then restores them."""
    context = current
    saved = {name: getattr(context, name) for name in changes}
    for name, value in changes.items():
        setattr(context, name, value)
    try:
        yield context
    finally:
        for name, value in saved.items():
            setattr(context, name, value)


def outside_traces():
    """A scope in which this thread runs eagerly: no interception, no recording tapes, no trace."""
    return scope(read_hook=None, write_hook=None, trace=None, recording=[], rng_hook=None,
                 creation_listeners=[])
