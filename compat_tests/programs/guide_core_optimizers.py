"""Follows tensorflow/docs, site/en/guide/core/optimizers_core.ipynb (commit 7c3650212740204359d4ceae481abc79345541be):
writing gradient descent, momentum and Adam as tf.Module optimizers and testing their convergence.

Written for tapejax's compat suite (not a copy of the tutorial's code); synthetic data from
_synthetic.py replaces the download; sizes shrunk.

Covers: tf.__version__, tf.random.set_seed; optimizers as tf.Module subclasses with an
apply_gradients(grads, vars) doing Variable.assign_sub (plain, with momentum, Adam with tf.Variable
moment slots, bias correction, tf.sqrt); a quartic loss and its gradient through tape.watch; a
convergence test over three learning rates (300 iterations at most, tf.math.is_nan checks, Variable ==
float comparison); the contour-grid tensors of the plot (tf.range, tf.meshgrid, tf.math.log).
"""

import tensorflow as tf

print(tf.__version__)
tf.random.set_seed(22)


class PlainDescent(tf.Module):
    def __init__(self, learning_rate=1e-3):
        self.learning_rate = learning_rate
        self.title = f"plain gradient descent, lr={learning_rate}"

    def apply_gradients(self, grads, variables):
        for g, v in zip(grads, variables):
            v.assign_sub(self.learning_rate * g)


grid_x = tf.cast(tf.linspace(-2, 2, 201), tf.float32)


def quartic(t):
    return 2 * (t ** 4) + 3 * (t ** 3) + 2


def derivative(fn, point):
    with tf.GradientTape() as rec:
        rec.watch(point)
        value = fn(point)
    return rec.gradient(value, point)


def run_until_converged(optimizer, objective, grad_of=derivative, start=2.0, limit=300):
    print(optimizer.title)
    position = tf.Variable(start)
    trail = []
    for step in range(1, limit + 1):
        g = grad_of(objective, position)
        if tf.math.is_nan(g):
            print(f"diverged at step {step}")
            return []
        before = position.numpy()
        optimizer.apply_gradients([g], [position])
        trail.append(position.numpy())
        if position == before:
            print(f"converged after {step} steps")
            return trail
    print(f"stopped after {limit} steps without converging")
    return trail


RATES = [1e-3, 1e-2, 1e-1]


def contour_data(trails, xs, objective, limit=2000):
    """The tensors the guide's contour plot is drawn from, and each trail's end point."""
    t_axis = tf.range(1.0, limit + 100.0)
    _, x_mesh = tf.meshgrid(t_axis, xs)
    log_surface = tf.math.log(objective(x_mesh))
    ends = [trail[-1] for trail in trails.values() if trail]
    return log_surface.shape, ends


plain_trails = {rate: run_until_converged(PlainDescent(learning_rate=rate), quartic) for rate in RATES}
contour_data(plain_trails, grid_x, quartic)


class WithMomentum(tf.Module):
    def __init__(self, learning_rate=1e-3, momentum=0.7):
        self.learning_rate, self.momentum = learning_rate, momentum
        self.velocity = 0.0
        self.title = f"momentum descent, lr={learning_rate}"

    def apply_gradients(self, grads, variables):
        for g, v in zip(grads, variables):
            step = self.learning_rate * g + self.momentum * self.velocity
            v.assign_sub(step)
            self.velocity = step


momentum_trails = {rate: run_until_converged(WithMomentum(learning_rate=rate), quartic, grad_of=derivative)
                   for rate in RATES}
contour_data(momentum_trails, grid_x, quartic)


class HandAdam(tf.Module):
    def __init__(self, learning_rate=1e-3, beta_1=0.9, beta_2=0.999, ep=1e-7):
        self.learning_rate, self.beta_1, self.beta_2, self.ep = learning_rate, beta_1, beta_2, ep
        self.step_count = 1.0
        self.first_moments, self.second_moments = [], []
        self.title = f"hand-written Adam, lr={learning_rate}"
        self.ready = False

    def apply_gradients(self, grads, variables):
        if not self.ready:
            for v in variables:
                self.first_moments.append(tf.Variable(tf.zeros(shape=v.shape)))
                self.second_moments.append(tf.Variable(tf.zeros(shape=v.shape)))
            self.ready = True
        for i, (g, v) in enumerate(zip(grads, variables)):
            self.first_moments[i] = self.beta_1 * self.first_moments[i] + (1 - self.beta_1) * g
            self.second_moments[i] = self.beta_2 * self.second_moments[i] + (1 - self.beta_2) * tf.square(g)
            m_hat = self.first_moments[i] / (1 - self.beta_1 ** self.step_count)
            v_hat = self.second_moments[i] / (1 - self.beta_2 ** self.step_count)
            v.assign_sub(self.learning_rate * (m_hat / (tf.sqrt(v_hat) + self.ep)))
        self.step_count += 1.0


adam_trails = {rate: run_until_converged(HandAdam(learning_rate=rate), quartic) for rate in RATES}
surface_shape, adam_ends = contour_data(adam_trails, grid_x, quartic)

COMPAT_RESULTS = {
    "plain": {str(k): v[-5:] for k, v in plain_trails.items()},
    "momentum": {str(k): v[-5:] for k, v in momentum_trails.items()},
    "adam": {str(k): v[-5:] for k, v in adam_trails.items()},
    "trail_lengths": [len(m[k]) for m in (plain_trails, momentum_trails, adam_trails) for k in m],
    "surface_shape": surface_shape, "adam_ends": adam_ends,
}
# Deterministic (no random numbers): the printed convergence messages must match too.
COMPAT_COMPARE = {"__stdout__": "lines"}
