"""`keras.utils`: `Progbar` (the progress bar `fit` prints), `to_categorical`, `set_random_seed`."""

from __future__ import annotations

import sys
import time

import numpy as np

from tapejax.keras._dataset_utils import (  # noqa: F401 - keras.utils' dataset utilities
    image_dataset_from_directory,
    text_dataset_from_directory,
    timeseries_dataset_from_array,
)
from tapejax.keras._saving_registry import (  # noqa: F401 - keras.utils' saving registry
    CustomObjectScope,
    custom_object_scope,
    get_custom_objects,
    get_registered_name,
    get_registered_object,
    register_keras_serializable,
)

__all__ = ["Progbar", "to_categorical", "set_random_seed"]


class Progbar:
    """A text progress bar, as `keras.utils.Progbar`.

    Args:
      target: total number of steps (None if unknown).
      width: bar width in characters.
      verbose: 1 for the bar, 2 for one line at the end, 0 for silence.
      interval: minimum seconds between refreshes.
      stateful_metrics: names of metrics shown as given rather than averaged over steps.
      unit_name: the unit shown in the time per unit (`'step'`).
    """

    def __init__(self, target, width=20, verbose=1, interval=0.05, stateful_metrics=None,
                 unit_name="step"):
        self.target = target
        self.width = width
        self.verbose = verbose
        self.interval = interval
        self.unit_name = unit_name
        self.stateful_metrics = set(stateful_metrics or ())
        self._dynamic_display = (hasattr(sys.stdout, "isatty") and sys.stdout.isatty())
        self._values = {}
        self._values_order = []
        self._seen_so_far = 0
        self._start = time.time()
        self._last_update = 0.0
        self._total_width = 0

    def update(self, current, values=None, finalize=None):
        """Shows progress at step `current` with `(name, value)` pairs `values`."""
        if finalize is None:
            finalize = self.target is not None and current >= self.target
        for name, value in values or []:
            if name not in self._values_order:
                self._values_order.append(name)
            value = float(np.asarray(value))
            if name not in self.stateful_metrics:
                steps = max(current - self._seen_so_far, 1)
                total, count = self._values.get(name, (0.0, 0))
                self._values[name] = (total + value * steps, count + steps)
            else:
                self._values[name] = (value, 1)
        self._seen_so_far = current
        now = time.time()
        if self.verbose == 0:
            return
        if not finalize and now - self._last_update < self.interval:
            return
        self._last_update = now
        elapsed = now - self._start
        if self.verbose == 1 or finalize:
            if self.target is not None:
                digits = len(str(self.target))
                bar = f"{current:{digits}d}/{self.target} ["
                filled = int(self.width * current / self.target) if self.target else self.width
                if filled > 0:
                    bar += "=" * (filled - 1) + ("=" if current >= self.target else ">")
                bar += "." * (self.width - filled) + "]"
            else:
                bar = f"{current:7d}/Unknown"
            per_unit = elapsed / current if current else 0
            if finalize:
                info = f" {elapsed:.0f}s {self._format_time(per_unit)}/{self.unit_name}"
            elif self.target is not None:
                info = f" - ETA: {per_unit * (self.target - current):.0f}s"
            else:
                info = f" {elapsed:.0f}s"
            for name in self._values_order:
                total, count = self._values[name]
                info += f" - {name}: {total / max(count, 1):.4f}"
            line = bar + info
            if not finalize and (self.verbose == 2 or not self._dynamic_display):
                return
            if self._dynamic_display:
                sys.stdout.write("\r" + line.ljust(self._total_width))
            else:
                sys.stdout.write(line + "\n")
            self._total_width = len(line)
            if finalize and self._dynamic_display:
                sys.stdout.write("\n")
            sys.stdout.flush()

    def add(self, n, values=None):
        self.update(self._seen_so_far + n, values)

    @staticmethod
    def _format_time(seconds):
        if seconds >= 1:
            return f"{seconds:.0f}s"
        if seconds >= 1e-3:
            return f"{seconds * 1e3:.0f}ms"
        return f"{seconds * 1e6:.0f}us"


def to_categorical(x, num_classes=None):
    """One-hot encoding of integer labels, as Keras 3: a trailing axis of size 1 is dropped
    first.

    Args:
      x: integer labels (a list or array; a Tensor gives a Tensor).
      num_classes: the number of classes; default `max(x) + 1` (for arrays).

    Returns:
      A float64 NumPy array for array-like `x` (Keras 3 builds it with `np.zeros`), or a float32
      Tensor (`one_hot`) for a Tensor `x`.
    """
    from tapejax._ops import array_ops
    from tapejax._tensor import Tensor
    if isinstance(x, Tensor):
        if len(x.shape) > 1 and x.shape[-1] == 1:
            x = array_ops.reshape(x, tuple(x.shape[:-1]))
        return array_ops.one_hot(x, num_classes)
    x = np.array(x, dtype="int64")
    shape = x.shape
    if shape and shape[-1] == 1 and len(shape) > 1:
        shape = shape[:-1]
    x = x.reshape(-1)
    num_classes = num_classes or int(np.max(x)) + 1
    out = np.zeros((x.shape[0], num_classes))
    out[np.arange(x.shape[0]), x] = 1
    return out.reshape(shape + (num_classes,))


def set_random_seed(seed):
    """Seeds Python's, NumPy's and tapejax's random generators."""
    import random

    from tapejax._ops import random_ops
    random.seed(seed)
    np.random.seed(seed)
    random_ops.set_seed(seed)
