"""Variable: a mutable, named value; reads inside recording tapes are watched as TF does."""

from __future__ import annotations

import operator

import jax
import jax.numpy as jnp

from tapejax import _cache, _context, _device, _dtypes, _explain, _lazy, _trace_graph
from tapejax._errors import InvalidArgumentError
from tapejax._holders import attribute_held_beyond, item_held_beyond
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


# assign_add / assign_sub: the update's kernel, its in-place form (when nothing else holds the old
# value), and TF's op name.
_UPDATES = {
    operator.add: (jax.jit(jnp.add), jax.jit(jnp.add, donate_argnums=0), "AssignAddVariableOp"),
    operator.sub: (jax.jit(jnp.subtract), jax.jit(jnp.subtract, donate_argnums=0), "AssignSubVariableOp"),
}

_update_kernels = {}
_cache.register(_update_kernels.clear)


def _update_kernel(combine, node):
    """`combine(variable, op(*inputs))` for the deferred op `node` (`lr * g`): a write's kernel."""
    key = (combine, node.key)
    found = _update_kernels.get(key)
    if found is None:
        op_kernel = node.kernel

        def update(current, *inputs):
            return (combine(current, op_kernel(*inputs)),)

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
        if not allowed or item_held_beyond(arrays, i, 1):  # beyond this list and the Variable
            arrays[i] = jnp.array(arrays[i], copy=True)
    return arrays


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
    # The slot `_stored` holds an array or a `_lazy.Pending` update; `_array` is its array (a pending
    # update runs first). `_read()` (`_value`, as Tensor's) is what a trace's read hook gives, else
    # `_array`, and counts this thread among the Variable users (`_context.donation_lock`); `_v`, read
    # by every op, is the same value in one call, without counting the thread.
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
        hook = _context.variable_user().read_hook
        return self._array if hook is None else hook(self)

    _value = property(_read)

    @property
    def _v(self):
        hook = _context.current.read_hook
        if hook is not None:
            return hook(self)
        stored = self._stored
        return self._array if type(stored) is _lazy.Pending else stored

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
        context = _context.variable_user()
        if self._constraint is not None:
            array = self._constraint(Tensor(array))
            array = getattr(array, "_value", array)
        hook = context.write_hook
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

    def assign_add(self, delta, use_locking=None, name=None, read_value=True):
        """Adds `delta` to the variable in place (not differentiable).

        Returns:
          The variable, or None with `read_value=False`.
        """
        return self._assign_update(delta, operator.add, read_value)

    def assign_sub(self, delta, use_locking=None, name=None, read_value=True):
        """Subtracts `delta` from the variable in place (not differentiable).

        Returns:
          The variable, or None with `read_value=False`.
        """
        return self._assign_update(delta, operator.sub, read_value)

    def _assign_update(self, delta, combine, read_value):
        if _context.settings.explain:
            _explain.note_assign(self, delta)
        if not self._fused_update(delta, combine):
            kernel, in_place_kernel, op_name = _UPDATES[combine]
            self._update(kernel, in_place_kernel, self._check_update(delta, op_name))
        return self if read_value else None

    def _check_update(self, delta, op_name):
        try:
            return self._check_assignable(delta)
        except ValueError:
            got = Variable._to_tensor(delta, dtype=self.dtype)._v.shape
            raise InvalidArgumentError(
                f"Cannot update variable with shape [{','.join(map(str, self.shape))}] using a Tensor "
                f"with shape [{','.join(map(str, got))}], shapes must be equal. [Op:{op_name}] name: ") from None

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
        inputs = [stored, *node.inputs]
        del stored
        _lazy.defer_update(_update_kernel(combine, node), ("update", combine, node.key), [self], inputs, (0,),
                           [(shape, dtype)], write_key=self._id)
        return True

    def _update(self, kernel, in_place_kernel, delta):
        # Only this attribute holds the old value: donate its buffer so XLA updates it in place.
        # A Tensor, tape or caller still holding it keeps it (no donation).
        context = _context.variable_user()
        with _context.donation_lock:  # read, update and write as one step, as TF's assign ops
            if (context.read_hook is None and _context.donation_allowed()
                    and not attribute_held_beyond(self, "_array", 0)):
                with _lazy.deferred_interrupts():  # Ctrl-C between the call and the store would lose it
                    self._write(in_place_kernel(self._array, delta))
            else:  # (inside a function trace, recorded with its ops)
                self._write(_trace_graph.run_recorded(kernel, (self._read(), delta)))

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
