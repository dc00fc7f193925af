"""Compare the signatures of our PyTorch-named callables with PyTorch's (used by test_signature_parity.py and by
a report script): parameter names, positional order, keyword-only parameters and defaults.

PyTorch's C++ functions have no `inspect.signature`; their Python signatures (every overload) are read from the
type stubs PyTorch ships (`torch/_C/_VariableFunctions.pyi` for `torch.*`, class `TensorBase` in
`torch/_C/__init__.pyi` for methods), and for torch.linalg and torch.special from the first line of each
docstring ("linalg.vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None, out=None) -> Tensor").
Our wrappers that forward `*args, **kwargs` (a function calling the Value method of its name, a method calling
the function of its name) are resolved to the callable that takes the arguments.
"""

from __future__ import annotations

import ast
import inspect
import os
import re
from dataclasses import dataclass

import numpy as np

EMPTY = inspect.Parameter.empty

# Arguments of PyTorch's that only make sense with its memory model or devices: their absence is listed, not
# counted as a mismatch.
IGNORED = frozenset({"out", "device", "layout", "pin_memory", "memory_format", "requires_grad", "generator",
                     "names", "non_blocking", "dtype"})

# NumPy spellings we keep beside PyTorch's: in the same position as PyTorch's name, with that name accepted as
# a keyword too, they mean the same thing.
ALIASES = {"axis": "dim", "keepdims": "keepdim", "x": "input", "a": "input", "axes": "dims"}


@dataclass(frozen=True)
class Param:
    name: str
    kind: str  # "pos" (positional or keyword), "posonly", "varpos", "kw" (keyword-only), "varkw"
    default: object = EMPTY


_KINDS = {inspect.Parameter.POSITIONAL_ONLY: "posonly", inspect.Parameter.POSITIONAL_OR_KEYWORD: "pos",
          inspect.Parameter.VAR_POSITIONAL: "varpos", inspect.Parameter.KEYWORD_ONLY: "kw",
          inspect.Parameter.VAR_KEYWORD: "varkw"}


def params_of_signature(sig, drop_first=False):
    ps = [Param(p.name, _KINDS[p.kind], p.default) for p in sig.parameters.values()]
    return ps[1:] if drop_first and ps else ps


def _literal(node):
    if node is None:
        return EMPTY
    try:
        return ast.literal_eval(node)
    except ValueError:
        return ast.unparse(node)  # torch.strided, torch.contiguous_format, ...


def params_of_ast(fn, drop_first=False):
    """Params of an ast.FunctionDef; also returns whether an annotation names Dimname (`EllipsisType`)."""
    a = fn.args
    out = []
    positional = a.posonlyargs + a.args
    defaults = [None] * (len(positional) - len(a.defaults)) + list(a.defaults)
    for i, (arg, d) in enumerate(zip(positional, defaults)):
        out.append(Param(arg.arg, "posonly" if i < len(a.posonlyargs) else "pos", _literal(d)))
    if a.vararg:
        out.append(Param(a.vararg.arg, "varpos"))
    for arg, d in zip(a.kwonlyargs, a.kw_defaults):
        out.append(Param(arg.arg, "kw", _literal(d)))
    if a.kwarg:
        out.append(Param(a.kwarg.arg, "varkw"))
    annotations = " ".join(ast.unparse(x.annotation) for x in positional + a.kwonlyargs + [a.vararg]
                           if x is not None and x.annotation is not None)
    dimname = "EllipsisType" in annotations or any(p.name == "names" for p in out)
    return (out[1:] if drop_first and out else out), dimname


_STUBS = {}


def _stub_functions(torch, which):
    """{name: [FunctionDef, ...]} of torch's stubs: which='functions' or 'methods'."""
    if which not in _STUBS:
        base = os.path.join(os.path.dirname(torch.__file__), "_C")
        if which == "functions":
            tree = ast.parse(open(os.path.join(base, "_VariableFunctions.pyi"), encoding="utf-8").read())
            body = tree.body
        else:
            tree = ast.parse(open(os.path.join(base, "__init__.pyi"), encoding="utf-8").read())
            body = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "TensorBase").body
        table = {}
        for node in body:
            if isinstance(node, ast.FunctionDef):
                table.setdefault(node.name, []).append(node)
        _STUBS[which] = table
    return _STUBS[which]


def _doc_overloads(obj, name):
    """Signatures in the docstring: lines 'name(args) -> ...' or '.. function:: name(args) -> ...'."""
    doc = getattr(obj, "__doc__", None) or ""
    found = []
    pattern = re.compile(r"^\s*(?:\.\. function:: )?(?:[\w.]*\.)?" + re.escape(name) + r"\((.*)\)\s*(?:->.*)?$")
    for line in doc.splitlines()[:60]:
        m = pattern.match(line)
        if not m:
            continue
        text = re.sub(r"\b(?:bool|int|float|str|Tensor) (?=\w)", "", m.group(1))  # "bool pivot=True"
        try:
            fn = ast.parse(f"def f({text}): pass").body[0]
        except SyntaxError:
            continue
        found.append(params_of_ast(fn)[0])
    return found


def torch_overloads(torch, space, name):
    """PyTorch's overloads of `name` in `space` ('torch', 'Tensor', 'linalg', 'special', 'fft') as Param lists
    without `self` for methods, leaving out the overloads taking dimension names."""
    method = space == "Tensor"
    owner = {"torch": torch, "Tensor": torch.Tensor, "linalg": getattr(torch, "linalg", None),
             "special": getattr(torch, "special", None), "fft": getattr(torch, "fft", None)}[space]
    obj = getattr(owner, name, None)
    if obj is None:
        return None
    try:
        sig = inspect.signature(obj)
    except (TypeError, ValueError):
        sig = None
    if sig is not None:
        ps = params_of_signature(sig, drop_first=method)
        if [p.kind for p in ps] != ["varpos", "varkw"]:  # not a wrapper forwarding everything
            return [ps]
    overloads = []
    if space in ("torch", "Tensor"):
        for fn in _stub_functions(torch, "functions" if space == "torch" else "methods").get(name, ()):
            ps, dimname = params_of_ast(fn, drop_first=method)
            # Leave out the overloads taking dimension names, and the deprecated ones of functions whose first
            # operand is called `self` (addmm(beta, self, alpha, mat1, mat2), pow(self: Number, exponent)).
            if not dimname and not (space == "torch" and any(p.name == "self" for p in ps)):
                overloads.append(ps)
    if not overloads:
        overloads = [ps[1:] if method else ps for ps in _doc_overloads(obj, name)]
    return overloads


def _closure(fn):
    code = getattr(fn, "__code__", None)
    if code is None or not fn.__closure__:
        return None, {}
    return code.co_qualname, dict(zip(code.co_freevars, (c.cell_contents for c in fn.__closure__)))


def resolve(obj, value_cls, method=False, depth=0):
    """Our callable's parameters (without self for a method), looking through forwarding wrappers;
    None when they cannot be told."""
    import importlib

    from autograd_core.ops.primitive import Primitive

    if depth > 4:
        return None
    if isinstance(obj, Primitive):
        fwd = obj.forward
        try:
            ps = params_of_signature(inspect.signature(fwd))
            if isinstance(fwd, np.ufunc):  # its out=, where=, ... are not the primitive's
                ps = [Param(p.name, "posonly") for p in ps[:fwd.nin]]
        except (TypeError, ValueError):
            ps = [Param("x", "posonly")] * getattr(fwd, "nin", 1)
        named = [Param(n, "pos") for n in obj.arguments]  # inputs PyTorch's names reach (defarguments)
        ps = named + ps[len(named):]
        return ps[1:] if method else ps
    qual, cells = _closure(obj)
    target = None
    if qual == "_with_out.<locals>.fn":  # torch.add(input, other, *, alpha=1, out=None): its compute's keywords
        extra = params_of_signature(inspect.signature(cells["compute"]))[2:]
        return [Param("input", "pos"), Param("other", "pos"), Param("out", "kw", None)] + [
            Param(p.name, "kw", p.default) for p in extra]
    if qual == "_rewritten_method.<locals>.method":  # x.cumsum_(...): x.cumsum(...) written into x
        return resolve(getattr(value_cls, cells["name"]), value_cls, method=method, depth=depth + 1)
    if qual == "_method.<locals>.fn" or qual == "_in_place_function.<locals>.fn":
        target = resolve(getattr(value_cls, cells["name"]), value_cls, method=True, depth=depth + 1)
        return None if target is None else [Param("input", "pos")] + target
    if qual == "_function_method.<locals>.method":
        fn = getattr(getattr(importlib.import_module("autograd_core.ops"), cells["module"]), cells["name"])
        target = resolve(fn, value_cls, depth=depth + 1)
        return None if target is None else (target[1:] if method else target)
    if qual == "_decomposition_method.<locals>.method":
        fn = getattr(importlib.import_module(f"autograd_core.{cells['module']}"), cells["function"])
        target = resolve(fn, value_cls, depth=depth + 1)
        return None if target is None else (target[1:] if method else target)
    wrapped = getattr(obj, "__wrapped__", None)
    if wrapped is not None and not isinstance(obj, type):
        return resolve(wrapped, value_cls, method, depth + 1)
    if isinstance(obj, property) or not callable(obj):
        return None
    try:
        sig = inspect.signature(obj)
    except (TypeError, ValueError):
        return None
    return params_of_signature(sig, drop_first=method)


def _same_default(a, b):
    if a is EMPTY or b is EMPTY:
        return True
    if isinstance(a, bool) or isinstance(b, bool) or a is None or b is None:
        return a is b
    try:
        return bool(a == b)  # 1 and 1.0 are the same default
    except Exception:  # noqa: BLE001  (arrays and such: not comparable here)
        return True


def compare(theirs, ours):
    """Problems of `ours` against one PyTorch overload `theirs`: a list of (kind, text).

    kinds: 'order' (a positional argument of PyTorch's binds to another parameter of ours: a silent wrong
    result), 'default' (the same parameter with another default), 'positional' (PyTorch takes it positionally,
    we only as a keyword: a TypeError), 'keyword' (PyTorch's name is not accepted as a keyword), 'missing'
    (a parameter of PyTorch's we do not have), 'required' (optional in PyTorch, required here), 'ignored'
    (one of IGNORED missing: listed only).
    """
    problems = []
    varkw = any(p.kind == "varkw" for p in ours)
    by_name = {p.name: p for p in ours if p.kind in ("pos", "kw")}
    our_pos = [p for p in ours if p.kind in ("pos", "posonly")]
    our_varpos = next((i for i, p in enumerate(ours) if p.kind == "varpos"), None)
    their_pos = [p for p in theirs if p.kind in ("pos", "posonly")]
    for i, p in enumerate(their_pos):
        if our_varpos is not None and i >= our_varpos:
            break  # our *args takes it (and the rest): its meaning is up to the function
        if i >= len(our_pos):
            q = by_name.get(p.name)
            if q is not None or p.name in IGNORED:
                if p.name not in IGNORED:
                    problems.append(("positional", f"{p.name!r} (position {i}) is keyword-only here"))
            elif varkw:
                problems.append(("positional", f"{p.name!r} (position {i}) only through **kwargs here"))
            else:
                problems.append(("missing", f"{p.name!r} (position {i})"))
            continue
        q = our_pos[i]
        if q.name != p.name:
            if ALIASES.get(q.name) == p.name and (p.name in by_name or varkw):
                pass
            elif p.name in by_name or p.name in [r.name for r in our_pos]:
                problems.append(("order", f"position {i} is {p.name!r} in PyTorch, {q.name!r} here"))
            else:
                kind = "keyword" if p.kind == "pos" and q.kind != "posonly" and i > 0 else "name"
                problems.append((kind, f"position {i} is {p.name!r} in PyTorch, {q.name!r} here"))
        if q.name == p.name and not _same_default(p.default, q.default):
            problems.append(("default", f"{p.name!r} defaults to {p.default!r} in PyTorch, {q.default!r} here"))
        if q.default is EMPTY and p.default is not EMPTY:
            problems.append(("required", f"{p.name!r} is optional in PyTorch, required here"))
    for p in theirs:
        if p.kind != "kw":
            continue
        q = by_name.get(p.name)
        if q is None:
            if p.name in IGNORED:
                problems.append(("ignored", p.name))
            elif not varkw:
                problems.append(("missing", f"keyword {p.name!r}"))
        elif not _same_default(p.default, q.default):
            problems.append(("default", f"{p.name!r} defaults to {p.default!r} in PyTorch, {q.default!r} here"))
    their_varpos = any(p.kind == "varpos" for p in theirs)  # einsum(*args): PyTorch takes any positions
    for p in [] if their_varpos else our_pos[len(their_pos):]:  # ours beyond PyTorch's must be optional
        if p.default is EMPTY and p.name not in {t.name for t in theirs}:
            problems.append(("required", f"our required {p.name!r} is not PyTorch's"))
    return problems


def best_problems(overloads, ours):
    """Problems against the union of overloads: a problem counts only if every overload that could be meant
    shows it; per overload, the list; returns the overload problems that are real in all overloads of that
    arity... simplified: a problem of one overload is reported unless another overload accepts that call."""
    results = [compare(t, ours) for t in overloads]
    return results


def spaces(ac):
    """{space: (torch-side owner name, our namespace object, names)} of our public names."""
    out = {"torch": [n for n in ac.__all__ if callable(getattr(ac, n, None)) and not isinstance(getattr(ac, n), type)],
           "Tensor": sorted(n for n in dir(ac.Value) if not n.startswith("_")),
           "linalg": list(getattr(ac.linalg, "__all__", [])),
           "special": list(getattr(ac.special, "__all__", []))}
    return out
