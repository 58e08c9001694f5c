"""Explanations for the questions TF answers silently: why a gradient is `None`, why a function retraced.

Turn them on with the environment variable `TAPEJAX_EXPLAIN=1`, or at run time::

    import tapejax.explain
    tapejax.explain.enable()

Then every `None` that `GradientTape.gradient` or `jacobian` returns emits a `NoneGradientWarning`
naming the source, the reason (never watched, an integer tensor, a non-trainable Variable, cut at an
op without a gradient, `tf.stop_gradient`, a NumPy or Python value, an assignment, `stop_recording`,
a Variable replaced by a Tensor, or no dependence at all) and the line that caused it; every retrace
of a `tapejax.function` emits a `RetraceWarning` naming what changed and the call's line. Off by
default; off, they cost one attribute test where a path can be lost.
"""

from tapejax._explain import ExplainWarning as ExplainWarning
from tapejax._explain import NoneGradientWarning as NoneGradientWarning
from tapejax._explain import RetraceWarning as RetraceWarning
from tapejax._explain import disable as disable
from tapejax._explain import enable as enable
from tapejax._explain import is_enabled as is_enabled

__all__ = ["ExplainWarning", "NoneGradientWarning", "RetraceWarning", "disable", "enable", "is_enabled"]
