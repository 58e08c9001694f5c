"""`tf.nest`'s orders on real TF and on tapejax: mappings flatten by sorted key and pack back in their
own key order and type, at any depth; which values are leaves; what raises.

The harness compares dicts as sets of keys, so these programs return each mapping's type name and
its items in order.
"""

from __future__ import annotations

import collections

Point = collections.namedtuple("Point", ["y", "x"])


def _described(value):
    """`value` with every mapping as (type name, its items in order), to compare key orders."""
    if isinstance(value, dict):
        return (type(value).__name__, [(k, _described(v)) for k, v in value.items()])
    if isinstance(value, (list, tuple)):
        return type(value).__name__, [_described(v) for v in value]
    return value


def test_nest_packs_each_mapping_in_its_own_key_order(compare):
    def program(tf):
        od = collections.OrderedDict([("b", 0), ("a", 0)])
        dd = collections.defaultdict(list, {"z": 0, "c": [0, 0]})
        structure = [{"b": 0, "a": {"y": 0, "x": 0}}, Point(y=od, x=(dd,)), {3: 0, 1: 0, 2: od}]
        flat = tf.nest.flatten(structure)
        packed = tf.nest.pack_sequence_as(structure, list(range(len(flat))))
        mapped = tf.nest.map_structure(lambda v: v + 1, structure)
        return [flat, _described(packed), _described(mapped), packed[1].x[0].default_factory is list]
    compare(program)


def test_nest_leaves_and_empty_containers(compare):
    def program(tf):
        structure = [(), {}, [], None, tf.TensorShape([2, 3]), ([None],), {"a": ()}]
        flat = tf.nest.flatten(structure)
        return [len(flat), _described(tf.nest.pack_sequence_as(structure, ["n", "s", "m"])),
                tf.nest.pack_sequence_as([[], {}], [])]
    compare(program)


def test_nest_unsortable_mapping_keys_raise_type_error(compare):
    compare(lambda tf: tf.nest.flatten([{1: 1, "a": 2}]), messages=False, raises="TypeError")
    compare(lambda tf: tf.nest.pack_sequence_as({1: 1, "a": 2}, [3, 4]), messages=False, raises="TypeError")


def test_nest_pack_counts_the_leaves(compare):
    compare(lambda tf: tf.nest.pack_sequence_as(0, [1, 2]), messages=False, raises="ValueError")
    compare(lambda tf: tf.nest.pack_sequence_as(0, []), messages=False, raises="ValueError")
    compare(lambda tf: tf.nest.pack_sequence_as({"a": [0, 0]}, [1, 2, 3]), messages=False, raises="ValueError")
    compare(lambda tf: tf.nest.pack_sequence_as({"a": [0, (0,)]}, [1, 2]), messages=True)
