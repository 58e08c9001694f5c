"""Benchmark workloads, written once against a TF-like module (`tensorflow` or `tapejax`).

Each `build_<name>(m)` returns `step()` running one training/autodiff step on module `m` and
returning something to block on; `jax_<name>()` is the hand-written `jax.jit` peer.
"""

from __future__ import annotations

import numpy as np


def _rs():
    return np.random.RandomState(0)


# -- scalar_square ------------------------------------------------------------------------------
def build_scalar_square(m):
    x = m.Variable(3.0)

    def step():
        with m.GradientTape() as tape:
            y = x ** 2
        return tape.gradient(y, x)

    return step


def jax_scalar_square():
    import jax
    f = jax.jit(jax.grad(lambda x: x ** 2))
    x = np.float32(3.0)
    return lambda: f(x)


# -- MLPs with SGD ------------------------------------------------------------------------------
def _mlp_data(batch, sizes):
    rs = _rs()
    x = rs.randn(batch, sizes[0]).astype(np.float32)
    y = rs.randn(batch, sizes[-1]).astype(np.float32)
    ws = [(rs.randn(a, b) * np.sqrt(2.0 / a)).astype(np.float32) for a, b in zip(sizes, sizes[1:])]
    bs = [np.zeros(b, np.float32) for b in sizes[1:]]
    return x, y, ws, bs


def _build_mlp(m, batch, sizes, lr=0.01):
    x0, y0, w0, b0 = _mlp_data(batch, sizes)
    x, y = m.constant(x0), m.constant(y0)
    ws = [m.Variable(w) for w in w0]
    bs = [m.Variable(b) for b in b0]
    variables = ws + bs

    def step():
        with m.GradientTape() as tape:
            h = x
            for i, (w, b) in enumerate(zip(ws, bs)):
                h = m.matmul(h, w) + b
                if i < len(ws) - 1:
                    h = m.nn.relu(h)
            loss = m.reduce_mean((h - y) ** 2)
        grads = tape.gradient(loss, variables)
        for v, g in zip(variables, grads):
            v.assign_sub(lr * g)
        return loss

    step.variables = variables
    return step


def _jax_mlp(batch, sizes, lr=0.01):
    import jax
    import jax.numpy as jnp
    x0, y0, w0, b0 = _mlp_data(batch, sizes)

    def loss_fn(params, x, y):
        h = x
        for i, (w, b) in enumerate(params):
            h = h @ w + b
            if i < len(params) - 1:
                h = jax.nn.relu(h)
        return jnp.mean((h - y) ** 2)

    @jax.jit
    def update(params, x, y):
        loss, grads = jax.value_and_grad(loss_fn)(params, x, y)
        return loss, jax.tree_util.tree_map(lambda p, g: p - lr * g, params, grads)

    state = {"params": [(jnp.asarray(w), jnp.asarray(b)) for w, b in zip(w0, b0)]}
    x, y = jnp.asarray(x0), jnp.asarray(y0)

    def step():
        loss, state["params"] = update(state["params"], x, y)
        return loss

    return step


def _torch_mlp(batch, sizes, lr=0.01):
    import torch
    x0, y0, w0, b0 = _mlp_data(batch, sizes)
    x, y = torch.from_numpy(x0), torch.from_numpy(y0)
    ps = [torch.tensor(a, requires_grad=True) for pair in zip(w0, b0) for a in pair]

    def step():
        h = x
        n = len(ps) // 2
        for i in range(n):
            h = h @ ps[2 * i] + ps[2 * i + 1]
            if i < n - 1:
                h = torch.relu(h)
        loss = ((h - y) ** 2).mean()
        grads = torch.autograd.grad(loss, ps)
        with torch.no_grad():
            for p, g in zip(ps, grads):
                p -= lr * g
        return loss.detach()

    return step


def build_mlp_small(m):
    return _build_mlp(m, 32, [32, 64, 64, 1])


def jax_mlp_small():
    return _jax_mlp(32, [32, 64, 64, 1])


def torch_mlp_small():
    return _torch_mlp(32, [32, 64, 64, 1])


def build_mlp_large(m):
    return _build_mlp(m, 256, [784, 1024, 1024, 10])


def jax_mlp_large():
    return _jax_mlp(256, [784, 1024, 1024, 10])


def torch_mlp_large():
    return _torch_mlp(256, [784, 1024, 1024, 10])


# -- jacobian_256 -------------------------------------------------------------------------------
def _jac_data():
    rs = _rs()
    return (rs.randn(256, 256) / 16).astype(np.float32), rs.randn(256).astype(np.float32)


def build_jacobian_256(m):
    w0, x0 = _jac_data()
    w, x = m.constant(w0), m.constant(x0)

    def step():
        with m.GradientTape() as tape:
            tape.watch(x)
            y = m.tanh(m.linalg.matvec(w, x))
        return tape.jacobian(y, x)

    return step


def jax_jacobian_256():
    import jax
    import jax.numpy as jnp
    w0, x0 = _jac_data()
    f = jax.jit(jax.jacrev(lambda x, w: jnp.tanh(w @ x)))
    w, x = jnp.asarray(w0), jnp.asarray(x0)
    return lambda: f(x, w)


# -- hvp_64 -------------------------------------------------------------------------------------
def _hvp_data():
    rs = _rs()
    return ((rs.randn(64, 64) / 8).astype(np.float32), rs.randn(64).astype(np.float32),
            rs.randn(64).astype(np.float32))


def build_hvp_64(m):
    a0, x0, v0 = _hvp_data()
    a, x, v = m.constant(a0), m.constant(x0), m.constant(v0)

    def step():
        with m.GradientTape() as outer:
            outer.watch(x)
            with m.GradientTape() as inner:
                inner.watch(x)
                y = m.reduce_sum(m.sin(m.linalg.matvec(a, x)) ** 2)
            g = inner.gradient(y, x)
            gv = m.reduce_sum(g * v)
        return outer.gradient(gv, x)

    return step


def jax_hvp_64():
    import jax
    import jax.numpy as jnp
    a0, x0, v0 = _hvp_data()

    def f(x, a):
        return jnp.sum(jnp.sin(a @ x) ** 2)

    hvp = jax.jit(lambda x, a, v: jax.grad(lambda x: jnp.vdot(jax.grad(f)(x, a), v))(x))
    a, x, v = jnp.asarray(a0), jnp.asarray(x0), jnp.asarray(v0)
    return lambda: hvp(x, a, v)


# -- cnn_small ----------------------------------------------------------------------------------
def _cnn_data():
    rs = _rs()
    x = rs.randn(64, 32, 32, 3).astype(np.float32)
    labels = rs.randint(0, 10, 64).astype(np.int32)
    k1 = (rs.randn(3, 3, 3, 16) * np.sqrt(2 / 27)).astype(np.float32)
    k2 = (rs.randn(3, 3, 16, 32) * np.sqrt(2 / 144)).astype(np.float32)
    wd = (rs.randn(8 * 8 * 32, 10) * np.sqrt(1 / 2048)).astype(np.float32)
    return x, labels, [k1, np.zeros(16, np.float32), k2, np.zeros(32, np.float32), wd,
                       np.zeros(10, np.float32)]


def build_cnn_small(m, lr=0.01):
    x0, l0, p0 = _cnn_data()
    x, labels = m.constant(x0), m.constant(l0)
    ps = [m.Variable(p) for p in p0]

    def step():
        k1, b1, k2, b2, wd, bd = ps
        with m.GradientTape() as tape:
            h = m.nn.relu(m.nn.conv2d(x, k1, 1, "SAME") + b1)
            h = m.nn.max_pool2d(h, 2, 2, "VALID")
            h = m.nn.relu(m.nn.conv2d(h, k2, 1, "SAME") + b2)
            h = m.nn.max_pool2d(h, 2, 2, "VALID")
            logits = m.matmul(m.reshape(h, (64, -1)), wd) + bd
            loss = m.reduce_mean(m.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits))
        grads = tape.gradient(loss, ps)
        for v, g in zip(ps, grads):
            v.assign_sub(lr * g)
        return loss

    step.variables = ps
    return step


def jax_cnn_small(lr=0.01):
    import jax
    import jax.numpy as jnp
    x0, l0, p0 = _cnn_data()

    def pool(h):  # window == stride: a reshape and a max (XLA CPU's reduce_window gradient is slow)
        n, hh, ww, c = h.shape
        return h.reshape(n, hh // 2, 2, ww // 2, 2, c).max(axis=(2, 4))

    def loss_fn(ps, x, labels):
        k1, b1, k2, b2, wd, bd = ps
        dn = ("NHWC", "HWIO", "NHWC")
        h = jax.nn.relu(jax.lax.conv_general_dilated(x, k1, (1, 1), "SAME", dimension_numbers=dn) + b1)
        h = pool(h)
        h = jax.nn.relu(jax.lax.conv_general_dilated(h, k2, (1, 1), "SAME", dimension_numbers=dn) + b2)
        h = pool(h)
        logits = h.reshape(64, -1) @ wd + bd
        logp = jax.nn.log_softmax(logits)
        return -jnp.mean(jnp.take_along_axis(logp, labels[:, None], axis=1))

    @jax.jit
    def update(ps, x, labels):
        loss, grads = jax.value_and_grad(loss_fn)(ps, x, labels)
        return loss, [p - lr * g for p, g in zip(ps, grads)]

    state = {"ps": [jnp.asarray(p) for p in p0]}
    x, labels = jnp.asarray(x0), jnp.asarray(l0)

    def step():
        loss, state["ps"] = update(state["ps"], x, labels)
        return loss

    return step


# -- lstm_100: a Keras LSTM over 100 steps, forward and backward, SGD ---------------------------
def _lstm_data(batch=16, steps=100, features=8, units=32):
    rs = _rs()
    x = rs.randn(batch, steps, features).astype(np.float32)
    kernel = (rs.randn(features, 4 * units) * np.sqrt(1 / features)).astype(np.float32)
    recurrent = (rs.randn(units, 4 * units) * np.sqrt(1 / units)).astype(np.float32)
    bias = np.zeros(4 * units, np.float32)
    bias[units:2 * units] = 1.0  # Keras' unit_forget_bias
    return x, [kernel, recurrent, bias]


def build_lstm_100(m, lr=0.01):
    x0, p0 = _lstm_data()
    x = m.constant(x0)
    layer = m.keras.layers.LSTM(p0[1].shape[0])
    layer(x[:1])  # build, then start from the shared weights
    layer.set_weights(p0)
    variables = layer.trainable_variables

    def step():
        with m.GradientTape() as tape:
            loss = m.reduce_mean(layer(x) ** 2)
        grads = tape.gradient(loss, variables)
        for v, g in zip(variables, grads):
            v.assign_sub(lr * g)
        return loss

    step.variables = variables
    return step


def jax_lstm_100(lr=0.01):
    import jax
    import jax.numpy as jnp
    x0, p0 = _lstm_data()
    units = p0[1].shape[0]

    def loss_fn(ps, x):
        kernel, recurrent, bias = ps
        inputs = jnp.einsum("btf,fg->tbg", x, kernel) + bias  # Keras' gate order: i, f, c, o

        def cell(carry, z):
            h, c = carry
            z = z + h @ recurrent
            i, f, g, o = (z[:, k * units:(k + 1) * units] for k in range(4))
            c = jax.nn.sigmoid(f) * c + jax.nn.sigmoid(i) * jnp.tanh(g)
            h = jax.nn.sigmoid(o) * jnp.tanh(c)
            return (h, c), None

        zeros = jnp.zeros((x.shape[0], units), x.dtype)
        (h, _), _ = jax.lax.scan(cell, (zeros, zeros), inputs)
        return jnp.mean(h ** 2)

    @jax.jit
    def update(ps, x):
        loss, grads = jax.value_and_grad(loss_fn)(ps, x)
        return loss, [p - lr * g for p, g in zip(ps, grads)]

    state = {"ps": [jnp.asarray(p) for p in p0]}
    x = jnp.asarray(x0)

    def step():
        loss, state["ps"] = update(state["ps"], x)
        return loss

    return step


WORKLOADS = ["scalar_square", "mlp_small", "mlp_large", "jacobian_256", "hvp_64", "cnn_small", "lstm_100"]
