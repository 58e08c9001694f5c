"""Keras layers: the `Layer` base (build on first call, `add_weight`) and `Dense`."""

from __future__ import annotations

import collections
import re

from tapejax import _dtypes
from tapejax._module import Module
from tapejax._ops import linalg_ops, math_ops
from tapejax._ops._convert import convert_to_tensor
from tapejax.keras import activations, initializers
from tapejax.keras._variables import KerasVariable

_name_counts = collections.Counter()


def _unique_name(base):
    count = _name_counts[base]
    _name_counts[base] += 1
    return base if count == 0 else f"{base}_{count}"


def _snake(name):
    name = re.sub(r"(.)([A-Z][a-z0-9]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


class Layer(Module):
    """Base class of Keras layers.

    Subclasses create weights in `build(input_shape)` with `add_weight` and compute in
    `call(inputs, ...)`. Weights are listed in creation order, then those of sub-layers.

    Args:
      trainable: whether the layer's weights are trainable.
      name: layer name (default: unique snake_case of the class name, `dense`, `dense_1`, ...).
      dtype: the dtype of the layer's weights (default float32).
    """

    def __init__(self, trainable=True, name=None, dtype=None, **kwargs):
        name = name or _unique_name(_snake(type(self).__name__))
        super().__init__(name=name)
        self._weights_list = []
        self._sublayers = []
        self._trainable = trainable
        self.built = False
        self._dtype = _dtypes.as_dtype(dtype or "float32")

    def __setattr__(self, key, value):
        if isinstance(value, Layer) and key != "_sublayers_parent":
            self.__dict__.setdefault("_sublayers", [])
            if value not in self._sublayers:
                self._sublayers.append(value)
        super().__setattr__(key, value)

    @property
    def dtype(self):
        return self._dtype.name

    @property
    def trainable(self):
        return self._trainable

    @trainable.setter
    def trainable(self, value):
        self._trainable = bool(value)
        for layer in self._sublayers:
            layer.trainable = value

    def add_weight(self, shape=None, initializer=None, dtype=None, trainable=True, name=None,
                   regularizer=None, constraint=None, **kwargs):
        """Creates a weight Variable owned by this layer.

        Args:
          shape: the weight's shape.
          initializer: a name (`'glorot_uniform'`), an Initializer or a callable.
          dtype: default the layer's dtype.
          trainable: whether tapes watch it automatically.
          name: short name; `path` is `'<layer name>/<name>'`.

        Returns:
          A Keras-style Variable.
        """
        dtype = _dtypes.as_dtype(dtype or self._dtype)
        init = initializers.get(initializer or ("zeros" if not dtype.is_floating else "glorot_uniform"))
        var = KerasVariable(init, shape=tuple(int(d) for d in (shape or ())), dtype=dtype,
                            trainable=trainable, name=name, path=f"{self.name}/{name}",
                            constraint=constraint)
        self._weights_list.append(var)
        return var

    def _all_weights(self):
        out = list(self._weights_list)
        for layer in self._sublayers:
            out.extend(w for w in layer._all_weights() if all(w is not o for o in out))
        return out

    @property
    def weights(self):
        return self._all_weights()

    @property
    def variables(self):
        return self._all_weights()

    @property
    def trainable_weights(self):
        if not self._trainable:
            return []
        return [w for w in self._all_weights() if w.trainable]

    trainable_variables = trainable_weights

    @property
    def non_trainable_weights(self):
        if not self._trainable:
            return self._all_weights()
        return [w for w in self._all_weights() if not w.trainable]

    non_trainable_variables = non_trainable_weights

    def get_weights(self):
        return [w.numpy() for w in self._all_weights()]

    def set_weights(self, weights):
        own = self._all_weights()
        if len(own) != len(weights):
            raise ValueError(f"You called `set_weights(weights)` on layer '{self.name}' with a "
                             f"weight list of length {len(weights)}, but the layer was expecting "
                             f"{len(own)} weights.")
        for var, value in zip(own, weights):
            var.assign(value)

    def build(self, input_shape):
        self.built = True

    def call(self, inputs, *args, **kwargs):
        return inputs

    def __call__(self, inputs, *args, **kwargs):
        if not self.built:
            shape = getattr(inputs, "shape", None)
            if shape is None:
                inputs = convert_to_tensor(inputs, dtype_hint=self._dtype)
                shape = inputs.shape
            self.build(tuple(shape))
            self.built = True
        return self.call(inputs, *args, **kwargs)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"


class Dense(Layer):
    """A densely-connected layer: `activation(inputs @ kernel + bias)`.

    Args:
      units: output size.
      activation: a name (`'relu'`), a callable, or None.
      use_bias: whether to add a bias.
      kernel_initializer: default `'glorot_uniform'`.
      bias_initializer: default `'zeros'`.
    """

    def __init__(self, units, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(units, int) or units <= 0:
            raise ValueError(f"Received an invalid value for `units`, expected a positive integer. "
                             f"Received: units={units}")
        self.units = units
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_constraint = kernel_constraint
        self.bias_constraint = bias_constraint

    def build(self, input_shape):
        in_dim = input_shape[-1]
        self.kernel = self.add_weight(shape=(in_dim, self.units), initializer=self.kernel_initializer,
                                      name="kernel", constraint=self.kernel_constraint)
        self.bias = (self.add_weight(shape=(self.units,), initializer=self.bias_initializer,
                                     name="bias", constraint=self.bias_constraint)
                     if self.use_bias else None)
        self.built = True

    def call(self, inputs):
        x = convert_to_tensor(inputs, dtype_hint=self._dtype) if not hasattr(inputs, "_value") else inputs
        if x.dtype != self.kernel.dtype:
            x = math_ops.cast(x, self.kernel.dtype)
        if x.ndim == 2:
            y = linalg_ops.matmul(x, self.kernel)
        else:
            y = linalg_ops.tensordot(x, self.kernel, [[x.ndim - 1], [0]])
        if self.bias is not None:
            y = math_ops.add(y, self.bias)
        return self.activation(y)
