"""A safe expression language for the CLI: `sigmoid(w*x + b)`, `sum(relu(W @ x + b))`. Never `eval`.

The text is parsed with Python's `ast` and then checked against a whitelist before anything runs: numbers,
names of variables set with --set, the operators `+ - * / ** @`, unary minus and plus, and calls of the
functions in `FUNCTIONS` by name, with positional arguments and the keywords each function lists
(`axis=`, `keepdims=`) bound to literal values. Anything else (attributes, subscripts, strings, lambdas,
comprehensions, `__import__(...)`) is rejected with the column where it starts. The checked tree is then
evaluated by a small interpreter that only knows those node types.

Limits keep a command line from asking for unbounded work: the text length, the number of syntax nodes,
the nesting depth, the number of elements of any array, given or computed, and the total work of the
whole expression (`MAX_WORK` element-operations, charged before each operation runs), since limits on
each part multiply: 500 parts of a million elements each would be 4 GB.
"""

from __future__ import annotations

import ast
import contextvars
import dataclasses
import json
import keyword
import math
import os
import re
import unicodedata
from typing import Callable

import numpy as np

import autograd_core as ag
from autograd_core import Value

MAX_EXPR_CHARS = 2000
MAX_SYNTAX_NODES = 500
MAX_DEPTH = 100  # a + b + c + ... nests one level per term; the interpreter recurses per level
MAX_ELEMENTS = 1_000_000
MAX_VALUE_CHARS = 1_000_000  # the text of one --set value (bigger arrays: @file.npy)
MAX_PYTHON_LITERAL_CHARS = 10_000  # beyond this a value must be JSON: Python's parser needs far more memory
MAX_WORK = 10_000_000  # element-operations in one evaluation: every result's size, matmul's multiply-adds
CALL_COST = 2  # a function call is charged this many times its input's size (a result and a temporary)
COMPOSITE_COST = {"softmax": 6, "log_softmax": 6, "logsumexp": 6, "var": 6}  # several nodes per call
_WORK = contextvars.ContextVar("expression_work", default=None)


class ExprError(ValueError):
    """Bad input to the expression language; the message is one line and names the problem."""


@dataclasses.dataclass(frozen=True)
class Function:
    """A callable of the language: `arity` positional Value arguments, then optional positional numbers."""

    name: str
    fn: Callable
    arity: int
    numbers: tuple = ()    # names of optional trailing number arguments, e.g. ('negative_slope',)
    keywords: tuple = ()   # allowed keywords: 'axis', 'keepdims'
    doc: str = ""

    def signature(self):
        args = ["x", "y"][: self.arity] if self.arity <= 2 else [f"x{i}" for i in range(self.arity)]
        args += [f"[{n}]" for n in self.numbers]
        args += [f"{k}=..." for k in self.keywords]
        return f"{self.name}({', '.join(args)})"


_REDUCE = ("axis", "keepdims")
FUNCTIONS = {f.name: f for f in [
    Function("sigmoid", ag.sigmoid, 1, doc="1 / (1 + exp(-x))"),
    Function("tanh", ag.tanh, 1, doc="hyperbolic tangent"),
    Function("relu", ag.relu, 1, doc="max(x, 0)"),
    Function("leaky_relu", lambda x, s=0.01: ag.leaky_relu(x, negative_slope=float(s)), 1,
             ("negative_slope",), doc="x if x > 0 else slope·x (slope 0.01)"),
    Function("exp", ag.exp, 1, doc="e^x"),
    Function("log", ag.log, 1, doc="natural logarithm"),
    Function("sqrt", ag.sqrt, 1, doc="square root"),
    Function("abs", ag.abs, 1, doc="|x|"),
    Function("sin", ag.sin, 1, doc="sine"),
    Function("cos", ag.cos, 1, doc="cosine"),
    Function("maximum", ag.maximum, 2, doc="elementwise max(x, y)"),
    Function("minimum", ag.minimum, 2, doc="elementwise min(x, y)"),
    Function("sum", ag.sum, 1, keywords=_REDUCE, doc="sum over axis (all by default)"),
    Function("mean", ag.mean, 1, keywords=_REDUCE, doc="mean over axis"),
    Function("max", ag.max, 1, keywords=_REDUCE, doc="maximum over axis"),
    Function("min", ag.min, 1, keywords=_REDUCE, doc="minimum over axis"),
    Function("var", ag.var, 1, keywords=_REDUCE, doc="variance over axis, ÷ (n − 1) as PyTorch's (NumPy's ÷ n)"),
    Function("logsumexp", ag.logsumexp, 1, keywords=_REDUCE, doc="log Σ exp(x) over axis"),
    Function("softmax", ag.softmax, 1, keywords=("axis",), doc="exp(x) / Σ exp(x) along axis (-1)"),
    Function("log_softmax", ag.log_softmax, 1, keywords=("axis",), doc="log of softmax along axis (-1)"),
    Function("transpose", ag.transpose, 1, doc="reverse the axes (x.T)"),
]}
CONSTANTS = {"pi": math.pi, "e": math.e}

_BINARY = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**", ast.MatMult: "@"}
_UNARY = {ast.USub: "-", ast.UAdd: "+"}


def _where(node):
    return f" at column {node.col_offset + 1}" if hasattr(node, "col_offset") else ""


def _syntax_message(text, err):
    """Python's SyntaxError as one line a user can act on: where it is (1-based column, the text there), and
    Python's reason when it says more than "invalid syntax". An expression cut short ("w*") has no column."""
    reason = "" if err.msg.startswith("invalid syntax") else f": {err.msg}"
    if not err.offset or err.lineno != 1 or err.offset > len(text):
        tail = text if len(text) <= 20 else "…" + text[-19:]
        return f"invalid syntax: the expression ends too early (after {tail!r}){reason}"
    near = text[err.offset - 1:err.offset + 9]
    return f"invalid syntax at column {err.offset} (at {near!r}){reason}"


# Subscripts in names, as lecture notes write them (w₁, x₂, hᵢ): Python's identifiers have none (`w₁` is a syntax
# error, and NFKC, which Python applies to identifiers, turns ₁ into 1). Each is written as an ASCII escape for
# `ast`, and the names are turned back afterwards, so that `--set w₁=0.5` and `z = x₁*w₁` draw a node labelled w₁.
SUBSCRIPTS = "₀₁₂₃₄₅₆₇₈₉ₐₑₒₓₕₖₗₘₙₚₛₜᵢⱼ"
_SUBSCRIPT_ESCAPE = re.compile("__sub([0-9a-f]{4})__")


def _escape_subscripts(text):
    return "".join(f"__sub{ord(c):04x}__" if c in SUBSCRIPTS else c for c in text) if any(
        c in SUBSCRIPTS for c in text) else text


def _unescape_subscripts(name):
    return _SUBSCRIPT_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), name) if "__sub" in name else name


def _character_columns(text):
    """{UTF-8 byte offset in the escaped text: character offset in `text`}, as a list indexed by the byte offset."""
    columns = []
    for k, c in enumerate(text):
        columns.extend([k] * len(_escape_subscripts(c).encode("utf-8")))
    columns.append(len(text))
    return columns


def variable_name(name):
    """`name` as an expression reads it: NFKC-normalised as Python normalises identifiers (ｘ is x), the subscripts
    of SUBSCRIPTS kept (w₁ stays w₁, not w1)."""
    parts = re.split(f"([{SUBSCRIPTS}])", name)
    return "".join(part if part in SUBSCRIPTS and part else unicodedata.normalize("NFKC", part) for part in parts)


def is_variable_name(name):
    """Whether `name` (after `variable_name`) may name a variable: an identifier, its subscripts allowed."""
    escaped = _escape_subscripts(name)
    return escaped.isidentifier() and not escaped.startswith("__") and not keyword.iskeyword(name)


def parse(text: str, names) -> ast.Expression:
    """Parse and check `text` against the whitelist; `names` are the variables it may use."""
    if len(text) > MAX_EXPR_CHARS:
        raise ExprError(f"expression is {len(text)} characters long; the limit is {MAX_EXPR_CHARS}")
    if not text.strip():
        raise ExprError("empty expression")
    escaped = _escape_subscripts(text.strip())
    try:
        tree = ast.parse(escaped, mode="eval")
    except SyntaxError as err:
        if escaped != text.strip():  # columns of the escaped text are not the user's: say where in their words
            raise ExprError(f"invalid syntax in {text.strip()[:60]!r}: a subscript (₁, ᵢ) may only end or continue "
                            "a name (w₁, x₁₂)") from None
        raise ExprError(_syntax_message(text.strip(), err)) from None
    except (RecursionError, MemoryError):
        raise ExprError(f"expression is nested too deeply (limit {MAX_DEPTH})") from None
    if not text.isascii():  # ast counts UTF-8 bytes (of the escaped text): the messages count the user's characters
        column = _character_columns(text.strip())
        for node in ast.walk(tree):
            if hasattr(node, "col_offset"):
                node.col_offset = column[node.col_offset]
    if escaped is not text.strip():
        for node in ast.walk(tree):
            if isinstance(node, ast.Name):
                node.id = _unescape_subscripts(node.id)
    count = 0
    stack = [(tree.body, 1)]
    while stack:
        node, depth = stack.pop()
        count += 1
        if count > MAX_SYNTAX_NODES:
            raise ExprError(f"expression has more than {MAX_SYNTAX_NODES} parts")
        if depth > MAX_DEPTH:
            raise ExprError(f"expression is nested more than {MAX_DEPTH} levels deep{_where(node)}")
        stack.extend((child, depth + 1) for child in _checked_children(node, names))
    return tree


def _checked_children(node, names):
    """The sub-expressions of an allowed node; ExprError for anything outside the whitelist."""
    if isinstance(node, ast.Constant):
        if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
            raise ExprError(f"only numbers are allowed as constants, not {node.value!r}{_where(node)}")
        return []
    if isinstance(node, ast.Name):
        if node.id not in names and node.id not in CONSTANTS:
            known = ", ".join(sorted(names)) or "none"
            hint = f"call it as {node.id}(...)" if node.id in FUNCTIONS else f"set it with --set {node.id}=VALUE"
            raise ExprError(f"unknown name {node.id!r}{_where(node)}: {hint} (variables: {known}; "
                            f"constants: {', '.join(CONSTANTS)})")
        return []
    if isinstance(node, ast.BinOp):
        if type(node.op) not in _BINARY:
            raise ExprError(f"operator {type(node.op).__name__} is not allowed{_where(node)}; "
                            "use + - * / ** @")
        return [node.left, node.right]
    if isinstance(node, ast.UnaryOp):
        if type(node.op) not in _UNARY:
            raise ExprError(f"unary operator {type(node.op).__name__} is not allowed{_where(node)}")
        return [node.operand]
    if isinstance(node, ast.Call):
        return _checked_call(node)
    what = {ast.Attribute: "attribute access", ast.Subscript: "indexing", ast.Lambda: "lambda",
            ast.Compare: "comparison", ast.BoolOp: "and/or", ast.IfExp: "if/else"}.get(type(node))
    raise ExprError(f"{what or type(node).__name__ + ' expressions'} not allowed{_where(node)}; "
                    "use numbers, names, + - * / ** @ and the functions listed by 'autograd-graph functions'")


def _checked_call(node):
    if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
        name = node.func.id if isinstance(node.func, ast.Name) else ast.unparse(node.func)[:40]
        raise ExprError(f"unknown function {name!r}{_where(node)}; 'autograd-graph functions' lists them")
    f = FUNCTIONS[node.func.id]
    if any(isinstance(a, ast.Starred) for a in node.args):
        raise ExprError(f"{f.name}: *args is not allowed{_where(node)}")
    if not f.arity <= len(node.args) <= f.arity + len(f.numbers):
        raise ExprError(f"{f.signature()} takes {f.arity}"
                        f"{f'-{f.arity + len(f.numbers)}' if f.numbers else ''} positional argument(s), "
                        f"got {len(node.args)}{_where(node)}")
    for kw in node.keywords:
        if kw.arg not in f.keywords:
            allowed = ", ".join(f.keywords) or "none"
            raise ExprError(f"{f.name}: keyword {kw.arg or '**'!r} is not allowed{_where(kw.value)} "
                            f"(allowed: {allowed})")
        _literal_keyword(f.name, kw)  # checks it
    for extra in node.args[f.arity:]:
        _literal_number(f.name, extra)
    return list(node.args[: f.arity])


def _literal_number(fname, node):
    try:
        value = ast.literal_eval(node)
    except ValueError:
        value = None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ExprError(f"{fname}: this argument must be a number{_where(node)}")
    return float(value)


def _literal_keyword(fname, kw):
    try:
        value = ast.literal_eval(kw.value)
    except ValueError:
        value = object()
    if kw.arg == "keepdims":
        if not isinstance(value, bool):
            raise ExprError(f"{fname}: keepdims must be True or False{_where(kw.value)}")
        return value
    ok_int = lambda v: isinstance(v, int) and not isinstance(v, bool) and abs(v) < 64
    if value is None or ok_int(value) or (isinstance(value, tuple) and value and all(map(ok_int, value))):
        return value
    raise ExprError(f"{fname}: {kw.arg} must be an integer or a tuple of integers{_where(kw.value)}")


def evaluate(text: str, variables: dict):
    """The Value of expression `text` with `variables` (name -> Value); ExprError on any problem."""
    tree = parse(text, variables)
    token = _WORK.set([0])  # a fresh budget for this evaluation
    try:
        result = _eval(tree.body, variables)
    except ExprError:
        raise
    except (ValueError, TypeError, FloatingPointError, OverflowError, ZeroDivisionError) as err:
        raise ExprError(" ".join(str(err).split())) from None
    finally:
        _WORK.reset(token)
    if not isinstance(result, Value) or not result.requires_grad:
        raise ExprError("the expression does not depend on any variable, so there is no graph to draw; "
                        "set one with --set NAME=VALUE")
    return result


def _eval(node, env):
    if isinstance(node, ast.Constant):
        try:
            return float(node.value)
        except OverflowError:
            raise ExprError(f"number too large{_where(node)}") from None
    if isinstance(node, ast.Name):
        return env[node.id] if node.id in env else CONSTANTS[node.id]
    if isinstance(node, ast.UnaryOp):
        x = _eval(node.operand, env)
        _charge_work(_UNARY[type(node.op)], np.size(x.data if isinstance(x, Value) else x), node)
        return -x if isinstance(node.op, ast.USub) else x
    if isinstance(node, ast.BinOp):
        a, b = _eval(node.left, env), _eval(node.right, env)
        op = _BINARY[type(node.op)]
        _check_result_size(op, a, b, node)
        if not isinstance(a, Value) and not isinstance(b, Value):
            return _number_op(op, a, b, node)
        return {"+": lambda: a + b, "-": lambda: a - b, "*": lambda: a * b, "/": lambda: a / b,
                "**": lambda: a ** b, "@": lambda: a @ b}[op]()
    f = FUNCTIONS[node.func.id]
    args = [_eval(a, env) for a in node.args[: f.arity]]
    args += [_literal_number(f.name, a) for a in node.args[f.arity:]]
    kwargs = {kw.arg: _literal_keyword(f.name, kw) for kw in node.keywords}
    if f.arity == 2:
        _check_result_size(f.name, args[0], args[1], node)
    size = max(np.size(a.data if isinstance(a, Value) else a) for a in args[: f.arity])
    _charge_work(f.name, COMPOSITE_COST.get(f.name, CALL_COST) * size, node)
    if not any(isinstance(a, Value) for a in args[: f.arity]):
        args[: f.arity] = [Value(a, requires_grad=False) for a in args[: f.arity]]
    return f.fn(*args, **kwargs)


def _number_op(op, a, b, node):
    """Arithmetic between two plain numbers (no graph), with float semantics and no huge powers."""
    with np.errstate(all="ignore"):
        a, b = np.float64(a), np.float64(b)
        if op == "@":
            raise ExprError(f"@ needs arrays, not numbers{_where(node)}")
        return float({"+": np.add, "-": np.subtract, "*": np.multiply, "/": np.divide,
                      "**": np.power}[op](a, b))


def _check_result_size(op, a, b, node):
    """Refuse an operation whose result would exceed MAX_ELEMENTS, before computing it."""
    sa, sb = np.shape(a.data if isinstance(a, Value) else a), np.shape(b.data if isinstance(b, Value) else b)
    try:
        if op == "@":
            if len(sa) < 1 or len(sb) < 1:
                return  # the engine explains this
            batch = np.broadcast_shapes(sa[:-2], sb[:-2])
            shape = batch + sa[-2:-1] + sb[-1:] if len(sb) > 1 else batch + sa[-2:-1]
        else:
            shape = np.broadcast_shapes(sa, sb)
    except ValueError:
        return  # incompatible shapes: the operation itself raises the engine's message
    size = math.prod(shape)
    if size > MAX_ELEMENTS:
        raise ExprError(f"'{op}' would make an array of shape {shape} ({size} elements){_where(node)}; "
                        f"the limit is {MAX_ELEMENTS}")
    inner = sa[-1] if op == "@" and sa else 1  # multiply-adds per element of a matrix product
    _charge_work(op, size * inner, node)


def _charge_work(op, work, node):
    """Add `work` element-operations to this evaluation's total; ExprError past MAX_WORK (before it runs)."""
    budget = _WORK.get()
    if budget is None:
        budget = [0]
        _WORK.set(budget)
    budget[0] += work
    if budget[0] > MAX_WORK:
        raise ExprError(f"the expression needs more than {MAX_WORK:,} element-operations in all (at '{op}'"
                        f"{_where(node)}); use smaller arrays or fewer operations")


# ----------------------------------------------------------------------------------------------------
# --set NAME=VALUE


def parse_assignment(text: str, option="--set"):
    """('W', Value) from 'W=[[1,2],[3,4]]', 'w=2' or 'x=@x.npy'; the Value is a labelled leaf with a grad.
    option: the command-line option the text came from, which the error messages name."""
    name, sep, value = text.partition("=")
    name = variable_name(name.strip())  # as Python (and so `parse`) reads identifiers: ｘ is x; w₁ stays w₁
    if not sep:
        raise ExprError(f"{option} {text[:40]!r}: expected NAME=VALUE")
    if not is_variable_name(name):
        raise ExprError(f"{option}: {name[:40]!r} is not a valid variable name")
    if name in FUNCTIONS:
        raise ExprError(f"{option}: {name!r} is the name of a function; choose another variable name")
    if name in CONSTANTS:  # as a program may not assign it: `pi` in an expression is always the constant
        raise ExprError(f"{option}: {name!r} is a constant ({name} = {CONSTANTS[name]:.6g}); "
                        "choose another variable name")
    if value.strip().startswith("@"):
        data = load_npy(value.strip()[1:], option)
    else:
        data = parse_literal(value, name, option)
    return name, Value(data, label=name)


def parse_literal(text: str, name="value", option="--set"):
    """A number or a nested list of numbers (JSON, or Python literal syntax), as a float64 array. Errors begin with
    `option` and `name` ('--set w: ...'; name='' for an option that is the value itself, '--input: ...')."""
    what = f"{option} {name}".strip()
    if len(text) > MAX_VALUE_CHARS:  # before reading any of it
        raise ExprError(f"{what}: value is {len(text)} characters long; the limit is {MAX_VALUE_CHARS} "
                        "(give a bigger array as @file.npy)")
    text = text.strip()
    try:
        obj = json.loads(text)
    except (ValueError, RecursionError):
        if len(text) > MAX_PYTHON_LITERAL_CHARS:
            raise ExprError(f"{what}: not valid JSON, and at {len(text)} characters too long to read as a "
                            f"Python literal (limit {MAX_PYTHON_LITERAL_CHARS})") from None
        try:
            obj = ast.literal_eval(text)
        except (ValueError, SyntaxError, TypeError, RecursionError, MemoryError):
            raise ExprError(f"{what}: {text[:40]!r} is not a number or a nested list of numbers") from None
    return _as_array(obj, what)


def _as_array(obj, what):
    depth, probe = 0, obj
    while isinstance(probe, (list, tuple)):
        depth += 1
        if depth > 32:
            raise ExprError(f"{what}: lists nested deeper than 32 levels")
        probe = probe[0] if probe else None
    try:
        arr = np.asarray(obj)
    except (ValueError, RecursionError):
        raise ExprError(f"{what}: the nested lists are ragged (rows of different lengths)") from None
    if arr.dtype.kind not in "iuf" or arr.dtype == bool:
        raise ExprError(f"{what}: expected numbers, got {arr.dtype} data")
    if arr.size > MAX_ELEMENTS:
        raise ExprError(f"{what}: {arr.size} elements is more than the limit {MAX_ELEMENTS}")
    return arr.astype(np.float64)


def load_npy(path: str, option="--set"):
    """An array from a .npy file (no pickles), float64 unless it is float32 already."""
    if not path.endswith(".npy"):
        raise ExprError(f"{option}: @{path}: only .npy files can be loaded")
    if not os.path.isfile(path):
        raise ExprError(f"{option}: @{path}: no such file")
    try:
        arr = np.load(path, mmap_mode="r", allow_pickle=False)  # mapped: check the size before reading
    except (ValueError, OSError, EOFError) as err:
        raise ExprError(f"{option}: @{path}: cannot load: {' '.join(str(err).split())}") from None
    if arr.dtype.kind not in "iuf":
        raise ExprError(f"{option}: @{path}: expected numbers, got {arr.dtype} data")
    if arr.size > MAX_ELEMENTS:
        raise ExprError(f"{option}: @{path}: {arr.size} elements is more than the limit {MAX_ELEMENTS}")
    return np.array(arr, dtype=arr.dtype if arr.dtype.kind == "f" else np.float64)


MAX_STATEMENTS = 100
_ASSIGNMENT = re.compile(r"\s*([^\W\d]\w*)\s*=(?!=)(.*)", re.S)  # any script's letters: 损失 = (a - y)**2


def evaluate_program(text: str, variables: dict):
    """The Value of a short program: assignments that name the nodes, then (optionally) an expression.

        h1 = x*w; h2 = h1 + b; h3 = -h2; h4 = exp(h3); h5 = h4 + 1; f = 1/h5

    Statements are separated by ';' or new lines; each `NAME = expression` evaluates like `evaluate`
    (same whitelist and limits), labels the resulting node NAME and makes NAME usable afterwards. The value
    of the last statement is the result. A single expression is a program of one statement.
    """
    statements = [s for s in re.split(r"[;\n]", text) if s.strip()] if len(text) <= MAX_EXPR_CHARS else [text]
    if len(statements) <= 1 and not _ASSIGNMENT.fullmatch(text):
        return evaluate(text, variables)  # one expression: exactly `evaluate`, its messages and limits
    if not statements:
        raise ExprError("empty expression")
    if len(statements) > MAX_STATEMENTS:
        raise ExprError(f"program has {len(statements)} statements; the limit is {MAX_STATEMENTS}")
    env = dict(variables)
    result = None
    token = _WORK.set([0])  # one budget for the whole program
    try:
        result = _run_statements(statements, env)
    finally:
        _WORK.reset(token)
    if not isinstance(result, Value) or not result.requires_grad:
        raise ExprError("the program does not depend on any variable, so there is no graph to draw; "
                        "set one with --set NAME=VALUE")
    return result


def _run_statements(statements, env):
    result = None
    for k, statement in enumerate(statements, start=1):
        match = _ASSIGNMENT.fullmatch(statement)
        where = f"statement {k} ({statement.strip()[:30]!r})"
        if match is None:
            if k != len(statements):
                raise ExprError(f"{where}: only the last statement may be a bare expression; write NAME = ...")
            result = _evaluate_any(statement, env, where)
            break
        name, expression = variable_name(match.group(1)), match.group(2)
        if not is_variable_name(name) or name in FUNCTIONS or name in CONSTANTS:
            raise ExprError(f"{where}: {name!r} cannot be assigned (a keyword, function or constant)")
        if name in env:
            raise ExprError(f"{where}: {name!r} is already defined; give each node its own name")
        result = _evaluate_any(expression, env, where)
        if not isinstance(result, Value):
            result = Value(result, requires_grad=False)
        if any(result is v for v in env.values()):
            raise ExprError(f"{where}: {name} = {expression.strip()} only renames a node; compute something new")
        result.label = name
        env[name] = result
    return result


def _evaluate_any(text, env, where):
    try:
        return _eval(parse(text, env).body, env)
    except ExprError as err:
        raise ExprError(f"{where}: {err}") from None
    except (ValueError, TypeError, FloatingPointError, OverflowError, ZeroDivisionError) as err:
        raise ExprError(f"{where}: {' '.join(str(err).split())}") from None


def parse_constant(text: str):
    """('x', Value) from 'x=1.5' for --const: like --set, but the leaf needs no gradient (drawn as a constant)."""
    name, value = parse_assignment(text, "--const")
    return name, Value(value.data, label=name, requires_grad=False)
