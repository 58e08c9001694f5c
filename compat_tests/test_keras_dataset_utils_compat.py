"""keras.utils' dataset utilities (image/text_dataset_from_directory, timeseries_dataset_from_array)
on TensorFlow's Keras 3 and on tapejax.

The trees are PNG images (exact pixels) and text files written into tmp_path. Without shuffling the
elements and their order must equal Keras'; with `shuffle=True` and a seed, the file list (and so
`file_paths` and the validation split) is Keras', but the `Dataset.shuffle` after it draws another
order, so the contents are compared sorted.
"""

import contextlib
import io
import os

import numpy as np
import pytest
from PIL import Image

from compat_tests._harness import raises


@pytest.fixture(scope="module")
def image_tree(tmp_path_factory):
    """3 classes of PNGs of different sizes, with a nested folder, a hidden folder and a non-image."""
    root = tmp_path_factory.mktemp("images")
    rng = np.random.default_rng(0)
    sizes = {"cats": [(5, 7), (9, 4), (6, 6)], "dogs": [(8, 10), (3, 5)], "eels": [(7, 7), (4, 9)]}
    for name, shapes in sizes.items():
        os.makedirs(root / name / "nested")
        for i, (h, w) in enumerate(shapes):
            folder = root / name / ("nested" if i == 1 else "")
            Image.fromarray(rng.integers(0, 256, (h, w, 3), dtype=np.uint8)).save(folder / f"im{i}.png")
        (root / name / "notes.txt").write_text("not an image")
    os.makedirs(root / ".hidden")
    Image.fromarray(np.zeros((4, 4, 3), np.uint8)).save(root / ".hidden" / "x.png")
    Image.fromarray(rng.integers(0, 256, (5, 5, 4), dtype=np.uint8)).save(root / "eels" / "alpha.png")
    return str(root)


@pytest.fixture(scope="module")
def text_tree(tmp_path_factory):
    root = tmp_path_factory.mktemp("texts")
    texts = {"neg": ["bad movie", "awful\nplot", "meh"], "pos": ["great film", "loved it é"]}
    for name, items in texts.items():
        os.makedirs(root / name)
        for i, text in enumerate(items):
            (root / name / f"t{i}.txt").write_bytes(text.encode("utf-8"))
        (root / name / "skip.md").write_text("not text")
    return str(root)


def printed(f):
    """`(f's result, the lines it printed)`."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        result = f()
    return result, out.getvalue().splitlines()


def elements(ds):
    return [e for e in ds]


def sorted_rows(ds):
    """The unbatched elements as tuples of NumPy values, sorted (order-independent contents;
    images are ordered by their rounded values, then compared with the usual tolerance)."""
    rows = []
    for batch in ds:  # rows split in NumPy (tapejax's Dataset.unbatch fails on string batches)
        parts = [np.asarray(p.numpy()) for p in (batch if isinstance(batch, tuple) else (batch,))]
        rows += [tuple(np.asarray(p[i]) for p in parts) for i in range(len(parts[0]))]

    def key(row):
        return tuple(p.tobytes() if p.dtype.kind in "SO" else np.round(p.astype(np.float64), 2).tobytes()
                     for p in reversed(row))
    return sorted(rows, key=key)


def spec_summary(ds):
    spec = ds.element_spec
    specs = spec if isinstance(spec, tuple) else (spec,)
    return [(s.dtype.name, len(s.shape)) for s in specs]


# ==== image_dataset_from_directory ===============================================================
@pytest.mark.parametrize("options", [
    {},
    {"label_mode": "categorical", "batch_size": 3},
    {"label_mode": None, "color_mode": "grayscale"},
    {"labels": None, "color_mode": "rgba", "batch_size": None},
    {"interpolation": "nearest", "image_size": 5},
    {"interpolation": "bicubic", "crop_to_aspect_ratio": True, "image_size": (3, 6)},
    {"interpolation": "area", "crop_to_aspect_ratio": True, "image_size": (6, 3)},
    {"pad_to_aspect_ratio": True, "image_size": (4, 8)},
    {"class_names": ["eels", "cats"]},
    {"data_format": "channels_first", "image_size": (3, 5)},
    {"data_format": "channels_first", "crop_to_aspect_ratio": True, "image_size": (3, 5)},
    {"labels": [2, 0, 1, 1, 0, 2, 2, 0], "label_mode": "categorical"},
])
def test_image_dataset_from_directory_without_shuffling_equals_keras(compare, image_tree, options):
    @raises("ValueError", optional_=True)
    def program(tf):
        kwargs = {"image_size": (4, 6), "batch_size": 2, **options}
        ds, lines = printed(lambda: tf.keras.utils.image_dataset_from_directory(
            image_tree, shuffle=False, **kwargs))
        return elements(ds), ds.class_names, ds.file_paths, lines, spec_summary(ds)
    compare(program, atol=1e-4)


def test_image_dataset_from_directory_binary_labels(compare, image_tree):
    def program(tf):
        ds = tf.keras.utils.image_dataset_from_directory(image_tree, class_names=["cats", "dogs"],
                                                         label_mode="binary", image_size=(3, 3),
                                                         shuffle=False, verbose=False)
        return elements(ds), ds.class_names
    compare(program, atol=1e-4)


@pytest.mark.parametrize("subset", ["training", "validation"])
def test_image_dataset_from_directory_validation_split_takes_keras_files(compare, image_tree, subset):
    def program(tf):
        ds, lines = printed(lambda: tf.keras.utils.image_dataset_from_directory(
            image_tree, image_size=(4, 4), batch_size=2, validation_split=0.3, subset=subset, seed=7))
        return sorted_rows(ds), ds.file_paths, ds.class_names, lines
    compare(program, atol=1e-4)


def test_image_dataset_from_directory_subset_both_returns_training_and_validation(compare, image_tree):
    def program(tf):
        (train, val), lines = printed(lambda: tf.keras.utils.image_dataset_from_directory(
            image_tree, image_size=(2, 3), validation_split=0.25, subset="both", seed=3,
            label_mode="categorical"))
        return (sorted_rows(train), train.file_paths, elements(val), val.file_paths, val.class_names,
                lines)
    compare(program, atol=1e-4)


def test_image_dataset_from_directory_shuffles_keras_file_list_and_the_same_contents(compare, image_tree):
    def program(tf):
        ds = tf.keras.utils.image_dataset_from_directory(image_tree, image_size=(3, 3), seed=11,
                                                         batch_size=4, verbose=False)
        first, second = sorted_rows(ds), sorted_rows(ds)
        return first, second, ds.file_paths
    compare(program, atol=1e-4)


def test_image_dataset_from_directory_reshuffles_each_epoch(tf, image_tree):
    ds = tf.keras.utils.image_dataset_from_directory(image_tree, image_size=(3, 3), seed=5,
                                                     batch_size=None, verbose=False)
    orders = {tuple(int(y) for _, y in ds) for _ in range(6)}
    assert len(orders) > 1


@pytest.mark.parametrize("options", [
    {"label_mode": "binary"},
    {"color_mode": "cmyk"},
    {"label_mode": "sparse"},
    {"class_names": ["cats", "birds"]},
    {"validation_split": 0.2, "subset": "training"},
    {"validation_split": 0.2},
    {"validation_split": 1.5, "subset": "training", "seed": 1},
    {"subset": "test", "validation_split": 0.2, "seed": 1},
    {"image_size": (1, 2, 3)},
    {"interpolation": "linear"},
    {"labels": "folders"},
    {"labels": [0, 1], "class_names": ["a"]},
    {"labels": [0, 1]},
    {"format": "numpy"},
])
def test_image_dataset_from_directory_argument_errors(compare, image_tree, options):
    compare(lambda tf: tf.keras.utils.image_dataset_from_directory(image_tree, verbose=False, **options), raises="ValueError")


def test_image_dataset_from_directory_of_a_directory_without_images(compare, tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "x.txt").write_text("x")
    compare(lambda tf: printed(lambda: tf.keras.utils.image_dataset_from_directory(str(tmp_path))), raises="ValueError")


def test_preprocessing_aliases_are_the_utils_functions(tf):
    for name in ("image_dataset_from_directory", "text_dataset_from_directory",
                 "timeseries_dataset_from_array"):
        assert getattr(tf.keras.preprocessing, name) is getattr(tf.keras.utils, name)


# ==== text_dataset_from_directory ================================================================
@pytest.mark.parametrize("options", [
    {},
    {"max_length": 4, "label_mode": "categorical"},
    {"label_mode": "binary", "batch_size": None},
    {"labels": None},
    {"class_names": ["pos"]},
])
def test_text_dataset_from_directory_without_shuffling_equals_keras(compare, text_tree, options):
    def program(tf):
        opts = dict(options)
        batch_size = opts.pop("batch_size", 2)
        ds, lines = printed(lambda: tf.keras.utils.text_dataset_from_directory(
            text_tree, shuffle=False, batch_size=batch_size, **opts))
        return elements(ds), ds.class_names, lines, spec_summary(ds)
    compare(program, atol=1e-4)


def test_text_dataset_from_directory_split_and_shuffle(compare, text_tree):
    def program(tf):
        (train, val), lines = printed(lambda: tf.keras.utils.text_dataset_from_directory(
            text_tree, validation_split=0.4, subset="both", seed=2, batch_size=2))
        return sorted_rows(train), elements(val), train.class_names, lines
    compare(program, atol=1e-4)


def test_text_dataset_from_directory_argument_errors(compare, text_tree):
    compare(lambda tf: tf.keras.utils.text_dataset_from_directory(text_tree, label_mode="int8"), raises="ValueError")
    compare(lambda tf: tf.keras.utils.text_dataset_from_directory(text_tree, labels="x"), raises="ValueError")


# ==== timeseries_dataset_from_array ==============================================================
SERIES = np.arange(30, dtype=np.float64).reshape(15, 2) * 1.5
TARGETS = np.arange(15) * 10


@pytest.mark.parametrize("options", [
    {"sequence_length": 4},
    {"sequence_length": 3, "sequence_stride": 2, "sampling_rate": 2, "batch_size": 2},
    {"sequence_length": 2, "start_index": 3, "end_index": 12, "batch_size": 4},
    {"sequence_length": 5, "batch_size": None},
    {"sequence_length": 3, "targets": None, "batch_size": 3},
    {"sequence_length": 3, "targets": TARGETS[:6]},
    {"sequence_length": 2, "data": [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0], [7.0, 8.0]], "targets": [1, 2, 3, 4]},
])
def test_timeseries_dataset_from_array_equals_keras(compare, options):
    def program(tf):
        kwargs = {"data": SERIES, "targets": TARGETS, **options}
        ds = tf.keras.utils.timeseries_dataset_from_array(**kwargs)
        return elements(ds), spec_summary(ds)
    compare(program, atol=1e-4)


def test_timeseries_dataset_from_array_shuffled_has_keras_windows(compare):
    def program(tf):
        ds = tf.keras.utils.timeseries_dataset_from_array(SERIES, TARGETS, 3, sequence_stride=2,
                                                          shuffle=True, seed=4, batch_size=2)
        return sorted_rows(ds), sorted_rows(ds)
    compare(program, atol=1e-4)


@pytest.mark.parametrize("options", [
    {"start_index": -1}, {"start_index": 20}, {"start_index": 5, "end_index": 4},
    {"end_index": 20}, {"sampling_rate": 0}, {"sampling_rate": 15}, {"sequence_stride": 0},
    {"sequence_stride": 30}, {"format": "pandas"},
])
def test_timeseries_dataset_from_array_argument_errors(compare, options):
    compare(lambda tf: tf.keras.utils.timeseries_dataset_from_array(SERIES, TARGETS, 3, **options), raises="ValueError")


def test_a_model_fits_on_an_image_dataset(tf, image_tree):
    ds = tf.keras.utils.image_dataset_from_directory(image_tree, image_size=(4, 4), batch_size=4,
                                                     seed=1, verbose=False)
    model = tf.keras.Sequential([tf.keras.layers.Input((4, 4, 3)), tf.keras.layers.Rescaling(1 / 255),
                                 tf.keras.layers.Flatten(), tf.keras.layers.Dense(3)])
    model.compile(optimizer="sgd", loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    history = model.fit(ds, epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2 and all(np.isfinite(history.history["loss"]))

