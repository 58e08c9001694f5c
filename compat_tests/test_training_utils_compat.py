"""Ops training loops use around gradients: clipping, norms, top-k, segment sums, sequence tools."""

import numpy as np

RS = np.random.RandomState(11)
A = RS.randn(3, 4).astype(np.float32)
B = RS.randn(4).astype(np.float32)


def test_clip_by_norm_value_and_gradient(compare):
    def program(tf):
        x = tf.constant(A)
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = tf.clip_by_norm(x, 1.5)
            z = tf.clip_by_norm(x, 1.5, axes=[1])
            loss = tf.reduce_sum(y * y) + tf.reduce_sum(z * tf.constant(A))
        return y, z, tape.gradient(loss, x)
    compare(program, rtol=1e-5)


def test_clip_by_global_norm(compare):
    def program(tf):
        a, b = tf.constant(A), tf.constant(B)
        clipped, norm = tf.clip_by_global_norm([a, None, b], 2.0)
        unclipped, norm2 = tf.clip_by_global_norm([a * 0.01], 100.0)
        return clipped, norm, unclipped, norm2, tf.linalg.global_norm([a, b])
    compare(program, rtol=1e-5)


def test_top_k(compare):
    def program(tf):
        x = tf.constant(A)
        with tf.GradientTape() as tape:
            tape.watch(x)
            values, indices = tf.math.top_k(x, k=2)
            loss = tf.reduce_sum(values * values)
        return values, indices, tape.gradient(loss, x)
    compare(program)


def test_unsorted_segment_sum_and_segment_sum(compare):
    def program(tf):
        x = tf.constant(A)
        with tf.GradientTape() as tape:
            tape.watch(x)
            s = tf.math.unsorted_segment_sum(x, tf.constant([1, 0, 1]), 3)
            t = tf.math.segment_sum(x, tf.constant([0, 0, 1]))
            loss = tf.reduce_sum(s * s) + tf.reduce_sum(t)
        return s, t, tape.gradient(loss, x)
    compare(program)


def test_complex_parts(compare):
    def program(tf):
        z = tf.constant([1.0 + 2.0j, -0.5 + 0.25j], dtype=tf.complex64)
        with tf.GradientTape(persistent=True) as tape:
            tape.watch(z)
            outs = [tf.math.real(z), tf.math.imag(z), tf.math.conj(z), tf.math.angle(z), z * z,
                    tf.math.real(z * tf.math.conj(z))]
        return outs, [tape.gradient(o, z) for o in outs]
    compare(program, rtol=1e-5)
