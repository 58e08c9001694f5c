"""AutoGraph's source transformation: a Python function's AST rewritten to call `ag__` operators.

As TF's AutoGraph does, each `if`/`while`/`for` becomes a call that receives its body as nested
functions plus `get_state`/`set_state` closures over the Python variables the body assigns (declared
`nonlocal`), so the operator can run it as Python or stage it (`_staging`) when its condition is a
traced Tensor. Before that, `break`/`continue`/`return` inside converted blocks are lowered to flag
variables guarding the statements after them; `and`/`or`/`not`, conditional expressions and calls
become operators too (calls convert the user functions they reach). Line numbers are kept, so
tracebacks and warnings name the user's file and line.
"""

from __future__ import annotations

import ast
import itertools

_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef, ast.ListComp, ast.SetComp,
           ast.DictComp, ast.GeneratorExp)
_LOOPS = (ast.For, ast.While, ast.AsyncFor)
_PLAIN_CALLS = frozenset({"super", "locals", "globals", "vars", "eval", "exec", "print", "isinstance",
                          "len", "range", "type", "id", "hasattr", "getattr", "setattr"})


def _children_in_scope(node):
    """The direct children of `node` that belong to the same Python scope."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, _SCOPES):
            # A nested def binds its name (and evaluates defaults/decorators) in this scope.
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                yield from child.decorator_list
                if not isinstance(child, ast.ClassDef):
                    yield from child.args.defaults
                    yield from (d for d in child.args.kw_defaults if d is not None)
            continue
        yield child


def assigned_names(nodes):
    """Names bound by `nodes` in their own scope (assignment targets, loop targets, defs, imports)."""
    names = []
    seen = set()

    def add(name):
        if name not in seen:
            seen.add(name)
            names.append(name)

    def visit(node):
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            add(node.name)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                add((alias.asname or alias.name).split(".")[0])
        elif isinstance(node, ast.NamedExpr):
            add(node.target.id)
        for child in _children_in_scope(node):
            visit(child)

    for node in nodes:
        visit(node)
    return names


def declared(function_node, kind):
    """Names a function declares `global` (kind=ast.Global) or `nonlocal` in its own scope."""
    found = set()

    def visit(node):
        if isinstance(node, kind):
            found.update(node.names)
        for child in _children_in_scope(node):
            visit(child)

    for statement in function_node.body:
        visit(statement)
    return found


def _contains(nodes, kinds, through_loops):
    """True when `nodes` hold a node of `kinds` in this scope (not inside nested loops unless asked)."""
    for node in nodes:
        if isinstance(node, kinds):
            return True
        if isinstance(node, _SCOPES):
            continue
        if not through_loops and isinstance(node, _LOOPS):
            # a loop's own test/iter can't hold statements; its body belongs to it
            continue
        if _contains(list(ast.iter_child_nodes(node)), kinds, through_loops):
            return True
    return False


def _name(identifier, store=False):
    return ast.Name(id=identifier, ctx=ast.Store() if store else ast.Load())


def _assign(identifier, value):
    return ast.Assign(targets=[_name(identifier, store=True)], value=value)


def _ag(attribute):
    return ast.Attribute(value=_name("ag__"), attr=attribute, ctx=ast.Load())


def _call(func, *args, keywords=()):
    return ast.Call(func=func, args=list(args), keywords=list(keywords))


def _not(flag):
    return _call(_ag("not_"), _name(flag))


def _lambda(body):
    return ast.Lambda(args=ast.arguments(posonlyargs=[], args=[], vararg=None, kwonlyargs=[],
                                         kw_defaults=[], kwarg=None, defaults=[]), body=body)


def _on_first_line(statement, node):
    """Gives the parts of a generated statement without a location `node`'s first line (Python takes
    a call's line from its callee's end, which would otherwise be the last line of `node`): a
    warning or traceback naming the statement names the `if`/`while`/`for` line."""
    for part in ast.walk(statement):
        if "lineno" in part._attributes and not hasattr(part, "lineno"):
            part.lineno = part.end_lineno = node.lineno
            part.col_offset = part.end_col_offset = node.col_offset
    return statement


def _function_def(name, body, args=(), nonlocals=(), globals_=()):
    statements = []
    if globals_:
        statements.append(ast.Global(names=list(globals_)))
    if nonlocals:
        statements.append(ast.Nonlocal(names=list(nonlocals)))
    statements.extend(body or [ast.Pass()])
    return ast.FunctionDef(
        name=name, args=ast.arguments(posonlyargs=[], args=[ast.arg(arg=a) for a in args], vararg=None,
                                      kwonlyargs=[], kw_defaults=[], kwarg=None, defaults=[]),
        body=statements, decorator_list=[], returns=None, type_params=[])


# -- lowering break / continue / return to flags ----------------------------------------------
def _guard_rest(statements, kinds, replace, flag):
    """Replaces statements of `kinds` (via `replace`) and guards what follows one with `if not flag`."""
    out = []
    for i, statement in enumerate(statements):
        if isinstance(statement, kinds):
            out.extend(replace(statement))
            return out  # what follows is unreachable
        if _contains([statement], kinds, through_loops=False) and not isinstance(statement, _LOOPS):
            out.append(_lower_inside(statement, kinds, replace, flag))
            rest = statements[i + 1:]
            if rest:
                guarded = ast.If(test=_not(flag), body=_guard_rest(rest, kinds, replace, flag), orelse=[])
                out.append(ast.copy_location(guarded, rest[0]))
            return out
        out.append(statement)
    return out


def _lower_inside(statement, kinds, replace, flag):
    """`statement` with the blocks it holds lowered (ifs, withs, trys; not nested loops or defs)."""
    for field in ("body", "orelse", "finalbody"):
        block = getattr(statement, field, None)
        if block:
            setattr(statement, field, _guard_rest(block, kinds, replace, flag))
    for handler in getattr(statement, "handlers", ()):
        handler.body = _guard_rest(handler.body, kinds, replace, flag)
    return statement


def _merge_returns_into_else(statements):
    """TF's ConditionalReturnRewriter: after an `if` whose body definitely returns, the statements
    that follow move into its `else` (after an `if` whose `else` definitely returns, into its body),
    so each branch of a staged `if` sets the return value.

    As TF: a block definitely returns when it holds a `return` (also one moved into it), a `with`
    whose body definitely returns, or an `if` whose two branches do (a `raise` does not count); the
    moved statements are not rewritten again inside their new block, so `if: return / elif: return`
    followed by a `return` leaves the inner `if` without an `else` return (TF's ValueError)."""
    return _rewrite_returns(statements)[0]


def _rewrite_returns(statements):
    results = []
    destination = results
    definitely_returns = False
    for statement in statements:
        redirect = None
        if isinstance(statement, ast.Return):
            definitely_returns = True
        elif isinstance(statement, ast.If):
            statement.body, body_returns = _rewrite_returns(statement.body)
            statement.orelse, orelse_returns = _rewrite_returns(statement.orelse)
            definitely_returns = definitely_returns or (body_returns and orelse_returns)
            redirect = statement.orelse if body_returns else statement.body if orelse_returns else None
        elif isinstance(statement, (ast.With, ast.AsyncWith)):
            statement.body, body_returns = _rewrite_returns(statement.body)
            definitely_returns = definitely_returns or body_returns
        elif isinstance(statement, (ast.While, ast.For, ast.AsyncFor, ast.Try)):
            for field in ("body", "orelse", "finalbody"):
                if getattr(statement, field, None):
                    setattr(statement, field, _rewrite_returns(getattr(statement, field))[0])
            for handler in getattr(statement, "handlers", ()):
                handler.body = _rewrite_returns(handler.body)[0]
        destination.append(statement)
        if redirect is not None:
            destination = redirect
    return results, definitely_returns


class Converter:
    """Converts one function's AST (see the module docstring)."""

    def __init__(self):
        self._ids = itertools.count(1)
        self._locals = set()
        self._loads = []
        self._super_self = None

    def _expressions(self):
        return _Expressions(self._locals, self._super_self)

    def _local_only(self, loop, names):
        """The loop's state names read nowhere outside the loop: a value they get only inside it
        need not be carried out of a staged loop."""
        inside = {id(n) for n in ast.walk(loop) if isinstance(n, ast.Name)}
        outside = {name for node_id, name in self._loads if node_id not in inside}
        return ast.Tuple(elts=[ast.Constant(n) for n in names if n not in outside and n.isidentifier()],
                         ctx=ast.Load())

    def _fresh(self, stem):
        return f"{stem}_{next(self._ids)}"

    # -- functions ------------------------------------------------------------------------------
    def convert_function(self, node):
        """Rewrites `node` (a FunctionDef) in place and returns it."""
        node.decorator_list = []
        node.returns = None
        for arg in node.args.posonlyargs + node.args.args + node.args.kwonlyargs:
            arg.annotation = None
        for arg in (node.args.vararg, node.args.kwarg):
            if arg is not None:
                arg.annotation = None
        node.args.defaults = []  # the converted function gets the original's defaults back
        node.args.kw_defaults = [None] * len(node.args.kwonlyargs)
        positional = node.args.posonlyargs + node.args.args
        # A zero-argument super() moves into nested functions: it gets its arguments spelled out.
        self._super_self = positional[0].arg if positional else None
        self._convert_scope(node)
        return node

    def _convert_scope(self, node):
        """Converts the body of a function (the converted function or one nested in it)."""
        body = node.body
        if self._has_nested_return(body):
            body = self._lower_returns(body)
        globals_ = declared(node, ast.Global)
        saved = self._locals, self._loads
        self._locals = (set(assigned_names(body)) | set(_arg_names(node))) - globals_
        self._loads = _name_loads(body)
        state_names = set()
        body = self._block(body, globals_, state_names)
        self._locals, self._loads = saved
        binds = sorted(state_names - globals_ - declared(node, ast.Nonlocal) - set(_arg_names(node)))
        if binds:
            # Bind every state name in this scope so the generated `nonlocal`s resolve; never runs.
            guard = ast.If(test=_ag("FALSE"), body=[_assign(n, ast.Constant(None)) for n in binds], orelse=[])
            body = [guard] + body
        node.body = body

    @staticmethod
    def _has_nested_return(body):
        for statement in body:
            if isinstance(statement, (ast.If, ast.For, ast.While, ast.With, ast.Try)) and _contains(
                    [statement], ast.Return, through_loops=True):
                return True
        return False

    def _lower_returns(self, body):
        body = _merge_returns_into_else(body)
        do_return, retval = "do_return", "retval_"

        def replace(statement):
            value = statement.value if statement.value is not None else ast.Constant(None)
            return [ast.copy_location(_assign(retval, value), statement),
                    ast.copy_location(_assign(do_return, ast.Constant(True)), statement)]

        self._return_flag = do_return
        lowered = self._guard_returns(body, replace, do_return)
        head = [_assign(do_return, ast.Constant(False)),
                _assign(retval, _call(_ag("UndefinedReturnValue")))]
        tail = [ast.Return(value=_call(_ag("ret"), _name(retval)))]
        return head + lowered + tail

    def _guard_returns(self, statements, replace, flag):
        """As `_guard_rest` for `return`, going into loops too (a loop's test also checks the flag)."""
        out = []
        for i, statement in enumerate(statements):
            if isinstance(statement, ast.Return):
                out.extend(replace(statement))
                return out
            if _contains([statement], ast.Return, through_loops=True):
                if isinstance(statement, _LOOPS):
                    statement.body = self._guard_returns(statement.body, replace, flag)
                    statement.ag_has_return = True
                else:
                    for field in ("body", "orelse", "finalbody"):
                        block = getattr(statement, field, None)
                        if block:
                            setattr(statement, field, self._guard_returns(block, replace, flag))
                    for handler in getattr(statement, "handlers", ()):
                        handler.body = self._guard_returns(handler.body, replace, flag)
                out.append(statement)
                rest = statements[i + 1:]
                if rest:
                    guarded = ast.If(test=_not(flag), body=self._guard_returns(rest, replace, flag), orelse=[])
                    out.append(ast.copy_location(guarded, rest[0]))
                return out
            out.append(statement)
        return out

    # -- statements -----------------------------------------------------------------------------
    def _block(self, statements, excluded, state_names):
        out = []
        for statement in statements:
            out.extend(self._statement(statement, excluded, state_names))
        return out

    def _statement(self, node, excluded, state_names):
        if isinstance(node, ast.If):
            return self._if(node, excluded, state_names)
        if isinstance(node, ast.While):
            return self._while(node, excluded, state_names)
        if isinstance(node, ast.For):
            return self._for(node, excluded, state_names)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            if not isinstance(node, ast.AsyncFunctionDef) and not _is_generator(node):
                self._convert_nested(node)
            return [node]
        if isinstance(node, ast.ClassDef):
            return [node]
        for field in ("body", "orelse", "finalbody"):
            block = getattr(node, field, None)
            if isinstance(block, list) and block and isinstance(block[0], ast.stmt):
                setattr(node, field, self._block(block, excluded, state_names))
        for handler in getattr(node, "handlers", ()):
            handler.body = self._block(handler.body, excluded, state_names)
        self._expressions().visit_statement(node)
        return [node]

    def _convert_nested(self, node):
        saved = getattr(self, "_return_flag", None)
        self._return_flag = None
        for i, default in enumerate(node.args.defaults):
            node.args.defaults[i] = self._expressions().visit(default)
        self._convert_scope(node)
        self._return_flag = saved

    def _state(self, nodes, excluded, state_names, extra=()):
        """The state of a converted block: the local names it assigns, then the attributes and
        constant subscripts of names it assigns (`acc.total = ...`, `d["v"] = ...`), which TF also
        carries through staged branches and loops."""
        names = [n for n in assigned_names(nodes) if n not in excluded and not n.startswith("ag__")]
        names += [n for n in extra if n not in names]
        state_names.update(names)
        composites = [c for c in composite_targets(nodes) if c not in names]
        return names + composites

    def _state_functions(self, names, tag):
        get_name, set_name = f"get_state_{tag}", f"set_state_{tag}"
        getter = _function_def(get_name, [ast.Return(value=ast.Tuple(elts=[
            _call(_ag("ld_opt"), _lambda(ast.parse(n, mode="eval").body), ast.Constant(n)) for n in names],
            ctx=ast.Load()))])
        setter_body = []
        for i, n in enumerate(names):
            value = ast.Subscript(value=_name("vars_"), slice=ast.Constant(i), ctx=ast.Load())
            target = ast.parse(n, mode="eval").body
            target.ctx = ast.Store()
            assign = ast.Assign(targets=[target], value=value)
            if not n.isidentifier():  # an attribute or item: left alone while undefined
                assign = ast.If(test=_call(_ag("is_defined"), value), body=[assign], orelse=[])
            setter_body.append(assign)
        setter = _function_def(set_name, setter_body or [ast.Pass()], args=("vars_",),
                               nonlocals=_plain(names))
        return [getter, setter], _name(get_name), _name(set_name)

    def _names_tuple(self, names):
        return ast.Tuple(elts=[ast.Constant(n) for n in names], ctx=ast.Load())

    def _if(self, node, excluded, state_names):
        tag = next(self._ids)
        names = self._state(node.body + node.orelse, excluded, state_names)
        inner = set()
        body = self._block(node.body, excluded, inner)
        orelse = self._block(node.orelse, excluded, inner)
        state_names.update(inner)
        test = self._expressions().visit(node.test)
        defs, get_state, set_state = self._state_functions(names, tag)
        globals_ = [n for n in assigned_names(node.body + node.orelse) if n in excluded]
        body_def = _function_def(f"if_body_{tag}", body, nonlocals=_plain(names), globals_=globals_)
        else_def = _function_def(f"else_body_{tag}", orelse, nonlocals=_plain(names), globals_=globals_)
        call = _on_first_line(ast.Expr(value=_call(_ag("if_stmt"), test, _name(body_def.name),
                                                   _name(else_def.name), get_state, set_state,
                                                   self._names_tuple(names))), node)
        return [ast.copy_location(n, node) for n in defs + [body_def, else_def, call]]

    def _loop_flags(self, node):
        """Lowers `break`/`continue` in a loop body; returns (prefix statements, break flag or None)."""
        prefix, break_flag = [], None
        if _contains(node.body, ast.Break, through_loops=False):
            break_flag = self._fresh("break_")
            prefix.append(ast.copy_location(_assign(break_flag, ast.Constant(False)), node))
            node.body = _guard_rest(
                node.body, ast.Break,
                lambda s: [ast.copy_location(_assign(break_flag, ast.Constant(True)), s)], break_flag)
        if _contains(node.body, ast.Continue, through_loops=False):
            continue_flag = self._fresh("continue_")
            lowered = _guard_rest(
                node.body, ast.Continue,
                lambda s: [ast.copy_location(_assign(continue_flag, ast.Constant(True)), s)], continue_flag)
            node.body = [ast.copy_location(_assign(continue_flag, ast.Constant(False)), node)] + lowered
            prefix.append(ast.copy_location(_assign(continue_flag, ast.Constant(False)), node))
        return prefix, break_flag

    def _extra_test(self, break_flag):
        flags = [f for f in (break_flag, self._return_flag if self._in_return_scope() else None) if f]
        if not flags:
            return ast.Constant(None)
        test = _not(flags[0])
        for flag in flags[1:]:
            test = _call(_ag("and_"), _lambda(test), _lambda(_not(flag)))
        return _lambda(test)

    def _in_return_scope(self):
        return getattr(self, "_return_flag", None) is not None

    def _while(self, node, excluded, state_names):
        tag = next(self._ids)
        prefix, break_flag = self._loop_flags(node)
        has_return = getattr(node, "ag_has_return", False)
        names = self._state(node.body, excluded, state_names)
        inner = set()
        body = self._block(node.body, excluded, inner)
        state_names.update(inner)
        test = self._expressions().visit(node.test)
        extra = self._extra_test(break_flag) if (break_flag or has_return) else ast.Constant(None)
        defs, get_state, set_state = self._state_functions(names, tag)
        test_def = _function_def(f"loop_test_{tag}", [ast.Return(value=test)])
        globals_ = [n for n in assigned_names(node.body) if n in excluded]
        body_def = _function_def(f"loop_body_{tag}", body, nonlocals=_plain(names), globals_=globals_)
        call = _on_first_line(ast.Expr(value=_call(
            _ag("while_stmt"), _name(test_def.name), _name(body_def.name), get_state, set_state,
            self._names_tuple(names), extra, ast.Constant(has_return), self._local_only(node, names))), node)
        out = prefix + defs + [test_def, body_def, call]
        out += self._loop_else(node, break_flag, excluded, state_names)
        return [ast.copy_location(n, node) for n in out]

    def _for(self, node, excluded, state_names):
        tag = next(self._ids)
        prefix, break_flag = self._loop_flags(node)
        has_return = getattr(node, "ag_has_return", False)
        names = self._state(node.body, excluded, state_names, extra=assigned_names([node.target]))
        names = [n for n in names if n not in excluded]
        inner = set()
        body = self._block(node.body, excluded, inner)
        state_names.update(inner)
        iterate = f"itr_{tag}"
        body = [ast.copy_location(ast.Assign(targets=[node.target], value=_name(iterate)), node)] + body
        iter_expr = self._for_iter(node.iter)
        extra = self._extra_test(break_flag) if (break_flag or has_return) else ast.Constant(None)
        defs, get_state, set_state = self._state_functions(names, tag)
        globals_ = [n for n in assigned_names(node.body + [node.target]) if n in excluded]
        body_def = _function_def(f"loop_body_{tag}", body, args=(iterate,), nonlocals=_plain(names),
                                 globals_=globals_)
        call = _on_first_line(ast.Expr(value=_call(
            _ag("for_stmt"), iter_expr, extra, _name(body_def.name), get_state, set_state,
            self._names_tuple(names), ast.Constant(has_return), self._local_only(node, names))), node)
        out = prefix + defs + [body_def, call]
        out += self._loop_else(node, break_flag, excluded, state_names)
        return [ast.copy_location(n, node) for n in out]

    def _loop_else(self, node, break_flag, excluded, state_names):
        if not node.orelse:
            return []
        if break_flag is None:
            return self._block(node.orelse, excluded, state_names)
        guarded = ast.copy_location(ast.If(test=_not(break_flag), body=node.orelse, orelse=[]), node.orelse[0])
        return self._statement(guarded, excluded, state_names)

    def _for_iter(self, expression):
        """`for i in range(...)`/`tf.range(...)`: the call goes through `ag__.for_iter`, which stages
        a range of traced bounds without materialising it."""
        if isinstance(expression, ast.Call) and not any(isinstance(a, ast.Starred) for a in expression.args):
            visitor = self._expressions()
            func = visitor.visit(expression.func)
            args = [visitor.visit(a) for a in expression.args]
            keywords = [ast.keyword(arg=k.arg, value=visitor.visit(k.value)) for k in expression.keywords]
            return ast.Call(func=_ag("for_iter"), args=[func] + args, keywords=keywords)
        return self._expressions().visit(expression)


def _plain(names):
    return [n for n in names if n.isidentifier()]


def composite_targets(nodes):
    """`a.b` and `a[<constant>]` assignment targets (as source text) whose base `a` is a name."""
    found = []

    def visit(node):
        targets = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
            targets = [node.target]
        for target in targets:
            for t in (target.elts if isinstance(target, ast.Tuple) else [target]):
                if isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name) or (
                        isinstance(t, ast.Subscript) and isinstance(t.value, ast.Name)
                        and isinstance(t.slice, ast.Constant)):
                    text = ast.unparse(t)
                    if text not in found:
                        found.append(text)
        for child in _children_in_scope(node):
            visit(child)

    for node in nodes:
        visit(node)
    return found


def _arg_names(node):
    args = node.args
    names = [a.arg for a in args.posonlyargs + args.args + args.kwonlyargs]
    names += [a.arg for a in (args.vararg, args.kwarg) if a is not None]
    return names


def _is_generator(node):
    return _contains(node.body, (ast.Yield, ast.YieldFrom), through_loops=True)


def _name_loads(statements):
    """(id, name) of every Name read in `statements`' scope."""
    loads = []

    def visit(node):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            loads.append((id(node), node.id))
        for child in _children_in_scope(node):
            visit(child)

    for statement in statements:
        visit(statement)
    return loads


class _Expressions(ast.NodeTransformer):
    """`and`/`or`/`not`, `a if c else b` and calls as `ag__` operators (not inside nested defs);
    reads of the function's local names go through `ag__.ld`, which raises TF's error for a name a
    staged `if` left assigned in one branch only."""

    def __init__(self, local_names=(), super_self=None):
        self.local_names = local_names
        self.super_self = super_self

    def visit_Name(self, node):  # noqa: N802
        if isinstance(node.ctx, ast.Load) and node.id in self.local_names:
            return ast.copy_location(_call(_ag("ld"), node), node)
        return node

    def visit_statement(self, node):
        for field, value in ast.iter_fields(node):
            if isinstance(value, ast.expr):
                setattr(node, field, self.visit(value))
            elif isinstance(value, list):
                setattr(node, field, [self.visit(v) if isinstance(v, ast.expr) else v for v in value])
            elif isinstance(value, ast.withitem):
                value.context_expr = self.visit(value.context_expr)
        if isinstance(node, ast.With):
            for item in node.items:
                item.context_expr = self.visit(item.context_expr)
        return node

    def visit_BoolOp(self, node):  # noqa: N802 - ast.NodeTransformer's naming
        values = [self.visit(v) for v in node.values]
        operator = "and_" if isinstance(node.op, ast.And) else "or_"
        result = values[-1]
        for value in reversed(values[:-1]):
            result = _call(_ag(operator), _lambda(value), _lambda(result))
        return ast.copy_location(result, node)

    def visit_UnaryOp(self, node):  # noqa: N802
        operand = self.visit(node.operand)
        if isinstance(node.op, ast.Not):
            return ast.copy_location(_call(_ag("not_"), operand), node)
        node.operand = operand
        return node

    def visit_Compare(self, node):  # noqa: N802
        self.generic_visit(node)
        if len(node.ops) == 1:
            return node
        # `a < b < c` as TF converts it: (a < b) and (b < c), each a Tensor where the operands are
        operands = [node.left] + node.comparators
        parts = [ast.Compare(left=operands[i], ops=[op], comparators=[operands[i + 1]])
                 for i, op in enumerate(node.ops)]
        result = parts[-1]
        for part in reversed(parts[:-1]):
            result = _call(_ag("and_"), _lambda(part), _lambda(result))
        return ast.copy_location(result, node)

    def visit_IfExp(self, node):  # noqa: N802
        return ast.copy_location(_call(_ag("if_exp"), self.visit(node.test), _lambda(self.visit(node.body)),
                                       _lambda(self.visit(node.orelse))), node)

    def visit_Call(self, node):  # noqa: N802
        self.generic_visit(node)
        func = node.func
        if isinstance(func, ast.Name) and func.id == "super" and not node.args and self.super_self:
            node.args = [_name("__class__"), _name(self.super_self)]
            return node
        if isinstance(func, ast.Name) and func.id in _PLAIN_CALLS:
            return node
        if isinstance(func, ast.Attribute) and func.attr in ("__init__",):
            return node
        node.func = ast.copy_location(_call(_ag("converted_call"), func), func)
        return node

    def visit_Lambda(self, node):  # noqa: N802
        return node

    def visit_FunctionDef(self, node):  # noqa: N802
        return node

    visit_AsyncFunctionDef = visit_FunctionDef  # noqa: N815
    visit_ClassDef = visit_FunctionDef  # noqa: N815
