"""The package's structure (issue 19): every tapejax module imports at its top, modules import
each other without a cycle, and no module assigns into another module's globals."""

import ast
import os

import tapejax

ROOT = os.path.dirname(tapejax.__file__)
# Optional third-party packages a fresh `pip install -e .` may lack, imported where they are used:
# tensorboard (tf.summary's event files; the dev extras), pydot (keras.utils.plot_model).
OPTIONAL = {"tensorboard", "pydot"}


def _modules():
    for folder, _, files in os.walk(ROOT):
        for name in sorted(files):
            if name.endswith(".py"):
                path = os.path.join(folder, name)
                dotted = os.path.relpath(path, os.path.dirname(ROOT))[:-3].replace(os.sep, ".")
                yield dotted.removesuffix(".__init__"), path, ast.parse(open(path).read())


MODULES = {name: (path, tree) for name, path, tree in _modules()}


def _imported(module, node):
    """The tapejax modules an import statement names."""
    if isinstance(node, ast.Import):
        names = [a.name for a in node.names]
    else:
        base = node.module or ""
        if node.level:
            package = module.split(".") if MODULES[module][0].endswith("__init__.py") else module.split(".")[:-1]
            base = ".".join(package[:len(package) - node.level + 1] + ([base] if base else []))
        names = [f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base for a in node.names]
    return [n for n in names if n in MODULES]


def test_no_module_imports_inside_a_function():
    inside = []
    for path, tree in MODULES.values():
        for function in ast.walk(tree):
            if isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
                for node in ast.walk(function):
                    if isinstance(node, ast.Import):
                        roots = {a.name.split(".")[0] for a in node.names}
                    elif isinstance(node, ast.ImportFrom):
                        roots = {"." if node.level else (node.module or "").split(".")[0]}
                    else:
                        continue
                    if roots - OPTIONAL:
                        inside.append(f"{os.path.relpath(path, ROOT)}:{node.lineno}")
    assert inside == []


def test_the_import_graph_has_no_cycle():
    edges = {m: set() for m in MODULES}
    for module, (_, tree) in MODULES.items():
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                edges[module].update(t for t in _imported(module, node) if t != module)
    # a module's package __init__ runs before it: an import of a module implies its packages
    for module in MODULES:
        for target in list(edges[module]):
            parent = target.rpartition(".")[0]
            while parent and parent in MODULES and not module.startswith(parent + ".") and parent != module:
                edges[module].add(parent)
                parent = parent.rpartition(".")[0]
    state, cycles = {}, []

    def visit(module, stack):
        state[module] = "open"
        stack.append(module)
        for target in sorted(edges[module]):
            if state.get(target) == "open":
                cycles.append(stack[stack.index(target):] + [target])
            elif target not in state:
                visit(target, stack)
        stack.pop()
        state[module] = "done"

    for module in sorted(MODULES):
        if module not in state:
            visit(module, [])
    assert cycles == []


def test_no_module_assigns_into_another_modules_globals():
    writes = []
    for module, (path, tree) in MODULES.items():
        module_names = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                module_names.update((a.asname or a.name).split(".")[0] for a in node.names if a.name in MODULES)
            elif isinstance(node, ast.ImportFrom):
                for alias, target in zip(node.names, _imported(module, node)):
                    if target.endswith("." + alias.name):
                        module_names.add(alias.asname or alias.name)
        for node in ast.walk(tree):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(
                node, (ast.AugAssign, ast.AnnAssign)) else []
            for t in targets:
                if isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name) and t.value.id in module_names:
                    writes.append(f"{os.path.relpath(path, ROOT)}:{node.lineno}")
    assert writes == []


# The engine core: everything below the op tables and keras (the modules of the recording,
# deferred and gradient stages, as ../shared/tools/engine_shape.py counts them). Issue 19's target
# is 2,100 lines; the gate holds the core at its size today so that it can only shrink.
ENGINE_CORE = ["_errors", "_dtypes", "_nest", "_cache", "_context", "_holders", "_lazy", "_tensor", "_variable",
               "_record", "_tape", "_backward", "_gradient", "_jacobian"]
ENGINE_CORE_LINE_BUDGET = 3387


def test_the_engine_core_stays_within_its_line_budget():
    lines = {name: sum(1 for _ in open(os.path.join(ROOT, name + ".py"))) for name in ENGINE_CORE}
    assert sum(lines.values()) <= ENGINE_CORE_LINE_BUDGET, (
        f"the engine core has {sum(lines.values())} lines, over its budget of {ENGINE_CORE_LINE_BUDGET} "
        f"({lines}): simplify it, or move what is not engine (op kernels, public API types) out of it")
