"""tapejax optimizers: one fused jitted update per apply_gradients, state in Variables,
minimize, tapejax.function, argument checks."""

import numpy as np
import pytest

import tapejax as tf

keras = tf.keras


def _problem():
    w = tf.Variable(np.arange(6, dtype=np.float32).reshape(2, 3))
    b = tf.Variable(np.ones(3, np.float32))

    def loss():
        return tf.reduce_sum(tf.square(tf.matmul(tf.ones((4, 2)), w) + b - 1.0))
    return w, b, loss


def test_apply_gradients_is_one_update_that_runs_with_the_gradient_program():
    from tapejax import _lazy
    w, b, loss = _problem()
    opt = keras.optimizers.Adam(0.1)
    for step in range(3):
        forced = _lazy.calls["force"]
        with tf.GradientTape() as tape:
            value = loss()
        grads = tape.gradient(value, [w, b])
        opt.apply_gradients(zip(grads, [w, b]))
        assert _lazy.calls["force"] == forced  # nothing ran yet: the update is pending
        assert int(opt.iterations.numpy()) == step + 1
        assert _lazy.calls["force"] == forced + 1  # forward, backward and update: one program
    (fn, donating_fn, state_vars), = opt._plans.values()
    assert len(state_vars) == 4 and all(isinstance(v, tf.Variable) for v in state_vars)


def test_a_deferred_apply_equals_the_eager_one(monkeypatch):
    from tapejax import _lazy
    results = []
    for deferred in (True, False):
        monkeypatch.setattr(_lazy, "ENABLED", deferred)
        w, b, loss = _problem()
        opt = keras.optimizers.Adam(0.1)
        for _ in range(4):
            with tf.GradientTape() as tape:
                value = loss()
            opt.apply_gradients(zip(tape.gradient(value, [w, b]), [w, b]))
        results.append([w.numpy(), b.numpy()] + [v.numpy() for v in opt.variables])
    for a, b_ in zip(*results):
        np.testing.assert_allclose(a, b_, rtol=1e-6, atol=1e-7)


def test_minimize_with_tape_and_callable_equal_apply_gradients():
    results = []
    for mode in ("tape", "callable", "apply"):
        w, b, loss = _problem()
        opt = keras.optimizers.SGD(0.01, momentum=0.9)
        for _ in range(3):
            if mode == "callable":
                opt.minimize(loss, [w, b])
            else:
                with tf.GradientTape() as tape:
                    value = loss()
                if mode == "tape":
                    opt.minimize(value, [w, b], tape=tape)
                else:
                    opt.apply_gradients(zip(tape.gradient(value, [w, b]), [w, b]))
        results.append((w.numpy(), b.numpy(), int(opt.iterations.numpy())))
    for other in results[1:]:
        np.testing.assert_array_equal(results[0][0], other[0])
        np.testing.assert_array_equal(results[0][1], other[1])
        assert results[0][2] == other[2] == 3


def test_minimize_tensor_without_tape_raises():
    w, b, loss = _problem()
    with pytest.raises(ValueError, match="tape"):
        keras.optimizers.SGD().minimize(loss(), [w, b])


def test_training_inside_function_matches_eager():
    finals = []
    for compiled in (False, True):
        w, b, loss = _problem()
        opt = keras.optimizers.Adam(0.05, clipnorm=1.0)

        def step():
            with tf.GradientTape() as tape:
                value = loss()
            opt.apply_gradients(zip(tape.gradient(value, [w, b]), [w, b]))
            return value
        if compiled:
            step = tf.function(step)
        values = [float(step()) for _ in range(5)]
        finals.append((values, w.numpy(), int(opt.iterations.numpy())))
        if compiled:
            assert step.experimental_get_tracing_count() == 1
    np.testing.assert_allclose(finals[0][0], finals[1][0], rtol=1e-6)
    np.testing.assert_allclose(finals[0][1], finals[1][1], rtol=1e-6)
    assert finals[0][2] == finals[1][2] == 5


def test_only_one_clipping_option():
    with pytest.raises(ValueError, match="Only one of"):
        keras.optimizers.SGD(clipnorm=1.0, clipvalue=1.0)


def test_invalid_learning_rate_raises():
    with pytest.raises(ValueError, match="learning_rate"):
        keras.optimizers.Adam(learning_rate="fast")


def test_none_gradient_warns():
    w, b, loss = _problem()
    with tf.GradientTape() as tape:
        value = loss()
    grads = tape.gradient(value, [w, b])
    with pytest.warns(UserWarning, match="Gradients do not exist"):
        keras.optimizers.SGD().apply_gradients([(grads[0], w), (None, b)])


def test_indexed_slices_gradient_from_embedding():
    layer = keras.layers.Embedding(5, 2)
    layer.build(None)
    before = layer.embeddings.numpy().copy()
    opt = keras.optimizers.SGD(1.0)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(layer(tf.constant([1, 1, 3])))
    grads = tape.gradient(loss, layer.trainable_weights)
    opt.apply_gradients(zip(grads, layer.trainable_weights))
    delta = before - layer.embeddings.numpy()
    np.testing.assert_allclose(delta[[0, 2, 4]], 0)
    np.testing.assert_allclose(delta[1], 2.0)
    np.testing.assert_allclose(delta[3], 1.0)


def test_schedule_learning_rate_property():
    schedule = keras.optimizers.schedules.ExponentialDecay(0.1, 1, 0.5)
    opt = keras.optimizers.SGD(schedule)
    w, b, loss = _problem()
    opt.minimize(loss, [w, b])
    np.testing.assert_allclose(float(opt.learning_rate), 0.05)


def test_eager_apply_updates_parameters_and_slots_in_place_and_spares_held_values():
    v = tf.Variable(np.ones((64, 64), np.float32))
    opt = tf.keras.optimizers.Adam(learning_rate=0.1)
    grad = tf.constant(np.full((64, 64), 0.5, np.float32))
    opt.apply_gradients([(grad, v)])
    opt.apply_gradients([(grad, v)])
    pointer = v._array.unsafe_buffer_pointer()
    opt.apply_gradients([(grad, v)])
    assert v._array.unsafe_buffer_pointer() == pointer  # the parameter's buffer was donated
    held = v.read_value()
    view = v.numpy()
    expected = view.copy()
    opt.apply_gradients([(grad, v)])
    np.testing.assert_array_equal(held.numpy(), expected)
    np.testing.assert_array_equal(view, expected)
    assert float(v.numpy()[0, 0]) < float(expected[0, 0])


@pytest.mark.parametrize("options", [{"use_ema": True, "ema_overwrite_frequency": 3},
                                     {"gradient_accumulation_steps": 2},
                                     {"use_ema": True, "gradient_accumulation_steps": 3}])
def test_moving_averages_and_accumulation_run_in_the_steps_one_program(options):
    from tapejax import _lazy
    _lazy.clear_cache()
    rs = np.random.RandomState(3)
    x = tf.constant(rs.randn(8, 4).astype(np.float32))
    w = tf.Variable(rs.randn(4, 2).astype(np.float32))
    opt = tf.keras.optimizers.Adam(0.01, **options)
    traced, ran = _lazy.traces["force"], _lazy.calls["force"]
    for _ in range(6):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.matmul(x, w) ** 2)
        opt.apply_gradients([(tape.gradient(loss, w), w)])
        float(loss)  # the step's forward, backward and update: one program, run once per step
    assert _lazy.traces["force"] - traced == 1 and _lazy.calls["force"] - ran == 6
    assert len(opt.variables) == 2 + 2 + options.get("use_ema", False) + bool(
        options.get("gradient_accumulation_steps"))
