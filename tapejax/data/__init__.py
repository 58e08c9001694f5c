"""`tf.data`: input pipelines (`tf.data.Dataset`) on grain, with TF's semantics."""

from tapejax import _namespaces
from tapejax.data import _options
from tapejax.data._csv import CsvDataset, make_csv_dataset
from tapejax.data._dataset import (
    AUTOTUNE,
    INFINITE,
    UNKNOWN,
    Dataset,
    DatasetSpec,
    Optional,
    OwnedIterator,
    TextLineDataset,
)
from tapejax.data._options import Options

INFINITE_CARDINALITY = INFINITE
UNKNOWN_CARDINALITY = UNKNOWN
Iterator = OwnedIterator

experimental = _namespaces.make("data.experimental", "tf.data.experimental", {
    "AUTOTUNE": AUTOTUNE, "INFINITE_CARDINALITY": INFINITE, "UNKNOWN_CARDINALITY": UNKNOWN,
    "cardinality": lambda dataset: dataset.cardinality(), "Optional": Optional,
    "sample_from_datasets": Dataset.sample_from_datasets,
    "choose_from_datasets": Dataset.choose_from_datasets,
    "CsvDataset": CsvDataset, "make_csv_dataset": make_csv_dataset,
    "AutoShardPolicy": _options.AutoShardPolicy, "ExternalStatePolicy": _options.ExternalStatePolicy,
    "AutotuneAlgorithm": _options.AutotuneAlgorithm, "AutotuneOptions": _options.AutotuneOptions,
    "DistributeOptions": _options.DistributeOptions,
    "OptimizationOptions": _options.OptimizationOptions, "ThreadingOptions": _options.ThreadingOptions,
})

__all__ = ["AUTOTUNE", "Dataset", "DatasetSpec", "INFINITE_CARDINALITY", "Iterator", "Options",
           "TextLineDataset", "UNKNOWN_CARDINALITY", "experimental"]
