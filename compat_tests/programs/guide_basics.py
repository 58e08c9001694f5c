"""Follows tensorflow/docs, site/en/guide/basics.ipynb (commit 7c3650212740204359d4ceae481abc79345541be):
a tour of tensors, variables, autodiff, tf.function, modules, SavedModel, a training loop and Keras.

Written for tapejax's compat suite (not a copy of the tutorial's code); synthetic data from
_synthetic.py replaces the download; sizes shrunk.

Covers: tensor arithmetic, matmul/transpose, concat, softmax, reduce_sum, convert_to_tensor;
tf.config.list_physical_devices; Variable assign/assign_add; a GradientTape derivative of a
polynomial; a tf.function that prints while tracing; a tf.Module with a tf.function method saved with
tf.saved_model.save and reloaded with tf.saved_model.load; a quadratic tf.Module fitted with a
shuffled, batched tf.data pipeline (20 epochs); a Keras Sequential (Lambda stacking x and x**2, Dense
with kernel_initializer=tf.random.normal) compiled with MSE/SGD, fit for 20 epochs and saved as .keras.
"""

import os

import tensorflow as tf

grid = tf.constant([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
print(grid)
print(grid.shape)
print(grid.dtype)

basic_ops = [
    grid + grid,
    5 * grid,
    grid @ tf.transpose(grid),
    tf.concat([grid, grid, grid], axis=0),
    tf.nn.softmax(grid, axis=-1),
    tf.reduce_sum(grid),
    tf.convert_to_tensor([1, 2, 3]),
    tf.reduce_sum([1, 2, 3]),
]

has_gpu = bool(tf.config.list_physical_devices("GPU"))
print("GPU available:", has_gpu)

state = tf.Variable([0.0, 0.0, 0.0])
state.assign([1, 2, 3])
state.assign_add([1, 1, 1])

point = tf.Variable(1.0)


def parabola(t):
    return t ** 2 + 2 * t - 5


parabola(point)
with tf.GradientTape() as rec:
    height = parabola(point)
slope_at_point = rec.gradient(height, point)


@tf.function
def total(values):
    print("tracing total")
    return tf.reduce_sum(values)


total(tf.constant([1, 2, 3]))
total(tf.constant([10, 9, 8]))
total(tf.constant([10.0, 9.1, 8.2], dtype=tf.float32))


class Scaler(tf.Module):
    def __init__(self, factor):
        self.weight = tf.Variable(factor)

    @tf.function
    def multiply(self, values):
        return values * self.weight


scaler = Scaler(3)
scaler.multiply(tf.constant([1, 2, 3]))
export_dir = "./scaler_export"
tf.saved_model.save(scaler, export_dir)
scaler_back = tf.saved_model.load(export_dir)
scaler_back.multiply(tf.constant([1, 2, 3]))

# Noisy samples of the parabola.
xs = tf.cast(tf.linspace(-2, 2, 201), tf.float32)
ys = parabola(xs) + tf.random.normal(shape=[201])


class Quadratic(tf.Module):
    def __init__(self):
        start = tf.random.uniform(shape=[3], minval=0.0, maxval=5.0, seed=22)
        self.w_q = tf.Variable(start[0])
        self.w_l = tf.Variable(start[1])
        self.b = tf.Variable(start[2])

    @tf.function
    def __call__(self, inputs):
        return self.w_q * (inputs ** 2) + self.w_l * inputs + self.b


quadratic = Quadratic()


def squared_error(preds, targets):
    return tf.reduce_mean(tf.square(preds - targets))


pipeline = tf.data.Dataset.from_tensor_slices((xs, ys)).shuffle(buffer_size=xs.shape[0]).batch(32)

LR = 0.01
epoch_losses = []
for epoch in range(20):
    for batch_x, batch_y in pipeline:
        with tf.GradientTape() as rec:
            batch_err = squared_error(quadratic(batch_x), batch_y)
        for grad, variable in zip(rec.gradient(batch_err, quadratic.variables), quadratic.variables):
            variable.assign_sub(LR * grad)
    epoch_losses.append(squared_error(quadratic(xs), ys))
    if epoch % 10 == 0:
        print(f"epoch {epoch}: mse {epoch_losses[-1].numpy():0.3f}")

keras_quadratic = tf.keras.Sequential([
    tf.keras.layers.Lambda(lambda t: tf.stack([t, t ** 2], axis=1)),
    tf.keras.layers.Dense(units=1, kernel_initializer=tf.random.normal),
])
keras_quadratic.compile(loss=tf.keras.losses.MSE, optimizer=tf.keras.optimizers.SGD(learning_rate=0.01))
keras_log = keras_quadratic.fit(xs, ys, epochs=20, batch_size=32, verbose=0)
keras_quadratic.save("./quadratic.keras")

COMPAT_RESULTS = {
    "basic_ops": basic_ops, "state": state, "slope_at_point": slope_at_point,
    "total": total(tf.constant([10.0, 9.1, 8.2], dtype=tf.float32)),
    "multiply": scaler.multiply(tf.constant([1, 2, 3])),
    "reloaded": scaler_back.multiply(tf.constant([1, 2, 3])),
    "final_loss": epoch_losses[-1], "keras_loss": keras_log.history["loss"][-1],
    "keras_saved": os.path.exists("./quadratic.keras"),
}
# The noise and the initial weights are random: losses compared with bounds.
COMPAT_COMPARE = {"final_loss": {"below": 3.0, "within": 1.5}, "keras_loss": {"below": 6.0, "within": 3.0}}
