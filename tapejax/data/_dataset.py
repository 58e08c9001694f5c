"""`tf.data.Dataset`: a lazy pipeline of transformations, run on grain.

Each Dataset is a node that knows its `element_spec` and cardinality. Iterating it builds the
pipeline for that iteration:

- random-access chains (`from_tensor_slices`, `range`, `from_tensors`, `map`, `batch`, `take`,
  `skip`, `shard`, `enumerate`, `zip`, `concatenate`, finite `repeat`, `shuffle` of a finite input)
  become grain `MapDataset`s whose batches are gathered with one NumPy indexing per component (and
  one vectorised call of a fused map function), read in parallel by grain's threads when the
  pipeline asks for parallelism (`num_parallel_calls`, `prefetch`);
- everything else (`filter`, `from_generator`, text files, `interleave`, `unbatch`, infinite
  `repeat`, shuffle of an unbounded input, ...) is a stream of elements, prefetched by grain's
  `ThreadPrefetchIterDataset`.

`shuffle` keeps TF's bounded-buffer semantics: a buffer of `buffer_size` elements, each output drawn
uniformly from it and replaced by the next input element (not a global shuffle).
"""

from __future__ import annotations

import glob
import gzip
import itertools
import os
import zlib

import grain
import grain.experimental as grain_experimental
import numpy as np

from tapejax import _dtypes, _sparse
from tapejax._errors import InvalidArgumentError, NotFoundError, OutOfRangeError
from tapejax._function import TensorSpec, check_host_iteration
from tapejax._ops import random_ops
from tapejax._tensor import Tensor
from tapejax.data import _structure
from tapejax.data._functions import UserFunction, call_user
from tapejax.data._options import Options

INFINITE = -1
UNKNOWN = -2
AUTOTUNE = -1

_iteration_counter = itertools.count(1)


class DatasetSpec:
    """The spec of an element that is itself a Dataset (from `window`)."""

    def __init__(self, element_spec, dataset_shape=()):
        self.element_spec = element_spec
        self.shape = tuple(dataset_shape)
        self.dtype = None

    def __repr__(self):
        return f"DatasetSpec({self.element_spec!r}, TensorShape({list(self.shape)}))"

    def __eq__(self, other):
        return isinstance(other, DatasetSpec) and repr(self) == repr(other)

    __hash__ = object.__hash__


# --------------------------------------------------------------------------------------------------
# Seeds: one per iteration, derived per node, so a seeded pipeline repeats and reshuffles as TF's.
# --------------------------------------------------------------------------------------------------
class _Seeds:
    """Where a node runs in one iteration: which iteration of the root dataset, and the path of
    epochs (`repeat`) and parts (`zip`, `concatenate`, ...) above it."""

    def __init__(self, iteration, path=()):
        self.iteration = iteration
        self.path = path

    def child(self, k):
        return _Seeds(self.iteration, self.path + (k,))

    def for_node(self, node_seed, reshuffle):
        """The seed of a random node: fixed per node and position, new per iteration if
        `reshuffle` (so a seeded pipeline repeats run to run and reshuffles epoch to epoch)."""
        return _mix(node_seed, self.path, self.iteration if reshuffle else 0)


def _node_seed(op_seed):
    """A random node's own seed, as TF derives it: from the op seed and the global seed, or at
    random when neither is set."""
    global_seed = random_ops._global.seed
    if op_seed is None and global_seed is None:
        return int(np.random.SeedSequence().entropy % (2**62))
    return _mix(global_seed, op_seed, next(_iteration_counter) if op_seed is None else 0)


def _mix(*parts):
    return zlib.crc32(repr(parts).encode()) * 2654435761 % (2**63)


# --------------------------------------------------------------------------------------------------
# Random access: grain MapDatasets that gather batches with vectorised NumPy indexing.
# --------------------------------------------------------------------------------------------------
class _Access(grain.MapDataset):
    """A random-access node: `_gather(indices)` returns the elements at `indices` as one batch."""

    def __init__(self, parents, length, structure):
        super().__init__(parents)
        self._length = length
        self._structure = structure

    def __len__(self):
        return self._length

    def __getitem__(self, index):
        if isinstance(index, slice):
            return self.slice(index)
        return _structure.slices(self._gather(np.asarray([index], np.int64)), 0)

    def _getitems(self, indices):
        batch = self._gather(np.asarray(indices, np.int64))
        return [_structure.slices(batch, i) for i in range(len(indices))]

    def __str__(self):
        return type(self).__name__


class _Arrays(_Access):
    def __init__(self, element, length):
        super().__init__((), length, element)
        self._flat = _structure.flatten(element)

    def _gather(self, idx):
        return _structure.pack(self._structure, [a[idx] for a in self._flat])


class _Repeated(_Access):
    """`from_tensors`: one element, repeated by index (so `repeat` and `batch` stay vectorised)."""

    def __init__(self, element, length=1):
        super().__init__((), length, element)
        self._flat = _structure.flatten(element)

    def _gather(self, idx):
        return _structure.pack(self._structure, [
            np.broadcast_to(a, (len(idx),) + a.shape).copy() if a.dtype != object else
            _structure._stack_objects([a] * len(idx)) for a in self._flat])


class _RangeAccess(_Access):
    def __init__(self, start, step, length, dtype):
        super().__init__((), length, None)
        self._start, self._step, self._dtype = start, step, dtype

    def _gather(self, idx):
        return (self._start + idx * self._step).astype(self._dtype)


class _Remap(_Access):
    """Elements of `parent` at `indices_of(idx)`: take, skip, shard, shuffle permutations."""

    def __init__(self, parent, length, indices_of):
        super().__init__((parent,), length, parent._structure)
        self._p = parent
        self._indices_of = indices_of

    def _gather(self, idx):
        return self._p._gather(self._indices_of(idx))


class _Concat(_Access):
    def __init__(self, parts):
        lengths = [len(p) for p in parts]
        super().__init__(tuple(parts), sum(lengths), parts[0]._structure)
        self._parts = parts
        self._ends = np.cumsum(lengths)

    def _gather(self, idx):
        which = np.searchsorted(self._ends, idx, side="right")
        starts = np.concatenate([[0], self._ends[:-1]])
        pieces, order = [], []
        for k in np.unique(which):
            sel = np.nonzero(which == k)[0]
            pieces.append(self._parts[k]._gather(idx[sel] - starts[k]))
            order.append(sel)
        return _merge(pieces, order, len(idx))


def _merge(pieces, order, n):
    if len(pieces) == 1:
        return pieces[0]
    flat = [_structure.flatten(p) for p in pieces]
    structure = pieces[0]
    out = []
    for comp in zip(*flat):
        full = np.empty((n,) + comp[0].shape[1:], comp[0].dtype)
        for sel, part in zip(order, comp):
            full[sel] = part
        out.append(full)
    return _structure.pack(structure, out)


class _Epochs(_Access):
    """Finite `repeat`: epoch k is the parent built for that epoch (a fresh shuffle per epoch)."""

    def __init__(self, build_epoch, epoch_length, count):
        first = build_epoch(0)
        super().__init__((first,), epoch_length * count, first._structure)
        self._build = build_epoch
        self._n = epoch_length
        self._epochs = {0: first}

    def _epoch(self, k):
        found = self._epochs.get(k)
        if found is None:
            if len(self._epochs) > 2:
                self._epochs.pop(min(self._epochs))
            found = self._epochs[k] = self._build(k)
        return found

    def _gather(self, idx):
        epochs = idx // self._n
        pieces, order = [], []
        for k in np.unique(epochs):
            sel = np.nonzero(epochs == k)[0]
            pieces.append(self._epoch(int(k))._gather(idx[sel] % self._n))
            order.append(sel)
        return _merge(pieces, order, len(idx))


class _Zipped(_Access):
    def __init__(self, parts, structure):
        super().__init__(tuple(parts), min(len(p) for p in parts), structure)
        self._parts = parts

    def _gather(self, idx):
        return _structure.pack(self._structure, [p._gather(idx) for p in self._parts])


class _Mapped(_Access):
    def __init__(self, parent, fn, structure):
        super().__init__((parent,), len(parent), structure)
        self._p = parent
        self._fn = fn

    def _gather(self, idx):
        batch = self._p._gather(idx)
        if self._fn.vectorizable and len(idx) > 1:
            return self._fn.on_batch(batch)
        elements = [self._fn(_structure.slices(batch, i)) for i in range(len(idx))]
        return _structure.stack(elements, self._structure)


class _Batched(_Access):
    def __init__(self, parent, size, drop_remainder, structure):
        n = len(parent)
        length = n // size if drop_remainder else -(-n // size)
        super().__init__((parent,), length, structure)
        self._p, self._size, self._n = parent, size, n
        if isinstance(parent, _Mapped) and parent._fn.vectorizable:
            for rows in {min(size, n), n % size if not drop_remainder else 0} - {0, 1}:
                parent._fn.prepare_batch(rows)

    def _gather(self, idx):
        # A batch of batches: only ever asked one index at a time (the next batch).
        batches = []
        for i in idx:
            rows = np.arange(i * self._size, min((i + 1) * self._size, self._n), dtype=np.int64)
            batches.append(self._p._gather(rows))
        if len(batches) == 1:
            return _structure.map_components(lambda a: a[None], batches[0])
        return _structure.stack(batches, self._structure)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return self.slice(index)
        rows = np.arange(index * self._size, min((index + 1) * self._size, self._n), dtype=np.int64)
        return self._p._gather(rows)


def tf_shuffle_order(n, buffer_size, rng):
    """The order in which TF's shuffle buffer emits `n` inputs (input i is emitted at some output
    position with the bounded-buffer rule: each output is uniform over the buffer)."""
    b = min(buffer_size, n)
    buffer = list(range(b))
    out = []
    picks = rng.integers(0, b, size=max(n - b, 0)) if b else []
    for j, r in zip(range(b, n), picks):
        out.append(buffer[r])
        buffer[r] = j
    tail = np.asarray(buffer, np.int64)
    rng.shuffle(tail)
    return np.concatenate([np.asarray(out, np.int64), tail]) if out else tail


# --------------------------------------------------------------------------------------------------
# Streams: Python iterators of host elements, wrapped as a grain IterDataset where prefetched.
# --------------------------------------------------------------------------------------------------
class _StreamDataset(grain.IterDataset):
    def __init__(self, make):
        super().__init__()
        self._make = make

    def __iter__(self):
        return _StreamIterator(self._make())

    def __str__(self):
        return "tapejax stream"


class _StreamIterator(grain.DatasetIterator):
    """A stream as a grain iterator. Its state is the count of elements read (the tapejax
    iterator restores a position by replaying the pipeline to it)."""

    def __init__(self, it):
        super().__init__()
        self._it = it
        self._produced = 0

    def __next__(self):
        element = next(self._it)
        self._produced += 1
        return element

    def get_state(self):
        return {"produced": self._produced}

    def set_state(self, state):
        if state.get("produced") != self._produced:
            raise NotImplementedError("A tapejax stream is moved to a position by the tf.data iterator "
                                      "that replays it, not by grain.")


def _prefetched(stream, size):
    ds = grain_experimental.ThreadPrefetchIterDataset(
        _StreamDataset(lambda: stream), prefetch_buffer_size=max(1, size))
    return iter(ds)


def _read_threads():
    return max(1, min(4, os.cpu_count() or 1))


# --------------------------------------------------------------------------------------------------
# The Dataset
# --------------------------------------------------------------------------------------------------
class Dataset:
    """A pipeline of elements, as `tf.data.Dataset`.

    Build one with `Dataset.from_tensor_slices`, `range`, `from_tensors`, `from_generator`,
    `TextLineDataset`, ...; transform it with `map`, `batch`, `shuffle`, ...; iterate it in a Python
    loop (elements are tapejax Tensors in the element's structure) or pass it to `Model.fit`.
    """

    _spec = None
    _card = UNKNOWN
    _parallel = 0  # read threads asked for by num_parallel_calls / prefetch
    _options = None

    # -- what subclasses implement -------------------------------------------------------------
    def _access(self, seeds):
        """A random-access `_Access` for this iteration, or None (then `_stream` runs)."""
        return None

    def _stream(self, seeds):
        access = self._access(seeds)
        return _iterate_access(access, 0)

    def _random_access(self):
        return False

    # -- structure -----------------------------------------------------------------------------
    @property
    def element_spec(self):
        """The `TensorSpec` nest of one element."""
        if self._spec is None:
            # A function that could not be traced: its first result gives the spec (TF knows it
            # from its trace).
            # Its dimensions are left unknown: another element may differ.
            first = next(self._host_iterator(_Seeds(0)), None)
            if first is not None:
                self._spec = _structure.map_components(
                    lambda a: a.spec(rows_known=False) if isinstance(a, _structure.HostRagged) else (
                        _sparse.SparseTensorSpec if isinstance(a, _sparse.HostSparse) else TensorSpec)(
                        (None,) * a.ndim, _structure.dtype_of(a)), first)
        return self._spec

    def cardinality(self):
        """The number of elements: an int64 scalar, `tf.data.INFINITE_CARDINALITY` (-1) or
        `tf.data.UNKNOWN_CARDINALITY` (-2)."""
        return Tensor(np.int64(self._card))

    def __len__(self):
        if self._card == INFINITE:
            raise TypeError("The dataset is infinite.")
        if self._card == UNKNOWN:
            raise TypeError("The dataset length is unknown.")
        return self._card

    def __bool__(self):
        return True

    def __repr__(self):
        return f"<{getattr(self, '_tf_name', type(self).__name__)} element_spec={self._spec!r}>"

    # -- iteration -----------------------------------------------------------------------------
    def __iter__(self):
        check_host_iteration("iterating a tf.data.Dataset")
        return OwnedIterator(self)

    def as_numpy_iterator(self):
        """Iterates the elements as NumPy values (strings as `bytes`)."""
        check_host_iteration("iterating a tf.data.Dataset")
        return _NumpyIterator(self)

    def _host_iterator(self, seeds, start=0, to_device=False):
        """The elements as host arrays from position `start`. With `to_device` (the iterator a
        user's loop reads), a prefetching pipeline also moves them to JAX arrays on its threads."""
        if self._random_access():
            access = self._access(seeds)
            if self._parallel:
                ds = access.slice(slice(start, None)) if start else access
                if to_device:
                    ds = ds.map(_structure.to_device)
                if _per_element_work(access):
                    threads = _read_threads()
                    return iter(ds.to_iter_dataset(grain.ReadOptions(
                        num_threads=threads, prefetch_buffer_size=max(2 * threads, 4))))
                # Vectorised work: one background thread keeps batches ready at the cost of a
                # queue read per element (a thread pool would cost a task per element).
                return iter(grain_experimental.ThreadPrefetchIterDataset(
                    ds.to_iter_dataset(grain.ReadOptions(num_threads=0)), prefetch_buffer_size=4))
            return _iterate_access(access, start)
        if to_device and isinstance(self, _Prefetch) and not start:
            return self._stream(seeds, to_device=True)
        it = self._stream(seeds)
        for _ in range(start):
            next(it)
        return it

    # -- constructors --------------------------------------------------------------------------
    @staticmethod
    def from_tensor_slices(tensors, name=None):
        """A dataset of the slices of `tensors` along their first dimension."""
        return _TensorSlices(tensors)

    @staticmethod
    def from_tensors(tensors, name=None):
        """A dataset of one element, `tensors`."""
        return _FromTensors(tensors)

    @staticmethod
    def range(*args, output_type=_dtypes.int64, name=None):
        """`range(stop)`, `range(start, stop[, step])` as int64 (or `output_type`) scalars."""
        return _Range(args, output_type)

    @staticmethod
    def from_generator(generator, output_types=None, output_shapes=None, args=None,
                       output_signature=None, name=None):
        """Elements produced by calling `generator(*args)`: checked against `output_signature`."""
        return _Generator(generator, output_types, output_shapes, args, output_signature)

    @staticmethod
    def zip(*datasets, name=None):
        """Zips datasets (a nest of datasets, or several positional ones) into tuples."""
        if len(datasets) == 1 and not isinstance(datasets[0], Dataset):
            datasets = datasets[0]
        return _Zip(datasets)

    @staticmethod
    def sample_from_datasets(datasets, weights=None, seed=None, stop_on_empty_dataset=False,
                             rerandomize_each_iteration=None):
        """Samples elements from `datasets` at random, with `weights`."""
        return _Sample(list(datasets), weights, seed, stop_on_empty_dataset)

    @staticmethod
    def choose_from_datasets(datasets, choice_dataset, stop_on_empty_dataset=True):
        """Elements from `datasets[i]` for each `i` in `choice_dataset`."""
        return _Choose(list(datasets), choice_dataset, stop_on_empty_dataset)

    @staticmethod
    def list_files(file_pattern, shuffle=None, seed=None, name=None):
        """The file names matching `file_pattern` (a glob), shuffled unless `shuffle=False`."""
        return _list_files(file_pattern, shuffle, seed)

    # -- transformations -----------------------------------------------------------------------
    def map(self, map_func, num_parallel_calls=None, deterministic=None, name=None):
        """Applies `map_func` to each element (traced once, compiled)."""
        return _Map(self, map_func, num_parallel_calls)

    def filter(self, predicate, name=None):
        """Keeps the elements for which `predicate` returns True."""
        return _Filter(self, predicate)

    def batch(self, batch_size, drop_remainder=False, num_parallel_calls=None, deterministic=None,
              name=None):
        """Stacks consecutive elements into batches of `batch_size`."""
        return _Batch(self, batch_size, drop_remainder, num_parallel_calls)

    def padded_batch(self, batch_size, padded_shapes=None, padding_values=None, drop_remainder=False,
                     name=None):
        """Batches elements of different shapes, padding each component to the largest (or
        `padded_shapes`) with `padding_values` (default 0, or b'' for strings)."""
        return _PaddedBatch(self, batch_size, padded_shapes, padding_values, drop_remainder)

    def unbatch(self, name=None):
        """Splits each element into the slices of its first dimension."""
        return _Unbatch(self)

    def shuffle(self, buffer_size, seed=None, reshuffle_each_iteration=True, name=None):
        """Shuffles with a buffer of `buffer_size` elements (TF's bounded-buffer shuffle)."""
        return _Shuffle(self, buffer_size, seed, reshuffle_each_iteration)

    def repeat(self, count=None, name=None):
        """Repeats the dataset `count` times (forever when `count` is None or -1)."""
        return _Repeat(self, count)

    def take(self, count, name=None):
        """The first `count` elements (all of them when `count` is -1)."""
        return _Take(self, count)

    def skip(self, count, name=None):
        """All but the first `count` elements (none when `count` is -1)."""
        return _Skip(self, count)

    def take_while(self, predicate, name=None):
        return _TakeWhile(self, predicate)

    def shard(self, num_shards, index, name=None):
        """Every `num_shards`-th element, starting at `index`."""
        return _Shard(self, num_shards, index)

    def enumerate(self, start=0, name=None):
        """Pairs each element with its int64 index."""
        return _Enumerate(self, start)

    def concatenate(self, dataset, name=None):
        """This dataset's elements followed by `dataset`'s."""
        return _Concatenate(self, dataset)

    def prefetch(self, buffer_size, name=None):
        """Prepares up to `buffer_size` elements ahead in a background thread."""
        return _Prefetch(self, buffer_size)

    def cache(self, filename="", name=None):
        """Keeps the elements after the first full iteration and replays them afterwards."""
        return _Cache(self, filename)

    def snapshot(self, path, compression="AUTO", reader_func=None, shard_func=None, name=None):
        """Persists the dataset's elements on the first full iteration and replays them after.

        Args:
          path: the snapshot's directory (created on the first iteration, as TF does).
          compression: "AUTO", "GZIP", "SNAPPY" or None (how TF compresses its files; unused here).
          reader_func: not supported by tapejax (None reads the elements in their written order).
          shard_func: how TF assigns elements to shard files (unused here: one in-memory copy).
          name: unused.

        Returns:
          A Dataset with this dataset's elements; after one full iteration (as `cache()`) the same
          elements again, so a shuffle before the snapshot stays fixed. tapejax keeps the elements
          in memory: a later process does not read them back from `path`.
        """
        if reader_func is not None:
            raise NotImplementedError("tapejax's Dataset.snapshot does not take a reader_func (its "
                                      "elements are read back in order); drop reader_func, or shuffle "
                                      "after the snapshot.")
        return _Snapshot(self, os.fspath(path))

    def flat_map(self, map_func, name=None):
        """Maps each element to a dataset and flattens the results in order."""
        return _FlatMap(self, map_func)

    def interleave(self, map_func, cycle_length=None, block_length=None, num_parallel_calls=None,
                   deterministic=None, name=None):
        """Maps elements to datasets and interleaves `block_length` elements of `cycle_length` of
        them at a time."""
        return _Interleave(self, map_func, cycle_length, block_length)

    def unique(self, name=None):
        """The elements seen for the first time (scalar int or string elements)."""
        return _Unique(self)

    def window(self, size, shift=None, stride=1, drop_remainder=False, name=None):
        """A dataset of windows, each a dataset of `size` consecutive elements."""
        return _Window(self, size, shift, stride, drop_remainder)

    def scan(self, initial_state, scan_func, name=None):
        return _Scan(self, initial_state, scan_func)

    def apply(self, transformation_func):
        """Returns `transformation_func(self)`."""
        return transformation_func(self)

    def with_options(self, options, name=None):
        """This dataset with `options` (a `tf.data.Options`) merged over its current options."""
        if not isinstance(options, Options):
            raise TypeError(f"`options` must be a `tf.data.Options`, got {type(options).__name__}.")
        out = _Passthrough(self)
        out._options = self.options().merge(options)
        return out

    def options(self):
        """The `tf.data.Options` in effect for this dataset."""
        return (self._options if self._options is not None else Options()).merge(Options())._freeze()

    def reduce(self, initial_state, reduce_func, name=None):
        """Folds the elements into `initial_state` with `reduce_func(state, element)`.

        As TF, `reduce_func` is traced when `reduce` is called, on the state's and the elements'
        specs (again with the state's shape relaxed where a result's shape differs from it), so its
        Python code runs once per trace and a dtype error in it raises TF's graph TypeError then.

        Args:
          initial_state: the initial state, a nest of tensors.
          reduce_func: a function of (state, element) returning the new state, of the initial
            state's structure and dtypes.
          name: unused (TF's op name).

        Returns:
          The final state, in the initial state's structure.
        """
        state = _structure.normalize(initial_state)
        state_spec = _structure.spec_of(state)
        elem_spec = self.element_spec
        fn, traced = None, []
        for _ in range(8):  # each relaxation makes one more dimension (or rank) unknown
            fn = UserFunction(reduce_func, (state_spec, elem_spec), "reduce")
            traced.append(fn)
            if fn.out_spec is None:  # not traceable: checked on each result below
                break
            out_spec = _check_reduce_state(state_spec, fn.out_spec)
            relaxed = _structure.most_specific_compatible(state_spec, out_spec)
            if relaxed == state_spec:
                break
            state_spec = relaxed
        it = OwnedIterator(self)
        while True:
            try:
                element = it._next_host()
            except StopIteration:
                break
            new = _traced_for(traced, (state, element))((state, element))
            _check_reduce_state(state_spec, _structure.spec_of(new))
            state = _structure.pack(state, _structure.flatten(new))
        return _user_view(state, state_spec)

    def get_single_element(self, name=None):
        """The only element of the dataset (InvalidArgumentError when it has none or several)."""
        it = iter(self)
        try:
            first = next(it)
        except StopIteration:
            raise InvalidArgumentError("Dataset was empty.") from None
        try:
            next(it)
        except StopIteration:
            return first
        raise InvalidArgumentError("Dataset had more than one element.")

    def _restructure(self, fn):
        return _Restructured(self, fn)

    def rebatch(self, batch_size, drop_remainder=False, name=None):
        return self.unbatch().batch(batch_size, drop_remainder=drop_remainder)


def _traced_for(functions, element):
    """The first of a reduce's or scan's traces (the exact state spec first, then each relaxation)
    whose fully known spec `element` has (as TF runs the most specific trace that takes it), else
    the last (most relaxed) one."""
    flat = _structure.flatten(element)
    for fn in functions[:-1]:
        specs = fn._flat_in
        if not fn.eager and _structure.fully_defined(specs) and all(
                getattr(a, "shape", None) == tuple(spec.shape) for a, spec in zip(flat, specs)):
            return fn
    return functions[-1]


def _check_reduce_state(state_spec, out_spec):
    """TF's errors for a reduce function whose result does not match the state: a different
    number of components (InvalidArgumentError), different dtypes (TypeError). Returns the result's
    spec in the state's structure."""
    flat_state, flat_out = _structure.flatten(state_spec), _structure.flatten(out_spec)
    if len(flat_state) != len(flat_out):
        raise InvalidArgumentError(
            f"The number of components of the initial state and the reduce function output does not "
            f"match. (initial_state={len(flat_state)}, output={len(flat_out)}). [Op:ReduceDataset] name: ")
    if any(a.dtype != b.dtype for a, b in zip(flat_state, flat_out)):
        def dtypes(flat):
            return _structure.pack(state_spec, [x.dtype for x in flat])
        raise TypeError(f"The element types for the new state must match the initial state. Expected "
                        f"{dtypes(flat_state)} but got {dtypes(flat_out)}.")
    return _structure.pack(state_spec, flat_out)


def _per_element_work(access, batched=False):
    """Whether reading `access` runs a Python function per element (a map that is not vectorised
    over a batch): then grain's thread pool reads elements in parallel."""
    batched = batched or isinstance(access, _Batched)
    if isinstance(access, _Mapped) and not (access._fn.vectorizable and batched):
        return True
    return any(_per_element_work(p, batched) for p in access.parents if isinstance(p, _Access))


def _iterate_access(access, start):
    for i in range(start, len(access)):
        yield access[i]


def _count(value, what):
    if isinstance(value, Tensor):
        value = value.numpy()
    value = int(value)
    return value


# --------------------------------------------------------------------------------------------------
# Sources
# --------------------------------------------------------------------------------------------------
class _TensorSlices(Dataset):
    def __init__(self, tensors):
        element = _structure.normalize(tensors)
        flat = _structure.flatten(element)
        for a in flat:
            if a.ndim == 0:
                raise ValueError(f"Unbatching a tensor is only supported for rank >= 1, but the "
                                 f"component of shape () and dtype {_structure.dtype_of(a).name} is a "
                                 f"scalar. Use `from_tensors` for a dataset of one element.")
        lengths = [a.shape[0] for a in flat]
        if len(set(lengths)) > 1:
            raise ValueError(f"Dimensions {lengths[0]} and "
                             f"{next(n for n in lengths if n != lengths[0])} are not compatible: "
                             f"every component of `from_tensor_slices` must have the same first "
                             f"dimension (got {lengths}).")
        self._element = element
        self._n = lengths[0] if lengths else 0
        self._spec = _structure.spec_of(element, batch_dims=1)
        self._card = self._n
        self._sparse = _structure.has_sparse(element)

    def _random_access(self):
        return not self._sparse

    def _access(self, seeds):
        return _Arrays(self._element, self._n)

    def _stream(self, seeds):
        if not self._sparse:
            return super()._stream(seeds)
        # Sparse components are sliced row by row (their rows hold different numbers of values).
        flat = _structure.flatten(self._element)
        columns = [_sparse.host_rows(a) if isinstance(a, _sparse.HostSparse) else None for a in flat]
        return (_structure.pack(self._element, [c[i] if c is not None else _structure._item(a, i)
                                                for a, c in zip(flat, columns)]) for i in range(self._n))


class _FromTensors(Dataset):
    def __init__(self, tensors):
        self._element = _structure.normalize(tensors)
        self._spec = _structure.spec_of(self._element)
        self._card = 1
        self._sparse = _structure.has_sparse(self._element)

    def _random_access(self):
        return not self._sparse

    def _stream(self, seeds):
        return iter([self._element]) if self._sparse else super()._stream(seeds)

    def _access(self, seeds):
        return _Repeated(self._element)


class _Range(Dataset):
    def __init__(self, args, output_type):
        args = [_count(a, "range") for a in args]
        if not 1 <= len(args) <= 3:
            raise ValueError(f"Invalid `args`. The length of `args` should be between 1 and 3 but was "
                             f"{len(args)}.")
        start, stop, step = (0, args[0], 1) if len(args) == 1 else (args + [1])[:3]
        if step == 0:
            raise InvalidArgumentError("step must be a non-zero integer.")
        self._start, self._step = start, step
        self._n = max(0, -(-(stop - start) // step))
        self._dtype = _dtypes.as_dtype(output_type)
        self._spec = TensorSpec((), self._dtype)
        self._card = self._n

    def _random_access(self):
        return True

    def _access(self, seeds):
        return _RangeAccess(self._start, self._step, self._n, self._dtype.as_numpy_dtype)


class _Generator(Dataset):
    def __init__(self, generator, output_types, output_shapes, args, output_signature):
        if not callable(generator):
            raise TypeError("`generator` must be a Python callable.")
        if output_signature is None:
            if output_types is None:
                raise TypeError("The `output_types` argument can not be None unless "
                                "`output_signature` is given.")
            output_signature = _structure.map_components(lambda t: TensorSpec((), t), output_types)
            flat = _structure.flatten(output_signature)
            shapes = [None] * len(flat) if output_shapes is None else \
                _structure.flatten_shapes(output_shapes, output_signature)
            for spec, shape in zip(flat, shapes):
                spec.shape = None if shape is None else _structure.TensorShape(shape)
        elif output_types is not None or output_shapes is not None:
            raise TypeError("The `output_types` and `output_shapes` arguments can not be used "
                            "together with `output_signature`.")
        for spec in _structure.flatten(output_signature):
            if not isinstance(spec, (TensorSpec, _sparse.SparseTensorSpec)):
                raise TypeError(f"`output_signature` must contain objects that are subclass of "
                                f"`tf.TypeSpec` but found {type(spec)} which is not.")
        self._generator = generator
        self._args = tuple(args or ())
        self._spec = output_signature
        self._card = UNKNOWN

    def _stream(self, seeds):
        flat_spec = _structure.flatten(self._spec)
        args = [a.numpy() if isinstance(a, Tensor) else a for a in self._args]
        for value in self._generator(*args):
            element = _structure.normalize(value, lists="tensor")
            flat = _structure.flatten(element)
            if not _structure.same_structure(self._spec, element):
                raise InvalidArgumentError(
                    f"TypeError: `generator` yielded an element that did not match the expected "
                    f"structure. The expected structure was {self._spec}, but the yielded element "
                    f"was {value!r}.")
            out = []
            for a, spec in zip(flat, flat_spec):
                want = spec.dtype
                if _structure.dtype_of(a) != want:
                    if want == _dtypes.string or a.dtype == object or (  # (an empty list takes any dtype)
                            a.dtype.kind == "f" and a.size and not (want.is_floating or want.is_complex)):
                        raise InvalidArgumentError(
                            f"TypeError: `generator` yielded an element that could not be converted "
                            f"to the expected type. The expected type was {want.name}, but the "
                            f"yielded element was {value!r}.")
                    a = a.astype(want.as_numpy_dtype)
                if not _structure.is_compatible(spec, a):
                    raise InvalidArgumentError(
                        f"TypeError: `generator` yielded an element of shape {a.shape} where an "
                        f"element of shape {tuple(spec.shape)} was expected.")
                out.append(a)
            yield _structure.pack(self._spec, out)


def file_names(filenames):
    """The file names of a file-reading dataset's `filenames` (a name, a list, a string Tensor)."""
    names = _structure.to_component(filenames)
    return [n.decode() if isinstance(n, bytes) else str(n) for n in np.ravel(names)]


def compression_name(compression_type):
    """A file-reading dataset's `compression_type` as "", "GZIP" or "ZLIB".

    Raises:
      InvalidArgumentError: another value.
    """
    name = (compression_type or "").upper()
    if name not in ("", "GZIP", "ZLIB"):
        raise InvalidArgumentError(f"Unsupported compression_type: {compression_type!r}. Use "
                                   f"'', 'GZIP' or 'ZLIB'.")
    return name


class TextLineDataset(Dataset):
    """The lines of one or more text files, as scalar string tensors (without the line ending).

    Args:
      filenames: a file name or a list of them (read in order).
      compression_type: "" (none), "GZIP" or "ZLIB".
      buffer_size: accepted (read buffering is Python's).
    """

    def __init__(self, filenames, compression_type=None, buffer_size=None, num_parallel_reads=None,
                 name=None):
        self._files = file_names(filenames)
        self._compression = compression_name(compression_type)
        self._spec = TensorSpec((), _dtypes.string)
        self._card = UNKNOWN

    def _stream(self, seeds):
        for name in self._files:
            for line in _read_lines(name, self._compression):
                array = np.empty((), object)
                array[()] = line
                yield array


def _read_lines(name, compression):
    if not os.path.exists(name):
        raise NotFoundError(f"{name}; No such file or directory")
    if compression == "GZIP":
        with gzip.open(name, "rb") as f:
            data = f.read()
    else:
        with open(name, "rb") as f:
            data = f.read()
        if compression == "ZLIB":
            data = zlib.decompress(data)
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    for line in lines:
        yield line[:-1] if line.endswith(b"\r") else line


def _list_files(pattern, shuffle, seed):
    patterns = [p.decode() if isinstance(p, bytes) else str(p)
                for p in np.ravel(_structure.to_component(pattern))]
    names = sorted({n for p in patterns for n in glob.glob(p)})
    if not names:
        raise InvalidArgumentError(f"Expected 'tf.Tensor(False, shape=(), dtype=bool)' to be true. Summarized data: "
                   f"b'No files matched pattern: {', '.join(patterns)}'")
    ds = Dataset.from_tensor_slices(np.asarray([n.encode() for n in names], dtype=object))
    if shuffle is None or shuffle:
        ds = ds.shuffle(len(names), seed=seed)
    return ds


# --------------------------------------------------------------------------------------------------
# Transformations
# --------------------------------------------------------------------------------------------------
class _Unary(Dataset):
    def __init__(self, parent):
        self._p = parent
        self._spec = parent.element_spec
        self._card = parent._card
        self._parallel = parent._parallel
        self._options = parent._options


class _Passthrough(_Unary):
    def _random_access(self):
        return self._p._random_access()

    def _access(self, seeds):
        return self._p._access(seeds)

    def _stream(self, seeds):
        return self._p._stream(seeds)


class _Prefetch(_Passthrough):
    def __init__(self, parent, buffer_size):
        super().__init__(parent)
        size = _count(buffer_size, "prefetch")
        if size < -1:
            raise InvalidArgumentError("buffer_size must be >= -1 (tf.data.AUTOTUNE).")
        self._size = size
        self._parallel = max(self._parallel, 1)

    def _stream(self, seeds, to_device=False):
        stream = self._p._host_iterator(seeds)
        if to_device:
            stream = map(_structure.to_device, stream)
        return _prefetched(stream, self._size if self._size > 0 else 8)


class _Map(_Unary):
    def __init__(self, parent, fn, num_parallel_calls):
        super().__init__(parent)
        self._fn = UserFunction(fn, self._spec, "map")
        self._spec = self._fn.out_spec  # None when not traceable: known after the first element
        self._tf_name = "_MapDataset"  # TF's class, which the repr names
        if num_parallel_calls is not None:
            self._parallel = max(self._parallel, 1)
            self._tf_name = "_ParallelMapDataset"

    def _random_access(self):
        # A function of elements with unknown dimensions streams (their shapes may differ).
        return (self._p._random_access() and self._spec is not None and not _structure.has_sparse(self._spec)
                and _structure.fully_defined(self._fn._in_spec))

    def _access(self, seeds):
        return _Mapped(self._p._access(seeds), self._fn, self._spec)

    def _stream(self, seeds):
        fn = self._fn
        for element in self._p._host_iterator(seeds):
            yield fn(element)


class _Restructured(_Unary):
    """Rearranges each element's components with `fn` (no computation: names, nesting), so the
    spec follows exactly: `fn` is applied to the spec too."""

    def __init__(self, parent, fn):
        super().__init__(parent)
        self._fn = fn
        self._spec = call_user(fn, self._spec)

    def _stream(self, seeds):
        for element in self._p._host_iterator(seeds):
            yield call_user(self._fn, element)


class _Filter(_Unary):
    def __init__(self, parent, predicate):
        super().__init__(parent)
        self._fn = UserFunction(predicate, self._spec, "filter")
        spec = self._fn.out_spec
        if spec is not None and not (isinstance(spec, TensorSpec) and spec.dtype == _dtypes.bool_
                                     and tuple(spec.shape) == ()):
            raise ValueError(f"Invalid `predicate`. `predicate` must return a `tf.bool` scalar "
                             f"tensor, but its return type is {spec}.")
        self._card = UNKNOWN

    def _stream(self, seeds):
        fn = self._fn
        for element in self._p._host_iterator(seeds):
            keep = fn(element)
            if not isinstance(keep, np.ndarray) or keep.dtype != np.bool_ or keep.shape != ():
                raise ValueError(f"Invalid `predicate`. `predicate` must return a `tf.bool` scalar "
                                 f"tensor, but it returned {keep!r}.")
            if keep:
                yield element


class _TakeWhile(_Filter):
    def __init__(self, parent, predicate):
        super().__init__(parent, predicate)
        self._card = UNKNOWN

    def _stream(self, seeds):
        for element in self._p._host_iterator(seeds):
            if not self._fn(element):
                return
            yield element


def _batch_size(batch_size):
    size = _count(batch_size, "batch")
    if size <= 0:
        raise InvalidArgumentError("Batch size must be greater than zero. [Op:BatchDatasetV2] name: ")
    return size


class _Batch(_Unary):
    def __init__(self, parent, batch_size, drop_remainder, num_parallel_calls):
        super().__init__(parent)
        self._size = _batch_size(batch_size)
        self._drop = bool(drop_remainder)
        known = self._size if self._drop else None
        if parent.element_spec is not None:
            self._spec = _structure.batched_spec(parent.element_spec, known)
        n = parent._card
        self._card = n if n < 0 else (n // self._size if self._drop else -(-n // self._size))
        if num_parallel_calls is not None:
            self._parallel = max(self._parallel, 1)

    def _random_access(self):
        return self._p._random_access()

    def _access(self, seeds):
        return _Batched(self._p._access(seeds), self._size, self._drop, self._spec)

    def _stream(self, seeds):
        if self._p._random_access():
            yield from _iterate_access(self._access(seeds), 0)
            return
        buffer = []
        structure = self._p._spec
        for element in self._p._host_iterator(seeds):
            buffer.append(element)
            if len(buffer) == self._size:
                yield _structure.stack(buffer, structure)
                buffer = []
        if buffer and not self._drop:
            yield _structure.stack(buffer, structure)


class _PaddedBatch(_Unary):
    def __init__(self, parent, batch_size, padded_shapes, padding_values, drop_remainder):
        super().__init__(parent)
        self._size = _batch_size(batch_size)
        self._drop = bool(drop_remainder)
        flat_spec = _structure.flatten(parent.element_spec)
        if padded_shapes is None:
            shapes = [tuple(s.shape) if s.shape is not None else None for s in flat_spec]
            if any(s is None for s in shapes):
                raise ValueError("You must provide `padded_shapes` argument because component of the "
                                 "input has unknown rank")
        else:
            shapes = [tuple(None if d is None or (isinstance(d, int) and d < 0) else int(d)
                            for d in (s.as_list() if hasattr(s, "as_list") else s))
                      for s in _structure.flatten_shapes(padded_shapes, parent.element_spec)]
        for s, spec in zip(shapes, flat_spec):
            if spec.shape is not None and len(s) != len(spec.shape):
                raise ValueError(f"The padded shape {list(s)} is not compatible with the shape "
                                 f"{list(spec.shape)} of the corresponding input component.")
        if padding_values is None:
            values = [b"" if s.dtype == _dtypes.string else 0 for s in flat_spec]
        else:
            values = [np.asarray(_structure.to_component(v)).item() if not isinstance(v, bytes) else v
                      for v in _structure.flatten(padding_values)]
            if len(values) == 1 and len(flat_spec) > 1:
                values = values * len(flat_spec)
        self._shapes, self._values = shapes, values
        known = self._size if self._drop else None
        self._spec = _structure.pack(parent.element_spec, [
            TensorSpec((known,) + tuple(s), spec.dtype) for s, spec in zip(shapes, flat_spec)])
        n = parent._card
        self._card = n if n < 0 else (n // self._size if self._drop else -(-n // self._size))

    def _stream(self, seeds):
        buffer = []
        structure = self._p._spec
        for element in self._p._host_iterator(seeds):
            buffer.append(element)
            if len(buffer) == self._size:
                yield _structure.padded_stack(buffer, structure, self._shapes, self._values)
                buffer = []
        if buffer and not self._drop:
            yield _structure.padded_stack(buffer, structure, self._shapes, self._values)


class _Unbatch(_Unary):
    def __init__(self, parent):
        super().__init__(parent)
        self._spec = _structure.unbatched_spec(parent.element_spec)
        leading = {s.shape[0] if s.shape is not None else None
                   for s in _structure.flatten(parent.element_spec)}
        n = leading.pop() if len(leading) == 1 else None
        self._card = INFINITE if parent._card == INFINITE else (
            parent._card * n if n is not None and parent._card >= 0 else UNKNOWN)

    def _stream(self, seeds):
        for element in self._p._host_iterator(seeds):
            flat = _structure.flatten(element)
            n = flat[0].shape[0]
            if any(a.shape[0] != n for a in flat):
                raise InvalidArgumentError(
                    f"Input element must have the same batch size in each component. Component 0 "
                    f"had size {n} but component "
                    f"{next(i for i, a in enumerate(flat) if a.shape[0] != n)} had size "
                    f"{next(a.shape[0] for a in flat if a.shape[0] != n)}.")
            for i in range(n):
                yield _structure.pack(element, [_structure._item(a, i) for a in flat])


class _Shuffle(_Unary):
    def __init__(self, parent, buffer_size, seed, reshuffle):
        super().__init__(parent)
        size = _count(buffer_size, "shuffle")
        if size <= 0 and size != UNKNOWN:
            raise InvalidArgumentError("buffer_size must be greater than zero or UNKNOWN_CARDINALITY "
                                       "[Op:ShuffleDatasetV3] name: ")
        self._size = size if size > 0 else max(parent._card, 1)
        self._seed = _node_seed(None if seed is None else _count(seed, "shuffle"))
        self._reshuffle = True if reshuffle is None else bool(reshuffle)

    def _rng(self, seeds):
        return np.random.default_rng(seeds.for_node(self._seed, self._reshuffle))

    def _random_access(self):
        return self._p._random_access()

    def _access(self, seeds):
        parent = self._p._access(seeds)
        order = tf_shuffle_order(len(parent), self._size, self._rng(seeds))
        return _Remap(parent, len(parent), lambda idx: order[idx])

    def _stream(self, seeds):
        rng = self._rng(seeds)
        buffer = []
        it = self._p._host_iterator(seeds)
        for element in it:
            buffer.append(element)
            if len(buffer) >= self._size:
                break
        for element in it:
            r = int(rng.integers(0, len(buffer)))
            yield buffer[r]
            buffer[r] = element
        while buffer:
            r = int(rng.integers(0, len(buffer)))
            buffer[r], buffer[-1] = buffer[-1], buffer[r]
            yield buffer.pop()


class _Repeat(_Unary):
    def __init__(self, parent, count):
        super().__init__(parent)
        count = -1 if count is None else _count(count, "repeat")
        self._count = count
        n = parent._card
        if count < 0:
            self._card = 0 if n == 0 else INFINITE if n != UNKNOWN else (INFINITE if n != 0 else 0)
            if n == UNKNOWN:
                self._card = INFINITE
        elif count == 0:
            self._card = 0
        else:
            self._card = n * count if n >= 0 else n

    def _random_access(self):
        return self._count >= 0 and self._p._random_access()

    def _access(self, seeds):
        first = self._p._access(seeds.child(0))
        if self._count == 0:
            return _Remap(first, 0, lambda idx: idx)
        return _Epochs(lambda k: first if k == 0 else self._p._access(seeds.child(k)), len(first),
                       self._count)

    def _stream(self, seeds):
        epochs = itertools.count() if self._count < 0 else range(self._count)
        for k in epochs:
            produced = False
            for element in self._p._host_iterator(seeds.child(k)):
                produced = True
                yield element
            if not produced:
                return


class _Take(_Unary):
    def __init__(self, parent, count):
        super().__init__(parent)
        self._n = _count(count, "take")
        n = parent._card
        if self._n < 0:
            self._card = n
        else:
            self._card = self._n if n in (INFINITE,) or n >= self._n else (n if n >= 0 else UNKNOWN)

    def _random_access(self):
        return self._p._random_access()

    def _access(self, seeds):
        parent = self._p._access(seeds)
        length = len(parent) if self._n < 0 else min(self._n, len(parent))
        return _Remap(parent, length, lambda idx: idx)

    def _stream(self, seeds):
        if self._n < 0:
            yield from self._p._host_iterator(seeds)
            return
        if self._n == 0:
            return
        for i, element in enumerate(self._p._host_iterator(seeds)):
            yield element
            if i + 1 >= self._n:
                return


class _Skip(_Unary):
    def __init__(self, parent, count):
        super().__init__(parent)
        self._n = _count(count, "skip")
        n = parent._card
        if self._n < 0:
            self._card = 0 if n != INFINITE else INFINITE
        else:
            self._card = n if n < 0 else max(0, n - self._n)

    def _random_access(self):
        return self._p._random_access()

    def _access(self, seeds):
        parent = self._p._access(seeds)
        start = len(parent) if self._n < 0 else min(self._n, len(parent))
        return _Remap(parent, len(parent) - start, lambda idx: idx + start)

    def _stream(self, seeds):
        it = self._p._host_iterator(seeds)
        if self._n < 0:
            for _ in it:
                pass
            return
        for _ in zip(range(self._n), it):
            pass
        yield from it


class _Shard(_Unary):
    def __init__(self, parent, num_shards, index):
        super().__init__(parent)
        self._num, self._index = _count(num_shards, "shard"), _count(index, "shard")
        if self._num <= 0:
            raise InvalidArgumentError("Number of shards must be greater than zero "
                                       f"(got num_shards={self._num}).")
        if not 0 <= self._index < self._num:
            raise InvalidArgumentError(f"Index must be between 0 and {self._num - 1} "
                                       f"(got index={self._index}).")
        n = parent._card
        self._card = n if n < 0 else (n - self._index + self._num - 1) // self._num

    def _random_access(self):
        return self._p._random_access()

    def _access(self, seeds):
        parent = self._p._access(seeds)
        length = max(0, (len(parent) - self._index + self._num - 1) // self._num)
        return _Remap(parent, length, lambda idx: idx * self._num + self._index)

    def _stream(self, seeds):
        for i, element in enumerate(self._p._host_iterator(seeds)):
            if i % self._num == self._index:
                yield element


class _Enumerate(_Unary):
    def __init__(self, parent, start):
        super().__init__(parent)
        self._start = _count(start, "enumerate")
        self._spec = (TensorSpec((), _dtypes.int64), parent.element_spec)

    def _random_access(self):
        return self._p._random_access()

    def _access(self, seeds):
        parent = self._p._access(seeds)
        return _Zipped([_RangeAccess(self._start, 1, len(parent), np.int64), parent], (None, None))

    def _stream(self, seeds):
        for i, element in enumerate(self._p._host_iterator(seeds), self._start):
            yield (np.int64(i).reshape(()), element)


class _Cache(_Passthrough):
    """Keeps the first iteration's elements. A random-access input is computed once, a chunk of
    elements per call (so a map before the cache runs vectorised), and read by index after."""

    _CHUNK = 1024

    def __init__(self, parent, filename):
        super().__init__(parent)
        self._filename = filename
        self._elements = None
        self._arrays = None

    def _random_access(self):
        return self._p._random_access() and _structure.fully_defined(self._spec)

    def _access(self, seeds):
        if self._arrays is None:
            parent = self._p._access(seeds)
            n = len(parent)
            chunks = [parent._gather(np.arange(i, min(i + self._CHUNK, n), dtype=np.int64))
                      for i in range(0, n, self._CHUNK)]
            if chunks:
                flat = [np.concatenate(parts) for parts in zip(*[_structure.flatten(c) for c in chunks])]
                element = _structure.pack(chunks[0], flat)
            else:
                element = _structure.map_components(
                    lambda s: np.zeros((0,) + tuple(s.shape), s.dtype.as_numpy_dtype), self._spec)
            self._arrays = _Arrays(element, n)
        return self._arrays

    def _stream(self, seeds):
        if self._elements is not None:
            yield from self._elements
            return
        elements = []
        for element in self._p._host_iterator(seeds):
            elements.append(element)
            yield element
        self._elements = elements


class _Snapshot(_Cache):
    """`Dataset.snapshot`: a cache whose directory exists once the first iteration starts."""

    def _access(self, seeds):
        os.makedirs(self._filename, exist_ok=True)
        return super()._access(seeds)

    def _stream(self, seeds):
        os.makedirs(self._filename, exist_ok=True)
        return super()._stream(seeds)


class _Zip(Dataset):
    def __init__(self, datasets):
        if isinstance(datasets, list):
            raise TypeError("Invalid input to `zip`. Inputs are expected to be (nested) structures of "
                            "`tf.data.Dataset` objects. Python `list` is not supported and you should "
                            "use `tuple` instead.")
        flat = _structure.flatten(datasets) if not isinstance(datasets, Dataset) else [datasets]
        if not all(isinstance(d, Dataset) for d in flat):
            raise TypeError(f"Invalid `datasets`. `datasets` is expected to be a (nested) structure of "
                            f"`tf.data.Dataset` objects. Python `list` is not supported and you should "
                            f"use `tuple` instead. Got {datasets!r}.")
        self._structure_of = datasets
        self._parts = flat
        self._spec = _structure.pack(datasets, [d._spec for d in flat])
        cards = [d._card for d in flat]
        finite = [c for c in cards if c >= 0]
        self._card = min(finite) if finite else (UNKNOWN if UNKNOWN in cards else INFINITE)
        if finite and UNKNOWN in cards:
            self._card = UNKNOWN if min(finite) > 0 else 0
        self._parallel = max(d._parallel for d in flat) if flat else 0

    def _random_access(self):
        return all(d._random_access() for d in self._parts)

    def _access(self, seeds):
        return _Zipped([d._access(seeds.child(i)) for i, d in enumerate(self._parts)],
                       self._structure_of_markers())

    def _structure_of_markers(self):
        return _structure.pack(self._structure_of, [None] * len(self._parts))

    def _stream(self, seeds):
        its = [d._host_iterator(seeds.child(i)) for i, d in enumerate(self._parts)]
        marker = self._structure_of_markers()
        for parts in zip(*its):
            yield _structure.pack(marker, list(parts))


class _Concatenate(Dataset):
    def __init__(self, first, second):
        a, b = _structure.flatten(first._spec), _structure.flatten(second._spec)
        if len(a) != len(b) or any(x.dtype != y.dtype for x, y in zip(a, b)):
            raise TypeError(f"Incompatible dataset elements:\n  {first._spec} vs. \n  {second._spec}")
        self._parts = (first, second)
        self._spec = _structure.most_specific_compatible(first._spec, second._spec)
        c1, c2 = first._card, second._card
        self._card = INFINITE if INFINITE in (c1, c2) else UNKNOWN if UNKNOWN in (c1, c2) else c1 + c2
        self._parallel = max(first._parallel, second._parallel)

    def _random_access(self):
        return all(d._random_access() for d in self._parts) and _structure.fully_defined(self._spec)

    def _access(self, seeds):
        return _Concat([d._access(seeds.child(i)) for i, d in enumerate(self._parts)])

    def _stream(self, seeds):
        for i, d in enumerate(self._parts):
            yield from d._host_iterator(seeds.child(i))


class _FlatMap(_Unary):
    def __init__(self, parent, fn):
        super().__init__(parent)
        self._fn = UserFunction(fn, self._spec, "flat_map", eager=True)
        self._card = UNKNOWN
        self._spec = self._probe_spec(fn)

    def _probe_spec(self, fn):
        if isinstance(self._p, _Window) or not _structure.fully_defined(self._p._spec):
            sample = None
        else:
            sample = _structure.pack(self._p._spec, [
                Tensor(np.zeros(s.shape, s.dtype.as_numpy_dtype)) if s.dtype != _dtypes.string
                else _structure.to_tensors(np.asarray(b"", dtype=object))
                for s in _structure.flatten(self._p._spec)])
        if sample is None:
            return None
        try:
            out = call_user(fn, sample)
        except Exception:  # noqa: BLE001 - the spec is then known after the first element
            return None
        if not isinstance(out, Dataset):
            raise TypeError(f"The function passed to `flat_map` must return a `tf.data.Dataset`, "
                            f"got {type(out).__name__}.")
        return out._spec

    @property
    def element_spec(self):
        if self._spec is None:
            for element in self._p:
                self._spec = call_user(self._fn.apply_eagerly, element)._spec
                break
        return self._spec

    def _datasets(self, seeds):
        for element in self._p._host_iterator(seeds):
            out = call_user(self._fn.apply_eagerly, _user_view(element, self._p._spec))
            if not isinstance(out, Dataset):
                raise TypeError(f"The function passed to `{type(self).__name__[1:].lower()}` must "
                                f"return a `tf.data.Dataset`, got {type(out).__name__}.")
            yield out

    def _stream(self, seeds):
        for k, ds in enumerate(self._datasets(seeds)):
            yield from ds._host_iterator(seeds.child(k))


class _Interleave(_FlatMap):
    def __init__(self, parent, fn, cycle_length, block_length):
        super().__init__(parent, fn)
        cycle = -1 if cycle_length is None else _count(cycle_length, "interleave")
        self._cycle = os.cpu_count() or 1 if cycle == AUTOTUNE else cycle
        self._block = 1 if block_length is None else _count(block_length, "interleave")
        if self._cycle <= 0 or self._block <= 0:
            raise InvalidArgumentError("cycle_length and block_length must be greater than zero.")

    def _stream(self, seeds):
        sources = self._datasets(seeds)
        slots = []
        opened = 0
        for ds in sources:
            slots.append(ds._host_iterator(seeds.child(opened)))
            opened += 1
            if len(slots) == self._cycle:
                break
        exhausted_inputs = len(slots) < self._cycle
        i = 0
        while slots:
            i %= len(slots)
            it = slots[i]
            done = False
            for _ in range(self._block):
                try:
                    yield next(it)
                except StopIteration:
                    done = True
                    break
            if done:
                nxt = None if exhausted_inputs else next(sources, None)
                if nxt is None:
                    exhausted_inputs = True
                    slots.pop(i)
                    continue
                slots[i] = nxt._host_iterator(seeds.child(opened))
                opened += 1
            i += 1


class _Unique(_Unary):
    def __init__(self, parent):
        super().__init__(parent)
        spec = parent.element_spec
        if not isinstance(spec, TensorSpec) or not (spec.dtype.is_integer or spec.dtype == _dtypes.string):
            raise TypeError(f"`tf.data.Dataset.unique` does not support type {spec!r}: only "
                            f"datasets of int32, int64 or string scalars.")
        self._card = UNKNOWN if parent._card != INFINITE else INFINITE

    def _stream(self, seeds):
        seen = set()
        for element in self._p._host_iterator(seeds):
            key = element.item() if element.dtype != object else element[()]
            if key not in seen:
                seen.add(key)
                yield element


class _Window(_Unary):
    def __init__(self, parent, size, shift, stride, drop_remainder):
        super().__init__(parent)
        self._size = _count(size, "window")
        self._shift = self._size if shift is None else _count(shift, "window")
        self._stride = _count(stride, "window")
        if self._size <= 0 or self._shift <= 0 or self._stride <= 0:
            raise InvalidArgumentError("Window size, shift and stride must be greater than zero.")
        self._drop = bool(drop_remainder)
        self._spec = _structure.map_components(lambda s: DatasetSpec(s), parent.element_spec)
        n = parent._card
        if n >= 0:
            span = (self._size - 1) * self._stride + 1
            self._card = (max(0, (n - span) // self._shift + 1) if self._drop
                          else -(-n // self._shift))
        else:
            self._card = n

    def _stream(self, seeds):
        elements = list(self._p._host_iterator(seeds)) if self._p._card != INFINITE else None
        if elements is None:
            raise InvalidArgumentError("`window` of an infinite dataset is not supported by tapejax.")
        for start in range(0, len(elements), self._shift):
            picked = elements[start:start + (self._size - 1) * self._stride + 1:self._stride]
            if not picked or (self._drop and len(picked) < self._size):
                continue
            yield _structure.stack(picked, self._p._spec)


class _Scan(_Unary):
    """`scan`: `scan_func(state, element)` returns `(new_state, output)`. As TF, the function is
    traced when the dataset is built, on the state's and the elements' specs (again with the
    state's shape relaxed where the new state's differs), and the element is not unpacked."""

    def __init__(self, parent, initial_state, scan_func):
        super().__init__(parent)
        self._initial = _structure.normalize(initial_state)
        state_spec = _structure.spec_of(self._initial)
        fn, traced = None, []
        for _ in range(8):  # each relaxation makes one more dimension (or rank) unknown
            fn = UserFunction(scan_func, (state_spec, parent.element_spec), "scan")
            traced.append(fn)
            if fn.out_spec is None:  # not traceable: the spec is known after the first element
                break
            new_state, out_spec = _scan_result(fn.out_spec)
            new_state = _check_scan_state(state_spec, new_state)
            relaxed = _structure.most_specific_compatible(state_spec, new_state)
            if relaxed == state_spec:
                break
            state_spec = relaxed
        self._fns = traced
        self._spec = None if fn.out_spec is None else out_spec
        self._card = parent._card

    def _stream(self, seeds):
        state = self._initial
        for element in self._p._host_iterator(seeds):
            new_state, out = _scan_result(_traced_for(self._fns, (state, element))((state, element)))
            state = _structure.pack(self._initial, _structure.flatten(new_state))
            yield out


def _scan_result(result):
    if not (isinstance(result, tuple) and len(result) == 2):
        raise TypeError("The scan function must return a pair comprising the new state and the output value.")
    return result


def _check_scan_state(state_spec, new_spec):
    """TF's TypeError for a scan function whose new state's dtypes differ from the state's."""
    flat_state, flat_new = _structure.flatten(state_spec), _structure.flatten(new_spec)
    if len(flat_state) == len(flat_new) and any(a.dtype != b.dtype for a, b in zip(flat_state, flat_new)):
        def dtypes(flat):
            return _structure.pack(state_spec, [x.dtype for x in flat])
        raise TypeError(f"Invalid `scan_func`. The element types for the new state must match the initial "
                        f"state. Expected {dtypes(flat_state)}, got {dtypes(flat_new)}.")
    return _structure.pack(state_spec, flat_new) if len(flat_state) == len(flat_new) else new_spec


class _Sample(Dataset):
    def __init__(self, datasets, weights, seed, stop_on_empty):
        if not datasets:
            raise ValueError("Invalid `datasets`. `datasets` should not be empty.")
        self._parts = datasets
        w = np.ones(len(datasets)) if weights is None else np.asarray(
            _structure.to_component(weights), np.float64)
        if len(w) != len(datasets):
            raise ValueError(f"Invalid `weights`. The shape of `weights` should be compatible with "
                             f"`[len(datasets)]` but is {list(w.shape)}.")
        self._weights = w
        self._seed = _node_seed(seed)
        self._stop = stop_on_empty
        self._spec = datasets[0]._spec
        self._card = INFINITE if all(d._card == INFINITE for d in datasets) else UNKNOWN

    def _stream(self, seeds):
        rng = np.random.default_rng(seeds.for_node(self._seed, True))
        its = [d._host_iterator(seeds.child(i)) for i, d in enumerate(self._parts)]
        live = list(range(len(its)))
        weights = self._weights.copy()
        while live:
            p = weights[live] / weights[live].sum()
            k = live[int(rng.choice(len(live), p=p))]
            try:
                yield next(its[k])
            except StopIteration:
                if self._stop:
                    return
                live.remove(k)


class _Choose(Dataset):
    def __init__(self, datasets, choice_dataset, stop_on_empty):
        self._parts = datasets
        self._choice = choice_dataset
        self._stop = stop_on_empty
        self._spec = datasets[0]._spec
        self._card = UNKNOWN

    def _stream(self, seeds):
        its = [d._host_iterator(seeds.child(i)) for i, d in enumerate(self._parts)]
        for choice in self._choice._host_iterator(seeds.child(len(its))):
            k = int(choice)
            if not 0 <= k < len(its):
                raise InvalidArgumentError(f"Selector index out of range: {k}.")
            try:
                yield next(its[k])
            except StopIteration:
                if self._stop:
                    return


# --------------------------------------------------------------------------------------------------
# Iterators
# --------------------------------------------------------------------------------------------------
def _user_view(element, spec):
    """An element as the user sees it: Tensors (and Datasets for window components)."""
    if isinstance(spec, DatasetSpec):
        return Dataset.from_tensor_slices(element)
    if isinstance(spec, TensorSpec) or spec is None:
        return _structure._to_tensor(element) if isinstance(element, np.ndarray) else \
            _structure.to_tensors(element)
    flat_spec = _structure.flatten(spec)
    if any(isinstance(s, DatasetSpec) for s in flat_spec):
        flat = _structure.flatten(element) if not isinstance(element, np.ndarray) else [element]
        return _structure.pack(spec, [_user_view(e, s) for e, s in zip(flat, flat_spec)])
    return _structure.to_tensors(element)


class OwnedIterator:
    """An iterator over a Dataset, as `iter(dataset)` returns in TF eager mode.

    `next()` raises StopIteration at the end; `get_next()` raises `tf.errors.OutOfRangeError`.
    Its position can be saved with `tf.train.Checkpoint(iterator=it)`: the state is the iteration's
    seed and the number of elements produced, and restoring rebuilds the pipeline with the same seed
    and moves it to that position (by index for random-access pipelines, by replaying streams).
    """

    _to_device = True

    def __init__(self, dataset, state=None):
        self._dataset = dataset
        if state is None:
            dataset._iterations = getattr(dataset, "_iterations", 0) + 1
            state = {"iteration": dataset._iterations, "produced": 0}
        self._state = dict(state)
        self._it = None

    @property
    def element_spec(self):
        return self._dataset.element_spec

    def _host(self):
        if self._it is None:
            seeds = _Seeds(self._state["iteration"])
            self._it = self._dataset._host_iterator(seeds, self._state["produced"],
                                                    to_device=self._to_device)
        return self._it

    def __iter__(self):
        return self

    def _next_host(self):
        element = next(self._host())
        self._state["produced"] += 1
        return element

    def __next__(self):
        return _user_view(self._next_host(), self._dataset._spec)

    def get_next(self):
        """The next element; raises `OutOfRangeError` at the end of the sequence."""
        try:
            return next(self)
        except StopIteration:
            raise OutOfRangeError("End of sequence") from None

    def get_next_as_optional(self):
        try:
            return Optional(next(self))
        except StopIteration:
            return Optional(None, has=False)

    def _checkpoint_value(self):
        """The position as a saveable value (for `tf.train.Checkpoint(iterator=it)`)."""
        return _IteratorState(self)


class _IteratorState:
    """An iterator's position as the checkpoint sees a variable: int64 [iteration, produced]."""

    _next_id = itertools.count(1)

    def __init__(self, iterator):
        self._iterator = iterator
        self._id = ("iterator", next(self._next_id))
        self.shape = (2,)
        self.dtype = _dtypes.int64
        self.name = self.path = "iterator_state"

    def numpy(self):
        state = self._iterator._state
        return np.asarray([state["iteration"], state["produced"]], np.int64)

    def assign(self, value):
        iteration, produced = (int(v) for v in np.asarray(value))
        self._iterator._state = {"iteration": iteration, "produced": produced}
        self._iterator._it = None


class _NumpyIterator(OwnedIterator):
    _to_device = False

    def __next__(self):
        return _structure.map_components(_numpy_value, self._next_host()) \
            if not isinstance(self._dataset._spec, DatasetSpec) else self._next_host()


def _numpy_value(array):
    if isinstance(array, _sparse.HostSparse):  # as TF: a sparse component comes out dense
        return _sparse.host_dense(array)
    if isinstance(array, _structure.HostRagged):
        return array.numpy()
    if array.dtype == object and array.shape == ():
        return array[()]
    return array if array.shape else array[()]


class Optional:
    """`tf.experimental.Optional`: a value that may be absent."""

    def __init__(self, value, has=True):
        self._value, self._has = value, has

    def has_value(self):
        return Tensor(np.bool_(self._has))

    def get_value(self):
        if not self._has:
            raise InvalidArgumentError("The optional does not have a value.")
        return self._value
