"""Variable: a mutable, named value; reads inside recording tapes are watched as TF does."""

from __future__ import annotations

import operator

import jax
import jax.numpy as jnp
import numpy as np

from tapejax import _cache, _context, _device, _dtypes, _explain, _kernels, _lazy
from tapejax._errors import InvalidArgumentError
from tapejax._holders import holders_of_attribute, holders_of_item
from tapejax._indexed_slices import IndexedSlices
from tapejax._tensor import Tensor, TensorShape, _host, _next_id, _numpy_text, _Reference


class VariableSynchronization:
    AUTO = 0
    NONE = 1
    ON_WRITE = 2
    ON_READ = 3


class VariableAggregation:
    NONE = 0
    SUM = 1
    MEAN = 2
    ONLY_FIRST_REPLICA = 3


_update_kernels = {}
_cache.register(_update_kernels.clear)


def _update_kernel(combine, node):
    """`combine(variable, op(*inputs))` for the deferred op `node` (`lr * g`): a write's kernel."""
    key = (combine, node.key)
    found = _update_kernels.get(key)
    if found is None:
        op_kernel = node.kernel

        def update(current, *inputs):
            return combine(current, op_kernel(*inputs))

        if len(_update_kernels) >= 512:
            _update_kernels.clear()
        found = _update_kernels[key] = update
    return found


def arrays_to_donate(variables):
    """The current arrays of `variables`, safe to donate to a jitted update.

    Donation frees a buffer, so an array something else still holds (a Tensor, a tape, a NumPy
    view's owner, user code) is copied first; only arrays held by their Variable alone are passed.
    """
    arrays = [v._array for v in variables]
    allowed = _context.donation_allowed()  # callers hold `_context.donation_lock` until they write
    for i in range(len(arrays)):
        # holders: the Variable's attribute and this list
        if not allowed or holders_of_item(arrays, i) > 2:
            arrays[i] = jnp.array(arrays[i], copy=True)
    return arrays


# -- scatter kernels (Variable.scatter_*): (current, (indices, updates)) -> new value ---------------
def _dims(shape):
    return "[" + ",".join(map(str, shape)) + "]"


def _scatter_indices(indices, op_name):
    indices = Variable._to_tensor(indices)._value
    if indices.dtype not in (jnp.int32, jnp.int64):
        name = _dtypes.from_jax(indices.dtype).name
        name = {"float32": "float", "float64": "double", "float16": "half"}.get(name, name)  # TF's attr names
        raise InvalidArgumentError(
            f"Value for attr 'Tindices' of {name} is not in the list "
            f"of allowed values: int32, int64\n\t; NodeDef: {{{{node {op_name}}}}} [Op:{op_name}] name: ")
    return indices


def _combine(at, ref, index, updates, mode):
    if mode == "update":
        return at.set(updates, mode="drop")
    if mode == "add":
        return at.add(updates, mode="drop")
    if mode == "sub":
        return at.subtract(updates, mode="drop")
    if mode == "mul":
        return at.multiply(updates, mode="drop")
    if mode == "div":
        if jnp.issubdtype(ref.dtype, jnp.integer):  # TF's truncating integer division, per write
            return jax.lax.div(ref, jnp.ones_like(ref).at[index].multiply(updates, mode="drop"))
        return at.divide(updates, mode="drop")
    return at.max(updates, mode="drop") if mode == "max" else at.min(updates, mode="drop")


def _row_scatter(mode):
    def apply(ref, delta):
        indices, updates = delta
        index = jnp.where(indices < 0, ref.shape[0], indices)  # JAX would wrap a negative index
        return _combine(ref.at[index], ref, index, updates, mode)
    return apply


def _nd_scatter(mode):
    def apply(ref, delta):
        indices, updates = delta
        bound = jnp.asarray(ref.shape[:indices.shape[-1]], indices.dtype)
        index = tuple(jnp.moveaxis(jnp.where(indices < 0, bound, indices), -1, 0))
        return _combine(ref.at[index], ref, index, updates, mode)
    return apply


# (kernel, in-place kernel donating the old value) per mode, as assign_add's pair.
_SCATTER_KERNELS = {m: (jax.jit(_row_scatter(m)), jax.jit(_row_scatter(m), donate_argnums=0))
                    for m in ("update", "add", "sub", "mul", "div", "max", "min")}
_SCATTER_ND_KERNELS = {m: (jax.jit(_nd_scatter(m)), jax.jit(_nd_scatter(m), donate_argnums=0))
                       for m in ("update", "add", "sub")}


class Variable:
    """A mutable tensor-valued state, as `tf.Variable` in eager mode.

    Args:
      initial_value: a Tensor, or a value convertible to one, or a callable returning one.
      trainable: whether tapes watch this variable automatically when it is read. Default True.
      name: the variable's name; `.name` is `'<name_scope>/<name>:0'`. Default `'Variable'`.
      dtype: if set, `initial_value` is converted to this dtype.
      shape: accepted for compatibility; must match the initial value when given.

    Assignments (`assign`, `assign_add`, `assign_sub`) are not differentiable, as in TF: a read after
    an assignment is a fresh read of the variable.
    """

    __array_priority__ = 100

    # Set by the op layer above (`_ops/_operators.py`), as the Python operators are: a value
    # converted as `tf.convert_to_tensor` converts it, and the read a tape records (`tf.identity`).
    _to_tensor = None
    _identity = None

    def __new__(cls, *args, **kwargs):
        # TF 2.21's `tf.Variable(...)` makes a ResourceVariable (a subclass): `type(v).__name__` says so
        return object.__new__(ResourceVariable if cls is Variable else cls)

    def __init__(self, initial_value=None, trainable=None, validate_shape=True, caching_device=None,
                 name=None, variable_def=None, dtype=None, import_scope=None, constraint=None,
                 synchronization=VariableSynchronization.AUTO,
                 aggregation=VariableAggregation.NONE, shape=None,
                 experimental_enable_variable_lifting=True):

        if initial_value is None:
            raise ValueError("initial_value must be specified.")
        # Inside a function trace, an initial value made from constants is computed now (as TF
        # lifts initializers out of the graph), so the Variable is created for real mid-trace.
        with jax.ensure_compile_time_eval():
            if callable(initial_value):
                initial_value = initial_value()
            if isinstance(initial_value, Variable):
                initial_value = initial_value.read_value()
            value = Variable._to_tensor(initial_value, dtype=dtype)._value
        if shape is not None and validate_shape:
            want = TensorShape(shape)
            if len(want) != value.ndim or any(
                    d is not None and d != s for d, s in zip(want, value.shape)):
                raise ValueError(
                    f"In this `tf.Variable` creation, the initial value's shape ({TensorShape(value.shape)}) "
                    f"is not compatible with the explicitly supplied `shape` argument ({want}).")
        self._stored = value  # the array, or a Pending update (see `_fused_update`)
        self._id = _next_id()
        self._trainable = True if trainable is None else bool(trainable)
        base = "Variable" if name is None else str(name).rstrip("/").split(":")[0]
        prefix = "/".join(s for s in _context.current.name_scopes if s)
        self._name = f"{prefix}/{base}:0" if prefix else f"{base}:0"
        self._constraint = constraint
        self._synchronization = synchronization
        self._aggregation = aggregation
        for listener in _context.current.creation_listeners:
            listener(self)

    # -- reading -------------------------------------------------------------------------------
    @property
    def _array(self):
        """The current array; a pending update runs first (with every other pending one)."""
        stored = self._stored
        if type(stored) is _lazy.Pending:
            stored = self._stored = stored.resolve()
        return stored

    @_array.setter
    def _array(self, value):
        if type(self._stored) is _lazy.Pending:
            _lazy.cancel_write(self._id)
        self._stored = value

    def _read(self):
        """The current value as a JAX array (a tracer inside `tapejax.function`)."""
        context = _context.current
        if not context.uses_variables:
            _context.note_variable_thread(context)
        hook = context.read_hook
        if hook is not None:
            return hook(self)
        return self._array

    @property
    def _value(self):
        return self._read()

    @property
    def _v(self):
        """As `_value` (kept apart as one call: every op reads it)."""
        hook = _context.current.read_hook
        if hook is not None:
            return hook(self)
        stored = self._stored
        if type(stored) is _lazy.Pending:
            stored = self._array
        return stored

    def value(self):
        """Returns the current value as a Tensor; the read is watched by recording tapes."""
        return self._identity(self)

    def read_value(self):
        """Returns the current value as a Tensor (same as `value()`)."""
        return self.value()

    def numpy(self):
        array = _host(self._read())
        return array[()] if array.ndim == 0 else array

    def __array__(self, dtype=None, copy=None):
        array = _host(self._read())
        return array if dtype is None else array.astype(dtype)

    # -- writing -------------------------------------------------------------------------------
    def _check_assignable(self, new):
        current = self._stored if _context.current.read_hook is None else self._read()  # shape and dtype only
        if type(new) is Tensor:
            value = new._value
            if value.dtype == current.dtype and value.shape == current.shape:
                return value
        try:
            new = Variable._to_tensor(new, dtype=self.dtype)._value
        except TypeError as err:
            raise TypeError(f"Cannot assign a value of a different dtype to variable "
                            f"'{self._name}' of dtype {self.dtype.name}: {err}") from None
        if new.shape != current.shape:
            raise ValueError(
                f"Cannot assign value to variable ' {self._name}': Shape mismatch.The variable shape "
                f"{TensorShape(current.shape)}, and the assigned value shape "
                f"{TensorShape(new.shape)} are incompatible.")
        return new

    def _write(self, array):
        context = _context.current
        if not context.uses_variables:
            _context.note_variable_thread(context)
        if self._constraint is not None:
            array = self._constraint(Tensor(array))
            array = getattr(array, "_value", array)
        hook = _context.current.write_hook
        if hook is not None:
            hook(self, array)
        else:
            self._array = array

    def assign(self, value, use_locking=None, name=None, read_value=True):
        """Sets the variable to `value` (not differentiable).

        Returns:
          The variable, or None with `read_value=False` (as TF).
        """
        if _context.settings.explain:
            _explain.note_assign(self, value)
        self._write(self._check_assignable(value))
        return self if read_value else None

    def _check_update(self, delta, op_name):
        try:
            return self._check_assignable(delta)
        except ValueError:
            got = Variable._to_tensor(delta, dtype=self.dtype)._v.shape
            raise InvalidArgumentError(
                f"Cannot update variable with shape [{','.join(map(str, self.shape))}] using a Tensor "
                f"with shape [{','.join(map(str, got))}], shapes must be equal. [Op:{op_name}] name: ") from None

    def assign_add(self, delta, use_locking=None, name=None, read_value=True):
        """Adds `delta` to the variable in place (not differentiable).

        Returns:
          The variable, or None with `read_value=False`.
        """
        if _context.settings.explain:
            _explain.note_assign(self, delta)
        if not self._fused_update(delta, operator.add):
            self._update(_kernels.add_kernel, _kernels.add_in_place_kernel,
                         self._check_update(delta, "AssignAddVariableOp"))
        return self if read_value else None

    def assign_sub(self, delta, use_locking=None, name=None, read_value=True):
        """Subtracts `delta` from the variable in place (not differentiable).

        Returns:
          The variable, or None with `read_value=False`.
        """
        if _context.settings.explain:
            _explain.note_assign(self, delta)
        if not self._fused_update(delta, operator.sub):
            self._update(_kernels.sub_kernel, _kernels.sub_in_place_kernel,
                         self._check_update(delta, "AssignSubVariableOp"))
        return self if read_value else None

    def _fused_update(self, delta, combine):
        """`v.assign_sub(lr * g)` as one deferred update when `delta` is one deferred op on a
        gradient (see `_lazy.mark_gradients`): it runs in place, with the next program (see
        `_lazy.add_write`). Returns False when it does not apply."""
        if _context.current.read_hook is not None or type(delta) is not Tensor or self._constraint is not None:
            return False
        pending = delta._v
        node = _lazy.deferred_single_op(pending)
        if node is None:
            return False
        stored = self._stored
        shape, dtype = pending.shape, pending.dtype
        if shape != stored.shape or dtype != stored.dtype:
            return False
        if type(stored) is _lazy.Pending:  # an update nothing read yet: run it (no chains)
            stored = self._array
        write = _lazy.Node(_update_kernel(combine, node), ("update", combine, node.key),
                           [stored, *node.inputs], False)
        write.old_values = (0,)
        del stored
        self._stored = _lazy.Pending(write, 0, shape, dtype)
        _lazy.add_write(self._id, write)
        return True

    def _update(self, kernel, in_place_kernel, delta):
        # Only this attribute holds the old value: donate its buffer so XLA updates it in place.
        # A Tensor, tape or caller still holding it keeps it (no donation).
        context = _context.current
        if not context.uses_variables:
            _context.note_variable_thread(context)
        with _context.donation_lock:  # read, update and write as one step, as TF's assign ops
            if (context.read_hook is None and _context.donation_allowed()
                    and holders_of_attribute(self, "_array") <= 1):
                with _lazy.deferred_interrupts():  # Ctrl-C between the call and the store would lose it
                    self._write(in_place_kernel(self._array, delta))
            else:
                self._write(kernel(self._read(), delta))

    # -- scatter updates -----------------------------------------------------------------------
    def _scatter(self, mode, sparse_delta, op_name):
        if not isinstance(sparse_delta, IndexedSlices):
            raise TypeError(f"Argument `sparse_delta` must be a `tf.IndexedSlices`. Received arg: "
                            f"{sparse_delta}")
        indices = _scatter_indices(sparse_delta.indices, op_name)
        updates = Variable._to_tensor(sparse_delta.values, dtype=self.dtype)._value
        shape = tuple(self._stored.shape if _context.current.read_hook is None else self._read().shape)
        if updates.shape != () and updates.shape != indices.shape + shape[1:]:
            raise InvalidArgumentError(
                f"Must have updates.shape = indices.shape + params.shape[1:] or updates.shape = [], "
                f"got updates.shape {_dims(updates.shape)}, indices.shape {_dims(indices.shape)}, "
                f"params.shape {_dims(shape)} [Op:{op_name}] name: ")
        if not isinstance(indices, jax.core.Tracer):
            flat = np.asarray(indices)
            bad = np.argwhere((flat < 0) | (flat >= shape[0])) if shape else np.argwhere(flat == flat)
            if bad.size:
                where = ",".join(map(str, bad[0])) if flat.ndim else "0"
                raise InvalidArgumentError(
                    f"indices[{where}] = {flat[tuple(bad[0])]} is not in [0, {shape[0] if shape else 0}) "
                    f"[Op:{op_name}] name: ")
            if mode == "div" and not isinstance(updates, jax.core.Tracer) and not np.all(np.asarray(updates)):
                raise InvalidArgumentError(f"updates must not contain 0 [Op:{op_name}] name: ")
        kernels = _SCATTER_KERNELS[mode]
        self._update(kernels[0], kernels[1], (indices, updates))
        return self

    def scatter_update(self, sparse_delta, use_locking=False, name=None):
        """Writes `sparse_delta.values` into the rows `sparse_delta.indices` (the last write wins
        for a repeated index, as TF on CPU).

        Args:
          sparse_delta: a `tf.IndexedSlices` of rows (or a scalar broadcast to every indexed row).

        Returns:
          The variable.

        Raises:
          InvalidArgumentError: an index outside `[0, shape[0])` (checked eagerly; inside
            `tapejax.function` an out-of-range row is skipped, as TF on GPU does).
        """
        return self._scatter("update", sparse_delta, "ResourceScatterUpdate")

    def scatter_add(self, sparse_delta, use_locking=False, name=None):
        """Adds `sparse_delta` to the indexed rows (repeated indices accumulate); returns the variable."""
        return self._scatter("add", sparse_delta, "ResourceScatterAdd")

    def scatter_sub(self, sparse_delta, use_locking=False, name=None):
        """Subtracts `sparse_delta` from the indexed rows (repeated indices accumulate)."""
        return self._scatter("sub", sparse_delta, "ResourceScatterSub")

    def scatter_mul(self, sparse_delta, use_locking=False, name=None):
        """Multiplies the indexed rows by `sparse_delta` (repeated indices accumulate)."""
        return self._scatter("mul", sparse_delta, "ResourceScatterMul")

    def scatter_div(self, sparse_delta, use_locking=False, name=None):
        """Divides the indexed rows by `sparse_delta` (integers truncate, as TF); a zero in the
        values raises InvalidArgumentError, as TF."""
        return self._scatter("div", sparse_delta, "ResourceScatterDiv")

    def scatter_max(self, sparse_delta, use_locking=False, name=None):
        """Sets the indexed rows to the maximum of themselves and `sparse_delta`."""
        return self._scatter("max", sparse_delta, "ResourceScatterMax")

    def scatter_min(self, sparse_delta, use_locking=False, name=None):
        """Sets the indexed rows to the minimum of themselves and `sparse_delta`."""
        return self._scatter("min", sparse_delta, "ResourceScatterMin")

    def _scatter_nd(self, mode, indices, updates, op_name):
        indices = _scatter_indices(indices, op_name)
        updates = Variable._to_tensor(updates, dtype=self.dtype)._value
        shape = tuple(self._stored.shape if _context.current.read_hook is None else self._read().shape)
        ishape, ushape = indices.shape, updates.shape
        slice_dim = ishape[-1] if len(ishape) > 1 else 1
        batch_dim = len(ishape) - 1 if len(ishape) > 1 else 1
        if (len(shape) < slice_dim + (len(ushape) - batch_dim) or len(ushape) - batch_dim != len(shape) - slice_dim
                or any(ushape[d] != shape[d - batch_dim + slice_dim] for d in range(batch_dim, len(ushape)))):
            raise InvalidArgumentError(
                f"Dimensions [{slice_dim},{len(shape)}) of input[shape={_dims(shape)}] must match "
                f"dimensions [{slice_dim},{len(ushape)}) of updates[shape={_dims(ushape)}] "
                f"[Op:{op_name}] name: ")
        for d in range(batch_dim):
            if ushape[d] != ishape[d]:
                raise InvalidArgumentError(
                    f"Dimensions [0,{batch_dim}) of indices[shape={_dims(ishape)}] = {ishape[d]} must "
                    f"match dimensions [0,{batch_dim}) of updates[shape={_dims(ushape)}] = {ushape[d]} "
                    f"[Op:{op_name}] name: ")
        if len(ishape) < 2:
            indices = indices.reshape(-1, 1) if len(ishape) == 1 else indices.reshape(1, 1)
        if not isinstance(indices, jax.core.Tracer):
            flat = np.asarray(indices)
            bad = np.argwhere(np.any((flat < 0) | (flat >= np.asarray(shape[:flat.shape[-1]])), axis=-1))
            if bad.size:
                position = ",".join(map(str, bad[0]))
                raise InvalidArgumentError(
                    f"indices[{position}] = [{', '.join(map(str, flat[tuple(bad[0])]))}] does not index "
                    f"into shape {_dims(shape)} [Op:{op_name}] name: ")
        kernels = _SCATTER_ND_KERNELS[mode]
        self._update(kernels[0], kernels[1], (indices, updates))
        return self

    def scatter_nd_update(self, indices, updates, name=None):
        """Writes `updates` at the index tuples in the last axis of `indices` (`tf.scatter_nd`'s layout).

        Args:
          indices: int32/int64 Tensor `[..., K]` of index tuples into the first K axes.
          updates: Tensor `indices.shape[:-1] + shape[K:]`.

        Returns:
          The variable.
        """
        return self._scatter_nd("update", indices, updates, "ResourceScatterNdUpdate")

    def scatter_nd_add(self, indices, updates, name=None):
        """Adds `updates` at the index tuples of `indices` (repeated tuples accumulate)."""
        return self._scatter_nd("add", indices, updates, "ResourceScatterNdAdd")

    def scatter_nd_sub(self, indices, updates, name=None):
        """Subtracts `updates` at the index tuples of `indices` (repeated tuples accumulate)."""
        return self._scatter_nd("sub", indices, updates, "ResourceScatterNdSub")

    def batch_scatter_update(self, sparse_delta, use_locking=False, name=None):
        """`scatter_update` per batch: `indices` `[*batch, n]` pick positions along the axis after
        the batch axes (TF builds the same index tuples and calls `scatter_nd_update`)."""
        if not isinstance(sparse_delta, IndexedSlices):
            raise TypeError(f"Argument `sparse_delta` must be a `tf.IndexedSlices`. Received arg: "
                            f"{sparse_delta}")
        indices = _scatter_indices(sparse_delta.indices, "ResourceScatterNdUpdate")
        batch = indices.shape[:-1]
        grids = jnp.meshgrid(*[jnp.arange(n, dtype=indices.dtype) for n in indices.shape], indexing="ij")
        nd = jnp.stack(grids[:-1] + [indices], axis=-1) if batch else indices[:, None]
        return self._scatter_nd("update", nd, Variable._to_tensor(sparse_delta.values, dtype=self.dtype),
                                "ResourceScatterNdUpdate")

    # -- metadata ------------------------------------------------------------------------------
    @property
    def name(self):
        return self._name

    @property
    def trainable(self):
        return self._trainable

    @property
    def dtype(self):
        return _dtypes.from_jax(self._stored.dtype)

    @property
    def shape(self):
        return TensorShape(self._stored.shape)

    @property
    def ndim(self):
        return len(self._stored.shape)

    @property
    def device(self):
        return _device.value_device(self._array)

    @property
    def constraint(self):
        return self._constraint

    @property
    def synchronization(self):
        return self._synchronization

    @property
    def aggregation(self):
        return self._aggregation

    @property
    def handle(self):
        return self

    def get_shape(self):
        return self.shape

    def ref(self):
        return _Reference(self)

    experimental_ref = ref

    def __len__(self):
        raise TypeError("object of type 'ResourceVariable' has no len()")

    def __iter__(self):
        return iter(self.value())

    def __bool__(self):
        return bool(_host(self._read()))

    def __float__(self):
        return float(_host(self._read()))

    def __int__(self):
        return int(_host(self._read()))

    def __index__(self):
        return self.value().__index__()

    def __hash__(self):
        raise TypeError(f"Variable is unhashable. Instead, use variable.ref() as the key. (Variable: {self!r})")

    def __repr__(self):
        array = _host(self._read())
        return (f"<tf.Variable '{self._name}' shape={self.shape} dtype={self.dtype.name}, "
                f"numpy={_numpy_text(array, True)}>")

    __str__ = __repr__

    def __format__(self, spec):
        if spec:
            raise TypeError("unsupported format string passed to ResourceVariable.__format__")
        return str(self)

    def __deepcopy__(self, memo):
        copy = Variable(Tensor(self._read()), trainable=self._trainable,
                        name=self._name.split(":")[0])
        copy._name = self._name
        return copy

    def __reduce__(self):
        raise TypeError("tapejax Variables cannot be pickled; save them with tf.train.Checkpoint "
                        "or keras save_weights, or pickle v.numpy().")


class ResourceVariable(Variable):
    """The class of the variables `tf.Variable(...)` creates, as TF 2.21's eager `ResourceVariable`."""
