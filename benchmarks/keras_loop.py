"""Steps per second of TF's "Writing a training loop from scratch" guide loop (Sequential 784-64-64-10,
SparseCategoricalCrossentropy(from_logits=True), Adam, SparseCategoricalAccuracy; batch 64) in
tapejax eager, tapejax.function, TF eager and tf.function, measured in one run.

    python -m benchmarks.keras_loop [--steps 300] [--batch 64]
"""

from __future__ import annotations

import argparse
import importlib
import time

import numpy as np


def _build(tf, batch):
    keras = tf.keras
    model = keras.Sequential([keras.Input(shape=(784,)), keras.layers.Dense(64, activation="relu"),
                              keras.layers.Dense(64, activation="relu"), keras.layers.Dense(10)])
    optimizer = keras.optimizers.Adam(learning_rate=1e-3)
    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    train_acc_metric = keras.metrics.SparseCategoricalAccuracy()

    def train_step(x, y):
        with tf.GradientTape() as tape:
            logits = model(x, training=True)
            loss_value = loss_fn(y, logits)
        grads = tape.gradient(loss_value, model.trainable_weights)
        optimizer.apply_gradients(zip(grads, model.trainable_weights))
        train_acc_metric.update_state(y, logits)
        return loss_value

    rs = np.random.RandomState(0)
    x = tf.constant(rs.rand(batch, 784).astype(np.float32))
    y = tf.constant(rs.randint(0, 10, batch).astype(np.int32))
    return train_step, x, y


def measure(backend, compiled, steps, batch, repeats=3):
    tf = importlib.import_module(backend)
    if backend == "tensorflow":
        tf.get_logger().setLevel("ERROR")
    step, x, y = _build(tf, batch)
    if compiled:
        step = tf.function(step)
    for _ in range(20):  # warm-up: compilation, optimizer state creation
        loss = step(x, y)
    float(loss)
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(steps):
            loss = step(x, y)
        float(loss)  # wait for the last step
        best = min(best, time.perf_counter() - start)
    return steps / best


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--batch", type=int, default=64)
    args = parser.parse_args()
    rows = [("tapejax eager", "tapejax", False), ("tapejax.function", "tapejax", True),
            ("TF eager", "tensorflow", False), ("tf.function", "tensorflow", True)]
    results = {}
    for label, backend, compiled in rows:
        results[label] = measure(backend, compiled, args.steps, args.batch)
    base = results["TF eager"]
    print(f"guide training loop, batch {args.batch}, {args.steps} steps (best of 3)")
    for label, rate in results.items():
        print(f"  {label:18s} {rate:9.1f} steps/s   {rate / base:5.2f}x TF eager")


if __name__ == "__main__":
    main()
