"""Writes the public names of an installed TensorFlow's API to tapejax/_tf_api_names.json.

Run it with real TensorFlow installed (it is the only script here that imports TF):

    python tools/gen_tf_api_names.py            # writes tapejax/_tf_api_names.json
    python tools/gen_tf_api_names.py --check    # exits 1 when the checked-in file is out of date
    python tools/gen_tf_api_names.py --differences   # writes docs/tf_api_differences.md (no TF needed)

It walks `tf` and `tf.keras` recursively over their public sub-namespaces (`tf.math`, `tf.nn`,
`tf.data.experimental`, `tf.keras.layers`, `tf.compat.v1`, ...) and records, for each namespace,
the sorted names that do not start with `_`. A namespace reached again under another path
(`tf.losses` is `tf.keras.losses`, `tf.compat.v2` is `tf`) is recorded once, as an alias.
Only TF's and Keras' generated API modules are entered (`tensorflow._api.*`, `keras.*` outside
`keras.src`), never implementation modules.

tapejax reads the file lazily (`tapejax/_missing_api.py`) to say, for a name it does not
implement, that TensorFlow has it. The file is data: regenerate it when the TF version that
tapejax targets changes, and commit it.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import types

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "tapejax", "_tf_api_names.json")
DIFFERENCES = os.path.join(ROOT, "docs", "tf_api_differences.md")


def _is_api_module(module):
    name = getattr(module, "__name__", "") or ""
    if name.startswith("keras.src") or name.startswith("tensorflow.python"):
        return False
    return (name.startswith(("tensorflow._api.", "keras.")) or name in ("tensorflow.experimental",
                                                                       "tensorflow.dtensor"))


def _public_names(module):
    try:
        names = dir(module)
    except Exception:  # noqa: BLE001 - a lazy loader that cannot load lists nothing
        return []
    return sorted(n for n in names if not n.startswith("_"))


def _rank(path):
    """Which of two paths to one namespace is recorded (the others become aliases): the one outside
    `tf.compat`, then the one under `tf.keras` (`tf.keras.losses`, not its TF 2 alias `tf.losses`),
    then the shorter."""
    return (".compat." in path + ".", not path.startswith("tf.keras"), path.count("."), path)


def walk(tf):
    """{'namespaces': {path: [names]}, 'aliases': {path: path}} for `tf` and everything below it.

    `tf.compat.v2` is TF's own alias of `tf` and is recorded as one; below `tf.compat.v1` the
    `compat` namespace (v1 inside v1) is not entered again.
    """
    found = {}  # id(module) -> (module, [paths])
    pending = [("tf", tf)]
    while pending:
        path, module = pending.pop()
        entry = found.setdefault(id(module), (module, []))
        first = not entry[1]
        entry[1].append(path)
        if not first:
            continue
        for name in _public_names(module):
            if name == "compat" and path != "tf" or path == "tf.compat" and name == "v2":
                continue
            try:
                value = getattr(module, name)
            except Exception:  # noqa: BLE001 - a name whose lazy import fails is still a name
                continue
            if isinstance(value, types.ModuleType) and (_is_api_module(value) or path == "tf" and name == "keras"):
                pending.append((f"{path}.{name}", value))
    namespaces, aliases = {}, {"tf.compat.v2": "tf"}
    for module, paths in found.values():
        paths.sort(key=_rank)
        namespaces[paths[0]] = _public_names(module)
        aliases.update({p: paths[0] for p in paths[1:]})
    # An alias below an alias (tf.compat.v1.keras.layers under tf.compat.v1.keras -> tf.keras) is implied.
    for path in sorted(aliases, key=len):
        parent = path.rpartition(".")[0]
        while parent and parent not in aliases:
            parent = parent.rpartition(".")[0]
        if parent and aliases[parent] + path[len(parent):] == aliases[path]:
            del aliases[path]
    return {"namespaces": namespaces, "aliases": aliases}


def generate():
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import keras
    import tensorflow as tf

    data = walk(tf)
    return {"tensorflow_version": tf.__version__, "keras_version": keras.__version__, **data}


def dumps(data):
    """The file's text: one namespace per line, so that a regenerated file diffs by namespace."""
    lines = ["{", f'"tensorflow_version": {json.dumps(data["tensorflow_version"])},',
             f'"keras_version": {json.dumps(data["keras_version"])},',
             f'"aliases": {json.dumps(data["aliases"], sort_keys=True, separators=(",", ":"))},',
             '"namespaces": {']
    items = sorted(data["namespaces"].items())
    for i, (path, names) in enumerate(items):
        comma = "," if i < len(items) - 1 else ""
        lines.append(f"{json.dumps(path)}:{json.dumps(names, separators=(',', ':'))}{comma}")
    lines += ["}", "}", ""]
    return "\n".join(lines)


def differences():
    """The text of docs/tf_api_differences.md: per TF namespace, the names tapejax lacks (imports
    tapejax and reads the checked-in names file; TF is not needed)."""
    sys.path.insert(0, ROOT)
    import tapejax
    from tapejax import _missing_api

    names = _missing_api._load()
    out = [
        "# TensorFlow 2.21 APIs that tapejax does not implement",
        "",
        f"Generated by `python tools/gen_tf_api_names.py --differences` from tapejax {tapejax.__tapejax_version__} "
        "and `tapejax/_tf_api_names.json` (TF 2.21's public names, written from a real TF install by the same "
        "script). `python -m tapejax.compare --missing tf.NAMESPACE` prints the live list for one namespace.",
        "",
        "Accessing one of these names on tapejax raises `AttributeError` saying that TF 2.21 has it. Names "
        "tapejax has but that only raise `NotImplementedError` when used (`tapejax/_unimplemented.py`) are "
        "not listed. `tf.compat.v1` namespaces are left out (TF 1 graph APIs; see `tapejax/_compat_v1.py`).",
        "", "| namespace | TF 2.21 names | missing in tapejax |", "| --- | --- | --- |"]
    sections = []
    for path in sorted(names):
        if path.startswith("tf.compat"):
            continue
        lacking = _missing_api.missing(path)
        if not lacking:
            continue
        out.append(f"| `{path}` | {len(names[path])} | {len(lacking)} |")
        if len(lacking) == len(names[path]):
            sections.append(f"- `{path}`: the whole namespace ({len(lacking)} names).")
        else:
            sections.append(f"- `{path}`: " + ", ".join(f"`{n}`" for n in lacking))
    total = sum(len(v) for k, v in names.items() if not k.startswith("tf.compat"))
    lacking_total = sum(int(line.rsplit("|", 2)[1]) for line in out if line.startswith("| `"))
    out.insert(out.index("| namespace | TF 2.21 names | missing in tapejax |"),
               f"Outside `tf.compat`: {lacking_total} of TF 2.21's {total} public names are missing.\n")
    return "\n".join(out + ["", "## Missing names, by namespace", ""] + sections + [""])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when the checked-in file differs")
    parser.add_argument("--differences", action="store_true",
                        help=f"write {os.path.relpath(DIFFERENCES, ROOT)} from tapejax and the names file")
    parser.add_argument("--out", default=OUT, help="where to write (default: %(default)s)")
    args = parser.parse_args(argv)
    if args.differences:
        os.makedirs(os.path.dirname(DIFFERENCES), exist_ok=True)
        with open(DIFFERENCES, "w", encoding="utf-8") as f:
            f.write(differences())
        print(f"wrote {DIFFERENCES}")
        return 0
    text = dumps(generate())
    if args.check:
        with open(args.out, encoding="utf-8") as f:
            same = f.read() == text
        print(f"{args.out} is {'up to date' if same else 'out of date: run tools/gen_tf_api_names.py'}")
        return 0 if same else 1
    with open(args.out, "w", encoding="utf-8") as f:
        f.write(text)
    data = json.loads(text)
    print(f"wrote {args.out}: {len(data['namespaces'])} namespaces, "
          f"{sum(map(len, data['namespaces'].values()))} names, {len(data['aliases'])} aliases")
    return 0


if __name__ == "__main__":
    sys.exit(main())
