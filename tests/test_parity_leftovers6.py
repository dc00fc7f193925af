"""PyTorch-parity leftovers, round 6, each side by side with PyTorch 2.13 in float64 (these tests skip without it):

1. F.linear takes any bias that broadcasts to its output x Wᵀ (which never grows), its gradient summed over the
   broadcast axes; a vector input is one row, as PyTorch's addmm sees it. PyTorch's contiguous input of three or
   more dims takes a fused path that refuses some of these biases ((4, 1) for a (2, 4, 3) input) which it takes for a
   non-contiguous input of the same shape: we take them, with its non-contiguous numbers.
2. dim 0 and -1 of a 0-d input, as PyTorch wraps them: scatter, scatter_add, index_add/copy/fill/reduce, normalize
   and pairwise_distance take a 0-d input; roll, take_along_dim, unique and unflatten refuse a dim of one (PyTorch's
   "Dimension specified as 0 but tensor has no dimensions"); repeat_interleave, narrow, diagonal and swapaxes raise
   (or not) as PyTorch's do.
3. An empty dim, () or [], by position or keyword: every dimension for sum, mean, nansum, amax, amin, count_nonzero,
   norm and linalg.vector_norm, none for all and any; prod, max, min, softmax refuse a tuple, as PyTorch 2.13 does.
   logsumexp reduces every dimension too, where PyTorch 2.13 refuses an empty dim without keepdim=True ("output with
   shape [] doesn't match the broadcast shape [1, 1]": a bug of its, not copied). std and var reduce over everything
   as PyTorch's, but PyTorch's gradient there is ±inf (its backward counts one element); ours is the gradient of the
   value it computed.
4. Confirmed: Adagrad honours a group's own initial_accumulator_value (PyTorch's __init__ fills the state from the
   constructor's argument alone and keeps the group's key unused: kept ours); soft_margin_loss differentiates a
   target that requires grad, which PyTorch's kernel refuses (kept: Value(y) requires grad by default);
   cholesky_solve reads only the factor's triangle, forward and backward (PyTorch's backward reads the other
   triangle too: its gradient then disagrees with its own forward); std's third derivative at zero spread is
   PyTorch's (zero).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import autograd_core as ag
import autograd_core.nn.functional as F
from autograd_core import Value, nn, optim
from probe_helpers import outcome_with_gradient


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch")


def _side_by_side(torch, fn, data, gist=None):
    """fn on PyTorch's tensor and on our Value of `data` (float64, requiring grad): the same values and gradients,
    or errors of which ours is an instance of PyTorch's type and says `gist`."""
    theirs = outcome_with_gradient(fn, torch, torch.nn.functional, data)
    ours = outcome_with_gradient(fn, ag, F, data)
    assert ours[0] == theirs[0], f"PyTorch: {theirs}, ours: {ours}"
    if ours[0] == "err":
        assert isinstance(ours[1], type(theirs[1])), (ours[1], theirs[1])
        if gist is not None:
            assert gist in str(theirs[1]) and gist in str(ours[1]), (ours[1], theirs[1])
        return ours[1]
    np.testing.assert_allclose(ours[1], theirs[1], rtol=1e-12, atol=1e-14)
    assert ours[1].shape == theirs[1].shape
    assert (ours[2] is None) == (theirs[2] is None)
    if ours[2] is not None:
        np.testing.assert_allclose(ours[2], theirs[2], rtol=1e-12, atol=1e-14)
    return None


# ----------------------------------------------------------------------------------------------------
# 1. F.linear's bias.


def _linear_grads(lib, x, w, b):
    xs, ws, bs = ((lib.tensor(a, dtype=lib.float64, requires_grad=True)) for a in (x, w, b))
    y = lib.nn.functional.linear(xs, ws, bs)
    g = np.linspace(-1.0, 1.0, y.numel()).reshape(tuple(y.shape))
    y.backward(lib.tensor(g, dtype=lib.float64))
    return [np.asarray(a.detach().numpy() if hasattr(a, "numpy") else a.data) for a in (y, xs.grad, ws.grad, bs.grad)]


@pytest.mark.parametrize("x_shape, bias_shape", [
    ((4, 3), (5,)), ((4, 3), (1, 5)), ((4, 3), (4, 5)), ((4, 3), (4, 1)), ((4, 3), ()), ((4, 3), (1,)),
    ((4, 3), (1, 1)), ((2, 4, 3), (4, 5)), ((2, 4, 3), (2, 1, 5)), ((2, 4, 3), (1, 5)), ((2, 4, 3), ()),
    ((2, 3, 4, 3), (3, 1, 5)), ((2, 3, 4, 3), (2, 3, 4, 1)), ((3,), (1, 5)), ((3,), (5,)), ((3,), (1,)),
    ((0, 3), (1, 5)),
], ids=str)
def test_linear_takes_a_bias_that_broadcasts_to_its_output(torch, x_shape, bias_shape):
    rng = np.random.default_rng(0)
    x, w, b = rng.standard_normal(x_shape), rng.standard_normal((5, 3)), rng.standard_normal(bias_shape)
    for ours, theirs in zip(_linear_grads(ag, x, w, b), _linear_grads(torch, x, w, b)):
        assert ours.shape == theirs.shape
        np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-13)


@pytest.mark.parametrize("x_shape, bias_shape, gist", [
    ((4, 3), (2, 4, 5), None), ((4, 3), (4,), "must match"), ((4, 3), (3, 5), "must match"),
    ((3,), (2, 5), "doesn't match the broadcast shape [2, 5]"), ((2, 4, 3), (3, 4, 5), "must match"),
    ((2, 4, 3), (8, 5), "must match"), ((2, 1, 3), (2, 5), "doesn't match the broadcast shape [2, 2, 5]"),
], ids=str)
def test_linear_refuses_a_bias_that_would_make_its_output_larger(torch, x_shape, bias_shape, gist):
    rng = np.random.default_rng(1)
    x, w, b = rng.standard_normal(x_shape), rng.standard_normal((5, 3)), rng.standard_normal(bias_shape)
    _side_by_side(torch, lambda lib, tf, b: tf.linear(lib.tensor(x, dtype=lib.float64),
                                                      lib.tensor(w, dtype=lib.float64), b), b, gist)
    with pytest.raises(ag.ShapeError):  # (a RuntimeError, as PyTorch's, and a ValueError)
        F.linear(Value(x), Value(w), Value(b))


@pytest.mark.parametrize("bias_shape", [(4, 1), (1, 1, 5), (1, 4, 1), (2, 1, 1)], ids=str)
def test_linear_takes_the_biases_pytorch_refuses_only_on_its_fused_path(torch, bias_shape):
    rng = np.random.default_rng(2)
    x, w, b = rng.standard_normal((2, 4, 3)), rng.standard_normal((5, 3)), rng.standard_normal(bias_shape)
    with pytest.raises(RuntimeError):  # PyTorch's contiguous input: its addmm of the folded rows
        torch.nn.functional.linear(torch.tensor(x), torch.tensor(w), torch.tensor(b))
    laid_out = torch.tensor(np.ascontiguousarray(x.transpose(0, 2, 1))).transpose(1, 2)  # the same numbers
    expected = torch.nn.functional.linear(laid_out, torch.tensor(w), torch.tensor(b)).numpy()
    got = F.linear(Value(x), Value(w), Value(b))
    np.testing.assert_allclose(got.data, expected, rtol=1e-12)
    assert got.shape == (2, 4, 5)


def test_a_linear_module_whose_bias_was_replaced_broadcasts_it_as_pytorchs(torch):
    rng = np.random.default_rng(3)
    x, w, b = rng.standard_normal((4, 3)), rng.standard_normal((2, 3)), rng.standard_normal((1, 2))
    ours, theirs = nn.Linear(3, 2, dtype=ag.float64), torch.nn.Linear(3, 2, dtype=torch.float64)
    ours.weight.data, ours.bias = w.copy(), nn.Parameter(b.copy())
    theirs.weight.data, theirs.bias = torch.tensor(w), torch.nn.Parameter(torch.tensor(b))
    for batch in (x, x[0]):  # a vector: one row (PyTorch's (1, out) bias then gives (out,))
        ours.zero_grad(), theirs.zero_grad()
        y, t = ours(batch), theirs(torch.tensor(batch))
        assert y.shape == tuple(t.shape)
        (y * y).sum().backward(), (t * t).sum().backward()
        np.testing.assert_allclose(y.data, t.detach().numpy(), rtol=1e-12)
        np.testing.assert_allclose(ours.bias.grad, theirs.bias.grad.numpy(), rtol=1e-12)
        np.testing.assert_allclose(ours.weight.grad, theirs.weight.grad.numpy(), rtol=1e-12)
    ours.bias, theirs.bias = nn.Parameter(np.zeros((3, 2))), torch.nn.Parameter(torch.zeros(3, 2, dtype=torch.float64))
    with pytest.raises(RuntimeError, match="must match"):
        theirs(torch.tensor(x))
    with pytest.raises(ag.ShapeError, match="must match"):
        ours(x)


# ----------------------------------------------------------------------------------------------------
# 2. dim 0 and -1 of a 0-d input.


def _i(lib, *n):
    return lib.tensor(n[0] if len(n) == 1 and not isinstance(n[0], list) else n[0])


_ZERO_D = {
    "normalize(dim=0)": (lambda T, tf, x: tf.normalize(x, dim=0), None),
    "normalize(dim=-1, p=1)": (lambda T, tf, x: tf.normalize(x, p=1, dim=-1), None),
    "normalize(dim=1)": (lambda T, tf, x: tf.normalize(x, dim=1), "Dimension out of range"),
    "pairwise_distance": (lambda T, tf, x: tf.pairwise_distance(x, x * 2), None),
    "pairwise_distance(keepdim)": (lambda T, tf, x: tf.pairwise_distance(x, x * 3, keepdim=True), None),
    "scatter(0, src)": (lambda T, tf, x: x.scatter(0, T.tensor(0), T.tensor(2.0, dtype=T.float64)), None),
    "scatter(-1, value)": (lambda T, tf, x: x.scatter(-1, T.tensor([0]), 2.0), None),
    "scatter(1)": (lambda T, tf, x: x.scatter(1, T.tensor(0), 2.0), "Dimension out of range"),
    "scatter(index 1)": (lambda T, tf, x: x.scatter(0, T.tensor(1), 2.0), "out of bounds"),
    "scatter_add(0, src 0-d)": (lambda T, tf, x: x.scatter_add(0, T.tensor(0), x * 3), None),
    "index_fill(0)": (lambda T, tf, x: x.index_fill(0, T.tensor([0]), 2.0), None),
    "index_fill(no index)": (lambda T, tf, x: x.index_fill(0, T.tensor([], dtype=T.int64), 2.0), None),
    "index_add(0)": (lambda T, tf, x: x.index_add(0, T.tensor([0]), x * 2, alpha=3), None),
    "index_add(1-d source)": (lambda T, tf, x: x.index_add(0, T.tensor([0]), T.stack([x])), "must match self"),
    "index_copy(0)": (lambda T, tf, x: x.index_copy(0, T.tensor(0), x * 2), None),
    "index_reduce(prod)": (lambda T, tf, x: x.index_reduce(0, T.tensor([0]), x * 2, "prod"), None),
    "roll(1, 0)": (lambda T, tf, x: x.roll(1, 0), "Dimension specified as 0 but tensor has no dimensions"),
    "roll([1], [-1])": (lambda T, tf, x: x.roll([1], [-1]), "Dimension specified as -1 but tensor has no"),
    "roll(1)": (lambda T, tf, x: x.roll(1), None),
    "take_along_dim(dim=0)": (lambda T, tf, x: T.take_along_dim(x, T.tensor(0), dim=0), "has no dimensions"),
    "take_along_dim()": (lambda T, tf, x: T.take_along_dim(x, T.tensor(0)), None),
    "unflatten(0)": (lambda T, tf, x: x.unflatten(0, (1,)), "Dimension specified as 0 but tensor has no"),
    "unflatten(0, ())": (lambda T, tf, x: x.unflatten(0, ()), "sizes must be non-empty"),
    "repeat_interleave(dim=0)": (lambda T, tf, x: x.repeat_interleave(2, dim=0), "Dimension out of range"),
    "repeat_interleave(dim=-1)": (lambda T, tf, x: x.repeat_interleave(2, dim=-1), "Dimension out of range"),
    "repeat_interleave()": (lambda T, tf, x: x.repeat_interleave(2), None),
    "unique(dim=0)": (lambda T, tf, x: T.unique(x.detach(), dim=0), "Dimension specified as 0 but tensor"),
    "narrow(1)": (lambda T, tf, x: x.narrow(1, 0, 1), "narrow() cannot be applied to a 0-dim tensor"),
    "swapaxes(0, -1)": (lambda T, tf, x: x.swapaxes(0, -1), None),
    "diagonal()": (lambda T, tf, x: x.diagonal(), "Dimension out of range"),
    "diagonal of a vector": (lambda T, tf, x: T.stack([x, x]).diagonal(), "Dimension out of range"),
    "diagonal(0, 0, -1) of a vector": (lambda T, tf, x: T.stack([x, x]).diagonal(0, 0, -1), "cannot be identical"),
    "vector_norm(dim=0)": (lambda T, tf, x: T.linalg.vector_norm(x, dim=0), None),
    "vector_norm(dim=(0, 0)) of a vector": (lambda T, tf, x: T.linalg.vector_norm(T.stack([x, x]), dim=(0, 0)),
                                            "appears multiple times"),
    "vector_norm(dim=2) of a matrix": (lambda T, tf, x: T.linalg.vector_norm(x.reshape(1, 1), dim=2),
                                       "Dimension out of range"),
}


@pytest.mark.parametrize("name", list(_ZERO_D))
def test_dims_of_a_0d_input_are_pytorchs(torch, name):
    fn, gist = _ZERO_D[name]
    _side_by_side(torch, fn, 1.5, gist)


# ----------------------------------------------------------------------------------------------------
# 3. An empty dim.

def _positional(method, dims, **kw):
    return lambda T, tf, x: getattr(x, method)(dims, **kw)


def _keyword(method, dims, **kw):
    return lambda T, tf, x: getattr(x, method)(dim=dims, **kw)


_EMPTY = {}
for _method in ("sum", "mean", "nansum", "nanmean", "amax", "amin", "count_nonzero", "all", "any"):
    for _dims in ((), []):
        _EMPTY[f"{_method}({_dims!r})"] = (_positional(_method, _dims), None)
        _EMPTY[f"{_method}(dim={_dims!r})"] = (_keyword(_method, _dims), None)
for _method in ("sum", "mean", "nansum", "amax", "amin", "logsumexp", "all"):
    _EMPTY[f"{_method}((), keepdim=True)"] = (_positional(_method, (), keepdim=True), None)
for _method in ("prod", "max", "min", "softmax", "log_softmax"):
    for _dims in ((), []):
        gist = {"softmax": "must be int", "log_softmax": "must be int"}.get(_method, "invalid combination of arguments")
        _EMPTY[f"{_method}({_dims!r})"] = (_positional(_method, _dims), gist)
        _EMPTY[f"{_method}(dim={_dims!r})"] = (_keyword(_method, _dims), gist)
_EMPTY.update({
    "torch.sum(x, ())": (lambda T, tf, x: T.sum(x, ()), None),
    "torch.mean(x, dim=[], keepdim=True)": (lambda T, tf, x: T.mean(x, dim=[], keepdim=True), None),
    "x.sum(dim=(), dtype=float32)": (lambda T, tf, x: x.sum(dim=(), dtype=T.float32), None),
    "norm(2, ())": (lambda T, tf, x: x.norm(2, ()), None),
    "norm(1, dim=[])": (lambda T, tf, x: x.norm(1, dim=[]), None),
    "vector_norm(dim=())": (lambda T, tf, x: T.linalg.vector_norm(x, dim=()), None),
    "vector_norm(1, [], keepdim)": (lambda T, tf, x: T.linalg.vector_norm(x, 1, [], True), None),
    "linalg.norm(dim=())": (lambda T, tf, x: T.linalg.norm(x, dim=()), "must be of length 1 or 2"),
    "F.softmax(dim=())": (lambda T, tf, x: tf.softmax(x, ()), "must be int"),
    "F.log_softmax(dim=[])": (lambda T, tf, x: tf.log_softmax(x, dim=[]), "must be int"),
    "squeeze(())": (lambda T, tf, x: x.squeeze(()), None),
    "flip([])": (lambda T, tf, x: x.flip([]), None),
    "a 0-d input's sum(())": (lambda T, tf, x: x[0, 0].sum(()), None),
    "a 0-d input's logsumexp(())": (lambda T, tf, x: x[0, 0].logsumexp(()), None),
    "sum((0, 0))": (lambda T, tf, x: x.sum((0, 0)), "appears multiple times"),
})


@pytest.mark.parametrize("name", list(_EMPTY))
def test_an_empty_dim_is_pytorchs(torch, name):
    fn, gist = _EMPTY[name]
    _side_by_side(torch, fn, np.arange(1.0, 7.0).reshape(2, 3) / 7, gist)


@pytest.mark.parametrize("method", ["std", "var"])
@pytest.mark.parametrize("dims", [(), []], ids=str)
def test_std_and_var_over_an_empty_dim_reduce_everything_with_their_own_gradient(torch, method, dims):
    data = np.arange(1.0, 7.0).reshape(2, 3) / 7
    t = torch.tensor(data, requires_grad=True)
    getattr(t, method)(dims).backward()
    assert np.isinf(t.grad.numpy()).all()  # PyTorch's backward divides by n - 1 with n = 1 (one element)
    x = Value(data)
    for args in ((dims,), ()):  # an empty dim is every dim: the same value and gradient as no dim at all
        x.grad = None
        y = getattr(x, method)(*args)
        y.backward()
        np.testing.assert_allclose(y.data, getattr(torch.tensor(data), method)().item(), rtol=1e-12)
        if not args:
            expected = x.grad.copy()
        else:
            got = x.grad.copy()
    np.testing.assert_allclose(got, expected, rtol=1e-12)
    t = torch.tensor(data, requires_grad=True)
    getattr(t, method)().backward()
    np.testing.assert_allclose(got, t.grad.numpy(), rtol=1e-12)


_EMPTY_LOGSUMEXP = {
    "x.logsumexp(())": lambda lib, x: x.logsumexp(()),
    "x.logsumexp([])": lambda lib, x: x.logsumexp([]),
    "x.logsumexp(dim=())": lambda lib, x: x.logsumexp(dim=()),
    "torch.logsumexp(x, ())": lambda lib, x: lib.logsumexp(x, ()),
}


@pytest.mark.parametrize("call", list(_EMPTY_LOGSUMEXP))
def test_logsumexp_over_an_empty_dim_reduces_everything_where_pytorch_refuses(torch, call):
    data = np.arange(1.0, 7.0).reshape(2, 3) / 7
    t = torch.tensor(data, requires_grad=True)
    with pytest.raises(RuntimeError, match="doesn't match the broadcast shape"):  # PyTorch 2.13's bug, not copied
        _EMPTY_LOGSUMEXP[call](torch, t)
    expected = torch.logsumexp(t, (0, 1))  # every dimension, as sum(()) reduces them
    expected.backward()
    x = Value(data)
    y = _EMPTY_LOGSUMEXP[call](ag, x)
    y.backward()
    assert y.shape == ()
    np.testing.assert_allclose(y.data, expected.item(), rtol=1e-12)
    np.testing.assert_allclose(x.grad, t.grad.numpy(), rtol=1e-12)


def test_numpys_axis_of_no_dims_still_reduces_none():
    # NumPy's spelling, axis=(), is kept for code that runs on arrays and Values alike (the rules among it)
    x = Value(np.arange(6.0).reshape(2, 3))
    for y in (x.sum(axis=()), x.mean(axis=(), keepdims=True), x.logsumexp(axis=()), x.sum(axis=[])):
        assert y.shape == (2, 3)
    assert x.sum(()).shape == () and x.sum(axis=(0, 1)).shape == ()
    assert x.max(axis=(0, 1)).shape == () and x.prod(axis=(0, 1)).shape == ()  # NumPy's tuples of axes


# ----------------------------------------------------------------------------------------------------
# 4. Confirmed or fixed.


def test_adagrad_honours_a_groups_own_initial_accumulator_value_where_pytorch_ignores_it(torch):
    def run(lib, opt_module, make):
        a, b = make([1.0, 2.0]), make([3.0])
        opt = opt_module.Adagrad([{"params": [a]}, {"params": [b], "initial_accumulator_value": 5.0}], lr=0.1,
                                 initial_accumulator_value=0.5)
        (a.sum() + b.sum() * 2).backward()
        opt.step()
        return opt, np.asarray(b.detach().numpy() if hasattr(b, "numpy") else b.data)

    t_opt, t_b = run(torch, torch.optim, lambda v: torch.nn.Parameter(torch.tensor(v, dtype=torch.float64)))
    assert t_opt.param_groups[1]["initial_accumulator_value"] == 5.0  # kept in the group ...
    assert t_opt.state[t_opt.param_groups[1]["params"][0]]["sum"].tolist() == [4.5]  # ... but 0.5 + 2² was used
    o_opt, o_b = run(ag, optim, lambda v: nn.Parameter(np.array(v)))
    assert o_opt.state[o_opt.param_groups[1]["params"][0]]["sum"].tolist() == [9.0]  # 5 + 2²
    np.testing.assert_allclose(o_b, [3.0 - 0.1 * 2 / (np.sqrt(9.0) + 1e-10)], rtol=1e-12)
    np.testing.assert_allclose(t_b, [3.0 - 0.1 * 2 / (np.sqrt(4.5) + 1e-10)], rtol=1e-12)


def test_soft_margin_loss_differentiates_a_target_that_requires_grad_where_pytorch_refuses(torch):
    # Kept: Value(y) requires grad by default (micrograd's), so refusing would fail F.soft_margin_loss(Value(x),
    # Value(y)); the derivative is plain. (test_pytorch_probe_nn.py lists it among the allowed differences.)
    x, y = np.array([0.3, -1.2, 2.0]), np.array([1.0, -1.0, 0.5])
    with pytest.raises(RuntimeError, match="not differentiable with respect to argument 'target'"):
        torch.nn.functional.soft_margin_loss(torch.tensor(x), torch.tensor(y, requires_grad=True))
    target = Value(y)
    loss = nn.SoftMarginLoss()(Value(x), target)
    loss.backward()
    np.testing.assert_allclose(target.grad, -x / (1 + np.exp(y * x)) / 3, rtol=1e-12)  # −x·σ(−y·x), mean of 3
    with torch.no_grad():  # no graph to record: PyTorch computes the same loss
        expected = torch.nn.functional.soft_margin_loss(torch.tensor(x), torch.tensor(y, requires_grad=True))
    np.testing.assert_allclose(loss.data, expected.item(), rtol=1e-12)
    _side_by_side(torch, lambda T, tf, v: tf.soft_margin_loss(v, T.tensor(y, dtype=T.float64)), x)  # the input's


@pytest.mark.parametrize("upper", [False, True])
def test_cholesky_solve_reads_only_the_factors_triangle(torch, upper):
    rng = np.random.default_rng(0)
    low = np.tril(rng.standard_normal((3, 3))) + 3 * np.eye(3)
    junk = low + np.triu(rng.standard_normal((3, 3)), 1)  # the other triangle: numbers neither reads
    factor, b = (junk.T if upper else junk), rng.standard_normal((3, 2))
    keep = np.triu if upper else np.tril

    def solve(lib, f, rhs):
        fs, bs = lib.tensor(f, requires_grad=True), lib.tensor(rhs, requires_grad=True)
        x = lib.cholesky_solve(bs, fs, upper=upper)
        (x * x).sum().backward()
        return [np.asarray(a.detach().numpy() if hasattr(a, "numpy") else a.data) for a in (x, fs.grad, bs.grad)]

    ours, theirs = solve(ag, factor, b), solve(torch, factor, b)
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-12)  # the values: the triangle's alone, in both
    np.testing.assert_allclose(ours[2], theirs[2], rtol=1e-12)
    triangular_ours, triangular_theirs = solve(ag, keep(factor), b), solve(torch, keep(factor), b)
    for o, t in zip(triangular_ours, triangular_theirs):  # a triangular factor: PyTorch's gradient, all of it
        np.testing.assert_allclose(o, t, rtol=1e-12)
    np.testing.assert_allclose(ours[1], triangular_ours[1], rtol=1e-12)  # the other triangle was not read
    assert not np.allclose(theirs[1], triangular_theirs[1])  # PyTorch's backward reads it

    def loss(f):  # the forward's own derivative in the triangle read, by central differences
        x = np.linalg.solve(keep(f) @ keep(f).T if not upper else keep(f).T @ keep(f), b)
        return (x * x).sum()
    for i, j in zip(*np.nonzero(keep(np.ones((3, 3))))):
        step = np.zeros((3, 3))
        step[i, j] = 1e-6
        np.testing.assert_allclose(ours[1][i, j], (loss(factor + step) - loss(factor - step)) / 2e-6, rtol=1e-6)


@pytest.mark.parametrize("shape, dim", [((3,), None), ((2, 3), 1), ((2, 3), 0)], ids=str)
def test_std_derivatives_at_zero_spread_are_pytorchs(torch, shape, dim):
    def derivatives(lib, x):
        s = x.std() if dim is None else x.std(dim)
        out = [s]
        for _ in range(3):
            (g,) = lib.autograd.grad(out[-1].sum(), x, create_graph=True)
            out.append(g)
        return [np.asarray(a.detach().numpy() if hasattr(a, "numpy") else a.data) for a in out]

    data = np.full(shape, 2.0)
    if len(shape) == 2:
        data[0] = [1.0, 2.0, 4.0]  # one row spread, one not (dim 1); along dim 0 every column spread but one
        data[1, 0] = 1.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours = derivatives(ag, ag.tensor(data, dtype=ag.float64, requires_grad=True))
        theirs = derivatives(torch, torch.tensor(data, dtype=torch.float64, requires_grad=True))
    for o, t in zip(ours, theirs):
        np.testing.assert_allclose(o, t, rtol=1e-10, atol=1e-12)
