"""Keras 3's `CompileLoss`: the loss a compiled model computes from `compile(loss=...,
loss_weights=...)` for one output or many (a list, a tuple or a dict of losses matched to the
model's outputs by position or by output name), with one `Mean` tracker per loss
(`"<output_name>_loss"`) when there is more than one.

Measured on TF 2.21 (Keras 3.15): a functional model's output names are its output layers' names
(`model.output_names`, in the order of its flattened outputs, dict outputs by sorted key); a loss
of a list output is named after the output layer, one of a dict output after the dict key; the
trackers see the *unweighted* loss of their output (weighted by the batch size) and the total is
the sum of the losses times their `loss_weights` (in a compiled step, where Keras' TF backend sees
no static batch size, each batch counts once in the trackers; run eagerly, by its size); a dict of
losses must name every output
(ValueError), a list longer than the outputs raises KeyError when the first batch builds it, and
a list shorter than them leaves the last outputs without a loss.

Also here: Keras 3's `tree` rules these containers follow (mappings flatten in sorted key order,
structures match only with the same container types) and its `get_loss`.
"""

from __future__ import annotations

import numpy as np

from tapejax import _nest
from tapejax._ops import array_ops, math_ops
from tapejax._ops._convert import convert_to_tensor
from tapejax._tensor import Tensor
from tapejax.keras import _losses as losses_module
from tapejax.keras import _metrics as metrics_module

__all__ = ["CompileLoss", "get_loss", "flatten", "is_nested", "pack_sequence_as", "same_structure",
           "map_structure", "map_structure_up_to", "lists_to_tuples"]


# -- Keras 3's tree rules ---------------------------------------------------------------------------
def is_nested(structure):
    """Whether `structure` is a list, tuple or dict (Keras' containers)."""
    return isinstance(structure, (list, tuple, dict))


def flatten(structure):
    """The leaves of `structure`, dict values in sorted key order (None is a leaf)."""
    return _nest.flatten(structure)


def pack_sequence_as(structure, flat_sequence):
    """`flat_sequence` in the structure of `structure`.

    Raises:
      ValueError: when the number of leaves differs.
    """
    if not is_nested(flat_sequence):
        raise TypeError(f"flat_sequence must be a sequence, got {type(flat_sequence).__name__}")
    return _nest.pack_sequence_as(structure, list(flat_sequence))


def _children(structure):
    if isinstance(structure, dict):
        return [(k, structure[k]) for k in sorted(structure)]
    return list(enumerate(structure))


def same_structure(a, b):
    """Whether `a` and `b` have one structure with the same container types (Keras' optree)."""
    if not is_nested(a) or not is_nested(b):
        return not is_nested(a) and not is_nested(b)
    if type(a) is not type(b) and not (isinstance(a, dict) and isinstance(b, dict)):
        return False
    if isinstance(a, dict) and set(a) != set(b):
        return False
    if len(a) != len(b):
        return False
    return all(same_structure(x, y) for (_, x), (_, y) in zip(_children(a), _children(b)))


def assert_same_structure(a, b):
    if not same_structure(a, b):
        raise ValueError("Structures don't have the same nested structure.")


def _paths(structure, prefix=()):
    if not is_nested(structure):
        return {prefix}
    out = set()
    for key, value in _children(structure):
        out |= _paths(value, prefix + (key,))
    return out


def map_structure(func, *structures):
    """`func` of the leaves of `structures` (which must have one structure), packed as the first.

    Raises:
      ValueError: for structures that differ.
    """
    for other in structures[1:]:
        assert_same_structure(structures[0], other)
    flats = [flatten(s) for s in structures]
    return pack_sequence_as(structures[0], [func(*leaves) for leaves in zip(*flats)]) \
        if is_nested(structures[0]) else func(*[f[0] for f in flats])


def _mismatch(shallow, structure):
    """optree's message for `structure` that does not extend `shallow` at the top, or None."""
    if isinstance(shallow, dict):
        if not isinstance(structure, dict):
            return (f"Expected an instance of dict, collections.OrderedDict, or "
                    f"collections.defaultdict, got {structure!r}.")
        if set(structure) != set(shallow):
            missing, extra = sorted(set(shallow) - set(structure)), sorted(set(structure) - set(shallow))
            parts = "".join([f", missing key(s): {missing}" if missing else "",
                             f", extra key(s): {extra}" if extra else ""])
            return (f"dictionary key mismatch; expected key(s): {sorted(shallow)}, got key(s): "
                    f"{sorted(structure)}{parts}; dict: {structure!r}.")
        return None
    kind = type(shallow).__name__
    if type(structure) is not type(shallow):
        return f"Expected an instance of {kind}, got {structure!r}."
    if len(structure) != len(shallow):
        return (f"{kind} arity mismatch; expected: {len(shallow)}, got: {len(structure)}; "
                f"{kind}: {structure!r}.")
    return None


def map_structure_up_to(shallow, func, *structures):
    """`func` of the sub-structures of `structures` at the leaves of `shallow`.

    Raises:
      ValueError: for a structure that does not extend `shallow` (optree's message).
    """
    if not is_nested(shallow):
        return func(*structures)
    for s in structures:
        problem = _mismatch(shallow, s)
        if problem is not None:
            raise ValueError(problem)
    if isinstance(shallow, dict):
        return {k: map_structure_up_to(shallow[k], func, *[s[k] for s in structures])
                for k in shallow}
    return type(shallow)(map_structure_up_to(v, func, *[s[i] for s in structures])
                         for i, v in enumerate(shallow))


def lists_to_tuples(structure):
    """`structure` with every list a tuple."""
    if isinstance(structure, dict):
        return {k: lists_to_tuples(v) for k, v in structure.items()}
    if isinstance(structure, (list, tuple)):
        return tuple(lists_to_tuples(v) for v in structure)
    return structure


def _describe(structure):
    return map_structure(lambda _: "*", structure)


# -- losses -----------------------------------------------------------------------------------------
def _same_rank(x1, x2):
    """Keras' `squeeze_or_expand_to_same_rank` (a trailing axis of size 1 squeezed/expanded)."""
    r1, r2 = len(x1.shape), len(x2.shape)
    if r1 == r2 + 1 and x1.shape[-1] == 1:
        return (x1, array_ops.expand_dims(x2, -1)) if r2 == 1 else (array_ops.squeeze(x1, -1), x2)
    if r2 == r1 + 1 and x2.shape[-1] == 1:
        return (array_ops.expand_dims(x1, -1), x2) if r1 == 1 else (x1, array_ops.squeeze(x2, -1))
    return x1, x2


def _float32(x):
    t = x if isinstance(x, Tensor) else convert_to_tensor(x)
    return t if t.dtype.name == "float32" else math_ops.cast(t, "float32")


class _FunctionLoss(losses_module.Loss):
    """Keras 3's `LossFunctionWrapper`: a function `fn(y_true, y_pred)` of per-sample losses as a
    Loss (float32 inputs of the same rank, weighted and reduced over the batch)."""

    def __init__(self, fn, name=None, reduction="sum_over_batch_size"):
        super().__init__(name=name, reduction=reduction)
        self.fn = fn

    def __call__(self, y_true, y_pred, sample_weight=None):
        y_true, y_pred = _same_rank(_float32(y_true), _float32(y_pred))
        values = _float32(self.fn(y_true, y_pred))
        if sample_weight is not None:
            values, weights = _same_rank(values, _float32(sample_weight))
            values = math_ops.multiply(values, weights)
        if self.reduction in (None, "none") or tuple(values.shape) in ((), (0,)):
            return values
        total = math_ops.reduce_sum(values)
        if self.reduction == "sum":
            return total
        size = float(np.prod(values.shape)) if None not in values.shape else \
            math_ops.cast(array_ops.size(values), "float32")
        return math_ops.divide_no_nan(total, size if isinstance(size, Tensor) else
                                      convert_to_tensor(np.float32(size)))

    def get_config(self):
        return {"name": self.name, "reduction": self.reduction}


def _binary_or_sparse(y_true, y_pred):
    t_shape, p_shape = tuple(y_true.shape), tuple(y_pred.shape)
    binary = p_shape[-1] == 1
    sparse = len(t_shape) < len(p_shape) or (t_shape[-1] == 1 and p_shape[-1] > 1)
    return binary, sparse


def get_loss(identifier, y_true, y_pred):
    """Keras 3's `get_loss`: a Loss for `identifier` (`'crossentropy'`/`'ce'` picks binary, sparse
    or categorical cross-entropy from the shapes; a function becomes a Loss named after it)."""
    if identifier is None:
        return None
    if str(identifier).lower() in ("crossentropy", "ce"):
        binary, sparse = _binary_or_sparse(y_true, y_pred)
        loss = (losses_module.binary_crossentropy if binary else
                losses_module.sparse_categorical_crossentropy if sparse else
                losses_module.categorical_crossentropy)
    else:
        loss = losses_module.get(identifier)
    if isinstance(loss, losses_module.Loss):
        if isinstance(identifier, str) and identifier[:1].islower():
            loss.name = identifier  # Keras resolves a function's name to that function's wrapper
        return loss
    name = identifier if isinstance(identifier, str) else getattr(loss, "__name__", type(loss).__name__)
    return _FunctionLoss(loss, name=name)


class _WeightedLoss:
    """A loss and its weight, as one leaf (None for no loss)."""

    def __new__(cls, loss, weight):
        if loss is None:
            return None
        return object.__new__(cls)

    def __init__(self, loss, weight):
        self.loss = loss
        self.weight = weight


class _FlatLoss(tuple):
    __slots__ = ()

    def __new__(cls, path, loss, loss_weights, name):
        return super().__new__(cls, (path, loss, loss_weights, name))

    path = property(lambda self: self[0])
    loss = property(lambda self: self[1])
    loss_weights = property(lambda self: self[2])
    name = property(lambda self: self[3])


def _resolve_path(path, structure):
    for key in path:
        structure = structure[key]
    return structure


class CompileLoss(losses_module.Loss):
    """The losses of `compile(loss=..., loss_weights=...)` as one Loss.

    Args:
      loss: a loss (a Loss, a name, a function) for every output, or a list/tuple/dict of them (one
        per output; None for an output without a loss).
      loss_weights: a float, or a list/tuple/dict of floats matching `loss`.
      reduction: the reduction of the total.
      output_names: the model's output names (a functional model's `output_names`).

    Raises:
      ValueError: for `loss_weights` that is not a float, list, tuple or dict.
    """

    def __init__(self, loss, loss_weights=None, reduction="sum_over_batch_size", output_names=None):
        if loss_weights and not isinstance(loss_weights, (list, tuple, dict, float)):
            raise ValueError(f"Expected `loss_weights` argument to be a float (single output case) "
                             f"or a list, tuple, or dict (multiple output case). Received instead: "
                             f"loss_weights={loss_weights} of type {type(loss_weights)}")
        super().__init__(name="compile_loss", reduction=reduction)
        self._user_loss = loss
        self._user_loss_weights = loss_weights
        self.built = False
        self.output_names = output_names
        self._metrics = []
        self.batch_weighted = False  # trackers weight a batch by its size (run_eagerly=True)
        self._flat_losses = None
        self._y_pred_build_structure = None
        self._y_true_build_structure = None

    @property
    def metrics(self):
        """The `Mean` trackers of the individual losses (`'<name>_loss'`; none for one loss)."""
        return list(self._metrics)

    @property
    def variables(self):
        return [v for m in self._metrics for v in m.variables]

    def _build_nested(self, y_true, y_pred, loss, output_names, current_path):
        flat_y_pred = flatten(y_pred)
        if not is_nested(loss):
            if loss.loss is None:
                return
            resolved = get_loss(loss.loss, y_true, y_pred)
            name_path = current_path
            if not is_nested(output_names):
                output_name = output_names if output_names is not None else resolved.name
                if len(name_path) == 0:
                    name_path = (output_name,)
                elif isinstance(name_path[-1], int):
                    name_path = name_path[:-1] + (output_name,)
            name = "/".join(str(p) for p in name_path)
            if name == "":
                names = list(output_names) if isinstance(output_names, dict) else flatten(output_names)
                name = "_".join(str(n) for n in names)
            self._flat_losses.append(_FlatLoss(current_path, resolved, loss.weight, name))
            return
        if (isinstance(loss, (list, tuple)) and all(not is_nested(x) for x in loss)
                and len(loss) == len(flat_y_pred)):
            loss = pack_sequence_as(y_pred, loss)
        elif isinstance(loss, (list, tuple)) and not isinstance(y_pred, type(loss)):
            for each in loss:
                self._build_nested(y_true, y_pred, each, output_names, current_path)
            return
        if not is_nested(loss):
            return self._build_nested(y_true, y_pred, loss, output_names, current_path)
        if not isinstance(loss, type(y_pred)):
            raise KeyError(f"The path: {current_path} in the `loss` argument, can't be found in "
                           f"the model's output (`y_pred`).")
        if isinstance(loss, dict):
            items = list(loss.items())

            def found(key, objs):
                return all(isinstance(obj, dict) and key in obj for obj in objs)
        else:
            items = list(enumerate(loss))

            def found(key, objs):
                return all(isinstance(obj, (list, tuple)) and key < len(obj) for obj in objs)
        for key, each in items:
            if each is None:
                continue
            if not found(key, (y_true, y_pred)):
                raise KeyError(f"The path: {current_path + (key,)} in the `loss` argument, can't be "
                               f"found in either the model's output (`y_pred`) or in the labels "
                               f"(`y_true`).")
            self._build_nested(y_true[key], y_pred[key], each, output_names[key],
                               current_path + (key,))

    def build(self, y_true, y_pred):
        """Resolves the losses for these targets and predictions (and makes their trackers).

        Raises:
          ValueError: for a dict of losses that does not name every output, or `loss_weights`
            that do not match the losses.
          KeyError: for a loss whose path is not in the outputs or the targets.
        """
        loss, loss_weights = self._user_loss, self._user_loss_weights
        flat_output_names = self.output_names
        if self.output_names and isinstance(loss, dict) and not isinstance(y_pred, dict):
            if set(self.output_names) == set(loss):
                loss = [loss[name] for name in self.output_names]
                if isinstance(loss_weights, dict):
                    loss_weights = [loss_weights[name] for name in self.output_names]
            else:
                raise ValueError(f"Expected keys {self.output_names} in loss dict, but found "
                                 f"loss.keys()={list(self._user_loss.keys())}")
        if loss_weights is not None:
            if not same_structure(loss, loss_weights):
                flat_weights = flatten(loss_weights)
                if len(flatten(loss)) != len(flat_weights):
                    raise ValueError(f"`loss_weights` must match the number of losses, got "
                                     f"{len(flatten(loss))} losses and {len(loss_weights)} weights.")
                loss_weights = pack_sequence_as(loss, flat_weights)
            loss = map_structure(_WeightedLoss, loss, loss_weights)
        else:
            loss = map_structure(lambda each: _WeightedLoss(each, None), loss)
        self._flat_losses = []
        if (isinstance(loss, dict) and isinstance(y_pred, (list, tuple))
                and set(loss) == set(flat_output_names) and len(y_pred) == len(flat_output_names)):
            y_pred = dict(zip(flat_output_names, y_pred))
            y_true = dict(zip(flat_output_names, y_true))
        elif (isinstance(loss, dict) and not is_nested(y_pred)
              and set(loss) == set(flat_output_names) and len(flat_output_names) == 1):
            y_pred = dict(zip(flat_output_names, [y_pred]))
            y_true = dict(zip(flat_output_names, [y_true]))
        try:
            output_names = pack_sequence_as(y_pred, flat_output_names)
        except (TypeError, ValueError):
            output_names = pack_sequence_as(y_pred, [None] * len(flatten(y_pred)))
        if not is_nested(loss):
            single = loss
            loss = map_structure(lambda _: single, y_pred)
        self._build_nested(y_true, y_pred, loss, output_names, ())
        if len(self._flat_losses) > 1:
            self._metrics = [metrics_module.Mean(name=f"{each.name}_loss")
                             for each in self._flat_losses]
        self._y_pred_build_structure = map_structure(lambda _: None, y_pred)
        self._y_true_build_structure = map_structure(lambda _: None, y_true)
        self.built = True

    def _match_targets(self, y_true, y_pred):
        """`y_true` in the structure of `y_pred`, as Keras 3 reconciles them.

        Raises:
          ValueError: when the structures cannot be matched.
        """
        if same_structure(y_pred, y_true):
            return y_true
        if not is_nested(y_true) and hasattr(y_pred, "__len__") and len(y_pred) == 1:
            y_true = [y_true]
        elif isinstance(y_pred, (list, tuple)) and isinstance(y_true, dict):
            if self.output_names and set(self.output_names) == set(y_true):
                y_true = [y_true[name] for name in self.output_names]
        if is_nested(y_true):
            try:
                return pack_sequence_as(y_pred, y_true)
            except (TypeError, ValueError):
                pass
        if is_nested(y_true) and _paths(y_true) == _paths(y_pred):
            return pack_sequence_as(y_pred, flatten(y_true))
        try:  # a loss given for some outputs only: the targets of those outputs
            flat_y_true = flatten(y_true)
            flat_loss = flatten(self._user_loss)
            given = [i for i, each in enumerate(flat_loss) if each is not None]
            if len(flat_y_true) != len(given):
                raise ValueError("unmatched")
            targets = [None] * len(flat_loss)
            for y_t, i in zip(flat_y_true, given):
                targets[i] = y_t
            return pack_sequence_as(self._user_loss, targets) if is_nested(self._user_loss) \
                else targets[0]
        except (TypeError, ValueError):
            raise ValueError(f"y_true and y_pred have different structures.\ny_true: "
                             f"{_describe(y_true)}\ny_pred: {_describe(y_pred)}\n") from None

    def prepare(self, y_true, y_pred):
        """Builds the losses from these targets and predictions (no loss is computed, no tracker
        updated), as Keras' symbolic build does before the first step."""
        if not self.built:
            if is_nested(y_true) or is_nested(y_pred):
                y_true = self._match_targets(y_true, y_pred)
            self.build(y_true, y_pred)

    def __call__(self, y_true, y_pred, sample_weight=None):
        if not is_nested(y_true) and not is_nested(y_pred):
            if not self.built:
                self.build(y_true, y_pred)
            values = []
            for path, loss_fn, weight, _ in self._flat_losses:
                y_t, y_p = _resolve_path(path, y_true), _resolve_path(path, y_pred)
                weights = _resolve_path(path, sample_weight) if is_nested(sample_weight) \
                    else sample_weight
                value = _float32(loss_fn(y_t, y_p, weights))
                if weight is not None:
                    value = math_ops.multiply(value, _float32(weight))
                values.append(value)
            return values[0]
        y_true = self._match_targets(y_true, y_pred)
        if not self.built:
            self.build(y_true, y_pred)
        if not same_structure(self._y_pred_build_structure, y_pred):
            y_pred = pack_sequence_as(self._y_pred_build_structure, flatten(y_pred))
        if not same_structure(self._y_true_build_structure, y_true):
            y_true = pack_sequence_as(self._y_true_build_structure, flatten(y_true))
        trackers = self._metrics or [None]
        values = []
        for (path, loss_fn, weight, _), tracker in zip(self._flat_losses, trackers):
            y_t, y_p = _resolve_path(path, y_true), _resolve_path(path, y_pred)
            weights = _resolve_path(path, sample_weight) if is_nested(sample_weight) \
                else sample_weight
            value = _float32(loss_fn(y_t, y_p, weights))
            if tracker is not None:  # the unweighted loss (weighted by the batch size if eager)
                tracker.update_state(value, sample_weight=Tensor(
                    np.float32(flatten(y_p)[0].shape[0])) if self.batch_weighted else None)
            if weight is not None:
                value = math_ops.multiply(value, _float32(weight))
            values.append(value)
        if not values:
            return None
        total = values[0]
        for value in values[1:]:
            total = math_ops.add(total, value)
        return total

    def get_config(self):
        raise NotImplementedError

    @classmethod
    def from_config(cls, config):
        raise NotImplementedError
