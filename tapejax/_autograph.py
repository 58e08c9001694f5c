"""`tf.autograph`: converting a function's Python control flow, and the `ag__` operators it calls.

`convert(f)` rewrites `f`'s source (`_autograph_transform`) and builds the new function over `f`'s own
globals and closure cells, so it sees later changes to both. The converted code calls the operators
below: on Python values and eager Tensors they run plain Python control flow; on traced Tensors
(inside `tapejax.function`) they stage it (`_staging`). Functions of tapejax, JAX, NumPy, Keras, the
standard library and installed packages are called as they are, as TF leaves its own and allowlisted
modules alone.
"""

from __future__ import annotations

import ast
import collections
import functools
import inspect
import linecache
import os
import sys
import sysconfig
import textwrap
import threading
import types
import weakref

import jax
import jax.numpy as jnp
import numpy as np

from tapejax import _staging
from tapejax._autograph_transform import Converter
from tapejax._errors import warn_first_n
from tapejax._ops import array_ops, math_ops
from tapejax._ops._convert import convert_to_tensor
from tapejax._staging import Undefined, UndefinedReturnValue, is_staged
from tapejax._tensor import Tensor
from tapejax._variable import Variable

FALSE = False
MAX_CONVERTED_CODES = 1024

_SKIPPED_MODULES = frozenset({
    "tapejax", "jax", "jaxlib", "numpy", "scipy", "optax", "grain", "keras", "tensorflow", "builtins",
    "functools", "itertools", "collections", "abc", "inspect", "typing", "contextlib", "threading",
    "math", "random", "operator", "re", "copy", "os", "sys", "pytest", "_pytest", "hypothesis"})
_SKIPPED_DIRS = tuple({os.path.realpath(p) + os.sep for p in (
    sysconfig.get_paths().get("stdlib"), sysconfig.get_paths().get("purelib"),
    sysconfig.get_paths().get("platlib"), os.path.dirname(__file__)) if p})

_codes = collections.OrderedDict()  # original code object -> (converted code, source) or None
_codes_lock = threading.Lock()


# -- conversion -------------------------------------------------------------------------------
def do_not_convert(func=None):
    """Marks `func` to be called as it is, never converted (as `tf.autograph.experimental.do_not_convert`).

    Args:
      func: the function; without it, returns a decorator.

    Returns:
      `func`, marked.
    """
    if func is None:
        return do_not_convert
    try:
        func.__ag_do_not_convert__ = True
    except (AttributeError, TypeError):
        pass
    return func


def _skipped(func):
    if getattr(func, "__ag_do_not_convert__", False) or getattr(func, "__ag_converted__", False):
        return True
    module = (getattr(func, "__module__", None) or "").split(".")[0]
    if module in _SKIPPED_MODULES:
        return True
    code = getattr(func, "__code__", None)
    if code is None or code.co_flags & (inspect.CO_GENERATOR | inspect.CO_COROUTINE | inspect.CO_ASYNC_GENERATOR):
        return True
    filename = os.path.realpath(code.co_filename)
    return filename.startswith(_SKIPPED_DIRS)


def _converted_code(func):
    """The converted code object of `func` and its source, or None when it cannot be converted."""
    code = func.__code__
    with _codes_lock:
        if code in _codes:
            _codes.move_to_end(code)
            return _codes[code]
    result = _transform(func)
    with _codes_lock:
        _codes[code] = result
        if len(_codes) > MAX_CONVERTED_CODES:
            _codes.popitem(last=False)
    return result


def _transform(func):
    if func.__name__ == "<lambda>":  # found in its whole file (its line may not parse alone)
        lines, first_line = linecache.getlines(func.__code__.co_filename), 1
    else:
        try:  # from the code object: a function's own source, never that of its `__wrapped__`
            lines, first_line = inspect.getsourcelines(func.__code__)
        except (OSError, TypeError):
            return None
    source = textwrap.dedent("".join(lines))
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    if func.__name__ == "<lambda>":
        node = _lambda_as_function(tree, func)
    else:
        node = tree.body[0] if tree.body else None
    if node is None or not isinstance(node, ast.FunctionDef) or (
            node.name != func.__name__ and func.__name__ != "<lambda>"):
        return None
    try:
        node = Converter().convert_function(node)
    except Exception as err:  # noqa: BLE001 - an unconvertible construct: run the function as it is
        warn_first_n(3, f"AutoGraph could not transform {func.__qualname__} and will run it as-is "
                        f"({type(err).__name__}: {err}).")
        return None
    freevars = [n for n in func.__code__.co_freevars if n != "ag__"]
    factory = ast.FunctionDef(
        name="ag__factory",
        args=ast.arguments(posonlyargs=[], args=[ast.arg(arg=n) for n in ["ag__"] + freevars], vararg=None,
                           kwonlyargs=[], kw_defaults=[], kwarg=None, defaults=[]),
        body=[node, ast.Return(value=ast.Name(id=node.name, ctx=ast.Load()))],
        decorator_list=[], returns=None, type_params=[])
    ast.copy_location(factory, node)
    module = ast.Module(body=[factory], type_ignores=[])
    ast.fix_missing_locations(module)
    ast.increment_lineno(module, first_line - 1)
    try:
        module_code = compile(module, func.__code__.co_filename, "exec")
    except SyntaxError as err:
        warn_first_n(3, f"AutoGraph could not transform {func.__qualname__} and will run it as-is "
                        f"(SyntaxError: {err}).")
        return None
    factory_code = next(c for c in module_code.co_consts if isinstance(c, types.CodeType))
    inner = next(c for c in factory_code.co_consts
                 if isinstance(c, types.CodeType) and c.co_name == node.name)
    return inner, ast.unparse(node)


def _lambda_as_function(tree, func):
    """The lambda `func` in its file's `tree`, as a `def` returning its body (TF converts lambdas
    too), or None when other lambdas with its arguments share its line (TF leaves those as they are)."""
    code = func.__code__
    names = list(code.co_varnames[:code.co_argcount + code.co_kwonlyargcount])
    found = [n for n in ast.walk(tree) if isinstance(n, ast.Lambda) and n.lineno == code.co_firstlineno
             and [a.arg for a in n.args.posonlyargs + n.args.args + n.args.kwonlyargs] == names]
    if len(found) != 1:
        return None
    node = ast.FunctionDef(name="ag__lambda", args=found[0].args, body=[ast.Return(value=found[0].body)],
                           decorator_list=[], returns=None, type_params=[])
    return ast.copy_location(node, found[0])


def convert(func):
    """`func` with its Python control flow converted, or `func` itself when it is not converted."""
    if isinstance(func, functools.partial):
        converted = convert(func.func)
        return func if converted is func.func else functools.partial(converted, *func.args, **func.keywords)
    if inspect.ismethod(func):
        converted = convert(func.__func__)
        return func if converted is func.__func__ else types.MethodType(converted, func.__self__)
    if not isinstance(func, types.FunctionType) or _skipped(func):
        return func
    cached = _instances.get(func)
    if cached is not None:
        return cached
    found = _converted_code(func)
    if found is None:
        return func
    code = found[0]
    cells = dict(zip(func.__code__.co_freevars, func.__closure__ or ()))
    closure = []
    for name in code.co_freevars:
        if name == "ag__":
            closure.append(types.CellType(_operators))
        elif name in cells:
            closure.append(cells[name])
        else:
            return func
    converted = types.FunctionType(code, func.__globals__, func.__name__, func.__defaults__, tuple(closure))
    converted.__kwdefaults__ = func.__kwdefaults__
    converted.__qualname__ = func.__qualname__
    converted.__dict__.update(func.__dict__)
    converted.__ag_converted__ = True
    try:
        _instances[func] = converted
    except TypeError:
        pass
    return converted


class _Instances:
    """Converted functions per original function object, held weakly."""

    def __init__(self):
        self._map = weakref.WeakKeyDictionary()

    def get(self, func):
        try:
            return self._map.get(func)
        except TypeError:
            return None

    def __setitem__(self, func, converted):
        self._map[func] = converted


_instances = _Instances()


def to_code(entity, recursive=True, experimental_optional_features=None):
    """Returns the Python source of `entity` converted by AutoGraph (as `tf.autograph.to_code`).

    Args:
      entity: a Python function (or a `tapejax.function`).

    Returns:
      The converted source, a string.
    """
    func = getattr(entity, "python_function", entity)
    func = getattr(func, "__func__", func)
    found = _converted_code(func) if isinstance(func, types.FunctionType) else None
    if found is None:
        raise ValueError(f"Unable to locate the source code of {entity!r}; AutoGraph converts functions "
                         f"defined in Python source files.")
    return found[1] + "\n"


def to_graph(entity, recursive=True, experimental_optional_features=None):
    """Returns `entity` converted (as `tf.autograph.to_graph`): its control flow on Tensors is staged
    when called inside `tapejax.function`."""
    return convert(entity)


# -- operators called by converted code --------------------------------------------------------
def _truth(value):
    return bool(value)


def ld_opt(thunk, name):
    try:
        return thunk()
    except (NameError, AttributeError, KeyError, IndexError):
        return Undefined(name)


def is_defined(value):
    return not isinstance(value, Undefined)


def ld(value):
    if type(value) is Undefined and value.message:
        raise ValueError(value.message)
    return value


def ret(value):
    if isinstance(value, UndefinedReturnValue):
        return None
    if isinstance(value, Undefined) and value.message:
        raise ValueError(value.message)
    return value


def if_stmt(cond, body, orelse, get_state, set_state, names):
    if is_staged(cond):
        initial = get_state()

        def branch(fn):
            def run():
                set_state(initial)
                fn()
                return get_state()
            return run

        set_state(_staging.staged_if(cond, branch(body), branch(orelse), names, where=_where(),
                                     condition_tag="if statement"))
    elif _truth(cond):
        body()
    else:
        orelse()


def _where():
    frame = sys._getframe(2)
    return f"{frame.f_code.co_filename}:{frame.f_lineno}"


_LIMITATIONS = ("See https://github.com/tensorflow/tensorflow/blob/master/tensorflow/python/autograph/g3doc/"
                "reference/limitations.md#consistency-of-control-flow-types for more info.")
_CHANGED_TO_TENSOR = (
    "The condition of while loop started as non-Tensor, then changed to Tensor. This may happen either "
    "because variables changed type, or when a break or return statement inside the loop depends on a "
    "Tensor condition. In both cases, changing to a TF loop should remove the error.\n" + _LIMITATIONS)
_BREAK_ON_TENSOR = ("break and return statements which depend on a TF condition are not supported in Python "
                    "for loops. Did you intend to make it a TF loop?\n" + _LIMITATIONS)


def while_stmt(test, body, get_state, set_state, names, extra_test=None, has_return=False, local_only=()):
    def full_test():
        if extra_test is None:
            return test()
        return and_(extra_test, test)

    ok = full_test()
    python_iterations = 0
    while not is_staged(ok):
        if not _truth(ok):
            return
        body()
        python_iterations += 1
        ok = full_test()
    if python_iterations:  # as TF: a loop that began as Python cannot become a staged one
        raise NotImplementedError(_CHANGED_TO_TENSOR)
    _staging.staged_loop(get_state, set_state, names, body, test=full_test, has_return=has_return,
                         where=_where(), local_only=local_only, condition_tag="while loop")


class _Range:
    """`range`/`tf.range` iterated by a converted `for` loop: staged without materialising it."""

    def __init__(self, start, limit, delta, dtype):
        self.start, self.limit, self.delta, self.dtype = start, limit, delta, dtype

    def count(self):
        values = [self.start, self.limit, self.delta]
        if not any(is_staged(v) for v in values):
            start, limit, delta = (v.numpy() if isinstance(v, (Tensor, Variable)) else v for v in values)
            if delta == 0:
                raise ValueError("range() arg 3 must not be zero")
            return max(0, int(np.ceil((limit - start) / delta)))
        start, limit, delta = (convert_to_tensor(v)._value for v in values)
        return jnp.maximum(0, jnp.ceil((limit - start) / delta)).astype(jnp.int32)

    def element(self, k):
        start, delta = (convert_to_tensor(v)._value for v in (self.start, self.delta))
        return Tensor((start + k.astype(start.dtype) * delta).astype(self.dtype))


def for_iter(func, *args, **kwargs):
    """The iterable of a converted `for` loop over a call (`range`/`tf.range` are staged lazily)."""
    if func is range or func is array_ops.range:
        staged = any(is_staged(a) for a in list(args) + list(kwargs.values()))
        if staged or (func is array_ops.range and _staging.staging_active()):
            return _tf_range(*args, **kwargs)
    return converted_call(func)(*args, **kwargs)


def _tf_range(start, limit=None, delta=1, dtype=None, name=None):
    if limit is None:
        start, limit = 0, start
    values = [convert_to_tensor(v) if isinstance(v, (Tensor, Variable)) else v for v in (start, limit, delta)]
    if dtype is None:
        kinds = [v.dtype.as_numpy_dtype if isinstance(v, Tensor) else np.asarray(v).dtype for v in values]
        dtype = np.result_type(*kinds)
        if dtype == np.int64 and not any(isinstance(v, Tensor) and v.dtype.name == "int64" for v in values):
            dtype = np.int32
        if dtype == np.float64 and not any(isinstance(v, Tensor) for v in values):
            dtype = np.float32
    else:
        dtype = getattr(dtype, "as_numpy_dtype", dtype)
    return _Range(*values, jnp.dtype(dtype))


def for_stmt(iterable, extra_test, body, get_state, set_state, names, has_return=False, local_only=()):
    if isinstance(iterable, Variable):
        iterable = iterable.value()
    if isinstance(iterable, _Range):
        _staging.staged_loop(get_state, set_state, names, body, count=iterable.count(),
                             element=iterable.element, extra_test=extra_test, has_return=has_return,
                             where=_where(), local_only=local_only)
        return
    if type(iterable) is Tensor and (_staging.staging_active() or is_staged(iterable)):
        if iterable.ndim == 0:
            raise TypeError("Cannot iterate over a scalar tensor.")
        values = iterable._value
        size = values.shape[0]  # a symbolic size (a None dimension) is counted at run time
        _staging.staged_loop(
            get_state, set_state, names, body, count=size if isinstance(size, int) else jnp.asarray(size, jnp.int32),
            element=lambda k: Tensor(jax.lax.dynamic_index_in_dim(values, k, keepdims=False)),
            extra_test=extra_test, has_return=has_return, where=_where(), local_only=local_only)
        return
    for item in iterable:
        if extra_test is not None:
            ok = extra_test()
            if is_staged(ok):  # as TF: a `break`/`return` on a Tensor in a Python loop
                raise NotImplementedError(_BREAK_ON_TENSOR)
            if not _truth(ok):
                break
        body(item)


def _as_bool_tensor(value):
    tensor = convert_to_tensor(value)
    return tensor if tensor.dtype.name == "bool" else math_ops.not_equal(tensor, 0)


def and_(first, second):
    a = first()
    if isinstance(a, (Tensor, Variable)) and is_staged(a):
        return math_ops.logical_and(_as_bool_tensor(a), _as_bool_tensor(second()))
    return a and second()


def or_(first, second):
    a = first()
    if isinstance(a, (Tensor, Variable)) and is_staged(a):
        return math_ops.logical_or(_as_bool_tensor(a), _as_bool_tensor(second()))
    return a or second()


def not_(value):
    if isinstance(value, (Tensor, Variable)):
        return math_ops.logical_not(_as_bool_tensor(value))
    return not value


def if_exp(cond, true_value, false_value):
    if is_staged(cond):
        return _staging.staged_if(cond, lambda: (true_value(),), lambda: (false_value(),), ("<expression>",))[0]
    return true_value() if _truth(cond) else false_value()


def converted_call(func):
    """`func` as converted code calls it: user functions are converted, everything else as is."""
    if isinstance(func, (types.FunctionType, types.MethodType, functools.partial)):
        return convert(func)
    call = None
    if not isinstance(func, type):
        call = next((k.__dict__["__call__"] for k in type(func).__mro__ if "__call__" in k.__dict__), None)
    if isinstance(call, types.FunctionType) and not isinstance(func, type) and not _skipped(call):
        converted = convert(call)
        if converted is not call:
            return types.MethodType(converted, func)
    return func


def set_loop_options(parallel_iterations=None, swap_memory=None, maximum_iterations=None,
                     shape_invariants=None):
    """Sets options of the staged loop whose body calls it (`tf.autograph.experimental.set_loop_options`).

    Args:
      maximum_iterations: a Python int bound: the loop stops after that many iterations (a bounded
        `lax.scan`, differentiable).
      parallel_iterations, swap_memory: accepted; XLA schedules the loop.
      shape_invariants: a list of (loop variable, TensorShape) pairs: a variable whose shape changes
        within its invariant (None dimensions) makes the function call run as Python, with a
        warning (a compiled loop has static shapes); outside it, TF's ValueError.
    """
    _staging.set_loop_options(maximum_iterations=maximum_iterations, shape_invariants=shape_invariants)


_verbosity = [0]


def set_verbosity(level, alsologtostdout=False):
    """Sets AutoGraph's log verbosity (as `tf.autograph.set_verbosity`); tapejax logs nothing more."""
    _verbosity[0] = int(level)


def trace(*args):
    """Prints `args` when called (at trace time inside a function), as `tf.autograph.trace`."""
    print(*args)


_operators = types.SimpleNamespace(
    FALSE=FALSE, ld=ld, ld_opt=ld_opt, is_defined=is_defined, ret=ret, if_stmt=if_stmt, while_stmt=while_stmt, for_stmt=for_stmt,
    for_iter=for_iter, and_=and_, or_=or_, not_=not_, if_exp=if_exp, converted_call=converted_call,
    UndefinedReturnValue=UndefinedReturnValue, Undefined=Undefined)
