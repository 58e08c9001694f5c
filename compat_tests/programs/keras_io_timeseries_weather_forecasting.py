"""Follows keras-team/keras-io, examples/timeseries/timeseries_weather_forecasting.py (commit 0a57de48c864d63b80083820e8988368ee5c3149):
forecasting the temperature 12 hours ahead from 5 days of Jena climate readings with an LSTM,
windows made by timeseries_dataset_from_array.
Written for tapejax's compat suite (not a copy of the example's code). Changes: the zip download
and pandas (read_csv, DataFrame, loc/iloc) are replaced by _synthetic.jena_climate's columns in
NumPy (pandas is not installed here), its rows read as the raw table's 10-minute readings; sizes
shrunk (1800 rows; past 720 -> 120 readings, future 72 -> 12, batch 256 -> 64, 10 -> 3 epochs);
Keras 3 needs a save_weights_only checkpoint to end in .weights.h5 (the example's model_checkpoint.h5
is model_checkpoint.weights.h5); the plots are left out (their data stays in the results).

Covers: per-feature standardisation with the training split's mean/std, keras.preprocessing.
timeseries_dataset_from_array with sequence_length / sampling_rate / batch_size and 2-D targets,
iterating dataset.take(1), a functional Input -> LSTM(32) -> Dense(1) model, Adam(learning_rate) with
loss="mse", summary, EarlyStopping(monitor="val_loss", min_delta=0, patience=5), ModelCheckpoint(
monitor="val_loss", verbose=1, save_weights_only=True, save_best_only=True), fit with validation_data
of a dataset, predict on dataset batches, load_weights of the best checkpoint.
"""

import os

import numpy as np
from tensorflow import keras

from compat_tests.programs import _synthetic

titles = ["Pressure", "Temperature", "Temperature in Kelvin", "Temperature (dew point)", "Relative Humidity",
          "Saturation vapor pressure", "Vapor pressure", "Vapor pressure deficit", "Specific humidity",
          "Water vapor concentration", "Airtight", "Wind speed", "Maximum wind speed",
          "Wind direction in degrees"]
feature_keys = list(_synthetic.JENA_COLUMNS)
_, table = _synthetic.jena_climate(n=1800)
rows = len(table[feature_keys[0]])

split_fraction = 0.715
train_split = int(split_fraction * rows)
step = 6
past = 120
future = 12
learning_rate = 0.001
batch_size = 64
epochs = 3


def normalize(data, train_split):
    data_mean = data[:train_split].mean(axis=0)
    data_std = data[:train_split].std(axis=0)
    return (data - data_mean) / data_std


print("The selected parameters are:", ", ".join([titles[i] for i in [0, 1, 5, 7, 8, 10, 11]]))
selected_features = [feature_keys[i] for i in [0, 1, 5, 7, 8, 10, 11]]
features = np.stack([table[key] for key in selected_features], axis=1)
features = normalize(features, train_split)

train_data = features[:train_split]
val_data = features[train_split:]

# The training labels start past + future readings in: the temperature 12 readings after a window.
start = past + future
end = start + train_split
x_train = train_data[:, :7]
y_train = features[start:end][:, [1]]
sequence_length = int(past / step)

dataset_train = keras.preprocessing.timeseries_dataset_from_array(
    x_train, y_train, sequence_length=sequence_length, sampling_rate=step, batch_size=batch_size)

# The validation windows stop past + future readings before the end (no labels beyond it).
x_end = len(val_data) - past - future
label_start = train_split + past + future
x_val = val_data[:x_end][:, :7]
y_val = features[label_start:][:, [1]]
dataset_val = keras.preprocessing.timeseries_dataset_from_array(
    x_val, y_val, sequence_length=sequence_length, sampling_rate=step, batch_size=batch_size)

for batch in dataset_train.take(1):
    inputs, targets = batch
print("Input shape:", inputs.numpy().shape)
print("Target shape:", targets.numpy().shape)
first_window, first_target = inputs.numpy()[0], targets.numpy()[:4]

inputs = keras.layers.Input(shape=(inputs.shape[1], inputs.shape[2]))
lstm_out = keras.layers.LSTM(32)(inputs)
outputs = keras.layers.Dense(1)(lstm_out)
model = keras.Model(inputs=inputs, outputs=outputs)
model.compile(optimizer=keras.optimizers.Adam(learning_rate=learning_rate), loss="mse")
model.summary()

path_checkpoint = "model_checkpoint.weights.h5"
es_callback = keras.callbacks.EarlyStopping(monitor="val_loss", min_delta=0, patience=5)
modelckpt_callback = keras.callbacks.ModelCheckpoint(monitor="val_loss", filepath=path_checkpoint, verbose=1,
                                                     save_weights_only=True, save_best_only=True)
history = model.fit(dataset_train, epochs=epochs, validation_data=dataset_val,
                    callbacks=[es_callback, modelckpt_callback])
loss, val_loss = history.history["loss"], history.history["val_loss"]

plots = []
for x, y in dataset_val.take(5):
    plots.append([x[0][:, 1].numpy(), y[0].numpy(), model.predict(x)[0]])
print("plots:", len(plots), [part.shape for part in plots[0]])

model.load_weights(path_checkpoint)
best_val_loss = model.evaluate(dataset_val, verbose=0)
print("best val_loss:", min(val_loss), "reloaded:", best_val_loss)

COMPAT_RESULTS = {
    "train_split": train_split, "sequence_length": sequence_length,
    "train_batches": len(list(dataset_train)), "val_batches": len(list(dataset_val)),
    "input_shape": inputs.shape, "first_window": first_window, "first_target": first_target,
    "history_keys": sorted(history.history), "epochs_run": len(loss), "loss": loss, "val_loss": val_loss,
    "checkpoint_saved": os.path.exists(path_checkpoint),
    "plot_history": [p[0] for p in plots], "plot_truth": [p[1] for p in plots],
    "plot_prediction_shapes": [p[2].shape for p in plots],
    "reloaded_is_best": bool(abs(best_val_loss - min(val_loss)) < 1e-4 * max(1.0, min(val_loss))),
}
# The windows and targets are deterministic (compared to float tolerance: NumPy float64 data on both);
# the LSTM starts from random weights (different draws per framework), so the losses on standardised
# temperatures (a constant predictor's mse is about 1) are compared with bounds.
COMPAT_COMPARE = {"loss": {"below": 1.5}, "val_loss": {"below": 1.5, "within": 0.5}}
