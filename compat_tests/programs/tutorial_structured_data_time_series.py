"""Follows tensorflow/docs, site/en/tutorials/structured_data/time_series.ipynb (commit 7c3650212740204359d4ceae481abc79345541be):
weather forecasting with a WindowGenerator over tf.keras.utils.timeseries_dataset_from_array:
baselines, linear, dense, convolutional and recurrent single-step models, then multi-output and
multi-step models up to an autoregressive LSTMCell FeedBack model.
Written for tapejax's compat suite (not a copy of the tutorial's code). Changes: the Jena climate
download is replaced by _synthetic.jena_climate (800 hourly rows with daily and yearly cycles);
pandas (DataFrame slicing, pop, mean/std, to_datetime) is replaced by NumPy columns and a column-name
list, so WindowGenerator keeps `column_indices` from that list; MAX_EPOCHS 20 -> 2, the 24-hour
windows -> 12 hours, OUT_STEPS 24 -> 8, the 512/256-unit layers -> 32; trained models are evaluated
on the test split only, the multi-output Dense / LSTM and the multi-step Linear / Dense / Conv models
are left out (each compiles its own training program: run time); the plots, the violin plot and
IPython's clear_output are left out.

Covers: cleaning -9999 values, wind vectors with np.cos/np.sin, day/year signals from timestamps,
tf.signal.rfft, normalisation by train statistics, tf.stack of windows, slicing with set_shape,
timeseries_dataset_from_array(targets=None, shuffle=True) mapped by a method, properties added to a
class, subclassed tf.keras.Model baselines (tf.newaxis, tf.tile), compile with MeanSquaredError and
metrics.MeanAbsoluteError, evaluate(return_dict=True), EarlyStopping(monitor='val_loss'), Dense /
Flatten / Reshape([1, -1]) / Conv1D(kernel_size=(3,)) / LSTM(return_sequences) models, a shape error
printed for a wrong window, model.metrics and a compile-metrics container's .metrics, a residual
wrapper Model passing *args / **kwargs, tf.initializers.zeros, and the FeedBack model
(LSTMCell wrapped in RNN(return_state=True), a warmup method, the cell called with states= and
training=, tf.stack + tf.transpose of the predictions).
"""

import numpy as np
import tensorflow as tf

from compat_tests.programs import _synthetic

date_time, df = _synthetic.jena_climate(n=800)

wv = df["wv (m/s)"]
bad_wv = wv == -9999.0
wv[bad_wv] = 0.0
max_wv = df["max. wv (m/s)"]
bad_max_wv = max_wv == -9999.0
max_wv[bad_max_wv] = 0.0
print(df["wv (m/s)"].min())

wv = df.pop("wv (m/s)")
max_wv = df.pop("max. wv (m/s)")
wd_rad = df.pop("wd (deg)") * np.pi / 180
df["Wx"] = wv * np.cos(wd_rad)
df["Wy"] = wv * np.sin(wd_rad)
df["max Wx"] = max_wv * np.cos(wd_rad)
df["max Wy"] = max_wv * np.sin(wd_rad)

timestamp_s = np.array([t.timestamp() for t in date_time])
day = 24 * 60 * 60
year = (365.2425) * day
df["Day sin"] = np.sin(timestamp_s * (2 * np.pi / day))
df["Day cos"] = np.cos(timestamp_s * (2 * np.pi / day))
df["Year sin"] = np.sin(timestamp_s * (2 * np.pi / year))
df["Year cos"] = np.cos(timestamp_s * (2 * np.pi / year))

fft = tf.signal.rfft(df["T (degC)"])
f_per_dataset = np.arange(0, len(fft))
strongest = int(np.argmax(np.abs(fft)[1:])) + 1

columns = list(df)
column_indices = {name: i for i, name in enumerate(columns)}
table = np.stack([df[name] for name in columns], axis=1)
n = len(table)
train_df = table[0:int(n * 0.7)]
val_df = table[int(n * 0.7):int(n * 0.9)]
test_df = table[int(n * 0.9):]
num_features = table.shape[1]

train_mean = train_df.mean(axis=0)
train_std = train_df.std(axis=0, ddof=1)
train_df = (train_df - train_mean) / train_std
val_df = (val_df - train_mean) / train_std
test_df = (test_df - train_mean) / train_std


class WindowGenerator():
    def __init__(self, input_width, label_width, shift, train_df=train_df, val_df=val_df, test_df=test_df,
                 label_columns=None):
        self.train_df = train_df
        self.val_df = val_df
        self.test_df = test_df
        self.label_columns = label_columns
        if label_columns is not None:
            self.label_columns_indices = {name: i for i, name in enumerate(label_columns)}
        self.column_indices = {name: i for i, name in enumerate(columns)}
        self.input_width = input_width
        self.label_width = label_width
        self.shift = shift
        self.total_window_size = input_width + shift
        self.input_slice = slice(0, input_width)
        self.input_indices = np.arange(self.total_window_size)[self.input_slice]
        self.label_start = self.total_window_size - self.label_width
        self.labels_slice = slice(self.label_start, None)
        self.label_indices = np.arange(self.total_window_size)[self.labels_slice]

    def __repr__(self):
        return "\n".join([
            f"Total window size: {self.total_window_size}",
            f"Input indices: {self.input_indices}",
            f"Label indices: {self.label_indices}",
            f"Label column name(s): {self.label_columns}"])


w1 = WindowGenerator(input_width=12, label_width=1, shift=12, label_columns=["T (degC)"])
print(w1)
w2 = WindowGenerator(input_width=6, label_width=1, shift=1, label_columns=["T (degC)"])
print(w2)


def split_window(self, features):
    inputs = features[:, self.input_slice, :]
    labels = features[:, self.labels_slice, :]
    if self.label_columns is not None:
        labels = tf.stack([labels[:, :, self.column_indices[name]] for name in self.label_columns], axis=-1)
    inputs.set_shape([None, self.input_width, None])
    labels.set_shape([None, self.label_width, None])
    return inputs, labels


WindowGenerator.split_window = split_window

example_window = tf.stack([np.array(train_df[:w2.total_window_size]),
                           np.array(train_df[100:100 + w2.total_window_size]),
                           np.array(train_df[200:200 + w2.total_window_size])])
example_inputs, example_labels = w2.split_window(example_window)
print("All shapes are: (batch, time, features)")
print(f"Window shape: {example_window.shape}")
print(f"Inputs shape: {example_inputs.shape}")
print(f"Labels shape: {example_labels.shape}")


def make_dataset(self, data):
    data = np.array(data, dtype=np.float32)
    ds = tf.keras.utils.timeseries_dataset_from_array(
        data=data, targets=None, sequence_length=self.total_window_size, sequence_stride=1, shuffle=True,
        batch_size=32,)
    ds = ds.map(self.split_window)
    return ds


WindowGenerator.make_dataset = make_dataset


@property
def train(self):
    return self.make_dataset(self.train_df)


@property
def val(self):
    return self.make_dataset(self.val_df)


@property
def test(self):
    return self.make_dataset(self.test_df)


@property
def example(self):
    """An example batch of `inputs, labels`, taken from `.train` once and kept."""
    result = getattr(self, "_example", None)
    if result is None:
        result = next(iter(self.train))
        self._example = result
    return result


WindowGenerator.train = train
WindowGenerator.val = val
WindowGenerator.test = test
WindowGenerator.example = example

w2_spec = w2.train.element_spec
print(w2_spec)
for example_inputs, example_labels in w2.train.take(1):
    print(f"Inputs shape (batch, time, features): {example_inputs.shape}")
    print(f"Labels shape (batch, time, features): {example_labels.shape}")

single_step_window = WindowGenerator(input_width=1, label_width=1, shift=1, label_columns=["T (degC)"])


class Baseline(tf.keras.Model):
    def __init__(self, label_index=None):
        super().__init__()
        self.label_index = label_index

    def call(self, inputs):
        if self.label_index is None:
            return inputs
        result = inputs[:, :, self.label_index]
        return result[:, :, tf.newaxis]


baseline = Baseline(label_index=column_indices["T (degC)"])
baseline.compile(loss=tf.keras.losses.MeanSquaredError(), metrics=[tf.keras.metrics.MeanAbsoluteError()])
val_performance = {}
performance = {}
val_performance["Baseline"] = baseline.evaluate(single_step_window.val, return_dict=True, verbose=0)
performance["Baseline"] = baseline.evaluate(single_step_window.test, verbose=0, return_dict=True)

wide_window = WindowGenerator(input_width=12, label_width=12, shift=1, label_columns=["T (degC)"])
print("Input shape:", wide_window.example[0].shape)
print("Output shape:", baseline(wide_window.example[0]).shape)

linear = tf.keras.Sequential([tf.keras.layers.Dense(units=1)])
print("Input shape:", single_step_window.example[0].shape)
print("Output shape:", linear(single_step_window.example[0]).shape)

MAX_EPOCHS = 2


def compile_and_fit(model, window, patience=2):
    early_stopping = tf.keras.callbacks.EarlyStopping(monitor="val_loss", patience=patience, mode="min")
    model.compile(loss=tf.keras.losses.MeanSquaredError(), optimizer=tf.keras.optimizers.Adam(),
                  metrics=[tf.keras.metrics.MeanAbsoluteError()])
    history = model.fit(window.train, epochs=MAX_EPOCHS, validation_data=window.val, callbacks=[early_stopping],
                        verbose=0)
    return history


history = compile_and_fit(linear, single_step_window)
performance["Linear"] = linear.evaluate(single_step_window.test, verbose=0, return_dict=True)
print("Input shape:", wide_window.example[0].shape)
print("Output shape:", linear(wide_window.example[0]).shape)
kernel_shape = linear.layers[0].kernel[:, 0].numpy().shape

dense = tf.keras.Sequential([
    tf.keras.layers.Dense(units=32, activation="relu"),
    tf.keras.layers.Dense(units=32, activation="relu"),
    tf.keras.layers.Dense(units=1),
])
history = compile_and_fit(dense, single_step_window)
performance["Dense"] = dense.evaluate(single_step_window.test, verbose=0, return_dict=True)

CONV_WIDTH = 3
conv_window = WindowGenerator(input_width=CONV_WIDTH, label_width=1, shift=1, label_columns=["T (degC)"])
multi_step_dense = tf.keras.Sequential([
    tf.keras.layers.Flatten(),
    tf.keras.layers.Dense(units=32, activation="relu"),
    tf.keras.layers.Dense(units=32, activation="relu"),
    tf.keras.layers.Dense(units=1),
    tf.keras.layers.Reshape([1, -1]),
])
print("Input shape:", conv_window.example[0].shape)
print("Output shape:", multi_step_dense(conv_window.example[0]).shape)
history = compile_and_fit(multi_step_dense, conv_window)
performance["Multi step dense"] = multi_step_dense.evaluate(conv_window.test, verbose=0, return_dict=True)

print("Input shape:", wide_window.example[0].shape)
try:
    print("Output shape:", multi_step_dense(wide_window.example[0]).shape)
    wrong_window_error = None
except Exception as e:
    wrong_window_error = type(e).__name__

conv_model = tf.keras.Sequential([
    tf.keras.layers.Conv1D(filters=32, kernel_size=(CONV_WIDTH,), activation="relu"),
    tf.keras.layers.Dense(units=32, activation="relu"),
    tf.keras.layers.Dense(units=1),
])
print("Conv model on `conv_window`")
print("Input shape:", conv_window.example[0].shape)
print("Output shape:", conv_model(conv_window.example[0]).shape)
history = compile_and_fit(conv_model, conv_window)
performance["Conv"] = conv_model.evaluate(conv_window.test, verbose=0, return_dict=True)
print("Wide window")
print("Input shape:", wide_window.example[0].shape)
print("Labels shape:", wide_window.example[1].shape)
print("Output shape:", conv_model(wide_window.example[0]).shape)

LABEL_WIDTH = 12
INPUT_WIDTH = LABEL_WIDTH + (CONV_WIDTH - 1)
wide_conv_window = WindowGenerator(input_width=INPUT_WIDTH, label_width=LABEL_WIDTH, shift=1,
                                   label_columns=["T (degC)"])
print("Wide conv window")
print("Input shape:", wide_conv_window.example[0].shape)
print("Labels shape:", wide_conv_window.example[1].shape)
print("Output shape:", conv_model(wide_conv_window.example[0]).shape)

lstm_model = tf.keras.models.Sequential([
    tf.keras.layers.LSTM(32, return_sequences=True),
    tf.keras.layers.Dense(units=1),
])
print("Input shape:", wide_window.example[0].shape)
print("Output shape:", lstm_model(wide_window.example[0]).shape)
history = compile_and_fit(lstm_model, wide_window)
performance["LSTM"] = lstm_model.evaluate(wide_window.test, verbose=0, return_dict=True)

cm = lstm_model.metrics[1]
compile_metric_names = [m.name for m in cm.metrics]
metric_name = "mean_absolute_error"
for name, value in performance.items():
    print(f"{name:12s}: {value[metric_name]:0.4f}")
single_step_performance = {name: value[metric_name] for name, value in performance.items()}

# Multi-output models: every feature is a label.
single_step_window = WindowGenerator(input_width=1, label_width=1, shift=1)
wide_window = WindowGenerator(input_width=12, label_width=12, shift=1)
for example_inputs, example_labels in wide_window.train.take(1):
    print(f"Inputs shape (batch, time, features): {example_inputs.shape}")
    print(f"Labels shape (batch, time, features): {example_labels.shape}")

baseline = Baseline()
baseline.compile(loss=tf.keras.losses.MeanSquaredError(), metrics=[tf.keras.metrics.MeanAbsoluteError()])
val_performance = {}
performance = {}
val_performance["Baseline"] = baseline.evaluate(wide_window.val, return_dict=True, verbose=0)
performance["Baseline"] = baseline.evaluate(wide_window.test, verbose=0, return_dict=True)

class ResidualWrapper(tf.keras.Model):
    def __init__(self, model):
        super().__init__()
        self.model = model

    def call(self, inputs, *args, **kwargs):
        delta = self.model(inputs, *args, **kwargs)
        return inputs + delta


residual_lstm = ResidualWrapper(tf.keras.Sequential([
    tf.keras.layers.LSTM(32, return_sequences=True),
    tf.keras.layers.Dense(num_features, kernel_initializer=tf.initializers.zeros()),
]))
history = compile_and_fit(residual_lstm, wide_window)
performance["Residual LSTM"] = residual_lstm.evaluate(wide_window.test, verbose=0, return_dict=True)
for name, value in performance.items():
    print(f"{name:15s}: {value[metric_name]:0.4f}")
multi_output_performance = {name: value[metric_name] for name, value in performance.items()}

# Multi-step models.
OUT_STEPS = 8
multi_window = WindowGenerator(input_width=12, label_width=OUT_STEPS, shift=OUT_STEPS)
print(multi_window)


class MultiStepLastBaseline(tf.keras.Model):
    def call(self, inputs):
        return tf.tile(inputs[:, -1:, :], [1, OUT_STEPS, 1])


last_baseline = MultiStepLastBaseline()
last_baseline.compile(loss=tf.keras.losses.MeanSquaredError(), metrics=[tf.keras.metrics.MeanAbsoluteError()])
multi_val_performance = {}
multi_performance = {}
multi_val_performance["Last"] = last_baseline.evaluate(multi_window.val, return_dict=True, verbose=0)
multi_performance["Last"] = last_baseline.evaluate(multi_window.test, verbose=0, return_dict=True)


class RepeatBaseline(tf.keras.Model):
    def call(self, inputs):
        return inputs


# The tutorial's RepeatBaseline returns the 24 input steps for 24 label steps: with 12 input and 8
# label steps here, it repeats the last 8 inputs.
class RepeatLastBaseline(tf.keras.Model):
    def call(self, inputs):
        return inputs[:, -OUT_STEPS:, :]


repeat_baseline = RepeatLastBaseline()
repeat_baseline.compile(loss=tf.keras.losses.MeanSquaredError(), metrics=[tf.keras.metrics.MeanAbsoluteError()])
multi_val_performance["Repeat"] = repeat_baseline.evaluate(multi_window.val, return_dict=True, verbose=0)
multi_performance["Repeat"] = repeat_baseline.evaluate(multi_window.test, verbose=0, return_dict=True)

multi_lstm_model = tf.keras.Sequential([
    tf.keras.layers.LSTM(32, return_sequences=False),
    tf.keras.layers.Dense(OUT_STEPS * num_features, kernel_initializer=tf.initializers.zeros()),
    tf.keras.layers.Reshape([OUT_STEPS, num_features]),
])
history = compile_and_fit(multi_lstm_model, multi_window)
multi_performance["LSTM"] = multi_lstm_model.evaluate(multi_window.test, verbose=0, return_dict=True)


class FeedBack(tf.keras.Model):
    def __init__(self, units, out_steps):
        super().__init__()
        self.out_steps = out_steps
        self.units = units
        self.lstm_cell = tf.keras.layers.LSTMCell(units)
        self.lstm_rnn = tf.keras.layers.RNN(self.lstm_cell, return_state=True)
        self.dense = tf.keras.layers.Dense(num_features)


feedback_model = FeedBack(units=32, out_steps=OUT_STEPS)


def warmup(self, inputs):
    x, *state = self.lstm_rnn(inputs)
    prediction = self.dense(x)
    return prediction, state


FeedBack.warmup = warmup
prediction, state = feedback_model.warmup(multi_window.example[0])
warmup_shape = prediction.shape


def call(self, inputs, training=None):
    predictions = []
    prediction, state = self.warmup(inputs)
    predictions.append(prediction)
    for n in range(1, self.out_steps):
        x = prediction
        x, state = self.lstm_cell(x, states=state, training=training)
        prediction = self.dense(x)
        predictions.append(prediction)
    predictions = tf.stack(predictions)
    predictions = tf.transpose(predictions, [1, 0, 2])
    return predictions


FeedBack.call = call
print("Output shape (batch, time, features): ", feedback_model(multi_window.example[0]).shape)
history = compile_and_fit(feedback_model, multi_window)
multi_performance["AR LSTM"] = feedback_model.evaluate(multi_window.test, verbose=0, return_dict=True)
for name, value in multi_performance.items():
    print(f"{name:8s}: {value['mean_absolute_error']:0.4f}")
multi_step_performance = {name: value[metric_name] for name, value in multi_performance.items()}

COMPAT_RESULTS = {
    "columns": columns, "fft_len": len(fft), "strongest_frequency": strongest,
    "train_mean": train_mean, "w2_spec": w2_spec, "kernel_shape": kernel_shape,
    "wrong_window_error": wrong_window_error, "compile_metric_names": compile_metric_names,
    "baselines": [single_step_performance["Baseline"], multi_output_performance["Baseline"],
                  multi_step_performance["Last"], multi_step_performance["Repeat"]],
    "single_step_trained": [single_step_performance[k] for k in ("Linear", "Dense", "Multi step dense", "Conv", "LSTM")],
    "multi_output_trained": [multi_output_performance[k] for k in ("Residual LSTM",)],
    "multi_step_trained": [multi_step_performance[k] for k in ("LSTM", "AR LSTM")],
    "warmup_shape": warmup_shape,
}
# The data and the baselines (no weights; the mean error over every window does not depend on the
# shuffled order) are deterministic; trained models start from random weights and train for two
# short epochs: their test MAE (features scaled to unit variance) is only bounded (not diverged).
COMPAT_COMPARE = {"baselines": {"rtol": 1e-4}, "train_mean": {"rtol": 1e-6},
                  "single_step_trained": {"below": 5.0}, "multi_output_trained": {"below": 5.0},
                  "multi_step_trained": {"below": 5.0}}
