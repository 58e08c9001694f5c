"""keras.utils.plot_model / model_to_dot: Keras' checks for pydot and graphviz, and the graph."""

import subprocess
import sys

import pytest

import tapejax as tf


def _functional():
    inputs = tf.keras.Input((3,))
    a = tf.keras.layers.Dense(2, name="a")(inputs)
    b = tf.keras.layers.Dense(2, name="b", activation="relu")(inputs)
    return tf.keras.Model(inputs, tf.keras.layers.Add(name="add")([a, b]))


def test_an_unbuilt_model_raises_keras_value_error():
    with pytest.raises(ValueError, match="This model has not yet been built"):
        tf.keras.utils.plot_model(tf.keras.Sequential([tf.keras.layers.Dense(2)]))


def test_without_pydot_or_graphviz_a_script_gets_an_import_error_saying_what_to_install():
    # a fresh process without IPython (a notebook gets the message printed instead)
    code = ("import sys; import tapejax as tf\n"
            "m = tf.keras.Sequential([tf.keras.Input((3,)), tf.keras.layers.Dense(2)])\n"
            "try:\n    tf.keras.utils.plot_model(m)\nexcept ImportError as e:\n    print('ImportError:', e)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("ImportError: You must install ")
    assert "for `plot_model` to work." in done.stdout


def test_in_a_notebook_the_message_is_printed_and_nothing_is_returned(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "IPython.core.magics.namespace", object())
    model = tf.keras.Sequential([tf.keras.Input((3,)), tf.keras.layers.Dense(2)])
    assert tf.keras.utils.plot_model(model) is None
    assert "for `plot_model` to work." in capsys.readouterr().out


def test_model_to_dot_has_a_node_per_layer_and_an_edge_per_connection():
    pydot = pytest.importorskip("pydot")
    model = _functional()
    dot = tf.keras.utils.model_to_dot(model, show_shapes=True, show_layer_activations=True)
    assert isinstance(dot, pydot.Dot)
    labels = {n.get_name(): n.get("label") for n in dot.get_nodes()}
    by_layer = {str(id(layer)): layer.name for layer in model.layers}
    assert sorted(by_layer[name] for name in labels) == sorted(layer.name for layer in model.layers)
    edges = sorted((by_layer[e.get_source()], by_layer[e.get_destination()]) for e in dot.get_edges())
    inputs = model.layers[0].name
    assert edges == sorted([(inputs, "a"), (inputs, "b"), ("a", "add"), ("b", "add")])
    assert "Output shape: (None, 2)" in labels[str(id(model.get_layer("b")))]
    assert "Activation: relu" in labels[str(id(model.get_layer("b")))]
    chain = tf.keras.utils.model_to_dot(tf.keras.Sequential([tf.keras.Input((3,)), tf.keras.layers.Dense(2),
                                                             tf.keras.layers.Dense(1)]))
    assert len(chain.get_nodes()) == 2 and len(chain.get_edges()) == 1
