"""What a user feels first: a short training job in a fresh process, import included.

    python -m benchmarks.cold_start [--quick] [--rounds 3] [--workloads keras_loop,cnn_small,mlp_small]
                                    [--peers a,b] [--json PATH]

Every measurement is its own fresh Python process; the peers alternate within each round (a slow
spell of the machine hits them alike) and the medians over rounds are reported:

- tapejax eager and `tapejax.function`, each with a cold persistent compilation cache (a fresh,
  empty `TAPEJAX_COMPILATION_CACHE` directory) and with a warm one (the directory the cold run of
  the same round filled);
- TF eager and `tf.function`;
- hand-written `jax.jit` (JAX's own default: no persistent cache).

Workloads: `keras_loop`, the model and loop of TF's "Writing a training loop from scratch" guide
(Keras functional 784-64-64-10, Adam, SparseCategoricalCrossentropy(from_logits=True), a
SparseCategoricalAccuracy updated every step, batch 64, its result read with each timed loss), and
`mlp_small`, `cnn_small` from `benchmarks/workloads.py`. Columns, in seconds from the process start
(`import` from the start; the others as durations): import, build (model, optimizer, data), step 1
(until its loss is read), and the wall time at step 20 and at step 100 (import included; the
step's loss read), plus the XLA programs compiled (or loaded from the persistent cache) before
step 1 returned, counted with `jax.monitoring`'s compile events (TF does not use XLA here: none).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

WORKLOADS = ["keras_loop", "cnn_small", "mlp_small"]
# peer -> (backend, compiled, cache); cache: "cold"/"warm" for tapejax's persistent cache
PEERS = {
    "tapejax eager": ("tapejax", False, "cold"),
    "TF eager": ("tensorflow", False, None),
    "tapejax.function": ("tapejax", True, "cold"),
    "tf.function": ("tensorflow", True, None),
    "jax.jit": ("jax", True, None),
    "tapejax eager warm": ("tapejax", False, "warm"),
    "tapejax.function warm": ("tapejax", True, "warm"),
}
COMPILE_EVENT = "/jax/core/compile/backend_compile_duration"


# -- the child process: one peer, one workload ------------------------------------------------------
def _keras_loop(tf, batch=64):
    """The guide's model, loss, optimizer, metric and train step on module `tf`."""
    import numpy as np
    keras = tf.keras
    inputs = keras.Input(shape=(784,), name="digits")
    x1 = keras.layers.Dense(64, activation="relu")(inputs)
    x2 = keras.layers.Dense(64, activation="relu")(x1)
    outputs = keras.layers.Dense(10, name="predictions")(x2)
    model = keras.Model(inputs=inputs, outputs=outputs)
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
    x = rs.rand(batch, 784).astype(np.float32)
    y = rs.randint(0, 10, batch).astype(np.int32)
    return train_step, (x, y), lambda: float(train_acc_metric.result())


def _jax_keras_loop(batch=64):
    """The guide's loop written for `jax.jit` (optax Adam with Keras' epsilon, the accuracy's
    total and count carried as state)."""
    import jax
    import jax.numpy as jnp
    import numpy as np
    import optax
    sizes = [784, 64, 64, 10]

    @jax.jit
    def init(key):
        params = []
        for a, b in zip(sizes, sizes[1:]):
            key, sub = jax.random.split(key)
            limit = jnp.sqrt(6.0 / (a + b))
            params.append((jax.random.uniform(sub, (a, b), jnp.float32, -limit, limit),
                           jnp.zeros((b,), jnp.float32)))
        return params

    def forward(params, x):
        for i, (w, b) in enumerate(params):
            x = x @ w + b
            if i < len(params) - 1:
                x = jax.nn.relu(x)
        return x

    def loss_fn(params, x, y):
        logits = forward(params, x)
        return optax.softmax_cross_entropy_with_integer_labels(logits, y).mean(), logits

    tx = optax.adam(1e-3, eps=1e-7)

    @jax.jit
    def step(state, x, y):
        params, opt_state, total, count = state
        (loss, logits), grads = jax.value_and_grad(loss_fn, has_aux=True)(params, x, y)
        updates, opt_state = tx.update(grads, opt_state, params)
        params = optax.apply_updates(params, updates)
        correct = jnp.sum(jnp.argmax(logits, -1) == y).astype(jnp.float32)
        return (params, opt_state, total + correct, count + y.shape[0]), loss

    params = init(jax.random.key(0))
    state = {"s": (params, tx.init(params), jnp.float32(0), jnp.float32(0))}
    rs = np.random.RandomState(0)
    x = rs.rand(batch, 784).astype(np.float32)
    y = rs.randint(0, 10, batch).astype(np.int32)

    def run(x, y):
        state["s"], loss = step(state["s"], x, y)
        return loss

    return run, (x, y), lambda: float(state["s"][2] / state["s"][3])


def _build(backend, compiled, workload, module):
    from benchmarks import workloads as W
    if backend == "jax":
        if workload == "keras_loop":
            return _jax_keras_loop()
        step = getattr(W, f"jax_{workload}")()
        return step, (), None
    if workload == "keras_loop":
        step, args, result = _keras_loop(module)
    else:
        step, args, result = getattr(W, f"build_{workload}")(module), (), None
    if compiled:
        step = module.function(step)
    return step, args, result


def _read(out):
    """Waits for a step's result (a loss, or gradients) by reading it."""
    if isinstance(out, (list, tuple)):
        for o in out:
            _read(o)
    elif hasattr(out, "numpy"):
        out.numpy()
    elif out is not None:
        out.block_until_ready()


def child(peer, workload, checkpoints, t0):
    """Runs one peer's job and returns its timings (seconds since `t0`, the parent's spawn time)."""
    backend, compiled, _ = PEERS[peer]
    programs = []
    if backend != "tensorflow":  # count JAX's compile events from before tapejax's own import
        import jax
        jax.monitoring.register_event_duration_secs_listener(
            lambda event, duration, **kw: programs.append(kw.get("fun_name")) if event == COMPILE_EVENT else None)
    module = None
    if backend == "tensorflow":
        import tensorflow as module
        module.get_logger().setLevel("ERROR")
    elif backend == "tapejax":
        import tapejax as module
    t_import = time.time()
    step, args, result = _build(backend, compiled, workload, module)
    t_build = time.time()
    _read(step(*args))
    t_step1 = time.time()
    before_step1 = len(programs)
    at = {}
    for i in range(2, max(checkpoints) + 1):
        out = step(*args)
        if i in checkpoints:
            _read(out)
            if result is not None:
                result()
            at[str(i)] = time.time() - t0
    return {"import_s": t_import - t0, "build_s": t_build - t_import, "step1_s": t_step1 - t_build,
            "at_step_s": at, "programs_before_step1": before_step1 if backend != "tensorflow" else None,
            "programs_total": len(programs) if backend != "tensorflow" else None,
            "program_names_before_step1": programs[:before_step1], "program_names": programs}


# -- the parent: fresh processes, alternating --------------------------------------------------------
def _run_child(peer, workload, checkpoints, cache_dir):
    env = dict(os.environ)
    env.pop("JAX_COMPILATION_CACHE_DIR", None)
    env["TF_CPP_MIN_LOG_LEVEL"] = "2"
    env["TAPEJAX_COMPILATION_CACHE"] = cache_dir if cache_dir else "off"
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    t0 = time.time()
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.cold_start", "--child", peer, "--workload", workload,
         "--checkpoints", ",".join(map(str, checkpoints)), "--t0", repr(t0)],
        capture_output=True, text=True, env=env, cwd=root, timeout=1800)
    if proc.returncode != 0:
        raise RuntimeError(f"{peer} on {workload} failed:\n{proc.stderr[-4000:]}")
    row = json.loads(proc.stdout.strip().splitlines()[-1])
    row["process_s"] = time.time() - t0
    return row


def _median(values):
    values = sorted(v for v in values if v is not None)
    if not values:
        return None
    n = len(values)
    return values[n // 2] if n % 2 else (values[n // 2 - 1] + values[n // 2]) / 2


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.cold_start", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="one round, steps 3 and 5 (a smoke run)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workloads", default=",".join(WORKLOADS))
    parser.add_argument("--peers", default=",".join(PEERS))
    parser.add_argument("--json", default=None, help="write the results to this file")
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--workload", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--checkpoints", default="20,100", help=argparse.SUPPRESS)
    parser.add_argument("--t0", type=float, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        checkpoints = [int(c) for c in args.checkpoints.split(",")]
        row = child(args.child, args.workload, checkpoints, args.t0 or time.time())
        print(json.dumps(row))
        return row

    checkpoints = [3, 5] if args.quick else [20, 100]
    rounds = 1 if args.quick else args.rounds
    peers = args.peers.split(",")
    for peer in peers:
        if peer not in PEERS:
            raise SystemExit(f"unknown peer {peer!r}; peers: {', '.join(PEERS)}")
    runs = {(w, p): [] for w in args.workloads.split(",") for p in peers}
    scratch = tempfile.mkdtemp(prefix="tapejax-cold-start-")
    try:
        for r in range(rounds):
            for workload in args.workloads.split(","):
                caches = {}
                for peer in peers:
                    backend, compiled, cache = PEERS[peer]
                    directory = None
                    if cache is not None:
                        key = (backend, compiled)
                        if cache == "cold" or key not in caches:  # warm: the cold run's directory
                            if cache == "warm":  # no cold run of this peer: fill one first
                                directory = tempfile.mkdtemp(dir=scratch)
                                _run_child(peer, workload, checkpoints, directory)
                            else:
                                directory = tempfile.mkdtemp(dir=scratch)
                            caches[key] = directory
                        else:
                            directory = caches[key]
                    runs[(workload, peer)].append(_run_child(peer, workload, checkpoints, directory))
                    print(f"  round {r + 1}/{rounds} {workload:10s} {peer:22s} "
                          f"{runs[(workload, peer)][-1]['at_step_s'][str(checkpoints[-1])]:7.2f} s",
                          file=sys.stderr)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

    results = {"checkpoints": checkpoints, "rounds": rounds, "workloads": {}}
    last = str(checkpoints[-1])
    for workload in args.workloads.split(","):
        table = {}
        for peer in peers:
            rows = runs[(workload, peer)]
            table[peer] = {
                "import_s": _median([r["import_s"] for r in rows]),
                "build_s": _median([r["build_s"] for r in rows]),
                "step1_s": _median([r["step1_s"] for r in rows]),
                **{f"total_{c}_steps_s": _median([r["at_step_s"][str(c)] for r in rows]) for c in checkpoints},
                "programs_before_step1": _median([r["programs_before_step1"] for r in rows]),
                "runs": rows,
            }
        ratios = {}

        def ratio(a, b, _table=table):
            if a in _table and b in _table:
                return _table[a][f"total_{last}_steps_s"] / _table[b][f"total_{last}_steps_s"]
            return None
        for a, b in [("tapejax.function", "tf.function"), ("tapejax eager", "TF eager"),
                     ("tapejax eager", "tf.function"), ("tapejax.function warm", "tf.function"),
                     ("tapejax eager warm", "tf.function"), ("jax.jit", "tf.function")]:
            value = ratio(a, b)
            if value is not None:
                ratios[f"{a} / {b}"] = value
        results["workloads"][workload] = {"peers": table, "ratios": ratios}
        print(f"\n{workload}: seconds, medians of {rounds} fresh process(es) per peer")
        cols = "".join(f" {f'{c} steps':>10s}" for c in checkpoints)
        print(f"  {'peer':22s} {'import':>7s} {'build':>7s} {'step 1':>7s}{cols} {'programs':>9s}")
        for peer, e in table.items():
            programs = "" if e["programs_before_step1"] is None else f"{e['programs_before_step1']:g}"
            steps = "".join(f" {e[f'total_{c}_steps_s']:10.2f}" for c in checkpoints)
            print(f"  {peer:22s} {e['import_s']:7.2f} {e['build_s']:7.2f} {e['step1_s']:7.2f}{steps} {programs:>9s}")
        for name, value in ratios.items():
            print(f"  {name:40s} {value:5.2f}x (total wall time of {last} steps)")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(results, f, indent=2)
    return results


if __name__ == "__main__":
    main()
