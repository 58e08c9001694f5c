"""`keras.datasets`: `mnist`, `fashion_mnist` and `boston_housing` `load_data()`, reading Keras'
cache (`$KERAS_HOME/datasets/`, default `~/.keras/datasets/`) with Keras' file names and formats.

A file missing from the cache is downloaded from Keras' URL, as Keras does; without network access
that raises an `Exception` saying where to put the file. Differences: a file already in the cache is
used as it is (Keras also checks its hash and downloads it again when it differs), and `cifar10`
and `imdb` (pickled or object arrays) are not available yet.
"""

from __future__ import annotations

import gzip
import os
import urllib.error
import urllib.request

import numpy as np

from tapejax._namespaces import make

__all__ = ["mnist", "fashion_mnist", "boston_housing", "get_file"]

_ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"


def _keras_home():
    if "KERAS_HOME" in os.environ:
        return os.environ["KERAS_HOME"]
    base = os.path.expanduser("~")
    if not os.access(base, os.W_OK):
        base = "/tmp"
    return os.path.join(base, ".keras")


def get_file(fname, origin, cache_subdir="datasets", cache_dir=None):
    """The local path of `fname` in Keras' cache (`cache_dir or $KERAS_HOME`/`cache_subdir`),
    downloading it from `origin` first when it is not there.

    Raises:
      Exception: when the download fails (Keras' "URL fetch failure" text plus where to put the
        file by hand).
    """
    datadir = os.path.join(os.path.expanduser(cache_dir or _keras_home()), cache_subdir)
    fpath = os.path.join(datadir, fname)
    if os.path.exists(fpath):
        return fpath
    os.makedirs(datadir, exist_ok=True)
    print(f"Downloading data from {origin}")
    tmp = fpath + ".part"
    try:
        urllib.request.urlretrieve(origin, tmp)  # noqa: S310 - Keras' fixed https origins
        os.replace(tmp, fpath)
    except (urllib.error.URLError, OSError, ValueError) as e:
        if os.path.exists(tmp):
            os.remove(tmp)
        code, reason = ((e.code, e.msg) if isinstance(e, urllib.error.HTTPError) else
                        (getattr(e, "errno", None), getattr(e, "reason", e)))
        raise Exception(  # noqa: TRY002 - Keras raises a plain Exception here
            f"URL fetch failure on {origin}: {code} -- {reason}. Without network access, copy "
            f"the file to {fpath} (Keras' cache: $KERAS_HOME/{cache_subdir}, default "
            f"~/.keras/{cache_subdir}).") from None
    return fpath


def _mnist_load_data(path="mnist.npz"):
    """MNIST digits: `(x_train, y_train), (x_test, y_test)` from `mnist.npz` (uint8 arrays of
    shapes (60000, 28, 28), (60000,), (10000, 28, 28), (10000,) in Keras' file)."""
    path = get_file(path, origin=f"{_ORIGIN}mnist.npz")
    with np.load(path, allow_pickle=False) as f:
        return (f["x_train"], f["y_train"]), (f["x_test"], f["y_test"])


def _fashion_mnist_load_data():
    """Fashion-MNIST: `(x_train, y_train), (x_test, y_test)` from the four gzipped IDX files in
    `datasets/fashion-mnist/` (uint8; images (n, 28, 28))."""
    dirname = os.path.join("datasets", "fashion-mnist")
    files = ["train-labels-idx1-ubyte.gz", "train-images-idx3-ubyte.gz",
             "t10k-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz"]
    paths = [get_file(f, origin=_ORIGIN + f, cache_subdir=dirname) for f in files]

    def read(i, offset):
        with gzip.open(paths[i], "rb") as f:
            return np.frombuffer(f.read(), np.uint8, offset=offset)

    y_train, y_test = read(0, 8), read(2, 8)
    x_train = read(1, 16).reshape(len(y_train), 28, 28)
    x_test = read(3, 16).reshape(len(y_test), 28, 28)
    return (x_train, y_train), (x_test, y_test)


def _boston_load_data(path="boston_housing.npz", test_split=0.2, seed=113):
    """Boston housing prices: `x`/`y` of `boston_housing.npz`, shuffled with
    `np.random.RandomState(seed)` and split `1 - test_split` / `test_split`, as Keras."""
    if not 0 <= test_split < 1:
        raise ValueError(f"Invalid `test_split` argument: {test_split}. It must be between 0 and "
                         f"1 (exclusive of 1).")
    path = get_file(path, origin=f"{_ORIGIN}boston_housing.npz")
    with np.load(path, allow_pickle=False) as f:
        x, y = f["x"], f["y"]
    indices = np.arange(len(x))
    np.random.RandomState(seed).shuffle(indices)
    x, y = x[indices], y[indices]
    cut = int(len(x) * (1 - test_split))
    return (np.array(x[:cut]), np.array(y[:cut])), (np.array(x[cut:]), np.array(y[cut:]))


mnist = make("keras.datasets.mnist", "MNIST digits.", {"load_data": _mnist_load_data})
fashion_mnist = make("keras.datasets.fashion_mnist", "Fashion-MNIST.",
                     {"load_data": _fashion_mnist_load_data})
boston_housing = make("keras.datasets.boston_housing", "Boston housing prices.",
                      {"load_data": _boston_load_data})
for _m in (mnist, fashion_mnist, boston_housing):
    _m.load_data.__name__ = "load_data"
