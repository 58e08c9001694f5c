"""keras.layers.Attention and AdditiveAttention on TF 2.21's Keras 3 and on tapejax: outputs and
attention scores (dot and concat scores, scale, masks, causal masks, three inputs), gradients,
functional models and fit, configs and errors."""

import numpy as np
import pytest

RS = np.random.RandomState(8)
Q = RS.randn(2, 3, 4).astype(np.float32)
V = RS.randn(2, 5, 4).astype(np.float32)
K = RS.randn(2, 5, 4).astype(np.float32)
Q_MASK = np.array([[True, True, False], [True, False, True]])
V_MASK = np.array([[True, True, True, False, False], [True, False, True, True, True]])
SCALE = RS.randn(4).astype(np.float32)

CASES = {
    "dot": ("Attention()", {}),
    "dot_scaled_with_key": ("Attention(use_scale=True)", {"key": True}),
    "concat": ("Attention(score_mode='concat')", {}),
    "concat_scaled": ("Attention(score_mode='concat', use_scale=True)", {"key": True}),
    "value_mask": ("Attention()", {"mask": [None, V_MASK]}),
    "both_masks": ("Attention()", {"mask": [Q_MASK, V_MASK]}),
    "causal": ("Attention()", {"causal": True, "same_length": True}),
    "causal_with_value_mask": ("Attention()", {"causal": True, "same_length": True, "mask": [None, V_MASK[:, :3]]}),
    "additive": ("AdditiveAttention()", {"set_scale": True}),
    "additive_unscaled_masked": ("AdditiveAttention(use_scale=False)", {"mask": [Q_MASK, V_MASK], "key": True}),
}


def _call(tf, make, options, q, v, k):
    layer = eval("tf.keras.layers." + make)
    inputs = [tf.constant(q), tf.constant(v)] + ([tf.constant(k)] if options.get("key") else [])
    kwargs = {"return_attention_scores": True}
    if options.get("mask") is not None:
        kwargs["mask"] = [None if m is None else tf.constant(m) for m in options["mask"]]
    if options.get("causal"):
        kwargs["use_causal_mask"] = True
    if options.get("set_scale"):
        layer.build([q.shape, v.shape])
        layer.set_weights([SCALE])
    return layer, inputs, kwargs


@pytest.mark.parametrize("case", sorted(CASES))
def test_outputs_and_scores_match_keras(compare, case):
    make, options = CASES[case]

    def program(tf):
        v = V[:, :3] if options.get("same_length") else V
        k = K[:, :3] if options.get("same_length") else K
        layer, inputs, kwargs = _call(tf, make, options, Q, v, k)
        out, scores = layer(inputs, **kwargs)
        return [out, scores, [w.name for w in layer.weights]]
    compare(program, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("case", ["dot_scaled_with_key", "concat_scaled", "additive", "both_masks"])
def test_gradients_flow_to_the_inputs_and_weights(compare, case):
    make, options = CASES[case]

    def program(tf):
        layer, inputs, kwargs = _call(tf, make, options, Q, V, K)
        kwargs["return_attention_scores"] = False
        with tf.GradientTape() as tape:
            tape.watch(inputs)
            y = tf.reduce_sum(layer(inputs, **kwargs) ** 2)
        return tape.gradient(y, inputs + list(layer.trainable_weights))
    compare(program, rtol=1e-4, atol=1e-5)


def test_a_functional_model_with_attention_trains_as_keras(compare):
    def program(tf):
        q_in = tf.keras.Input((3, 4))
        v_in = tf.keras.Input((5, 4))
        att = tf.keras.layers.Attention(use_scale=True)([q_in, v_in])
        out = tf.keras.layers.Dense(1)(tf.keras.layers.Flatten()(att))
        model = tf.keras.Model([q_in, v_in], out)
        rs = np.random.RandomState(1)
        model.set_weights([np.ones((), np.float32), rs.randn(12, 1).astype(np.float32),
                           np.zeros(1, np.float32)])
        model.compile(optimizer=tf.keras.optimizers.SGD(0.05), loss="mse")
        y = rs.randn(2, 1).astype(np.float32)
        history = model.fit([Q, V], y, epochs=3, batch_size=2, verbose=0)
        return [history.history["loss"], model.get_weights(), model.output_shape]
    compare(program, rtol=1e-5, atol=1e-6)


def test_configs_match_keras(compare):
    def program(tf):
        a = tf.keras.layers.Attention(use_scale=True, score_mode="concat", dropout=0.1, seed=3, name="a")
        b = tf.keras.layers.AdditiveAttention(use_scale=False, name="b")
        configs = [a.get_config(), b.get_config()]
        for c in configs:
            c.pop("dtype", None)
        again = tf.keras.layers.Attention.from_config(a.get_config())
        return [configs, again.score_mode, again.use_scale]
    compare(program)


@pytest.mark.parametrize("bad", ["score_mode", "not_a_list", "one_input", "mask_not_a_list"])
def test_bad_input_raises_keras_value_error(compare, bad):
    def program(tf):
        q, v = tf.constant(Q), tf.constant(V)
        if bad == "score_mode":
            tf.keras.layers.Attention(score_mode="cosine")
        layer = tf.keras.layers.Attention()
        if bad == "not_a_list":
            layer(q)
        if bad == "one_input":
            layer([q])
        if bad == "mask_not_a_list":
            layer([q, v], mask=tf.constant(V_MASK))
    compare(program, raises="ValueError")


def test_dropout_applies_in_training_only(tf):
    layer = tf.keras.layers.Attention(dropout=0.5, seed=1)
    q, v = tf.constant(Q), tf.constant(V)
    out_inference, scores = layer([q, v], return_attention_scores=True)
    again = layer([q, v], training=False)
    np.testing.assert_array_equal(np.asarray(out_inference), np.asarray(again))
    # the returned scores are the distribution before dropout: rows sum to one
    np.testing.assert_allclose(np.asarray(scores).sum(-1), np.ones((2, 3)), rtol=1e-5)
    trained = np.asarray(layer([q, v], training=True))
    assert trained.shape == (2, 3, 4) and not np.allclose(trained, np.asarray(out_inference))
