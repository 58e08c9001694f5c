"""Follows tensorflow/docs, site/en/tutorials/keras/save_and_load.ipynb (commit 7c3650212740204359d4ceae481abc79345541be):
saving weights during and after training, and whole models in the .keras, SavedModel and HDF5 formats.
Written for tapejax's compat suite (not a copy of the tutorial's code); synthetic data from _synthetic.py
replaces the download; sizes shrunk (256/64 images; epochs 2, 10, 1, 1, 1).

Covers: a compiled Sequential (Dense 512 relu with input_shape, Dropout, Dense logits,
SparseCategoricalAccuracy) with summary; tf.keras.callbacks.ModelCheckpoint(save_weights_only=True)
to a fixed .weights.h5 path and to an epoch-formatted path with save_freq in batches; os.listdir of
the checkpoint folders; evaluate(verbose=2) of an untrained model and after load_weights; manual
save_weights / load_weights; model.save / tf.keras.models.load_model for .keras; tf.saved_model.save
and tf.saved_model.load; model.save / load_model for .h5; predict on the reloaded model.
"""

import math
import os

import tensorflow as tf
from tensorflow import keras

from compat_tests.programs import _synthetic

print(tf.version.VERSION)

(fit_x, fit_y), (eval_x, eval_y) = _synthetic.mnist.load_data()
fit_y, eval_y = fit_y[:1000], eval_y[:1000]
fit_x = fit_x[:1000].reshape(-1, 784) / 255.0
eval_x = eval_x[:1000].reshape(-1, 784) / 255.0


def fresh_classifier():
    """A compiled 784-512-10 network with dropout, returning logits."""
    net = tf.keras.Sequential([
        keras.layers.Dense(512, activation="relu", input_shape=(784,)),
        keras.layers.Dropout(0.2),
        keras.layers.Dense(10),
    ])
    net.compile(optimizer="adam", loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                metrics=[tf.keras.metrics.SparseCategoricalAccuracy()])
    return net


def report(net, label):
    """Evaluates `net` on the held-out images and prints its accuracy; returns (loss, accuracy)."""
    loss_value, accuracy = net.evaluate(eval_x, eval_y, verbose=2)
    print(f"{label}: accuracy {100 * accuracy:5.2f}%")
    return loss_value, accuracy


net = fresh_classifier()
net.summary()

# ---- weights written by a callback at the end of every epoch ----
single_file = "weights_only/latest.weights.h5"
saver = tf.keras.callbacks.ModelCheckpoint(filepath=single_file, save_weights_only=True, verbose=1)
net.fit(fit_x, fit_y, epochs=2, validation_data=(eval_x, eval_y), callbacks=[saver])
os.listdir(os.path.dirname(single_file))

net = fresh_classifier()
report(net, "untrained")
net.load_weights(single_file)
report(net, "weights from the callback")

# ---- one file every five epochs, the epoch number in its name ----
numbered_files = "every_five/snap-{epoch:04d}.weights.h5"
numbered_dir = os.path.dirname(numbered_files)
os.mkdir(numbered_dir)
BATCH = 32
batches_per_epoch = math.ceil(len(fit_x) / BATCH)
saver = tf.keras.callbacks.ModelCheckpoint(filepath=numbered_files, verbose=1, save_weights_only=True,
                                           save_freq=5 * batches_per_epoch)
net = fresh_classifier()
net.save_weights(numbered_files.format(epoch=0))
net.fit(fit_x, fit_y, epochs=10, batch_size=BATCH, callbacks=[saver],
        validation_data=(eval_x, eval_y), verbose=0)
os.listdir(numbered_dir)


def newest_snapshot(folder):
    """The snapshot file with the highest epoch number in `folder`."""
    return os.path.join(folder, max(os.listdir(folder), key=lambda name: int(name.split("-")[1].split(".")[0])))


newest = newest_snapshot(numbered_dir)
net = fresh_classifier()
net.load_weights(newest)
report(net, "newest snapshot")

# ---- weights saved by hand ----
os.mkdir("./by_hand")
net.save_weights("./by_hand/weights.weights.h5")
net = fresh_classifier()
net.load_weights("./by_hand/weights.weights.h5")
report(net, "weights saved by hand")

# ---- whole models: .keras archive, SavedModel, HDF5 ----
net = fresh_classifier()
net.fit(fit_x, fit_y, epochs=1)
net.save("whole.keras")
reloaded = tf.keras.models.load_model("whole.keras")
reloaded.summary()
report(reloaded, "reloaded .keras")
print(reloaded.predict(eval_x).shape)

net = fresh_classifier()
net.fit(fit_x, fit_y, epochs=1)
tf.saved_model.save(net, "exported/classifier")
exported = tf.saved_model.load("exported/classifier")

net = fresh_classifier()
net.fit(fit_x, fit_y, epochs=1)
net.save("whole.h5")  # the .h5 suffix selects the HDF5 format
reloaded = tf.keras.models.load_model("whole.h5")
reloaded.summary()
final_loss, final_accuracy = report(reloaded, "reloaded .h5")

COMPAT_RESULTS = {"restored_accuracy": final_accuracy, "restored_loss": final_loss, "latest": newest,
                  "training_2": sorted(os.listdir(numbered_dir)),
                  "training_1": sorted(os.listdir(os.path.dirname(single_file))),
                  "predict_shape": reloaded.predict(eval_x).shape}
# Random initial weights and dropout differ between frameworks: the outcome is compared with bounds.
COMPAT_COMPARE = {"restored_accuracy": {"above": 0.8, "within": 0.2}, "restored_loss": {"within": 1.0}}
