"""The Keras `Layer` base: weights, tracking, build on first call, the `training` argument, and
symbolic calls on `keras.Input` tensors (the functional API)."""

from __future__ import annotations

import collections
import inspect
import re
import threading
import warnings
import weakref

import jax.numpy as jnp
import numpy as np

from tapejax import _dtypes, _record
from tapejax._module import Module
from tapejax._ops import math_ops
from tapejax._ops._convert import convert_to_tensor
from tapejax._tensor import Tensor
from tapejax._variable import Variable
from tapejax.keras import _call_errors, _config, _dtype_policy, _keras_ops, _operation, _trackable
from tapejax.keras import _constraints as constraints
from tapejax.keras import _initializers as initializers
from tapejax.keras import _regularizers as regularizers
from tapejax.keras._operation import (  # noqa: F401 - also imported from here by keras modules
    _leaves,
    _map,
    _name_counts,  # noqa: F401 - cleared by backend.clear_session
)
from tapejax.keras._operation import snake as _snake
from tapejax.keras._operation import unique_name as _unique_name
from tapejax.keras._random import SeedGenerator
from tapejax.keras._variables import KerasVariable, dtype_name

# Keras masks of tensors (Keras 3's `_keras_mask`; tapejax Tensors have slots), by tensor id,
# dropped when the tensor dies.
_masks = {}


def get_keras_mask(x):
    """The Keras mask attached to tensor `x` (by `Embedding(mask_zero=True)`, ...), or None."""
    entry = _masks.get(id(x))
    if entry is None or entry[0]() is not x:
        return None
    return entry[1]


def set_keras_mask(x, mask):
    key = id(x)
    try:
        ref = weakref.ref(x, lambda _, key=key: _masks.pop(key, None))
    except TypeError:
        return
    _masks[key] = (ref, mask)


def _inputs_mask(inputs):
    if not _masks:
        return None
    if isinstance(inputs, (list, tuple)):
        masks = [get_keras_mask(x) for x in inputs]
        return masks if any(m is not None for m in masks) else None
    return get_keras_mask(inputs)


class _CallContext(threading.local):
    def __init__(self):
        self.training = None
        self.entry = None  # the outermost layer being called (it clears losses, as Keras 3)


_context = _CallContext()


# -- symbolic tensors ---------------------------------------------------------------------------
class KerasTensor:
    """A symbolic tensor (shape with `None` for unknown dims, dtype) produced by `keras.Input` and
    by calling layers on symbolic tensors; `keras.Model(inputs, outputs)` replays the graph."""

    def __init__(self, shape, dtype="float32", name=None, history=None):
        self.shape = tuple(None if d is None else int(d) for d in shape)
        self.dtype = dtype_name(_dtypes.as_dtype(dtype))  # a str, as Keras 3's, and a tf.DType
        self.name = name
        self._history = history  # (layer, args, kwargs, outputs) of the call that made it

    @property
    def ndim(self):
        return len(self.shape)

    def __repr__(self):
        return (f"<KerasTensor shape={self.shape}, dtype={self.dtype.name}, "
                f"name={self.name}>")

    def __hash__(self):
        return id(self)

    def __eq__(self, other):  # identity, as Keras 3's (which defines no __eq__)
        return self is other

    # Keras 3's operators: each records a symbolic operation (not a layer) in the graph.
    _keras_symbolic = True

    def __add__(self, other):
        return _keras_ops.add(self, other)

    def __radd__(self, other):
        return _keras_ops.add(other, self)

    def __sub__(self, other):
        return _keras_ops.subtract(self, other)

    def __rsub__(self, other):
        return _keras_ops.subtract(other, self)

    def __mul__(self, other):
        return _keras_ops.multiply(self, other)

    def __rmul__(self, other):
        return _keras_ops.multiply(other, self)

    def __matmul__(self, other):
        return _keras_ops.matmul(self, other)

    def __rmatmul__(self, other):
        return _keras_ops.matmul(other, self)

    def __truediv__(self, other):
        return _keras_ops.true_divide(self, other)

    def __rtruediv__(self, other):
        return _keras_ops.true_divide(other, self)

    def __neg__(self):
        return _keras_ops.negative(self)

    def __abs__(self):
        return _keras_ops.absolute(self)

    def __pow__(self, other):
        return _keras_ops.power(self, other)

    def __rpow__(self, other):
        return _keras_ops.power(other, self)

    def __mod__(self, other):
        return _keras_ops.mod(self, other)

    def __rmod__(self, other):
        return _keras_ops.mod(other, self)

    def __lt__(self, other):
        return _keras_ops.less(self, other)

    def __le__(self, other):
        return _keras_ops.less_equal(self, other)

    def __gt__(self, other):
        return _keras_ops.greater(self, other)

    def __ge__(self, other):
        return _keras_ops.greater_equal(self, other)

    def __and__(self, other):
        return _keras_ops.logical_and(self, other)

    def __rand__(self, other):
        return _keras_ops.logical_and(other, self)

    def __or__(self, other):
        return _keras_ops.logical_or(self, other)

    def __ror__(self, other):
        return _keras_ops.logical_or(other, self)

    def __invert__(self):
        return _keras_ops.logical_not(self)

    def __getitem__(self, key):
        # a tuple key is recorded as a list, as Keras' config stores it
        return _operation.apply("GetItem", _operation.get_item,
                                (self, list(key) if isinstance(key, tuple) else key))


def _has_symbolic(structure):
    if type(structure) is KerasTensor:
        return True
    if isinstance(structure, (list, tuple, dict)):
        return any(type(x) is KerasTensor for x in _leaves(structure))
    return False


def _concrete_placeholder(kt):
    shape = tuple(1 if d is None else d for d in kt.shape)
    if kt.dtype.name == "string":  # host strings: empty ones
        return convert_to_tensor(np.full(shape, b"", object))
    return Tensor(jnp.zeros(shape, kt.dtype._np))


def _symbolic_outputs(shapes, dtype):
    """KerasTensors for `compute_output_shape`'s answer: one shape, a list of shapes, or a tuple
    of shapes (Keras 3's `(output, *states)` of a recurrent layer), nested lists kept."""
    if isinstance(shapes, list) or (isinstance(shapes, tuple) and shapes and
                                    all(isinstance(s, (tuple, list)) for s in shapes)):
        return type(shapes)(_symbolic_outputs(s, dtype) if isinstance(s, list) else
                            KerasTensor(s, dtype) for s in shapes)
    return KerasTensor(shapes, dtype)


def _shape_of(x):
    if type(x) is KerasTensor:
        return x.shape
    shape = getattr(x, "shape", None)
    return None if shape is None else tuple(shape)


class InputSpec:
    """What a layer accepts as input (Keras' `keras.layers.InputSpec`): checked on every call.

    Args:
      dtype: expected dtype name, or None.
      shape: expected shape (None for any size on an axis), or None.
      ndim, max_ndim, min_ndim: expected rank, or bounds on it.
      axes: `{axis: size}` an input must have.
      allow_last_axis_squeeze: accept a trailing axis of size 1 more or less.
      name: the input's name (for dict inputs).
      optional: whether the input may be None.
    """

    def __init__(self, dtype=None, shape=None, ndim=None, max_ndim=None, min_ndim=None, axes=None,
                 allow_last_axis_squeeze=False, name=None, optional=False):
        self.dtype = None if dtype is None else _dtypes.as_dtype(dtype).name
        self.shape = None if shape is None else tuple(shape)
        self.ndim = len(self.shape) if shape is not None else ndim
        self.max_ndim, self.min_ndim = max_ndim, min_ndim
        self.axes = {int(k): v for k, v in (axes or {}).items()}
        self.allow_last_axis_squeeze = allow_last_axis_squeeze
        self.name, self.optional = name, optional

    def __repr__(self):
        fields = [f"dtype={self.dtype}" if self.dtype else "", f"shape={self.shape}" if self.shape else "",
                  f"ndim={self.ndim}" if self.ndim else "", f"max_ndim={self.max_ndim}" if self.max_ndim else "",
                  f"min_ndim={self.min_ndim}" if self.min_ndim else "", f"axes={self.axes}" if self.axes else ""]
        return f"InputSpec({', '.join(x for x in fields if x)})"

    def get_config(self):
        return {"dtype": self.dtype, "shape": self.shape, "ndim": self.ndim,
                "max_ndim": self.max_ndim, "min_ndim": self.min_ndim, "axes": self.axes}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def assert_input_compatibility(input_spec, inputs, layer_name):
    """Raises Keras' ValueError when `inputs` do not satisfy `input_spec` (one or a list)."""
    specs = _leaves(input_spec)
    inputs = _leaves(inputs)
    if len(inputs) != len(specs):
        raise ValueError(f'Layer "{layer_name}" expects {len(specs)} input(s), but it received '
                         f"{len(inputs)} input tensors. Inputs received: {inputs}")
    for index, (x, spec) in enumerate(zip(inputs, specs)):
        if spec is None or (x is None and spec.optional):
            continue
        shape = _shape_of(x)
        if shape is None:
            raise ValueError(f"Inputs to a layer should be tensors. Got '{x}' (of type {type(x)}) "
                             f"as input for layer '{layer_name}'.")
        shape = tuple(None if d is None else int(d) for d in shape)
        ndim = len(shape)
        head = (f"Input {index} with name '{spec.name}' of layer '{layer_name}' is incompatible "
                f"with the layer: ")
        if spec.ndim is not None and not spec.allow_last_axis_squeeze and ndim != spec.ndim:
            raise ValueError(head + f"expected ndim={spec.ndim}, found ndim={ndim}. Full shape "
                                    f"received: {shape}")
        if spec.max_ndim is not None and ndim > spec.max_ndim:
            raise ValueError(head + f"expected max_ndim={spec.max_ndim}, found ndim={ndim}")
        if spec.min_ndim is not None and ndim < spec.min_ndim:
            raise ValueError(head + f"expected min_ndim={spec.min_ndim}, found ndim={ndim}. Full "
                                    f"shape received: {shape}")
        if spec.dtype is not None:
            dtype = _dtypes.as_dtype(x.dtype).name
            if dtype != spec.dtype:
                raise ValueError(head + f"expected dtype={spec.dtype}, found dtype={dtype}")
        for axis, value in spec.axes.items():
            if value is not None and shape[axis] not in (value, None):
                raise ValueError(head + f"expected axis {axis} of input shape to have value "
                                        f"{value}, but received input with shape {shape}")
        if spec.shape is not None:
            expected, got = spec.shape, shape
            if spec.allow_last_axis_squeeze:
                got = got[:-1] if got and got[-1] == 1 else got
                expected = expected[:-1] if expected and expected[-1] == 1 else expected
            for e, g in zip(expected, got):
                if e is not None and g is not None and e != g:
                    raise ValueError(head + f"expected shape={spec.shape}, found shape={shape}")


class Layer(Module):
    """Base class of Keras layers.

    Subclasses create weights in `build(input_shape)` with `add_weight` and compute in
    `call(inputs, ...)`; `call` may take `training` and `mask` keyword arguments. `weights` lists the
    layer's own trainable weights, then its own non-trainable ones, then those of sub-layers (in the
    order they were assigned as attributes), as Keras 3 does.

    Args:
      trainable: whether the layer's weights are trainable.
      name: layer name (default: unique snake_case of the class name, `dense`, `dense_1`, ...).
      dtype: the layer's dtype policy: a `DTypePolicy`, a policy name (`'mixed_float16'`: float16
        computations, float32 weights) or a dtype (weights and computations); default the global
        policy (`keras.mixed_precision.set_global_policy`, float32 unless set).
      input_shape: optional shape (without the batch dimension) of the first layer of a Sequential.
    """

    # what this object is to tf.train.Checkpoint (tapejax._checkpoint reads it; see _trackable)
    _checkpoint_kind = "layer"
    _base_build = True  # `build` here is Keras' default (TF 2.21 builds such layers symbolically)

    _saving_reference = None  # attributes of the base classes, computed once (see _saving)

    @classmethod
    def _saving_base_attributes(cls):
        """Attribute names Keras' saving walk skips: those of tapejax's base classes (Keras skips
        its base classes' attributes)."""
        if Layer.__dict__["_saving_reference"] is None:
            Layer._saving_reference = frozenset(
                set(Layer(name="reference").__dict__) | {k for k in dir(Layer) if not k.startswith("__")})
        return Layer._saving_reference

    def _saving_entries(self):
        """`(first, extra)`: the saving walk's children visited before the attributes, and extra
        attributes (a model's `layers` and `optimizer`); none for a layer."""
        return [], {}

    def _trackable_children(self, saving=False):
        """`[(name, child)]`: this layer's children in TF 2.21's checkpoint object graph."""
        return _trackable.layer_children(self)

    def _builds_by_default(self):
        """Whether this layer builds with Keras' own `build` (a subclassed model defining none)."""
        owner = next(cls for cls in type(self).__mro__ if "build" in cls.__dict__)
        return owner.__dict__.get("_base_build", False)

    def _track_copy_before(self, variable):
        """TF 2.21's symbolic build of a restored layer: a copy of `variable` made before it stays
        tracked in front of it (see tapejax._checkpoint's `_symbolic_build_quirk`)."""
        own = self._own_trainable if variable.trainable else self._own_non_trainable
        at = next((i for i, w in enumerate(own) if w is variable), 0)
        copy = KerasVariable(np.asarray(variable.numpy()), dtype=_dtypes.as_dtype(variable.dtype),
                             trainable=variable.trainable, name=getattr(variable, "_name", None),
                             path=getattr(variable, "path", None))
        own.insert(at, copy)

    _call_info = None  # per class: (accepts training, accepts mask, default of training)
    supports_masking = False  # pass the input mask on to the outputs (Keras 3's default rule)
    input_spec = None  # a user's InputSpec (or list), checked on every call as Keras does
    # The built-in layers' Keras input_spec, as class data: the rank rule before build
    # (("min", n), ("exact", n), or ("built", None): the rank build saw) and the axis whose size
    # build fixes (`axes={axis: size}`).
    _spec_ndim = None
    _spec_axis = None
    _spec_dim = None
    _spec_rank = None
    _convert_to_compute_dtype = True  # inputs cast to the compute dtype (not by functional models)

    def __new__(cls, *args, **kwargs):
        obj = super().__new__(cls)
        # Keras 3 records the constructor arguments: the default `get_config` returns them.
        signature = cls.__dict__.get("_init_signature")
        if signature is None:
            signature = inspect.signature(cls.__init__)
            type.__setattr__(cls, "_init_signature", signature)
        try:
            bound = signature.bind(None, *args, **kwargs)
            config = {}
            for key, value in list(bound.arguments.items())[1:]:
                kind = signature.parameters[key].kind
                if kind is inspect.Parameter.VAR_KEYWORD:
                    config.update(value)
                elif kind is not inspect.Parameter.VAR_POSITIONAL:
                    config[key] = value
        except TypeError:
            config = None
        obj.__dict__["_auto_config"] = config
        return obj

    def __init__(self, trainable=True, name=None, dtype=None, autocast=True, input_shape=None,
                 input_dim=None, activity_regularizer=None, **kwargs):
        d = self.__dict__
        d["_layers"] = []
        d["_own_trainable"] = []
        d["_own_non_trainable"] = []
        d["_tracking"] = True
        name = name or _unique_name(_snake(type(self).__name__))
        super().__init__(name=name) if re.match(r"^[A-Za-z_][\w.\-]*$", name) else self._set_name(name)
        self._trainable = bool(trainable)
        self.built = False
        self._set_dtype_policy(_dtype_policy.get(dtype))
        self.autocast = autocast
        if input_dim is not None and input_shape is None:
            input_shape = (input_dim,)
        self._input_shape_arg = None if input_shape is None else tuple(input_shape)
        self._build_shapes = None
        self._output_shape = None
        self._losses = []
        self.activity_regularizer = regularizers.get(activity_regularizer)
        kwargs.pop("batch_input_shape", None)
        kwargs.pop("input_length", None)
        if kwargs:
            raise TypeError(f"Unrecognized keyword arguments passed to {type(self).__name__}: "
                            f"{kwargs}")

    def _set_dtype_policy(self, policy):
        d = self.__dict__
        d["_dtype_policy"] = policy
        d["_dtype"] = _dtypes.as_dtype(policy.compute_dtype)  # what call computes in
        d["_variable_dtype"] = _dtypes.as_dtype(policy.variable_dtype)
        d["_mixed"] = policy.compute_dtype != policy.variable_dtype

    def _set_name(self, name):
        self._name = name
        self._scope_name = re.sub(r"[^\w.\-]", "_", name)

    @classmethod
    def _get_call_info(cls):
        info = cls.__dict__.get("_call_info_cache")
        if info is None:
            try:
                params = inspect.signature(cls.call).parameters
            except (TypeError, ValueError):
                params = {}
            training = params.get("training")
            var_kw = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
            info = (training is not None or var_kw, "mask" in params,
                    None if training is None or training.default is inspect.Parameter.empty
                    else training.default)
            cls._call_info_cache = info
        return info

    @classmethod
    def _first_call_argument(cls):
        try:
            params = list(inspect.signature(cls.call).parameters.values())[1:]
        except (TypeError, ValueError):
            params = []
        named = [p.name for p in params if p.kind in (inspect.Parameter.POSITIONAL_OR_KEYWORD,
                                                      inspect.Parameter.KEYWORD_ONLY)]
        return named[0] if named else "inputs"

    # -- attribute tracking --------------------------------------------------------------------
    def __setattr__(self, key, value):
        d = self.__dict__
        if d.get("_tracking") and not key.startswith("__"):
            self._track(value)
        object.__setattr__(self, key, value)

    def _track(self, value):
        if isinstance(value, Layer):
            if value is not self and all(value is not layer for layer in self._layers):
                self._layers.append(value)
        elif isinstance(value, KerasVariable):
            # Keras 3 tracks its own variables only: a raw tf.Variable attribute is not a weight.
            if not any(value is w for w in self._own_trainable + self._own_non_trainable):
                (self._own_trainable if value.trainable else self._own_non_trainable).append(value)
        elif isinstance(value, (list, tuple)):
            for item in value:
                if isinstance(item, (Layer, Variable, list, tuple, dict)):
                    self._track(item)
        elif isinstance(value, dict):
            for item in value.values():
                if isinstance(item, (Layer, Variable, list, tuple, dict)):
                    self._track(item)

    # -- properties ----------------------------------------------------------------------------
    @property
    def dtype(self):
        """The dtype of the layer's variables (Keras 3: the policy's `variable_dtype`)."""
        return self._variable_dtype.name

    @property
    def compute_dtype(self):
        return self._dtype.name

    @property
    def variable_dtype(self):
        return self._variable_dtype.name

    @property
    def dtype_policy(self):
        """The layer's `keras.mixed_precision.DTypePolicy`."""
        return self._dtype_policy

    @dtype_policy.setter
    def dtype_policy(self, value):
        self._set_dtype_policy(_dtype_policy.get(value))

    @property
    def trainable(self):
        return self._trainable

    @trainable.setter
    def trainable(self, value):
        value = bool(value)
        self._trainable = value
        for v in self._own_trainable:
            v._trainable = value
        for layer in self._layers:
            layer.trainable = value

    @property
    def layers(self):
        return list(self._layers)

    @property
    def input_shape(self):
        return self._build_shapes

    @property
    def output_shape(self):
        return self._output_shape

    def add_weight(self, shape=None, initializer=None, dtype=None, trainable=True, autocast=True,
                   regularizer=None, constraint=None, aggregation="none", name=None, **kwargs):
        """Creates a weight Variable owned by this layer.

        Args:
          shape: the weight's shape.
          initializer: a name (`'glorot_uniform'`), an Initializer or a callable (default
            `'glorot_uniform'` for floating weights, `'zeros'` otherwise).
          dtype: default the layer's variable dtype.
          trainable: whether tapes watch it automatically and optimizers update it.
          autocast: whether a float weight is read in the compute dtype inside `call` under a
            mixed policy (Keras 3; False for BatchNormalization's statistics, say).
          name: short name; `path` is `'<layer name>/<name>'`.

        Returns:
          A Keras-style Variable.
        """
        if isinstance(shape, (str,)) and name is None:  # add_weight(name, shape) (tf.keras 2 order)
            name, shape = shape, initializer
            initializer = kwargs.pop("initializer_", None)
        dtype = _dtypes.as_dtype(getattr(dtype, "name", dtype) or self._variable_dtype)
        regularizer = regularizers.get(regularizer)
        constraint = constraints.get(constraint)
        init = initializers.get(initializer or ("glorot_uniform" if dtype.is_floating else "zeros"))
        name = name or "variable"
        var = KerasVariable(init, shape=tuple(int(d) for d in (shape or ())), dtype=dtype,
                            trainable=trainable, name=name, path=f"{self.name}/{name}",
                            constraint=constraint)
        var.regularizer = regularizer
        var._autocast = bool(autocast)
        if trainable and not self._trainable:
            var._trainable = False
            self._own_trainable.append(var)
        else:
            (self._own_trainable if trainable else self._own_non_trainable).append(var)
        return var

    def add_variable(self, *args, **kwargs):
        return self.add_weight(*args, **kwargs)

    def add_loss(self, loss):
        """Adds scalar loss tensors (a tensor or a nest of them) to `losses`; the outermost layer
        call clears them first, so they hold the last call's losses, as Keras 3.

        Raises:
          ValueError: for a value that is not a tensor.
        """
        for x in _leaves(loss):
            if not (hasattr(type(x), "_value") or isinstance(x, (np.ndarray, np.generic))):
                raise ValueError(f"`add_loss()` can only be called from inside `build()` or "
                                 f"`call()`, on a tensor input. Received invalid value: {x}")
            self._losses.append(x)

    def _flatten_layers(self, include_self=True):
        # Keras 3's order (a deque extended on the left, so nested layers come reversed).
        layers = [self] if include_self else []
        seen = set()
        queue = collections.deque(self._layers)
        while queue:
            layer = queue.popleft()
            if id(layer) in seen:
                continue
            seen.add(id(layer))
            layers.append(layer)
            queue.extendleft(getattr(layer, "_layers", []))
        return layers

    def _clear_losses(self):
        self._losses.clear()
        for layer in self._layers:
            if isinstance(layer, Layer):
                layer._clear_losses()

    @property
    def losses(self):
        """Losses added with `add_loss` (this layer's, then every sub-layer's), then the
        regularization penalties of `trainable_weights` (computed now from their current values,
        so they record on an active tape), as Keras 3 orders them."""
        out = list(self._losses)
        for layer in self._flatten_layers(include_self=False):
            out.extend(getattr(layer, "_losses", []))
        for w in self.trainable_weights:
            regularizer = getattr(w, "regularizer", None)
            if regularizer is not None:
                out.append(regularizer(w))
        return out

    @property
    def weights(self):
        out, seen = [], set()
        for w in self._own_trainable + self._own_non_trainable:
            if id(w) not in seen:
                seen.add(id(w))
                out.append(w)
        for layer in self._layers:
            for w in layer.weights:
                if id(w) not in seen:
                    seen.add(id(w))
                    out.append(w)
        return out

    @property
    def variables(self):
        """Every state variable, as Keras 3: the weights' order, each layer's own weights followed
        by the states of the `SeedGenerator`s it holds as attributes (which `weights` omits)."""
        out, seen = [], set()
        for w in self._own_trainable + self._own_non_trainable:
            if id(w) not in seen:
                seen.add(id(w))
                out.append(w)
        for value in self.__dict__.values():
            if isinstance(value, SeedGenerator):
                out.append(value.state)
        for layer in self._layers:
            for v in layer.variables:
                if id(v) not in seen:
                    seen.add(id(v))
                    out.append(v)
        return out

    @property
    def trainable_weights(self):
        if not self._trainable:
            return []
        return [w for w in self.weights if w._trainable]

    @property
    def trainable_variables(self):
        return self.trainable_weights

    @property
    def non_trainable_weights(self):
        if not self._trainable:
            return self.weights
        return [w for w in self.weights if not w._trainable]

    @property
    def non_trainable_variables(self):
        if not self._trainable:
            return self.variables
        return [v for v in self.variables if not v._trainable]

    @property
    def submodules(self):
        out = []
        for layer in self._layers:
            out.append(layer)
            out.extend(layer.submodules)
        return tuple(out)

    def count_params(self):
        if not self.built:
            raise ValueError(f"You tried to call `count_params` on layer '{self.name}', but the "
                             f"layer isn't built. You can build it manually via: "
                             f"`layer.build(input_shape)`.")
        return int(sum(int(np.prod(w.shape)) for w in self.weights))

    def get_weights(self):
        """The values of `weights`, as a list of NumPy arrays."""
        return [np.asarray(w.numpy()) for w in self.weights]

    def set_weights(self, weights):
        """Sets `weights` from a list of arrays (shapes must match; nothing changes otherwise)."""
        own = self.weights
        weights = list(weights)
        if len(own) != len(weights):
            raise ValueError(f"You called `set_weights(weights)` on layer '{self.name}' with a "
                             f"weight list of length {len(weights)}, but the layer was expecting "
                             f"{len(own)} weights.")
        arrays = []
        for var, value in zip(own, weights):
            array = np.asarray(value)
            if tuple(array.shape) != tuple(var.shape):
                raise ValueError(f"Layer {self.name} weight shape {tuple(var.shape)} is not "
                                 f"compatible with provided weight shape {array.shape}.")
            arrays.append(array)
        for var, array in zip(own, arrays):
            var.assign(array.astype(var.dtype._np))

    # -- calling -------------------------------------------------------------------------------
    def build(self, input_shape):
        self.built = True

    def call(self, inputs, *args, **kwargs):
        return inputs

    def compute_output_shape(self, input_shape):
        raise NotImplementedError

    def _maybe_build(self, inputs):
        shapes = _map(_shape_of, inputs) if isinstance(inputs, (list, tuple, dict)) else \
            _shape_of(inputs)
        self._build_shapes = shapes
        self.build(shapes)
        self.built = True
        if self._spec_ndim is not None and isinstance(shapes, tuple):
            self._spec_rank = len(shapes)
            if self._spec_axis is not None and -len(shapes) <= self._spec_axis < len(shapes):
                self._spec_dim = shapes[self._spec_axis]

    def _check_input_spec(self, inputs):
        if self.input_spec is not None:
            assert_input_compatibility(self.input_spec, inputs, self.name)
            return
        value = getattr(inputs, "_v", None)  # a Tensor's array (or pending value): its shape is cheap
        shape = value.shape if value is not None else _shape_of(inputs)
        if shape is None:
            return
        kind, rank = self._spec_ndim
        if kind == "built":
            kind, rank = "exact", self._spec_rank
        ndim = len(shape)
        if rank is not None and (ndim < rank if kind == "min" else ndim != rank):
            assert_input_compatibility(InputSpec(**{"min_ndim" if kind == "min" else "ndim": rank}),
                                       inputs, self.name)
        dim = self._spec_dim
        if self.built and dim is not None and shape[self._spec_axis] not in (dim, None):
            assert_input_compatibility(InputSpec(axes={self._spec_axis: dim}), inputs, self.name)

    def _convert_inputs(self, inputs):
        if type(inputs) is Tensor or isinstance(inputs, Variable):
            x = inputs
        elif isinstance(inputs, (np.ndarray, np.generic, list, float, int)) and not (
                isinstance(inputs, list) and inputs and isinstance(inputs[0], (Tensor, Variable,
                                                                               np.ndarray))):
            array = np.asarray(inputs)
            target = self._dtype if self._convert_to_compute_dtype else self._variable_dtype
            x = convert_to_tensor(array.astype(target._np) if array.dtype.kind == "f" else array)
        else:
            return inputs
        target = self._dtype if self._convert_to_compute_dtype else self._variable_dtype
        if self.autocast and x.dtype != target and x.dtype.is_floating and target.is_floating:
            x = math_ops.cast(x, target)
        return x

    def _enter_autocast(self):
        """Opens the autocast scope of Keras 3's `Layer.__call__` when this layer changes it (a
        mixed policy, or a layer whose compute dtype differs from the enclosing scope's): returns
        what `_exit_autocast` undoes, or None when nothing changes. Inside, the float `autocast`
        variables of this layer and of the sub-layers that keep the scope are read in the scope's
        dtype: each attribute holding one is replaced by a (recorded) cast for the call."""
        outer = _dtype_policy.autocast_dtype()
        if outer is None:
            if not self._mixed:
                return None
            inner = self._dtype.name
        elif not self.autocast or not self._dtype.is_floating:
            inner = None
        else:
            inner = self._dtype.name
        swapped = []
        if inner is not None:
            _cast_variables(self, inner, swapped, set())
        if inner == outer and not swapped:
            return None
        _dtype_policy.set_autocast_dtype(inner)
        return outer, swapped

    def _call_autocast(self, inputs, args, kwargs):
        """`call` on concrete placeholders as `__call__` would run it: floating inputs in the
        compute dtype, under this layer's autocast scope (for symbolic output dtypes)."""
        if self._convert_to_compute_dtype and self.autocast and self._dtype.is_floating:
            inputs = _map(lambda x: math_ops.cast(x, self._dtype) if type(x) is Tensor
                          and x.dtype.is_floating and x.dtype != self._dtype else x, inputs)
        autocast = self._enter_autocast()
        try:
            return self.call(inputs, *args, **kwargs)
        finally:
            if autocast is not None:
                self._exit_autocast(autocast)

    @staticmethod
    def _exit_autocast(token):
        outer, swapped = token
        _dtype_policy.set_autocast_dtype(outer)
        for d, key, var in reversed(swapped):
            d[key] = var

    def __call__(self, *args, **kwargs):
        if not _config.is_traceback_filtering_enabled():
            return self._call_layer(*args, **kwargs)
        try:
            return self._call_layer(*args, **kwargs)
        except Exception as error:  # Keras 3's traceback filter re-raises every error `from None`
            raise error.with_traceback(error.__traceback__) from None

    def _call_layer(self, *args, **kwargs):
        if args:
            inputs, args = args[0], args[1:]
        else:  # the first argument by its name in `call`'s signature, as Keras 3 accepts it
            inputs = kwargs.pop(self._first_call_argument())
        if _has_symbolic(inputs):
            return self._symbolic_call(inputs, args, kwargs)
        inputs = self._convert_inputs(inputs)
        if self._dtype in _HALF and self.autocast and self._convert_to_compute_dtype:
            # Keras 3 casts every floating array argument (lists, `value=`, ...) to the compute dtype
            inputs, args, kwargs = _map(lambda x: _to_half(x, self._dtype), (inputs, args, kwargs))
        if self._spec_ndim is not None or self.input_spec is not None:
            self._check_input_spec(inputs)
        accepts_training, _, default = self._get_call_info()
        training = kwargs.pop("training", None)
        if training is None:
            training = _context.training
        if not self.built:
            self._maybe_build(inputs)
            first = True
        else:
            first = False
        if accepts_training:
            if training is not None:
                kwargs["training"] = training
        mask = kwargs.get("mask")
        if mask is None and _masks:
            mask = _inputs_mask(inputs)
            if mask is not None and self._get_call_info()[1]:
                kwargs["mask"] = mask
        outer = _context.training
        entry = _context.entry is None
        if entry:
            _context.entry = self
            self._clear_losses()
        if training is not None:
            _context.training = training
        autocast = (self._enter_autocast() if self._mixed or _dtype_policy.autocast_dtype() is not None
                    else None)
        try:
            try:
                out = self.call(inputs, *args, **kwargs)
            except Exception as error:
                wrapped = _call_errors.annotated(self, self.call, error, (inputs, *args), kwargs)
                if wrapped is error:
                    raise
                raise wrapped.with_traceback(error.__traceback__) from None
            if self.activity_regularizer is not None:
                self._add_activity_losses(out)
        finally:
            _context.training = outer
            if entry:
                _context.entry = None
            if autocast is not None:
                self._exit_autocast(autocast)
        if first:
            self._output_shape = _map(_shape_of, out)
        if mask is not None or type(self).compute_mask is not Layer.compute_mask:
            out_mask = self.compute_mask(inputs, mask)
            if out_mask is not None:
                outs, masks = _leaves(out), _leaves(out_mask)
                for o, m in zip(outs, masks if len(masks) == len(outs) else masks[:1] * len(outs)):
                    if m is not None and hasattr(type(o), "_value"):
                        set_keras_mask(o, m)
        return out

    def compute_mask(self, inputs, previous_mask=None):
        """The mask of the outputs: the input mask for layers that support masking, else None."""
        return previous_mask if self.supports_masking else None

    def _add_activity_losses(self, outputs):
        for output in _leaves(outputs):
            if not hasattr(type(output), "_value"):
                continue
            loss = self.activity_regularizer(output)
            if output.ndim > 0:
                # Keras 3 divides by the batch size (so the strength does not depend on it).
                batch = math_ops.cast(Tensor(jnp.asarray(output.shape[0], jnp.int32)), loss.dtype)
                loss = math_ops.divide_no_nan(loss, batch)
            self.add_loss(loss)

    def _symbolic_call(self, inputs, args, kwargs):
        if self._spec_ndim is not None or self.input_spec is not None:
            self._check_input_spec(inputs)
        if not self.built:
            self._maybe_build(inputs)
        try:
            out_shapes = self.compute_output_shape(self._build_shapes if self._build_shapes is not None
                                                   else _map(_shape_of, inputs))
            out_dtype = self._dtype
            outputs = _symbolic_outputs(out_shapes, out_dtype)
        except NotImplementedError:
            concrete = _map(lambda x: _concrete_placeholder(x) if type(x) is KerasTensor else x, inputs)
            batch_unknown = any(type(x) is KerasTensor and x.ndim and x.shape[0] is None
                                for x in _leaves(inputs))
            call_kwargs = dict(kwargs)
            if self._get_call_info()[0]:
                call_kwargs.setdefault("training", False)
            with _record.suspended():
                try:
                    result = self._call_autocast(concrete, args, call_kwargs)
                except Exception as error:
                    wrapped = _call_errors.annotated_symbolic(self, error, (inputs, *args), kwargs)
                    raise wrapped.with_traceback(error.__traceback__) from None

            def to_symbolic(t):
                shape = tuple(t.shape)
                if batch_unknown and shape:
                    shape = (None,) + shape[1:]
                return KerasTensor(shape, t.dtype)
            outputs = _map(to_symbolic, result)
        node = (self, inputs, args, kwargs, outputs)
        for i, kt in enumerate(_leaves(outputs)):
            kt._history = node
            kt.name = f"keras_tensor_{self.name}_{i}"
        self._output_shape = _map(lambda k: k.shape, outputs)
        return outputs

    def get_config(self):
        """The constructor arguments this layer was created with (Keras 3's default), with its
        `name`, `trainable` and `dtype`; `from_config` rebuilds an equal, unbuilt layer."""
        config = dict(self.__dict__.get("_auto_config") or {})
        config.update({"name": self.name, "trainable": self.trainable,
                       "dtype": self._dtype_policy.name})
        return config

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"


_HALF = (_dtypes.float16, _dtypes.bfloat16)


def _autocasts(value, dtype):
    """Whether `value` is a KerasVariable read as `dtype` in an autocast scope of `dtype`."""
    return (isinstance(value, KerasVariable) and value.__dict__.get("_autocast", True)
            and value.dtype.is_floating and value.dtype.name != dtype)


def _to_half(x, dtype):
    """`x` cast to the float16/bfloat16 `dtype` when it is a floating tensor or array."""
    if type(x) is Tensor or isinstance(x, Variable):
        return math_ops.cast(x, dtype) if x.dtype.is_floating and x.dtype != dtype else x
    if isinstance(x, np.ndarray) and x.dtype.kind == "f":
        return convert_to_tensor(x.astype(dtype._np))
    return x


def _cast_variables(layer, dtype, swapped, seen):
    """Replaces, in `layer`'s attributes and in those of its sub-layers that keep an autocast scope
    of `dtype`, each float `autocast` KerasVariable of another dtype by its cast to `dtype`;
    appends `(attributes, key, variable)` to `swapped` for the restore."""
    seen.add(id(layer))
    d = layer.__dict__
    found = []
    for key, value in d.items():
        if isinstance(value, KerasVariable):
            if _autocasts(value, dtype):
                found.append((key, value, math_ops.cast(value, dtype)))
        elif type(value) in (tuple, list) and any(_autocasts(v, dtype) for v in value):
            found.append((key, value, type(value)(  # (kernel, bias) pairs, say
                math_ops.cast(v, dtype) if _autocasts(v, dtype) else v for v in value)))
    for key, value, cast in found:
        swapped.append((d, key, value))
        d[key] = cast
    for sub in layer._layers:
        if (isinstance(sub, Layer) and id(sub) not in seen and sub.autocast
                and sub._dtype.name == dtype):
            _cast_variables(sub, dtype, swapped, seen)


class InputLayer(Layer):
    """The layer behind `keras.Input`: holds the input's shape and dtype."""

    def __init__(self, shape=None, batch_size=None, dtype=None, sparse=None, batch_shape=None,
                 input_tensor=None, name=None, **kwargs):
        if "input_shape" in kwargs:  # Keras 3 still takes its old names
            warnings.warn("Argument `input_shape` is deprecated. Use `shape` instead.",
                          stacklevel=2)
            shape = kwargs.pop("input_shape")
        if "batch_input_shape" in kwargs:
            batch_shape = kwargs.pop("batch_input_shape")
        # Keras 3: an input's dtype is floatx() unless given, whatever the global policy.
        super().__init__(name=name, dtype=dtype or _config.floatx())
        if shape is not None and batch_shape is not None:
            raise ValueError("You cannot pass both `shape` and `batch_shape` at the same time.")
        if batch_size is not None and batch_shape is not None:
            raise ValueError("You cannot pass both `batch_size` and `batch_shape` at the same "
                             "time.")
        if batch_shape is None:
            if shape is None:
                raise ValueError("You must pass a `shape` argument.")
            batch_shape = (batch_size,) + tuple(shape)
        self.batch_shape = tuple(batch_shape)
        self.built = True
        self.output = KerasTensor(self.batch_shape, self._dtype, name=self.name,
                                  history=(self, None, (), {}, None))
        self.output._history = (self, None, (), {}, self.output)
        self._output_shape = self.batch_shape


def Input(shape=None, batch_size=None, dtype=None, sparse=None, batch_shape=None, name=None,  # noqa: N802
          tensor=None, optional=False):
    """A symbolic input of a functional model, as `keras.Input`.

    Args:
      shape: the shape without the batch dimension (e.g. `(784,)`).
      batch_size: optional fixed batch size.
      dtype: default float32.
      name: optional name.

    Returns:
      A `KerasTensor`.
    """
    return InputLayer(shape=shape, batch_size=batch_size, dtype=dtype, batch_shape=batch_shape,
                      name=name).output
