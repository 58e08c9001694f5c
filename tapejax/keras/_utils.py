"""`keras.utils`: `Progbar` (the progress bar `fit` prints), `to_categorical`, `set_random_seed`,
`plot_model`."""

from __future__ import annotations

import math
import os
import random as _py_random
import sys
import time

import numpy as np

from tapejax._ops import array_ops, random_ops
from tapejax._tensor import Tensor
from tapejax.keras._dataset_utils import (  # noqa: F401 - keras.utils' dataset utilities
    audio_dataset_from_directory,
    image_dataset_from_directory,
    text_dataset_from_directory,
    timeseries_dataset_from_array,
)
from tapejax.keras._image_files import array_to_img, img_to_array, load_img, save_img
from tapejax.keras._plot import model_to_dot, plot_model  # noqa: F401 - keras.utils' model plots
from tapejax.keras._saving_registry import (  # noqa: F401 - keras.utils' saving registry
    CustomObjectScope,
    custom_object_scope,
    get_custom_objects,
    get_registered_name,
    get_registered_object,
    register_keras_serializable,
)
from tapejax.keras._sequence import pad_sequences  # noqa: F401 - keras.utils.pad_sequences

__all__ = ["Progbar", "to_categorical", "set_random_seed", "array_to_img", "img_to_array", "load_img", "save_img"]


class Progbar:
    """A text progress bar with Keras 3's output (`keras.utils.Progbar`).

    With `verbose=1` each shown update rewrites the line in place (backspaces over the previous
    text, then a carriage return; on POSIX systems always, as Keras 3 does): the bold step count,
    a green and grey bar of `━`, the ETA (or the elapsed time once finished), the time per unit
    and each value; the last update ends the line. With `verbose=2` only the last update prints,
    as one line (`4/4 - 0s - 3ms/step - loss: 0.5000`).

    Args:
      target: total number of steps (None if unknown).
      width: bar width in characters.
      verbose: 1 for the bar, 2 for one line at the end, 0 for silence.
      interval: minimum seconds between refreshes.
      stateful_metrics: names of metrics shown as given rather than averaged over steps (by
        default every value is averaged, and the last update shows the values it was given).
      stateless_metrics: names of the metrics that are averaged (the others shown as given); at
        most one of the two may be passed.
      unit_name: the unit shown in the time per unit (`'step'`).

    Raises:
      ValueError: when both `stateful_metrics` and `stateless_metrics` are passed.
    """

    def __init__(self, target, width=20, verbose=1, interval=0.05, stateful_metrics=None,
                 stateless_metrics=None, unit_name="step"):
        if stateful_metrics is not None and stateless_metrics is not None:
            raise ValueError(
                "Only one of `stateful_metrics` or `stateless_metrics` can be provided. "
                "`stateful_metrics` is used to make metrics stateless by default (with an exclusion "
                "list), while `stateless_metrics` is used to make metrics stateful by default (with an "
                "exclusion list).")
        self.target = target
        self.width = width
        self.verbose = verbose
        self.interval = interval
        self.unit_name = unit_name
        if stateless_metrics is not None:
            self.stateful_metrics, self.stateless_metrics = None, set(stateless_metrics)
        else:
            self.stateful_metrics, self.stateless_metrics = set(stateful_metrics or ()), None
        self._dynamic_display = ((hasattr(sys.stdout, "isatty") and sys.stdout.isatty())
                                 or "ipykernel" in sys.modules or "posix" in sys.modules
                                 or "PYCHARM_HOSTED" in os.environ)
        self._values = {}
        self._values_order = []
        self._seen_so_far = 0
        self._start = time.time()
        self._last_update = 0.0
        self._time_after_first_step = None
        self._prev_total_width = 0

    def _averaged(self, name):
        if self.stateful_metrics is not None:
            return name not in self.stateful_metrics
        return name in self.stateless_metrics

    def update(self, current, values=None, finalize=None):
        """Shows progress at step `current` with `(name, value)` pairs `values`.

        Args:
          current: the step reached.
          values: `(name, value)` pairs for this step.
          finalize: whether this is the last update (default: `current >= target`).
        """
        if finalize is None:
            finalize = self.target is not None and current >= self.target
        for name, value in values or []:
            if name not in self._values_order:
                self._values_order.append(name)
            value = float(np.mean(np.asarray(value)))
            if self._averaged(name) and not finalize:
                steps = max(current - self._seen_so_far, 1)
                total, count = self._values.get(name, (0.0, 0))
                self._values[name] = (total + value * steps, count + steps)
            else:
                self._values[name] = (value, 1)
        self._seen_so_far = current
        now = time.time()
        per_unit = self._step_duration(current, now)
        if self.verbose == 1:
            if now - self._last_update < self.interval and not finalize:
                return
            self._show(current, now, per_unit, finalize)
        elif self.verbose == 2 and finalize and self.target is not None and self.target > 0:
            digits = int(math.log10(self.target)) + 1
            line = f"{current:{digits}d}/{self.target} - {now - self._start:.0f}s -"
            line += self._format_time(per_unit, self.unit_name)
            for name in self._values_order:
                total, count = self._values[name]
                mean = total / max(1, count)
                line += f" - {name}: {mean:.4f}" if mean > 1e-3 else f" - {name}: {mean:.4e}"
            sys.stdout.write(line + "\n")
            sys.stdout.flush()
        self._last_update = now

    def _show(self, current, now, per_unit, finalize):
        message = ("\b" * self._prev_total_width + "\r") if self._dynamic_display else "\n"
        styling = 0  # characters of ANSI styling, which take no width on the screen
        if self.target is not None and self.target > 0:
            digits = int(math.log10(self.target)) + 1
            bar = f"\x1b[1m{current:{digits}d}/{self.target}\x1b[0m "
            filled = int(self.width * float(current) / self.target)
            styling += 8
            if filled > 0:
                bar += f"\x1b[32m{'━' * filled}\x1b[0m"
                styling += 9
            bar += f"\x1b[37m{'━' * (self.width - filled)}\x1b[0m"
            styling += 9
        else:
            bar = f"{current:7d}/Unknown"
        if self.target is not None and self.target > 0 and not finalize:
            eta = per_unit * (self.target - current)
            if eta > 3600:
                shown = f"{int(eta // 3600)}:{int((eta % 3600) // 60):02d}:{int(eta % 60):02d}"
            elif eta > 60:
                shown = f"{int(eta // 60)}:{int(eta % 60):02d}"
            else:
                shown = f"{int(eta)}s"
            info = f" \x1b[1m{shown}\x1b[0m"
        else:
            info = f" \x1b[1m{now - self._start:.0f}s\x1b[0m"
        styling += 8
        info += self._format_time(per_unit, self.unit_name)
        for name in self._values_order:
            total, count = self._values[name]
            mean = total / max(1, count)
            info += f" - {name}: {mean:.4f}" if abs(mean) > 1e-3 else f" - {name}: {mean:.4e}"
        width = len(bar) + len(info) - styling
        message += bar + info
        if self._prev_total_width > width:
            message += " " * (self._prev_total_width - width)
        if finalize:
            message += "\n"
        sys.stdout.write(message)
        sys.stdout.flush()
        self._prev_total_width = width

    def add(self, n, values=None):
        """Advances the bar by `n` steps (`update(seen + n, values)`)."""
        self.update(self._seen_so_far + n, values)

    def _step_duration(self, current, now):
        """Seconds per step: after the first step, the first (compiling) one is left out."""
        if not current:
            return 0
        if self._time_after_first_step is not None and current > 1:
            per_unit = (now - self._time_after_first_step) / (current - 1)
        else:
            per_unit = (now - self._start) / current
        if current == 1:
            self._time_after_first_step = now
        return per_unit

    @staticmethod
    def _format_time(seconds, unit_name):
        if seconds >= 1 or seconds == 0:
            return f" {seconds:.0f}s/{unit_name}"
        if seconds >= 1e-3:
            return f" {seconds * 1e3:.0f}ms/{unit_name}"
        return f" {seconds * 1e6:.0f}us/{unit_name}"


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
    _py_random.seed(seed)
    np.random.seed(seed)
    random_ops.set_seed(seed)
