"""AutoGraph loop benchmark: `python -m benchmarks.autograph_loop [--rounds N] [--json PATH] [--quick]`.

A Python `while` loop on a Tensor condition inside `tapejax.function` (converted by AutoGraph to a
staged `lax.while_loop`) against the same loop written directly with `jax.lax.while_loop` under
`jax.jit`, and against `tf.function` (TF's AutoGraph) and TF eager when TensorFlow is installed. The
loop: `while tf.reduce_sum(x) < limit: x = x * 1.0001 + 0.001` on a 256-vector (a data-dependent
trip count of a few thousand iterations). Reports median milliseconds per call (calls alternate
between peers, round-robin), the ratio to `jax.lax.while_loop`, and how many times each function
was traced and compiled (the converted loop must compile once).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

import jax
import jax.numpy as jnp
import numpy as np

SIZE, LIMIT = 256, 2000.0


def _tapejax_loop():
    import tapejax as tf

    @tf.function
    def grow(x):
        while tf.reduce_sum(x) < LIMIT:
            x = x * 1.0001 + 0.001
        return x

    return grow, lambda x: grow(x).numpy(), tf.constant


def _jax_loop():
    @jax.jit
    def grow(x):
        return jax.lax.while_loop(lambda x: jnp.sum(x) < LIMIT, lambda x: x * 1.0001 + 0.001, x)

    return grow, lambda x: np.asarray(grow(x)), jnp.asarray


def _tf_loops():
    try:
        import tensorflow as tf
    except ImportError:
        return {}

    def grow(x):
        while tf.reduce_sum(x) < LIMIT:
            x = x * 1.0001 + 0.001
        return x

    compiled = tf.function(grow)
    return {"tf.function": (compiled, lambda x: compiled(x).numpy(), tf.constant),
            "tf eager": (grow, lambda x: grow(x).numpy(), tf.constant)}


def run(rounds=7, quick=False):
    """Times the peers; returns {peer: {"ms": median, "ratio_to_jax": ..., "result": ...}}."""
    x0 = np.full([SIZE], 1.0, np.float32)
    peers = {"tapejax.function": _tapejax_loop(), "jax.lax.while_loop": _jax_loop()}
    if not quick:
        peers.update(_tf_loops())
    results = {}
    for name, (_, call, convert) in peers.items():
        results[name] = {"result": call(convert(x0)), "times": []}  # warm-up: trace and compile
    reference = results["jax.lax.while_loop"]["result"]
    for name, entry in results.items():
        np.testing.assert_allclose(entry["result"], reference, rtol=1e-4, err_msg=name)
    for _ in range(1 if quick else rounds):
        for name, (_, call, convert) in peers.items():
            x = convert(x0)
            start = time.perf_counter()
            repeats = 1 if quick else (1 if name == "tf eager" else 5)
            for _ in range(repeats):
                call(x)
            results[name]["times"].append((time.perf_counter() - start) * 1e3 / repeats)
    jax_ms = statistics.median(results["jax.lax.while_loop"]["times"])
    table = {}
    for name, entry in results.items():
        ms = statistics.median(entry["times"])
        table[name] = {"ms": ms, "ratio_to_jax": ms / jax_ms}
    grow = peers["tapejax.function"][0]
    table["tapejax.function"]["traces"] = grow.experimental_get_tracing_count()
    table["tapejax.function"]["compiled_signatures"] = len(grow._concrete)
    return table


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--json")
    args = parser.parse_args(argv)
    table = run(args.rounds, args.quick)
    print(f"{'peer':<22}{'ms/call':>10}{'vs jax.lax.while_loop':>24}")
    for name, entry in table.items():
        if isinstance(entry, dict):
            print(f"{name:<22}{entry['ms']:>10.3f}{entry['ratio_to_jax']:>23.2f}x")
    fn = table["tapejax.function"]
    print(f"tapejax.function traced {fn['traces']} time(s), {fn['compiled_signatures']} compiled signature(s)")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(table, f, indent=2)


if __name__ == "__main__":
    main()
