"""`tapejax.function`: whole-step compilation (see issue 5); hooks Variables use while tracing."""

from __future__ import annotations

_creation_listeners = []


def note_variable_created(variable):
    """Tells an active `function` trace that a Variable was created."""
    for listener in _creation_listeners:
        listener(variable)
