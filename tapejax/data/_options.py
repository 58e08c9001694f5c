"""`tf.data.Options`: TF's tree of pipeline options, typed, with TF's errors for unknown names.

tapejax records the options (`Dataset.options()` returns them, merged as TF merges them) and honours
what changes results: pipelines are always deterministic (`deterministic=False` allows, but does not
require, another order in TF). `experimental_distribute.auto_shard_policy` is read by distribution.
"""

from __future__ import annotations

import enum


class AutoShardPolicy(enum.IntEnum):
    """How a distributed dataset is split among workers (`tf.data.experimental.AutoShardPolicy`)."""

    OFF = -1
    AUTO = 0
    FILE = 1
    DATA = 2
    HINT = 3


class ExternalStatePolicy(enum.IntEnum):
    WARN = 0
    IGNORE = 1
    FAIL = 2


class AutotuneAlgorithm(enum.IntEnum):
    DEFAULT = 0
    HILL_CLIMB = 1
    GRADIENT_DESCENT = 2
    MAX_PARALLELISM = 3
    STAGE_BASED = 4


_OPTIMIZATIONS = ("apply_default_optimizations", "filter_fusion", "filter_parallelization",
                  "inject_prefetch", "map_and_batch_fusion", "map_and_filter_fusion", "map_fusion",
                  "map_parallelization", "noop_elimination", "parallel_batch",
                  "seq_interleave_prefetch", "shuffle_and_repeat_fusion")

# group class name -> {option: (type, default)}
_GROUPS = {
    "AutotuneOptions": {"enabled": (bool, None), "cpu_budget": (int, None), "ram_budget": (int, None),
                        "autotune_algorithm": (AutotuneAlgorithm, None),
                        "initial_parallelism": (int, None), "min_parallelism": (int, None)},
    "DistributeOptions": {"auto_shard_policy": (AutoShardPolicy, AutoShardPolicy.AUTO),
                          "num_devices": (int, None)},
    "OptimizationOptions": {name: (bool, None) for name in _OPTIMIZATIONS},
    "ThreadingOptions": {"max_intra_op_parallelism": (int, None), "private_threadpool_size": (int, None)},
    "ServiceOptions": {"pinned": (bool, None)},
}
_TOP = {"deterministic": (bool, None), "experimental_deterministic": (bool, None),
        "experimental_external_state_policy": (ExternalStatePolicy, None),
        "experimental_slack": (bool, None), "experimental_symbolic_checkpoint": (bool, None),
        "experimental_warm_start": (bool, None), "dataset_name": (str, None),
        "framework_type": (list, None)}
_TOP_GROUPS = {"autotune": "AutotuneOptions", "experimental_distribute": "DistributeOptions",
               "experimental_optimization": "OptimizationOptions", "threading": "ThreadingOptions",
               "experimental_threading": "ThreadingOptions", "experimental_service": "ServiceOptions"}


class _OptionsGroup:
    """A group of typed options; assigning an unknown name or a wrong type raises as TF does."""

    _fields = {}

    def __init__(self):
        object.__setattr__(self, "_values", {})
        object.__setattr__(self, "_frozen", False)

    def _check_mutable(self):
        if self._frozen:
            raise ValueError("Mutating `tf.data.Options()` returned by `tf.data.Dataset.options()` has "
                             "no effect. Use `tf.data.Dataset.with_options(options)` to set or update "
                             "dataset options.")

    def _freeze(self):
        object.__setattr__(self, "_frozen", True)
        for value in self._values.values():
            if isinstance(value, _OptionsGroup):
                value._freeze()
        return self

    def __getattr__(self, name):
        fields = type(self)._fields
        if name not in fields:
            raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")
        return self._values.get(name, fields[name][1])

    def __setattr__(self, name, value):
        self._check_mutable()
        fields = type(self)._fields
        if name not in fields:
            raise AttributeError(f"Cannot set the property {name} on {type(self).__name__}.")
        kind = fields[name][0]
        if value is not None and not _is_kind(value, kind):
            raise TypeError(f'Property "{name}" must be of type {kind}, got: {value!r} '
                            f"(type: {type(value)})")
        self._values[name] = kind(value) if value is not None and issubclass(kind, enum.Enum) else value

    def _merge_from(self, other):
        for name, value in other._values.items():
            if isinstance(value, _OptionsGroup):
                getattr(self, name)._merge_from(value)
            elif value is not None:
                self._values[name] = value

    def _flat(self):
        return {k: (v._flat() if isinstance(v, _OptionsGroup) else v) for k, v in self._values.items()}

    def __eq__(self, other):
        return type(self) is type(other) and self._flat() == other._flat()

    __hash__ = object.__hash__


def _is_kind(value, kind):
    if kind is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if issubclass(kind, enum.Enum):
        return isinstance(value, (kind, int)) and not isinstance(value, bool)
    return isinstance(value, kind)


_GROUP_CLASSES = {name: type(name, (_OptionsGroup,), {"_fields": fields, "__doc__": f"`tf.data.experimental.{name}`."})
                  for name, fields in _GROUPS.items()}


class Options(_OptionsGroup):
    """`tf.data.Options`: set attributes (`options.deterministic = False`,
    `options.experimental_distribute.auto_shard_policy = AutoShardPolicy.DATA`) and apply them with
    `dataset.with_options(options)`."""

    _fields = dict(_TOP)

    def __getattr__(self, name):
        group = _TOP_GROUPS.get(name)
        if group is not None:
            key = "threading" if name == "experimental_threading" else name
            found = self._values.get(key)
            if found is None:
                found = self._values[key] = _GROUP_CLASSES[group]()
                if self._frozen:
                    found._freeze()
            return found
        return super().__getattr__(name)

    def __setattr__(self, name, value):
        group = _TOP_GROUPS.get(name)
        if group is not None:
            self._check_mutable()
            if not isinstance(value, _GROUP_CLASSES[group]):
                raise TypeError(f'Property "{name}" must be of type {_GROUP_CLASSES[group]}, got: '
                                f"{value!r} (type: {type(value)})")
            self._values["threading" if name == "experimental_threading" else name] = value
            return
        super().__setattr__(name, value)

    def merge(self, options):
        """A new Options with `options`' set values over this one's."""
        merged = Options()
        merged._merge_from(self)
        merged._merge_from(options)
        return merged


AutotuneOptions = _GROUP_CLASSES["AutotuneOptions"]
DistributeOptions = _GROUP_CLASSES["DistributeOptions"]
OptimizationOptions = _GROUP_CLASSES["OptimizationOptions"]
ThreadingOptions = _GROUP_CLASSES["ThreadingOptions"]
