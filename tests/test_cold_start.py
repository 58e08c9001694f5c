"""Cold start: what a fresh process compiles before the first training step, and the benchmark that
measures it (`python -m benchmarks.cold_start`) stays runnable (no timing assertions here)."""

import json
import os
import subprocess
import sys

import pytest

from benchmarks import cold_start

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _child(peer, workload, checkpoints="2"):
    env = dict(os.environ, TAPEJAX_COMPILATION_CACHE="off", TF_CPP_MIN_LOG_LEVEL="2")
    env.pop("JAX_COMPILATION_CACHE_DIR", None)
    out = subprocess.run([sys.executable, "-m", "benchmarks.cold_start", "--child", peer, "--workload",
                          workload, "--checkpoints", checkpoints], capture_output=True, text=True,
                         env=env, cwd=ROOT, timeout=600, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_the_guide_keras_loop_compiles_at_most_five_programs_before_its_first_eager_step():
    # 40 before the cold-start work: per-shape initializer samplers, per-op optimizer set-up,
    # NumPy inputs staged by an identity program, a separate metric program
    row = _child("tapejax eager", "keras_loop")
    names = row["program_names_before_step1"]
    assert 1 <= row["programs_before_step1"] <= 5, names
    assert len(names) == row["programs_before_step1"]


def test_the_guide_keras_loop_compiles_at_most_five_programs_before_its_first_function_step():
    # the first call traces once with Adam's slots created mid-trace, once more without creation
    # (TF's two first-call traces) and compiles the step once: no eager first step
    row = _child("tapejax.function", "keras_loop")
    names = row["program_names_before_step1"]
    assert 1 <= row["programs_before_step1"] <= 5, names
    assert names.count("jit(counted)") + names.count("jit(lifted)") == 1, names


def test_a_fresh_process_counts_the_programs_jax_jit_compiles_too():
    row = _child("jax.jit", "mlp_small", "3")
    assert row["programs_before_step1"] >= 1  # at least the step itself
    assert set(row["at_step_s"]) == {"3"} and row["at_step_s"]["3"] > row["import_s"] > 0


def test_quick_run_reports_every_peer_it_was_asked_for():
    pytest.importorskip("tensorflow")
    peers = ["tapejax eager", "tapejax.function warm", "tf.function", "jax.jit"]
    results = cold_start.main(["--quick", "--workloads", "mlp_small", "--peers", ",".join(peers)])
    table = results["workloads"]["mlp_small"]["peers"]
    assert list(table) == peers
    for peer, row in table.items():
        assert row["import_s"] > 0 and row["step1_s"] > 0, peer
        assert row["total_5_steps_s"] >= row["total_3_steps_s"] > 0, peer
        assert (row["programs_before_step1"] is None) == (peer == "tf.function"), peer
    ratios = results["workloads"]["mlp_small"]["ratios"]
    assert set(ratios) == {"tapejax eager / tf.function", "tapejax.function warm / tf.function",
                           "jax.jit / tf.function"}
