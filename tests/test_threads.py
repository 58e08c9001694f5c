"""Threads: each thread's tapes, traces, Variable interception and name scopes are its own (as TF's)."""

import threading

import numpy as np

import tapejax as tf
from tapejax import _context

TIMEOUT = 60


def _run_in_thread(target):
    errors = []

    def wrapped():
        try:
            target()
        except BaseException as err:  # noqa: BLE001 - reported by the test
            errors.append(err)

    thread = threading.Thread(target=wrapped)
    thread.start()
    return thread, errors


def _concrete_variables(function, *args):
    concrete, _ = function._concrete_for(args, {}, args)
    return {v._id for v in concrete.variables}


def test_an_eager_assign_in_one_thread_is_not_swallowed_by_another_threads_trace():
    w = tf.Variable(2.0)
    own = tf.Variable(3.0)
    tracing, assigned = threading.Event(), threading.Event()

    @tf.function
    def f(x):
        y = x * own
        tracing.set()
        assert assigned.wait(TIMEOUT)
        return y

    thread, errors = _run_in_thread(lambda: f(tf.constant(1.0)))
    assert tracing.wait(TIMEOUT)
    w.assign(5.0)
    assigned.set()
    thread.join(TIMEOUT)
    assert not errors
    assert w.numpy() == 5.0
    assert _concrete_variables(f, tf.constant(1.0)) == {own._id}


def test_an_eager_read_in_one_thread_is_not_lifted_by_another_threads_trace():
    other = tf.Variable(7.0)
    own = tf.Variable(3.0)
    tracing, read = threading.Event(), threading.Event()
    seen = []

    @tf.function
    def f(x):
        y = x * own
        tracing.set()
        assert read.wait(TIMEOUT)
        return y

    thread, errors = _run_in_thread(lambda: f(tf.constant(1.0)))
    assert tracing.wait(TIMEOUT)
    seen.append(float(other.numpy()))
    seen.append(float((other * 2.0).numpy()))
    read.set()
    thread.join(TIMEOUT)
    assert not errors
    assert seen == [7.0, 14.0]
    assert _concrete_variables(f, tf.constant(1.0)) == {own._id}


def test_a_variable_created_in_another_thread_during_a_trace_does_not_enter_it():
    tracing, created = threading.Event(), threading.Event()
    made = []

    @tf.function
    def f(x):
        tracing.set()
        assert created.wait(TIMEOUT)
        return x + 1.0

    thread, errors = _run_in_thread(lambda: f(tf.constant(1.0)))
    assert tracing.wait(TIMEOUT)
    made.append(tf.Variable(4.0))  # a second-call creation inside f would raise ValueError
    created.set()
    thread.join(TIMEOUT)
    assert not errors
    assert made[0].numpy() == 4.0
    assert f(tf.constant(2.0)).numpy() == 3.0


def test_name_scopes_are_per_thread():
    inside, named = threading.Event(), threading.Event()
    names = {}

    def scoped():
        with tf.name_scope("outer"):
            names["scoped"] = tf.Variable(1.0, name="a").name
            inside.set()
            assert named.wait(TIMEOUT)

    thread, errors = _run_in_thread(scoped)
    assert inside.wait(TIMEOUT)
    names["plain"] = tf.Variable(1.0, name="b").name
    named.set()
    thread.join(TIMEOUT)
    assert not errors
    assert names == {"scoped": "outer/a:0", "plain": "b:0"}


def test_a_new_thread_starts_with_no_tape_trace_or_interception():
    states = []
    with tf.GradientTape(), tf.name_scope("here"):
        def look():
            c = _context.current
            states.append((c.recording, c.read_hook, c.write_hook, c.trace, c.name_scopes, c.rng_hook))
        thread, errors = _run_in_thread(look)
        thread.join(TIMEOUT)
    assert not errors
    assert states == [([], None, None, None, [], None)]


def _train(seed, steps=6):
    """A small Keras model trained with Adam by a tf.function step: its final weights."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((16, 4)).astype(np.float32)
    y = rng.standard_normal((16, 1)).astype(np.float32)
    model = tf.keras.Sequential([tf.keras.layers.Dense(8, activation="tanh"), tf.keras.layers.Dense(1)])
    model.build((None, 4))
    model.set_weights([rng.standard_normal(w.shape).astype(np.float32) * 0.5 for w in model.get_weights()])
    optimizer = tf.keras.optimizers.Adam(0.05)

    @tf.function
    def step(xb, yb):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(model(xb) - yb))
        optimizer.apply_gradients(zip(tape.gradient(loss, model.trainable_variables),
                                      model.trainable_variables))
        return loss

    for _ in range(steps):
        step(tf.constant(x), tf.constant(y))
    return [w for w in model.get_weights()]


def test_four_threads_each_training_its_own_model_get_the_single_threaded_weights():
    expected = [_train(seed) for seed in range(4)]
    results = [None] * 4
    start = threading.Barrier(4, timeout=TIMEOUT)

    def worker(i):
        start.wait()
        results[i] = _train(i)

    threads = [_run_in_thread(lambda i=i: worker(i)) for i in range(4)]
    for thread, _ in threads:
        thread.join(4 * TIMEOUT)
    assert [e for _, errs in threads for e in errs] == []
    for got, want in zip(results, expected):
        assert len(got) == len(want)
        for g, w in zip(got, want):
            np.testing.assert_array_equal(g, w)


def test_concurrent_assign_adds_on_one_variable_lose_no_update_and_donation_resumes_after():
    v = tf.Variable(np.zeros((64, 64), np.float32))
    v.assign_add(tf.ones((64, 64)))  # this thread counts as a Variable user

    def work():
        for _ in range(40):
            v.assign_add(tf.ones((64, 64)))

    started = [_run_in_thread(work) for _ in range(3)]
    for thread, errors in started:
        thread.join(TIMEOUT)
        assert not errors, errors
    np.testing.assert_array_equal(v.numpy(), np.full((64, 64), 121.0, np.float32))  # 1 + 3 * 40
    del started, thread, errors
    import gc
    gc.collect()  # the workers' contexts (and their counts) go with them
    assert _context.shared.variable_threads == 1 and _context.donation_allowed()
    pointer = v._array.unsafe_buffer_pointer()
    v.assign_add(tf.ones((64, 64)))
    assert v._array.unsafe_buffer_pointer() == pointer  # in place again, one thread left


def test_a_parallel_dataset_map_that_updates_a_variable_counts_every_element():
    counter = tf.Variable(0.0)

    def count(x):
        counter.assign_add(1.0)
        return tf.cast(x, tf.float32) * 2.0

    dataset = tf.data.Dataset.range(300).map(count, num_parallel_calls=4).prefetch(4)
    for _ in range(2):
        assert sum(float(e) for e in dataset) == 2.0 * sum(range(300))
    assert float(counter.numpy()) == 600.0  # a tapejax.function per element, none lost
