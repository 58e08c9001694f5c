"""More Keras layers on TF 2.21's Keras 3 and on tapejax, with the same weights (set from NumPy):
outputs, gradients with respect to inputs and weights, output shapes of symbolic calls."""

import numpy as np
import pytest

from compat_tests._harness import raises, skip_on_eigen_tf

RS = np.random.RandomState(3)
X3 = RS.randn(2, 7, 3).astype(np.float32)
X4 = RS.randn(2, 6, 5, 3).astype(np.float32)
X2 = RS.randn(4, 3).astype(np.float32)
XA = RS.randn(2, 3, 4).astype(np.float32)
XB = RS.randn(2, 3, 4).astype(np.float32)
DATA = RS.randn(10, 3, 4).astype(np.float32) * 3 + 1


def _weights_for(layer):
    rs = np.random.RandomState(17)
    return [rs.randn(*w.shape).astype(np.float32) * 0.4 for w in layer.weights]


def _run(tf, layer, x, training=None):
    """Output, d(sum(out * w))/d(input) and the weights' gradients."""
    x = tf.constant(x)
    if not layer.built:
        layer.build(tuple(x.shape))
    if layer.weights:
        layer.set_weights(_weights_for(layer))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = layer(x) if training is None else layer(x, training=training)
        outs = y if isinstance(y, (list, tuple)) else [y]
        loss = tf.add_n([tf.reduce_sum(o * tf.constant(np.linspace(-1, 1, int(np.prod(o.shape)),
                                                                   dtype=np.float32)
                                                       .reshape(o.shape))) for o in outs])
    grads = tape.gradient(loss, [x] + list(layer.trainable_weights))
    return list(outs) + [tf.convert_to_tensor(g) for g in grads]


def _symbolic_shape(tf, layer_factory, shape):
    layer = layer_factory()
    out = layer(tf.keras.Input(shape))
    return [tuple(o.shape) for o in out] if isinstance(out, (list, tuple)) else tuple(out.shape)


CASES_3D = [
    ("Conv1D", dict(filters=4, kernel_size=3)),
    ("Conv1D", dict(filters=2, kernel_size=2, strides=2, padding="same", activation="relu")),
    ("Conv1D", dict(filters=3, kernel_size=3, padding="causal", dilation_rate=2)),
    ("Conv1DTranspose", dict(filters=2, kernel_size=3, strides=2)),
    ("Conv1DTranspose", dict(filters=2, kernel_size=3, strides=2, padding="same")),
    ("MaxPooling1D", {}), ("MaxPooling1D", dict(pool_size=3, strides=1, padding="same")),
    ("AveragePooling1D", dict(pool_size=2)), ("AveragePooling1D", dict(pool_size=3, strides=2)),
    ("GlobalAveragePooling1D", {}), ("GlobalMaxPooling1D", dict(keepdims=True)),
    ("ZeroPadding1D", dict(padding=2)), ("ZeroPadding1D", dict(padding=(1, 3))),
    ("Cropping1D", dict(cropping=(1, 2))), ("UpSampling1D", dict(size=3)),
    ("Permute", dict(dims=(2, 1))), ("LeakyReLU", {}), ("LeakyReLU", dict(negative_slope=0.1)),
    ("ELU", dict(alpha=0.5)), ("PReLU", {}), ("PReLU", dict(shared_axes=[1])),
    ("Softmax", dict(axis=1)), ("ReLU", dict(max_value=0.5, negative_slope=0.1)),
    ("Rescaling", dict(scale=1 / 255.0, offset=-0.5)), ("Identity", {}),
    ("SpatialDropout1D", dict(rate=0.5)), ("GaussianNoise", dict(stddev=0.3)),
    ("SimpleRNN", dict(units=4)), ("SimpleRNN", dict(units=3, return_sequences=True,
                                                     activation="relu")),
    ("SimpleRNN", dict(units=2, return_state=True, go_backwards=True)),
    ("LSTM", dict(units=4)), ("LSTM", dict(units=3, return_sequences=True, return_state=True)),
    ("LSTM", dict(units=2, use_bias=False, go_backwards=True)),
    ("GRU", dict(units=4)), ("GRU", dict(units=3, return_sequences=True, return_state=True)),
    ("GRU", dict(units=2, reset_after=False)),
]


@pytest.mark.parametrize("cls,kwargs", CASES_3D)
def test_sequence_layer_output_and_gradients(compare, cls, kwargs):
    def program(tf):
        return _run(tf, getattr(tf.keras.layers, cls)(**kwargs), X3)
    compare(program, rtol=2e-5, atol=2e-5)


@pytest.mark.parametrize("cls,kwargs", CASES_3D)
def test_sequence_layer_symbolic_output_shape(compare, cls, kwargs):
    def program(tf):
        return _symbolic_shape(tf, lambda: getattr(tf.keras.layers, cls)(**kwargs), (7, 3))
    compare(program)


CASES_4D = [
    ("Conv2DTranspose", dict(filters=2, kernel_size=3)),
    ("Conv2DTranspose", dict(filters=3, kernel_size=3, strides=2, padding="same")),
    ("Conv2DTranspose", dict(filters=2, kernel_size=2, strides=(2, 3), activation="relu")),
    ("Conv2DTranspose", dict(filters=2, kernel_size=3, strides=2, use_bias=False)),
    ("Conv2DTranspose", dict(filters=2, kernel_size=3, strides=2, output_padding=1)),
    ("Conv2DTranspose", dict(filters=2, kernel_size=3, dilation_rate=2)),
    ("ZeroPadding2D", {}), ("ZeroPadding2D", dict(padding=((1, 0), (2, 1)))),
    ("Cropping2D", dict(cropping=((1, 0), (2, 1)))), ("Cropping2D", dict(cropping=1)),
    ("UpSampling2D", {}), ("UpSampling2D", dict(size=(1, 3))), ("GlobalMaxPool2D", {}),
    ("SpatialDropout2D", dict(rate=0.3)), ("PReLU", dict(shared_axes=[1, 2])),
]


@pytest.mark.parametrize("cls,kwargs", CASES_4D)
def test_image_layer_output_and_gradients(compare, cls, kwargs):
    if kwargs.get("dilation_rate", 1) != 1:
        skip_on_eigen_tf("dilated Conv2D backprop")
    def program(tf):
        return _run(tf, getattr(tf.keras.layers, cls)(**kwargs), X4)
    compare(program, rtol=2e-5, atol=2e-5)


@pytest.mark.parametrize("cls,kwargs", CASES_4D)
def test_image_layer_symbolic_output_shape(compare, cls, kwargs):
    def program(tf):
        return _symbolic_shape(tf, lambda: getattr(tf.keras.layers, cls)(**kwargs), (6, 5, 3))
    compare(program)


def test_rnn_initial_state_and_default_weights_layout(compare):
    def program(tf):
        out = []
        for cls, states in (("SimpleRNN", 1), ("LSTM", 2), ("GRU", 1)):
            layer = getattr(tf.keras.layers, cls)(3, return_state=True)
            layer.build((None, 7, 3))
            layer.set_weights(_weights_for(layer))
            init = [tf.constant(np.full((2, 3), 0.1 * (i + 1), np.float32)) for i in range(states)]
            out += layer(tf.constant(X3), initial_state=init)
            out += [[w.name for w in layer.weights], [tuple(w.shape) for w in layer.weights]]
        lstm = tf.keras.layers.LSTM(2)
        lstm.build((None, 7, 3))
        out.append(lstm.weights[2].numpy())  # unit_forget_bias: ones in the forget block
        return out
    compare(program, rtol=2e-5, atol=2e-5)


def test_rnn_layers_train_in_a_model_like_tf(compare):
    def program(tf):
        model = tf.keras.Sequential([tf.keras.Input((7, 3)),
                                     tf.keras.layers.LSTM(4, return_sequences=True),
                                     tf.keras.layers.GRU(3), tf.keras.layers.Dense(1)])
        model.set_weights([np.random.RandomState(i).randn(*w.shape).astype(np.float32) * 0.3
                           for i, w in enumerate(model.weights)])
        model.compile(optimizer=tf.keras.optimizers.Adam(0.01), loss="mse")
        y = np.linspace(-1, 1, 2).reshape(2, 1).astype(np.float32)
        history = model.fit(X3, y, epochs=3, batch_size=2, verbose=0, shuffle=False)
        return [history.history["loss"], model.predict(X3, verbose=0)]
    compare(program, rtol=1e-4, atol=1e-5)


def test_noise_and_dropout_layers_are_identity_in_inference(compare):
    def program(tf):
        x = tf.constant(X4)
        return [tf.keras.layers.GaussianNoise(0.5)(x), tf.keras.layers.SpatialDropout2D(0.5)(x),
                tf.keras.layers.GaussianDropout(0.4)(x, training=False),
                tf.keras.layers.SpatialDropout1D(0.9)(tf.constant(X3), training=False)]
    compare(program)


def test_spatial_dropout_drops_whole_channels_in_training(tf):
    y = tf.keras.layers.SpatialDropout2D(0.5, seed=1)(tf.constant(np.ones((4, 3, 3, 8), np.float32)),
                                                      training=True).numpy()
    per_channel = y.reshape(4, 9, 8)
    assert np.all(per_channel.min(axis=1) == per_channel.max(axis=1))
    assert set(np.unique(y)) <= {0.0, 2.0}


def test_gaussian_noise_adds_noise_in_training(tf):
    y = tf.keras.layers.GaussianNoise(0.5, seed=2)(tf.constant(np.zeros((2000,), np.float32)),
                                                   training=True).numpy()
    assert 0.45 < y.std() < 0.55 and abs(y.mean()) < 0.05


@pytest.mark.parametrize("cls", ["Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum",
                                 "Concatenate"])
def test_merge_layer_output_gradients_and_symbolic_shape(compare, cls):
    def program(tf):
        a, b = tf.constant(XA), tf.constant(XB)
        layer = getattr(tf.keras.layers, cls)()
        with tf.GradientTape() as tape:
            tape.watch([a, b])
            y = layer([a, b])
            loss = tf.reduce_sum(y * y)
        symbolic = getattr(tf.keras.layers, cls)()([tf.keras.Input((3, 4)), tf.keras.Input((3, 4))])
        return [y, tape.gradient(loss, [a, b]), tuple(symbolic.shape)]
    compare(program, rtol=1e-5, atol=1e-6)


def test_merge_functional_helpers_build_models(compare):
    def program(tf):
        L = tf.keras.layers
        i1, i2 = tf.keras.Input((4,)), tf.keras.Input((4,))
        outs = [L.add([i1, i2]), L.subtract([i1, i2]), L.multiply([i1, i2]), L.average([i1, i2]),
                L.maximum([i1, i2]), L.minimum([i1, i2]), L.concatenate([i1, i2]),
                L.dot([i1, i2], axes=1), L.dot([i1, i2], axes=1, normalize=True)]
        model = tf.keras.Model([i1, i2], outs)
        return model([XA[:, 0], XB[:, 0]])
    compare(program, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("axes,normalize", [(2, False), ((1, 1), False), ((2, 2), True),
                                            (-1, False)])
def test_dot_layer_matches(compare, axes, normalize):
    def program(tf):
        a, b = tf.constant(XA), tf.constant(XB)
        with tf.GradientTape() as tape:
            tape.watch([a, b])
            y = tf.keras.layers.Dot(axes=axes, normalize=normalize)([a, b])
            loss = tf.reduce_sum(y * y)
        return [y, tape.gradient(loss, [a, b])]
    compare(program, rtol=1e-5, atol=1e-6)


def test_merge_layers_reject_bad_inputs(compare):
    def program(tf):
        out = []
        for call in (lambda: tf.keras.layers.Subtract()([tf.constant(X2)] * 3),):
            try:
                call()
            except ValueError as err:
                out.append(type(err).__name__)
        return out
    compare(program)


def test_lambda_repeat_vector_and_permute_in_a_functional_model(compare):
    def program(tf):
        inputs = tf.keras.Input((3,))
        h = tf.keras.layers.Lambda(lambda t, k: t * k, arguments={"k": 2.0})(inputs)
        r = tf.keras.layers.RepeatVector(4)(h)
        p = tf.keras.layers.Permute((2, 1))(r)
        model = tf.keras.Model(inputs, [r, p])
        return [model(X2), tuple(r.shape), tuple(p.shape)]
    compare(program)


@pytest.mark.parametrize("kwargs", [{}, dict(axis=None), dict(axis=(1, 2)), dict(invert=True)])
def test_normalization_adapt_on_numpy_and_call(compare, kwargs):
    def program(tf):
        layer = tf.keras.layers.Normalization(**kwargs)
        data = DATA
        layer.adapt(data)
        return [layer(XA), [w.numpy() for w in layer.weights], [w.name for w in layer.weights]]
    compare(program, rtol=1e-5, atol=1e-5)


def test_normalization_adapt_on_batches_and_tensors(compare):
    data = np.random.RandomState(9).randn(12, 4).astype(np.float32) * 2 - 1

    def program(tf):
        a = tf.keras.layers.Normalization()
        a.adapt([data[:5], data[5:]])
        b = tf.keras.layers.Normalization()
        b.adapt(tf.constant(data))
        c = tf.keras.layers.Normalization(mean=[1.0, 2.0, 3.0, 4.0], variance=[1.0, 4.0, 9.0, 0.0])
        return [a(data[:3]), b(data[:3]), c(data[:3]), a.weights[0].numpy(), b.weights[1].numpy()]
    compare(program, rtol=1e-5, atol=1e-5)


def test_normalization_without_adapt_or_stats(compare):
    def program(tf):
        try:
            tf.keras.layers.Normalization(mean=1.0)
        except ValueError as err:
            first = str(err)
        return [first, tf.keras.layers.Normalization()(X2)]
    compare(program)


def test_conv1d_and_transposed_conv_train_in_a_model_like_tf(compare):
    def program(tf):
        model = tf.keras.Sequential([
            tf.keras.Input((6, 5, 3)), tf.keras.layers.Conv2DTranspose(2, 3, strides=2),
            tf.keras.layers.LeakyReLU(), tf.keras.layers.ZeroPadding2D(1),
            tf.keras.layers.Conv2D(2, 3, strides=2), tf.keras.layers.GlobalAveragePooling2D(),
            tf.keras.layers.Dense(1)])
        model.set_weights([np.random.RandomState(i).randn(*w.shape).astype(np.float32) * 0.3
                           for i, w in enumerate(model.weights)])
        model.compile(optimizer="sgd", loss="mse")
        history = model.fit(X4, np.ones((2, 1), np.float32), epochs=3, verbose=0, shuffle=False)
        return [history.history["loss"], model.get_weights()]
    compare(program, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("rnn,kwargs", [
    ("LSTM", dict(merge_mode="concat")), ("GRU", dict(merge_mode="sum")),
    ("SimpleRNN", dict(merge_mode="ave")), ("LSTM", dict(merge_mode="mul")),
    ("GRU", dict(merge_mode=None)), ("LSTM", dict(merge_mode="concat", seq=True)),
    ("LSTM", dict(merge_mode="concat", state=True)), ("GRU", dict(merge_mode=None, seq=True,
                                                                   state=True)),
])
def test_bidirectional_output_gradients_and_weights(compare, rnn, kwargs):
    def program(tf):
        kw = dict(kwargs)
        inner = getattr(tf.keras.layers, rnn)(3, return_sequences=kw.pop("seq", False),
                                              return_state=kw.pop("state", False), name="r")
        layer = tf.keras.layers.Bidirectional(inner, **kw)
        out = _run(tf, layer, X3)
        symbolic = layer.__class__(inner, **kw)(tf.keras.Input((7, 3)))
        shapes = [tuple(s.shape) for s in symbolic] if isinstance(symbolic, (list, tuple)) \
            else tuple(symbolic.shape)
        return out + [[w.name for w in layer.weights], shapes,
                      layer.forward_layer.name, layer.backward_layer.go_backwards]
    compare(program, rtol=2e-5, atol=2e-5)


@pytest.mark.parametrize("inner", ["Dense(4, activation='relu')", "Conv1D(2, 2)", "Flatten()"])
def test_time_distributed_output_gradients_and_shape(compare, inner):
    def program(tf):
        x = np.random.RandomState(4).randn(2, 5, 4, 3).astype(np.float32)
        layer = tf.keras.layers.TimeDistributed(eval("tf.keras.layers." + inner))
        out = _run(tf, layer, x)
        symbolic = tf.keras.layers.TimeDistributed(eval("tf.keras.layers." + inner))(
            tf.keras.Input((5, 4, 3)))
        return out + [tuple(symbolic.shape), len(layer.weights)]
    compare(program, rtol=2e-5, atol=2e-5)


@pytest.mark.parametrize("cls,kwargs,x", [
    ("DepthwiseConv2D", dict(kernel_size=3), X4),
    ("DepthwiseConv2D", dict(kernel_size=2, depth_multiplier=2, strides=2, padding="same"), X4),
    ("DepthwiseConv2D", dict(kernel_size=3, dilation_rate=2, activation="relu"), X4),
    ("SeparableConv2D", dict(filters=4, kernel_size=3), X4),
    ("SeparableConv2D", dict(filters=2, kernel_size=2, depth_multiplier=3, padding="same",
                             strides=2, use_bias=False), X4),
    ("DepthwiseConv1D", dict(kernel_size=3, depth_multiplier=2), X3),
    ("SeparableConv1D", dict(filters=3, kernel_size=2, padding="same"), X3),
    ("ActivityRegularization", dict(l1=0.1, l2=0.01), X3),
])
def test_depthwise_separable_layers_output_gradients_and_shape(compare, cls, kwargs, x):
    def program(tf):
        layer = getattr(tf.keras.layers, cls)(**kwargs)
        out = _run(tf, layer, x)
        symbolic = getattr(tf.keras.layers, cls)(**kwargs)(tf.keras.Input(x.shape[1:]))
        return out + [tuple(symbolic.shape), [w.name for w in layer.weights], list(layer.losses)]
    compare(program, rtol=2e-5, atol=2e-5)


IDS = np.array([[3, 1, 4, 0, 0], [2, 5, 0, 0, 0], [1, 2, 3, 4, 5]], np.int32)


@pytest.mark.parametrize("body", [
    "LSTM(3)", "GRU(3, return_sequences=True)", "SimpleRNN(2, go_backwards=True)",
    "LSTM(2, return_sequences=True), tf.keras.layers.LSTM(3)",
    "Bidirectional(tf.keras.layers.LSTM(2, return_sequences=True))",
    "Bidirectional(tf.keras.layers.GRU(2), merge_mode='sum')",
    "GlobalAveragePooling1D()", "Dense(3), tf.keras.layers.GlobalAveragePooling1D()",
    "Dropout(0.5), tf.keras.layers.GRU(2, return_state=False)"])
def test_embedding_mask_zero_reaches_recurrent_and_pooling_layers(compare, body):
    def program(tf):
        layers = eval(f"[tf.keras.layers.{body}]")
        model = tf.keras.Sequential([tf.keras.Input((5,), dtype="int32"),
                                     tf.keras.layers.Embedding(6, 4, mask_zero=True)] + layers)
        model.set_weights([np.random.RandomState(i).randn(*w.shape).astype(np.float32) * 0.5
                           for i, w in enumerate(model.weights)])
        x = tf.constant(IDS)
        with tf.GradientTape() as tape:
            y = model(x)
            loss = tf.reduce_sum(y * y)
        return [y, [tf.convert_to_tensor(g) for g in tape.gradient(loss, model.trainable_weights)]]
    compare(program, rtol=2e-5, atol=2e-5)


def test_masked_text_classifier_trains_like_tf(compare):
    def program(tf):
        model = tf.keras.Sequential([
            tf.keras.Input((5,), dtype="int32"), tf.keras.layers.Embedding(6, 4, mask_zero=True),
            tf.keras.layers.Bidirectional(tf.keras.layers.LSTM(3)),
            tf.keras.layers.Dense(1, activation="sigmoid")])
        model.set_weights([np.random.RandomState(i).randn(*w.shape).astype(np.float32) * 0.5
                           for i, w in enumerate(model.weights)])
        model.compile(optimizer=tf.keras.optimizers.SGD(0.5, momentum=0.5),
                      loss="binary_crossentropy", metrics=["accuracy"])
        history = model.fit(IDS, np.array([1.0, 0.0, 1.0], np.float32), epochs=3, verbose=0,
                            shuffle=False)
        return [history.history, model.predict(IDS, verbose=0)]
    compare(program, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("kwargs", [dict(filters=4, kernel_size=3, groups=3),
                                    dict(filters=6, kernel_size=2, groups=3, strides=2,
                                         padding="same", activation="relu")])
def test_grouped_conv2d_output_and_gradients(compare, kwargs):
    @raises("ValueError", optional_=True)
    def program(tf):
        return _run(tf, tf.keras.layers.Conv2D(**kwargs), X4)
    compare(program, rtol=2e-5, atol=2e-5)


Q = RS.randn(2, 4, 6).astype(np.float32)
V = RS.randn(2, 5, 3).astype(np.float32)
AMASK = RS.rand(2, 4, 5) > 0.3


@pytest.mark.parametrize("kwargs,call", [
    (dict(num_heads=2, key_dim=3), "self"),
    (dict(num_heads=3, key_dim=2, value_dim=4), "cross"),
    (dict(num_heads=2, key_dim=3, output_shape=5, use_bias=False), "cross_key"),
    (dict(num_heads=2, key_dim=2), "scores"),
    (dict(num_heads=2, key_dim=3), "causal"),
    (dict(num_heads=1, key_dim=4, dropout=0.5), "mask"),
])
def test_multi_head_attention_output_scores_and_gradients(compare, kwargs, call):
    def program(tf):
        layer = tf.keras.layers.MultiHeadAttention(**kwargs)
        q, v = tf.constant(Q), tf.constant(V)
        key = tf.constant(V[..., :2])

        def run():
            if call == "self":
                return layer(q, q)
            if call == "cross":
                return layer(q, v)
            if call == "cross_key":
                return layer(q, v, key)
            if call == "scores":
                return layer(q, v, return_attention_scores=True)
            if call == "causal":
                return layer(q, q, use_causal_mask=True)
            return layer(q, v, attention_mask=tf.constant(AMASK))
        run()
        layer.set_weights([np.random.RandomState(i).randn(*w.shape).astype(np.float32) * 0.4
                           for i, w in enumerate(layer.weights)])
        with tf.GradientTape() as tape:
            tape.watch([q, v])
            out = run()
            outs = list(out) if isinstance(out, tuple) else [out]
            loss = tf.add_n([tf.reduce_sum(o * o) for o in outs])
        grads = tape.gradient(loss, [q, v] + layer.trainable_weights)
        return outs + [None if g is None else tf.convert_to_tensor(g) for g in grads] + [
            [w.name for w in layer.weights], [tuple(w.shape) for w in layer.weights]]
    compare(program, rtol=1e-4, atol=1e-5)


def test_multi_head_attention_uses_the_inputs_keras_masks(compare):
    def program(tf):
        inputs = tf.keras.Input((5,), dtype="int32")
        x = tf.keras.layers.Embedding(6, 4, mask_zero=True)(inputs)
        y = tf.keras.layers.MultiHeadAttention(2, 2)(x, x)
        model = tf.keras.Model(inputs, y)
        model.set_weights([np.random.RandomState(i).randn(*w.shape).astype(np.float32) * 0.4
                           for i, w in enumerate(model.weights)])
        return model(tf.constant(IDS))
    compare(program, rtol=1e-4, atol=1e-5)


def test_transformer_block_trains_like_tf(compare):
    def program(tf):
        L = tf.keras.layers
        inputs = tf.keras.Input((4, 6))
        attn = L.MultiHeadAttention(num_heads=2, key_dim=3)(inputs, inputs)
        h = L.LayerNormalization(epsilon=1e-6)(L.Add()([inputs, attn]))
        ff = L.Dense(6)(L.Dense(8, activation="relu")(h))
        h = L.LayerNormalization(epsilon=1e-6)(L.Add()([h, ff]))
        out = L.Dense(1)(L.GlobalAveragePooling1D()(h))
        model = tf.keras.Model(inputs, out)
        model.set_weights([np.random.RandomState(i).randn(*w.shape).astype(np.float32) * 0.3
                           for i, w in enumerate(model.weights)])
        model.compile(optimizer=tf.keras.optimizers.Adam(0.01), loss="mse")
        history = model.fit(Q, np.array([[0.5], [-0.5]], np.float32), epochs=3, verbose=0,
                            shuffle=False)
        return [history.history["loss"], model.predict(Q, verbose=0)]
    compare(program, rtol=1e-4, atol=1e-5)


def test_masking_layer_masks_padded_steps_for_an_lstm(compare):
    def program(tf):
        x = X3.copy()
        x[0, 4:] = 0.0
        x[1, 2:] = 0.0
        model = tf.keras.Sequential([tf.keras.Input((7, 3)), tf.keras.layers.Masking(),
                                     tf.keras.layers.LSTM(3, return_sequences=True)])
        model.set_weights([np.random.RandomState(i).randn(*w.shape).astype(np.float32) * 0.5
                           for i, w in enumerate(model.weights)])
        return [model(x), tf.keras.layers.Masking()(tf.constant(x))]
    compare(program, rtol=2e-5, atol=2e-5)


@pytest.mark.parametrize("cls,kwargs,x", [
    ("GroupNormalization", dict(groups=3), X4), ("GroupNormalization", dict(groups=1), X3),
    ("GroupNormalization", dict(groups=3, center=False, epsilon=1e-5), X3),
    ("GroupNormalization", dict(groups=2), X4), ("UnitNormalization", {}, X3),
    ("UnitNormalization", dict(axis=[1, 2]), X4),
])
def test_group_and_unit_normalization(compare, cls, kwargs, x):
    @raises("ValueError", optional_=True)
    def program(tf):
        return _run(tf, getattr(tf.keras.layers, cls)(**kwargs), x)
    compare(program, rtol=2e-5, atol=2e-5)
