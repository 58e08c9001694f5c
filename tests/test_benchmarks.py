"""The benchmark runner stays runnable and its workloads compute what TF computes (no timing here)."""

import pytest

from benchmarks import __main__ as runner

pytest.importorskip("tensorflow")


@pytest.mark.parametrize("flags", [[], ["--forward", "eager"]], ids=["default", "eager"])
def test_quick_run_reports_every_peer_and_matches_tf(flags, monkeypatch):
    from tapejax import _lazy
    # the runner sets these process-wide; monkeypatch puts them back afterwards
    monkeypatch.setattr(_lazy, "ENABLED", _lazy.ENABLED)
    results = runner.main(["--quick", "--workloads", "scalar_square,mlp_small,hvp_64"] + flags)
    for name, row in results["workloads"].items():
        assert row["max_abs_diff_vs_tf"] < 1e-5, name  # one tapejax step equals one TF step
        for peer in ("tapejax", "tapejax.function", "tf_eager", "tf.function", "jax.jit"):
            assert row[peer]["median_us"] > 0, (name, peer)
            assert row[peer]["steps_per_window"] >= 2, (name, peer)
        assert row["tapejax.function"]["compilations"] <= 1  # compiled once, at most (else cached)


def test_every_timed_step_result_is_computed():
    """A deferred tapejax result runs only when read: timing must read each one, or it times no work."""
    import tapejax as tj
    from tapejax._lazy import Pending

    x = tj.Variable(3.0)
    results = []

    def step():
        with tj.GradientTape() as tape:
            y = x ** 2
        results.append(tape.gradient(y, x))
        return results[-1]

    runner._window(step, 5)
    assert len(results) == 5
    for g in results:
        assert type(g._v) is not Pending or g._v.node.results is not None
        assert float(g) == 6.0


def test_autograph_loop_benchmark_quick_run_compiles_the_converted_loop_once():
    from benchmarks import autograph_loop

    table = autograph_loop.run(quick=True)
    assert set(table) == {"tapejax.function", "jax.lax.while_loop"}
    assert table["tapejax.function"]["traces"] == 1
    assert table["tapejax.function"]["compiled_signatures"] == 1
    assert table["jax.lax.while_loop"]["ratio_to_jax"] == 1.0


def test_lstm_workload_is_one_program_per_step_and_matches_tf(monkeypatch):
    from tapejax import _lazy
    monkeypatch.setattr(_lazy, "ENABLED", _lazy.ENABLED)
    row = runner.main(["--quick", "--workloads", "lstm_100"])["workloads"]["lstm_100"]
    assert row["max_abs_diff_vs_tf"] < 1e-5  # a Keras LSTM step on tapejax equals one on TF
    for peer in ("tapejax", "tapejax.function"):
        assert row[peer]["compilations"] == 1, peer  # the 100-step scan and its backward: one program
