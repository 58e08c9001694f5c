"""TF 2.21's object graph of Keras objects (what `tf.train.Checkpoint` saves under a layer, model or
optimizer): Keras classes describe their own children through `_trackable_children(saving)`, as
TF's `Trackable` does, so `tapejax._checkpoint` needs no Keras import.

Measured on TF 2.21 (Keras 3): a Keras layer's children are its attributes holding variables,
layers, modules or an optimizer (Keras 3 does not track lists or dicts of layers for checkpoints),
with Dense/Conv's kernel as `_kernel`, Embedding's table as `_embeddings` and an RNN's weights under
`cell`; a Sequential's layers are `_functional/_operations/<i>` and a Functional's
`_operations/<i>` (index 0: the InputLayer); a Keras 3 optimizer has `_iterations`,
`_learning_rate`, `_variables/<i>` (its `variables`) and `_trainable_variables/<i>`."""

from __future__ import annotations

from tapejax._checkpoint import TAPEJAX_ATTRIBUTES, Checkpoint, View
from tapejax._module import Module
from tapejax._variable import Variable

_KERAS_ATTRIBUTE_NAMES = {"kernel": "_kernel", "embeddings": "_embeddings"}
_KERAS_CLASS_NAMES = {  # Keras classes whose attributes are named otherwise
    "Conv1DTranspose": {}, "Conv2DTranspose": {}, "Conv3DTranspose": {},
    "DepthwiseConv1D": {"depthwise_kernel": "kernel"}, "DepthwiseConv2D": {"depthwise_kernel": "kernel"}}
_RNN_LAYERS = frozenset({"LSTM", "GRU", "SimpleRNN"})
# MultiHeadAttention keeps (kernel, bias) pairs where Keras has EinsumDense sublayers
_ATTENTION_PARTS = (("_query", "_query_dense"), ("_key", "_key_dense"), ("_value", "_value_dense"),
                    ("_out", "_output_dense"))


def _layer_trackable(value):
    return (isinstance(value, (Variable, Module, Checkpoint))
            or getattr(type(value), "_checkpoint_kind", None) == "optimizer")


def sequential_children(model):
    """A built Sequential's `_functional/_operations/<i>` view (index 0: its InputLayer)."""
    if not (model.built and model._seq):
        return []
    operations = [("0", View(model, "input_layer", []))] + [
        (str(i + 1), layer) for i, layer in enumerate(model._seq)]
    return [("_functional", View(model, "_functional", [
        ("_operations", View(model, "_operations", operations))]))]


def functional_children(model):
    """A Functional model's `_operations/<i>` view (its layers, the InputLayer first)."""
    return [("_operations", View(model, "_operations",
                                 [(str(i), layer) for i, layer in enumerate(model.layers)]))]


def layer_children(obj):
    """`[(name, child)]` of a Keras layer's own attributes in TF 2.21's object graph."""
    items = []
    builtin = type(obj).__module__.startswith("tapejax.keras")  # Keras' own layers, not a user's
    names = _KERAS_CLASS_NAMES.get(type(obj).__name__, _KERAS_ATTRIBUTE_NAMES) if builtin else {}
    rnn = builtin and type(obj).__name__ in _RNN_LAYERS and "cell" not in vars(obj)
    if builtin and type(obj).__name__ == "MultiHeadAttention":
        for attribute, name in _ATTENTION_PARTS:
            kernel, bias = getattr(obj, attribute, (None, None))
            if kernel is not None:
                items.append((name, View(obj, name, [("_kernel", kernel)] + (
                    [] if bias is None else [("bias", bias)]))))
    cell = []
    for name, value in vars(obj).items():
        if name in TAPEJAX_ATTRIBUTES or value is obj or not _layer_trackable(value):
            continue
        if rnn and isinstance(value, Variable):
            cell.append((name, value))
        elif isinstance(value, Variable):
            items.append((names.get(name, name), value))
        else:
            items.append((name, value))
    if cell:
        items.append(("cell", View(obj, "cell", cell)))
    return items


def optimizer_children(opt, variables=None, trainable=None, extra=()):
    """`[(name, child)]` of a Keras 3 optimizer: `_iterations`, `_learning_rate`, `_variables/<i>`,
    `_trainable_variables/<i>`, then `extra` (a LossScaleOptimizer's inner optimizer and state)."""
    if not hasattr(opt, "_iterations"):
        return []
    items = [("_iterations", opt._iterations)]
    if getattr(opt, "_learning_rate", None) is not None:
        items.append(("_learning_rate", opt._learning_rate))
    variables = opt.variables if variables is None else variables
    trainable = opt._trainable_variables if trainable is None else trainable
    items.append(("_variables", View(opt, "_variables",
                                     [(str(i), v) for i, v in enumerate(variables)], owner=opt)))
    items.append(("_trainable_variables", View(
        opt, "_trainable_variables", [(str(i), v) for i, v in enumerate(trainable)], owner=opt)))
    return items + list(extra)


def loss_scale_optimizer_children(opt):
    """Keras 3's LossScaleOptimizer: its own variables, the inner optimizer's apart."""
    if not hasattr(opt, "_iterations"):
        return []
    variables = [opt._iterations] + ([opt._learning_rate] if getattr(opt, "_learning_rate", None)
                                     is not None else [])
    inner = opt.inner_optimizer
    extra = [("inner_optimizer", inner)]
    if opt.built:
        variables += [opt.step_counter, opt.dynamic_scale]
        extra += [("step_counter", opt.step_counter), ("dynamic_scale", opt.dynamic_scale)]
    return optimizer_children(opt, variables, inner._trainable_variables, extra)
