"""Keras models: `Model` (subclassed, or functional with `inputs=`/`outputs=`), `Sequential`, and
the built-in training loop (`compile`, `fit`, `evaluate`, `predict`) on GradientTape and the
optax-backed optimizers. Weights save in Keras 3's `.weights.h5` layout (`_saving.py`; never pickle)."""

from __future__ import annotations

import os
import warnings

import numpy as np

from tapejax import _nest, _saved_model, _sparse
from tapejax._function import function
from tapejax._npz import load_arrays, save_arrays
from tapejax._ops import array_ops, math_ops
from tapejax._ops._convert import convert_to_tensor
from tapejax._tape import GradientTape
from tapejax._tensor import Tensor
from tapejax.data import Dataset
from tapejax.distribute._input import distribute_keras_batch, keras_scope
from tapejax.keras import _compile_losses, _saving, _trackable
from tapejax.keras import _metrics as metrics_module
from tapejax.keras import _optimizers as optimizers_module
from tapejax.keras._callbacks import CallbackList, History
from tapejax.keras._compile_losses import CompileLoss
from tapejax.keras._compile_metrics import CompileMetrics
from tapejax.keras._layer import Input, InputLayer, KerasTensor, Layer, _leaves, _map
from tapejax.keras._rnn_cells import states_kept

__all__ = ["Model", "Sequential", "Functional", "History"]


def _to_tensor_batch(x):
    if isinstance(x, (list, tuple)):
        return type(x)(_to_tensor_batch(v) for v in x)
    if isinstance(x, dict):
        return {k: _to_tensor_batch(v) for k, v in x.items()}
    if x is None or type(x) is Tensor or isinstance(x, _sparse.SparseTensor):
        return x
    array = np.asarray(x)
    if array.dtype == np.float64:
        array = array.astype(np.float32)
    return convert_to_tensor(array)


def _num_samples(x):
    first = _leaves(x)[0]
    return int(first.shape[0])


def _slice(x, index):
    if x is None:
        return None
    if isinstance(x, (list, tuple)):
        return type(x)(_slice(v, index) for v in x)
    if isinstance(x, dict):
        return {k: _slice(v, index) for k, v in x.items()}
    if isinstance(x, _sparse.SparseTensor):
        return _sparse.take_rows(x, index)
    array = x.numpy() if hasattr(x, "numpy") else np.asarray(x)
    return array[index]


def _weights_file_check(filepath):
    filepath = os.fspath(filepath)
    if not (filepath.endswith(".npz") or filepath.endswith(".weights.h5")):
        raise ValueError("The filename must end in `.weights.h5` (Keras 3's HDF5 layout) or "
                         f"`.weights.npz` (tapejax's older NumPy archive). Received: "
                         f"filepath={filepath}")
    return filepath


def _is_npz(filepath):
    """Whether `filepath` is one of tapejax's older `.npz` weights archives (a zip, not HDF5)."""
    try:
        with open(filepath, "rb") as f:
            return f.read(4) == b"PK\x03\x04"
    except OSError:
        return False


_FUNCTIONAL_SUBCLASSES = {}


def _functional_init_arguments(args, kwargs):
    return (len(args) == 2 or (len(args) == 1 and "outputs" in kwargs)
            or ("inputs" in kwargs and "outputs" in kwargs))


def _flat_logs(logs):
    """A step's logs by sorted name (TF's Keras returns them from its compiled step as `tf.nest`
    packs a dict), nested dicts (a custom step returning CompileMetrics' `result()`) merged in at
    their place, as Keras 3's `pythonify_logs`."""
    flat = {}
    for key in sorted(logs):
        value = logs[key]
        if isinstance(value, dict):
            flat.update(_flat_logs(value))
        else:
            flat[key] = value
    return flat


class Model(Layer):
    """A Layer with training and saving: subclass it (layers assigned as attributes are tracked
    in assignment order), or build a functional model with `Model(inputs=..., outputs=...)`."""

    _checkpoint_kind = "model"
    _base_build = True
    _saving_model_reference = None

    @classmethod
    def _saving_base_attributes(cls):
        if Model.__dict__["_saving_model_reference"] is None:
            names = set(Layer._saving_base_attributes()) | set(Model(name="reference").__dict__)
            names |= set(Sequential(name="reference").__dict__)
            names |= {"_inputs_struct", "_outputs_struct", "_flat_inputs", "_flat_outputs", "_nodes",
                      "_train_fn", "_test_fn", "_predict_fn", "_compile_args", "_output_names"}
            names.discard("optimizer")
            for klass in (Model, Sequential, Functional):
                names |= {k for k in dir(klass) if not k.startswith("__")}
            Model._saving_model_reference = frozenset(names)
        return Model._saving_model_reference

    def _saving_entries(self):
        extra = {"layers": self.layers}
        if getattr(self, "optimizer", None) is not None:
            extra["optimizer"] = self.optimizer
        return [], extra

    def _saving_graph_entries(self, layers):
        extra = {} if getattr(self, "optimizer", None) is None else {"optimizer": self.optimizer}
        return [("layers", layers)], extra

    def __new__(cls, *args, **kwargs):
        # Keras 3 makes a Functional model only for `Model(...)` itself; a subclass becomes one
        # when its own __init__ calls `super().__init__(inputs, outputs)` (see __init__).
        if cls is Model and _functional_init_arguments(args, kwargs):
            return super().__new__(Functional, *args, **kwargs)
        return super().__new__(cls, *args, **kwargs)

    def __init__(self, *args, **kwargs):
        if _functional_init_arguments(args, kwargs) and not isinstance(self, Functional):
            # A subclass initialised with inputs/outputs is a functional model with the
            # subclass's methods (a custom train_step), as Keras 3 injects Functional.
            cls = type(self)
            mixed = _FUNCTIONAL_SUBCLASSES.get(cls)
            if mixed is None:
                mixed = _FUNCTIONAL_SUBCLASSES[cls] = type(cls.__name__, (cls, Functional),
                                                           {"__module__": cls.__module__,
                                                            "__qualname__": cls.__qualname__})
            self.__class__ = mixed
            Functional.__init__(self, *args, **kwargs)
            return
        trainable = kwargs.pop("trainable", True)
        name = kwargs.pop("name", None)
        dtype = kwargs.pop("dtype", None)
        super().__init__(trainable=trainable, name=name, dtype=dtype)
        self.optimizer = None
        self.loss = None
        self.compiled = False
        self._compile_metrics = None
        self._compile_loss = None
        self._prepared = False
        self._loss_tracker = None
        self._train_fn = self._test_fn = None
        self.run_eagerly = False
        self.stop_training = False
        self.history = None

    # -- structure -----------------------------------------------------------------------------
    @property
    def layers(self):
        return [layer for layer in self._layers if not isinstance(layer, (metrics_module.Metric,))]

    def get_layer(self, name=None, index=None):
        if index is not None:
            return self.layers[index]
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise ValueError(f"No such layer: {name}. Existing layers are: "
                         f"{[layer.name for layer in self.layers]}.")

    def _maybe_build(self, inputs):
        # A subclassed model's layers build themselves on the first call; the shapes of that
        # call are its `build_config` (what `load_model` builds a reloaded model with).
        self._build_shapes = _map(lambda x: None if x is None else tuple(getattr(x, "shape", ())),
                                  inputs)
        self.built = True

    def build(self, input_shape=None):
        if input_shape is not None and not self.built:
            shape = tuple(1 if d is None else d for d in input_shape)
            self(Tensor(np.zeros(shape, np.float32)))
        self.built = True

    # -- summary -------------------------------------------------------------------------------
    def summary(self, line_length=None, positions=None, print_fn=None, expand_nested=False,
                show_trainable=False, layer_range=None):
        """Prints the layers, their output shapes and parameter counts, as Keras does."""
        print_fn = print_fn or print
        width = line_length or 80
        cols = [int(width * 0.45), int(width * 0.33)]
        rows = []
        for layer in self.layers:
            if isinstance(layer, InputLayer):
                continue
            shape = layer.output_shape
            shape_text = "?" if shape is None else str(tuple(shape) if not isinstance(shape, list)
                                                        else shape)
            params = sum(int(np.prod(w.shape)) for w in layer.weights) if layer.built else 0
            rows.append((f"{layer.name} ({type(layer).__name__})", shape_text, f"{params:,}"))
        lines = [f'Model: "{self.name}"', "_" * width,
                 "Layer (type)".ljust(cols[0]) + "Output Shape".ljust(cols[1]) + "Param #",
                 "=" * width]
        for i, (a, b, c) in enumerate(rows):
            lines.append(a.ljust(cols[0]) + b.ljust(cols[1]) + c)
            lines.append(("_" if i < len(rows) - 1 else "=") * width)
        if not rows:
            lines.append("=" * width)
        weights = self.weights

        def size(ws):
            n = sum(int(np.prod(w.shape)) for w in ws)
            nbytes = sum(int(np.prod(w.shape)) * w.dtype.size for w in ws)
            return f"{n:,} ({_format_bytes(nbytes)})"
        lines.append(f" Total params: {size(weights)}")
        lines.append(f" Trainable params: {size(self.trainable_weights)}")
        lines.append(f" Non-trainable params: {size(self.non_trainable_weights)}")
        lines.append("_" * width)
        for line in lines:
            print_fn(line)

    # -- weights files -------------------------------------------------------------------------
    def save_weights(self, filepath, overwrite=True, max_shard_size=None):
        """Saves the weights in Keras 3's `.weights.h5` layout (HDF5; TF/Keras read it), or, for
        a `.weights.npz` name, in tapejax's older NumPy archive.

        Raises:
          ValueError: for another file name, or a model that is not built yet (Keras' messages).
        """
        filepath = os.fspath(filepath)
        if filepath.endswith(".npz"):
            return self._save_weights_npz(filepath, overwrite)
        if max_shard_size is not None:
            raise NotImplementedError("tapejax does not write sharded weights "
                                      "(`max_shard_size`); save one `.weights.h5` file.")
        if not filepath.endswith(".weights.h5"):
            raise ValueError(f"The filename must end in `.weights.h5`. Received: filepath={filepath}")
        if not overwrite and os.path.exists(filepath):
            raise FileExistsError(f"{filepath} exists and overwrite=False.")
        if not self.built:
            raise ValueError("You are saving a model that has not yet been built. Try building the "
                             "model first by calling it on some data or by using `build()`.")
        _saving.save_weights_h5(self, filepath)

    def load_weights(self, filepath, skip_mismatch=False, **kwargs):
        """Loads weights from a Keras 3 `.weights.h5` file or `.keras` archive (written by TF's
        Keras or tapejax), or from tapejax's older `.weights.npz` archives.

        Every weight is checked before any is assigned: a missing or mismatched weight raises
        ValueError (Keras' message) and leaves the model unchanged.
        """
        filepath = os.fspath(filepath)
        kwargs.pop("objects_to_skip", None)
        by_name = kwargs.pop("by_name", None)
        if kwargs:
            raise ValueError(f"Invalid keyword arguments: {kwargs}")
        if filepath.endswith(".npz") or (filepath.endswith(".weights.h5") and _is_npz(filepath)):
            return self._load_weights_npz(filepath)
        if not (filepath.endswith(".keras") or filepath.endswith(".weights.h5")):
            raise ValueError(f"File format not supported: filepath={filepath}. Keras 3 only "
                             f"supports V3 `.keras` files, `.weights.h5` files, legacy H5 format "
                             f"files (`.h5` extension), or Orbax checkpoints.")
        if by_name is not None:
            raise ValueError(f"Invalid keyword arguments: {{'by_name': {by_name}}}")
        if not self.built:
            raise ValueError("You are loading weights into a model that has not yet been built. "
                             "Try building the model first by calling it on some data or by "
                             "using `build()`.")
        _saving.load_weights_h5(self, filepath, skip_mismatch=skip_mismatch)

    def _save_weights_npz(self, filepath, overwrite=True):
        filepath = _weights_file_check(filepath)
        if not overwrite and os.path.exists(filepath):
            raise FileExistsError(filepath)
        weights = self.weights
        arrays = {f"w{i:05d}": np.asarray(w.numpy()) for i, w in enumerate(weights)}
        meta = ["tapejax-weights-v1"] + [getattr(w, "path", w.name) for w in weights]
        save_arrays(filepath, arrays, meta)

    def _load_weights_npz(self, filepath):
        filepath = _weights_file_check(filepath)
        arrays, meta = load_arrays(filepath)
        weights = self.weights
        stored = [arrays.get(f"w{i:05d}") for i in range(len(meta) - 1)]
        if not meta or meta[0] != "tapejax-weights-v1" or any(a is None for a in stored):
            raise ValueError(f"{filepath!r} is not a tapejax weights file. Nothing was loaded.")
        if len(stored) != len(weights):
            raise ValueError(f"Layer count mismatch when loading weights from file. Model "
                             f"expected {len(weights)} weights, file has {len(stored)}. Nothing "
                             f"was loaded.")
        for w, a, path in zip(weights, stored, meta[1:]):
            if tuple(a.shape) != tuple(w.shape) or a.dtype != w.dtype._np:
                raise ValueError(f"Weight {getattr(w, 'path', w.name)} has shape {tuple(w.shape)} "
                                 f"and dtype {w.dtype.name}, but the saved value {path!r} has "
                                 f"shape {tuple(a.shape)} and dtype {a.dtype}. Nothing was loaded.")
        for w, a in zip(weights, stored):
            w.assign(a)

    # -- training ------------------------------------------------------------------------------
    def compile(self, optimizer="rmsprop", loss=None, loss_weights=None, metrics=None,
                weighted_metrics=None, run_eagerly=False, steps_per_execution=1, jit_compile="auto",
                auto_scale_loss=True):
        """Configures the model for `fit`/`evaluate`.

        Args:
          optimizer: an Optimizer or a name (`'adam'`).
          loss: a Loss, a name (`'sparse_categorical_crossentropy'`), or a callable; for a model
            of several outputs one for all, or a list (by position) or a dict (by output name) of
            them.
          loss_weights: a float, or a list/dict matching `loss`: the total loss is the sum of the
            losses times their weights.
          metrics: list of Metrics or names (`'accuracy'` picks binary, categorical or sparse
            categorical accuracy from the shapes, as Keras does); for several outputs a list with
            one entry (a metric or a list of them) per output, or a dict by output name.
          weighted_metrics: the same, updated with the sample weights.
          run_eagerly: if False (default), each train/test step is compiled with
            `tapejax.function`.
          auto_scale_loss: under the `'mixed_float16'` policy, wrap the optimizer in a
            `LossScaleOptimizer` (Keras 3).
        """
        self._compile_args = {"loss": loss, "loss_weights": loss_weights, "metrics": metrics,
                              "weighted_metrics": weighted_metrics, "run_eagerly": run_eagerly,
                              "steps_per_execution": steps_per_execution,
                              "jit_compile": jit_compile}  # Keras' compile_config when saved
        self.optimizer = self._compile_args["optimizer"] = optimizers_module.get(optimizer)
        if (auto_scale_loss and self.dtype_policy.name == "mixed_float16"
                and not isinstance(self.optimizer, optimizers_module.LossScaleOptimizer)):
            self.optimizer = optimizers_module.LossScaleOptimizer(self.optimizer,
                                                                  name="loss_scale_optimizer")
        output_names = getattr(self, "output_names", None)  # (a functional model's)
        if loss is not None:  # Keras 3: a later compile without a loss keeps the last one
            self._compile_loss = CompileLoss(loss, loss_weights, output_names=output_names)
            self.loss = loss
        if self._compile_loss is not None:
            # TF's compiled step has no static batch size: its loss trackers count each batch once
            self._compile_loss.batch_weighted = bool(run_eagerly)
        # Keras 3: one CompileMetrics container whenever metrics or weighted_metrics are given
        if metrics is not None or weighted_metrics is not None:  # (else the last one stays)
            self._compile_metrics = CompileMetrics(metrics, weighted_metrics,
                                                   output_names=output_names)
        self._prepared = False
        self._loss_tracker = metrics_module.Mean(name="loss")
        self.run_eagerly = bool(run_eagerly) or jit_compile is False
        self._train_fn = self._test_fn = None
        self.compiled = True

    @property
    def metrics(self):
        """Keras 3's order: the loss tracker, the `CompileMetrics` container (which holds the
        compiled metrics, in its `metrics`), then the trackers of the individual losses of a model
        of several outputs (`'<output_name>_loss'`, once the first batch has built them)."""
        out = [self._loss_tracker] if self._loss_tracker is not None else []
        out += [self._compile_metrics] if self._compile_metrics is not None else []
        return out + (self._compile_loss.metrics if self._compile_loss is not None else [])

    @property
    def metrics_names(self):
        return [m.name for m in self.metrics]

    @property
    def _compiled_metrics(self):
        """The compiled metrics themselves (empty until the first batch builds them)."""
        return self._compile_metrics.metrics if self._compile_metrics is not None else []

    def _resolve_metrics(self, y, y_pred):
        """Builds the compiled metrics, then the compiled loss, from a batch (Keras' symbolic
        build: nothing is updated)."""
        if self._compile_metrics is not None and not self._compile_metrics.built:
            self._compile_metrics.build(y, y_pred)
        if self._compile_loss is not None and not self._compile_loss.built:
            self._compile_loss.prepare(y, y_pred)

    def _metrics_unbuilt(self):
        """Whether `_prepare` still has to run the model once eagerly: after each `compile` (the
        first call builds the model outside the compiled step) and while the compiled metrics
        wait for a batch to be built from."""
        return (not self._prepared
                or (self._compile_metrics is not None and not self._compile_metrics.built)
                or (self._compile_loss is not None and not self._compile_loss.built))

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """The compiled loss (for several outputs: the weighted sum of their losses, each also
        recorded by its tracker) plus every loss in `self.losses` (`add_loss`, activity and weight
        regularization), summed as Keras 3 does.

        Returns:
          A scalar Tensor.

        Raises:
          ValueError: when there is neither a compiled loss nor any model loss.
        """
        losses = []
        if self._compile_loss is not None:
            loss = self._compile_loss(y, y_pred, sample_weight)
            if loss is not None:
                losses.append(loss)
        for extra in self.losses:
            extra = convert_to_tensor(extra)
            if not extra.dtype.is_floating:
                extra = math_ops.cast(extra, "float32")
            losses.append(math_ops.reduce_sum(extra))
        if not losses:
            raise ValueError("No loss to compute. Provide a `loss` argument in `compile()`.")
        if len(losses) == 1:
            return losses[0]
        return math_ops.reduce_sum(array_ops.stack(losses))

    # Keras 2 shims Keras 3 keeps (deprecated) for custom train_steps.
    def compiled_loss(self, y, y_pred, sample_weight=None, regularization_losses=None):
        """Deprecated Keras 2 shim: `compute_loss(None, y, y_pred, sample_weight)` (the
        `regularization_losses` argument is ignored, as in Keras 3: `self.losses` are included)."""
        warnings.warn("`model.compiled_loss()` is deprecated. Instead, use "
                      "`model.compute_loss(x, y, y_pred, sample_weight, training)`.", stacklevel=2)
        return self.compute_loss(x=None, y=y, y_pred=y_pred, sample_weight=sample_weight)

    @property
    def compiled_metrics(self):
        """Deprecated Keras 2 shim: `update_state(y, y_pred)` updates every metric in
        `self.metrics` (a `Mean`, like the loss tracker, with `y_pred`), as Keras 3 does."""
        model = self

        class DeprecatedCompiledMetric:
            def update_state(_, y, y_pred, sample_weight=None):
                warnings.warn("`model.compiled_metrics()` is deprecated. Instead, use e.g.:\n"
                              "```\nfor metric in self.metrics:\n    metric.update_state(y, "
                              "y_pred)\n```\n", stacklevel=2)
                model._resolve_metrics(y, y_pred)
                if model._loss_tracker is not None:  # a Mean: Keras 3 feeds it y_pred
                    model._loss_tracker.update_state(y_pred, sample_weight=sample_weight)
                if model._compile_metrics is not None:
                    model._compile_metrics.update_state(y, y_pred, sample_weight=sample_weight)

        return DeprecatedCompiledMetric()

    def compute_metrics(self, x, y, y_pred, sample_weight=None):
        """Updates the compiled metrics (not the loss tracker) and returns `get_metrics_result()`."""
        if self._compile_metrics is not None:
            self._compile_metrics.update_state(y, y_pred, sample_weight=sample_weight)
        return self.get_metrics_result()

    def get_metrics_result(self):
        """`{name: result}` of every metric in `self.metrics` (a dict result, the CompileMetrics
        container's, is merged in)."""
        out = {}
        for m in self.metrics:
            result = m.result()
            if isinstance(result, dict):
                out.update(result)
            else:
                out[m.name] = result
        return out

    def export(self, filepath, format="tf_saved_model", verbose=True, input_signature=None):  # noqa: A002
        """Exports a SavedModel with a `serve` endpoint, as Keras 3 (see `tf.saved_model.load`)."""
        _saved_model.export_keras(self, filepath, format=format, verbose=verbose, input_signature=input_signature)

    def _build_loss_scale(self):
        """Builds a LossScaleOptimizer before the first (compiled) step, as Keras' fit builds
        the optimizer first: its `scale_loss` then reads the dynamic scale, not a constant."""
        opt = self.optimizer
        if isinstance(opt, optimizers_module.LossScaleOptimizer) and not opt.built:
            opt.build(self.trainable_weights)

    def train_step(self, data):
        x, y, sample_weight = _unpack(data)
        with GradientTape() as tape:
            y_pred = self(x, training=True)
            loss = self.compute_loss(x, y, y_pred, sample_weight)
            scaled = self.optimizer.scale_loss(loss)  # Keras 3: the loss scale, if any
        variables = self.trainable_weights
        grads = tape.gradient(scaled, variables)
        self.optimizer.apply_gradients(zip(grads, variables))
        return self._update_metrics(loss, x, y, y_pred, sample_weight)

    def test_step(self, data):
        x, y, sample_weight = _unpack(data)
        y_pred = self(x, training=False)
        loss = self.compute_loss(x, y, y_pred, sample_weight, training=False)
        return self._update_metrics(loss, x, y, y_pred, sample_weight)

    def _update_metrics(self, loss, x, y, y_pred, sample_weight):
        self._loss_tracker.update_state(loss, sample_weight=Tensor(
            np.float32(_num_samples(x))))
        if self._compile_metrics is not None:
            self._compile_metrics.update_state(y, y_pred, sample_weight=sample_weight)
        return self.get_metrics_result()

    def _flatten_metrics_in_order(self, logs):
        """Keras 3's list of `logs` values: by the names of `self.metrics` (a CompileMetrics
        container's metrics by their own names, repeated names included), then the other keys
        sorted; a single value alone."""
        names = []
        for m in self.metrics:
            names += [s.name for s in m.metrics] if isinstance(m, CompileMetrics) else [m.name]
        results = [logs[name] for name in names if name in logs]
        results += [logs[key] for key in sorted(logs) if key not in names]
        return results[0] if len(results) == 1 else results

    @staticmethod
    def _ordered(logs):
        return _flat_logs(logs)

    def _make_fn(self, step):
        if self.run_eagerly:
            return step
        compiled = function(step)

        def run(data):
            # string tensors live on the host (jax.jit cannot take them): such a step runs eagerly
            if any(getattr(getattr(leaf, "dtype", None), "name", None) == "string" for leaf in _leaves(data)):
                return step(data)
            return compiled(data)
        return run

    def _prepare(self, x, y):
        if not self.compiled:
            raise ValueError("You must call `compile()` before using the model.")
        if isinstance(x, Dataset):
            if self._metrics_unbuilt():
                x, y, _ = _unpack(next(iter(x.take(1))))
                with states_kept(self):  # a stateful model's states are not advanced by this look
                    self._resolve_metrics(y, self(x, training=False))
                self._prepared = True
            return
        if self._metrics_unbuilt():
            n = min(_num_samples(x), 2)
            xb = _to_tensor_batch(_slice(x, slice(0, n)))
            yb = _to_tensor_batch(_slice(y, slice(0, n)))
            with states_kept(self):
                self._resolve_metrics(yb, self(xb, training=False))
            self._prepared = True

    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None,
            validation_split=0.0, validation_data=None, shuffle=True, class_weight=None,
            sample_weight=None, initial_epoch=0, steps_per_epoch=None, validation_steps=None,
            validation_batch_size=None, validation_freq=1):
        """Trains on NumPy arrays or Tensors for `epochs`, calling `callbacks` as Keras 3 does (a
        `History` and, unless `verbose=0`, a `ProgbarLogger` are added).

        Returns:
          A `History` whose `history` maps `'loss'`, each metric and `'val_*'` to per-epoch values.
        """
        batch_size = batch_size or 32
        if isinstance(x, Dataset):
            _check_dataset_arguments(x, y, sample_weight, validation_split)
        if validation_split and validation_data is None:
            n = _num_samples(x)
            split = int(n * (1 - validation_split))
            # Keras 3 splits the sample weights too; the validation part weights val_* entries
            validation_data = (_slice(x, slice(split, None)), _slice(y, slice(split, None)),
                               _slice(sample_weight, slice(split, None)))
            x, y = _slice(x, slice(0, split)), _slice(y, slice(0, split))
            sample_weight = _slice(sample_weight, slice(0, split))
        if not isinstance(x, Dataset):
            # (Keras checks validation data only when it evaluates it, after the first epoch.)
            sample_weight = _standardize_sample_weight(y, sample_weight)
            _check_cardinality(x, y, sample_weight)
        with keras_scope(self):  # weights a first call builds are made in the strategy
            self._prepare(x, y)
        self._build_loss_scale()
        if self._train_fn is None:
            self._train_fn = self._make_fn(self.train_step)
        if isinstance(x, Dataset):
            batches = _DatasetBatches(x, steps_per_epoch, "fit")
            steps = batches.steps
        else:
            n = _num_samples(x)
            steps = steps_per_epoch or -(-n // batch_size)
            batches = None
        if not isinstance(callbacks, CallbackList):
            callbacks = CallbackList(callbacks, add_history=True, add_progbar=verbose != 0,
                                     model=self, verbose=verbose, epochs=epochs, steps=steps)
        self.stop_training = False
        callbacks.on_train_begin()
        training_logs = None
        for epoch in range(initial_epoch, epochs):
            self.reset_metrics()
            callbacks.on_epoch_begin(epoch)
            if batches is None:
                order = np.random.permutation(n) if shuffle else np.arange(n)
                epoch_data = (_array_batch(x, y, sample_weight, order[(step * batch_size) % n:
                                                                   (step * batch_size) % n + batch_size])
                              for step in range(steps))
            else:
                epoch_data = batches.epoch()
            logs = {}
            for step, data in enumerate(epoch_data):
                callbacks.on_train_batch_begin(step)
                with keras_scope(self):  # the model's strategy (tf.distribute), as Keras
                    logs = self._ordered(self._train_fn(distribute_keras_batch(self, data)))
                callbacks.on_train_batch_end(step, logs)
                if self.stop_training:
                    break
            if batches is not None and batches.exhausted:
                self.stop_training = True
                if not logs:
                    break
            epoch_logs = dict(logs)
            if validation_data is not None and (epoch + 1) % validation_freq == 0:
                if isinstance(validation_data, Dataset):
                    val_args, val_weight = (validation_data,), None
                else:  # (x, y) or (x, y, sample_weight), as Keras' unpack_x_y_sample_weight
                    val_x, val_y, val_weight = _unpack(tuple(validation_data))
                    val_args = (val_x, val_y)
                val = self.evaluate(*val_args, sample_weight=val_weight,
                                    batch_size=validation_batch_size or batch_size,
                                    steps=validation_steps, verbose=verbose, callbacks=callbacks,
                                    return_dict=True)
                epoch_logs.update({f"val_{k}": v for k, v in val.items()})
            callbacks.on_epoch_end(epoch, epoch_logs)
            training_logs = epoch_logs
            if self.stop_training:
                break
        if epochs > 0 and hasattr(self.optimizer, "finalize_variable_values"):
            self.optimizer.finalize_variable_values(self.trainable_weights)  # Keras: EMA weights
        callbacks.on_train_end(logs=training_logs)
        return self.history

    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", sample_weight=None,
                 steps=None, callbacks=None, return_dict=False, **kwargs):
        """Returns the loss (and metrics) on the data: a scalar, a list, or a dict."""
        batch_size = batch_size or 32
        with keras_scope(self):  # weights a first call builds are made in the strategy
            self._prepare(x, y)
        if self._test_fn is None:
            self._test_fn = self._make_fn(self.test_step)
        if isinstance(x, Dataset):
            _check_dataset_arguments(x, y, sample_weight, 0.0)
            batches = _DatasetBatches(x, steps, "evaluate")
            total_steps, all_data = batches.steps, batches.epoch()
        else:
            sample_weight = _standardize_sample_weight(y, sample_weight)
            _check_cardinality(x, y, sample_weight)
            n = _num_samples(x)
            total_steps = steps or -(-n // batch_size)
            all_data = (_array_batch(x, y, sample_weight, slice(step * batch_size, (step + 1) * batch_size))
                        for step in range(total_steps))
        if not isinstance(callbacks, CallbackList):
            callbacks = CallbackList(callbacks, add_progbar=verbose != 0, model=self,
                                     verbose=verbose, epochs=1, steps=total_steps)
        self.stop_evaluating = False
        callbacks.on_test_begin()
        self.reset_metrics()
        logs = {}
        for step, data in enumerate(all_data):
            callbacks.on_test_batch_begin(step)
            with keras_scope(self):  # the model's strategy (tf.distribute), as Keras
                logs = self._ordered(self._test_fn(distribute_keras_batch(self, data)))
            callbacks.on_test_batch_end(step, logs)
            if self.stop_evaluating:
                break
        result = {k: float(np.asarray(v.numpy())) for k, v in logs.items()}
        callbacks.on_test_end(result)
        if return_dict:
            return result
        return self._flatten_metrics_in_order(result)

    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None):
        """Runs the model in inference mode over `x` in batches; returns NumPy arrays."""
        batch_size = batch_size or 32
        if isinstance(x, Dataset):
            batches = _DatasetBatches(x, steps, "predict")
            total_steps = batches.steps
            inputs = (_unpack(data)[0] for data in batches.epoch())
        else:
            n = _num_samples(x)
            total_steps = steps or -(-n // batch_size)
            inputs = (_to_tensor_batch(_slice(x, slice(start, start + batch_size)))
                      for start in range(0, n, batch_size))
        if not isinstance(callbacks, CallbackList):
            callbacks = CallbackList(callbacks, add_progbar=verbose != 0, model=self,
                                     verbose=verbose, epochs=1, steps=total_steps)
        self.stop_predicting = False
        callbacks.on_predict_begin()
        outputs = []
        for step, batch in enumerate(inputs):
            callbacks.on_predict_batch_begin(step)
            outputs.append(_map(lambda t: np.asarray(t.numpy()), self(batch, training=False)))
            callbacks.on_predict_batch_end(step, {"outputs": outputs[-1]})
            if self.stop_predicting:
                break
        callbacks.on_predict_end()
        if not outputs:
            return np.zeros((0,), np.float32)
        first = outputs[0]
        if isinstance(first, (list, tuple)):
            return type(first)(np.concatenate([o[i] for o in outputs]) for i in range(len(first)))
        if isinstance(first, dict):
            return {k: np.concatenate([o[k] for o in outputs]) for k in first}
        return np.concatenate(outputs)

    def train_on_batch(self, x, y=None, sample_weight=None, return_dict=False):
        """Runs one training step on one batch; returns its loss and metrics (the metrics are reset
        first, as Keras 3 does): a scalar, a list in Keras' order, or with `return_dict` a dict."""
        with keras_scope(self):  # weights a first call builds are made in the strategy
            self._prepare(x, y)
        self._build_loss_scale()
        if self._train_fn is None:
            self._train_fn = self._make_fn(self.train_step)
        data = _array_batch(x, y, sample_weight, None)
        self.reset_metrics()  # Keras 3: the metrics of this batch alone
        logs = {k: float(np.asarray(v.numpy()))
                for k, v in self._ordered(self._train_fn(data)).items()}
        if return_dict:
            return logs
        return self._flatten_metrics_in_order(logs)

    def test_on_batch(self, x, y=None, sample_weight=None, return_dict=False):
        """Evaluates one batch: the loss and metrics of this batch alone (a scalar, a list in
        Keras' order, or with `return_dict` a dict)."""
        with keras_scope(self):  # weights a first call builds are made in the strategy
            self._prepare(x, y)
        if self._test_fn is None:
            self._test_fn = self._make_fn(self.test_step)
        data = _array_batch(x, y, sample_weight, None)
        self.reset_metrics()
        logs = {k: float(np.asarray(v.numpy()))
                for k, v in self._ordered(self._test_fn(data)).items()}
        if return_dict:
            return logs
        return self._flatten_metrics_in_order(logs)

    def predict_on_batch(self, x):
        return _map(lambda t: np.asarray(t.numpy()), self(_to_tensor_batch(x), training=False))

    def reset_metrics(self):
        for m in self.metrics:
            m.reset_state()


def _check_cardinality(x, y, sample_weight):
    """Keras' check that x, y and sample_weight hold the same number of samples."""
    def structure(v):
        return hasattr(v, "shape") or isinstance(v, dict) or (
            isinstance(v, (list, tuple)) and len(v) > 0 and all(structure(e) for e in v))

    def arrays(value):
        # A list of plain numbers or rows is one array; a list of arrays (or of lists of them) is
        # several inputs.
        if isinstance(value, (list, tuple)) and not all(structure(v) for v in value):
            return [value]
        if isinstance(value, (list, tuple, dict)):
            return [leaf for v in (value.values() if isinstance(value, dict) else value)
                    for leaf in arrays(v)]
        return [value]

    def size(leaf):
        shape = getattr(leaf, "shape", None)
        shape = np.shape(leaf) if shape is None else tuple(shape)
        return int(shape[0]) if len(shape) else 0
    sizes = {label: [size(leaf) for leaf in arrays(value) if leaf is not None]
             for label, value in (("x", x), ("y", y), ("sample_weight", sample_weight))
             if value is not None}
    if len({n for values in sizes.values() for n in values}) > 1:
        msg = ("Data cardinality is ambiguous. Make sure all arrays contain the same number of "
               "samples.")
        for label, values in sizes.items():
            msg += f"'{label}' sizes: {', '.join(str(n) for n in values)}\n"
        raise ValueError(msg)


def _array_batch(x, y, sample_weight, index):
    """The batch `index` (all of it for None) of x, y and sample_weight, packed for train_step."""
    def take(value):
        return _to_tensor_batch(value if index is None else _slice(value, index))
    if y is None and sample_weight is None:
        # Keras' pack_x_y_sample_weight: x alone reaches train_step as x, a list/tuple x as (x,)
        x = take(x)
        return (x,) if isinstance(x, (list, tuple)) else x
    data = (take(x), take(y))
    if sample_weight is not None:
        data = data + (take(sample_weight),)
    return data


def _standardize_sample_weight(y, sample_weight):
    """Keras 3's ArrayDataAdapter: for several targets, sample weights are one array per target
    (in y's structure), or one array of one weight per sample that weights every target.

    Raises:
      ValueError: for a structure of weights that is not y's, or a single array of more than one
        weight per sample (Keras' messages).
    """
    if sample_weight is None or not isinstance(y, (list, tuple, dict)):
        return sample_weight
    if isinstance(sample_weight, (list, tuple, dict)):
        if not _compile_losses.same_structure(y, sample_weight):
            raise ValueError(f"You should provide one `sample_weight` array per output in `y`. The "
                             f"two structures did not match:\n- y: {y}\n- sample_weight: "
                             f"{sample_weight}\n")
        return sample_weight
    shape = tuple(np.shape(sample_weight) if not hasattr(sample_weight, "shape")
                  else sample_weight.shape)
    if not (len(shape) == 1 or (len(shape) == 2 and shape[1] == 1)):
        raise ValueError("For a model with multiple outputs, when providing a single "
                         "`sample_weight` array, it should only have one scalar score per sample "
                         "(i.e. shape `(num_samples,)`). If you want to use non-scalar sample "
                         "weights, pass a `sample_weight` argument with one array per model "
                         "output.")
    return _compile_losses.map_structure(lambda _: sample_weight, y)


def _check_dataset_arguments(x, y, sample_weight, validation_split):
    if y is not None:
        raise ValueError("When providing `x` as a tf.data.Dataset, `y` should not be passed. Instead, "
                         "the targets should be included as part of the tf.data.Dataset.")
    if sample_weight is not None:
        raise ValueError("`sample_weight` argument is not supported when using a tf.data.Dataset as "
                         "input. Instead, pass sample weights as the third element of the dataset's "
                         "elements.")
    if validation_split:
        raise ValueError("`validation_split` is only supported for Tensors or NumPy arrays. Pass a "
                         "separate `validation_data` dataset instead.")


class _DatasetBatches:
    """The batches a Dataset feeds to fit/evaluate/predict, Keras 3's way: each epoch iterates the
    dataset anew, unless `steps` is given; then one iterator is read across epochs, `steps`
    batches at a time, and training stops when it runs out."""

    def __init__(self, dataset, steps, what):
        card = int(dataset.cardinality().numpy())
        if steps is None and card == -1:
            raise ValueError(f"When passing an infinitely repeating dataset, you must specify the "
                             f"`{'steps_per_epoch' if what == 'fit' else 'steps'}` argument.")
        self._dataset = dataset
        self._steps = steps
        self.steps = steps if steps is not None else (card if card >= 0 else None)
        self._iterator = None
        self.exhausted = False

    def epoch(self):
        if self._steps is None:
            yield from self._dataset  # train_step gets each element as the dataset yields it
            return
        if self._iterator is None:
            self._iterator = iter(self._dataset)
        for _ in range(self._steps):
            try:
                data = next(self._iterator)
            except StopIteration:
                self.exhausted = True
                print("UserWarning: Your input ran out of data; interrupting training. Make sure that "
                      "your dataset or generator can generate at least `steps_per_epoch * epochs` "
                      "batches. You may need to use the `.repeat()` function when building your "
                      "dataset.")
                return
            yield data


def _unpack(data):
    if isinstance(data, list):  # Keras' unpack_x_y_sample_weight
        data = tuple(data)
    if isinstance(data, tuple):
        if len(data) == 2:
            return data[0], data[1], None
        if len(data) == 3:
            return data
        return data[0], None, None
    return data, None, None


def _to_input_dtype(x, kt):
    """Keras 3's `Functional._convert_inputs_to_tensors`: an input becomes a tensor of its
    `keras.Input`'s dtype (an int64 array fed to a float32 Input is cast, a float one to an int32
    Input truncated, as `tf.cast`); a numeric array fed to a string Input raises ValueError."""
    if x is None or isinstance(x, _sparse.SparseTensor):
        return x
    dtype = kt.dtype
    if not hasattr(type(x), "_value"):
        array = np.asarray(x)
        if dtype.name == "string":
            if array.dtype.kind not in "OSU":
                raise ValueError(f"Failed to convert a NumPy array to a Tensor (Unsupported "
                                 f"object type {type(array.reshape(-1)[:1].tolist()[0]).__name__}"
                                 f").")
            return convert_to_tensor(array)
        return convert_to_tensor(array if array.dtype == dtype._np else array.astype(dtype._np))
    if x.dtype != dtype:  # (a string tensor for a numeric Input: tf.cast's UnimplementedError)
        return math_ops.cast(x, dtype)
    return x


def _adjust_input_rank(x, kt):
    """Keras 3's Functional._adjust_input_rank: an input one rank short of its `keras.Input` whose
    last dimension is 1 gains that axis; one rank over with a last dimension of 1 loses it."""
    shape = getattr(x, "shape", None)
    if shape is None or isinstance(x, _sparse.SparseTensor):
        return x
    x_rank, ref = len(shape), tuple(kt.shape)
    if x_rank == len(ref):
        return x
    if x_rank == len(ref) + 1 and shape[-1] == 1:
        return array_ops.squeeze(x, axis=-1)
    if x_rank == len(ref) - 1 and ref[-1] == 1:
        return array_ops.expand_dims(x, -1)
    raise ValueError(f"Invalid input shape for input {x} with name '{kt.name}'. Expected shape {ref}, "
                     f"but input has incompatible shape {tuple(shape)}")


def _format_bytes(n):
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.2f} {unit}"
        n /= 1024.0
    return f"{n:.2f} GB"


class Functional(Model):
    """A model defined by a graph of layers from `keras.Input` tensors to output tensors."""

    _checkpoint_kind = "graph_model"

    def _trackable_children(self, saving=False):
        return _trackable.functional_children(self) + _trackable.layer_children(self)

    def _saving_entries(self):
        return self._saving_graph_entries(_saving.functional_layers(self))

    _convert_to_compute_dtype = False  # Keras 3: inputs keep their dtype up to the Input layers

    def _convert_inputs(self, inputs):
        return inputs  # Keras 3: `call` converts each input to its Input's dtype

    def __init__(self, inputs, outputs, name=None, trainable=True, **kwargs):
        super().__init__(name=name, trainable=trainable)
        self._inputs_struct = inputs
        self._outputs_struct = outputs
        self._flat_inputs = _leaves(inputs)
        self._flat_outputs = _nest.flatten(outputs)  # Keras 3's order: a dict's by sorted key
        for kt in self._flat_inputs + self._flat_outputs:
            if type(kt) is not KerasTensor:
                raise ValueError(f"All `inputs` and `outputs` values must be KerasTensors "
                                 f"(from `keras.Input` and layer calls). Received: {kt!r}")
        input_ids = {id(kt) for kt in self._flat_inputs}
        nodes, seen = [], set()

        def visit(kt):
            if id(kt) in input_ids:
                return
            node = kt._history
            if node is None or isinstance(node[0], InputLayer):
                raise ValueError(f"Output tensor {kt!r} is not connected to the model's inputs.")
            if id(node) in seen:
                return
            for parent in _leaves([node[1], list(node[2]), dict(node[3])]):
                if type(parent) is KerasTensor:
                    visit(parent)
            seen.add(id(node))
            nodes.append(node)

        for kt in self._flat_outputs:
            visit(kt)
        self.__dict__["_nodes"] = nodes  # not tracked: layers are tracked below, inputs first
        # Keras 3's layer order (by depth from the inputs): `layers`, `weights` and the
        # optimizer's variables come in the order TF's Keras gives them.
        for layer in _saving.functional_layers(self):
            self._track(layer)
        self.built = True
        self._output_shape = _map(lambda k: k.shape, outputs)
        # Keras 3: the names of the output layers, outputs flattened as `tree` does (sorted keys)
        self._output_names = [getattr(kt._history[0], "name", None) for kt in self._flat_outputs]

    @property
    def output_names(self):
        """The names of the layers (or operations) that make the model's outputs, in the order of
        `outputs` (a dict of outputs by sorted key); assignable, as in Keras 3."""
        return self._output_names

    @output_names.setter
    def output_names(self, names):
        self._output_names = names

    @property
    def operations(self):
        """The model's layers and symbolic operations (`x * 2.0`, ...), in Keras 3's order."""
        return _saving.functional_layers(self)

    @property
    def inputs(self):
        return list(self._flat_inputs)

    @property
    def outputs(self):
        """The output KerasTensors, flattened as Keras does (a dict's by sorted key)."""
        return list(self._flat_outputs)

    @property
    def input_shape(self):
        shapes = [kt.shape for kt in self._flat_inputs]
        return shapes[0] if len(shapes) == 1 else shapes

    def call(self, inputs, training=None, mask=None):
        if isinstance(inputs, dict) and isinstance(self._inputs_struct, dict):
            missing = [k for k in self._inputs_struct if k not in inputs]
            if missing:
                raise ValueError(f"Model {self.name!r} expects the input keys "
                                 f"{list(self._inputs_struct)}, but the inputs lack {missing}.")
            inputs = {k: inputs[k] for k in self._inputs_struct}  # matched by key, as Keras
        flat = _leaves(inputs) if isinstance(inputs, (list, tuple, dict)) else [inputs]
        if len(flat) != len(self._flat_inputs):
            raise ValueError(f"Model {self.name!r} expects {len(self._flat_inputs)} input(s), but "
                             f"it received {len(flat)} input tensors.")
        values = {}
        for kt, x in zip(self._flat_inputs, flat):
            values[id(kt)] = _adjust_input_rank(_to_input_dtype(x, kt), kt)
        for layer, args, extra, kwargs, outputs in self._nodes:
            def sub(a):
                return values[id(a)] if type(a) is KerasTensor else a
            call_in = _map(sub, args)
            out = layer(call_in, *_map(sub, tuple(extra)), **_map(sub, dict(kwargs)))
            for kt, o in zip(_leaves(outputs), _leaves(out)):
                values[id(kt)] = o
        return _map(lambda kt: values[id(kt)], self._outputs_struct)


class Sequential(Model):
    """A linear stack of layers.

    Args:
      layers: optional list of layers (a `keras.Input(...)` first fixes the input shape and
        builds the model immediately).
      name: model name.
    """

    _checkpoint_kind = "graph_model"

    def _trackable_children(self, saving=False):
        return _trackable.sequential_children(self) + _trackable.layer_children(self)

    def _saving_entries(self):
        return self._saving_graph_entries(self.layers)

    def __init__(self, layers=None, trainable=True, name=None):
        super().__init__(trainable=trainable, name=name)
        self._seq = []
        self._input_kt = None
        self._given_input = False  # an Input (or input_shape) of the user's: inputs take its dtype
        self._last_kt = None
        for layer in layers or []:
            self.add(layer)

    def add(self, layer, rebuild=True):
        """Appends a layer (or sets the input with a `keras.Input`)."""
        if type(layer) is KerasTensor:
            layer = layer._history[0]
        if isinstance(layer, InputLayer):
            if self._seq or self._input_kt is not None:
                raise ValueError("Sequential model: an Input can only be the first layer.")
            self._input_kt = self._last_kt = layer.output
            self._given_input = True
            return
        if not isinstance(layer, Layer):
            raise ValueError(f"Only instances of `keras.Layer` can be added to a Sequential "
                             f"model. Received: {layer} (of type {type(layer)})")
        if not self._seq and self._input_kt is None and layer._input_shape_arg is not None:
            self._input_kt = self._last_kt = Input(shape=layer._input_shape_arg)
            self._given_input = True
        self._seq.append(layer)
        self._track(layer)
        if self._last_kt is not None:
            self._last_kt = layer(self._last_kt)
            self.built = True
            self._output_shape = self._last_kt.shape

    def pop(self):
        layer = self._seq.pop()
        self._layers.remove(layer)
        return layer

    @property
    def layers(self):
        return list(self._seq)

    @property
    def input_shape(self):
        return None if self._input_kt is None else self._input_kt.shape

    def build(self, input_shape=None):
        if self.built and self._input_kt is not None:
            return
        if input_shape is None:
            raise ValueError("You must provide an `input_shape` argument.")
        self._input_kt = self._last_kt = Input(batch_shape=(None,) + tuple(input_shape)[1:])
        for layer in self._seq:
            self._last_kt = layer(self._last_kt)
        self._output_shape = self._last_kt.shape
        self.built = True

    def _maybe_build(self, inputs):
        shape = getattr(inputs, "shape", None)
        if shape is not None and self._seq:
            self.build(tuple(shape))
        self.built = True

    def _convert_inputs(self, inputs):
        if self._given_input and isinstance(inputs, np.ndarray):
            return inputs  # `call` converts it to the Input's dtype
        return super()._convert_inputs(inputs)

    def call(self, inputs, training=None, mask=None):
        x = inputs
        if self._input_kt is not None and (hasattr(type(x), "_value") or isinstance(x, np.ndarray)):
            if self._given_input:  # Keras 3 runs it as its Functional: the Input's dtype
                x = _to_input_dtype(x, self._input_kt)
            x = _adjust_input_rank(x, self._input_kt)
        for layer in self._seq:
            x = layer(x)
        return x

