"""`keras.datasets`: `mnist`, `fashion_mnist` and `boston_housing` `load_data()`, reading Keras'
cache (`$KERAS_HOME/datasets/`, default `~/.keras/datasets/`) with Keras' file names and formats.

A file missing from the cache is downloaded from Keras' URL, as Keras does; without network access
that raises an `Exception` saying where to put the file. Differences: a file already in the cache is
used as it is (Keras also checks its hash and downloads it again when it differs), and `cifar10`
and `imdb` (pickled or object arrays) are not available yet.
"""

from tapejax.keras._datasets import boston_housing, fashion_mnist, mnist

__path__ = []  # a package to the import system: its sub-namespaces import as tapejax.keras.datasets.<name>

__all__ = ["boston_housing", "fashion_mnist", "mnist"]
