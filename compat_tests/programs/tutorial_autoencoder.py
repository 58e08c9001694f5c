"""Intro to autoencoders: basic and denoising autoencoders on Fashion MNIST (TF tutorial).

Source: tensorflow/docs, site/en/tutorials/generative/autoencoder.ipynb (code cells 0-17; cells 18-34, anomaly detection on an ECG CSV
with pandas and scikit-learn, are left out: neither library is installed here), commit 7c3650212740204359d4ceae481abc79345541be.
The notebook's code cells in order (`# [cell N]` counts code cells from 0, the license cell left out).
Changes:
  - removed plotting/display/notebook-magic lines: cell 0 (1), cell 6 (10), cell 10 (6), cell 17 (10)
  - cell 0: the pandas and scikit-learn imports (used only by the left-out cells) removed;
    `from tensorflow.keras.datasets import fashion_mnist` -> `fashion_mnist = _synthetic.fashion_mnist` (256/64 examples)
  - cells 6, 10, 17 (plotting loops) removed
  - cells 4, 13: epochs 10 -> 3
  - cell 2: Dense(tf.math.reduce_prod(shape).numpy()) -> Dense(int(...)) (Keras 3 in TF 2.21 rejects a NumPy int32 as units)
  - added at the end: COMPAT_RESULTS (what the original prints) and COMPAT_COMPARE
"""

# [cell 0]
import numpy as np
import tensorflow as tf

from tensorflow.keras import layers, losses
from compat_tests.programs import _synthetic  # [adapted] synthetic data instead of the download
fashion_mnist = _synthetic.fashion_mnist
from tensorflow.keras.models import Model

# [cell 1]
(x_train, _), (x_test, _) = fashion_mnist.load_data()

x_train = x_train.astype('float32') / 255.
x_test = x_test.astype('float32') / 255.

print (x_train.shape)
print (x_test.shape)

# [cell 2]
class Autoencoder(Model):
  def __init__(self, latent_dim, shape):
    super(Autoencoder, self).__init__()
    self.latent_dim = latent_dim
    self.shape = shape
    self.encoder = tf.keras.Sequential([
      layers.Flatten(),
      layers.Dense(latent_dim, activation='relu'),
    ])
    self.decoder = tf.keras.Sequential([
      layers.Dense(int(tf.math.reduce_prod(shape).numpy()), activation='sigmoid'),
      layers.Reshape(shape)
    ])

  def call(self, x):
    encoded = self.encoder(x)
    decoded = self.decoder(encoded)
    return decoded


shape = x_test.shape[1:]
latent_dim = 64
autoencoder = Autoencoder(latent_dim, shape)

# [cell 3]
autoencoder.compile(optimizer='adam', loss=losses.MeanSquaredError())

# [cell 4]
autoencoder.fit(x_train, x_train,
                epochs=3,
                shuffle=True,
                validation_data=(x_test, x_test))

# [cell 5]
encoded_imgs = autoencoder.encoder(x_test).numpy()
decoded_imgs = autoencoder.decoder(encoded_imgs).numpy()

# [cell 6] removed: a plotting loop

# [cell 7]
(x_train, _), (x_test, _) = fashion_mnist.load_data()

# [cell 8]
x_train = x_train.astype('float32') / 255.
x_test = x_test.astype('float32') / 255.

x_train = x_train[..., tf.newaxis]
x_test = x_test[..., tf.newaxis]

print(x_train.shape)

# [cell 9]
noise_factor = 0.2
x_train_noisy = x_train + noise_factor * tf.random.normal(shape=x_train.shape)
x_test_noisy = x_test + noise_factor * tf.random.normal(shape=x_test.shape)

x_train_noisy = tf.clip_by_value(x_train_noisy, clip_value_min=0., clip_value_max=1.)
x_test_noisy = tf.clip_by_value(x_test_noisy, clip_value_min=0., clip_value_max=1.)

# [cell 10] removed: a plotting loop

# [cell 11]
class Denoise(Model):
  def __init__(self):
    super(Denoise, self).__init__()
    self.encoder = tf.keras.Sequential([
      layers.Input(shape=(28, 28, 1)),
      layers.Conv2D(16, (3, 3), activation='relu', padding='same', strides=2),
      layers.Conv2D(8, (3, 3), activation='relu', padding='same', strides=2)])

    self.decoder = tf.keras.Sequential([
      layers.Conv2DTranspose(8, kernel_size=3, strides=2, activation='relu', padding='same'),
      layers.Conv2DTranspose(16, kernel_size=3, strides=2, activation='relu', padding='same'),
      layers.Conv2D(1, kernel_size=(3, 3), activation='sigmoid', padding='same')])

  def call(self, x):
    encoded = self.encoder(x)
    decoded = self.decoder(encoded)
    return decoded

autoencoder = Denoise()

# [cell 12]
autoencoder.compile(optimizer='adam', loss=losses.MeanSquaredError())

# [cell 13]
autoencoder.fit(x_train_noisy, x_train,
                epochs=3,
                shuffle=True,
                validation_data=(x_test_noisy, x_test))

# [cell 14]
autoencoder.encoder.summary()

# [cell 15]
autoencoder.decoder.summary()

# [cell 16]
encoded_imgs = autoencoder.encoder(x_test_noisy).numpy()
decoded_imgs = autoencoder.decoder(encoded_imgs).numpy()

# [cell 17] removed: a plotting loop

# [added for the compat suite]
COMPAT_RESULTS = {"encoded_shape": encoded_imgs.shape, "decoded_shape": decoded_imgs.shape,
                  "decoded_range": [float(decoded_imgs.min()) >= 0.0, float(decoded_imgs.max()) <= 1.0],
                  "reconstruction_mse": float(np.mean((decoded_imgs - x_test) ** 2)),
                  "noisy_clipped": [float(tf.reduce_min(x_test_noisy)), float(tf.reduce_max(x_test_noisy))]}
# Initial weights and tf.random.normal noise differ between frameworks: the reconstruction error is bounded.
COMPAT_COMPARE = {"reconstruction_mse": {"below": 0.2, "within": 0.1}, "noisy_clipped": {"within": 0.05}}
