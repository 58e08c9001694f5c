"""tf.distribute benchmark: `python -m benchmarks.distribute_step [--steps N] [--quick] [--json PATH]`.

The training step of TF's custom-training tutorial (tutorials/distribute/custom_training: Conv2D(32)
/ MaxPooling2D / Conv2D(64) / MaxPooling2D / Flatten / Dense(64) / Dense(10), Adam,
SparseCategoricalCrossentropy(reduction=NONE) + tf.nn.compute_average_loss, global batch 64; and a
Dense 784-256-10 model, `--workload mlp`, where the strategy's own overhead shows) under
`tf.distribute.MirroredStrategy` inside `tf.function`, on 1, 2 and 4 devices: tapejax on JAX's host
CPU devices (`--xla_force_host_platform_device_count`) or the visible GPUs, TF on logical CPU
devices (`tf.config.set_logical_device_configuration`) or its GPUs. Each configuration runs in its
own process (JAX fixes its device count at start); every step's loss is read. Reports the median
milliseconds per step over timing windows, the first step (trace and compile) in ms, and
TF / tapejax (above 1: tapejax is faster). Row "none" is the same step with no strategy (the
default strategy, a plain dataset): the strategy's overhead is the difference. On a machine with few cores the devices share them:
the figures show overhead, not speedup.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GLOBAL_BATCH = 64


def _layers(tf, workload):
    if workload == "mlp":  # a dense model: the strategy's own overhead shows better than under the convolutions
        return [tf.keras.layers.Flatten(), tf.keras.layers.Dense(256, activation="relu"), tf.keras.layers.Dense(10)]
    return [tf.keras.layers.Conv2D(32, 3, activation="relu"), tf.keras.layers.MaxPooling2D(),
            tf.keras.layers.Conv2D(64, 3, activation="relu"), tf.keras.layers.MaxPooling2D(),
            tf.keras.layers.Flatten(), tf.keras.layers.Dense(64, activation="relu"), tf.keras.layers.Dense(10)]


def _child(backend, replicas, steps, workload):
    gpus = bool(os.environ.get("DISTRIBUTE_BENCH_GPUS"))
    if backend == "tensorflow":
        import tensorflow as tf
        if not gpus and replicas > 1:
            cpu = tf.config.list_physical_devices("CPU")[0]
            tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * replicas)
        kind = "GPU" if gpus else "CPU"
        strategy = (tf.distribute.get_strategy() if replicas == 0
                    else tf.distribute.MirroredStrategy([f"/{kind.lower()}:{i}" for i in range(replicas)]))
    else:
        import tapejax as tf
        kind = "gpu" if gpus else "cpu"
        strategy = (tf.distribute.get_strategy() if replicas == 0
                    else tf.distribute.MirroredStrategy([f"/{kind}:{i}" for i in range(replicas)]))
    rng = np.random.default_rng(0)
    images = rng.random((GLOBAL_BATCH * 8, 28, 28, 1), dtype=np.float32)
    labels = rng.integers(0, 10, GLOBAL_BATCH * 8).astype(np.int64)
    dataset = tf.data.Dataset.from_tensor_slices((images, labels)).batch(GLOBAL_BATCH).repeat()
    with strategy.scope():
        model = tf.keras.Sequential(_layers(tf, workload))
        model.build((None, 28, 28, 1))  # TF cannot create the weights inside run under tf.function
        optimizer = tf.keras.optimizers.Adam()
        optimizer.build(model.trainable_variables)
        loss_object = tf.keras.losses.SparseCategoricalCrossentropy(
            from_logits=True, reduction=tf.keras.losses.Reduction.NONE)

    def train_step(inputs):
        x, y = inputs
        with tf.GradientTape() as tape:
            loss = tf.nn.compute_average_loss(loss_object(y, model(x, training=True)),
                                              global_batch_size=GLOBAL_BATCH)
        optimizer.apply_gradients(zip(tape.gradient(loss, model.trainable_variables), model.trainable_variables))
        return loss

    @tf.function
    def distributed_train_step(inputs):
        return strategy.reduce(tf.distribute.ReduceOp.SUM, strategy.run(train_step, args=(inputs,)), axis=None)

    batches = iter(dataset if replicas == 0 else strategy.experimental_distribute_dataset(dataset))
    start = time.perf_counter()
    float(distributed_train_step(next(batches)))
    first_ms = (time.perf_counter() - start) * 1e3
    for _ in range(3):
        float(distributed_train_step(next(batches)))
    windows = []
    per_window = max(1, steps // 5)
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(per_window):
            float(distributed_train_step(next(batches)))
        windows.append((time.perf_counter() - start) * 1e3 / per_window)
    print("RESULT " + json.dumps({"replicas": strategy.num_replicas_in_sync, "median_ms": statistics.median(windows),
                                  "first_ms": first_ms}), flush=True)


def _measure(backend, replicas, steps, gpus, workload):
    env = dict(os.environ, PYTHONPATH=ROOT, TF_CPP_MIN_LOG_LEVEL="3")
    env.pop("TF_CONFIG", None)
    if gpus:
        env["DISTRIBUTE_BENCH_GPUS"] = "1"
    else:
        env.update(JAX_PLATFORMS="cpu", XLA_FLAGS=f"--xla_force_host_platform_device_count={max(replicas, 1)}",
                   CUDA_VISIBLE_DEVICES="")
    proc = subprocess.run([sys.executable, "-m", "benchmarks.distribute_step", "--child", backend, str(replicas),
                           "--steps", str(steps), "--workload", workload], env=env, cwd=ROOT, capture_output=True, text=True, timeout=900)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("RESULT ")]
    if not lines:
        return {"error": (proc.stdout + proc.stderr)[-800:]}
    return json.loads(lines[-1][7:])


def _visible_gpus():
    try:
        import jax
        return len([d for d in jax.devices() if d.platform == "gpu"])
    except Exception:  # noqa: BLE001 - no GPU backend: the CPU figures are measured
        return 0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=50)
    parser.add_argument("--quick", action="store_true", help="1 and 2 devices, 10 steps, tapejax only")
    parser.add_argument("--json", default=None)
    parser.add_argument("--workload", default="cnn,mlp", help="cnn (the tutorial's), mlp (Dense 784-256-10)")
    parser.add_argument("--child", nargs=2, metavar=("BACKEND", "REPLICAS"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        _child(args.child[0], int(args.child[1]), args.steps, args.workload)
        return None
    gpus = _visible_gpus()
    counts = [1, 2] if args.quick else [n for n in (1, 2, 4, 8) if n <= max(gpus, 4) and (not gpus or n <= gpus)]
    steps = 10 if args.quick else args.steps
    backends = ["tapejax"] if args.quick else ["tapejax", "tensorflow"]
    device = f"{gpus} GPU(s)" if gpus else f"host CPU devices on {os.cpu_count()} cores"
    tables = {}
    for workload in args.workload.split(","):
        table = tables[workload] = {}
        for n in [0] + counts:  # 0: no strategy (the plain step, for the strategy's overhead)
            row = table[n] = {b: _measure(b, n, steps, bool(gpus), workload) for b in backends}
            if "median_ms" in row.get("tensorflow", {}) and "median_ms" in row["tapejax"]:
                row["tf/tapejax"] = row["tensorflow"]["median_ms"] / row["tapejax"]["median_ms"]
        print(f"{workload}: MirroredStrategy training step, global batch {GLOBAL_BATCH}, {device}")
        print(f"{'devices':>7} {'tapejax ms':>11} {'first ms':>9} {'TF ms':>8} {'first ms':>9} {'TF/tapejax':>10}")
        for n, row in table.items():
            tj, tfr = row["tapejax"], row.get("tensorflow", {})
            print(f"{n or 'none':>7} {tj.get('median_ms', float('nan')):>11.2f} {tj.get('first_ms', float('nan')):>9.0f} "
                  f"{tfr.get('median_ms', float('nan')):>8.2f} {tfr.get('first_ms', float('nan')):>9.0f} "
                  f"{row.get('tf/tapejax', float('nan')):>10.2f}")
            for backend, result in row.items():
                if isinstance(result, dict) and "error" in result:
                    print(f"  {backend} failed: {result['error']}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"device": device, "tables": tables}, f, indent=1)
    return tables


if __name__ == "__main__":
    main()
