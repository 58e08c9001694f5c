"""Follows keras-team/keras-io, examples/timeseries/timeseries_classification_from_scratch.py (commit ad4fc805f5e1a4a4c0bcdd416aa9feac6608fb6c):
a fully convolutional network (three Conv1D / BatchNormalization / ReLU blocks, global average
pooling, softmax) classifying univariate FordA engine-noise series, trained with ModelCheckpoint,
ReduceLROnPlateau and EarlyStopping callbacks, then the best checkpoint reloaded and evaluated.
Written for tapejax's compat suite (not a copy of the example's code). Changes: the TSV download
(np.loadtxt of a URL) is replaced by _synthetic.ford_a (the same float64 series of length 176 and
labels in {-1, 1}); sizes shrunk (160/64 series; 500 epochs -> 12, the callbacks' patience 20 -> 3
and 50 -> 5); plot_model and the plots left out.

Covers: reshaping to (n, 176, 1), np.unique for the class count, a NumPy permutation shuffle,
keras.layers.Input(shape), Conv1D(padding='same'), BatchNormalization, ReLU, GlobalAveragePooling1D,
keras.models.Model, ModelCheckpoint('best_model.h5', save_best_only, monitor='val_loss'),
ReduceLROnPlateau(factor, patience, min_lr), EarlyStopping(patience, verbose=1), compile with
sparse_categorical_crossentropy / sparse_categorical_accuracy, fit(validation_split=0.2,
callbacks), keras.models.load_model of the legacy .h5 file, evaluate.
"""

import numpy as np
import tensorflow as tf
from tensorflow import keras

from compat_tests.programs import _synthetic

(x_train, y_train), (x_test, y_test) = _synthetic.ford_a()
y_train, y_test = y_train.astype(int), y_test.astype(int)

classes = np.unique(np.concatenate((y_train, y_test), axis=0))

x_train = x_train.reshape((x_train.shape[0], x_train.shape[1], 1))
x_test = x_test.reshape((x_test.shape[0], x_test.shape[1], 1))
num_classes = len(np.unique(y_train))

idx = np.random.permutation(len(x_train))
x_train = x_train[idx]
y_train = y_train[idx]

y_train[y_train == -1] = 0
y_test[y_test == -1] = 0


def make_model(input_shape):
    input_layer = keras.layers.Input(input_shape)
    x = input_layer
    for _ in range(3):
        x = keras.layers.Conv1D(filters=64, kernel_size=3, padding="same")(x)
        x = keras.layers.BatchNormalization()(x)
        x = keras.layers.ReLU()(x)
    gap = keras.layers.GlobalAveragePooling1D()(x)
    output_layer = keras.layers.Dense(num_classes, activation="softmax")(gap)
    return keras.models.Model(inputs=input_layer, outputs=output_layer)


model = make_model(input_shape=x_train.shape[1:])

epochs = 12
batch_size = 32
callbacks = [
    keras.callbacks.ModelCheckpoint("best_model.h5", save_best_only=True, monitor="val_loss"),
    keras.callbacks.ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=3, min_lr=0.0001),
    keras.callbacks.EarlyStopping(monitor="val_loss", patience=5, verbose=1),
]
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
              metrics=["sparse_categorical_accuracy"])
history = model.fit(x_train, y_train, batch_size=batch_size, epochs=epochs, callbacks=callbacks,
                    validation_split=0.2, verbose=1)

trained_layers = [type(layer).__name__ for layer in model.layers]
model = keras.models.load_model("best_model.h5")

test_loss, test_acc = model.evaluate(x_test, y_test)
print("Test accuracy", test_acc)
print("Test loss", test_loss)

metric = "sparse_categorical_accuracy"
COMPAT_RESULTS = {
    "classes": classes, "num_classes": num_classes, "labels": y_test,
    "layers": trained_layers, "reloaded_layers": [type(layer).__name__ for layer in model.layers],
    "history_keys": sorted(history.history), "train_accuracy": history.history[metric][-1],
    "test_accuracy": test_acc, "params": model.count_params(),
}
# The model starts from random weights (the runner seeds NumPy alike on both, so the permutation is
# the same), so outcomes are compared with bounds (the two synthetic classes differ in frequency: a few epochs
# separate them); ReduceLROnPlateau adds 'learning_rate' to the history on both.
COMPAT_COMPARE = {"train_accuracy": {"above": 0.7}, "test_accuracy": {"above": 0.6}}
