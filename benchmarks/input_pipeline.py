"""Input-pipeline benchmark: `python -m benchmarks.input_pipeline [--rounds N] [--json PATH]`.

1. Throughput: 60,000 28x28 uint8 images with int labels -> `shuffle(10000)` -> `map(cast to
   float32 / 255, num_parallel_calls=AUTOTUNE)` -> `batch(64)` -> `prefetch(AUTOTUNE)`, one epoch
   iterated in a Python loop that touches every batch, on tapejax and on real tf.data in one
   process, rounds alternating between them. Reports elements per second and tapejax / tf.data.
2. Keras `fit` on a Dataset versus `fit` on the same NumPy arrays (batch 64), milliseconds per
   step, epochs alternating between the two, for tapejax (and TF for reference).
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np

N, SIDE, BATCH = 60_000, 28, 64


def _data():
    rs = np.random.RandomState(0)
    return rs.randint(0, 256, (N, SIDE, SIDE)).astype(np.uint8), rs.randint(0, 10, N).astype(np.int64)


def _pipeline(tf, images, labels):
    return (tf.data.Dataset.from_tensor_slices((images, labels))
            .shuffle(10_000)
            .map(lambda x, y: (tf.cast(x, tf.float32) / 255.0, y), num_parallel_calls=tf.data.AUTOTUNE)
            .batch(BATCH)
            .prefetch(tf.data.AUTOTUNE))


def _epoch_seconds(tf, images, labels):
    start = time.perf_counter()
    ds = _pipeline(tf, images, labels)
    seen = 0
    for x, _ in ds:
        seen += int(x.shape[0])
    assert seen == N
    return time.perf_counter() - start


def _fit_step_ms(tf, images, labels, rounds):
    """Median ms per step of one `fit` epoch on NumPy arrays and on a Dataset of the same data,
    epochs alternating between the two (after a warm-up epoch each)."""
    def model():
        m = tf.keras.Sequential([tf.keras.Input((SIDE, SIDE)), tf.keras.layers.Flatten(),
                                 tf.keras.layers.Dense(64, activation="relu"), tf.keras.layers.Dense(10)])
        m.compile(optimizer="adam", loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))
        return m

    n = 12_800
    x = images[:n].astype(np.float32) / 255.0
    y = labels[:n]
    data = tf.data.Dataset.from_tensor_slices((x, y)).shuffle(n).batch(BATCH).prefetch(tf.data.AUTOTUNE)
    runs = {"numpy": (model(), lambda m: m.fit(x, y, batch_size=BATCH, epochs=1, verbose=0)),
            "dataset": (model(), lambda m: m.fit(data, epochs=1, verbose=0))}
    times = {k: [] for k in runs}
    for m, fit in runs.values():
        fit(m)
    for _ in range(rounds):
        for k, (m, fit) in runs.items():
            start = time.perf_counter()
            fit(m)
            times[k].append((time.perf_counter() - start) / (n // BATCH) * 1e3)
    return {k: float(np.median(v)) for k, v in times.items()}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json")
    args = parser.parse_args()
    import tensorflow

    import tapejax
    tensorflow.get_logger().setLevel("ERROR")
    images, labels = _data()
    times = {"tapejax": [], "tf.data": []}
    for _ in range(args.rounds):
        times["tapejax"].append(_epoch_seconds(tapejax, images, labels))
        times["tf.data"].append(_epoch_seconds(tensorflow, images, labels))
    rate = {k: N / float(np.median(v)) for k, v in times.items()}
    print(f"pipeline epoch (60,000 elements), median of {args.rounds} alternating rounds:")
    for k, v in rate.items():
        print(f"  {k:8s} {v:12,.0f} elements/s   (epoch {N / v:.3f} s)")
    print(f"  tapejax / tf.data throughput: {rate['tapejax'] / rate['tf.data']:.2f}x")
    fit = {}
    for name, module in (("tapejax", tapejax), ("tensorflow", tensorflow)):
        fit[name] = _fit_step_ms(module, images, labels, args.rounds)
    print(f"Keras fit, ms per step (batch 64, 200 steps per epoch; median of {args.rounds} epochs "
          f"alternating NumPy / Dataset, after a warm-up epoch):")
    for name, v in fit.items():
        print(f"  {name:10s} numpy {v['numpy']:.3f}  dataset {v['dataset']:.3f}  "
              f"dataset/numpy {v['dataset'] / v['numpy']:.2f}x")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"elements_per_second": rate, "fit_ms_per_step": fit}, f, indent=2)


if __name__ == "__main__":
    main()
