"""`keras.utils.plot_model` / `model_to_dot`: a model's layer graph drawn with pydot and graphviz
(optional dependencies, imported when a model is plotted, as Keras checks for them)."""

from __future__ import annotations

import importlib
import os
import sys

from tapejax.keras._layer import _leaves

_NO_PYDOT = "You must install pydot (`pip install pydot`) for `plot_model` to work."
_NO_GRAPHVIZ = ("You must install graphviz (see instructions at https://graphviz.gitlab.io/download/) "
                "for `plot_model` to work.")


def _pydot():
    try:
        return importlib.import_module("pydot")
    except ImportError:
        return None


def _graphviz_works(pydot):
    try:  # as Keras checks: render an empty graph
        pydot.Dot.create(pydot.Dot())
        return True
    except (OSError, pydot.PydotException):
        return False


def _unavailable(message):
    """Keras' rule: in a notebook print the message (so notebook runs do not fail), else raise."""
    if "IPython.core.magics.namespace" in sys.modules:
        sys.stdout.write(message + "\n")
        return None
    raise ImportError(message)


def _edges(model):
    """(source layer, target layer) pairs of a built model's graph, in layer order."""
    nodes = model.__dict__.get("_nodes")
    if nodes is None:  # Sequential: a chain
        layers = list(model.layers)
        return layers, list(zip(layers, layers[1:]))
    layers, edges = [], []
    for kt in model.inputs:
        layers.append(kt._history[0])
    for layer, inputs, args, kwargs, _ in nodes:
        if layer not in layers:
            layers.append(layer)
        for parent in _leaves([inputs, list(args), dict(kwargs)]):
            history = getattr(parent, "_history", None)
            if history is not None and (history[0], layer) not in edges:
                edges.append((history[0], layer))
    return layers, edges


def _label(layer, show_shapes, show_dtype, show_layer_names, show_layer_activations, show_trainable):
    name = type(layer).__name__
    parts = [f"{layer.name} ({name})" if show_layer_names else name]
    if show_shapes:
        shape = getattr(layer, "output_shape", None)
        parts.append(f"Output shape: {shape}")
    if show_dtype:
        parts.append(f"Output dtype: {getattr(layer, 'dtype', None)}")
    if show_layer_activations and getattr(layer, "activation", None) is not None:
        parts.append(f"Activation: {getattr(layer.activation, '__name__', layer.activation)}")
    if show_trainable:
        parts.append(f"Trainable: {'T' if layer.trainable else 'F'}")
    return "\\n".join(parts)


def model_to_dot(model, show_shapes=False, show_dtype=False, show_layer_names=True, rankdir="TB",
                 expand_nested=False, dpi=200, subgraph=False, show_layer_activations=False,
                 show_trainable=False, **kwargs):
    """A `pydot.Dot` graph of `model`: a node per layer, an edge per connection.

    Args:
      model: a built Keras model.
      show_shapes, show_dtype, show_layer_names, show_layer_activations, show_trainable: what
        each node's label shows.
      rankdir: graphviz' direction (`"TB"` top to bottom, `"LR"` left to right).
      dpi: the image's resolution.

    Returns:
      A `pydot.Dot`.

    Raises:
      ValueError: if the model is not built.
      ImportError: if pydot is not installed.
    """
    if not model.built:
        raise ValueError("This model has not yet been built. Build the model first by calling "
                         "`build()` or by calling the model on a batch of data.")
    pydot = _pydot()
    if pydot is None:
        raise ImportError(_NO_PYDOT)
    dot = pydot.Dot(graph_type="digraph", rankdir=rankdir, concentrate=True, dpi=dpi,
                    splines=kwargs.get("splines", "ortho"))
    layers, edges = _edges(model)
    for layer in layers:
        dot.add_node(pydot.Node(str(id(layer)), shape="record",
                                label=_label(layer, show_shapes, show_dtype, show_layer_names,
                                             show_layer_activations, show_trainable)))
    for source, target in edges:
        dot.add_edge(pydot.Edge(str(id(source)), str(id(target))))
    return dot


def plot_model(model, to_file="model.png", show_shapes=False, show_dtype=False,
               show_layer_names=False, rankdir="TB", expand_nested=False, dpi=200,
               show_layer_activations=False, show_trainable=False, splines="ortho", **kwargs):
    """Draws `model`'s layer graph to `to_file` (its extension is the format), as
    `keras.utils.plot_model`; needs pydot and graphviz. Without them it raises `ImportError`
    saying what to install (in a notebook it prints that and returns None, as Keras does).

    Returns:
      An `IPython.display.Image` of the file when IPython is installed and the format is not pdf,
      else None.
    """
    if not model.built:
        raise ValueError("This model has not yet been built. Build the model first by calling "
                         "`build()` or by calling the model on a batch of data.")
    pydot = _pydot()
    if pydot is None:
        return _unavailable(_NO_PYDOT)
    if not _graphviz_works(pydot):
        return _unavailable(_NO_GRAPHVIZ)
    if kwargs.pop("layer_range", None) is not None:
        raise ValueError("Argument `layer_range` is no longer supported.")
    if kwargs:
        raise ValueError(f"Unrecognized keyword arguments: {kwargs}")
    dot = model_to_dot(model, show_shapes=show_shapes, show_dtype=show_dtype,
                       show_layer_names=show_layer_names, rankdir=rankdir, dpi=dpi,
                       show_layer_activations=show_layer_activations, show_trainable=show_trainable,
                       splines=splines)
    extension = os.path.splitext(to_file)[1][1:] or "png"
    dot.write(to_file, format=extension)
    if extension != "pdf":
        try:
            display = importlib.import_module("IPython.display")
        except ImportError:
            return None
        return display.Image(filename=to_file)
    return None
