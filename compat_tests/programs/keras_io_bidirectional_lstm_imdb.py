"""Follows keras-team/keras-io, examples/nlp/bidirectional_lstm_imdb.py (commit 0a4be8bbc3ae126f3ca49a0bf173902866ec06f0):
a two-layer bidirectional LSTM over embedded IMDB reviews, a sigmoid output trained with binary
cross-entropy.
Written for tapejax's compat suite (not a copy of the example's code). Changes: keras.datasets.imdb
is replaced by _synthetic.imdb (the same object arrays of int lists and int64 labels); sizes shrunk
(200/64 reviews, max_features 600, maxlen 80, embedding 32 and LSTM units 16 instead of 128 / 64;
2 epochs as in the example).

Covers: keras.Input(shape=(None,), dtype='int32') for variable-length sequences, Embedding,
Bidirectional(LSTM(return_sequences=True)) stacked on Bidirectional(LSTM), model.summary,
keras.preprocessing.sequence.pad_sequences(maxlen) (truncating and padding 'pre'), compile with
adam / binary_crossentropy / accuracy, fit with validation_data.
"""

import numpy as np
from tensorflow import keras
from tensorflow.keras import layers

from compat_tests.programs import _synthetic

max_features = 600
maxlen = 80

inputs = keras.Input(shape=(None,), dtype="int32")
x = layers.Embedding(max_features, 32)(inputs)
x = layers.Bidirectional(layers.LSTM(16, return_sequences=True))(x)
x = layers.Bidirectional(layers.LSTM(16))(x)
outputs = layers.Dense(1, activation="sigmoid")(x)
model = keras.Model(inputs, outputs)
model.summary()

(x_train, y_train), (x_val, y_val) = _synthetic.imdb.load_data(num_words=max_features)
print(len(x_train), "Training sequences")
print(len(x_val), "Validation sequences")
x_train = keras.preprocessing.sequence.pad_sequences(x_train, maxlen=maxlen)
x_val = keras.preprocessing.sequence.pad_sequences(x_val, maxlen=maxlen)

model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
history = model.fit(x_train, y_train, batch_size=32, epochs=2, validation_data=(x_val, y_val))

COMPAT_RESULTS = {
    "padded_val": x_val, "params": model.count_params(),
    "weight_shapes": [tuple(w.shape) for w in model.weights],
    "history_keys": sorted(history.history), "loss": history.history["loss"],
    "val_accuracy": history.history["val_accuracy"][-1],
}
# pad_sequences and the weight layout are deterministic (compared exactly); training starts from
# random weights, so its outcome is compared with bounds.
COMPAT_COMPARE = {"loss": {"below": 0.8}, "val_accuracy": {"above": 0.5}}
