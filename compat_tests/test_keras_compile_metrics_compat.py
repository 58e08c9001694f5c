"""Keras 3's CompileMetrics container: `model.metrics` is `[loss tracker, compile_metrics]`, the
compiled metrics are `model.metrics[1].metrics` (tutorials/structured_data imbalanced_data prints
`model.metrics_names`; time_series reads `model.metrics[1].metrics`)."""

import warnings

import numpy as np

X = np.random.RandomState(0).randn(8, 3).astype(np.float32)
Y = np.random.RandomState(1).rand(8, 1).astype(np.float32)
W = np.arange(8).astype(np.float32)


def _model(tf, **compile_kwargs):
    model = tf.keras.Sequential([tf.keras.Input((3,)), tf.keras.layers.Dense(1, kernel_initializer="ones")])
    model.compile(optimizer="sgd", loss="mse", **compile_kwargs)
    return model


def _describe(model):
    out = [model.metrics_names, [type(m).__name__ for m in model.metrics]]
    if len(model.metrics) > 1:
        container = model.metrics[1]
        out.append((container.name, container.built, [(type(m).__name__, m.name) for m in container.metrics],
                    len(container.variables)))
    return out


def test_metrics_are_the_loss_tracker_and_one_container_before_and_after_fit(compare):
    def program(tf):
        out = []
        for kwargs in ({"metrics": ["mae", tf.keras.metrics.MeanSquaredError()]}, {}, {"metrics": []},
                       {"weighted_metrics": ["mse"]}, {"metrics": ["mae", "mae"], "weighted_metrics": ["mae"]}):
            model = _model(tf, **kwargs)
            before = _describe(model)
            model.fit(X, Y, verbose=0, batch_size=4, shuffle=False)
            out.append((before, _describe(model)))
        return out
    compare(program)


def test_the_container_is_built_by_evaluate_and_train_on_batch_not_by_predict(compare):
    def program(tf):
        out = []
        for run in (lambda m: m.evaluate(X, Y, verbose=0), lambda m: m.train_on_batch(X, Y),
                    lambda m: m.predict(X, verbose=0), lambda m: m(X)):
            model = _model(tf, metrics=["mae"])
            run(model)
            out.append(_describe(model))
        return out
    compare(program)


def test_weighted_metrics_see_the_sample_weights_and_metrics_do_not(compare):
    def program(tf):
        model = _model(tf, metrics=["mae", "mae"], weighted_metrics=["mse", "mae"])
        history = model.fit(X, Y, sample_weight=W, verbose=0, epochs=2, batch_size=4, shuffle=False)
        container = model.metrics[1]
        return (history.history, model.evaluate(X, Y, sample_weight=W, verbose=0, return_dict=True),
                model.evaluate(X, Y, sample_weight=W, verbose=0), container.result(),
                [m.name for m in container.metrics])
    compare(program)


def test_reset_metrics_and_results_of_the_container(compare):
    def program(tf):
        model = _model(tf, metrics=["mae"])
        unbuilt = model.metrics[1]
        try:
            unbuilt.result()
        except ValueError as e:
            error = str(e)
        model.fit(X, Y, verbose=0, batch_size=4, shuffle=False)
        first = model.metrics[1].result()
        model.reset_metrics()
        after_reset = (model.metrics[0].result(), model.metrics[1].result())
        try:
            model.metrics[1].get_config()
        except NotImplementedError:
            config = "NotImplementedError"
        return error, first, after_reset, config
    compare(program)


def test_compiling_again_without_metrics_keeps_the_container(compare):
    def program(tf):
        model = _model(tf, metrics=["mae"])
        model.fit(X, Y, verbose=0, batch_size=4, shuffle=False)
        model.compile(optimizer="sgd", loss="mse")
        kept = _describe(model)
        plain = _model(tf)
        plain.compile(optimizer="sgd", loss="mse", metrics=None)
        return kept, _describe(plain)
    compare(program)


def test_a_keras_2_train_step_returning_every_metric_logs_the_compiled_ones(compare):
    def program(tf):
        class Model(tf.keras.Model):
            def train_step(self, data):
                x, y = data
                with tf.GradientTape() as tape:
                    y_pred = self(x, training=True)
                    loss = self.compiled_loss(y, y_pred)
                grads = tape.gradient(loss, self.trainable_variables)
                self.optimizer.apply_gradients(zip(grads, self.trainable_variables))
                self.compiled_metrics.update_state(y, y_pred)
                return {m.name: m.result() for m in self.metrics}

        inputs = tf.keras.Input((3,))
        model = Model(inputs, tf.keras.layers.Dense(1, kernel_initializer="ones")(inputs))
        model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            history = model.fit(X, Y, verbose=0, epochs=2, batch_size=4, shuffle=False)
        return sorted(history.history.items()), _describe(model)
    compare(program)
