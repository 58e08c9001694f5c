"""Keras 3's symbolic operations: `x * 10.0`, `x[:, 0]` or `keras.ops.exp(x)` on KerasTensors while a
functional model is built record an `Operation` node (not a layer: `model.layers` does not list it;
`model.operations` and the model's config do, as Keras' `keras.src.ops.numpy.Multiply`, ...).

An Operation is a named, stateless function of tensors; called on KerasTensors it infers its
output's shape and dtype by running the function on concrete placeholders (twice, with different
sizes for the unknown dimensions, so a dimension that follows an unknown one stays unknown)."""

from __future__ import annotations

import collections
import re

import jax.numpy as jnp

from tapejax import _record
from tapejax._tensor import Tensor

_name_counts = collections.Counter()

# Keras 3 puts these in `keras.src.ops.numpy`; the activations in `keras.src.ops.nn`.
_NN = {"Relu", "Relu6", "Sigmoid", "Softplus", "Silu", "Elu", "Gelu", "LeakyRelu", "Softmax",
       "LogSoftmax", "OneHot"}


def unique_name(base):
    """`base`, then `base_1`, `base_2`, ... (Keras' auto names, shared by layers and operations)."""
    count = _name_counts[base]
    _name_counts[base] += 1
    return base if count == 0 else f"{base}_{count}"


def snake(name):
    name = re.sub(r"(.)([A-Z][a-z0-9]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


def _leaves(structure):
    if isinstance(structure, (list, tuple)):
        return [leaf for item in structure for leaf in _leaves(item)]
    if isinstance(structure, dict):
        return [leaf for key in structure for leaf in _leaves(structure[key])]
    return [structure]


def _map(fn, structure):
    if isinstance(structure, list):
        return [_map(fn, s) for s in structure]
    if isinstance(structure, tuple):
        return tuple(_map(fn, s) for s in structure)
    if isinstance(structure, dict):
        return {k: _map(fn, v) for k, v in structure.items()}
    return fn(structure)


def is_symbolic(x):
    return getattr(type(x), "_keras_symbolic", False)


def get_item(x, key):
    """`x[key]` (Keras' `GetItem`); a list key, as a config stores a tuple, indexes as the tuple."""
    return x[tuple(key) if isinstance(key, list) else key]


class Operation:
    """A Keras 3 operation (`keras.Operation`): `fn` under Keras' class name `class_name`.

    Args:
      class_name: Keras' class name (`"Multiply"`, `"GetItem"`, `"Exp"`).
      fn: the function of concrete tensors it computes.
      name: its name in the model (default: `class_name` in snake case, made unique).
    """

    def __init__(self, class_name, fn, name=None):
        self.class_name = class_name
        self.fn = fn
        self.name = name or unique_name(snake(class_name))

    @property
    def module(self):
        return "keras.src.ops.nn" if self.class_name in _NN else "keras.src.ops.numpy"

    def get_config(self):
        return {"name": self.name}

    def __call__(self, *args, **kwargs):
        if any(is_symbolic(x) for x in _leaves([list(args), kwargs])):
            return self.symbolic_call(*args, **kwargs)
        return self.fn(*args, **kwargs)

    def symbolic_call(self, *args, **kwargs):
        """KerasTensors of the result of `fn` on KerasTensor arguments, recording this node."""
        kts = [x for x in _leaves([list(args), kwargs]) if is_symbolic(x)]
        kt_class = type(kts[0])
        runs = []
        for unknown in (2, 3):
            def concrete(x, unknown=unknown):
                if not is_symbolic(x):
                    return x
                shape = tuple(unknown if d is None else d for d in x.shape)
                return Tensor(jnp.zeros(shape, x.dtype._np))
            with _record.suspended():
                runs.append(self.fn(*_map(concrete, args), **_map(concrete, kwargs)))

        def symbolic(first, second):
            shape = tuple(a if a == b else None for a, b in zip(first.shape, second.shape))
            return kt_class(shape, first.dtype)
        outputs = (_map_pair(symbolic, runs[0], runs[1]))
        node = (self, args[0] if args else None, tuple(args[1:]), dict(kwargs), outputs)
        for i, kt in enumerate(_leaves(outputs)):
            kt._history = node
            kt.name = f"keras_tensor_{self.name}_{i}"
        return outputs

    def __repr__(self):
        return f"<Operation name={self.name}>"


def _map_pair(fn, a, b):
    if isinstance(a, (list, tuple)):
        return type(a)(_map_pair(fn, x, y) for x, y in zip(a, b))
    return fn(a, b)


def apply(class_name, fn, args, kwargs=None):
    """`fn(*args, **kwargs)` recorded as a new Operation `class_name` (for KerasTensor arguments)."""
    return Operation(class_name, fn).symbolic_call(*args, **(kwargs or {}))
