"""Unit tests of tapejax.keras._dataset_utils (Keras' values are compared in
compat_tests/test_keras_dataset_utils_compat.py): the host resize equals tf.image.resize, the
directory index, and what tapejax's pipeline gives (strings batched, specs, errors)."""

import os

import numpy as np
import pytest
from PIL import Image

import tapejax as tf
from tapejax.keras import _dataset_utils


@pytest.mark.parametrize("method", ["bilinear", "bicubic", "area", "nearest", "gaussian", "mitchellcubic"])
@pytest.mark.parametrize("shape, size", [((7, 11, 3), (4, 5)), ((5, 4, 1), (9, 13)), ((6, 6, 4), (6, 6))])
def test_host_resize_equals_tf_image_resize(method, shape, size):
    image = np.random.default_rng(1).integers(0, 256, shape, dtype=np.uint8)
    expected = tf.image.resize(image, size, method=method).numpy()
    got = _dataset_utils._host_resize(image, size, method)
    assert got.dtype == expected.dtype and got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-4)


def test_host_resize_leaves_lanczos_to_tf_image_resize():
    image = np.zeros((4, 4, 1), np.uint8)
    assert _dataset_utils._host_resize(image, (2, 2), "lanczos3") is None
    assert _dataset_utils._resize(image, (2, 2), "lanczos3").shape == (2, 2, 1)


@pytest.fixture
def tree(tmp_path):
    for name in ("b", "a", ".hidden"):
        os.makedirs(tmp_path / name / "sub")
        for i, folder in enumerate(["", "sub"]):
            Image.fromarray(np.full((3, 2 + i, 3), 10 * i, np.uint8)).save(tmp_path / name / folder / f"{i}.PNG")
        (tmp_path / name / "readme.txt").write_text("x")
    return str(tmp_path)


def test_index_directory_lists_sorted_classes_and_files_recursively(tree, capsys):
    paths, labels, class_names = _dataset_utils.index_directory(tree, "inferred",
                                                                formats=_dataset_utils.IMAGE_FORMATS,
                                                                shuffle=False)
    assert class_names == ["a", "b"]
    assert [os.path.relpath(p, tree) for p in paths] == ["a/0.PNG", "a/sub/1.PNG", "b/0.PNG", "b/sub/1.PNG"]
    assert labels.tolist() == [0, 0, 1, 1] and labels.dtype == np.int32
    assert capsys.readouterr().out == "Found 4 files belonging to 2 classes.\n"


def test_index_directory_shuffles_paths_and_labels_together(tree):
    paths, labels, _ = _dataset_utils.index_directory(tree, "inferred", formats=(".png",), seed=3,
                                                      verbose=False)
    assert [int(os.path.relpath(p, tree).startswith("b")) for p in paths] == labels.tolist()


def test_image_dataset_has_class_names_file_paths_and_float_batches(tree):
    ds = tf.keras.utils.image_dataset_from_directory(tree, image_size=(4, 5), batch_size=3, shuffle=False,
                                                     label_mode="categorical", verbose=False)
    assert ds.class_names == ["a", "b"] and len(ds.file_paths) == 4
    (x0, y0), (x1, y1) = list(ds)
    assert (x0.dtype, tuple(x0.shape), tuple(x1.shape)) == (tf.float32, (3, 4, 5, 3), (1, 4, 5, 3))
    assert (y0.dtype, y0.numpy().tolist()) == (tf.float32, [[1, 0], [1, 0], [0, 1]])


def test_text_dataset_batches_strings_as_string_tensors(tmp_path):
    for name, text in (("x", "first"), ("y", "second")):
        os.makedirs(tmp_path / name)
        (tmp_path / name / "t.txt").write_text(text)
    ds = tf.keras.utils.text_dataset_from_directory(str(tmp_path), batch_size=2, shuffle=False, verbose=False)
    texts, labels = next(iter(ds))
    assert texts.dtype == tf.string and texts.numpy().tolist() == [b"first", b"second"]
    assert labels.numpy().tolist() == [0, 1]


def test_timeseries_windows_have_a_static_length():
    ds = tf.keras.utils.timeseries_dataset_from_array(np.arange(10.0), None, 4, batch_size=2)
    assert tuple(ds.element_spec.shape) == (None, 4)
    first = next(iter(ds))
    assert first.numpy().tolist() == [[0.0, 1.0, 2.0, 3.0], [1.0, 2.0, 3.0, 4.0]]


def test_format_grain_is_not_implemented(tree):
    with pytest.raises(NotImplementedError, match="format='tf'"):
        tf.keras.utils.image_dataset_from_directory(tree, format="grain")
    with pytest.raises(NotImplementedError, match="format='tf'"):
        tf.keras.utils.timeseries_dataset_from_array(np.arange(5.0), None, 2, format="grain")
