"""Follows tensorflow/docs, site/en/guide/basic_training_loops.ipynb (commit 7c3650212740204359d4ceae481abc79345541be):
fitting a line y = 3x + 2 with a hand-written gradient-descent loop, then with Keras.

Written for tapejax's compat suite (not a copy of the tutorial's code); synthetic data from
_synthetic.py replaces the download; sizes shrunk.

Covers: noisy data from tf.linspace/tf.cast/tf.random.normal; a tf.Module line model with two
tf.Variable attributes (module.variables); an MSE loss; a GradientTape step with assign_sub over
10 epochs; the same loop on a tf.keras.Model subclass holding raw tf.Variable attributes and
save_weights("....weights.h5"); compile(run_eagerly=False, SGD(learning_rate=0.1),
tf.keras.losses.MSE) and fit(epochs=10, batch_size=1000) on that subclass.
"""

import tensorflow as tf

SLOPE, INTERCEPT = 3.0, 2.0
N_POINTS = 201

xs = tf.cast(tf.linspace(-2, 2, N_POINTS), tf.float32)
ys = xs * SLOPE + INTERCEPT + tf.random.normal(shape=[N_POINTS])


class Line(tf.Module):
    """slope * x + offset, starting away from the truth (slope 5, offset 0)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.w = tf.Variable(5.0)
        self.b = tf.Variable(0.0)

    def __call__(self, inputs):
        return self.w * inputs + self.b


line = Line()
print("Variables:", line.variables)
assert line(3.0).numpy() == 15.0


def mse(targets, preds):
    return tf.reduce_mean(tf.square(targets - preds))


print("Current loss: %1.6f" % mse(ys, line(xs)).numpy())


def descend(model, inputs, targets, lr):
    with tf.GradientTape() as rec:
        err = mse(targets, model(inputs))
    grad_w, grad_b = rec.gradient(err, [model.w, model.b])
    model.w.assign_sub(lr * grad_w)
    model.b.assign_sub(lr * grad_b)


slope_trace, offset_trace = [], []


def describe(model, err):
    return f"W = {model.w.numpy():1.2f}, b = {model.b.numpy():1.2f}, loss={err:2.5f}"


def fit_by_hand(model, inputs, targets, n_epochs=10):
    for step in range(n_epochs):
        descend(model, inputs, targets, lr=0.1)
        slope_trace.append(model.w.numpy())
        offset_trace.append(model.b.numpy())
        print(f"Epoch {step:2d}:", describe(model, mse(targets, model(inputs))))


line = Line()
print("Starting:", describe(line, mse(ys, line(xs))))
fit_by_hand(line, xs, ys)
print("Current loss: %1.6f" % mse(line(xs), ys).numpy())


class KerasLine(tf.keras.Model):
    """The same line as a Keras model with raw tf.Variable attributes."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.w = tf.Variable(5.0)
        self.b = tf.Variable(0.0)

    def call(self, inputs):
        return self.w * inputs + self.b


hand_trained = KerasLine()
fit_by_hand(hand_trained, xs, ys)
hand_trained.save_weights("line.weights.h5")

compiled = KerasLine()
compiled.compile(run_eagerly=False, optimizer=tf.keras.optimizers.SGD(learning_rate=0.1),
                 loss=tf.keras.losses.MSE)
print(xs.shape[0])
fit_log = compiled.fit(xs, ys, epochs=10, batch_size=1000)

COMPAT_RESULTS = {
    "w": line.w, "b": line.b, "loss": mse(line(xs), ys),
    "keras_w": compiled.w, "keras_b": compiled.b, "fit_losses": fit_log.history["loss"][-1],
}
# The tf.random.normal noise differs between frameworks: the fitted line is compared with a tolerance.
COMPAT_COMPARE = {"w": {"within": 0.3}, "b": {"within": 0.3}, "loss": {"within": 0.4, "below": 2.0},
                  "keras_w": {"within": 0.3}, "keras_b": {"within": 0.3},
                  "fit_losses": {"within": 2.0, "above": 5.0}}  # Keras 3 trains no raw tf.Variable: w stays 5
