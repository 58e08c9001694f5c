"""`tf.nest` on `jax.tree_util`, with TF's conventions: `None` is a leaf, dicts flatten in key order."""

from __future__ import annotations

import collections

import jax


def _is_leaf(x):
    return x is None or not isinstance(x, (list, tuple, dict)) or hasattr(x, "_tapejax_leaf")


_CONTAINERS = (list, tuple, dict)


def _flat_sequence(structure):
    """True for a plain list/tuple of leaves (the common case, flattened without tree_util)."""
    return type(structure) in (list, tuple) and not any(isinstance(x, _CONTAINERS) for x in structure)


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


def flatten(structure, expand_composites=False):
    """Returns the leaves of `structure` in TF's order (mapping keys sorted)."""
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
    """Packs `flat_sequence` into the nest structure of `structure`."""
    flat_sequence = list(flat_sequence)
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
    return _restore_mappings(packed, structure) if ordered else packed


def map_structure(func, *structure, **kwargs):
    """Applies `func` to the leaves of one or more structures of the same shape."""
    if not structure:
        raise ValueError("Must provide at least one structure")
    first = structure[0]
    for other in structure[1:]:
        assert_same_structure(first, other, check_types=kwargs.get("check_types", True))
    flats = [flatten(s) for s in structure]
    return pack_sequence_as(first, [func(*leaves) for leaves in zip(*flats)])


def assert_same_structure(nest1, nest2, check_types=True, expand_composites=False):
    """Raises ValueError (TypeError for type mismatches) unless both nests have one structure."""
    t1, t2 = _treedef(nest1), _treedef(nest2)
    if t1 == t2:
        return
    message = ("The two structures don't have the same nested structure.\n\n"
               f"First structure: {nest1!r}\n\nSecond structure: {nest2!r}")
    if _untyped(nest1) != _untyped(nest2) or t1.num_leaves != t2.num_leaves:
        raise ValueError(message)
    if check_types:  # same shape, different container types: TF raises TypeError
        raise TypeError(message)


def _untyped(structure):
    if isinstance(structure, dict):
        return {k: _untyped(v) for k, v in structure.items()}
    if isinstance(structure, (list, tuple)):
        return [_untyped(v) for v in structure]
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
