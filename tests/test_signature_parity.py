"""Our torch.* functions, Value methods, torch.linalg and torch.special take PyTorch's arguments: the same positional
order, PyTorch's keyword names, PyTorch's defaults.

A positional argument that lands on another parameter than in PyTorch is a silent wrong result (last stop's
`F.dropout(x, 0.5, True, False)`), a keyword of PyTorch's we do not know is a TypeError PyTorch users don't
expect. `test_signature_matches_pytorch` compares every shared name's signature with every PyTorch overload
(tests/signature_parity.py reads PyTorch's from its type stubs and docstrings); the differences we keep on
purpose are in ALLOWED with the reason. The other tests call the fixed spellings without PyTorch, and compare
their values and gradients with PyTorch's (float64) and with finite differences.
"""

from __future__ import annotations

import ast
import importlib.util
import io
import os
import pickle

import numpy as np
import pytest

import autograd_core as ag
from autograd_core.gradcheck import gradcheck

from signature_parity import compare, resolve, torch_overloads

# ------------------------------------------------------------------------------------------------------------------
# Every shared name against every PyTorch overload.

# Differences kept on purpose: {"space.name": ({kinds}, reason)}. Kinds are those of signature_parity.compare.
ALLOWED = {
    # Overloads PyTorch tells apart by the type or number of the arguments, as we do at the same position.
    "torch.max": ({"keyword"}, "max(input, other) is told from max(input, dim) by other's type; other= by keyword "
                               "is not accepted"),
    "torch.min": ({"keyword"}, "as torch.max"),
    "Tensor.max": ({"name"}, "as torch.max"),
    "Tensor.min": ({"name"}, "as torch.max"),
    "torch.arange": ({"order"}, "arange(end) is arange(start) without end: the one number is the end"),
    **{f"torch.conv{n}d": ({"default"}, "padding=0 and the overload with padding='valid' (a string) are one "
                                          "function: F's, which takes both") for n in (1, 2, 3)},
    **{f"torch.{n}": ({"default"}, "reduction left out is 0 (none): what PyTorch computes (ATen's default "
                                   "`reduction=Mean` reaches torch.* as 0), where its stubs say 1")
       for n in ("kl_div", "binary_cross_entropy_with_logits", "margin_ranking_loss", "hinge_embedding_loss",
                 "cosine_embedding_loss", "triplet_margin_loss", "ctc_loss")},
    "torch.nuclear_norm": ({"order"}, "nuclear_norm(input, keepdim) is told from nuclear_norm(input, dim, keepdim) "
                                      "by the bool at position 1"),
    "torch.view_copy": ({"keyword"}, "view_copy(input, dtype) is told from view_copy(input, size) by the type at "
                                     "position 1 (as Tensor.view); dtype= by keyword is not accepted"),
    **{f"torch.{n}": ({"name", "keyword", "order"}, "the packed overload (data, batch_sizes, hx, params, ...) is told "
                      "from the padded one (input, hx, params, ...), whose names we take, by the type of the 4th "
                      "argument (tests/test_functional_rnn.py calls both positionally against PyTorch)")
       for n in ("rnn_tanh", "rnn_relu", "lstm", "gru")},
    "torch.randint": ({"order"}, "randint(high, size) is told from randint(low, high, size) by size being a tuple"),
    "torch.randint_like": ({"order"}, "randint_like(input, high) is told from (input, low, high) by the count"),
    "Tensor.random_": ({"order"}, "random_(to) is told from random_(from_, to) by the count"),
    "torch.scatter": ({"order"}, "scatter(input, dim, index, value): a number at src's position is the value"),
    "Tensor.scatter": ({"order"}, "as torch.scatter"),
    "Tensor.scatter_": ({"order"}, "as torch.scatter"),
    "torch.repeat_interleave": ({"order"}, "repeat_interleave(repeats) alone: input is then the counts"),
    "torch.isin": ({"name", "keyword"}, "PyTorch's overloads with a number name it element or test_element; we take "
                                        "the Values' overload's names, elements and test_elements"),
    "torch.result_type": ({"name", "keyword", "order"}, "the scalar overloads' names (scalar1, scalar2) differ from "
                                                        "the tensor one's (tensor, other), which we take"),
    # The reductions' NumPy spellings: ddof and keepdims stand at unbiased's and keepdim's positions.
    "torch.var": ({"order"}, "ddof at unbiased's position: a bool there means the same (True = 1); a bool at dim's "
                             "position is unbiased (var(input, unbiased)); unbiased=None means not given (PyTorch's "
                             "default unless axis=/ddof= ask for NumPy's)"),
    "torch.std": ({"order"}, "as torch.var"),
    "Tensor.var": ({"order"}, "as torch.var"),
    "Tensor.std": ({"order"}, "as torch.var"),
    "torch.std_mean": ({"order"}, "a bool at dim's position is unbiased (std_mean(input, unbiased))"),
    "torch.var_mean": ({"order"}, "as torch.std_mean"),
    # Names that differ between PyTorch's own overloads (or its stubs and its documentation): ours is the
    # documented one.
    "torch.tensor_split": ({"keyword"}, "documented as indices_or_sections; the overloads say sections/indices"),
    "torch.hsplit": ({"keyword"}, "as torch.tensor_split"),
    "torch.vsplit": ({"keyword"}, "as torch.tensor_split"),
    "torch.dsplit": ({"keyword"}, "as torch.tensor_split"),
    "Tensor.tensor_split": ({"name"}, "as torch.tensor_split"),
    "Tensor.hsplit": ({"name"}, "as torch.tensor_split"),
    "Tensor.vsplit": ({"name"}, "as torch.tensor_split"),
    "Tensor.dsplit": ({"name"}, "as torch.tensor_split"),
    "Tensor.copy_": ({"name"}, "documented as copy_(src, non_blocking); the stubs say other"),
    "Tensor.requires_grad_": ({"name"}, "the stubs say mode; PyTorch itself accepts requires_grad= (not mode=)"),
    # NumPy's names kept where a Value stands in for an ndarray (the derivative rules run on both).
    "Tensor.swapaxes": ({"name", "order"}, "ndarray.swapaxes(axis1, axis2): the same two positions"),
    # torch.linalg's functions under their torch.* names: torch.linalg's argument name A.
    "torch.det": ({"name"}, "linalg.det(A)"),
    "torch.logdet": ({"name"}, "linalg.logdet(A)"),
    "torch.inverse": ({"name"}, "linalg.inv(A)"),
    "torch.matrix_exp": ({"name"}, "linalg.matrix_exp(A)"),
    "torch.matrix_power": ({"name"}, "linalg.matrix_power(A, n)"),
    # Defaults that mean the same.
    "torch.trapezoid": ({"default"}, "dx=None means 1 (None tells that neither x nor dx was given)"),
    "torch.trapz": ({"default"}, "as torch.trapezoid"),
    "torch.cumulative_trapezoid": ({"default"}, "as torch.trapezoid"),
    "Tensor.contiguous": ({"default"}, "memory_format is accepted and unused (NumPy arrays need no contiguity)"),
    "Tensor.is_contiguous": ({"default"}, "as Tensor.contiguous"),
    "torch.save": ({"default", "missing"}, "pickle_module and pickle_protocol are accepted and unused (nothing is "
                                           "pickled); PyTorch's private _use_new_zipfile_serialization is not taken"),
    "torch.load": ({"default"}, "always weights-only (PyTorch's default since 2.6)"),
    "torch.linspace": ({"required"}, "steps is required (PyTorch's steps=None is an error too)"),
    "torch.logspace": ({"required"}, "steps is required (PyTorch's steps=None is an error too)"),
    # PyTorch's arguments we do not have.
    "torch.mm": ({"missing"}, "out_dtype (low-precision CUDA matmuls)"),
    "torch.bmm": ({"missing"}, "as torch.mm"),
    "torch.addmm": ({"missing"}, "as torch.mm"),
    "torch.baddbmm": ({"missing"}, "as torch.mm"),
    "torch.subtract": ({"positional"}, "alpha by keyword only, as torch.sub (the positional overload is for numbers)"),
    "Tensor.subtract": ({"positional"}, "as torch.subtract"),
    "Tensor.subtract_": ({"positional"}, "as torch.subtract"),
}

REAL_PROBLEMS = {"order", "default", "positional", "keyword", "name", "missing", "required"}


def _torch_root():
    """PyTorch's package folder, without importing it (None when it is not installed or hidden)."""
    try:
        spec = importlib.util.find_spec("torch")
    except (ImportError, ValueError):
        return None
    return None if spec is None or spec.origin is None else os.path.dirname(spec.origin)


def _defined_names(path, in_class=None):
    """The names a Python file (or stub) defines at its top level (or in class `in_class`), with its __all__."""
    with open(path, encoding="utf-8") as f:
        body = ast.parse(f.read()).body
    if in_class:
        body = next(n for n in body if isinstance(n, ast.ClassDef) and n.name == in_class).body
    names = set()
    for node in body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.ImportFrom):
            names |= {a.asname or a.name for a in node.names}
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    names.add(target.id)
                    if target.id == "__all__":
                        try:
                            names |= set(ast.literal_eval(node.value))
                        except ValueError:
                            pass
    return names


def _shared_names():
    """'space.name' for each of our public callables whose name PyTorch also has, read from PyTorch's files."""
    root = _torch_root()
    if root is None:
        return [pytest.param("torch.missing", marks=pytest.mark.skip(reason="PyTorch is not installed"))]
    theirs = {
        "torch": set().union(*(_defined_names(os.path.join(root, *p)) for p in (
            ("_C", "_VariableFunctions.pyi"), ("_C", "__init__.pyi"), ("functional.py",), ("__init__.py",)))),
        "Tensor": _defined_names(os.path.join(root, "_C", "__init__.pyi"), "TensorBase")
        | _defined_names(os.path.join(root, "_tensor.py"), "Tensor"),
        "linalg": _defined_names(os.path.join(root, "linalg", "__init__.py")),
        "special": _defined_names(os.path.join(root, "special", "__init__.py")),
    }
    ours = {
        "torch": [n for n in ag.__all__ if callable(getattr(ag, n, None)) and not isinstance(getattr(ag, n), type)],
        "Tensor": [n for n in dir(ag.Value) if not n.startswith("_") and callable(getattr(ag.Value, n))
                   and not isinstance(getattr(ag.Value, n), type)],
        "linalg": [n for n in ag.linalg.__all__ if not isinstance(getattr(ag.linalg, n), type)],
        "special": list(ag.special.__all__),
    }
    return [f"{space}.{name}" for space, names in ours.items() for name in names if name in theirs[space]]


def _ours(space, name):
    owner = {"torch": ag, "Tensor": ag.Value, "linalg": ag.linalg, "special": ag.special}[space]
    return resolve(getattr(owner, name), ag.Value, method=space == "Tensor")


@pytest.mark.parametrize("qualname", _shared_names())
def test_signature_matches_pytorch(qualname):
    torch = pytest.importorskip("torch")
    space, name = qualname.split(".", 1)
    overloads = torch_overloads(torch, space, name)
    if overloads is None:
        pytest.skip(f"{qualname} is in PyTorch's files but not in its namespace")
    ours = _ours(space, name)
    assert ours is not None, f"{qualname}: our signature cannot be read"
    allowed, _reason = ALLOWED.get(qualname, (set(), ""))
    problems = sorted({(kind, text) for theirs in overloads for kind, text in compare(theirs, ours)
                       if kind in REAL_PROBLEMS and kind not in allowed})
    assert not problems, f"{qualname} differs from PyTorch's signature: {problems}"


def test_the_allow_list_names_only_real_differences():
    """An entry of ALLOWED whose difference is gone (fixed) must leave the list, so it cannot hide a new one."""
    torch = pytest.importorskip("torch")
    stale = []
    for qualname, (kinds, _reason) in ALLOWED.items():
        space, name = qualname.split(".", 1)
        overloads, ours = torch_overloads(torch, space, name), _ours(space, name)
        found = {kind for theirs in overloads or () for kind, _ in compare(theirs, ours)}
        stale += [f"{qualname}: {kind}" for kind in kinds - found]
    assert not stale, f"ALLOWED lists differences that are gone: {stale}"


def test_the_comparison_sees_a_shifted_parameter():
    """The checker itself: an extra parameter before PyTorch's is an 'order' problem, a renamed one 'keyword'."""
    torch = pytest.importorskip("torch")
    (theirs,) = torch_overloads(torch, "torch", "cumsum")[:1]

    def shifted(input, axis_first, dim, dtype=None):  # noqa: A002
        pass

    def renamed(input, axis, *, out=None):  # noqa: A002
        pass

    assert "order" in {k for k, _ in compare(theirs, resolve(shifted, ag.Value))}
    assert "keyword" in {k for k, _ in compare(theirs, resolve(renamed, ag.Value))}


# ------------------------------------------------------------------------------------------------------------------
# The fixed calls, without PyTorch.

X = np.array([[0.5, -1.25, 2.0, 0.75], [-0.3, 1.1, 0.4, -2.2], [1.7, 0.2, -0.9, 0.6]])
P = np.abs(X) + 0.5


def test_positional_reductions_keep_the_dim():
    x = ag.tensor(X)
    assert x.sum(1, True).shape == (3, 1) and ag.sum(x, 1, True).shape == (3, 1)
    assert x.mean(0, True).shape == (1, 4) and x.prod(1, True).shape == (3, 1)
    values, indices = x.max(1, True)
    assert values.shape == indices.shape == (3, 1)
    assert x.max(1).values.shape == (3,)  # keepdim False by default


def test_var_and_std_take_unbiased_by_position():
    x = ag.tensor(X)
    n = X.size
    biased, unbiased = X.var(), X.var() * n / (n - 1)
    assert np.isclose(x.var(False).item(), biased) and np.isclose(x.var(True).item(), unbiased)
    assert np.isclose(ag.std(x, False).item(), np.sqrt(biased))
    assert np.isclose(x.var(1, False)[0].item(), X[0].var())  # var(dim, unbiased)
    assert x.var(1, True, True).shape == (3, 1)  # var(dim, unbiased, keepdim)
    std, mean = ag.std_mean(x, False)
    assert np.isclose(std.item(), np.sqrt(biased)) and np.isclose(mean.item(), X.mean())
    var, _ = ag.var_mean(x)
    assert np.isclose(var.item(), unbiased)
    assert np.allclose(x.var(axis=0).data, X.var(0))  # NumPy's spelling keeps NumPy's ddof=0


def test_shapes_and_dims_by_pytorch_keywords():
    x = ag.tensor(X)
    assert x.view(size=(4, 3)).shape == (4, 3) and x.reshape(shape=(2, 6)).shape == (2, 6)
    assert ag.reshape(x, shape=(12,)).shape == (12,)
    assert x.permute(dims=(1, 0)).shape == (4, 3) and ag.permute(x, dims=(1, 0)).shape == (4, 3)
    assert np.array_equal(x.transpose(dim0=0, dim1=1).data, X.T)
    assert np.array_equal(ag.transpose(x, dim0=1, dim1=0).data, X.T)
    assert x.expand(size=(2, 3, 4)).shape == (2, 3, 4)
    assert np.array_equal(x.flip(dims=(0,)).data, X[::-1])
    assert x.repeat(repeats=(2, 1)).shape == (6, 4)
    assert [p.shape for p in x.split(split_size=3, dim=1)] == [(3, 3), (3, 1)]
    with pytest.raises(TypeError):
        x.view((4, 3), size=(4, 3))
    with pytest.raises(TypeError):
        x.transpose(dim0=0)


def test_inputs_by_pytorch_keywords():
    x, p = ag.tensor(X), ag.tensor(P)
    assert np.allclose(ag.exp(input=x).data, np.exp(X))
    assert np.allclose(ag.maximum(x, other=p).data, np.maximum(X, P))
    assert np.allclose(ag.maximum(input=x, other=p).data, np.maximum(X, P))
    assert np.allclose(ag.atan2(x, other=p).data, np.arctan2(X, P))
    assert np.allclose(x.atan2(other=p).data, np.arctan2(X, P))
    assert np.allclose(ag.clip(input=x, min=0.0).data, np.clip(X, 0, None))
    assert np.allclose(ag.special.erf(input=x).data, ag.erf(x).data)
    assert np.allclose(ag.special.expit(input=x).data, 1 / (1 + np.exp(-X)))
    assert np.allclose(ag.igamma(p, other=p).data, ag.igamma(p, p).data)
    assert np.allclose(ag.special.xlogy(p, other=p).data, P * np.log(P))
    assert np.isclose(ag.linalg.norm(input=x).item(), np.linalg.norm(X))
    assert np.allclose(ag.mm(x, mat2=p.T).data, X @ P.T) and np.allclose(x.mm(mat2=p.T).data, X @ P.T)
    assert ag.concatenate(tensors=[x, p], dim=1).shape == (3, 8)
    assert ag.result_type(tensor=x, other=1) == np.float64
    with pytest.raises(TypeError):
        ag.exp(x, input=x)


def test_dtype_converts_before_reducing():
    x = ag.tensor(X.astype(np.float32), requires_grad=True)
    total = x.sum(dim=1, dtype=ag.float64)
    assert total.dtype == np.float64 and np.allclose(total.data, X.astype(np.float32).astype(np.float64).sum(1))
    assert x.mean(dtype=ag.float64).dtype == np.float64 and x.prod(dtype=ag.float64).dtype == np.float64
    assert ag.softmax(x, dim=1, dtype=ag.float64).dtype == np.float64
    assert ag.linalg.vector_norm(x, dtype=ag.float64).dtype == np.float64
    total.sum().backward()
    assert x.grad.dtype == np.float32 and np.array_equal(x.grad, np.ones_like(X))


def test_new_tensor_takes_only_data_by_position():
    x = ag.tensor(X)
    with pytest.raises(TypeError):  # PyTorch too: requires_grad was silently 'cpu' here before
        x.new_tensor([1.0], None, "cpu")
    made = x.new_tensor([1.0, 2.0], dtype=ag.float32, device="cpu", requires_grad=True)
    assert made.dtype == np.float32 and made.requires_grad
    assert x.new_zeros(2, device="cpu").shape == (2,) and x.new_full((2,), 3.0, device="cpu").data[0] == 3.0
    with pytest.raises(RuntimeError):
        x.new_ones(2, device="cuda")


def test_in_place_methods_take_pytorch_arguments():
    x = ag.tensor(X)
    assert np.array_equal(x.clone().div_(ag.tensor(P), rounding_mode="floor").data, np.floor(X / P))
    assert np.array_equal(x.clone().div_(2.0, rounding_mode="trunc").data, np.trunc(X / 2))
    assert np.array_equal(x.clone().copy_(ag.tensor(P), True).data, P)
    drawn = ag.zeros(1000).uniform_(from_=2.0, to=3.0)
    assert 2.0 <= drawn.data.min() and drawn.data.max() < 3.0
    leaf = ag.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError):
        leaf.div_(2.0, rounding_mode="floor")  # a leaf that requires grad, outside no_grad


def test_the_rest_of_the_fixed_calls():
    x = ag.tensor(X, requires_grad=True)
    assert np.array_equal(x.numpy(force=True), X)
    seen = []
    x.register_hook(hook=lambda g: seen.append(g.shape))
    x.sum().backward()
    assert seen == [(3, 4)]
    assert np.array_equal(ag.roll(ag.tensor(X), 1, ()).data, np.roll(X, 1))
    assert np.array_equal(ag.nan_to_num(ag.tensor([np.nan, 1.0]), None).data, [0.0, 1.0])
    index = ag.tensor([[0, 1], [2, 0], [1, 1]])
    assert np.array_equal(ag.gather(ag.tensor(X), 1, index, sparse_grad=False).data,
                          np.take_along_axis(X, index.data, 1))
    assert ag.repeat_interleave(ag.tensor([2, 0, 1])).tolist() == [0, 0, 2]
    assert ag.repeat_interleave(ag.tensor(X), 2, 0, output_size=6).shape == (6, 4)
    with pytest.raises(RuntimeError, match="output_size"):
        ag.repeat_interleave(ag.tensor(X), 2, 0, output_size=5)
    assert ag.from_numpy(ndarray=X).shape == (3, 4)
    assert ag.compile(model=lambda v: v * 2)(ag.tensor([1.0])).tolist() == [2.0]
    L = np.linalg.cholesky(P[:, :3].T @ P[:, :3] + np.eye(3))
    solved = ag.cholesky_solve(input=ag.tensor(np.eye(3)), input2=ag.tensor(L))
    assert np.allclose(solved.data, np.linalg.inv(L @ L.T))
    assert np.allclose(ag.cholesky_inverse(input=ag.tensor(L)).data, np.linalg.inv(L @ L.T))


def test_save_and_load_take_pickle_module_in_its_place():
    buffer = io.BytesIO()
    ag.save({"w": ag.tensor([1.0, 2.0])}, buffer, pickle, 2)
    buffer.seek(0)
    loaded = ag.load(buffer, None, pickle)  # PyTorch's third argument; it was weights_only here
    assert np.array_equal(np.asarray(loaded["w"].data if isinstance(loaded["w"], ag.Value) else loaded["w"]),
                          [1.0, 2.0])
    with pytest.raises(TypeError, match="format"):
        ag.save({"w": ag.tensor([1.0])}, io.BytesIO(), "torch")  # no longer a format: said, not ignored


def test_random_like_factories_take_a_generator():
    x = ag.zeros(2, 3)
    for factory in (ag.randn_like, ag.rand_like):
        first = factory(x, generator=ag.Generator().manual_seed(7))
        again = factory(x, generator=ag.Generator().manual_seed(7))
        assert first.shape == (2, 3) and np.array_equal(first.data, again.data)


def test_settings_take_pytorch_names():
    before_threads, before_dtype = ag.get_num_threads(), ag.get_default_dtype()
    try:
        ag.set_num_threads(num=1)
        ag.set_default_dtype(d=ag.float64)
        assert ag.get_num_threads() == 1 and ag.get_default_dtype() == np.float64
    finally:
        ag.set_num_threads(before_threads)
        ag.set_default_dtype(before_dtype)


# ------------------------------------------------------------------------------------------------------------------
# Values and gradients of the fixed spellings: against PyTorch (float64) and finite differences.

# (label, call with the library as L and Values x and p): each differentiable in x (and p).
CALLS = [
    ("var(False)", lambda L, x, p: x.var(False)),
    ("var(dim, unbiased, keepdim)", lambda L, x, p: x.var(1, False, True)),
    ("std(False)", lambda L, x, p: L.std(x, False)),
    ("std_mean(False)", lambda L, x, p: L.std_mean(x, False)[0] + L.std_mean(x, 1)[1].sum()),
    ("sum(dim, keepdim) positional", lambda L, x, p: L.sum(x, 1, True) * p[:, :1]),
    ("max(dim, keepdim) positional", lambda L, x, p: x.max(1, True)[0] * p[:, :1]),
    ("prod(dim, keepdim) positional", lambda L, x, p: x.prod(0, True) * p[:1]),
    ("sum(dtype)", lambda L, x, p: x.sum(dim=0, dtype=L.float64) * p[0]),
    ("softmax(dtype)", lambda L, x, p: L.softmax(x, dim=1, dtype=L.float64) * p),
    ("reshape(shape=)", lambda L, x, p: x.reshape(shape=(4, 3)) @ p),
    ("transpose(dim0=, dim1=)", lambda L, x, p: x.transpose(dim0=0, dim1=1) @ p),
    ("permute(dims=)", lambda L, x, p: x.permute(dims=(1, 0)) @ p),
    ("flip(dims=)", lambda L, x, p: x.flip(dims=(0,)) * p),
    ("repeat(repeats=)", lambda L, x, p: x.repeat(repeats=(2, 1)) * L.cat([p, p])),
    ("exp(input=)", lambda L, x, p: L.exp(input=x) * p),
    ("maximum(other=)", lambda L, x, p: L.maximum(x, other=p - 1.0)),
    ("atan2(other=)", lambda L, x, p: L.atan2(x, other=p)),
    ("special.erf(input=)", lambda L, x, p: L.special.erf(input=x) * p),
    ("special.xlogy(other=)", lambda L, x, p: L.special.xlogy(x, other=p)),
    ("linalg.norm(input=)", lambda L, x, p: L.linalg.norm(input=x * p)),
    ("linalg.vector_norm(dtype)", lambda L, x, p: L.linalg.vector_norm(x, 3, 1, True, dtype=L.float64)),
    ("mm(mat2=)", lambda L, x, p: L.mm(x, mat2=p.T)),
    ("concatenate(tensors=, dim=)", lambda L, x, p: L.concatenate(tensors=[x, p], dim=1)),
    ("roll(dims=())", lambda L, x, p: L.roll(x, 1, ()) * p),
    ("repeat_interleave(output_size=)", lambda L, x, p: L.repeat_interleave(x, 2, 1, output_size=8)),
    ("cholesky_solve(input=, input2=)", lambda L, x, p: L.cholesky_solve(
        input=x, input2=L.linalg.cholesky(p[:, :3] @ p[:, :3].T + L.eye(3, dtype=L.float64)))),
]


@pytest.mark.parametrize("label, call", CALLS, ids=[c[0] for c in CALLS])
def test_fixed_calls_match_pytorch_with_gradients(label, call):
    torch = pytest.importorskip("torch")
    results = []
    for lib in (ag, torch):
        x, p = lib.tensor(X, requires_grad=True), lib.tensor(P, requires_grad=True)
        out = call(lib, x, p)
        weights = np.linspace(0.5, 1.5, int(np.prod(out.shape))).reshape(tuple(out.shape))
        (out * lib.tensor(weights)).sum().backward()  # a gradient that is not all ones
        results.append([None if v is None else np.asarray(v.detach().numpy() if lib is torch else v)
                        for v in (out if lib is torch else out.data, x.grad, p.grad)])
    for ours, theirs, what in zip(*results, ("value", "x.grad", "p.grad")):
        if ours is None or theirs is None:
            assert ours is None and theirs is None, f"{label}: {what} is None in one library only"
            continue
        assert ours.shape == theirs.shape, f"{label}: {what} shape"
        assert np.allclose(ours, theirs, rtol=1e-9, atol=1e-12), f"{label}: {what} differs from PyTorch's"


@pytest.mark.parametrize("label, call", CALLS, ids=[c[0] for c in CALLS])
def test_fixed_calls_gradcheck(label, call):
    assert gradcheck(lambda x, p: call(ag, x, p), [X, P])
