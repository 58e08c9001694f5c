"""keras.utils.plot_model without graphviz (and pydot, where absent) on TF 2.21's Keras 3 and on
tapejax: a script gets Keras' ImportError, a notebook the message printed and None."""

import contextlib
import io
import sys

_NOTEBOOK = "IPython.core.magics.namespace"


def _model(tf):
    return tf.keras.Sequential([tf.keras.Input((3,)), tf.keras.layers.Dense(2)])


def test_in_a_script_plot_model_raises_import_error_saying_what_to_install(compare, tmp_path):
    def program(tf):
        saved = sys.modules.pop(_NOTEBOOK, None)
        try:
            tf.keras.utils.plot_model(_model(tf), to_file=str(tmp_path / "m.png"))
        finally:
            if saved is not None:
                sys.modules[_NOTEBOOK] = saved
    compare(program, raises="ImportError")


def test_in_a_notebook_plot_model_prints_the_message_and_returns_none(compare, tmp_path):
    def program(tf):
        saved = sys.modules.get(_NOTEBOOK)
        sys.modules[_NOTEBOOK] = saved or object()
        out = io.StringIO()
        try:
            with contextlib.redirect_stdout(out):
                result = tf.keras.utils.plot_model(_model(tf), to_file=str(tmp_path / "m.png"))
        finally:
            if saved is None:
                del sys.modules[_NOTEBOOK]
        return [result, out.getvalue()]
    compare(program)


def test_plot_model_of_an_unbuilt_model_raises_value_error(compare):
    compare(lambda tf: tf.keras.utils.plot_model(tf.keras.Sequential([tf.keras.layers.Dense(2)])),
            raises="ValueError")
