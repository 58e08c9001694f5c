"""Missing APIs say so: `tf.xxx.yyy` that TF 2.21 has and tapejax lacks raises a telling AttributeError.

Every public tapejax module and namespace (`tapejax`, `tapejax.math`, `tapejax.keras.layers`,
`tapejax.data.experimental`, ...) gets a module-level `__getattr__` (PEP 562), called only for a
name the module does not have. When TensorFlow 2.21 has that name at the same place, the
`AttributeError` says so and where the list of differences is; for any other name it is Python's
plain "module 'tapejax' has no attribute 'foo'". Either way `hasattr` stays False.

The TF 2.21 names are data (`_tf_api_names.json`, written from a real TF install by
`tools/gen_tf_api_names.py`), read on the first miss of a public name: importing tapejax never
reads it.
"""

from __future__ import annotations

import json
import os
import sys
import types

TF_VERSION = "2.21"
DIFFERENCES = "docs/tf_api_differences.md"
_DATA_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_tf_api_names.json")
_names = None  # {tf path: frozenset(names)}, loaded on the first miss
_aliases = None  # {tf path: the tf path it is recorded under}
_paths = {}  # id(module) -> the tf paths tapejax reaches it under ("tf.keras.layers", ...)


def _load():
    global _names, _aliases
    if _names is None:
        with open(_DATA_FILE, encoding="utf-8") as f:
            data = json.load(f)
        _aliases = data["aliases"]
        _names = {path: frozenset(names) for path, names in data["namespaces"].items()}
    return _names


def _resolve(path):
    """The recorded path of TF namespace `path` (following aliases such as `tf.compat.v2` -> `tf`)."""
    _load()
    head, rest = path, ""
    while head:
        if head in _aliases:
            return _aliases[head] + rest
        head, _, tail = head.rpartition(".")
        rest = f".{tail}{rest}"
    return path


def tf_has(path, name):
    """Whether TensorFlow 2.21 has the public name `name` in namespace `path` (e.g. "tf.keras.layers")."""
    names = _load().get(_resolve(path))
    return names is not None and name in names


def tf_names(path):
    """TF 2.21's public names in namespace `path` (empty when TF has no such namespace)."""
    return sorted(_load().get(_resolve(path), ()))


def _walk(root):
    """{id(module): (module, [tf paths])} for every tapejax module reachable from `root` by public
    attributes. A module reached again under another path (`tapejax.optimizers` is
    `tapejax.keras.optimizers`) is entered again there, except below `tf.compat` (whose `v2` is
    tapejax itself) and past five levels, so that its children get both paths too."""
    found, order = {}, [("tf", root)]
    while order:
        path, module = order.pop(0)
        if id(module) in found:
            found[id(module)][1].append(path)
            if ".compat" in path or path.count(".") >= 5:
                continue
        else:
            found[id(module)] = (module, [path])
        for name, value in list(vars(module).items()):
            if not name.startswith("_") and isinstance(value, types.ModuleType) and (
                    _public(value) or module is root and value.__name__.startswith("tapejax.")):
                order.append((f"{path}.{name}", value))
    return found


def _public(module):
    name = getattr(module, "__name__", "")
    return name.startswith("tapejax") and not any(part.startswith("_") for part in name.split("."))


def _tf_paths(module):
    paths = _paths.get(id(module))
    if paths is None:
        root = sys.modules.get("tapejax")
        if root is not None:
            _paths.update({key: paths for key, (_, paths) in _walk(root).items()})
        paths = _paths.get(id(module))
    if paths is None:  # not reachable from tapejax by attributes: its name says where it is
        name = module.__name__
        paths = _paths[id(module)] = ["tf" + name[len("tapejax"):]] if name.startswith("tapejax") else []
    return sorted(paths, key=_rank)


def _rank(path):
    """Which TF path names a module reached under several (`tf.keras.optimizers.schedules` before its
    TF 2 alias `tf.optimizers.schedules`): outside `tf.compat` first, then under `tf.keras`, then shorter."""
    return (".compat." in path + ".", not path.startswith("tf.keras"), path.count("."))


def hint(path, name):
    """What to add to an error about `path.name` (e.g. "tf.keras.layers", "Foo") when TF 2.21 has it;
    "" when TF has no such public name."""
    if name.startswith("_") or not tf_has(path, name):  # TF's public API has no leading-underscore names
        return ""
    return (f": TensorFlow {TF_VERSION} has `{path}.{name}`, but tapejax does not implement it yet (the TF "
            f"{TF_VERSION} APIs tapejax lacks are listed in {DIFFERENCES}; `python -m tapejax.compare "
            f"--missing {path}` lists this namespace's)")


def error(module, name):
    """The AttributeError for `module.name`, a name `module` does not have."""
    message = f"module {module.__name__!r} has no attribute {name!r}"
    if not name.startswith("_"):
        for path in _tf_paths(module):
            extra = hint(path, name)
            if extra:
                message += extra
                break
    exc = AttributeError(message)
    exc.name, exc.obj = name, module
    return exc


def hook(module):
    """Gives `module` a `__getattr__` that raises `error(module, name)` (chained after one it has)."""
    previous = module.__dict__.get("__getattr__")
    if getattr(previous, "_tapejax_missing_api", False):
        return module

    def __getattr__(name):
        if previous is not None:
            try:
                return previous(name)
            except AttributeError:
                pass
        raise error(module, name)

    __getattr__._tapejax_missing_api = True
    module.__getattr__ = __getattr__
    return module


def install(root):
    """Hooks `root` (the tapejax package), its public modules, and the modules it holds under public
    names (`tapejax.errors` is `tapejax._errors`). Paths are found on the first miss, not here."""
    for module in list(sys.modules.values()):
        if isinstance(module, types.ModuleType) and _public(module):
            hook(module)
    for name, value in list(vars(root).items()):
        if not name.startswith("_") and isinstance(value, types.ModuleType) and (
                getattr(value, "__name__", "").startswith("tapejax.")):
            hook(value)


def missing(path="tf"):
    """The TF 2.21 names in namespace `path` (e.g. "tf.keras.layers") that tapejax does not have.

    Args:
      path: a TF namespace, written as in TF ("tf", "tf.math", "tf.keras.layers").

    Returns:
      A sorted list of names.

    Raises:
      ValueError: when TF 2.21 has no namespace `path`.
    """
    if _resolve(path) not in _load():
        raise ValueError(f"TensorFlow {TF_VERSION} has no namespace {path!r} (a namespace is written as "
                         f"in TF, e.g. 'tf.keras.layers')")
    obj = sys.modules["tapejax"]
    for part in path.split(".")[1:]:
        obj = getattr(obj, part, None)
        if obj is None:
            return tf_names(path)
    return [n for n in tf_names(path) if not hasattr(obj, n)]
