"""Run an unchanged TensorFlow script on tapejax: `python -m tapejax.run SCRIPT [ARGS...]`.

While the script runs, `import tensorflow` and its submodules resolve to tapejax and its
namespaces: `import tensorflow as tf` gives `tapejax`, `from tensorflow import keras` gives
`tapejax.keras`, and `import tensorflow.keras.layers` / `from tensorflow.keras.layers import Dense`
give `tapejax.keras.layers`. A TF 2.21 script's `import keras` means the Keras 3 that TF 2.21
ships as `tf.keras`, so `keras` and `keras.*` resolve to `tapejax.keras` and its modules too. The script runs as `__main__` with `sys.argv` set to
`[SCRIPT, *ARGS]` and its directory first on `sys.path`, as `python SCRIPT ARGS...` would. Exit
status: 0 when it finishes, the script's own for `sys.exit(n)`, 1 for an uncaught exception (its
traceback, from the script's first frame on, goes to stderr), 2 when SCRIPT is missing.

The same redirection is available from Python: `install()` puts the import hook in place (and
`uninstall()` removes it), and `run_script(path, argv)` runs a script under it and returns the
script's global namespace.

Limits:
  - Only the `tensorflow` package is redirected. Libraries built on real TF (`tensorflow_datasets`,
    `tensorflow_hub`, `tensorflow_probability`, standalone `keras` with its TensorFlow backend, ...)
    are not redirected themselves, and when they `import tensorflow` inside they get tapejax, which
    they were not written for. A multi-backend Keras 3 script (`KERAS_BACKEND=jax`, `keras.ops`)
    gets tapejax.keras too, which is tf.keras-shaped.
  - `tensorflow.X` resolves only where tapejax has `X` as a module (a package module or a
    namespace made with `tapejax._namespaces.make`, also reached as an attribute such as
    `tf.keras.optimizers.schedules`). A submodule tapejax lacks raises `ModuleNotFoundError`, and
    a missing attribute raises tapejax's `AttributeError`, in the script's line that used it; both
    say so when TF 2.21 has the name (`tapejax._missing_api`), and so does the `ImportError` of
    `from tensorflow.x import Name` once it leaves the script (`run_script` adds it).
  - A `tensorflow` module already imported into the process before `install()` is replaced in
    `sys.modules` while the hook is in place; objects taken from it earlier stay real TF's.
  - The hook is process-wide: every import of `tensorflow` in the process (threads included) gets
    tapejax until `uninstall()`.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import os
import re
import runpy
import sys
import traceback
import types

from tapejax import _missing_api

# Redirected top-level packages. TF 2.21's `tf.keras` is Keras 3, so a TF script's `import keras`
# means the same Keras as `tf.keras`.
_ALIASES = {"tensorflow": "tapejax", "keras": "tapejax.keras"}
_DUNDERS = ("__spec__", "__loader__", "__package__", "__path__", "__file__", "__cached__")


def _aliased(fullname):
    """The redirected package `fullname` belongs to, or None."""
    top = fullname.partition(".")[0]
    return top if top in _ALIASES else None


def _target_module(fullname):
    """The tapejax module that `tensorflow[.x.y]` (or `keras[.x]`) names, or None when tapejax has none."""
    source = _aliased(fullname)
    target = _ALIASES[source] + fullname[len(source):]
    module = sys.modules.get(target)
    if module is not None:
        return module
    try:
        return importlib.import_module(target)
    except ModuleNotFoundError as exc:
        if exc.name is None or not target.startswith(exc.name):
            raise  # a module tapejax itself imports is missing: a real error, not a missing name
    parent_name, _, attr = target.rpartition(".")
    parent = sys.modules.get(parent_name)
    value = getattr(parent, attr, None) if parent is not None else None
    return value if isinstance(value, types.ModuleType) else None


class _AliasLoader(importlib.abc.Loader):
    """Hands importlib the existing tapejax module, leaving the module's own attributes as they were."""

    def __init__(self, module):
        self._module = module
        self._saved = {}

    def create_module(self, spec):
        self._saved = {k: self._module.__dict__[k] for k in _DUNDERS if k in self._module.__dict__}
        return self._module

    def exec_module(self, module):
        for key in _DUNDERS:  # importlib wrote the alias's spec and loader onto the module: undo it
            if key in self._saved:
                module.__dict__[key] = self._saved[key]
            else:
                module.__dict__.pop(key, None)


class TensorflowFinder(importlib.abc.MetaPathFinder):
    """A `sys.meta_path` finder that resolves `tensorflow[.*]` to tapejax and `keras[.*]` to tapejax.keras."""

    def find_spec(self, fullname, path=None, target=None):
        if _aliased(fullname) is None:
            return None
        module = _target_module(fullname)
        if module is None:
            source = _aliased(fullname)
            parent, _, name = ("tf" + ("" if source == "tensorflow" else ".keras")
                               + fullname[len(source):]).rpartition(".")
            extra = _missing_api.hint(parent, name)
            if extra:  # TF 2.21 has this module: say so
                raise ModuleNotFoundError(f"No module named {fullname!r}{extra}", name=fullname)
            return None  # importlib goes on to raise ModuleNotFoundError: No module named ...
        is_package = hasattr(module, "__path__")
        return importlib.util.spec_from_loader(fullname, _AliasLoader(module), is_package=is_package)


_FINDER = TensorflowFinder()
_REPLACED = {}


def install():
    """Makes `import tensorflow` / `import keras` (and submodules) resolve to tapejax until `uninstall()`.

    Idempotent. Real `tensorflow` modules already in `sys.modules` are set aside and put back by
    `uninstall()`.
    """
    if _FINDER in sys.meta_path:
        return
    for name in [n for n in sys.modules if _aliased(n)]:
        _REPLACED[name] = sys.modules.pop(name)
    sys.meta_path.insert(0, _FINDER)


def uninstall():
    """Removes the hook and the `tensorflow` aliases it made; restores modules `install()` set aside."""
    if _FINDER in sys.meta_path:
        sys.meta_path.remove(_FINDER)
    for name in [n for n in sys.modules if _aliased(n)]:
        if getattr(sys.modules[name], "__name__", "").startswith("tapejax"):
            del sys.modules[name]
    sys.modules.update(_REPLACED)
    _REPLACED.clear()


def run_script(path, argv=()):
    """Runs the script at `path` as `__main__` with `tensorflow` resolving to tapejax.

    Args:
      path: the script's file path.
      argv: the script's arguments (`sys.argv[1:]` as the script sees it).

    Returns:
      The script's global namespace (a dict) when it finishes.
    """
    install()
    saved_argv, saved_path0 = sys.argv, sys.path[0] if sys.path else None
    sys.argv = [path, *argv]
    script_dir = os.path.dirname(os.path.abspath(path))
    if sys.path:
        sys.path[0] = script_dir
    else:
        sys.path.insert(0, script_dir)
    try:
        return runpy.run_path(path, run_name="__main__")
    except ImportError as exc:
        explain_import_error(exc)
        raise
    finally:
        sys.argv = saved_argv
        if saved_path0 is not None:
            sys.path[0] = saved_path0


_CANNOT_IMPORT = re.compile(r"cannot import name '(\w+)' from '(tapejax[\w.]*)'")


def explain_import_error(exc):
    """Adds to `exc` (from `from tensorflow.x import Name`) that TF 2.21 has `Name` when it does.

    Python's import system replaces the `AttributeError` of a missing name with a plain
    "cannot import name" ImportError; this puts tapejax's explanation back in its message.
    """
    match = _CANNOT_IMPORT.match(str(exc))
    module = sys.modules.get(match.group(2)) if match else None
    if module is None or "TensorFlow" in str(exc):
        return exc
    extra = str(_missing_api.error(module, match.group(1))).partition(f"{match.group(1)!r}")[2]
    if extra:
        exc.msg = str(exc) + extra
        exc.args = (exc.msg,) + exc.args[1:]
    return exc


def script_traceback(exc, path):
    """`exc`'s traceback from the script's first frame on (without tapejax.run's and runpy's frames),
    as `python SCRIPT` would show it; the whole traceback when no frame is the script's."""
    path = os.path.abspath(path)
    tb = exc.__traceback__
    while tb is not None and os.path.abspath(tb.tb_frame.f_code.co_filename) != path:
        tb = tb.tb_next
    return tb if tb is not None else exc.__traceback__


def main(argv=None):
    """`python -m tapejax.run SCRIPT [ARGS...]`: returns the exit status (1 for an exception, whose
    traceback, from the script's frames on, goes to stderr; a `sys.exit(n)` in the script exits n)."""
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__.split("\n\n")[0] + "\n\nusage: python -m tapejax.run SCRIPT [ARGS...]")
        return 0 if argv else 2
    if not os.path.isfile(argv[0]):
        print(f"python -m tapejax.run: can't open file {argv[0]!r}: no such file", file=sys.stderr)
        return 2
    try:
        run_script(argv[0], argv[1:])
    except (SystemExit, KeyboardInterrupt):
        raise
    except BaseException as exc:  # noqa: BLE001 - reported as Python reports an uncaught exception
        traceback.print_exception(type(exc), exc, script_traceback(exc, argv[0]), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
