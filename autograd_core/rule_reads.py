"""What a derivative rule reads, found in its bytecode: which of (out, x0, x1, ...) `rule(g, out, *xs, **params)` loads
other than for its shape or dtype, as the positions PyTorch's node would have saved.

Apart from version_check.py, which asks it whether a node's rules read an input that changed in place since, because
it is one mechanism of its own (a reader of CPython's bytecode, alike on Python 3.10 to 3.13), which autograd.graph's
saved-tensor hooks ask too (what a node saves). Moved from inplace_graph.py word for word.
"""

from __future__ import annotations


class _Everything:
    def __contains__(self, item):
        return True


_EVERYTHING = _Everything()
_METADATA = frozenset({"shape", "ndim", "dtype", "size", "__class__"})
_RULE_READS = {}  # (rule, number of inputs) -> the positions it reads (-1: the output) or _EVERYTHING


def _read_by_rules(node, parents):
    """The positions (-1 for the output, 0, 1, ... for the inputs) whose numbers the rules of `node` that will run
    (those of inputs that require grad) read: what PyTorch's node would have saved."""
    vjps = node._op.vjps
    if vjps.__class__ is not tuple:
        return _EVERYTHING
    reads = set()
    for i, parent in enumerate(parents):
        if not parent._requires_grad or i >= len(vjps) or vjps[i] is None:
            continue
        key = (vjps[i], len(parents))
        found = _RULE_READS.get(key)
        if found is None:
            found = _RULE_READS[key] = _rule_reads(vjps[i], len(parents))
        if found is _EVERYTHING:
            return found
        reads |= found
    return reads


def _rule_reads(rule, n_inputs):
    """Which of (out, x0, x1, ...) the rule `rule(g, out, *xs, **params)` reads, from its bytecode: the parameters it
    loads, except to read only .shape, .ndim, .dtype or .size. Anything but a plain function reads everything."""
    code = getattr(rule, "__code__", None)
    if code is None or hasattr(rule, "__self__"):
        return _EVERYTHING
    names = code.co_varnames[:code.co_argcount]
    if len(names) < 2:
        return _EVERYTHING
    position = {names[1]: -1}
    for k in range(n_inputs):
        if 2 + k < len(names):
            position[names[2 + k]] = k
        elif not code.co_flags & _CO_VARARGS or _loads(rule, code.co_varnames[code.co_argcount +
                                                                               code.co_kwonlyargcount]):
            return _EVERYTHING  # inputs gathered by *xs, which the rule reads
        else:
            break
    return frozenset(p for name, p in position.items() if _loads(rule, name))


_CO_VARARGS = 0x04
_NOT_A_VARIABLE = frozenset({"LOAD_ATTR", "LOAD_GLOBAL", "LOAD_CONST", "LOAD_METHOD", "LOAD_NAME",
                             "LOAD_ASSERTION_ERROR", "LOAD_BUILD_CLASS", "LOAD_SUPER_ATTR"})

# The bytecode of one rule differs between Python versions: 3.10 calls with CALL_FUNCTION/CALL_METHOD, 3.11 puts a
# PRECALL before each CALL, 3.12 inlines list comprehensions (3.10 and 3.11 make them nested functions that capture
# the variable), and 3.13 fuses two loads into one LOAD_FAST_LOAD_FAST and loads a cell for a closure with LOAD_FAST.
# Read as it comes, the same rule read different inputs on each (sum's read x on 3.10 and 3.13, so a change of x in
# place raised there only). `_instructions` gives one stream for all of them; `_loads` looks into nested functions.
_SKIPPED = frozenset({"PRECALL", "PUSH_NULL", "NOP", "RESUME", "MAKE_CELL", "COPY_FREE_VARS", "EXTENDED_ARG", "CACHE"})
_RENAMED = {"CALL_FUNCTION": "CALL", "CALL_METHOD": "CALL", "LOAD_METHOD": "LOAD_ATTR", "LOAD_FAST_CHECK": "LOAD_FAST",
            "LOAD_FAST_BORROW": "LOAD_FAST",
            "LOAD_FAST_AND_CLEAR": "SAVE_FAST"}  # 3.12: an inlined comprehension saves its variable's outer value
_FUSED = {"LOAD_FAST_LOAD_FAST": ("LOAD_FAST", "LOAD_FAST"), "STORE_FAST_LOAD_FAST": ("STORE_FAST", "LOAD_FAST"),
          "STORE_FAST_STORE_FAST": ("STORE_FAST", "STORE_FAST"),
          "LOAD_FAST_BORROW_LOAD_FAST_BORROW": ("LOAD_FAST", "LOAD_FAST")}


def _instructions(code):
    """`code`'s instructions as (opname, argval, arg), spelled alike on Python 3.10 to 3.13: fused loads apart, calls
    as CALL n (no PRECALL or PUSH_NULL), and a cell handed to a nested function as LOAD_CLOSURE."""
    import dis

    cells = set(code.co_cellvars)
    stream = []
    for ins in dis.get_instructions(code):
        opname, argval = ins.opname, ins.argval
        if opname in _SKIPPED:
            continue
        if opname in _FUSED and isinstance(argval, tuple):
            stream += [(part, value, None) for part, value in zip(_FUSED[opname], argval)]
            continue
        opname = _RENAMED.get(opname, opname)
        if opname == "LOAD_FAST" and argval in cells:
            opname = "LOAD_CLOSURE"  # 3.13: the cell itself, for a closure (its value is read by LOAD_DEREF)
        stream.append((opname, argval, ins.arg))
    return stream


def _loads(function, name, depth=0, code=None):
    """Whether `function` loads its variable `name` other than to read only its .shape, .ndim, .dtype, .size or
    .__class__, or to pass it to a module-level function of the library (`_spread(g, x, axis, keepdims)`) that reads
    no more of it (looked into two calls deep); a nested function (a lambda, a comprehension) that captures `name`
    reads it if its own code does. `code` is the nested function's, else function's own."""
    code = function.__code__ if code is None else code
    instructions = _instructions(code)
    for i, (opname, argval, _) in enumerate(instructions):
        if opname == "LOAD_CLOSURE" or not opname.startswith("LOAD_") or opname in _NOT_A_VARIABLE:
            continue  # LOAD_CLOSURE: the cell handed to a nested function, looked into below
        if argval != name:
            continue
        following = instructions[i + 1] if i + 1 < len(instructions) else None
        if following is not None and following[0] == "LOAD_ATTR" and following[1] in _METADATA:
            continue  # x.shape: no numbers read
        if depth < 2 and _passed_on_unread(function, instructions, i, depth):
            continue
        return True
    return any(_loads(function, name, depth, nested) for nested in code.co_consts
               if hasattr(nested, "co_freevars") and name in nested.co_freevars)


def _passed_on_unread(function, instructions, i, depth):
    """Whether the load at instructions[i] is an argument of a call `helper(a, b, ...)` (every argument one load)
    of a plain function of the library whose parameter in that position it does not read (`_loads`)."""
    def simple(k):
        return 0 <= k < len(instructions) and instructions[k][0] in ("LOAD_FAST", "LOAD_CONST", "LOAD_DEREF")

    first, end = i, i + 1
    while simple(first - 1):
        first -= 1
    while simple(end):
        end += 1
    if first == 0 or end >= len(instructions):
        return False
    (callee, helper_name, _), (call, _, n_arguments) = instructions[first - 1], instructions[end]
    if callee != "LOAD_GLOBAL" or call != "CALL" or n_arguments != end - first:
        return False
    helper = getattr(function, "__globals__", {}).get(helper_name)
    code = getattr(helper, "__code__", None)
    if code is None or hasattr(helper, "__self__") or not getattr(helper, "__module__", "").startswith(
            "autograd_core") or code.co_flags & (_CO_VARARGS | 0x08):
        return False
    position = i - first
    return position < code.co_argcount and not _loads(helper, code.co_varnames[position], depth + 1)
