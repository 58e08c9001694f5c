"""Follows tensorflow/docs, site/en/guide/advanced_autodiff.ipynb (commit 7c3650212740204359d4ceae481abc79345541be):
controlling what a GradientTape records, custom gradients, several and nested tapes, Jacobians.

Written for tapejax's compat suite (not a copy of the tutorial's code); synthetic data from
_synthetic.py replaces the download; sizes shrunk.

Covers: tape.stop_recording, tape.reset, tf.stop_gradient, tf.custom_gradient with tf.clip_by_norm,
a tf.Module method under tf.function(input_signature=[tf.TensorSpec(None)]) saved with
tf.saved_model.save(..., options=tf.saved_model.SaveOptions(experimental_custom_gradients=True)) and
reloaded, two tapes side by side, second derivatives, the gradient of an input-gradient norm with
respect to Dense variables, tape.jacobian (scalar source, kernel source, Hessian of a two-layer net),
a Newton step via tf.linalg.solve, tape.batch_jacobian, tf.einsum diagonal selection, tf.pad, and a
BatchNormalization layer between two elu Dense layers.
"""

import tensorflow as tf

# --- Part 1: keeping operations off the tape ---
a = tf.Variable(2.0)
b = tf.Variable(3.0)
with tf.GradientTape() as rec:
    a_term = a * a
    with rec.stop_recording():
        b_term = b * b
    total = a_term + b_term
grads = rec.gradient(total, {"a": a, "b": b})
print("d/da:", grads["a"], "d/db:", grads["b"])

a = tf.Variable(2.0)
b = tf.Variable(3.0)
with tf.GradientTape() as rec:
    b_term = b * b
    rec.reset()  # forget b_term's recording
    total = a * a + b_term
grads = rec.gradient(total, {"a": a, "b": b})
print("after reset d/da:", grads["a"], "d/db:", grads["b"])

a = tf.Variable(2.0)
b = tf.Variable(3.0)
with tf.GradientTape() as rec:
    total = a ** 2 + tf.stop_gradient(b ** 2)
grads = rec.gradient(total, {"a": a, "b": b})
print("stop_gradient d/da:", grads["a"], "d/db:", grads["b"])


# --- Part 2: a custom gradient that clips on the way back ---
@tf.custom_gradient
def identity_with_clipped_grad(value):
    def grad_fn(upstream):
        return tf.clip_by_norm(upstream, 0.5)
    return value, grad_fn


w = tf.Variable(2.0)
with tf.GradientTape() as rec:
    clipped_out = identity_with_clipped_grad(w * w)
print("clipped gradient:", rec.gradient(clipped_out, w))


class ClipHolder(tf.Module):
    @tf.function(input_signature=[tf.TensorSpec(None)])
    def apply_clip(self, value):
        return identity_with_clipped_grad(value)


holder = ClipHolder()
save_opts = tf.saved_model.SaveOptions(experimental_custom_gradients=True)
tf.saved_model.save(holder, "clip_export", options=save_opts)
restored = tf.saved_model.load("clip_export")
w = tf.Variable(2.0)
with tf.GradientTape() as rec:
    restored_out = restored.apply_clip(w * w)
restored_grad = rec.gradient(restored_out, w)
print("restored clipped gradient:", restored_grad)

# --- Part 3: two tapes watching different inputs ---
p = tf.constant(0.0)
q = tf.constant(0.0)
with tf.GradientTape() as tape_p, tf.GradientTape() as tape_q:
    tape_p.watch(p)
    tape_q.watch(q)
    combined = tf.reduce_sum(tf.math.sin(p) + tf.nn.sigmoid(q))
grad_p = tape_p.gradient(combined, p).numpy()
grad_q = tape_q.gradient(combined, q).numpy()

# --- Part 4: higher-order gradients ---
c = tf.Variable(1.0)
with tf.GradientTape() as outer:
    with tf.GradientTape() as inner:
        cube = c * c * c
    first = inner.gradient(cube, c)
second = outer.gradient(first, c)
print("first:", first.numpy(), "second:", second.numpy())

inputs = tf.random.normal([7, 5])
dense = tf.keras.layers.Dense(10, activation=tf.nn.relu)
with tf.GradientTape() as outer:
    with tf.GradientTape(watch_accessed_variables=False) as inner:
        inner.watch(inputs)
        activations = dense(inputs)
        energy = tf.reduce_sum(dense(inputs) ** 2)
    input_grad = inner.gradient(energy, inputs)
    input_grad_norm = tf.norm(input_grad)
norm_grads = outer.gradient(input_grad_norm, dense.trainable_variables)
norm_grad_shapes = [g.shape for g in norm_grads]

# --- Part 5: Jacobians ---
grid = tf.linspace(-10.0, 10.0, 200 + 1)
shift = tf.Variable(0.0)
with tf.GradientTape() as rec:
    curve = tf.nn.sigmoid(grid + shift)
curve_vs_shift = rec.jacobian(curve, shift)
print(curve.shape, curve_vs_shift.shape)

inputs = tf.random.normal([7, 5])
dense = tf.keras.layers.Dense(10, activation=tf.nn.relu)
with tf.GradientTape(persistent=True) as rec:
    out = dense(inputs)
kernel_jac = rec.jacobian(out, dense.kernel)
kernel_grad = rec.gradient(out, dense.kernel)
gap = tf.reduce_max(abs(kernel_grad - tf.reduce_sum(kernel_jac, axis=[0, 1]))).numpy()
assert gap < 1e-3
print("kernel_grad shape:", kernel_grad.shape, "gap:", gap)

# Hessian of a small net's loss with respect to its first kernel, then one Newton step.
feats = tf.random.normal([7, 5])
first_layer = tf.keras.layers.Dense(8, activation=tf.nn.relu)
second_layer = tf.keras.layers.Dense(6, activation=tf.nn.relu)
with tf.GradientTape() as outer:
    with tf.GradientTape() as inner:
        hidden = second_layer(first_layer(feats))
        mse = tf.reduce_mean(hidden ** 2)
    kernel_g = inner.gradient(mse, first_layer.kernel)
hessian = outer.jacobian(kernel_g, first_layer.kernel)
print(f"kernel {first_layer.kernel.shape}, hessian {hessian.shape}")

num_params = tf.reduce_prod(first_layer.kernel.shape)
grad_column = tf.reshape(kernel_g, [num_params, 1])
hessian_matrix = tf.reshape(hessian, [num_params, num_params])
damping = tf.eye(hessian_matrix.shape[0]) * 1e-3
newton_step = tf.linalg.solve(hessian_matrix + damping, grad_column)
first_layer.kernel.assign_sub(tf.reshape(newton_step, first_layer.kernel.shape))


def patch_layout(jac):
    """Rearranges a [batch, out, batch, in] Jacobian into one padded 2-D image (the plot's data)."""
    swapped = tf.transpose(jac, [1, 0, 3, 2])
    bound = tf.reduce_max(abs(swapped))
    padded = tf.pad(swapped, [[0, 0], [1, 1], [0, 0], [1, 1]], constant_values=-bound)
    dims = padded.shape
    return tf.reshape(padded, [dims[0] * dims[1], dims[2] * dims[3]])


# --- Part 6: batch Jacobians ---
feats = tf.random.normal([7, 5])
elu_a = tf.keras.layers.Dense(8, activation=tf.nn.elu)
elu_b = tf.keras.layers.Dense(6, activation=tf.nn.elu)
with tf.GradientTape(persistent=True, watch_accessed_variables=False) as rec:
    rec.watch(feats)
    net_out = elu_b(elu_a(feats))
full_jac = rec.jacobian(net_out, feats)
patches = patch_layout(full_jac)
summed = tf.reduce_sum(full_jac, axis=2)
diagonal = tf.einsum("bxby->bxy", full_jac)
per_example = rec.batch_jacobian(net_out, feats)
mismatch = tf.reduce_max(abs(per_example - summed))
assert mismatch < 1e-3
print(summed.shape, diagonal.shape, mismatch.numpy())

feats = tf.random.normal([7, 5])
elu_a = tf.keras.layers.Dense(8, activation=tf.nn.elu)
norm_layer = tf.keras.layers.BatchNormalization()
elu_b = tf.keras.layers.Dense(6, activation=tf.nn.elu)
with tf.GradientTape(persistent=True, watch_accessed_variables=False) as rec:
    rec.watch(feats)
    net_out = elu_b(norm_layer(elu_a(feats), training=True))
full_jac = rec.jacobian(net_out, feats)
patch_layout(full_jac)
per_example = rec.batch_jacobian(net_out, feats)
print(f"jacobian {full_jac.shape}, batch jacobian {per_example.shape}")

COMPAT_RESULTS = {
    "second_derivative": second, "curve_vs_shift": curve_vs_shift, "norm_grad_shapes": norm_grad_shapes,
    "hessian_shape": hessian.shape, "hessian_matrix_shape": hessian_matrix.shape,
    "newton_step_shape": newton_step.shape, "summed_shape": summed.shape, "diagonal_shape": diagonal.shape,
    "full_jac": full_jac, "per_example": per_example, "restored_grad": restored_grad,
    "grad_p": grad_p, "grad_q": grad_q, "patches_shape": patches.shape,
    "batch_matches_sum": bool(tf.reduce_max(abs(per_example - tf.reduce_sum(full_jac, axis=2))) < 1e-3),
}
# Inputs come from tf.random.normal and kernels from each framework's initialiser: shapes only.
COMPAT_COMPARE = {"full_jac": {"shape_only": True}, "per_example": {"shape_only": True}}
