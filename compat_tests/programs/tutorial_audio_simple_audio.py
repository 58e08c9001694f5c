"""Follows tensorflow/docs, site/en/tutorials/audio/simple_audio.ipynb (commit 7c3650212740204359d4ceae481abc79345541be):
recognising eight spoken commands from one-second WAV clips: audio_dataset_from_directory, STFT
spectrograms, a small CNN with Resizing and an adapted Normalization, a confusion matrix, and an
exported tf.Module that takes a file name or a batch of waveforms.
Written for tapejax's compat suite (not a copy of the tutorial's code). Changes: the
mini_speech_commands download is replaced by _synthetic.write_speech_commands (8 folders of 10
synthetic WAV tone sweeps, most shorter than one second); batches of 64 -> 8 (the 16 validation clips make
two batches, sharded into a validation and a test half); 10 -> 3 epochs; plots, seaborn's heatmap
and IPython audio playback are left out (their data stays in the results); the tutorial's test file
no/01bb6a2a_nohash_0.wav is the first file of no/.

Covers: tf.io.gfile.listdir, tf.keras.utils.audio_dataset_from_directory(batch_size, validation_split,
seed, output_sequence_length, subset="both") and class_names / element_spec, Dataset.map with
tf.squeeze, Dataset.shard, tf.signal.stft(frame_length=255, frame_step=128), tf.abs, [..., tf.newaxis],
cache / shuffle / prefetch, Normalization.adapt on a mapped dataset, a Sequential of Input / Resizing /
Normalization / Conv2D / MaxPooling2D / Dropout / Flatten / Dense, SparseCategoricalCrossentropy(
from_logits=True), fit with validation_data and EarlyStopping(verbose=1, patience=2),
evaluate(return_dict=True), predict on a dataset, tf.argmax, tf.concat of a dataset's labels,
tf.math.confusion_matrix, tf.io.read_file + tf.audio.decode_wav(desired_channels, desired_samples),
tf.nn.softmax, a tf.Module with a tf.function __call__ traced for a string and for float32 waveforms
(get_concrete_function with TensorSpecs, x.dtype == tf.string branches, tf.gather of label names),
and tf.saved_model.save / load of that module.
"""

import os
import pathlib

import numpy as np
import tensorflow as tf
from tensorflow.keras import layers, models

from compat_tests.programs import _synthetic

seed = 42
tf.random.set_seed(seed)
np.random.seed(seed)

DATASET_PATH = "data/mini_speech_commands"
data_dir = pathlib.Path(DATASET_PATH)
if not data_dir.exists():
    _synthetic.write_speech_commands(DATASET_PATH)

commands = np.array(tf.io.gfile.listdir(str(data_dir)))
commands = commands[(commands != "README.md") & (commands != ".DS_Store")]
print("Commands:", sorted(commands))

train_ds, val_ds = tf.keras.utils.audio_dataset_from_directory(
    directory=data_dir, batch_size=8, validation_split=0.2, seed=0, output_sequence_length=16000,
    subset="both")
label_names = np.array(train_ds.class_names)
print()
print("label names:", label_names)
raw_spec = train_ds.element_spec


def squeeze(audio, labels):
    audio = tf.squeeze(audio, axis=-1)
    return audio, labels


train_ds = train_ds.map(squeeze, tf.data.AUTOTUNE)
val_ds = val_ds.map(squeeze, tf.data.AUTOTUNE)
test_ds = val_ds.shard(num_shards=2, index=0)
val_ds = val_ds.shard(num_shards=2, index=1)

for example_audio, example_labels in train_ds.take(1):
    print(example_audio.shape)
    print(example_labels.shape)
picked_names = label_names[[1, 1, 3, 0]]


def get_spectrogram(waveform):
    """The magnitude of the waveform's STFT with a trailing channels axis (an image for Conv2D)."""
    spectrogram = tf.signal.stft(waveform, frame_length=255, frame_step=128)
    spectrogram = tf.abs(spectrogram)
    return spectrogram[..., tf.newaxis]


for i in range(3):
    label = label_names[example_labels[i]]
    waveform = example_audio[i]
    spectrogram = get_spectrogram(waveform)
    print("Label:", label)
    print("Waveform shape:", waveform.shape)
    print("Spectrogram shape:", spectrogram.shape)
log_spec = np.log(np.squeeze(spectrogram.numpy(), axis=-1).T + np.finfo(float).eps)


def make_spec_ds(ds):
    return ds.map(map_func=lambda audio, label: (get_spectrogram(audio), label), num_parallel_calls=tf.data.AUTOTUNE)


train_spectrogram_ds = make_spec_ds(train_ds)
val_spectrogram_ds = make_spec_ds(val_ds)
test_spectrogram_ds = make_spec_ds(test_ds)
for example_spectrograms, example_spect_labels in train_spectrogram_ds.take(1):
    break

train_spectrogram_ds = train_spectrogram_ds.cache().shuffle(10000).prefetch(tf.data.AUTOTUNE)
val_spectrogram_ds = val_spectrogram_ds.cache().prefetch(tf.data.AUTOTUNE)
test_spectrogram_ds = test_spectrogram_ds.cache().prefetch(tf.data.AUTOTUNE)

input_shape = example_spectrograms.shape[1:]
print("Input shape:", input_shape)
num_labels = len(label_names)

norm_layer = layers.Normalization()
norm_layer.adapt(data=train_spectrogram_ds.map(map_func=lambda spec, label: spec))

model = models.Sequential([
    layers.Input(shape=input_shape),
    layers.Resizing(32, 32),  # downsample the input
    norm_layer,
    layers.Conv2D(32, 3, activation="relu"),
    layers.Conv2D(64, 3, activation="relu"),
    layers.MaxPooling2D(),
    layers.Dropout(0.25),
    layers.Flatten(),
    layers.Dense(128, activation="relu"),
    layers.Dropout(0.5),
    layers.Dense(num_labels),
])
model.summary()
model.compile(optimizer=tf.keras.optimizers.Adam(),
              loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])

EPOCHS = 3
history = model.fit(train_spectrogram_ds, validation_data=val_spectrogram_ds, epochs=EPOCHS,
                    callbacks=tf.keras.callbacks.EarlyStopping(verbose=1, patience=2))
metrics = history.history

test_metrics = model.evaluate(test_spectrogram_ds, return_dict=True)
y_pred = model.predict(test_spectrogram_ds)
y_pred = tf.argmax(y_pred, axis=1)
y_true = tf.concat(list(test_spectrogram_ds.map(lambda s, lab: lab)), axis=0)
confusion_mtx = tf.math.confusion_matrix(y_true, y_pred)

x = data_dir / "no" / sorted(os.listdir(data_dir / "no"))[0]
x = tf.io.read_file(str(x))
x, sample_rate = tf.audio.decode_wav(x, desired_channels=1, desired_samples=16000)
x = tf.squeeze(x, axis=-1)
waveform = x
x = get_spectrogram(x)
x = x[tf.newaxis, ...]
prediction = model(x)
x_labels = ["no", "yes", "down", "go", "left", "up", "right", "stop"]
probabilities = tf.nn.softmax(prediction[0])


class ExportModel(tf.Module):
    def __init__(self, model):
        self.model = model
        # A string file name or a batch of waveforms.
        self.__call__.get_concrete_function(x=tf.TensorSpec(shape=(), dtype=tf.string))
        self.__call__.get_concrete_function(x=tf.TensorSpec(shape=[None, 16000], dtype=tf.float32))

    @tf.function
    def __call__(self, x):
        # A string is a file name: read and decode it into a batch of one waveform.
        if x.dtype == tf.string:
            x = tf.io.read_file(x)
            x, _ = tf.audio.decode_wav(x, desired_channels=1, desired_samples=16000)
            x = tf.squeeze(x, axis=-1)
            x = x[tf.newaxis, :]
        x = get_spectrogram(x)
        result = self.model(x, training=False)
        class_ids = tf.argmax(result, axis=-1)
        class_names = tf.gather(label_names, class_ids)
        return {"predictions": result, "class_ids": class_ids, "class_names": class_names}


export = ExportModel(model)
from_file = export(tf.constant(str(data_dir / "no" / sorted(os.listdir(data_dir / "no"))[0])))

tf.saved_model.save(export, "saved")
imported = tf.saved_model.load("saved")
from_waveform = imported(waveform[tf.newaxis, :])

COMPAT_RESULTS = {
    "commands": sorted(commands.tolist()), "label_names": label_names,
    "raw_spec": (tuple(raw_spec[0].shape), raw_spec[0].dtype.name, tuple(raw_spec[1].shape), raw_spec[1].dtype.name),
    "example_shapes": (example_audio.shape, example_labels.shape), "picked_names": picked_names,
    "spectrogram": spectrogram, "log_spec_shape": log_spec.shape,
    "example_spectrograms_shape": example_spectrograms.shape, "input_shape": tuple(input_shape),
    "norm_mean": norm_layer.mean, "norm_variance": norm_layer.variance,
    "params": model.count_params(), "history_keys": sorted(metrics), "epochs_run": len(metrics["loss"]),
    "val_accuracy": metrics["val_accuracy"][-1], "test_metric_keys": sorted(test_metrics),
    "test_accuracy": test_metrics["accuracy"], "y_pred_shape": y_pred.shape, "y_true": y_true,
    "confusion_total": int(tf.reduce_sum(confusion_mtx)), "confusion_shape": confusion_mtx.shape,
    "decoded": (waveform[:5], sample_rate), "probabilities_sum": float(tf.reduce_sum(probabilities)),
    "from_file_keys": sorted(from_file), "from_file_shapes": {k: v.shape for k, v in from_file.items()},
    "from_waveform_ids_shape": from_waveform["class_ids"].shape,
    "from_waveform_name_dtype": from_waveform["class_names"].dtype.name,
}
# Files, WAV decoding, the dataset split (seed 0), STFTs and the Normalization statistics are
# deterministic (STFT magnitudes to float tolerance); the CNN starts from random weights (different
# draws per framework) and trains with dropout, so its accuracies are compared with bounds (8
# commands: chance is 0.125).
COMPAT_COMPARE = {"spectrogram": {"rtol": 1e-4, "atol": 1e-4}, "norm_mean": {"rtol": 1e-4, "atol": 1e-5},
                  "norm_variance": {"rtol": 1e-3, "atol": 1e-5}, "val_accuracy": {"above": 0.2},
                  "test_accuracy": {"above": 0.2}, "probabilities_sum": {"rtol": 1e-5}}
