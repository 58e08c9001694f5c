"""Follows tensorflow/docs, site/en/guide/tf_numpy.ipynb (commit 7c3650212740204359d4ceae481abc79345541be):
NumPy-style programming on TF tensors with tf.experimental.numpy (the guide's first half).
Written for tapejax's compat suite (not a copy of the tutorial's code); no download is needed; sizes shrunk.
The guide's DLPack/PyTorch interoperability and timing parts are left out, as is its plot.

Covers: importing tensorflow.experimental.numpy, experimental_enable_numpy_behavior (with
prefer_float32 True and False), ND-array attributes (shape, ndim, dtype, device, .T, .reshape),
isinstance against tf.Tensor, dtype promotion between int32/int64/float32/float64, dtype inference
of asarray, broadcasting, basic/boolean/advanced indexing with tnp.newaxis, the TypeError on item
assignment, a two-layer model on tnp.random.randn / matmul / maximum, NumPy functions on ND arrays
and tnp functions on np.ndarrays, mixing tnp and np operands.
"""

import timeit  # noqa: F401  (the guide times things later; the timings are left out)

import numpy as np
import tensorflow as tf
import tensorflow.experimental.numpy as tnp

print("TF version:", tf.__version__)
tnp.experimental_enable_numpy_behavior()

grid = tnp.ones([4, 6], dtype=tnp.float32)
print("shape=%s ndim=%s dtype=%s device=%s" % (grid.shape, grid.ndim, grid.dtype, grid.device))
print("a tf.Tensor? %s" % isinstance(grid, tf.Tensor))
print("transposed: %s, flattened: %s" % (grid.T.shape, grid.reshape(-1).shape))


def promotion_table():
    """(left, right, result) dtype names for every pair of the four basic dtypes."""
    scalars = [tnp.asarray(3, dtype=kind) for kind in (tnp.int32, tnp.int64, tnp.float32, tnp.float64)]
    table = []
    for pos, left in enumerate(scalars):
        for right in scalars[pos + 1:]:
            table.append((left.dtype.name, right.dtype.name, (left + right).dtype.name))
    return table


for left_name, right_name, result_name in promotion_table():
    print(f"{left_name} with {right_name} gives {result_name}")

print("int literal ->", tnp.asarray(7).dtype.name, "| float literal ->", tnp.asarray(7.).dtype.name)

tnp.experimental_enable_numpy_behavior(prefer_float32=True)
print("prefer_float32=True:", tnp.asarray(2.).dtype.name, tnp.add(2., 3.).dtype.name)
tnp.experimental_enable_numpy_behavior(prefer_float32=False)
print("prefer_float32=False:", tnp.asarray(2.).dtype.name, tnp.add(2., 3.).dtype.name)

summed = tnp.ones([3, 4]) + tnp.ones([4]) + tnp.ones([2, 1, 1])
print("broadcast result shape:", summed.shape)

counting = tnp.arange(30).reshape(2, 3, 5)
basic_pick = counting[0, tnp.newaxis, 0:2, ...]
print(basic_pick)
print(counting[:, (False, True, True)])
fancy_pick = counting[0, (2, 1, 1), tnp.asarray([4, 0, 3])]
print(fancy_pick)

try:
    tnp.arange(5)[2] = 9
except TypeError:
    print("ND arrays cannot be assigned to in place.")


class TwoLayerNet:
    """Hidden ReLU layer then a linear read-out; weights drawn on the first call."""

    def __init__(self, hidden=16, outputs=3):
        self.hidden, self.outputs, self.params = hidden, outputs, None

    def __call__(self, batch):
        if self.params is None:
            fan_in = batch.shape[1]
            scale = tnp.sqrt(fan_in).astype(tnp.float32)
            self.params = (tnp.random.randn(fan_in, self.hidden).astype(tnp.float32) / scale,
                           tnp.random.randn(self.hidden).astype(tnp.float32),
                           tnp.random.randn(self.hidden, self.outputs).astype(tnp.float32) / 4)
        first, shift, second = self.params
        hidden = tnp.maximum(tnp.matmul(batch, first) + shift, 0)
        return tnp.matmul(hidden, second)


net = TwoLayerNet()
print(net(tnp.ones([3, 8], dtype=tnp.float32)).shape)

numpy_total = np.sum(tnp.ones([3, 2]))
print("np.sum of an ND array:", float(numpy_total))
tnp_total = tnp.sum(np.ones([3, 2]))
print("tnp.sum of an np.ndarray:", float(tnp_total))

heights = 170 + 5 * tnp.random.randn(1, 500)  # the guide plots a histogram of such draws
mixed = tnp.ones([3]) * np.full([3], 2.0)
print("mixed:", mixed)

COMPAT_RESULTS = {
    "promotions": [row[2] for row in promotion_table()],
    "inferred": [tnp.asarray(7).dtype.name, tnp.asarray(7.).dtype.name],
    "broadcast": summed.shape,
    "indexing": [basic_pick, fancy_pick],
    "predict_shape": net(tnp.ones([3, 8], dtype=tnp.float32)).shape,
    "np_sum": float(numpy_total), "tnp_sum": tnp_total, "mixed": mixed,
}
