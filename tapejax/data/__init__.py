"""`tf.data`: input pipelines (`tf.data.Dataset`) on grain, with TF's semantics."""

from tapejax import _namespaces
from tapejax.data._dataset import (
    AUTOTUNE,
    INFINITE,
    UNKNOWN,
    Dataset,
    DatasetSpec,
    Optional,
    Options,
    OwnedIterator,
    TextLineDataset,
)

INFINITE_CARDINALITY = INFINITE
UNKNOWN_CARDINALITY = UNKNOWN
Iterator = OwnedIterator

experimental = _namespaces.make("data.experimental", "tf.data.experimental", {
    "AUTOTUNE": AUTOTUNE, "INFINITE_CARDINALITY": INFINITE, "UNKNOWN_CARDINALITY": UNKNOWN,
    "cardinality": lambda dataset: dataset.cardinality(), "Optional": Optional,
    "sample_from_datasets": Dataset.sample_from_datasets,
    "choose_from_datasets": Dataset.choose_from_datasets,
})

__all__ = ["AUTOTUNE", "Dataset", "DatasetSpec", "INFINITE_CARDINALITY", "Iterator", "Options",
           "TextLineDataset", "UNKNOWN_CARDINALITY", "experimental"]
