"""The traced graph as JSON (schema "autograd-core.graph/1", documented in docs/graph-json-schema.md).

`graph_to_dict` / `graph_from_dict` convert between a `Graph` and plain JSON types; `to_json` /
`from_json` add the text step. Arrays up to `max_values` elements are written in full (nested lists),
bigger ones as null with a min/mean/max summary. JSON has no NaN or infinity, so those are the strings
"NaN", "Infinity" and "-Infinity". JSON has no complex numbers either: a complex array is written as its real and
imaginary parts (torch.view_as_real's layout: one more axis of 2), a complex number as [re, im], and a complex
array's summary as its mean ([re, im]) and largest absolute value ("max_abs"): complex numbers have no order.
"""

from __future__ import annotations

import json
import math

import numpy as np

from .labels import operation_texts
from .graph import COLLAPSED, SCHEMA, Edge, Graph, Node, ScopeInfo, complex_summary, summary_stats, summary_table

MAX_VALUES = 4096
_NON_FINITE = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}


def _number(x):
    x = float(x)
    if math.isfinite(x):
        return x
    return "NaN" if math.isnan(x) else ("Infinity" if x > 0 else "-Infinity")


def _encode_array(x, max_values, stats):
    """(values or None, summary or None) for a node's data or grad; `stats` from `summary_table`."""
    if x is None:
        return None, None
    arr = np.asarray(x)
    if arr.dtype.kind == "c":
        return _encode_complex(arr, max_values)
    if arr.ndim == 0:
        return _number(arr), None
    summary = None
    finite = True
    if arr.size:
        lo, mean, hi = stats[id(x)] if id(x) in stats else summary_stats(arr)
        summary = {"min": _number(lo), "mean": _number(mean), "max": _number(hi)}
        finite = math.isfinite(lo) and math.isfinite(hi)  # min and max propagate NaN
    if arr.size > max_values:
        return None, summary
    if finite:
        return arr.tolist(), summary  # float32 elements become the same float64 Python floats
    return _map_nested(arr.tolist(), _number), summary


def _encode_complex(arr, max_values):
    """(values as [re, im] pairs, or None when too many; summary or None) of a complex array."""
    pairs = _map_nested(np.stack([arr.real, arr.imag], axis=-1).tolist(), _number)
    if arr.ndim == 0:
        return pairs, None
    summary = None
    if arr.size:
        mean, largest = complex_summary(arr)
        summary = {"mean": [_number(mean.real), _number(mean.imag)], "max_abs": _number(largest)}
    return (pairs if arr.size <= max_values else None), summary


def _map_nested(obj, fn):
    if isinstance(obj, list):
        return [_map_nested(o, fn) for o in obj]
    return fn(obj)


def _decode_array(obj, dtype):
    if obj is None:
        return None
    if dtype.kind == "c":  # written as [re, im] pairs (see the module's docstring)
        pairs = np.asarray(obj, dtype=np.float64)
        arr = (pairs[..., 0] + 1j * pairs[..., 1]).astype(dtype)
    else:
        arr = np.asarray(obj, dtype=dtype)  # NumPy reads the strings "NaN", "Infinity", "-Infinity" itself
    return arr[()] if arr.ndim == 0 else arr


def graph_to_dict(graph: Graph, max_values=MAX_VALUES) -> dict:
    """`graph` as a dict of JSON types (see docs/graph-json-schema.md)."""
    stats = summary_table([n.data for n in graph.nodes] + [n.grad for n in graph.nodes])
    texts = operation_texts(graph)
    nodes = []
    for n in graph.nodes:
        d = {"id": n.id, "role": n.role, "op": n.op, "label": n.label, "scope": n.scope}
        if n.id in texts:
            d["written"] = texts[n.id]
        if n.role == COLLAPSED:
            d["hidden"] = n.hidden
        else:
            data, data_summary = _encode_array(n.data, max_values, stats)
            grad, grad_summary = _encode_array(n.grad, max_values, stats)
            d.update(shape=list(n.shape), dtype=n.dtype, requires_grad=n.requires_grad, data=data, grad=grad)
            if data_summary is not None:
                d["data_summary"] = data_summary
            if grad_summary is not None:
                d["grad_summary"] = grad_summary
        nodes.append(d)
    edges = [{"src": e.src, "dst": e.dst, "index": e.index,
              "derivative": _derivative(e.derivative), "formula": e.formula}
             for e in graph.edges]
    scopes = [{"id": s.id, "name": s.name, "kind": s.kind, "parent": s.parent} for s in graph.scopes]
    return {"schema": SCHEMA, "output": graph.output, "hidden": graph.hidden,
            "nodes": nodes, "edges": edges, "scopes": scopes}


def graph_from_dict(d: dict) -> Graph:
    """The `Graph` a `graph_to_dict` result describes (arrays come back as NumPy data of their dtype;
    arrays written only as a summary come back as None)."""
    schema = d.get("schema") if isinstance(d, dict) else None
    if schema != SCHEMA:
        raise ValueError(f"graph_from_dict: expected schema {SCHEMA!r}, got {schema!r}")
    nodes = []
    for n in d["nodes"]:
        if n["role"] == COLLAPSED:
            nodes.append(Node(n["id"], COLLAPSED, n["op"], n["label"], (), "", None, None, True,
                              n["scope"], n["hidden"]))
            continue
        dtype = np.dtype(n["dtype"])
        nodes.append(Node(n["id"], n["role"], n["op"], n["label"], tuple(n["shape"]), n["dtype"],
                          _decode_array(n["data"], dtype), _decode_array(n["grad"], dtype),
                          n["requires_grad"], n["scope"]))
    edges = [Edge(e["src"], e["dst"], e["index"],
                  _read_derivative(e["derivative"]),
                  e["formula"]) for e in d["edges"]]
    scopes = [ScopeInfo(s["id"], s["name"], s["kind"], s["parent"]) for s in d["scopes"]]
    _check_references(nodes, edges, scopes, d["output"])
    return Graph(nodes, edges, scopes, d["output"], d.get("hidden", 0))


def _check_references(nodes, edges, scopes, output):
    """Refuse (ValueError, naming the first) an id that names nothing: a file edited by hand, or cut short, would
    otherwise fail later, in the middle of drawing, with a bare KeyError."""
    node_ids, scope_ids = {n.id for n in nodes}, {s.id for s in scopes}
    if output not in node_ids:
        raise ValueError(f"graph_from_dict: the output {output!r} is not a node id")
    for e in edges:
        for end in (e.src, e.dst):
            if end not in node_ids:
                raise ValueError(f"graph_from_dict: the edge {e.src} -> {e.dst} names {end!r}, which is not a node id")
    for n in nodes:
        if n.scope is not None and n.scope not in scope_ids:
            raise ValueError(f"graph_from_dict: node {n.id} is in scope {n.scope!r}, which is not a scope id")
    for s in scopes:
        if s.parent is not None and s.parent not in scope_ids:
            raise ValueError(f"graph_from_dict: scope {s.id} has the parent {s.parent!r}, which is not a scope id")


def _derivative(d):
    """An edge's derivative for JSON: null, a number, or [re, im] for a complex one."""
    if d is None:
        return None
    if isinstance(d, complex):
        return [_number(d.real), _number(d.imag)]
    return _number(d)


def _read_derivative(d):
    if d is None:
        return None
    if isinstance(d, list):
        re, im = (float(_NON_FINITE.get(part, part)) for part in d)
        return complex(re, im)
    return float(_NON_FINITE.get(d, d))


def to_json(graph: Graph, max_values=MAX_VALUES, indent=None) -> str:
    """`graph` as JSON text (strict JSON: no NaN literals)."""
    return json.dumps(graph_to_dict(graph, max_values), indent=indent, ensure_ascii=False, allow_nan=False)


def from_json(text: str) -> Graph:
    """The `Graph` that `to_json` wrote."""
    return graph_from_dict(json.loads(text))
