"""`tf.keras.regularizers` and `tf.keras.constraints` on TF 2.21's Keras 3 and on tapejax: penalty
values, configs, `layer.losses`/`model.losses`, `add_loss`, their part in `fit`'s loss, and
constraints applied after optimizer updates."""

import numpy as np
import pytest

from compat_tests._harness import raises

RS = np.random.RandomState(5)
W = RS.randn(3, 4).astype(np.float32)
X = RS.randn(8, 3).astype(np.float32)
Y = RS.randn(8, 2).astype(np.float32)
W1 = RS.randn(3, 4).astype(np.float32) * 0.5
B1 = RS.randn(4).astype(np.float32) * 0.1
W2 = RS.randn(4, 2).astype(np.float32) * 0.5
B2 = RS.randn(2).astype(np.float32) * 0.1


@pytest.mark.parametrize("make", [
    "L1()", "L2()", "L1L2()", "L1(0.3)", "L2(l2=0.2)", "L1L2(l1=0.1, l2=0.05)", "l1(0.2)",
    "l2(0.1)", "l1_l2(l1=0.01, l2=0.02)", "L1L2(l1=None, l2=0.3)"])
def test_regularizer_penalty_and_config(compare, make):
    def program(tf):
        reg = eval("tf.keras.regularizers." + make)
        return [reg(tf.constant(W)), reg(tf.Variable(W.astype(np.float64))), reg.get_config(),
                type(reg).__name__, tf.keras.regularizers.serialize(reg)]
    compare(program)


@pytest.mark.parametrize("identifier", [
    "l1", "l2", "L1", "L1L2", "l1l2", "l1_l2", "regularizer", None,
    {"class_name": "L2", "config": {"l2": 0.5}}])
def test_regularizers_get_by_identifier(compare, identifier):
    @raises("ValueError", optional_=True)
    def program(tf):
        reg = tf.keras.regularizers.get(identifier)
        if reg is None:
            return None
        out = [type(reg).__name__]
        if type(reg).__name__ != "Regularizer":
            out += [reg.get_config(), reg(tf.constant(W))]
        return out
    compare(program)


@pytest.mark.parametrize("bad", ["L1(-1.0)", "L2('a')", "L1L2(l1=float('nan'))"])
def test_regularizers_reject_invalid_factors(compare, bad):
    @raises("ValueError")
    def program(tf):
        return eval("tf.keras.regularizers." + bad)
    compare(program)


def test_regularizers_deserialize_round_trips(compare):
    def program(tf):
        R = tf.keras.regularizers
        reg = R.deserialize(R.serialize(R.L1L2(0.1, 0.2)))
        return [type(reg).__name__, reg.get_config(), R.serialize(None) is None]
    compare(program)


def _model(tf, **dense_kwargs):
    model = tf.keras.Sequential([
        tf.keras.Input((3,)), tf.keras.layers.Dense(4, activation="tanh", **dense_kwargs),
        tf.keras.layers.Dense(2, kernel_regularizer=tf.keras.regularizers.L1(0.01))])
    model.set_weights([W1, B1, W2, B2])
    return model


def test_dense_weight_and_activity_regularizers_fill_model_losses(compare):
    def program(tf):
        model = _model(tf, kernel_regularizer="l2", bias_regularizer=tf.keras.regularizers.L1(0.2),
                       activity_regularizer=tf.keras.regularizers.L2(0.05))
        before = list(model.losses)
        model(X)
        after_one = list(model.losses)
        model(X[:4])
        return [before, after_one, list(model.losses), list(model.layers[0].losses)]
    compare(program)


def test_losses_gradient_flows_to_the_weights(compare):
    def program(tf):
        model = _model(tf, kernel_regularizer="l2", activity_regularizer="l1")
        with tf.GradientTape() as tape:
            out = model(X)
            total = tf.reduce_sum(out) + tf.add_n(model.losses)
        return tape.gradient(total, model.trainable_weights)
    compare(program)


def test_frozen_layer_contributes_no_weight_penalty(compare):
    def program(tf):
        model = _model(tf, kernel_regularizer="l2")
        model.layers[0].trainable = False
        return list(model.losses)
    compare(program)


def test_conv2d_and_embedding_regularizers(compare):
    def program(tf):
        conv = tf.keras.layers.Conv2D(2, 2, kernel_regularizer="l2",
                                      bias_regularizer=tf.keras.regularizers.L1(0.5),
                                      activity_regularizer=tf.keras.regularizers.L1(0.01))
        conv.build((None, 4, 4, 1))
        conv.set_weights([W[:2, :2].reshape(2, 2, 1, 1).repeat(2, -1), np.ones(2, np.float32)])
        conv(np.ones((2, 4, 4, 1), np.float32))
        emb = tf.keras.layers.Embedding(5, 3, embeddings_regularizer=tf.keras.regularizers.L2(0.1))
        emb.build((None,))
        emb.set_weights([np.arange(15, dtype=np.float32).reshape(5, 3) / 10])
        bn = tf.keras.layers.BatchNormalization(gamma_regularizer="l1", beta_regularizer="l2")
        bn.build((None, 3))
        bn.set_weights([np.full(3, 2.0, np.float32), np.full(3, -1.0, np.float32),
                        np.zeros(3, np.float32), np.ones(3, np.float32)])
        return [list(conv.losses), list(emb.losses), list(bn.losses)]
    compare(program)


def test_add_loss_in_call_is_cleared_on_each_outer_call(compare):
    def program(tf):
        class Penalized(tf.keras.layers.Layer):
            def call(self, x):
                self.add_loss(tf.reduce_mean(tf.square(x)))
                return x * 2.0

        class Net(tf.keras.Model):
            def __init__(self):
                super().__init__()
                self.inner = Penalized()
                self.dense = tf.keras.layers.Dense(2, kernel_regularizer="l2")

            def call(self, x):
                self.add_loss(tf.constant(0.5))
                return self.dense(self.inner(x))

        net = Net()
        net(X)
        net.dense.set_weights([W2[:3], B2])
        first = list(net.losses)
        net(X[:2])
        return [first, list(net.losses), list(net.inner.losses)]
    compare(program)


def test_add_loss_rejects_a_python_number(compare):
    @raises("ValueError")
    def program(tf):
        layer = tf.keras.layers.Dense(2)
        layer.add_loss(1.0)
    compare(program)


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_fit_loss_history_includes_regularization_losses(compare, optimizer):
    def program(tf):
        model = _model(tf, kernel_regularizer="l2", bias_regularizer="l1",
                       activity_regularizer=tf.keras.regularizers.L2(0.01))
        model.compile(optimizer=optimizer, loss="mse")
        history = model.fit(X, Y, batch_size=4, epochs=3, shuffle=False, verbose=0,
                            validation_data=(X[:4], Y[:4]))
        return [history.history["loss"], history.history["val_loss"], model.get_weights(),
                model.evaluate(X, Y, verbose=0, batch_size=8)]
    compare(program, rtol=1e-4, atol=1e-5)


def test_compute_loss_with_only_model_losses_and_no_compiled_loss(compare):
    def program(tf):
        model = _model(tf, kernel_regularizer="l2")
        model(X)
        return [model.compute_loss(X, Y, model(X)), len(model.losses)]
    compare(program)


def test_custom_train_step_with_compiled_loss_and_compiled_metrics(compare):
    def program(tf):
        class Net(tf.keras.Model):
            def train_step(self, data):
                x, y = data
                with tf.GradientTape() as tape:
                    y_pred = self(x, training=True)
                    loss = self.compiled_loss(y, y_pred, regularization_losses=self.losses)
                grads = tape.gradient(loss, self.trainable_variables)
                self.optimizer.apply_gradients(zip(grads, self.trainable_variables))
                self.compiled_metrics.update_state(y, y_pred)
                return {m.name: m.result() for m in self.metrics}

        inputs = tf.keras.Input((3,))
        outputs = tf.keras.layers.Dense(2, kernel_regularizer="l2")(inputs)
        model = Net(inputs, outputs)
        model.set_weights([W2[:3], B2])
        model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
        import warnings
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            history = model.fit(X, Y, batch_size=4, epochs=2, shuffle=False, verbose=0)
        return [sorted(history.history), history.history["mae"], model.get_weights()]
    compare(program, rtol=1e-4, atol=1e-5)


# -- constraints --------------------------------------------------------------------------------
@pytest.mark.parametrize("make", [
    "MaxNorm()", "MaxNorm(1.0, axis=1)", "NonNeg()", "UnitNorm()", "UnitNorm(axis=[0, 1])",
    "MinMaxNorm()", "MinMaxNorm(0.5, 1.5, rate=0.5, axis=1)", "max_norm(0.7)", "non_neg()",
    "unit_norm(1)", "min_max_norm(min_value=2.0, max_value=3.0)", "Constraint()"])
def test_constraint_projection_and_config(compare, make):
    def program(tf):
        c = eval("tf.keras.constraints." + make)
        return [c(tf.constant(W)), c.get_config(), tf.keras.constraints.serialize(c)]
    compare(program)


@pytest.mark.parametrize("identifier", ["max_norm", "MaxNorm", "non_neg", "unit_norm",
                                        "min_max_norm", {"class_name": "MaxNorm",
                                                         "config": {"max_value": 0.5}}, "nope"])
def test_constraints_get_by_identifier(compare, identifier):
    @raises("ValueError", optional_=True)
    def program(tf):
        c = tf.keras.constraints.get(identifier)
        return [type(c).__name__, c.get_config(), c(tf.constant(W))]
    compare(program)


def test_constraints_apply_after_optimizer_updates_not_on_set_weights(compare):
    def program(tf):
        layer = tf.keras.layers.Dense(4, kernel_constraint=tf.keras.constraints.NonNeg(),
                                      bias_constraint=tf.keras.constraints.MaxNorm(0.1))
        layer.build((None, 3))
        layer.set_weights([W, np.full(4, 1.0, np.float32)])
        after_set = layer.get_weights()
        opt = tf.keras.optimizers.SGD(0.1)
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(layer(X) ** 2)
        opt.apply_gradients(zip(tape.gradient(loss, layer.trainable_weights),
                                layer.trainable_weights))
        return [after_set, layer.get_weights(), type(layer.kernel.constraint).__name__]
    compare(program, rtol=1e-5, atol=1e-5)


def test_fit_with_a_kernel_constraint_matches(compare):
    def program(tf):
        model = tf.keras.Sequential([
            tf.keras.Input((3,)),
            tf.keras.layers.Dense(4, activation="tanh", kernel_constraint="unit_norm"),
            tf.keras.layers.Dense(2, kernel_constraint=tf.keras.constraints.MaxNorm(0.5))])
        model.set_weights([W1, B1, W2, B2])
        model.compile(optimizer=tf.keras.optimizers.Adam(0.05), loss="mse")
        history = model.fit(X, Y, batch_size=4, epochs=2, shuffle=False, verbose=0)
        return [history.history["loss"], model.get_weights()]
    compare(program, rtol=1e-4, atol=1e-5)
