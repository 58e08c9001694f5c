"""Side-by-side benchmarks: `python -m benchmarks [--quick] [--workloads a,b] [--json PATH]`.

Runs each workload in one process on tapejax eager, tapejax.function, TF eager, tf.function,
hand-written jax.jit, and PyTorch eager when importable; prints median microseconds per step and
the ratios peer/tapejax (> 1 means tapejax is faster). Timing windows alternate between peers
(round-robin), so the machine's slow spells hit every peer alike.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import time

import numpy as np

from benchmarks import workloads as W
from tapejax import Tensor as _tapejax_tensor


def _block(result):
    if result is None:
        return
    if isinstance(result, (list, tuple)):
        for r in result:
            _block(r)
        return
    if hasattr(result, "block_until_ready"):
        result.block_until_ready()
    elif hasattr(result, "numpy"):
        result.numpy()


def _first_call(step):
    """Seconds of the first call (trace and compile), then three warm-up calls."""
    start = time.perf_counter()
    _block(step())
    first = time.perf_counter() - start
    for _ in range(3):
        _block(step())
    return first


def _materialize(result):
    """Starts computing a tapejax result (a deferred value runs when read): every step's result is
    computed, as with the other peers, instead of only the last one read. Does not wait for it."""
    if isinstance(result, (list, tuple)):
        for r in result:
            _materialize(r)
    elif isinstance(result, _tapejax_tensor):
        result._value  # noqa: B018 - the read dispatches the step's program


def _window(step, steps):
    """Seconds per step over `steps` calls (each result computed), blocking on the last result."""
    start = time.perf_counter()
    for _ in range(steps):
        out = step()
        _materialize(out)
    _block(out)
    return (time.perf_counter() - start) / steps


def _interleaved_medians(steps_of, min_steps, repeats, min_window_s):
    """Median seconds per step of each peer, timing windows round-robin across peers.

    Each round times one window per peer, so a slow spell of the machine (other load, frequency
    changes, another runtime's spinning threads) hits every peer alike and the ratios stay fair.
    A window lasts at least `min_window_s` (more steps for fast peers).
    """
    counts = {}
    for peer, step in steps_of.items():
        estimate = _window(step, min_steps)
        counts[peer] = max(min_steps, int(np.ceil(min_window_s / max(estimate, 1e-9))))
    windows = {peer: [] for peer in steps_of}
    for _ in range(repeats):
        for peer, step in steps_of.items():
            windows[peer].append(_window(step, counts[peer]))
    return {peer: float(np.median(w)) for peer, w in windows.items()}, counts


def _compilations():
    """XLA executables tapejax built: backward/function programs and deferred-value programs."""
    from tapejax import _backward, _lazy
    return sum(_backward.compilations.values()) + _lazy.traces["force"]


def _max_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _check(name, tj, tf):
    """Gradients of one tapejax step vs one TF step from the same initial state."""
    a = getattr(W, f"build_{name}")(tj)
    b = getattr(W, f"build_{name}")(tf)
    ra, rb = a(), b()
    if hasattr(a, "variables"):  # training steps: compare the updated variables
        ra, rb = [v.numpy() for v in a.variables], [v.numpy() for v in b.variables]
    else:
        ra, rb = [np.asarray(ra)], [np.asarray(rb)]
    return max(float(np.max(np.abs(x - y))) for x, y in zip(ra, rb))


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument("--quick", action="store_true", help="few repetitions (smoke run)")
    parser.add_argument("--workloads", default=",".join(W.WORKLOADS))
    parser.add_argument("--json", default=None, help="write the results to this file")
    parser.add_argument("--forward", choices=("deferred", "eager"), default="deferred",
                        help="tapejax eager forward under a tape: deferred and fused with the "
                             "gradient (default), or one dispatch per op")
    args = parser.parse_args(argv)

    import jax

    import tapejax as tj
    from tapejax import _backward, _lazy
    _lazy.ENABLED = args.forward == "deferred"

    try:
        import tensorflow as tf
        tf.get_logger().setLevel("ERROR")
    except ImportError:
        tf = None
    try:
        import torch
    except ImportError:
        torch = None

    device = jax.devices()[0]
    machine = f"{platform.machine()}, {os.cpu_count()} CPUs, JAX on {device.platform}: {device.device_kind}"
    print(f"machine: {machine}")
    results = {"machine": machine, "forward": args.forward, "workloads": {}}
    for name in args.workloads.split(","):
        heavy = name in ("mlp_large", "cnn_small", "lstm_100")
        steps = 2 if args.quick else (5 if heavy else 50)
        repeats = 2 if args.quick else (5 if heavy else 11)
        row = {}
        peers = {
            "tapejax": lambda: getattr(W, f"build_{name}")(tj),
            "tapejax.function": lambda: tj.function(getattr(W, f"build_{name}")(tj)),
        }
        if tf is not None:
            peers["tf_eager"] = lambda: getattr(W, f"build_{name}")(tf)
            peers["tf.function"] = lambda: tf.function(getattr(W, f"build_{name}")(tf))
        peers["jax.jit"] = getattr(W, f"jax_{name}")
        if torch is not None and hasattr(W, f"torch_{name}"):
            peers["torch"] = getattr(W, f"torch_{name}")
        if tf is not None:
            row["max_abs_diff_vs_tf"] = _check(name, tj, tf)
        steps_of = {}
        # tapejax's first call compiles whatever `_check` compiled for this workload before (not
        # cleared again between the tapejax peers: each has its own programs anyway)
        _backward.clear_cache()
        _lazy.clear_cache()
        for peer, make in peers.items():
            rss = _max_rss_mb()
            compiles = _compilations()
            step = make()
            entry = {"first_call_ms": _first_call(step) * 1e3}
            if peer.startswith("tapejax"):
                for _ in range(100 if not args.quick else 10):
                    step()
                _block(step())
                entry["compilations"] = _compilations() - compiles
            entry["max_rss_growth_mb"] = _max_rss_mb() - rss
            row[peer] = entry
            steps_of[peer] = step
        medians, counts = _interleaved_medians(steps_of, steps, repeats,
                                               0.002 if args.quick else (0.05 if heavy else 0.02))
        for peer, median in medians.items():
            row[peer]["median_us"] = median * 1e6
            row[peer]["steps_per_window"] = counts[peer]
        results["workloads"][name] = row
        base = row["tapejax"]["median_us"]
        base_fn = row["tapejax.function"]["median_us"]
        print(f"\n{name}  (max |tapejax - TF| after one step: {row.get('max_abs_diff_vs_tf', float('nan')):.2e})")
        print(f"  {'peer':18s} {'median us':>11s} {'first ms':>9s} {'compiles':>8s} {'rss+MB':>7s}"
              f" {'peer/tapejax':>13s} {'peer/tj.fn':>11s}")
        for peer, e in row.items():
            if not isinstance(e, dict):
                continue
            print(f"  {peer:18s} {e['median_us']:11.1f} {e['first_call_ms']:9.1f} "
                  f"{e.get('compilations', ''):>8} {e['max_rss_growth_mb']:7.1f} "
                  f"{e['median_us'] / base:13.2f} {e['median_us'] / base_fn:11.2f}")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(results, f, indent=2)
    return results


if __name__ == "__main__":
    main()
