"""TF's ragged dispatch: public ops given a `tf.RaggedTensor` run its ragged version.

The op modules (`_ops/math_ops.py`, `_ops/array_ops.py`, ...) wrap their public functions with the
decorators here when they define them. A wrapper checks its ragged-capable arguments with one
`isinstance` against `Ragged` (the base class of `tapejax._ragged.RaggedTensor`) and otherwise
calls the dense function unchanged, so dense calls pay one check. This module imports nothing from
tapejax: the ragged versions are looked up when called, in `HANDLERS` (filled by `tapejax._ragged`
under the dense function's name) or, for elementwise ops, on the ragged value itself.
"""

from __future__ import annotations

import functools
import inspect


class Ragged:
    """Base class of `tf.RaggedTensor` (defined in `tapejax._ragged`)."""

    __slots__ = ()


HANDLERS = {}  # dense function name -> handler(dense_fn, *args, **kwargs), set by tapejax._ragged


def _handler(fn):
    found = HANDLERS.get(fn.__name__)
    if found is None:
        raise TypeError(f"tf.{fn.__name__} does not take a tf.RaggedTensor in tapejax yet.\ntapejax: "
                        f"convert it first (rt.to_tensor(), or rt.flat_values for an elementwise op).")
    return found


def _wrap(fn, check, ragged_call):
    """A function with `fn`'s own signature (no *args packing on the dense path: it runs on every
    op call) that returns `ragged_call(...)` where `check` (Python source over the parameter names)
    holds, else `fn(...)`."""
    namespace = {"_fn": fn, "_ragged_call": ragged_call, "_Ragged": Ragged, "_has_ragged": _has_ragged}
    params, call = [], []
    for i, p in enumerate(inspect.signature(fn).parameters.values()):
        default = ""
        if p.default is not p.empty:
            namespace[f"_d{i}"] = p.default
            default = f"=_d{i}"
        if p.kind is p.VAR_POSITIONAL:
            params.append(f"*{p.name}")
            call.append(f"*{p.name}")
        elif p.kind is p.VAR_KEYWORD:
            params.append(f"**{p.name}")
            call.append(f"**{p.name}")
        elif p.kind is p.KEYWORD_ONLY:
            if not any(x.startswith("*") for x in params):
                params.append("*")
            params.append(p.name + default)
            call.append(f"{p.name}={p.name}")
        else:
            params.append(p.name + default)
            call.append(p.name)
    args = ", ".join(call)
    source = (f"def dispatch({', '.join(params)}):\n    if {check}:\n        return _ragged_call({args})\n"
              f"    return _fn({args})\n")
    exec(source, namespace)  # noqa: S102 - builds the wrapper's signature from fn's, nothing else
    return functools.wraps(fn)(namespace["dispatch"])


def _params(fn):
    return list(inspect.signature(fn).parameters)


def _has_ragged(value):
    return isinstance(value, Ragged) or (isinstance(value, (list, tuple)) and any(
        isinstance(v, Ragged) for v in value))


def elementwise(fn):
    """`fn(x, ...)` on a ragged `x` applies `fn` to `x.flat_values` (same row partitions)."""
    first = _params(fn)[0]

    def ragged_call(x, *args, **kwargs):
        return x.with_flat_values(fn(x.flat_values, *args, **kwargs))
    return _wrap(fn, f"isinstance({first}, _Ragged)", ragged_call)


def binary(fn):
    """`fn(x, y, ...)` with a ragged `x` or `y`: the ragged elementwise rule (`RaggedTensor._binary`)."""
    x, y = _params(fn)[:2]

    def ragged_call(x, y, *args, **kwargs):
        rt = x if isinstance(x, Ragged) else y
        return rt._binary(fn, x, y, args, kwargs)
    return _wrap(fn, f"isinstance({x}, _Ragged) or isinstance({y}, _Ragged)", ragged_call)


def first(fn):
    """`fn(x, ...)` on a ragged first argument runs `HANDLERS[fn.__name__](fn, x, ...)`."""
    name = _params(fn)[0]

    def ragged_call(*args, **kwargs):
        return _handler(fn)(fn, *args, **kwargs)
    return _wrap(fn, f"isinstance({name}, _Ragged)", ragged_call)


def any_arg(fn, names=None):
    """`fn(...)` with a ragged value among its arguments (`names`, by default all; or in a list
    argument) runs `HANDLERS[fn.__name__](fn, ...)`."""
    names = [n for n in (names or _params(fn)) if n != "name"]
    check = " or ".join(f"_has_ragged({n})" for n in names)

    def ragged_call(*args, **kwargs):
        return _handler(fn)(fn, *args, **kwargs)
    return _wrap(fn, check, ragged_call)
