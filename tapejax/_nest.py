"""`tf.nest` on `jax.tree_util`, with TF's conventions: `None` is a leaf, dicts flatten in key order."""

from __future__ import annotations

import collections

import jax


def _is_leaf(x):
    return x is None or not isinstance(x, (list, tuple, dict)) or hasattr(x, "_tapejax_leaf")


_CONTAINERS = (list, tuple, dict)


def _flat_sequence(structure):
    """True for a plain list/tuple of leaves (the common case, flattened without tree_util)."""
    if type(structure) is not list and type(structure) is not tuple:
        return False
    for x in structure:
        if isinstance(x, _CONTAINERS):
            return False
    return True


def _sorted_mappings(structure):
    """`structure` with each OrderedDict as a dict: TF orders every mapping by sorted keys
    (JAX keeps an OrderedDict's insertion order)."""
    if isinstance(structure, dict):
        return {k: _sorted_mappings(v) for k, v in structure.items()}
    if isinstance(structure, list):
        return [_sorted_mappings(v) for v in structure]
    if isinstance(structure, tuple):
        items = [_sorted_mappings(v) for v in structure]
        return type(structure)(*items) if hasattr(structure, "_fields") else type(structure)(items)
    return structure


def _restore_mappings(packed, structure):
    """Undoes `_sorted_mappings` on a packed result: OrderedDicts come back in their key order."""
    if isinstance(structure, dict):
        items = [(k, _restore_mappings(packed[k], v)) for k, v in structure.items()]
        if isinstance(structure, collections.defaultdict):
            return collections.defaultdict(structure.default_factory, items)
        return type(structure)(items)
    if isinstance(structure, list):
        return [_restore_mappings(p, v) for p, v in zip(packed, structure)]
    if isinstance(structure, tuple):
        items = [_restore_mappings(p, v) for p, v in zip(packed, structure)]
        return type(structure)(*items) if hasattr(structure, "_fields") else type(structure)(items)
    return packed


def _has_ordered_dict(structure):
    if isinstance(structure, collections.OrderedDict):
        return True
    if isinstance(structure, dict):
        return any(_has_ordered_dict(v) for v in structure.values())
    if isinstance(structure, (list, tuple)):
        return any(_has_ordered_dict(v) for v in structure)
    return False


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
    if _has_ordered_dict(structure):
        structure = _sorted_mappings(structure)
    return jax.tree_util.tree_leaves(structure, is_leaf=_is_leaf)


def _treedef(structure):
    return jax.tree_util.tree_structure(structure, is_leaf=_is_leaf)


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
    ordered = _has_ordered_dict(structure)
    treedef = _treedef(_sorted_mappings(structure) if ordered else structure)
    if treedef.num_leaves != len(flat_sequence):
        raise ValueError(
            f"Could not pack sequence. Structure had {treedef.num_leaves} atoms, but "
            f"flat_sequence had {len(flat_sequence)} items.")
    packed = jax.tree_util.tree_unflatten(treedef, flat_sequence)
    # TF packs leaves in sorted-key order but rebuilds each dict in the structure's own key order
    return _restore_mappings(packed, structure) if ordered or _has_unsorted_dict(structure) else packed


def _has_unsorted_dict(structure):
    if isinstance(structure, dict):
        keys = list(structure)
        try:
            unsorted = keys != sorted(keys)
        except TypeError:
            unsorted = True
        return unsorted or any(_has_unsorted_dict(v) for v in structure.values())
    if isinstance(structure, (list, tuple)):
        return any(_has_unsorted_dict(v) for v in structure)
    return False


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


is_nested_or_composite = is_nested


def flatten_with_joined_string_paths(structure, separator="/"):
    paths_leaves = jax.tree_util.tree_flatten_with_path(structure, is_leaf=_is_leaf)[0]

    def key_text(k):
        for attr in ("key", "idx", "name"):
            if hasattr(k, attr):
                return str(getattr(k, attr))
        return str(k)

    return [(separator.join(key_text(k) for k in path), leaf) for path, leaf in paths_leaves]
