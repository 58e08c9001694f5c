"""The main demo: the seed notebook's examples and a short training loop, on tapejax.

Run with `python -m tapejax.demo`.
"""

from __future__ import annotations

import time

import numpy as np

import tapejax as tf


def seed_notebook():
    print("== Gradient tapes")
    x = tf.Variable(3.0)
    with tf.GradientTape() as tape:
        y = x**2
    print("dy/dx =", tape.gradient(y, x).numpy())

    w = tf.Variable(tf.random.normal((3, 2)), name="w")
    b = tf.Variable(tf.zeros(2, dtype=tf.float32), name="b")
    x = [[1.0, 2.0, 3.0]]
    with tf.GradientTape(persistent=True) as tape:
        y = x @ w + b
        loss = tf.reduce_mean(y**2)
    [dl_dw, dl_db] = tape.gradient(loss, [w, b])
    print(w.shape)
    print(dl_dw.shape)
    grad = tape.gradient(loss, {"w": w, "b": b})
    print(repr(grad["b"]))

    print("== Gradient with respect to a model")
    layer = tf.keras.layers.Dense(2, activation="relu")
    x = tf.constant([[1.0, 2.0, 3.0]])
    with tf.GradientTape() as tape:
        y = layer(x)
        loss = tf.reduce_mean(y**2)
    grad = tape.gradient(loss, layer.trainable_variables)
    for var, g in zip(layer.trainable_variables, grad):
        print(f"{var.name}, shape: {g.shape}")

    print("== Controlling what the tape watches")
    x0 = tf.Variable(3.0, name="x0")
    x1 = tf.Variable(3.0, name="x1", trainable=False)
    x2 = tf.Variable(2.0, name="x2") + 1.0
    x3 = tf.constant(3.0, name="x3")
    with tf.GradientTape() as tape:
        y = (x0**2) + (x1**2) + (x2**2)
    for g in tape.gradient(y, [x0, x1, x2, x3]):
        print(g)
    print([var.name for var in tape.watched_variables()])

    x = tf.constant(3.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x**2
    print(tape.gradient(y, x).numpy())


def training_loop(steps=200):
    print("== A short training loop (MLP regression, SGD on GradientTape)")
    tf.random.set_seed(0)
    x = tf.random.normal((256, 8))
    true_w = tf.random.normal((8, 1))
    y = tf.sin(x @ true_w)
    layers = [tf.keras.layers.Dense(32, activation="relu"), tf.keras.layers.Dense(1)]
    lr = 0.05
    start = None
    for step in range(steps + 1):
        if step == 10:  # after the first steps, which compile the kernels and the backward program
            start = time.perf_counter()
        with tf.GradientTape() as tape:
            h = x
            for layer in layers:
                h = layer(h)
            loss = tf.reduce_mean((h - y) ** 2)
        variables = [v for layer in layers for v in layer.trainable_variables]
        grads = tape.gradient(loss, variables)
        for v, g in zip(variables, grads):
            v.assign_sub(lr * g)
        if step % 50 == 0:
            print(f"step {step:4d}  loss {float(loss):.5f}")
    elapsed = time.perf_counter() - start
    print(f"{1e3 * elapsed / (steps - 9):.2f} ms/step after compilation (eager tapejax)")


def keras_training_loop(epochs=2, batch_size=64):
    """TF's "Writing a training loop from scratch" loop, on a synthetic MNIST-shaped data set fed by
    a `tf.data` pipeline."""
    print("== Custom training loop with Keras layers, Adam and a progress bar")
    keras = tf.keras
    rs = np.random.RandomState(0)
    centers = rs.randn(10, 784).astype(np.float32)
    labels = rs.randint(0, 10, 2048)
    images = (centers[labels] + 1.5 * rs.randn(2048, 784)).astype(np.float32)
    model = keras.Sequential([keras.Input(shape=(784,)), keras.layers.Dense(64, activation="relu"),
                              keras.layers.Dense(64, activation="relu"), keras.layers.Dense(10)])
    optimizer = keras.optimizers.Adam(learning_rate=1e-3)
    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    train_acc = keras.metrics.SparseCategoricalAccuracy()

    @tf.function
    def train_step(x, y):
        with tf.GradientTape() as tape:
            logits = model(x, training=True)
            loss_value = loss_fn(y, logits)
        grads = tape.gradient(loss_value, model.trainable_weights)
        optimizer.apply_gradients(zip(grads, model.trainable_weights))
        train_acc.update_state(y, logits)
        return loss_value

    # The input pipeline, as the guide builds it: shuffled, batched, prefetched (tf.data on grain).
    train_dataset = tf.data.Dataset.from_tensor_slices((images, labels))
    train_dataset = train_dataset.shuffle(buffer_size=1024).batch(batch_size, drop_remainder=True)
    train_dataset = train_dataset.prefetch(tf.data.AUTOTUNE)
    steps = len(train_dataset)
    for epoch in range(epochs):
        print(f"epoch {epoch + 1}/{epochs}")
        progbar = keras.utils.Progbar(steps)
        for step, (x_batch, y_batch) in enumerate(train_dataset):
            loss_value = train_step(x_batch, y_batch)
            progbar.update(step + 1, values=[("loss", float(loss_value)),
                                             ("accuracy", float(train_acc.result()))])
        train_acc.reset_state()


def main():
    seed_notebook()
    training_loop()
    keras_training_loop()


if __name__ == "__main__":
    main()
