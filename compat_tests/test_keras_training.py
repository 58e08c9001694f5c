"""End-to-end training on TF/Keras 3 and on tapejax from the same data and initial weights.

The first program is TensorFlow's guide "Writing a training loop from scratch" (Sequential of
Dense layers, SparseCategoricalCrossentropy(from_logits=True), Adam, SparseCategoricalAccuracy),
on a synthetic MNIST-shaped data set made here with NumPy; the guide's `tf.data` pipeline is replaced
by NumPy batching (tapejax has no `tf.data`), the loop body is the guide's, unchanged.
"""

import os
import tempfile

import numpy as np
import pytest


def _mnist_like(n, seed):
    """784-feature, 10-class data: class prototypes plus noise, values in [0, 1] like MNIST."""
    protos = np.random.RandomState(0).rand(10, 784).astype(np.float32)
    rs = np.random.RandomState(seed)
    y = rs.randint(0, 10, n).astype(np.int32)
    x = np.clip(0.6 * protos[y] + 0.7 * rs.rand(n, 784), 0, 1).astype(np.float32)
    return x, y


X_TRAIN, Y_TRAIN = _mnist_like(1024, 1)
X_VAL, Y_VAL = _mnist_like(256, 2)
BATCH = 64


def _batches(x, y, batch=BATCH):
    for i in range(0, len(x), batch):
        yield x[i:i + batch], y[i:i + batch]


def _guide_model(tf):
    keras = tf.keras
    inputs = keras.Input(shape=(784,), name="digits")
    x1 = keras.layers.Dense(64, activation="relu")(inputs)
    x2 = keras.layers.Dense(64, activation="relu")(x1)
    outputs = keras.layers.Dense(10, name="predictions")(x2)
    model = keras.Model(inputs=inputs, outputs=outputs)
    rs = np.random.RandomState(42)
    model.set_weights([(rs.randn(*w.shape) * np.sqrt(2.0 / w.shape[0])).astype(np.float32)
                       if len(w.shape) == 2 else np.zeros(w.shape, np.float32)
                       for w in model.weights])
    return model


def _guide_loop(tf, compiled, epochs=2):
    keras = tf.keras
    model = _guide_model(tf)
    optimizer = keras.optimizers.Adam(learning_rate=1e-3)
    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    train_acc_metric = keras.metrics.SparseCategoricalAccuracy()
    val_acc_metric = keras.metrics.SparseCategoricalAccuracy()

    def train_step(x, y):
        with tf.GradientTape() as tape:
            logits = model(x, training=True)
            loss_value = loss_fn(y, logits)
        grads = tape.gradient(loss_value, model.trainable_weights)
        optimizer.apply_gradients(zip(grads, model.trainable_weights))
        train_acc_metric.update_state(y, logits)
        return loss_value

    def test_step(x, y):
        val_logits = model(x, training=False)
        val_acc_metric.update_state(y, val_logits)

    if compiled:
        train_step, test_step = tf.function(train_step), tf.function(test_step)

    losses, train_accs, val_accs = [], [], []
    for _ in range(epochs):
        for x_batch_train, y_batch_train in _batches(X_TRAIN, Y_TRAIN):
            losses.append(float(train_step(tf.constant(x_batch_train), tf.constant(y_batch_train))))
        train_accs.append(float(train_acc_metric.result()))
        train_acc_metric.reset_state()
        for x_batch_val, y_batch_val in _batches(X_VAL, Y_VAL):
            test_step(tf.constant(x_batch_val), tf.constant(y_batch_val))
        val_accs.append(float(val_acc_metric.result()))
        val_acc_metric.reset_state()
    return losses, train_accs, val_accs, model.get_weights()


def _check_guide(compare, compiled):
    expected = compare(lambda tf: _guide_loop(tf, compiled), rtol=1e-3, atol=1e-4)
    # The run must really have learned: the oracle's validation accuracy is far above chance.
    val_accs = [v[2] for v in expected[1][2][1]]
    assert val_accs[-1] > 0.5, val_accs


def test_training_loop_from_scratch_guide(compare):
    _check_guide(compare, compiled=False)


def test_training_loop_from_scratch_guide_in_function(compare):
    _check_guide(compare, compiled=True)


def _cnn_run(tf, steps=12, optimizer="sgd"):
    keras = tf.keras
    rs = np.random.RandomState(5)
    x = rs.rand(32, 12, 12, 1).astype(np.float32)
    y = (x[:, :6].mean(axis=(1, 2, 3)) > x[:, 6:].mean(axis=(1, 2, 3))).astype(np.int32)
    model = keras.Sequential([
        keras.Input(shape=(12, 12, 1)),
        keras.layers.Conv2D(8, 3, activation="relu", padding="same"),
        keras.layers.MaxPooling2D(),
        # No bias before BatchNormalization: its gradient is exactly zero in theory, so only
        # rounding noise, which Adam would normalise into full-size steps.
        keras.layers.Conv2D(8, 3, use_bias=False),
        keras.layers.BatchNormalization(),
        keras.layers.Activation("relu"),
        keras.layers.AveragePooling2D(2),
        keras.layers.Flatten(),
        keras.layers.Dense(2),
    ])
    wrs = np.random.RandomState(6)
    model.set_weights([wrs.randn(*w.shape).astype(np.float32) * 0.3 if "moving_variance" not in w.name
                       else np.ones(w.shape, np.float32) for w in model.weights])
    # SGD for the comparison with Keras: Adam normalises near-zero gradients (pure rounding noise
    # after a few steps) into full-size steps, so two correct implementations drift apart.
    optimizer = (keras.optimizers.SGD(0.1, momentum=0.9) if optimizer == "sgd"
                 else keras.optimizers.Adam(0.01))
    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    losses = []
    for _ in range(steps):
        with tf.GradientTape() as tape:
            loss = loss_fn(y, model(x, training=True))
        grads = tape.gradient(loss, model.trainable_weights)
        optimizer.apply_gradients(zip(grads, model.trainable_weights))
        losses.append(float(loss))
    return losses, model.get_weights()


def test_cnn_training_decreases_loss_like_keras(compare):
    expected = compare(_cnn_run, rtol=1e-3, atol=1e-4)
    losses = [v[2] for v in expected[1][0][1]]
    assert losses[-1] < losses[0] * 0.9, losses


def test_cnn_loss_decreases(tf):
    losses, _ = _cnn_run(tf, steps=10, optimizer="adam")
    assert losses[-1] < losses[0] * 0.9, losses


def _fit_program(tf):
    keras = tf.keras
    model = _guide_model(tf)
    model.compile(optimizer=keras.optimizers.Adam(1e-3),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    history = model.fit(X_TRAIN, Y_TRAIN, batch_size=BATCH, epochs=2, shuffle=False, verbose=0)
    evaluation = model.evaluate(X_VAL, Y_VAL, batch_size=BATCH, verbose=0)
    predictions = model.predict(X_VAL[:10], verbose=0)
    return (sorted(history.history), history.history["loss"], history.history["accuracy"],
            evaluation, predictions, int(model.optimizer.iterations.numpy()))


def test_compile_fit_evaluate_predict(compare):
    compare(_fit_program, rtol=1e-3, atol=1e-4)


def _checkpoint_program(tf):
    keras = tf.keras
    directory = tempfile.mkdtemp()

    def make():
        model = keras.Sequential([keras.Input(shape=(784,)), keras.layers.Dense(16, activation="relu"),
                                  keras.layers.Dense(10)])
        return model, keras.optimizers.Adam(1e-2)

    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)

    def step(model, optimizer, i):
        x, y = X_TRAIN[i * 32:(i + 1) * 32], Y_TRAIN[i * 32:(i + 1) * 32]
        with tf.GradientTape() as tape:
            loss = loss_fn(y, model(x, training=True))
        grads = tape.gradient(loss, model.trainable_weights)
        optimizer.apply_gradients(zip(grads, model.trainable_weights))
        return float(loss)

    model, optimizer = make()
    rs = np.random.RandomState(8)
    model.set_weights([rs.randn(*w.shape).astype(np.float32) * 0.1 for w in model.weights])
    ckpt = tf.train.Checkpoint(model=model, optimizer=optimizer)
    manager = tf.train.CheckpointManager(ckpt, directory, max_to_keep=2)
    for i in range(3):
        step(model, optimizer, i)
        manager.save()
    continued = [step(model, optimizer, i) for i in range(3, 6)]
    kept = sorted(os.path.basename(p) for p in manager.checkpoints)

    restored_model, restored_optimizer = make()
    restored_model.set_weights([np.zeros(w.shape, np.float32) for w in restored_model.weights])
    restored_optimizer.build(restored_model.trainable_weights)
    status = tf.train.Checkpoint(model=restored_model, optimizer=restored_optimizer).restore(
        tf.train.latest_checkpoint(directory))
    status.assert_existing_objects_matched()
    iterations_after_restore = int(restored_optimizer.iterations.numpy())
    resumed = [step(restored_model, restored_optimizer, i) for i in range(3, 6)]
    return (continued, resumed, kept, iterations_after_restore, model.get_weights(),
            restored_model.get_weights())


def test_checkpoint_restore_continues_training_identically(compare):
    expected = compare(_checkpoint_program, rtol=1e-4, atol=1e-5)
    continued, resumed = expected[1][0], expected[1][1]
    assert_same = pytest.importorskip("compat_tests._harness").assert_same
    assert_same(continued, resumed, rtol=0, atol=0)


_CARDINALITY_CASES = {
    "x_and_y": lambda m, ones: m.fit(ones(10, 3), ones(8, 1), verbose=0),
    "a_list_of_inputs": lambda m, ones: m.fit([ones(10, 3)], ones(8, 1), verbose=0),
    "sample_weight": lambda m, ones: m.fit(ones(10, 3), ones(10, 1), sample_weight=np.ones(7),
                                           verbose=0),
    "validation_data": lambda m, ones: m.fit(ones(10, 3), ones(10, 1),
                                             validation_data=(ones(4, 3), ones(3, 1)), verbose=0),
    "evaluate": lambda m, ones: m.evaluate(ones(10, 3), ones(8, 1), verbose=0),
}


@pytest.mark.parametrize("case", sorted(_CARDINALITY_CASES))
def test_data_of_different_lengths_raises_data_cardinality_is_ambiguous_before_training(
        compare, case):
    def program(tf):
        model = tf.keras.Sequential([tf.keras.Input((3,)),
                                     tf.keras.layers.Dense(1, kernel_initializer="ones")])
        model.compile("sgd", "mse")
        try:
            _CARDINALITY_CASES[case](model, lambda *shape: np.ones(shape, np.float32))
        except ValueError as err:
            return [str(err), model.weights[0].numpy()]
        return "trained"
    compare(program)


def test_two_inputs_of_different_lengths_are_both_listed(compare):
    def program(tf):
        a, b = tf.keras.Input((3,)), tf.keras.Input((2,))
        merged = tf.keras.layers.Concatenate()([a, b])
        model = tf.keras.Model([a, b], tf.keras.layers.Dense(1)(merged))
        model.compile("sgd", "mse")
        model.fit([np.ones((10, 3)), np.ones((9, 2))], np.ones((8, 1)), verbose=0)
    compare(program, raises="ValueError")
