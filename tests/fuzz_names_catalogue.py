"""The catalogue of test_grad_fn_names13.py's differential fuzzer: hypothesis draws a short program of PyTorch calls as
Python source (one line a step, each on an earlier result or a new leaf), checking each line's shapes by running it in
PyTorch as it is drawn (a line PyTorch refuses is drawn again), so that both libraries then run the same source.

Each entry takes (draw, program, x) where x is the name of a variable of the program and returns the source of an
expression (or None where it does not apply to x's shape). Shapes are small (dimensions of 1 to 4), so every
broadcast, size-1 squeeze and stride rule is reached often."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

UNARY = [
    "{x}.exp()", "{x}.tanh()", "L.sigmoid({x})", "{x}.relu()", "{x}.abs()", "-{x}", "{x} * 2", "2 - {x}", "{x} / 3",
    "{x} ** 2", "3 / (1 + {x} * {x})", "({x} * {x} + 1).sqrt()", "({x} * {x} + 1).log()", "{x}.sin()", "{x}.cos()",
    "{x}.clamp(-0.5, 0.5)", "{x}.clamp(min=0.1)", "F.gelu({x})", "F.silu({x})", "F.softplus({x})",
    "F.leaky_relu({x}, 0.1)", "F.elu({x})", "{x}.pow(3)", "L.where({x} > 0, {x}, {x} * 0.5)",
    "{x}.masked_fill({x} > 0.5, 0.5)", "{x}.square()", "F.hardtanh({x})", "{x}.clone()",
    "L.where({x} > 0, {x}, 0.0)", "{x}.sign() * {x}", "{x} + 1", "1 + {x}", "{x}.exp() - 1",
]
BINARY = [
    "{x} + {y}", "{x} - {y}", "{x} * {y}", "{x} / ({y} * {y} + 1)", "L.maximum({x}, {y})", "L.minimum({x}, {y})",
    "L.where({x} > {y}, {x}, {y})", "L.lerp({x}, {y}, 0.3)", "{x} * {y}.tanh()", "{y} + {x}", "{y} * {x}",
    "{x}.clamp(min={y})", "L.where({y} > 0, {x}, 0.0)", "{x}.masked_fill({y} > 0, 0.0)",
]


def _dim(draw, ndim):
    return draw(st.integers(-ndim, ndim - 1)) if ndim else None


def unary(draw, p, x):
    return draw(st.sampled_from(UNARY)).format(x=x)


def _broadcastable(draw, shape):
    """A shape that broadcasts with `shape` to it: some leading dimensions dropped, some of the rest made 1."""
    lead = draw(st.integers(0, len(shape)))
    return tuple(1 if draw(st.integers(0, 3)) == 0 else n for n in shape[lead:])


def _fits(shape, target):
    """Whether `shape` broadcasts to `target`."""
    try:
        return np.broadcast_shapes(shape, target) == target
    except ValueError:
        return False


def binary(draw, p, x):
    shape = p.shape(x)
    others = [v for v in p.names() if v != x and _fits(p.shape(v), shape)] if shape else []
    if others and draw(st.booleans()):
        y = draw(st.sampled_from(others))
    else:
        y = p.leaf(draw, _broadcastable(draw, shape))
    if draw(st.booleans()):
        x, y = (y, x) if _fits(p.shape(y), shape) and draw(st.booleans()) else (x, y)
    return draw(st.sampled_from(BINARY)).format(x=x, y=y)


def reduction(draw, p, x):
    ndim = len(p.shape(x))
    if not ndim:
        return draw(st.sampled_from(["{x}.sum()", "{x}.mean()", "{x}.exp().sum()"])).format(x=x)
    d = _dim(draw, ndim)
    keep = draw(st.booleans())
    return draw(st.sampled_from([
        "{x}.sum()", "{x}.sum({d})", "{x}.sum({d}, keepdim={k})", "{x}.mean({d}, keepdim={k})", "{x}.mean()",
        "{x}.amax({d}, keepdim={k})", "{x}.max({d}, keepdim={k})[0]", "{x}.max()", "{x}.min({d})[0]",
        "{x}.logsumexp({d}, keepdim={k})", "{x}.var({d}, correction=0)", "{x}.prod({d})",
        "{x}.norm()", "{x}.norm(dim={d})", "{x}.sum(({d}, {e}))", "{x}.amin({d})", "{x}.cumsum({d})",
    ])).format(x=x, d=d, k=keep, e=draw(st.integers(0, ndim - 1)))


def _factorized(draw, shape):
    """A shape of the same number of elements: its sizes' prime factors regrouped, some 1s added, maybe a -1."""
    factors = []
    for n in shape:
        while n > 1:
            f = 2 if n % 2 == 0 else 3 if n % 3 == 0 else n
            factors.append(f)
            n //= f
    factors = draw(st.permutations(factors)) if draw(st.booleans()) else factors
    out, k = [], 0
    while k < len(factors):
        take = draw(st.integers(1, max(1, len(factors) - k)))
        out.append(int(np.prod(factors[k:k + take])))
        k += take
    for _ in range(draw(st.integers(0, 1))):
        out.insert(draw(st.integers(0, len(out))), 1)
    if out and draw(st.booleans()):
        out[draw(st.integers(0, len(out) - 1))] = -1
    return tuple(out) or (1,)


def _index_item(draw, n, p):
    if n == 0:
        return draw(st.sampled_from([":", "None", "0:0"]))
    kind = draw(st.sampled_from(["int", "slice", "slice", "none", "array", "whole", "bool"]))
    if kind == "int":
        return str(draw(st.integers(-n, n - 1)))
    if kind == "slice":
        start, stop = draw(st.integers(-n, n)), draw(st.sampled_from([None, draw(st.integers(-n, n + 1))]))
        step = draw(st.sampled_from([None, 1, 2, 3]))
        return f"{start}:{'' if stop is None else stop}{'' if step is None else ':' + str(step)}"
    if kind == "none":
        return "None"
    if kind == "whole":
        return ":"
    if kind == "bool":
        return draw(st.sampled_from(["True", "False"]))
    picks = draw(st.lists(st.integers(-n, n - 1), min_size=1, max_size=4))
    if draw(st.booleans()):
        return f"L.tensor({picks})"
    mask = draw(st.lists(st.booleans(), min_size=n, max_size=n))
    return f"L.tensor({mask})"


def view(draw, p, x):
    shape = p.shape(x)
    ndim = len(shape)
    kind = draw(st.sampled_from(["reshape", "reshape", "view", "permute", "transpose", "t", "mT", "expand", "squeeze",
                                 "unsqueeze", "flatten", "narrow", "select", "index", "index", "unflatten",
                                 "movedim", "T"]))
    if kind == "reshape":
        return f"{x}.reshape{_factorized(draw, shape)}" if draw(st.booleans()) else f"{x}.reshape(-1)"
    if kind == "view":
        return f"{x}.view{_factorized(draw, shape)}"
    if kind == "permute" and ndim:
        return f"{x}.permute{tuple(draw(st.permutations(range(ndim))))}"
    if kind == "transpose" and ndim:
        return f"{x}.transpose({_dim(draw, ndim)}, {_dim(draw, ndim)})"
    if kind == "t" and ndim <= 2:
        return f"{x}.t()"
    if kind == "T" and ndim == 2:
        return f"{x}.T"
    if kind == "mT" and ndim >= 2:
        return f"{x}.mT"
    if kind == "expand":
        lead = draw(st.lists(st.integers(1, 3), max_size=2))
        sizes = [draw(st.sampled_from([n, 3, -1])) if n == 1 else draw(st.sampled_from([n, -1])) for n in shape]
        return f"{x}.expand({', '.join(map(str, lead + sizes)) or '()'})"
    if kind == "squeeze":
        return f"{x}.squeeze()" if not ndim or draw(st.booleans()) else f"{x}.squeeze({_dim(draw, ndim)})"
    if kind == "unsqueeze":
        return f"{x}.unsqueeze({draw(st.integers(-ndim - 1, ndim))})"
    if kind == "flatten":
        if ndim and draw(st.booleans()):
            a, b = sorted((draw(st.integers(0, ndim - 1)), draw(st.integers(0, ndim - 1))))
            return f"{x}.flatten({a}, {b})"
        return f"{x}.flatten()"
    if kind == "movedim" and ndim:
        return f"{x}.movedim({_dim(draw, ndim)}, {_dim(draw, ndim)})"
    if kind == "unflatten" and ndim:
        d = _dim(draw, ndim)
        return f"{x}.unflatten({d}, {_factorized(draw, (shape[d],))})"
    if kind == "narrow" and ndim:
        d = _dim(draw, ndim)
        start = draw(st.integers(0, shape[d]))
        return f"{x}.narrow({d}, {start}, {draw(st.integers(0, shape[d] - start))})"
    if kind == "select" and ndim:
        d = _dim(draw, ndim)
        return f"{x}.select({d}, {draw(st.integers(-shape[d], shape[d] - 1))})" if shape[d] else None
    if kind == "index" and ndim:
        items = [_index_item(draw, shape[min(k, ndim - 1)], p) for k in range(draw(st.integers(1, ndim)))]
        if draw(st.integers(0, 4)) == 0:
            items.insert(draw(st.integers(0, len(items))), "...")
        return f"{x}[{', '.join(items)}]"
    return None


def _matmul_other(draw, shape):
    n = shape[-1]
    m = draw(st.integers(1, 4))
    kind = draw(st.sampled_from(["vector", "matrix", "batch", "batch"]))
    if kind == "vector":
        return (n,)
    if kind == "matrix":
        return (n, m)
    batch = tuple(draw(st.lists(st.integers(1, 3), min_size=1, max_size=2)))
    if len(shape) > 2 and draw(st.booleans()):
        batch = tuple(1 if draw(st.booleans()) else b for b in shape[:-2])
    return batch + (n, m)


def product(draw, p, x):
    shape = p.shape(x)
    if not shape:
        return None
    other = p.leaf(draw, _matmul_other(draw, shape), transposed=draw(st.booleans()))
    if draw(st.integers(0, 3)) == 0 and len(p.shape(other)) >= 2:  # the other operand on the left
        return draw(st.sampled_from(["{y}.mT @ {x}.unsqueeze(-1)", "L.matmul({y}.mT, {x}.unsqueeze(-1))"])).format(
            x=x, y=other)
    if draw(st.integers(0, 3)) == 0 and len(shape) <= 2 and len(p.shape(other)) == 2:
        bias = p.leaf(draw, (p.shape(other)[1],)) if draw(st.booleans()) else "None"
        return f"F.linear({x}, {other}.mT, {bias})"
    return draw(st.sampled_from(["{x} @ {y}", "L.matmul({x}, {y})"])).format(x=x, y=other)


def join(draw, p, x):
    shape = p.shape(x)
    ndim = len(shape)
    if not ndim:
        return f"L.stack([{x}, {x} * 2])"
    d = _dim(draw, ndim)
    kind = draw(st.sampled_from(["cat", "stack", "split", "chunk", "unbind", "cat_self"]))
    if kind == "cat":
        other = list(shape)
        other[d] = draw(st.integers(1, 3))
        return f"L.cat([{x}, {p.leaf(draw, tuple(other), transposed=draw(st.booleans()))}], {d})"
    if kind == "stack":
        return f"L.stack([{x}, {p.leaf(draw, shape, transposed=draw(st.booleans()))}], {draw(st.integers(0, ndim))})"
    if kind == "split" and shape[d]:
        size = draw(st.integers(1, shape[d]))
        return f"{x}.split({size}, {d})[{draw(st.integers(0, -(-shape[d] // size) - 1))}]"
    if kind == "chunk" and shape[d]:
        return f"{x}.chunk({draw(st.integers(1, 3))}, {d})[0]"
    if kind == "unbind" and shape[d]:
        return f"{x}.unbind({d})[{draw(st.integers(0, shape[d] - 1))}]"
    return f"L.cat([{x}, {x}.exp()], {d})"


def functional(draw, p, x):
    shape = p.shape(x)
    ndim = len(shape)
    if not ndim:
        return None
    d = _dim(draw, ndim)
    return draw(st.sampled_from([
        "{x}.softmax({d})", "F.log_softmax({x}, {d})", "F.softmax({x}, dim={d})",
        "F.layer_norm({x}, {x}.shape[-1:])", "F.normalize({x}, dim={d})",
        "F.mse_loss({x}, {x}.detach() * 0 + 0.5)", "F.l1_loss({x}, {x}.detach() * 0 + 0.5, reduction='none')",
        "F.smooth_l1_loss({x}, {x}.detach() * 0.5)", "F.pad({x}, (1, 2))", "{x}.sum({d}, keepdim=True).expand_as({x})",
        "F.relu6({x})", "F.logsigmoid({x})", "F.softsign({x})", "{x}.flip({d})", "{x}.roll(1, {d})",
        "{x}.tril()" if ndim >= 2 else "{x}.cumprod({d})", "{x}.repeat({reps})", "{x}.diff(dim={d})",
    ])).format(x=x, d=d, reps=", ".join("2" if k == 0 else "1" for k in range(ndim)))


def more(draw, p, x):
    """Functions in their torch.* form, picks, sorts, in-place changes of a result, gathers."""
    shape = p.shape(x)
    ndim = len(shape)
    if not ndim:
        return draw(st.sampled_from(["(({x}) * 1).mul_(2)", "L.sum({x})", "L.squeeze({x})",
                                     "{x}.unsqueeze(0).expand(3)"])).format(x=x)
    d = _dim(draw, ndim)
    n = shape[d]
    picks = draw(st.lists(st.integers(0, max(n - 1, 0)), min_size=1, max_size=3)) if n else None
    options = [
        "L.sum({x}, {d})", "L.transpose({x}, {d}, {e})", "L.squeeze({x})", "L.flatten({x})", "L.movedim({x}, {d}, {e})",
        "L.narrow({x}, {d}, 0, 1)", "{x}.sort({d})[0]", "{x}.cummax({d})[0]", "({x} * 1).mul_(2)",
        "({x} * 1).add_({x})", "({x} * 1).clamp_(-0.5, 0.5)", "({x} * 1).tanh_()", "{x}.repeat_interleave(2, {d})",
        "{x}.view_as({x})", "{x}.reshape_as({x})", "L.atleast_2d({x})", "{x}.tile(2)", "L.diagonal({x}, 0, {d}, {e})",
        "(({x}.abs() + 1) ** {x})", "L.atan2({x}, {x} * 0 + 2)", "{x}.logcumsumexp({d})", "{x}.cumprod({d})",
    ]
    if picks:
        options += ["L.index_select({x}, {d}, L.tensor({picks}))", "{x}.topk(1, {d})[0]", "{x}.kthvalue(1, {d})[0]",
                    "{x}.gather({d}, L.zeros_like({x}, dtype=L.int64))"]
    return draw(st.sampled_from(options)).format(x=x, d=d, e=draw(st.integers(-ndim, ndim - 1)), picks=picks)


CATALOGUE = [unary, unary, binary, binary, reduction, view, view, view, product, join, functional, more]
