"""`tf.data`: input pipelines (`tf.data.Dataset`) on grain, with TF's semantics."""

from tapejax import _namespaces
from tapejax.data import _csv, _dataset, _options
from tapejax.data._dataset import AUTOTUNE, Dataset, DatasetSpec, TextLineDataset
from tapejax.data._options import Options
from tapejax.data._tfrecord import TFRecordDataset

INFINITE_CARDINALITY = _dataset.INFINITE
UNKNOWN_CARDINALITY = _dataset.UNKNOWN
Iterator = _dataset.OwnedIterator

experimental = _namespaces.make("data.experimental", "tf.data.experimental", {
    "AUTOTUNE": AUTOTUNE, "INFINITE_CARDINALITY": INFINITE_CARDINALITY, "UNKNOWN_CARDINALITY": UNKNOWN_CARDINALITY,
    "cardinality": lambda dataset: dataset.cardinality(), "Optional": _dataset.Optional,
    "sample_from_datasets": Dataset.sample_from_datasets,
    "choose_from_datasets": Dataset.choose_from_datasets,
    "CsvDataset": _csv.CsvDataset, "make_csv_dataset": _csv.make_csv_dataset,
    "AutoShardPolicy": _options.AutoShardPolicy, "ExternalStatePolicy": _options.ExternalStatePolicy,
    "AutotuneAlgorithm": _options.AutotuneAlgorithm, "AutotuneOptions": _options.AutotuneOptions,
    "DistributeOptions": _options.DistributeOptions,
    "OptimizationOptions": _options.OptimizationOptions, "ThreadingOptions": _options.ThreadingOptions,
})

__all__ = ["AUTOTUNE", "Dataset", "DatasetSpec", "INFINITE_CARDINALITY", "Iterator", "Options",
           "TFRecordDataset", "TextLineDataset", "UNKNOWN_CARDINALITY", "experimental"]
