"""`tf.Module` and `tf.name_scope`: variable collection by attribute walk, name scopes."""

from __future__ import annotations

import contextlib
import re

from tapejax import _context
from tapejax._variable import Variable


@contextlib.contextmanager
def _scope(name):
    _context.current.name_scopes.append(name)
    try:
        yield name
    finally:
        _context.current.name_scopes.pop()


class name_scope:  # noqa: N801 - TF's name
    """A context manager that prefixes the names of Variables created inside it.

    Args:
      name: the scope name (a trailing '/' is dropped).
    """

    def __init__(self, name):
        if not isinstance(name, str):
            raise ValueError(f"name for name_scope must be a string, got {name!r}")
        self._name = name
        self._cm = None

    @property
    def name(self):
        return self._name

    def __enter__(self):
        self._cm = _scope(self._name.rstrip("/"))
        prefix = "/".join(s for s in _context.current.name_scopes + [self._name.rstrip("/")] if s)
        self._cm.__enter__()
        return prefix + "/" if prefix else ""

    def __exit__(self, *exc):
        return self._cm.__exit__(*exc)


def _camel_to_snake(name):
    name = re.sub(r"(.)([A-Z][a-z0-9]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


def _walk(value, seen, predicate, recurse_modules, out):
    """Collects objects matching `predicate` in attribute order (TF sorts attribute names)."""
    if id(value) in seen:
        return
    if isinstance(value, Module):
        seen.add(id(value))
        if predicate(value):
            out.append(value)
        if recurse_modules:
            for key in sorted(vars(value)):
                if key not in value._TF_MODULE_IGNORED_PROPERTIES:
                    _walk(vars(value)[key], seen, predicate, recurse_modules, out)
        return
    if isinstance(value, Variable):
        seen.add(id(value))
        if predicate(value):
            out.append(value)
        return
    if isinstance(value, dict):
        for key in sorted(value, key=str):
            _walk(value[key], seen, predicate, recurse_modules, out)
    elif isinstance(value, (list, tuple)):
        for item in value:
            _walk(item, seen, predicate, recurse_modules, out)


class Module:
    """Base class for objects that own Variables and sub-modules, as `tf.Module`.

    Args:
      name: the module's name (default: the class name in snake_case); Variables created inside
        `with self.name_scope:` get it as a prefix.
    """

    _TF_MODULE_IGNORED_PROPERTIES = frozenset(("_scope_name", "_name"))

    def __init__(self, name=None):
        if name is None:
            name = _camel_to_snake(type(self).__name__)
        elif not re.match(r"^[A-Za-z_][\w.\-]*$", name):
            raise ValueError(
                f"'{name}' is not a valid module name. Module names must be valid Python "
                f"identifiers (e.g. a valid class name).")
        self._name = name
        self._scope_name = name + "/"

    @property
    def name(self):
        return self._name

    @property
    def name_scope(self):
        return name_scope(self._scope_name)

    def _flatten(self, predicate, recursive=True):
        out = []
        seen = {id(self)}
        for key in sorted(vars(self)):
            if key in self._TF_MODULE_IGNORED_PROPERTIES:
                continue
            value = vars(self)[key]
            if isinstance(value, Module) and not recursive:
                if predicate(value):
                    out.append(value)
                continue
            _walk(value, seen, predicate, recursive, out)
        return tuple(out)

    @property
    def variables(self):
        """All Variables of this module and its sub-modules, as a tuple."""
        return self._flatten(lambda v: isinstance(v, Variable))

    @property
    def trainable_variables(self):
        """The trainable Variables of this module and its sub-modules, as a tuple."""
        return self._flatten(lambda v: isinstance(v, Variable) and v.trainable)

    @property
    def non_trainable_variables(self):
        return self._flatten(lambda v: isinstance(v, Variable) and not v.trainable)

    @property
    def submodules(self):
        """All sub-modules, depth first, as a tuple."""
        return self._flatten(lambda v: isinstance(v, Module))

    @classmethod
    def with_name_scope(cls, method):
        """Decorator: runs `method` inside the module's name scope."""
        def wrapped(self, *args, **kwargs):
            with self.name_scope:
                return method(self, *args, **kwargs)
        wrapped.__name__ = method.__name__
        wrapped.__doc__ = method.__doc__
        return wrapped
