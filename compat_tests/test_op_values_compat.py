"""Op values and gradients on fixed inputs, on TF and tapejax: including TF's kink conventions."""

import numpy as np
import pytest

from compat_tests import _harness as H

RS = np.random.RandomState(5)
V = RS.uniform(-1, 1, (2, 3)).astype(np.float32)
P = RS.uniform(0.5, 1.5, (2, 3)).astype(np.float32)
KINK = np.array([-1.0, 0.0, 1.0, 6.0, 2.0], np.float32)
SPD = (lambda a: (a @ a.T + 3 * np.eye(3)).astype(np.float32))(RS.randn(3, 3))

# name -> (program body `f(tf, *tensors)`, inputs)
OPS = {
    "abs_at_zero": (lambda tf, x: tf.abs(x), [KINK]),
    "sign": (lambda tf, x: tf.sign(x), [KINK]),
    "relu_at_zero": (lambda tf, x: tf.nn.relu(x), [KINK]),
    "relu6_edges": (lambda tf, x: tf.nn.relu6(x), [KINK]),
    "leaky_relu_at_zero": (lambda tf, x: tf.nn.leaky_relu(x, 0.3), [KINK]),
    "elu": (lambda tf, x: tf.nn.elu(x), [KINK]),
    "selu": (lambda tf, x: tf.nn.selu(x), [KINK]),
    "gelu": (lambda tf, x: tf.nn.gelu(x), [KINK]),
    "gelu_approx": (lambda tf, x: tf.nn.gelu(x, approximate=True), [KINK]),
    "softplus": (lambda tf, x: tf.nn.softplus(x), [KINK]),
    "maximum_tie": (lambda tf, x: tf.maximum(x, 1.0), [KINK]),
    "minimum_tie": (lambda tf, x: tf.minimum(x, 1.0), [KINK]),
    "clip_edges": (lambda tf, x: tf.clip_by_value(x, 0.0, 2.0), [KINK]),
    "reduce_max_ties": (lambda tf, x: tf.reduce_max(x), [np.array([0.0, 0.5, 0.5], np.float32)]),
    "xlogy_zero": (lambda tf, x: tf.math.xlogy(x, x), [np.array([0.0, 1.0, 2.0], np.float32)]),
    "floormod": (lambda tf, x: tf.math.floormod(x, 1.0), [P * 2.5]),
    "pow": (lambda tf, x: x ** 3.0 + tf.pow(2.0, x), [V]),
    "sqrt_log_exp": (lambda tf, x: tf.sqrt(x) + tf.math.log(x) * tf.exp(-x), [P]),
    "trig": (lambda tf, x: tf.sin(x) * tf.cos(x) + tf.tanh(x) + tf.sigmoid(x), [V]),
    "rsqrt_reciprocal": (lambda tf, x: tf.math.rsqrt(x) + tf.math.reciprocal(x), [P]),
    "divide": (lambda tf, x, y: x / y - y // 0.7, [V, P]),
    "squared_difference": (lambda tf, x, y: tf.math.squared_difference(x, y), [V, P]),
    "reductions": (lambda tf, x: tf.stack([tf.reduce_sum(x), tf.reduce_mean(x), tf.reduce_prod(x),
                                           tf.reduce_logsumexp(x), tf.math.reduce_std(x),
                                           tf.math.reduce_variance(x), tf.reduce_min(x)]), [V]),
    "reduce_axes": (lambda tf, x: tf.reduce_sum(x, axis=1, keepdims=True) * tf.reduce_mean(x, axis=0),
                    [V]),
    "softmax": (lambda tf, x: tf.nn.softmax(x) * tf.nn.log_softmax(x, axis=0), [V]),
    "sigmoid_xent": (lambda tf, x: tf.nn.sigmoid_cross_entropy_with_logits(
        labels=tf.constant(np.array([[0, 1, 0.5], [1, 0, 0.2]], np.float32)), logits=x * 5.0), [V]),
    "softmax_xent": (lambda tf, x: tf.nn.softmax_cross_entropy_with_logits(
        labels=tf.constant(np.array([[0, 1, 0], [0.5, 0.5, 0]], np.float32)), logits=x), [V]),
    "sparse_xent": (lambda tf, x: tf.nn.sparse_softmax_cross_entropy_with_logits(
        labels=tf.constant([2, 0]), logits=x), [V]),
    "l2_loss": (lambda tf, x: tf.nn.l2_loss(x), [V]),
    "matmul_flags": (lambda tf, a, b: tf.matmul(a, b, transpose_a=True) + tf.transpose(tf.matmul(
        b, a, adjoint_a=True)), [V, P]),
    "broadcast_mismatch": (lambda tf, a, b: a[:, :2] + b, [V, P]),
    "matvec": (lambda tf, a, b: tf.linalg.matvec(a, b[0]), [V, P]),
    "linalg": (lambda tf, a: tf.stack([tf.linalg.det(a), tf.linalg.trace(tf.linalg.inv(a)),
                                       tf.reduce_sum(tf.linalg.cholesky(a)),
                                       tf.reduce_sum(tf.linalg.solve(a, a[:, :1]))]), [SPD]),
    "einsum": (lambda tf, a, b: tf.einsum("ij,kj->ik", a, b), [V, P]),
    "reshape_transpose": (lambda tf, x: tf.transpose(tf.reshape(x, [3, 2])) * 2.0, [V]),
    "concat_stack_split": (lambda tf, x, y: tf.concat(tf.split(tf.stack([x, y], 0), 2, axis=0)[::-1],
                                                      axis=0), [V, P]),
    "squeeze_expand_tile": (lambda tf, x: tf.tile(tf.squeeze(tf.expand_dims(x, 0), [0]), [2, 1]), [V]),
    "broadcast_to": (lambda tf, x: tf.broadcast_to(x[0], [4, 3]), [V]),
    "gather_dense": (lambda tf, x: tf.convert_to_tensor(tf.gather(x, [1, 1, 0])), [V]),
    "gather_axis1": (lambda tf, x: tf.gather(x, [2, 0], axis=1), [V]),
    "gather_nd": (lambda tf, x: tf.gather_nd(x, [[1, 2], [0, 0]]), [V]),
    "where": (lambda tf, x: tf.where(x > 0, x * x, -x), [V]),
    "cast": (lambda tf, x: tf.cast(tf.cast(x, tf.float64) * 2.0, tf.float32), [V]),
    "slicing": (lambda tf, x: x[:, 1:] * x[0, :2] + x[-1, ::-1][:2], [V]),
    "conv_pool": (lambda tf, x: tf.nn.max_pool2d(tf.nn.conv2d(
        tf.reshape(x, [1, 2, 3, 1]), tf.ones([2, 2, 1, 2]), 1, "SAME"), 2, 1, "SAME"), [V]),
}


@pytest.mark.parametrize("name", sorted(OPS))
def test_value_and_gradient(name):
    body, inputs = OPS[name]

    @H.raises("InvalidArgumentError", optional_=True)
    def program(tf):
        tensors = [tf.constant(a) for a in inputs]
        with tf.GradientTape() as tape:
            tape.watch(tensors)
            y = body(tf, *tensors)
        grads = tape.gradient(y, tensors)
        return y, [g if g is None else tf.convert_to_tensor(g) for g in grads]

    H.compare(program, rtol=2e-5, atol=1e-5)


def test_creation_ops(compare):
    def program(tf):
        return [tf.zeros([2, 3]), tf.ones(3, dtype=tf.int64), tf.fill([2], 7), tf.zeros_like(tf.constant(V)),
                tf.ones_like(tf.constant([1, 2])), tf.eye(3, 2), tf.range(5), tf.range(1.0, 2.0, 0.25),
                tf.linspace(0.0, 1.0, 5), tf.one_hot([0, 2], 3), tf.shape(tf.constant(V)),
                tf.one_hot([1], 2, on_value=5, off_value=-1)]
    compare(program)


def test_bad_inputs_raise_tf_errors(compare):
    for bad, raises in ((lambda tf: tf.matmul(tf.ones([2, 3]), tf.ones([2, 3])), "InvalidArgumentError"),
                        (lambda tf: tf.reshape(tf.ones([2, 3]), [4]), "InvalidArgumentError"),
                        (lambda tf: tf.gather(tf.ones([2, 3]), [5]), "InvalidArgumentError"),
                        (lambda tf: tf.nn.sparse_softmax_cross_entropy_with_logits(labels=[3], logits=tf.ones([1, 3])),
                         "InvalidArgumentError"),
                        (lambda tf: tf.ones([2]) + tf.ones([2], tf.float64), "InvalidArgumentError"),
                        (lambda tf: tf.constant(1) * 2.5, "TypeError"),
                        (lambda tf: tf.constant([1.0, 2.0])[5], "InvalidArgumentError")):
        compare(bad, messages=False, raises=raises)
