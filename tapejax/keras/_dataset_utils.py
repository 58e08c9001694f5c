"""Keras' dataset utilities on `tf.data`: `timeseries_dataset_from_array`,
`image_dataset_from_directory`, `text_dataset_from_directory` (Keras 3's `format="tf"` path) and
`audio_dataset_from_directory` (WAV files through `tf.audio.decode_wav`).

Files are indexed as Keras does (sorted class subdirectories, sorted files, the same
`np.random.RandomState(seed)` shuffle of the file list), so with `shuffle=False` the elements and
their order equal Keras'; with `shuffle=True` the file list is Keras' and the `Dataset.shuffle` after
it draws tapejax's order (same buffer size and seed, different generator).
"""

from __future__ import annotations

import functools
import os
import sys

import numpy as np
import scipy.sparse

from tapejax import _io as tf_io
from tapejax import _ragged
from tapejax import data as tf_data
from tapejax._ops import array_ops, image_codec_ops, image_ops, string_ops
from tapejax._ops._convert import convert_to_tensor
from tapejax.keras import _config

__all__ = ["timeseries_dataset_from_array", "image_dataset_from_directory", "text_dataset_from_directory",
           "audio_dataset_from_directory"]

IMAGE_FORMATS = (".bmp", ".gif", ".jpeg", ".jpg", ".png")
INTERPOLATIONS = ("bilinear", "nearest", "bicubic", "area", "lanczos3", "lanczos5", "gaussian",
                  "mitchellcubic")


def _print(message):
    sys.stdout.write(f"{message}\n")


def _check_format(format):
    if format not in ("tf", "grain"):
        raise ValueError(f'`format` should be either "tf" or "grain". Received: format={format}')
    if format == "grain":
        raise NotImplementedError("format='grain' is not implemented in tapejax: use format='tf' (the "
                                  "default), which returns a tf.data.Dataset (run on grain).")


# ==== timeseries ================================================================================
def timeseries_dataset_from_array(data, targets, sequence_length, sequence_stride=1, sampling_rate=1,
                                  batch_size=128, shuffle=False, seed=None, start_index=None,
                                  end_index=None, format="tf"):
    """A dataset of sliding windows over `data` (and the target at each window's start), as
    `keras.utils.timeseries_dataset_from_array`.

    Args:
      data: an array (or list) of timesteps along axis 0.
      targets: the target of the window starting at each index (relative to `start_index`), or
        None for windows only.
      sequence_length: timesteps per window.
      sequence_stride: steps between the starts of successive windows.
      sampling_rate: steps between successive timesteps within a window.
      batch_size: windows per batch, or None for unbatched windows.
      shuffle: shuffle the windows (Keras' shuffle of the start positions, then a buffer shuffle).
      seed: the shuffle's seed.
      start_index, end_index: the part of `data` used (`end_index` excluded).
      format: "tf" (a Dataset).

    Returns:
      A `tf.data.Dataset` of `(window, target)` pairs (windows alone when `targets` is None).
    """
    if start_index:
        if start_index < 0:
            raise ValueError(f"`start_index` must be 0 or greater. Received: start_index={start_index}")
        if start_index >= len(data):
            raise ValueError(f"`start_index` must be lower than the length of the data. Received: "
                             f"start_index={start_index}, for data of length {len(data)}")
    if end_index:
        if start_index and end_index <= start_index:
            raise ValueError(f"`end_index` must be higher than `start_index`. Received: "
                             f"start_index={start_index}, and end_index={end_index} ")
        if end_index >= len(data):
            raise ValueError(f"`end_index` must be lower than the length of the data. Received: "
                             f"end_index={end_index}, for data of length {len(data)}")
        if end_index <= 0:
            raise ValueError(f"`end_index` must be higher than 0. Received: end_index={end_index}")
    if sampling_rate <= 0:
        raise ValueError(f"`sampling_rate` must be higher than 0. Received: sampling_rate={sampling_rate}")
    if sampling_rate >= len(data):
        raise ValueError(f"`sampling_rate` must be lower than the length of the data. Received: "
                         f"sampling_rate={sampling_rate}, for data of length {len(data)}")
    if sequence_stride <= 0:
        raise ValueError(f"`sequence_stride` must be higher than 0. Received: "
                         f"sequence_stride={sequence_stride}")
    if sequence_stride >= len(data):
        raise ValueError(f"`sequence_stride` must be lower than the length of the data. Received: "
                         f"sequence_stride={sequence_stride}, for data of length {len(data)}")
    _check_format(format)
    start_index = 0 if start_index is None else start_index
    end_index = len(data) if end_index is None else end_index
    num_seqs = end_index - start_index - (sequence_length - 1) * sampling_rate
    if targets is not None:
        num_seqs = min(num_seqs, len(targets))
    index_dtype = "int32" if num_seqs < 2147483647 else "int64"
    start_positions = np.arange(0, num_seqs, sequence_stride, dtype=index_dtype)
    if shuffle:
        if seed is None:
            seed = np.random.randint(1e6)
        np.random.RandomState(seed).shuffle(start_positions)
    positions = convert_to_tensor(start_positions)
    offsets = convert_to_tensor(np.arange(sequence_length, dtype=index_dtype) * np.asarray(
        sampling_rate, index_dtype))
    steps = convert_to_tensor(data[start_index:end_index])
    if targets is None:
        def window(i):
            return array_ops.gather(steps, array_ops.gather(positions, i) + offsets)
    else:
        target_steps = convert_to_tensor(targets[start_index:end_index])

        def window(i):
            start = array_ops.gather(positions, i)
            return array_ops.gather(steps, start + offsets), array_ops.gather(target_steps, start)
    dataset = tf_data.Dataset.range(len(start_positions)).map(window, num_parallel_calls=tf_data.AUTOTUNE)
    dataset = dataset.prefetch(tf_data.AUTOTUNE)
    if batch_size is not None:
        if shuffle:
            dataset = dataset.shuffle(buffer_size=batch_size * 8, seed=seed)
        dataset = dataset.batch(batch_size)
    elif shuffle:
        dataset = dataset.shuffle(buffer_size=1024, seed=seed)
    return dataset


# ==== indexing a directory ======================================================================
_ONLY = {"image": "images", "text": "text samples", "audio": "audio samples"}


def _check_labels(labels, class_names, what):
    if labels not in ("inferred", None):
        if not isinstance(labels, (list, tuple)):
            raise ValueError(
                f"{'The ' if what == 'audio' else ''}`labels` argument should be a list/tuple of integer "
                f"labels, of the same size as the "
                f"number of {what} files in the target directory. If you wish to infer the labels from "
                f"the subdirectory names in the target directory, pass `labels=\"inferred\"`. If you wish "
                f"to get a dataset that only contains {_ONLY[what]} "
                f"(no labels), pass `labels=None`. Received: labels={labels}")
        if class_names:
            raise ValueError(f'You can only pass `class_names` if `labels="inferred"`. Received: '
                             f"labels={labels}, and class_names={class_names}")


def _check_label_mode(label_mode):
    if label_mode not in {"int", "categorical", "binary", None}:
        raise ValueError('`label_mode` argument must be one of "int", "categorical", "binary", or None. '
                         f"Received: label_mode={label_mode}")


def _check_validation_split(validation_split, subset, shuffle, seed):
    if validation_split and not 0 < validation_split < 1:
        raise ValueError(f"`validation_split` must be between 0 and 1, received: {validation_split}")
    if (validation_split or subset) and not (validation_split and subset):
        raise ValueError("If `subset` is set, `validation_split` must be set, and inversely.")
    if subset not in ("training", "validation", "both", None):
        raise ValueError(f'`subset` must be either "training", "validation" or "both", received: {subset}')
    if validation_split and shuffle and seed is None:
        raise ValueError("If using `validation_split` and shuffling the data, you must provide a `seed` "
                         "argument, to make sure that there is no overlap between the training and "
                         "validation subset.")


def _valid_files(directory, follow_links, formats):
    for root, _, files in sorted(os.walk(directory, followlinks=follow_links), key=lambda x: x[0]):
        for fname in sorted(files):
            if fname.lower().endswith(formats):
                yield root, fname


def _index_subdirectory(directory, follow_links, formats):
    dirname = os.path.basename(directory)
    return [os.path.join(dirname, os.path.relpath(os.path.join(root, fname), directory))
            for root, fname in _valid_files(directory, follow_links, formats)]


def index_directory(directory, labels, formats, class_names=None, shuffle=True, seed=None,
                    follow_links=False, verbose=True):
    """Keras' `dataset_utils.index_directory`: `(file_paths, labels, class_names)`, printing
    Keras' "Found N files belonging to K classes." line when `verbose`."""
    if labels == "inferred":
        subdirs = [d for d in sorted(os.listdir(directory))
                   if os.path.isdir(os.path.join(directory, d)) and not d.startswith(".")]
        if class_names is not None:
            if not set(class_names).issubset(set(subdirs)):
                raise ValueError(
                    f"The `class_names` passed did not match the names of the subdirectories of the "
                    f"target directory. Expected: {subdirs} (or a subset of it), but received: "
                    f"class_names={class_names}")
            subdirs = class_names
    else:
        subdirs = [""]
        if class_names is not None:
            if labels is None:
                raise ValueError("When `labels=None` (no labels), argument `class_names` cannot be "
                                 "specified.")
            raise ValueError("When argument `labels` is specified, argument `class_names` cannot be "
                             "specified (the `class_names` will be the sorted list of labels).")
    class_names = subdirs
    filenames, per_class = [], []
    for subdir in subdirs:
        found = _index_subdirectory(os.path.join(directory, subdir), follow_links, formats)
        filenames += found
        per_class.append(len(found))
    if labels == "inferred":
        labels = np.repeat(np.arange(len(per_class), dtype="int32"), per_class)
    elif labels is None:
        class_names = None
    else:
        if len(labels) != len(filenames):
            raise ValueError(
                f"Expected the lengths of `labels` to match the number of files in the target "
                f"directory. len(labels) is {len(labels)} while we found {len(filenames)} files in "
                f"directory {directory}.")
        class_names = [str(label) for label in sorted(set(labels))]
    if verbose:
        if labels is None:
            _print(f"Found {len(filenames)} files.")
        else:
            _print(f"Found {len(filenames)} files belonging to {len(class_names)} classes.")
    file_paths = [os.path.join(directory, fname) for fname in filenames]
    if shuffle:
        if seed is None:
            seed = np.random.randint(1e6)
        np.random.RandomState(seed).shuffle(file_paths)
        if labels is not None:
            np.random.RandomState(seed).shuffle(labels)
    return file_paths, labels, class_names


def _split(samples, labels, validation_split, subset):
    if not validation_split:
        return samples, labels
    num_val = int(validation_split * len(samples))
    if subset == "training":
        _print(f"Using {len(samples) - num_val} files for training.")
        return samples[:-num_val], None if labels is None else labels[:-num_val]
    if subset == "validation":
        _print(f"Using {num_val} files for validation.")
        return samples[-num_val:], None if labels is None else labels[-num_val:]
    raise ValueError(f'`subset` must be either "training" or "validation", received: {subset}')


def _labels_dataset_values(labels, label_mode, num_classes):
    """The label of each file as Keras' `labels_to_dataset_tf` maps it."""
    labels = convert_to_tensor(list(labels) if not isinstance(labels, np.ndarray) else labels)
    if label_mode == "binary":
        return array_ops.expand_dims(labels.numpy().astype(np.float32), -1)
    if label_mode == "categorical":
        return array_ops.one_hot(labels, num_classes)
    return labels


def _from_directory(directory, labels, label_mode, class_names, batch_size, shuffle, seed,
                    validation_split, subset, follow_links, verbose, formats, what, load):
    """The shared body of image/text_dataset_from_directory: index, split, load, batch."""
    _check_validation_split(validation_split, subset, shuffle, seed)
    if seed is None:
        seed = np.random.randint(1e6)
    paths, labels, class_names = index_directory(directory, labels, formats=formats,
                                                 class_names=class_names, shuffle=shuffle, seed=seed,
                                                 follow_links=follow_links, verbose=verbose)
    if label_mode == "binary" and len(class_names) != 2:
        raise ValueError('When passing `label_mode="binary"`, there must be exactly 2 class_names. '
                         f"Received: class_names={class_names}")
    buffer_size = batch_size * 8 if batch_size is not None else 1024
    num_classes = len(class_names) if class_names else 0
    allowed = f"Allowed formats: {IMAGE_FORMATS}" if what == "image" else "Allowed format: .txt"
    noun = "images" if what == "image" else "text files"

    def build(paths, labels, shuffled):
        path_ds = tf_data.Dataset.from_tensor_slices(paths)
        if label_mode:
            ds = tf_data.Dataset.zip((path_ds, tf_data.Dataset.from_tensor_slices(
                _labels_dataset_values(labels, label_mode, num_classes))))
        else:
            ds = path_ds
        if shuffled:
            ds = ds.shuffle(buffer_size=buffer_size, seed=seed)
        if label_mode:
            ds = ds.map(lambda x, y: (load(x), y), num_parallel_calls=tf_data.AUTOTUNE)
        else:
            ds = ds.map(load, num_parallel_calls=tf_data.AUTOTUNE)
        if batch_size is not None:
            ds = ds.batch(batch_size)
        ds = ds.prefetch(tf_data.AUTOTUNE)
        ds.class_names = class_names
        if what == "image":
            ds.file_paths = paths
        return ds

    if subset == "both":
        train = _split(paths, labels, validation_split, "training")
        val = _split(paths, labels, validation_split, "validation")
        if not train[0]:
            raise ValueError(f"No training {noun} found in directory {directory}. {allowed}")
        if not val[0]:
            raise ValueError(f"No validation {noun} found in directory {directory}. {allowed}")
        return [build(*train, shuffle), build(*val, False)]
    paths, labels = _split(paths, labels, validation_split, subset)
    if not paths:
        raise ValueError(f"No {noun} found in directory {directory}. {allowed}")
    return build(paths, labels, shuffle)


# ==== images ====================================================================================
def _crop_box(height, width, size):
    """Keras' `smart_resize` crop: the largest centered window with `size`'s aspect ratio."""
    target_height, target_width = size
    crop_height = max(min(height, int(float(width * target_height) / target_width)), 1)
    crop_width = max(min(width, int(float(height * target_width) / target_height)), 1)
    top = int(float(height - crop_height) / 2)
    left = int(float(width - crop_width) / 2)
    return slice(top, top + crop_height), slice(left, left + crop_width)


@functools.lru_cache(maxsize=512)
def _sparse_weights(method, in_size, out_size):
    if method in ("bilinear", "bicubic", "area"):
        weights = image_ops._weights(method, in_size, out_size)
    else:
        weights = image_ops._sampled_weights(method, in_size, out_size, False)
    return scipy.sparse.csr_matrix(weights)


def _host_resize(image, size, method):
    """`tf.image.resize` of one HxWxC NumPy image with the weight matrices of tapejax's resize,
    applied on the host as sparse matrices: images of many sizes would otherwise compile one XLA
    program per size, and multi-threaded BLAS stalls in tf.data's reader threads (measured: 20x
    slower than scipy.sparse on a busy 2-core machine). None for lanczos (no weight matrix)."""
    (height, width), (out_h, out_w) = image.shape[:2], size
    if method == "nearest":
        return image[image_ops._nearest_indices(height, out_h)][:, image_ops._nearest_indices(width, out_w)]
    if method not in ("bilinear", "bicubic", "area", "gaussian", "mitchellcubic"):
        return None
    channels = image.shape[2]
    rows = _sparse_weights(method, height, out_h) @ image.astype(np.float32).reshape(height, -1)
    rows = rows.reshape(out_h, width, channels).transpose(1, 0, 2).reshape(width, -1)
    out = _sparse_weights(method, width, out_w) @ rows  # (out_w, out_h * channels)
    return np.ascontiguousarray(out.reshape(out_w, out_h, channels).transpose(1, 0, 2), np.float32)


def _resize(image, size, method):
    out = _host_resize(image, size, method)
    return out if out is not None else image_ops.resize(image, size, method=method).numpy()


def _load_image(path, image_size, num_channels, interpolation, data_format, crop_to_aspect_ratio,
                pad_to_aspect_ratio):
    """Keras' `_load_image_tf` on the host: an HxWxC (or CxHxW) NumPy image."""
    if pad_to_aspect_ratio and crop_to_aspect_ratio:
        raise ValueError("Only one of `pad_to_aspect_ratio`, `crop_to_aspect_ratio` can be set to `True`.")
    img = image_codec_ops.decode_image(tf_io.read_file(path), channels=num_channels,
                                       expand_animations=False).numpy()
    if crop_to_aspect_ratio:
        rows, cols = _crop_box(img.shape[0], img.shape[1], image_size)
        img = _resize(img[rows, cols], image_size, interpolation)
    elif pad_to_aspect_ratio:
        img = image_ops.resize_with_pad(img, image_size[0], image_size[1], method=interpolation).numpy()
    else:
        img = _resize(img, image_size, interpolation)
    if data_format == "channels_first":
        img = np.ascontiguousarray(np.transpose(img, (2, 0, 1)))
    return img


def image_dataset_from_directory(directory, labels="inferred", label_mode="int", class_names=None,
                                 color_mode="rgb", batch_size=32, image_size=(256, 256), shuffle=True,
                                 seed=None, validation_split=None, subset=None, interpolation="bilinear",
                                 follow_links=False, crop_to_aspect_ratio=False, pad_to_aspect_ratio=False,
                                 data_format=None, format="tf", verbose=True):
    """A dataset of the images under `directory` (one subdirectory per class), as
    `keras.utils.image_dataset_from_directory`.

    Args:
      directory: the root; with `labels="inferred"` each subdirectory is a class.
      labels: "inferred", None (images only), or a list of integer labels in the files' sorted order.
      label_mode: "int" (int32), "categorical" (float32 one-hot), "binary" (float32 `[1]`) or None.
      class_names: the subdirectories to use, in label order (default: all, sorted).
      color_mode: "grayscale", "rgb" or "rgba" (1, 3 or 4 channels).
      batch_size: images per batch, or None for single images.
      image_size: `(height, width)` the images are resized to (float32 outputs, `tf.image.resize`).
      shuffle: shuffle the files (Keras' file-list shuffle, then a buffer of `batch_size * 8`).
      seed: the shuffle's and the validation split's seed.
      validation_split: the fraction kept for validation (the end of the shuffled file list).
      subset: "training", "validation" or "both" (a `[train, validation]` list).
      interpolation: the resize method (Keras' default "bilinear").
      follow_links: follow symbolic links to subdirectories.
      crop_to_aspect_ratio: crop the largest centered window with `image_size`'s aspect ratio first.
      pad_to_aspect_ratio: pad instead of crop (`tf.image.resize_with_pad`).
      data_format: "channels_last" (default, from `keras.backend.image_data_format()`) or
        "channels_first".
      format: "tf".
      verbose: print "Found N files belonging to K classes.".

    Returns:
      A `tf.data.Dataset` (or a list of two) with `class_names` and `file_paths` attributes, of
      `images` or `(images, labels)`.
    """
    _check_labels(labels, class_names, "image")
    _check_label_mode(label_mode)
    if labels is None or label_mode is None:
        labels, label_mode = None, None
    channels = {"rgb": 3, "rgba": 4, "grayscale": 1}.get(color_mode)
    if channels is None:
        raise ValueError('`color_mode` must be one of {"rgb", "rgba", "grayscale"}. '
                         f"Received: color_mode={color_mode}")
    if isinstance(image_size, int):
        image_size = (image_size, image_size)
    elif not isinstance(image_size, (list, tuple)) or not len(image_size) == 2:
        raise ValueError(f"Invalid `image_size` value. Expected a tuple of 2 integers. Received: "
                         f"image_size={image_size}")
    interpolation = interpolation.lower()
    if interpolation not in INTERPOLATIONS:
        raise ValueError(f"Argument `interpolation` should be one of {INTERPOLATIONS}. Received: "
                         f"interpolation={interpolation}")
    _check_format(format)
    data_format = _standardize_data_format(data_format)
    size = tuple(int(s) for s in image_size)

    def load(path):
        return _load_image(path, size, channels, interpolation, data_format, crop_to_aspect_ratio,
                           pad_to_aspect_ratio)
    return _from_directory(directory, labels, label_mode, class_names, batch_size, shuffle, seed,
                           validation_split, subset, follow_links, verbose, IMAGE_FORMATS, "image", load)


def _standardize_data_format(data_format):
    data_format = _config.image_data_format() if data_format is None else str(data_format).lower()
    if data_format not in ("channels_first", "channels_last"):
        raise ValueError("The `data_format` argument must be one of {'channels_first', 'channels_last'}. "
                         f"Received: data_format={data_format}")
    return data_format


# ==== text ======================================================================================
def text_dataset_from_directory(directory, labels="inferred", label_mode="int", class_names=None,
                                batch_size=32, max_length=None, shuffle=True, seed=None,
                                validation_split=None, subset=None, follow_links=False, format="tf",
                                verbose=True):
    """A dataset of the `.txt` files under `directory` (one subdirectory per class), as
    `keras.utils.text_dataset_from_directory`.

    Args:
      directory, labels, label_mode, class_names, batch_size, shuffle, seed, validation_split,
        subset, follow_links, format, verbose: as in `image_dataset_from_directory`.
      max_length: keep at most this many bytes of each file.

    Returns:
      A `tf.data.Dataset` (or a list of two) with a `class_names` attribute, of string scalars (or
      vectors, batched) or `(texts, labels)`.
    """
    _check_labels(labels, class_names, "text")
    _check_label_mode(label_mode)
    _check_format(format)
    if labels is None or label_mode is None:
        labels, label_mode = None, None

    def load(path):
        text = tf_io.read_file(path)
        text = text if max_length is None else string_ops.substr(text, 0, max_length)
        # A 0-d object array, not the Tensor: tf.data turns a map function's scalar string Tensor
        # into a `bytes` NumPy array that it cannot batch (|S dtype); an object array stays a string.
        return np.asarray(text.numpy(), dtype=object)
    return _from_directory(directory, labels, label_mode, class_names, batch_size, shuffle, seed,
                           validation_split, subset, follow_links, verbose, (".txt",), "text", load)



# ==== audio =====================================================================================
AUDIO_FORMATS = (".wav",)


def audio_dataset_from_directory(directory, labels="inferred", label_mode="int", class_names=None,
                                 batch_size=32, sampling_rate=None, output_sequence_length=None,
                                 ragged=False, shuffle=True, seed=None, validation_split=None, subset=None,
                                 follow_links=False, verbose=True):
    """A dataset of the `.wav` files under `directory` (one subdirectory per class), as
    `keras.utils.audio_dataset_from_directory`.

    Args:
      directory, labels, label_mode, class_names, shuffle, seed, validation_split, subset,
        follow_links, verbose: as in `image_dataset_from_directory`.
      batch_size: clips per batch (padded with zeros to the longest clip of the batch unless
        `output_sequence_length` or `ragged` is given), or None for single clips.
      sampling_rate: resampling needs tensorflow-io, which tapejax does not use: only None works.
      output_sequence_length: pad or cut every clip to this many samples.
      ragged: batch clips of different lengths as `tf.RaggedTensor`s.

    Returns:
      A `tf.data.Dataset` (or a tuple of two for `subset="both"`) with a `class_names` attribute, of
      float32 `[samples, channels]` clips (batched: `[batch, samples, channels]`) or `(clips, labels)`.

    Raises:
      ValueError: for Keras' invalid arguments (labels, label_mode, ragged with
        output_sequence_length, sampling_rate, validation_split / subset / seed) or no files.
      ImportError: for a `sampling_rate` (Keras asks for tensorflow-io).
    """
    _check_labels(labels, class_names, "audio")
    _check_label_mode(label_mode)
    if ragged and output_sequence_length is not None:
        raise ValueError("Cannot set both `ragged` and `output_sequence_length`")
    if sampling_rate is not None:
        if not isinstance(sampling_rate, int):
            raise ValueError(f"`sampling_rate` should have an integer value. Received: "
                             f"sampling_rate={sampling_rate}")
        if sampling_rate <= 0:
            raise ValueError(f"`sampling_rate` should be higher than 0. Received: sampling_rate={sampling_rate}")
        raise ImportError("To use the argument `sampling_rate`, you should install tensorflow_io. You can "
                          "install it via `pip install tensorflow-io`.")
    if labels is None or label_mode is None:
        labels, label_mode = None, None
    _check_validation_split(validation_split, subset, shuffle, seed)
    if seed is None:
        seed = np.random.randint(1e6)
    buffer_size = batch_size * 8 if batch_size is not None else 1024
    paths, labels, class_names = index_directory(directory, labels, formats=AUDIO_FORMATS,
                                                 class_names=class_names, shuffle=shuffle, seed=seed,
                                                 follow_links=follow_links, verbose=verbose)
    if label_mode == "binary" and len(class_names) != 2:
        raise ValueError('When passing `label_mode="binary"`, there must be exactly 2 class_names. '
                         f"Received: class_names={class_names}")
    num_classes = len(class_names) if class_names else 0
    samples = -1 if output_sequence_length is None else output_sequence_length

    def load(path):
        # Keras maps RaggedTensor.from_tensor over the decoded clips; here it is part of the (host,
        # per element) load: tf.data cannot carry a RaggedTensor out of a traced map.
        audio = tf_io.decode_wav(tf_io.read_file(path), desired_samples=samples).audio
        return _ragged.RaggedTensor.from_tensor(audio) if ragged else audio

    def build(paths, labels, shuffled):
        ds = tf_data.Dataset.from_tensor_slices(paths)
        if label_mode:
            ds = tf_data.Dataset.zip((ds, tf_data.Dataset.from_tensor_slices(
                _labels_dataset_values(labels, label_mode, num_classes))))
        if shuffled:
            ds = ds.shuffle(buffer_size=buffer_size, seed=seed)
        if label_mode:
            ds = ds.map(lambda x, y: (load(x), y), num_parallel_calls=tf_data.AUTOTUNE)
        else:
            ds = ds.map(load, num_parallel_calls=tf_data.AUTOTUNE)
        ds = ds.prefetch(tf_data.AUTOTUNE)
        if batch_size is not None:
            ds = ds.padded_batch(batch_size) if output_sequence_length is None and not ragged else ds.batch(
                batch_size)
        ds.class_names = class_names
        return ds

    allowed = f"Allowed format(s): {AUDIO_FORMATS}"
    if subset == "both":
        train = _split(paths, labels, validation_split, "training")
        if not train[0]:
            raise ValueError(f"No training audio files found in directory {directory}. {allowed}")
        val = _split(paths, labels, validation_split, "validation")
        if not val[0]:
            raise ValueError(f"No validation audio files found in directory {directory}. {allowed}")
        return build(*train, shuffle), build(*val, False)
    paths, labels = _split(paths, labels, validation_split, subset)
    if not paths:
        raise ValueError(f"No audio files found in directory {directory}. {allowed}")
    return build(paths, labels, shuffle)
