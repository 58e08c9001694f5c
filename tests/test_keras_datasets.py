"""tapejax.keras.datasets: Keras' cache layout, its split/shuffle of boston_housing, and the error
a missing file gives without network access. (TF's loaders check the file hash and re-download a
small test file, so these use tapejax alone; fashion_mnist, which has no hash, is compared with
TF in compat_tests/test_keras_program_gaps.py.)"""

import os
import urllib.error

import numpy as np
import pytest

import tapejax as tf
from tapejax.keras import _datasets as datasets


def test_mnist_load_data_reads_the_npz_in_keras_home(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    os.makedirs(tmp_path / "datasets")
    arrays = {"x_train": np.arange(2 * 28 * 28, dtype=np.uint8).reshape(2, 28, 28),
              "y_train": np.array([3, 1], np.uint8),
              "x_test": np.zeros((1, 28, 28), np.uint8), "y_test": np.array([7], np.uint8)}
    np.savez(tmp_path / "datasets" / "mnist.npz", **arrays)
    (x_train, y_train), (x_test, y_test) = tf.keras.datasets.mnist.load_data()
    np.testing.assert_array_equal(x_train, arrays["x_train"])
    np.testing.assert_array_equal(y_test, arrays["y_test"])
    assert x_test.dtype == np.uint8 and y_train.tolist() == [3, 1]


def test_boston_housing_shuffles_with_random_state_113_and_splits(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    os.makedirs(tmp_path / "datasets")
    x = np.arange(20, dtype=np.float64).reshape(10, 2)
    y = np.arange(10, dtype=np.float64)
    np.savez(tmp_path / "datasets" / "boston_housing.npz", x=x, y=y)
    (x_train, y_train), (x_test, y_test) = datasets.boston_housing.load_data(test_split=0.3)
    order = np.arange(10)
    np.random.RandomState(113).shuffle(order)
    np.testing.assert_array_equal(y_train, y[order[:7]])
    np.testing.assert_array_equal(x_test, x[order[7:]])


def test_a_missing_file_without_network_raises_saying_where_to_put_it(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))

    def offline(url, filename):
        raise urllib.error.URLError("no network")
    monkeypatch.setattr(datasets.urllib.request, "urlretrieve", offline)
    with pytest.raises(Exception, match="URL fetch failure") as info:
        datasets.mnist.load_data()
    assert os.path.join(str(tmp_path), "datasets", "mnist.npz") in str(info.value)
    assert not os.path.exists(tmp_path / "datasets" / "mnist.npz.part")
