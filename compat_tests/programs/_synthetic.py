"""Synthetic stand-ins for the datasets public programs download, with the same shapes and dtypes.

Every array comes from a fixed NumPy seed, so both backends see the same bytes. Image datasets are
learnable: each class has a fixed random template, and an example is its class template blended with
noise, so a short training run reaches a clear accuracy on both backends. Sizes are small (a few
hundred examples) so programs run in seconds. Each object mimics the `tf.keras.datasets.<name>`
module a program calls `load_data()` on.
"""

from __future__ import annotations

import numpy as np


class _ImageDataset:
    def __init__(self, name, image_shape, classes, train, test, label_shape=(), seed=0):
        self.name, self.image_shape, self.classes = name, image_shape, classes
        self.train, self.test, self.label_shape, self.seed = train, test, label_shape, seed

    def _split(self, rng, templates, n):
        labels = rng.integers(0, self.classes, size=n)
        noise = rng.integers(0, 256, size=(n, *self.image_shape))
        images = (0.8 * templates[labels] + 0.2 * noise).astype("uint8")
        return images, labels.astype("uint8").reshape((n, *self.label_shape))

    def load_data(self, *args, **kwargs):
        """((x_train, y_train), (x_test, y_test)) as the Keras dataset returns them (uint8)."""
        rng = np.random.default_rng(self.seed)
        templates = rng.integers(0, 256, size=(self.classes, *self.image_shape))
        return self._split(rng, templates, self.train), self._split(rng, templates, self.test)


mnist = _ImageDataset("mnist", (28, 28), 10, train=256, test=64)
fashion_mnist = _ImageDataset("fashion_mnist", (28, 28), 10, train=256, test=64, seed=1)
cifar10 = _ImageDataset("cifar10", (32, 32, 3), 10, train=128, test=32, label_shape=(1,), seed=2)


def auto_mpg(n=120, seed=3):
    """The Auto MPG table's numeric columns (float64) as a dict of columns, MPG a noisy linear target."""
    rng = np.random.default_rng(seed)
    cols = {
        "Cylinders": rng.choice([4.0, 6.0, 8.0], size=n),
        "Displacement": rng.uniform(70, 450, size=n),
        "Horsepower": rng.uniform(45, 230, size=n),
        "Weight": rng.uniform(1600, 5100, size=n),
        "Acceleration": rng.uniform(8, 25, size=n),
        "Model Year": rng.integers(70, 83, size=n).astype("float64"),
        "Origin": rng.choice([1.0, 2.0, 3.0], size=n),
    }
    cols["MPG"] = (46.0 - 0.0075 * cols["Weight"] + 0.25 * (cols["Model Year"] - 70)
                   + rng.normal(0, 1.5, size=n))
    return cols


def iris_csv_rows(n=120, seed=4):
    """Rows like the Iris training CSV: four float features and an int label (0, 1, 2)."""
    rng = np.random.default_rng(seed)
    centers = np.array([[5.0, 3.4, 1.5, 0.2], [5.9, 2.8, 4.3, 1.3], [6.6, 3.0, 5.6, 2.0]])
    labels = rng.integers(0, 3, size=n)
    features = centers[labels] + rng.normal(0, 0.3, size=(n, 4))
    return features.astype("float32"), labels.astype("int64")


def penguins_processed(n=334, seed=5):
    """Like tfds' 'penguins/processed': four float32 features scaled to [0, 1] and int64 species labels."""
    features, labels = iris_csv_rows(n, seed)
    features = (features - features.min(axis=0)) / (features.max(axis=0) - features.min(axis=0))
    return features.astype("float32"), labels
