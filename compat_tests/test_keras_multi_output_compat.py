"""Keras 3 models of several outputs (and inputs) trained with `compile/fit/evaluate/predict`: losses,
loss weights and metrics given per output as lists or dicts by output name, the per-output entries
of the logs (`"<output>_loss"`, `"<output>_<metric>"`), evaluate's list in Keras' order, targets and
sample weights per output, dict outputs, dict inputs by Input name and tf.data datasets of dicts.

Every model starts from the same fixed weights on both backends (set_weights of NumPy arrays), so
losses, metrics and the trained weights are compared as numbers.
"""

import os

import numpy as np
import pytest

from compat_tests import _harness

RS = np.random.RandomState(0)
X = RS.randn(8, 3).astype(np.float32)
X2 = RS.randn(8, 2).astype(np.float32)
YA = RS.randn(8, 2).astype(np.float32)
YB = RS.randn(8, 1).astype(np.float32)
YC = (RS.rand(8, 1) > 0.5).astype(np.float32)
SW = np.arange(1, 9).astype(np.float32)
SW2 = np.arange(8, 0, -1).astype(np.float32)


def _fixed_weights(model):
    rs = np.random.RandomState(7)
    model.set_weights([(0.5 * rs.randn(*w.shape)).astype(np.float32) for w in model.weights])
    return model


def _two_outputs(tf, dict_outputs=False, sigmoid_b=False):
    """x (3) -> h (4) -> out_a (2), out_b (1): a list of outputs, or a dict {"b": ..., "a": ...}."""
    keras = tf.keras
    inp = keras.Input((3,), name="x")
    h = keras.layers.Dense(4, activation="tanh", name="h")(inp)
    a = keras.layers.Dense(2, name="out_a")(h)
    b = keras.layers.Dense(1, activation="sigmoid" if sigmoid_b else None, name="out_b")(h)
    outputs = {"b": b, "a": a} if dict_outputs else [a, b]
    return _fixed_weights(keras.Model(inp, outputs))


def _two_inputs(tf):
    """{"num": (3), "cat": (2)} -> concat -> {"out_a": (2), "out_b": (1)}."""
    keras = tf.keras
    num = keras.Input((3,), name="num")
    cat = keras.Input((2,), name="cat")
    c = keras.layers.Concatenate()([num, cat])
    a = keras.layers.Dense(2, name="out_a")(c)
    b = keras.layers.Dense(1, name="out_b")(c)
    return _fixed_weights(keras.Model({"num": num, "cat": cat}, {"out_a": a, "out_b": b}))


def _weights(model):
    return [np.asarray(w.numpy()) for w in model.weights]


def _outcome(model, history):
    return (history.history, model.metrics_names, [type(m).__name__ for m in model.metrics],
            _weights(model))


def test_a_list_of_losses_weights_and_metrics_per_output_trains_as_keras(compare):
    def program(tf):
        model = _two_outputs(tf)
        model.compile(optimizer="sgd", loss=["mse", "mae"], loss_weights=[1.0, 0.5],
                      metrics=[["mae"], ["mse", "mae"]])
        before = (list(model.output_names), model.metrics_names)
        history = model.fit(X, [YA, YB], epochs=2, batch_size=4, shuffle=False, verbose=0)
        return (before, _outcome(model, history), list(history.history),
                model.evaluate(X, [YA, YB], verbose=0),
                model.evaluate(X, (YA, YB), verbose=0, return_dict=True),
                model.predict(X, verbose=0))
    compare(program)


def test_losses_weights_and_metrics_by_output_name_take_targets_as_a_dict_list_or_tuple(compare):
    def program(tf):
        model = _two_outputs(tf)
        model.compile(optimizer="sgd", loss={"out_b": "mae", "out_a": "mse"},
                      loss_weights={"out_a": 2.0, "out_b": 1.0},
                      metrics={"out_a": "mae", "out_b": ["mse"]})
        history = model.fit(X, {"out_a": YA, "out_b": YB}, epochs=1, batch_size=4, shuffle=False,
                            verbose=0)
        return (_outcome(model, history), model.evaluate(X, [YA, YB], verbose=0),
                model.evaluate(X, {"out_b": YB, "out_a": YA}, verbose=0, return_dict=True))
    compare(program)


def test_one_loss_for_every_output_and_losses_for_some_outputs(compare):
    def program(tf):
        out = []
        for loss in ("mse", ["mse", None], [None, "mae"], ["mse"]):
            model = _two_outputs(tf)
            model.compile(optimizer="sgd", loss=loss)
            history = model.fit(X, [YA, YB], epochs=1, batch_size=4, shuffle=False, verbose=0)
            out.append((_outcome(model, history), model.evaluate(X, [YA, YB], verbose=0)))
        return out
    compare(program)


def test_crossentropy_by_shape_and_loss_objects_and_functions_per_output(compare):
    def program(tf):
        keras = tf.keras
        model = _two_outputs(tf, sigmoid_b=True)
        model.compile(optimizer=keras.optimizers.Adam(0.01),
                      loss=[keras.losses.Huber(delta=0.5), "crossentropy"],
                      metrics=[[keras.metrics.MeanSquaredError(name="err")], ["accuracy"]])
        history = model.fit(X, [YA, YC], epochs=2, batch_size=4, shuffle=False, verbose=0)
        first = (_outcome(model, history), [(type(m).__name__, m.name) for m in model.metrics[1].metrics])

        def halved_mse(y_true, y_pred):
            return 0.5 * keras.ops.mean(keras.ops.square(y_true - y_pred), axis=-1)
        model = _two_outputs(tf)
        model.compile(optimizer="sgd", loss=[halved_mse, keras.losses.mae])
        history = model.fit(X, [YA, YB], epochs=1, batch_size=4, shuffle=False, verbose=0)
        return first, _outcome(model, history)
    compare(program, rtol=1e-4)


def test_train_on_batch_and_test_on_batch_of_several_outputs(compare):
    def program(tf):
        model = _two_outputs(tf)
        model.compile(optimizer="sgd", loss=["mse", "mae"], metrics=[["mae"], []])
        out = [model.train_on_batch(X, [YA, YB]),
               model.train_on_batch(X, {"out_a": YA, "out_b": YB}, return_dict=True),
               model.test_on_batch(X, [YA, YB]),
               model.test_on_batch(X, (YA, YB), sample_weight=[SW, SW2], return_dict=True),
               model.train_on_batch(X, [YA, YB], sample_weight=SW)]
        return out, model.metrics_names, _weights(model)
    compare(program)


def test_sample_weights_per_output_or_one_array_for_all_outputs(compare):
    def program(tf):
        out = []
        for sample_weight in ([SW, SW2], SW, SW[:, None]):
            model = _two_outputs(tf)
            model.compile(optimizer="sgd", loss=["mse", "mae"], metrics=[["mae"], []],
                          weighted_metrics=[["mae"], ["mae"]])
            history = model.fit(X, [YA, YB], sample_weight=sample_weight, epochs=1, batch_size=4,
                                shuffle=False, verbose=0)
            out.append((_outcome(model, history),
                        model.evaluate(X, [YA, YB], sample_weight=sample_weight, verbose=0),
                        model.evaluate(X, [YA, YB], sample_weight=sample_weight, verbose=0,
                                       return_dict=True)))
        model = _two_outputs(tf, dict_outputs=True)
        model.compile(optimizer="sgd", loss={"a": "mse", "b": "mae"})
        history = model.fit(X, {"a": YA, "b": YB}, sample_weight={"a": SW, "b": SW2}, epochs=1,
                            batch_size=4, shuffle=False, verbose=0)
        return out, _outcome(model, history)
    compare(program)


@pytest.mark.parametrize("sample_weight", ["dict for a list", "two rows each"])
def test_sample_weights_that_do_not_match_the_targets_raise_value_error(compare, sample_weight):
    def program(tf):
        model = _two_outputs(tf)
        model.compile(optimizer="sgd", loss=["mse", "mae"])
        weights = ({"out_a": SW, "out_b": SW2} if sample_weight == "dict for a list"
                   else np.ones((8, 2), np.float32))
        model.fit(X, [YA, YB], sample_weight=weights, epochs=1, verbose=0)
    compare(program, raises="ValueError")


def test_a_model_with_dict_outputs_names_its_losses_and_metrics_by_key(compare):
    def program(tf):
        model = _two_outputs(tf, dict_outputs=True)
        model.compile(optimizer="sgd", loss={"a": "mse", "b": "mae"}, loss_weights={"a": 1.0, "b": 2.0},
                      metrics={"a": ["mae"], "b": "mse"})
        history = model.fit(X, {"a": YA, "b": YB}, epochs=1, batch_size=4, shuffle=False, verbose=0)
        predicted = model.predict(X, verbose=0)
        called = model(X)
        first = (list(model.output_names), [tuple(o.shape) for o in model.outputs], _outcome(model, history),
                 model.evaluate(X, {"a": YA, "b": YB}, verbose=0), predicted, list(predicted),
                 list(called), list(model.predict_on_batch(X)))
        model = _two_outputs(tf, dict_outputs=True)
        model.compile(optimizer="sgd", loss="mse", metrics=["mae", ["mse", "mae"]])
        history = model.fit(X, {"a": YA, "b": YB}, epochs=1, batch_size=4, shuffle=False, verbose=0)
        return first, _outcome(model, history), model.evaluate(X, [YA, YB], verbose=0)
    compare(program)


def test_a_model_of_dict_inputs_and_outputs_fits_arrays_and_datasets_of_dicts(compare):
    def program(tf):
        model = _two_inputs(tf)
        model.compile(optimizer="adam", loss={"out_a": "mse", "out_b": "mae"}, metrics={"out_a": "mae"})
        history = model.fit({"num": X, "cat": X2}, {"out_a": YA, "out_b": YB}, epochs=2, batch_size=4,
                            shuffle=False, verbose=0)
        first = (_outcome(model, history), model.evaluate({"cat": X2, "num": X}, [YA, YB], verbose=0))
        dataset = tf.data.Dataset.from_tensor_slices(
            ({"num": X, "cat": X2}, {"out_a": YA, "out_b": YB})).batch(4)
        history = model.fit(dataset, epochs=1, verbose=0, validation_data=dataset)
        predicted = model.predict(dataset, verbose=0)
        return (first, _outcome(model, history), model.evaluate(dataset, verbose=0),
                model.evaluate(dataset, verbose=0, return_dict=True), predicted, list(predicted))
    compare(program)


def test_a_dataset_of_tuples_with_per_output_sample_weights(compare):
    def program(tf):
        model = _two_outputs(tf)
        model.compile(optimizer="sgd", loss=["mse", "mae"], weighted_metrics=[["mse"], ["mse"]])
        dataset = tf.data.Dataset.from_tensor_slices((X, (YA, YB), (SW, SW2))).batch(4)
        history = model.fit(dataset, epochs=2, verbose=0)
        return _outcome(model, history), model.evaluate(dataset, verbose=0, return_dict=True)
    compare(program)


_BAD = {
    "three losses for two outputs": ({"loss": ["mse", "mse", "mse"]}, "KeyError"),
    "a dict of losses missing an output": ({"loss": {"out_a": "mse"}}, "ValueError"),
    "a dict of losses with an unknown name": ({"loss": {"zz": "mse", "out_b": "mse"}}, "ValueError"),
    "loss weights of another length": ({"loss_weights": [1.0]}, "ValueError"),
    "loss weights by name for one output": ({"loss_weights": {"out_a": 1.0}}, "ValueError"),
    "one metric list for two outputs": ({"metrics": ["mae"]}, "ValueError"),
    "three metric entries for two outputs": ({"metrics": ["mae", "mse", "mae"]}, "ValueError"),
    "metrics by an unknown name": ({"metrics": {"zz": "mae"}}, "ValueError"),
    "one target for two outputs": ({"y": YA}, "ValueError"),
    "three targets for two outputs": ({"y": [YA, YB, YB]}, "ValueError"),
}


@pytest.mark.parametrize("case", sorted(_BAD))
def test_losses_metrics_or_targets_that_do_not_match_the_outputs_raise_as_keras(compare, case):
    def program(tf):
        model = _two_outputs(tf)
        kwargs, _ = _BAD[case]
        kwargs = dict(kwargs)
        y = kwargs.pop("y", [YA, YB])
        model.compile(optimizer="sgd", **{"loss": ["mse", "mae"], **kwargs})
        model.fit(X, y, epochs=1, verbose=0)
    compare(program, raises=_BAD[case][1])


@pytest.mark.parametrize("dict_outputs", [False, True])
def test_dict_losses_and_metrics_of_unknown_keys_on_dict_outputs_raise_as_keras(compare, dict_outputs):
    def program(tf):
        model = _two_outputs(tf, dict_outputs=True)
        if dict_outputs:
            model.compile(optimizer="sgd", loss={"a": "mse", "c": "mse"})
        else:
            model.compile(optimizer="sgd", loss="mse", metrics={"a": "mae", "c": "mse"})
        model.fit(X, {"a": YA, "b": YB}, epochs=1, verbose=0)
    compare(program, raises="KeyError" if dict_outputs else "ValueError")


def test_loss_weights_of_another_type_raise_value_error_at_compile(compare):
    def program(tf):
        _two_outputs(tf).compile(optimizer="sgd", loss=["mse", "mae"], loss_weights=3)
    compare(program, raises="ValueError")


def _subclassed(tf):
    keras = tf.keras

    class TwoHeads(keras.Model):
        def __init__(self):
            super().__init__()
            self.h = keras.layers.Dense(4, activation="tanh")
            self.a = keras.layers.Dense(2)
            self.b = keras.layers.Dense(1)

        def call(self, x):
            h = self.h(x)
            return [self.a(h), self.b(h)]
    model = TwoHeads()
    model(X)
    return _fixed_weights(model)


def test_a_subclassed_model_of_two_outputs_names_its_losses_after_the_losses(compare):
    def program(tf):
        model = _subclassed(tf)
        model.compile(optimizer="sgd", loss=["mse", "mae"], metrics=[["mae"], ["mse"]])
        history = model.fit(X, [YA, YB], epochs=1, batch_size=4, shuffle=False, verbose=0)
        first = _outcome(model, history)
        model = _subclassed(tf)  # two trackers of one name: one entry in the logs
        model.compile(optimizer="sgd", loss=["mse", "mse"], loss_weights=[0.5, 2.0])
        history = model.fit(X, [YA, YB], epochs=1, batch_size=4, shuffle=False, verbose=0)
        return first, _outcome(model, history), model.evaluate(X, [YA, YB], verbose=0)
    compare(program)


def test_nested_outputs_take_nested_losses_and_metrics(compare):
    def program(tf):
        keras = tf.keras
        inp = keras.Input((3,), name="x")
        a = keras.layers.Dense(2, name="oa")(inp)
        b = keras.layers.Dense(1, name="ob")(inp)
        c = keras.layers.Dense(1, name="oc")(inp)
        model = _fixed_weights(keras.Model(inp, [a, [b, c]]))
        model.compile(optimizer="sgd", loss=["mse", ["mae", "mse"]],
                      metrics=[["mae"], [["mse"], None]])
        history = model.fit(X, [YA, [YB, YB]], epochs=1, batch_size=4, shuffle=False, verbose=0)
        return list(model.output_names), _outcome(model, history)
    compare(program)


def test_a_custom_train_step_calls_compute_loss_which_updates_the_loss_trackers(compare):
    def program(tf):
        keras = tf.keras

        class Custom(keras.Model):
            def train_step(self, data):
                x, y = data
                with tf.GradientTape() as tape:
                    y_pred = self(x, training=True)
                    loss = self.compute_loss(x, y, y_pred)
                grads = tape.gradient(loss, self.trainable_variables)
                self.optimizer.apply_gradients(zip(grads, self.trainable_variables))
                for metric in self.metrics:
                    if metric.name == "loss":
                        metric.update_state(loss)
                    elif metric.name == "compile_metrics":
                        metric.update_state(y, y_pred)
                return {m.name: m.result() for m in self.metrics}
        inp = keras.Input((3,), name="x")
        h = keras.layers.Dense(4, activation="tanh", name="h")(inp)
        model = _fixed_weights(Custom(inp, [keras.layers.Dense(2, name="out_a")(h),
                                            keras.layers.Dense(1, name="out_b")(h)]))
        model.compile(optimizer="sgd", loss=["mse", "mae"], metrics=[["mae"], []])
        history = model.fit(X, [YA, YB], epochs=2, batch_size=4, shuffle=False, verbose=0)
        return _outcome(model, history)
    compare(program)


def test_validation_data_of_several_outputs_logs_val_entries_per_output(compare):
    def program(tf):
        keras = tf.keras
        model = _two_outputs(tf)
        model.compile(optimizer="sgd", loss={"out_a": "mse", "out_b": keras.losses.MeanAbsoluteError()},
                      loss_weights={"out_a": 1.0, "out_b": 0.5}, metrics={"out_a": ["mae"]})
        history = model.fit(X, [YA, YB], epochs=2, batch_size=4, shuffle=False, verbose=0,
                            validation_data=(X, {"out_a": YA, "out_b": YB}))
        return _outcome(model, history), list(history.history)
    compare(program)


def _compiled_and_saved(backend, directory):
    tf = _harness.load(backend)
    model = _two_outputs(tf)
    model.compile(optimizer="adam", loss={"out_a": "mse", "out_b": "mae"},
                  loss_weights={"out_a": 1.0, "out_b": 0.5}, metrics={"out_a": ["mae"]},
                  weighted_metrics=[["mse"], ["mse"]])
    model.fit(X, [YA, YB], epochs=1, batch_size=4, shuffle=False, verbose=0)
    path = os.path.join(directory, f"two_outputs_{backend}.keras")
    model.save(path)
    return path


@pytest.mark.parametrize("writer", _harness.BACKENDS)
def test_a_saved_model_of_several_outputs_loads_compiled_with_its_losses_and_metrics(
        compare, tmp_path, writer):
    path = _compiled_and_saved(writer, str(tmp_path))

    def program(tf):
        model = tf.keras.models.load_model(path)
        before = model.evaluate(X, [YA, YB], sample_weight=SW, verbose=0, return_dict=True)
        history = model.fit(X, [YA, YB], epochs=1, batch_size=4, shuffle=False, verbose=0)
        return before, _outcome(model, history), model.evaluate(X, [YA, YB], verbose=0)
    compare(program)


def test_validation_split_and_validation_data_carry_their_sample_weights(compare):
    def program(tf):
        out = []
        for kwargs in ({"validation_split": 0.25, "sample_weight": [SW, SW2]},
                       {"validation_split": 0.5, "sample_weight": SW},
                       {"validation_data": (X, [YA, YB], [SW2, SW])}):
            model = _two_outputs(tf)
            model.compile(optimizer="sgd", loss=["mse", "mae"], weighted_metrics=[["mae"], []])
            history = model.fit(X, [YA, YB], epochs=1, batch_size=4, shuffle=False, verbose=0,
                                **kwargs)
            out.append(_outcome(model, history))
        return out
    compare(program)


def test_a_loss_function_gets_targets_of_the_rank_of_the_predictions(compare):
    def program(tf):
        keras = tf.keras

        def contrastive(y_true, y_pred):  # (n,) labels against (n, 1) predictions: no broadcasting
            margin = tf.math.square(tf.math.maximum(1.0 - y_pred, 0.0))
            return tf.math.reduce_mean((1 - y_true) * tf.math.square(y_pred) + y_true * margin)
        inp = keras.Input((3,))
        model = _fixed_weights(keras.Model(inp, keras.layers.Dense(1, activation="sigmoid")(inp)))
        model.compile(optimizer="sgd", loss=contrastive)
        labels = YC[:, 0]
        history = model.fit(X, labels, epochs=2, batch_size=4, shuffle=False, verbose=0)
        return _outcome(model, history), model.evaluate(X, labels, sample_weight=SW, verbose=0)
    compare(program)


def test_loss_trackers_count_each_batch_once_compiled_and_by_its_size_run_eagerly(compare):
    def program(tf):
        out = []
        for run_eagerly in (False, True):  # 8 samples in batches of 3, 3 and 2
            model = _two_outputs(tf)
            model.compile(optimizer="sgd", loss=["mse", "mae"], run_eagerly=run_eagerly)
            history = model.fit(X, [YA, YB], epochs=1, batch_size=3, shuffle=False, verbose=0)
            out.append((history.history, model.evaluate(X, [YA, YB], batch_size=3, verbose=0)))
        return out
    compare(program)
