"""A compiled step's program as Python source (jit_plan.py): the template of its result (`_Out`, `_Rebuilt`) and the
source of each function (`_function_source`), compiled as one function for programs of up to `_ONE_FUNCTION` lines
and, past that, split into parts of `_CHUNK` lines (`_chunked`: Python compiles a function with tens of thousands of
locals very slowly). Kept apart from the plan: it only assembles and compiles lines the plan wrote."""

from __future__ import annotations

import re

_ONE_FUNCTION = 4000   # lines: longer programs are interpreted (see _Plan.build)


class _Out(str):
    """The name of an output line, inside a result template."""


class _Rebuilt(tuple):
    """(constructor, items): a result of a tuple or dict class (a namedtuple, an OrderedDict), made again by calling
    the constructor (its name in the program) with the template `items`."""


def _template_source(t):
    if isinstance(t, _Out):
        return str(t)
    if isinstance(t, _Rebuilt):
        return f"{t[0]}({_template_source(t[1])})"
    if isinstance(t, tuple):
        return "(" + "".join(_template_source(x) + ", " for x in t) + ")"
    if isinstance(t, list):
        return "[" + ", ".join(_template_source(x) for x in t) + "]"
    return "{" + ", ".join(f"{k!r}: {_template_source(v)}" for k, v in t.items()) + "}"


def _function_source(name, args, body, result):
    lines = body + [f"return {_template_source(result)}"]
    return f"def {name}({', '.join(args)}):\n" + "\n".join("    " + line for line in lines) + "\n"


def _compiled_function(name, body, args, result, namespace):
    """The function `def name(*args): body; return result` compiled in `namespace` (which it changes), and its
    source."""
    if len(body) <= _ONE_FUNCTION:
        source = _function_source(name, args, body, result)
        exec(compile(source, "<autograd_core.compile>", "exec"), namespace)  # our own generated source (no user text)
        return namespace[name], source
    # Python compiles a function with tens of thousands of locals very slowly (and many distinct global
    # names too): split a long program into functions of _CHUNK lines, each with its own locals; values
    # used by a later part travel in a list V, constants in a list K.
    parts, namespace = _chunked(body, args, result, namespace)
    for part in parts:  # compiled one by one: compiling them as one module takes several times longer
        exec(compile(part, "<autograd_core.compile>", "exec"), namespace)
    return namespace["replay"], "".join(parts)


_CHUNK = 500
_TOKEN = re.compile(r"\b([vgLr][0-9]+|[CB][0-9]+)\b")


def _chunked(body, args, result, namespace):
    constants, K = {}, []
    defined_in, used_in = {}, {}
    for c in range(0, len(body), _CHUNK):
        for line in body[c:c + _CHUNK]:
            target, _, _ = line.partition(" = ")
            for token in _TOKEN.findall(line):
                if token[0] in "CB":
                    if token not in constants:
                        constants[token] = len(K)
                        K.append(namespace.pop(token))
                elif token == target and " = " in line and token not in defined_in:
                    defined_in[token] = c
                else:
                    used_in.setdefault(token, set()).add(c)
    for token in _TOKEN.findall(_template_source(result)):
        used_in.setdefault(token, set()).add(-1)
    shared = {t: i for i, t in enumerate(t for t, cs in used_in.items() if any(c != defined_in.get(t) for c in cs))}
    parts, calls = [], []
    params = ", ".join(["V", "K"] + list(args))
    for c in range(0, len(body), _CHUNK):
        def rename(match, c=c):
            token = match.group(1)
            if token in constants:
                return f"K[{constants[token]}]"
            if token in shared and defined_in.get(token) != c:
                return f"V[{shared[token]}]"
            return token

        lines = []
        for line in body[c:c + _CHUNK]:
            target, eq, _ = line.partition(" = ")
            lines.append(_TOKEN.sub(rename, line))
            if eq and target in shared and defined_in.get(target) == c:
                lines.append(f"V[{shared[target]}] = {target}")
        parts.append(f"def part{c}({params}):\n" + "\n".join("    " + line for line in lines) + "\n")
        calls.append(f"    part{c}({params})")
    ret = _TOKEN.sub(lambda m: f"V[{shared[m.group(1)]}]", _template_source(result))
    parts.append(f"def replay({', '.join(args)}):\n    K = _K\n    V = [None] * {len(shared)}\n"
                 + "\n".join(calls) + f"\n    return {ret}\n")
    namespace["_K"] = K
    return parts, namespace
