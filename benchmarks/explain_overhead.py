"""What explanations cost: `python -m benchmarks.explain_overhead [--steps 200] [--json PATH]`.

TF's "Writing a training loop from scratch" guide step (benchmarks.keras_loop's model) in tapejax
eager with explanations off and on (`tapejax.explain`), timing windows alternating between the two,
beside TF eager when TensorFlow is installed. Off, explanations cost one attribute test at each place
a gradient path can be lost: the report counts those tests in one step (by swapping the settings
object's class for one that counts reads) and times one test, so the cost when off is
`tests per step x ns per test` against the step's time.
"""

from __future__ import annotations

import argparse
import importlib
import json
import statistics
import time
import timeit

from benchmarks.keras_loop import _build


def _window(step, x, y, steps):
    start = time.perf_counter()
    for _ in range(steps):
        loss = step(x, y)
    float(loss)
    return (time.perf_counter() - start) / steps * 1e6


def _checks_per_step(step, x, y):
    from tapejax import _context

    settings = _context.settings
    plain = type(settings)

    class Counting(plain):
        reads = 0

        @property
        def explain(self):
            Counting.reads += 1
            return False

    settings.__class__ = Counting
    try:
        float(step(x, y))
    finally:
        settings.__class__ = plain
    return Counting.reads


def run(steps=200, rounds=5):
    import tapejax as tf
    import tapejax.explain

    step, x, y = _build(tf, 64)
    for _ in range(20):
        float(step(x, y))
    times = {"off": [], "on": []}
    for _ in range(rounds):
        for mode in ("off", "on"):
            tapejax.explain.enable(mode == "on")
            times[mode].append(_window(step, x, y, steps))
    tapejax.explain.disable()
    checks = _checks_per_step(step, x, y)
    settings = importlib.import_module("tapejax._context").settings
    ns_per_check = min(timeit.repeat(lambda: settings.explain, number=100_000, repeat=5)) / 100_000 * 1e9
    call_ns = min(timeit.repeat(lambda: None, number=100_000, repeat=5)) / 100_000 * 1e9
    ns_per_check = max(ns_per_check - call_ns, 0.0)  # the attribute test alone, not the lambda call
    report = {
        "step_us_explain_off": statistics.median(times["off"]),
        "step_us_explain_on": statistics.median(times["on"]),
        "checks_per_step_off": checks,
        "ns_per_check": ns_per_check,
    }
    report["off_cost_fraction"] = checks * ns_per_check / 1e3 / report["step_us_explain_off"]
    report["on_over_off"] = report["step_us_explain_on"] / report["step_us_explain_off"]
    try:
        import tensorflow as real_tf
    except ImportError:
        return report
    real_tf.get_logger().setLevel("ERROR")
    tf_step, tx, ty = _build(real_tf, 64)
    for _ in range(20):
        float(tf_step(tx, ty))
    report["step_us_tf_eager"] = statistics.median(_window(tf_step, tx, ty, steps) for _ in range(rounds))
    report["tf_eager_over_tapejax_off"] = report["step_us_tf_eager"] / report["step_us_explain_off"]
    return report


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--json")
    args = parser.parse_args()
    report = run(args.steps, args.rounds)
    for name, value in report.items():
        print(f"{name:28s} {value:12.4f}" if isinstance(value, float) else f"{name:28s} {value:12d}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(report, f, indent=2)


if __name__ == "__main__":
    main()
