"""tf.experimental.numpy (tnp): NumPy's functions and dtype rules on Tensors, with gradients.

The tests that call `experimental_enable_numpy_behavior()` run in fresh subprocesses (through the
programs runner): enabling it changes Tensors for the rest of the process, on TF as on tapejax.
"""

import textwrap

import numpy as np

from compat_tests.programs import _runner
from compat_tests.programs.test_programs import compare_results

RS = np.random.RandomState(5)
A = RS.randn(3, 4).astype(np.float32)
B = RS.randn(4, 2).astype(np.float32)


def _tnp(tf):
    return tf.experimental.numpy


def test_python_values_become_int64_and_float64_and_functions_promote_like_numpy(compare):
    def program(tf):
        tnp = _tnp(tf)
        i32, f32 = tnp.ones([2], tnp.int32), tnp.ones([2], tnp.float32)
        return [x.dtype.name for x in (
            tnp.asarray(7), tnp.asarray(7.), tnp.asarray([1, 2]), tnp.asarray(np.ones(2, np.float32)),
            tnp.ones([2]), tnp.zeros(3), tnp.full([2], 3), tnp.arange(4), tnp.arange(0., 2.),
            tnp.linspace(0, 1, 3), tnp.eye(2), tnp.add(i32, f32), tnp.add(i32, 2.5), tnp.add(i32, 2),
            tnp.add(f32, 2.5), tnp.sqrt(f32), tnp.sum(i32), tnp.mean(i32),
            tnp.divide(i32, i32), tnp.cumsum(i32), tnp.argmax(f32), tnp.dot(tnp.ones([2, 2]), f32),
            tnp.where(f32 > 0, f32, 0.), tnp.maximum(i32, 0), tnp.matmul(i32, i32))]
    compare(program)


def test_ndarray_is_tensor_and_numpy_types_are_numpys(compare):
    def program(tf):
        tnp = _tnp(tf)
        return (tnp.ndarray is tf.Tensor, isinstance(tnp.ones([2]), tnp.ndarray), tnp.float32 is np.float32,
                tnp.int64 is np.int64, tnp.newaxis is None, tnp.ones([2], dtype=tnp.float32).dtype.name,
                tnp.shape(tnp.ones([2, 3])), tnp.ndim(tnp.ones([2, 3])), tnp.size(tnp.ones([2, 3])),
                str(tnp.result_type(tnp.int32, tnp.float32)))
    compare(program)


def test_elementwise_reductions_and_shape_functions_give_numpys_values(compare):
    def program(tf):
        tnp = _tnp(tf)
        a, b = tnp.asarray(A), tnp.asarray(B)
        return [tnp.exp(a), tnp.tanh(a), tnp.abs(a), tnp.sign(a), tnp.floor(a), tnp.square(a),
                tnp.sum(a, axis=0), tnp.mean(a, axis=1, keepdims=True), tnp.max(a), tnp.amin(a, axis=1),
                tnp.std(a), tnp.var(a, axis=0), tnp.prod(a, axis=1), tnp.cumsum(a, axis=1), tnp.any(a > 1),
                tnp.all(a > -5), tnp.argmin(a, axis=0), tnp.argsort(a, axis=1), tnp.sort(a, axis=0),
                tnp.reshape(a, [2, 6]), tnp.transpose(a), tnp.swapaxes(a, 0, 1), tnp.expand_dims(a, 1),
                tnp.squeeze(tnp.ones([1, 3, 1])), tnp.ravel(a), tnp.flip(a, 1), tnp.roll(a, 1, axis=0),
                tnp.tile(b, (2, 1)), tnp.repeat(b, 2, axis=0), tnp.broadcast_to(b[0], [3, 2]),
                tnp.pad(b, [[1, 0], [0, 2]], "constant"), tnp.clip(a, -0.5, 0.5), tnp.triu(a), tnp.diagonal(a),
                tnp.trace(a), tnp.take(a, [2, 0], axis=1), tnp.concatenate([a, a], axis=0),
                tnp.stack([b, b]), tnp.hstack([b, b]), tnp.vstack([b, b]), tnp.split(a, 2, axis=1),
                tnp.matmul(a, b), tnp.dot(a, b), tnp.tensordot(a, b, 1), tnp.outer(b[:, 0], b[:, 1]),
                tnp.einsum("ij,jk->ik", a, b), tnp.where(a > 0, a, -a), tnp.meshgrid(b[:, 0], b[:, 1]),
                tnp.isclose(a, a + 1e-9), tnp.power(a, 2), tnp.arctan2(a, 1.0), tnp.true_divide(a, 3)]
    compare(program, rtol=1e-5)


def test_gradients_flow_through_numpy_functions(compare):
    def program(tf):
        tnp = _tnp(tf)
        a, b = tf.constant(A), tf.Variable(B)
        with tf.GradientTape() as tape:
            tape.watch(a)
            h = tnp.maximum(tnp.matmul(a, b), 0.0) + tnp.sin(a[:, :2])
            h = tnp.concatenate([h, tnp.transpose(tnp.exp(tnp.transpose(a))[:2])], axis=1)
            loss = tnp.sum(tnp.square(h)) + tnp.mean(tnp.clip(a, -0.5, 0.5)) + tnp.trace(tnp.dot(a, tnp.ones([4, 3], tnp.float32)))
            loss = loss + tnp.sum(tnp.where(a > 0, a, 0.5 * a)) + tnp.sum(tnp.take(a, [0, 0, 3], axis=1))
        return loss, tape.gradient(loss, [a, b])
    compare(program, rtol=1e-4)


def test_float64_math_on_integers_is_differentiable_into_float32_sources(compare):
    def program(tf):
        tnp = _tnp(tf)
        x = tf.constant([1.0, 2.0, 3.0])
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = tnp.sum(tnp.multiply(x, tnp.arange(3)) ** 2)  # float32 * int64 -> float64
        return y, tape.gradient(y, x)
    compare(program)


def test_random_draws_have_numpys_dtypes_and_the_asked_shapes(compare):
    def program(tf):
        tnp = _tnp(tf)
        tnp.random.seed(1)
        draws = [tnp.random.randn(2, 3), tnp.random.rand(4), tnp.random.uniform(size=[3]),
                 tnp.random.randint(0, 5, size=[3]), tnp.random.standard_normal(size=[2]),
                 tnp.random.random(size=[2, 2])]
        ints = draws[3].numpy()
        return [(d.dtype.name, tuple(d.shape)) for d in draws], bool(((ints >= 0) & (ints < 5)).all())
    compare(program)


def _compare_in_subprocesses(tmp_path, body):
    """Runs `body` (a program setting COMPAT_RESULTS) in fresh processes on both backends."""
    path = tmp_path / "program.py"
    path.write_text("import numpy as np\nimport tensorflow as tf\nimport tensorflow.experimental.numpy as tnp\n"
                    + textwrap.dedent(body))
    wait_tf, wait_tapejax = _runner.start(str(path), "tensorflow"), _runner.start(str(path), "tapejax")
    expected, got = wait_tf(), wait_tapejax()
    assert expected.ok, expected.error + expected.output[-2000:]
    assert got.ok, got.error + got.output[-2000:]
    compare_results(expected.results, got.results, {})


def test_numpy_behavior_promotes_operators_but_not_tf_functions(tmp_path):
    _compare_in_subprocesses(tmp_path, """
        tnp.experimental_enable_numpy_behavior()
        i32, f32 = tf.constant([1, 2]), tf.constant([1.5, 2.5])
        try:
            tf.add(i32, f32)
            add = "returned"
        except tf.errors.InvalidArgumentError as exc:
            add = type(exc).__name__
        COMPAT_RESULTS = {
            "operators": [(i32 + f32).dtype.name, (f32 * 2.5).dtype.name, (i32 + 2.5).dtype.name,
                          (i32 + 2).dtype.name, (f32 + np.ones(2)).dtype.name, (i32 / i32).dtype.name,
                          (i32 < f32).dtype.name, (tf.constant(1) - tf.constant(2, tf.int64)).dtype.name],
            "values": [i32 + f32, i32 * f32, f32 ** i32, i32 - 0.5],
            "tf_add": add, "constants": [tf.constant(1.).dtype.name, tf.constant(1).dtype.name],
        }
    """)


def test_numpy_behavior_gives_tensors_numpys_methods_and_indexing(tmp_path):
    _compare_in_subprocesses(tmp_path, """
        tnp.experimental_enable_numpy_behavior()
        x = tf.reshape(tf.range(24.), [2, 3, 4])
        with tf.GradientTape() as tape:
            tape.watch(x)
            picked = x[1, (2, 0), tnp.asarray([3, 1])] * 2.0 + x[:, (True, False, True)][:, :, 0].T.ravel()[:2]
            loss = tnp.sum(picked)
        COMPAT_RESULTS = {
            "methods": [x.T, x.reshape(-1), x.reshape(4, 6), x.reshape((6, 4)), x.astype(np.int32),
                        x.ravel(), x.flatten(), x.transpose(), x.transpose([2, 0, 1]), x.clip(3, 9), x.max(),
                        x.min(axis=0), x.mean(axis=1), +x],
            "size": x.size, "tolist": x[0].tolist(), "data": x.data,
            "indexing": [x[0, tnp.newaxis, 0:2, ...], x[:, [0, 2]], x[x > 20.], x[[1, 0]], x[..., [True, False, True, False]]],
            "picked": picked, "gradient": tape.gradient(loss, x),
        }
    """)


def test_prefer_float32_changes_python_floats_only(tmp_path):
    _compare_in_subprocesses(tmp_path, """
        tnp.experimental_enable_numpy_behavior(prefer_float32=True)
        values = [tnp.asarray(2), tnp.asarray(2.), tnp.ones(2), tnp.asarray([1., 2.]), tnp.asarray(np.ones(2)),
                  tnp.add(tnp.ones(2, tnp.int32), 2.5), tnp.add(2., 3.), tnp.sqrt(8), tnp.sqrt(tnp.asarray(8, tnp.int32)), tnp.add(2, 3), tnp.arange(3.),
                  tnp.linspace(0, 1, 3), tnp.random.randn(2)]
        first = [v.dtype.name for v in values]
        tnp.experimental_enable_numpy_behavior(prefer_float32=False)
        COMPAT_RESULTS = {"prefer": first, "back": [tnp.asarray(2.).dtype.name, tnp.add(2., 3.).dtype.name]}
    """)
