"""`tf.nest` with TF's conventions: `None` is a leaf, a mapping flattens in sorted key order and
packs back in its own key order (an OrderedDict's too).

The containers are those `jax.tree_util` walks when given `_is_leaf`: lists, tuples, namedtuples,
dicts, OrderedDicts and defaultdicts, not other subclasses (a TensorShape is a leaf), so other
modules' tree_util calls with `_is_leaf` see the same leaves as `flatten`.
"""

from __future__ import annotations

import collections


def _is_leaf(x):
    return x is None or not isinstance(x, (list, tuple, dict)) or hasattr(x, "_tapejax_leaf")


_CONTAINERS = (list, tuple, dict)
_MAPPINGS = (dict, collections.OrderedDict, collections.defaultdict)


def _flat_sequence(structure):
    """True for a plain list/tuple of leaves (the common case, flattened without a walk)."""
    if type(structure) is not list and type(structure) is not tuple:
        return False
    for x in structure:
        if isinstance(x, _CONTAINERS):
            return False
    return True


def _is_namedtuple(x):
    return isinstance(x, tuple) and hasattr(x, "_fields") and not hasattr(x, "_tapejax_leaf")


def _append_leaves(structure, out):
    kind = type(structure)
    if kind in _MAPPINGS:
        children = [structure[key] for key in sorted(structure)]
    elif kind is list or kind is tuple or _is_namedtuple(structure):
        children = structure
    else:
        out.append(structure)
        return
    for x in children:
        if isinstance(x, _CONTAINERS):
            _append_leaves(x, out)
        else:
            out.append(x)


def _packed(structure, items):
    """`structure` with its leaves replaced by the next ones of the iterator `items`."""
    kind = type(structure)
    if kind in _MAPPINGS:
        values = {key: _packed(structure[key], items) for key in sorted(structure)}
        rebuilt = collections.defaultdict(structure.default_factory) if kind is collections.defaultdict else kind()
        for key in structure:  # in the structure's own key order, as TF rebuilds it
            rebuilt[key] = values[key]
        return rebuilt
    if kind is list or kind is tuple or _is_namedtuple(structure):
        values = [_packed(x, items) if isinstance(x, _CONTAINERS) else next(items) for x in structure]
        return values if kind is list else tuple(values) if kind is tuple else kind(*values)
    return next(items)


def _components(leaf):
    """A composite leaf's components (a SparseTensor's indices, values, dense_shape), else None."""
    found = getattr(leaf, "_tapejax_components", None)
    return None if found is None else found()


def flatten(structure, expand_composites=False):
    """Returns the leaves of `structure` in TF's order (mapping keys sorted); with
    `expand_composites`, a composite (SparseTensor) gives its component Tensors."""
    if expand_composites:
        flat = flatten(structure)
        return [c for leaf in flat for c in (_components(leaf) or [leaf])]
    if not isinstance(structure, _CONTAINERS):  # a single leaf
        return [structure]
    if _flat_sequence(structure):
        return list(structure)
    out = []
    _append_leaves(structure, out)
    return out


def pack_sequence_as(structure, flat_sequence, expand_composites=False):
    """Packs `flat_sequence` into the nest structure of `structure` (with `expand_composites`,
    the components of each composite in `structure` are rebuilt into one)."""
    flat_sequence = list(flat_sequence)
    if expand_composites:
        leaves, items, rebuilt = flatten(structure), iter(flat_sequence), []
        for leaf in leaves:
            parts = _components(leaf)
            if parts is None:
                rebuilt.append(next(items))
            else:
                rebuilt.append(type(leaf)._tapejax_from_components([next(items) for _ in parts]))
        flat_sequence = rebuilt
    if not isinstance(structure, _CONTAINERS) and len(flat_sequence) == 1:
        return flat_sequence[0]
    if _flat_sequence(structure) and len(structure) == len(flat_sequence):
        return flat_sequence if type(structure) is list else tuple(flat_sequence)
    items = iter(flat_sequence)
    try:
        packed = _packed(structure, items)
        if next(items, items) is items:  # every item used
            return packed
    except StopIteration:
        pass
    raise ValueError(f"Could not pack sequence. Structure had {len(flatten(structure))} atoms, but "
                     f"flat_sequence had {len(flat_sequence)} items.")


def map_structure(func, *structure, **kwargs):
    """Applies `func` to the leaves of one or more structures of the same shape."""
    if not structure:
        raise ValueError("Must provide at least one structure")
    first = structure[0]
    for other in structure[1:]:
        assert_same_structure(first, other, check_types=kwargs.get("check_types", True))
    expand = kwargs.get("expand_composites", False)
    flats = [flatten(s, expand) for s in structure]
    return pack_sequence_as(first, [func(*leaves) for leaves in zip(*flats)], expand)


def assert_same_structure(nest1, nest2, check_types=True, expand_composites=False):
    """Raises unless both nests have one structure, checked as TF does, outermost first.

    Raises:
      ValueError: a leaf against a container, a different number of elements, or (with
        `check_types`) dicts with different keys.
      TypeError: with `check_types`, containers of different types (list vs tuple, tuple vs dict).
    """
    problem = _structure_difference(nest1, nest2, check_types)
    if problem is not None:
        error, detail = problem
        raise error(f"The two structures don't have the same nested structure.\n\nFirst structure: "
                    f"{_described(nest1)}\n\nSecond structure: {_described(nest2)}\n\nMore "
                    f"specifically: {detail}")


def _described(x):
    return f"type={type(x).__name__} str={x!r}"


def _children(x):
    return [x[k] for k in sorted(x)] if isinstance(x, dict) else list(x)


def _structure_difference(a, b, check_types):
    """(exception type, detail) for the first place `a` and `b` differ, or None."""
    if is_nested(a) != is_nested(b):
        seq, leaf = (a, b) if is_nested(a) else (b, a)
        return ValueError, (f'Substructure "{_described(seq)}" is a sequence, while substructure '
                            f'"{_described(leaf)}" is not')
    if not is_nested(a):
        return None
    if check_types and type(a) is not type(b):
        return TypeError, (f"The two namedtuples don't have the same sequence type. First structure "
                           f"{_described(a)} has type {type(a).__name__}, while second structure "
                           f"{_described(b)} has type {type(b).__name__}")
    if check_types and isinstance(a, dict) and set(a) != set(b):
        return ValueError, (f"The two dictionaries don't have the same set of keys. First structure "
                            f"has keys {sorted(a)!r}, while second structure has keys {sorted(b)!r}.")
    ca, cb = _children(a), _children(b)
    if len(ca) != len(cb):
        return ValueError, (f"The two structures don't have the same number of elements. First "
                            f"structure: {_described(a)}. Second structure: {_described(b)}.")
    for x, y in zip(ca, cb):
        problem = _structure_difference(x, y, check_types)
        if problem is not None:
            return problem
    return None


def is_nested(structure):
    """True for lists, tuples, dicts and namedtuples."""
    return isinstance(structure, (list, tuple, dict))

