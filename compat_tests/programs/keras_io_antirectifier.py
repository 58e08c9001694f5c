"""Simple custom layer example: Antirectifier (keras-io example, by fchollet).

Source: keras-team/keras-io, examples/keras_recipes/antirectifier.py, commit 2dd71c68bd2a1ebbe588f3571571abcb16d96c27
(Apache License 2.0). The script's code in order; its prose strings left out.
Changes:
  - keras.datasets.mnist.load_data() -> `_synthetic.mnist.load_data()` (same shapes and dtypes, 256/64 examples)
  - epochs 20 -> 3; the evaluate result kept as `evaluation`
  - added at the end: COMPAT_RESULTS and COMPAT_COMPARE
"""

import tensorflow as tf
from tensorflow import keras
from tensorflow.keras import layers


class Antirectifier(layers.Layer):
    def __init__(self, initializer="he_normal", **kwargs):
        super(Antirectifier, self).__init__(**kwargs)
        self.initializer = keras.initializers.get(initializer)

    def build(self, input_shape):
        output_dim = input_shape[-1]
        self.kernel = self.add_weight(
            shape=(output_dim * 2, output_dim),
            initializer=self.initializer,
            name="kernel",
            trainable=True,
        )

    def call(self, inputs):
        inputs -= tf.reduce_mean(inputs, axis=-1, keepdims=True)
        pos = tf.nn.relu(inputs)
        neg = tf.nn.relu(-inputs)
        concatenated = tf.concat([pos, neg], axis=-1)
        mixed = tf.matmul(concatenated, self.kernel)
        return mixed

    def get_config(self):
        # Implement get_config to enable serialization. This is optional.
        base_config = super(Antirectifier, self).get_config()
        config = {"initializer": keras.initializers.serialize(self.initializer)}
        return dict(list(base_config.items()) + list(config.items()))


# Training parameters
batch_size = 128
num_classes = 10
epochs = 3

# The data, split between train and test sets
from compat_tests.programs import _synthetic  # [adapted] synthetic data instead of the download
(x_train, y_train), (x_test, y_test) = _synthetic.mnist.load_data()

x_train = x_train.reshape(-1, 784)
x_test = x_test.reshape(-1, 784)
x_train = x_train.astype("float32")
x_test = x_test.astype("float32")
x_train /= 255
x_test /= 255
print(x_train.shape[0], "train samples")
print(x_test.shape[0], "test samples")

# Build the model
model = keras.Sequential(
    [
        keras.Input(shape=(784,)),
        layers.Dense(256),
        Antirectifier(),
        layers.Dense(256),
        Antirectifier(),
        layers.Dropout(0.5),
        layers.Dense(10),
    ]
)

# Compile the model
model.compile(
    loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    optimizer=keras.optimizers.RMSprop(),
    metrics=[keras.metrics.SparseCategoricalAccuracy()],
)

# Train the model
model.fit(x_train, y_train, batch_size=batch_size, epochs=epochs, validation_split=0.15)

# Test the model
evaluation = model.evaluate(x_test, y_test)

# [added for the compat suite]
COMPAT_RESULTS = {"test_loss": evaluation[0], "test_accuracy": evaluation[1], "params": model.count_params(),
                  "config_initializer": model.layers[1].get_config()["initializer"]["class_name"]}
COMPAT_COMPARE = {"test_loss": {"within": 2.0}, "test_accuracy": {"above": 0.2, "within": 0.5}}
