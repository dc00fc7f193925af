"""Views and strides, against PyTorch: the layout of each view-making operation (is_contiguous(), stride(),
storage_offset()), an in-place change through the view reaching the Value it views (no-grad Values and non-leaf
Values of a graph, recorded as PyTorch's CopySlices), and the gradients of that, first and second order.

Each view in VIEWS is made the same way on autograd_core and on PyTorch (float64) from a (2, 3, 4) Value; without
PyTorch the comparisons skip, and the gradients are checked against central differences instead. diagonal and
Tensor.unfold are views of their own primitives (ops/index.py, ops/pieces.py); the others are reshape, transpose,
basic indexing and broadcast_to. `view` raises where PyTorch's does; `contiguous()` copies where PyTorch's does.
"""

import numpy as np
import pytest

import autograd_core as ag
from autograd_core.gradcheck import gradcheck, gradgradcheck

X = np.random.default_rng(30).normal(size=(2, 3, 4))
W = np.random.default_rng(31).normal(size=(2, 3, 4))


def _torch():
    return pytest.importorskip("torch")


# name -> a view of y (2, 3, 4), made alike by autograd_core and PyTorch.
VIEWS = {
    "diagonal": lambda y: y.diagonal(),
    "diagonal-offset1-dims1,2": lambda y: y.diagonal(1, 1, 2),
    "diagonal-offset-1-dims2,0": lambda y: y.diagonal(-1, 2, 0),
    "diagonal-dims-1,-2": lambda y: y.diagonal(0, -1, -2),
    "diagonal-empty": lambda y: y.diagonal(5, 1, 2),
    "diagonal-of-transpose": lambda y: y.transpose(1, 2).diagonal(),
    "diagonal-of-slice": lambda y: y[:, 1:, ::2].diagonal(0, 1, 2),
    "unfold-step=size": lambda y: y.unfold(2, 2, 2),
    "unfold-gaps": lambda y: y.unfold(2, 1, 2),
    "unfold-size1": lambda y: y.unfold(0, 1, 1),
    "unfold-of-transpose": lambda y: y.transpose(0, 2).unfold(0, 2, 2),
    "unfold-then-select": lambda y: y.unfold(1, 2, 1)[:, :, :, 0],
    "transpose": lambda y: y.transpose(0, 2),
    "permute": lambda y: y.permute(2, 0, 1),
    "t": lambda y: y[0].t(),
    "narrow": lambda y: y.narrow(1, 1, 2),
    "narrow-last": lambda y: y.narrow(2, 0, 2),
    "select": lambda y: y.select(1, 0),
    "select-last": lambda y: y.select(2, -1),
    "unsqueeze": lambda y: y.unsqueeze(1),
    "unsqueeze-last": lambda y: y.unsqueeze(-1),
    "squeeze": lambda y: y[:, :1].squeeze(1),
    "squeeze-all": lambda y: y[:1, :, :1].squeeze(),
    "split": lambda y: y.split(2, dim=2)[1],
    "chunk": lambda y: y.chunk(3, 1)[2],
    "unbind": lambda y: y.unbind(1)[1],
    "index-int": lambda y: y[1],
    "index-slice": lambda y: y[:, 1:],
    "index-step": lambda y: y[..., ::2],
    "index-none": lambda y: y[:, None],
    "index-mixed": lambda y: y[0, :, 1],
    "view": lambda y: y.view(6, 4),
    "reshape-flat": lambda y: y.reshape(-1),
}
# Views whose elements overlap in memory: PyTorch refuses in-place changes through an expand(); through overlapping
# windows of unfold it lets them through with numbers that depend on its order of visit, which we refuse.
OVERLAPPING = {
    "expand": lambda y: y[:, :1].expand(2, 3, 4),
    "expand-new-dim": lambda y: y[0].expand(2, 3, 4),
    "unfold-overlapping": lambda y: y.unfold(1, 2, 1),
    "unfold-overlapping-last": lambda y: y.unfold(2, 3, 1),
}


def _change(v):
    """A change through a view: nonlinear, so that second derivatives see it."""
    return v.mul_(1.5).tanh_()


def _layout(v):
    return tuple(v.shape), v.is_contiguous(), tuple(v.stride()), v.storage_offset()


@pytest.mark.parametrize("name", list(VIEWS) + list(OVERLAPPING))
def test_layout_is_pytorchs(name):
    torch = _torch()
    make = {**VIEWS, **OVERLAPPING}[name]
    ours = make(ag.tensor(X.copy()))
    theirs = make(torch.tensor(X.copy()))
    assert _layout(ours) == _layout(theirs)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


@pytest.mark.parametrize("name", VIEWS)
def test_contiguous_gives_a_contiguous_copy_of_the_same_numbers(name):
    v = VIEWS[name](ag.tensor(X.copy()))
    c = v.contiguous()
    assert c.is_contiguous()
    assert (c is v) == v.is_contiguous()  # as PyTorch's: the Value itself when it is contiguous already
    np.testing.assert_array_equal(c.numpy(), v.numpy())
    if c.numel():
        expected = tuple(int(np.prod(c.shape[d + 1:])) for d in range(c.ndim))
        assert tuple(s for s, n in zip(c.stride(), c.shape) if n > 1) == tuple(
            s for s, n in zip(expected, c.shape) if n > 1)


@pytest.mark.parametrize("name", VIEWS)
def test_a_change_through_the_view_reaches_the_base_without_grad(name):
    def run(L):
        y = L.tensor(X.copy())
        v = VIEWS[name](y)
        _change(v)
        return np.array(y.tolist()), np.array(v.tolist())

    ours = run(ag)
    expected = X.copy()
    np.testing.assert_array_equal(_positions_changed(name), ours[0] != expected)  # the view's elements, only them
    torch = pytest.importorskip("torch")
    for a, b in zip(ours, run(torch)):
        np.testing.assert_allclose(a, b, rtol=1e-15, atol=0)


def _positions_changed(name):
    """Which elements of y (2, 3, 4) the view `name` holds (by marking them through an out-of-place view of a copy)."""
    marks = ag.tensor(np.zeros(X.shape))
    VIEWS[name](marks).fill_(1.0)
    return marks.numpy() == 1.0


# PyTorch refuses in-place changes of the outputs of split, chunk and unbind in a graph (functions that return several
# views), and so do we (autograd_core/multiple_views.py; tests/test_core_gaps5.py compares the words).
MULTIPLE = {"split", "chunk", "unbind"}
IN_GRAPH = [name for name in VIEWS if name not in MULTIPLE]


def _graph_program(L, x, name):
    y = x * 2
    v = VIEWS[name](y)
    _change(v)
    return y, v


@pytest.mark.parametrize("name", IN_GRAPH)
def test_a_recorded_change_through_the_view_gives_pytorchs_values_and_gradients(name):
    def run(L):
        x = L.tensor(X.copy(), requires_grad=True)
        y, v = _graph_program(L, x, name)
        ((y * L.tensor(W)).sum() + (v * v).sum()).backward()
        return np.array(y.tolist()), np.array(v.tolist()), np.array(x.grad.tolist())

    ours = run(ag)
    for a, b in zip(ours, run(_torch())):
        np.testing.assert_allclose(a, b, rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize("name", IN_GRAPH)
def test_recorded_changes_through_views_match_finite_differences(name):
    def f(x):
        y, v = _graph_program(ag, x, name)
        return (y * W).sum() + (v * v).sum()

    assert gradcheck(f, [X])
    assert gradgradcheck(f, [X])


@pytest.mark.parametrize("name", IN_GRAPH)
def test_second_derivatives_are_pytorchs(name):
    def run(L, grad):
        x = L.tensor(X.copy(), requires_grad=True)
        y, v = _graph_program(L, x, name)
        (g,) = grad((y * L.tensor(W)).sum() + (v * v).sum(), [x], create_graph=True)
        (g * g * L.tensor(W)).sum().backward()
        return np.array(x.grad.tolist())

    torch = _torch()
    np.testing.assert_allclose(run(ag, ag.autograd.grad), run(torch, torch.autograd.grad), rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("name", OVERLAPPING)
@pytest.mark.parametrize("graph", [False, True])
def test_a_change_through_overlapping_elements_raises_and_leaves_the_base(name, graph):
    x = ag.tensor(X.copy(), requires_grad=graph)
    y = x * 2 if graph else x
    before = y.detach().numpy().copy()
    with pytest.raises(RuntimeError, match="refers to a single memory location|a broadcast .expand. of another"):
        _change(OVERLAPPING[name](y))
    np.testing.assert_array_equal(y.detach().numpy(), before)


def test_pytorch_refuses_a_change_through_an_expand_and_not_through_overlapping_windows():
    """What the refusal above follows and where it differs: PyTorch's own behaviour, kept in sight."""
    torch = _torch()
    with pytest.raises(RuntimeError, match="single memory location"):
        torch.zeros(1, 4).expand(3, 4).mul_(2)
    y = torch.arange(5.0)
    y.unfold(0, 2, 1).mul_(2)  # the shared elements doubled twice: numbers its gradient does not follow
    assert y.tolist() == [0.0, 4.0, 8.0, 12.0, 8.0]


def test_disjoint_parts_of_overlapping_windows_still_change_in_place():
    def run(L):
        y = L.tensor(np.arange(6.0))
        y.unfold(0, 2, 1)[:, 0].zero_()  # the first entry of each window: each element once
        w = y.unfold(0, 3, 1)
        w[1] = 7.0  # x[i] = v writes only x[i]'s elements, which do not overlap
        w[:, 2] = -1.0
        return y.tolist()

    ours = run(ag)
    assert ours == [0.0, 7.0, -1.0, -1.0, -1.0, -1.0]
    y = ag.tensor(np.arange(6.0))
    for index in (slice(None), [0, 1]):  # elements written twice: refused, as the in-place methods
        with pytest.raises(RuntimeError, match="refers to a single memory location"):
            y.unfold(0, 3, 1)[index] = 7.0
    assert y.tolist() == list(range(6))
    assert ours == run(_torch())


@pytest.mark.parametrize("make", [lambda e: e.diagonal(), lambda e: e.unfold(1, 2, 2)], ids=["diagonal", "unfold"])
def test_a_change_through_a_view_of_an_expand_writes_the_base_as_pytorch(make):
    x = ag.tensor(np.arange(4.0).reshape(1, 4))
    make(x.expand(4, 4)).zero_()  # each element of the view is one of x's: PyTorch writes into x
    assert x.tolist() == [[0.0, 0.0, 0.0, 0.0]]


def test_fill_diagonal_idioms_change_the_matrix_as_in_pytorch():
    def run(L):
        a = L.tensor(np.arange(9.0).reshape(3, 3))
        a.diagonal().zero_()
        a.diagonal(1).add_(10)
        L.diagonal(a, -1).fill_(-1)
        b = L.tensor(np.arange(16.0).reshape(2, 2, 4))
        b.unfold(2, 2, 2).mul_(2)
        return np.array(a.tolist()), np.array(b.tolist())

    ours = run(ag)
    np.testing.assert_array_equal(ours[0], [[0, 11, 2], [-1, 0, 15], [6, -1, 0]])
    for a, b in zip(ours, run(_torch())):
        np.testing.assert_array_equal(a, b)


def test_a_view_of_a_leaf_that_requires_grad_refuses_in_place_changes_as_pytorch():
    x = ag.tensor(X.copy(), requires_grad=True)
    for make in (lambda v: v.diagonal(), lambda v: v.unfold(2, 2, 2)):
        with pytest.raises(RuntimeError, match="view of a leaf Value that requires grad"):
            make(x).zero_()
        with ag.no_grad():
            make(x).zero_()  # allowed inside no_grad, as in PyTorch
    assert not x.detach().numpy()[0].diagonal().any()
    assert x.grad is None


def test_diagonal_and_unfold_share_the_version_counter_of_their_base():
    """A change through the view makes a backward pass through a node that saved the base raise, as PyTorch's."""
    x = ag.tensor(X.copy(), requires_grad=True)
    y = x * 1
    z = y.exp()  # exp's rule reads its output, z
    with ag.no_grad():
        z.diagonal(0, 1, 2).zero_()
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        z.sum().backward()


@pytest.mark.parametrize("name", sorted(MULTIPLE))
def test_split_chunk_and_unbind_outputs_refuse_a_recorded_change_as_pytorchs(name):
    libraries = [ag]
    try:
        import torch

        libraries.append(torch)
    except ImportError:
        pass
    for L in libraries:
        x = L.tensor(X.copy(), requires_grad=True)
        with pytest.raises(RuntimeError, match="returns multiple views"):
            _graph_program(L, x, name)


@pytest.mark.parametrize("library", ["autograd_core", "torch"])
def test_diag_of_a_matrix_is_a_copy_as_in_pytorch(library):
    L = ag if library == "autograd_core" else _torch()
    a = L.tensor(np.arange(9.0).reshape(3, 3))
    d = a.diag()
    d.zero_()
    assert a.tolist()[1][1] == 4.0 and d.is_contiguous()


def test_forward_values_of_diagonal_and_unfold_are_unchanged():
    x = ag.tensor(X.copy())
    np.testing.assert_array_equal(x.diagonal(1, 1, 2).numpy(), np.diagonal(X, 1, 1, 2))
    windows = x.unfold(2, 2, 1).numpy()
    np.testing.assert_array_equal(windows, np.lib.stride_tricks.sliding_window_view(X, 2, axis=2))


# ----------------------------------------------------------------------------------------------------
# view() and contiguous()


VIEW_SHAPES = [
    ("transpose-flat", lambda y: y.transpose(0, 2), (-1,)),
    ("transpose-merge", lambda y: y.transpose(1, 2), (2, 12)),
    ("transpose-split-ok", lambda y: y.transpose(1, 2), (2, 2, 2, 3)),
    ("permute-same", lambda y: y.permute(2, 0, 1), (4, 2, 3)),
    ("step-flat", lambda y: y[..., ::2], (-1,)),
    ("step-merge-ok", lambda y: y[:, :, ::2], (6, 2)),
    ("column", lambda y: y[:, :, 0], (6,)),
    ("diagonal-flat", lambda y: y.diagonal(0, 1, 2), (6,)),
    ("expand", lambda y: y[:, :1].expand(2, 3, 4), (6, 4)),
    ("slice-rows-ok", lambda y: y[:, 1:], (2, 8)),
    ("slice-rows-flat", lambda y: y[:, 1:], (-1,)),
]


@pytest.mark.parametrize("case", VIEW_SHAPES, ids=[c[0] for c in VIEW_SHAPES])
def test_view_raises_where_pytorchs_does(case):
    _, make, shape = case

    def run(L):
        try:
            return np.array(make(L.tensor(X.copy())).view(*shape).tolist())
        except RuntimeError as err:
            assert "view size is not compatible with input tensor's size and stride" in str(err)
            assert "Use .reshape(...) instead" in str(err)
            return "raises"

    ours = run(ag)
    theirs = run(_torch())
    if isinstance(theirs, str) or isinstance(ours, str):
        assert ours == theirs
    else:
        np.testing.assert_array_equal(ours, theirs)


def test_view_shares_memory_and_reshape_or_contiguous_copy_where_view_cannot():
    y = ag.tensor(X.copy())
    t = y.transpose(1, 2)
    with pytest.raises(RuntimeError, match="view size is not compatible"):
        t.view(2, 12)
    with pytest.raises(RuntimeError, match="view size is not compatible"):
        t.view_as(ag.tensor(np.zeros((2, 12))))
    flat = t.contiguous().view(2, 12)
    np.testing.assert_array_equal(flat.numpy(), X.transpose(0, 2, 1).reshape(2, 12))
    np.testing.assert_array_equal(t.reshape(2, 12).numpy(), flat.numpy())
    y.view(-1)[0] = 100.0  # a view of a contiguous Value: the same memory
    assert y.numpy()[0, 0, 0] == 100.0
    flat[0, 0] = -5.0  # contiguous() copied: y is unchanged
    assert y.numpy()[0, 0, 0] == 100.0


def test_view_copies_a_computed_value_whose_numpy_layout_is_not_pytorchs():
    """x[:, idx] (index_select, roll along a later dimension): NumPy lays the result out column by column, PyTorch
    row by row; view works on it, as in PyTorch, with a copy. is_contiguous() says NumPy's layout."""
    y = ag.tensor(X[0].copy())
    picked = y.index_select(1, np.array([3, 0, 2]))
    assert not picked.is_contiguous()
    np.testing.assert_array_equal(picked.view(-1).numpy(), X[0][:, [3, 0, 2]].reshape(-1))
    torch = pytest.importorskip("torch")
    assert torch.tensor(X[0]).index_select(1, torch.tensor([3, 0, 2])).is_contiguous()


def test_a_computed_copy_changed_in_place_is_still_no_view():
    """roll and x[:, idx] copy (in NumPy's column-by-column layout); a change in place gives such a copy a version
    counter of its own, which does not make it a view of anything: view works on it, as PyTorch's (llama2.c's
    targets, `tokens.roll(-1, 1)` with the last column set to -1, then `targets.view(-1)`). A real view made without
    recording and changed in place still refuses a view that PyTorch refuses."""
    def run(L):
        targets = L.tensor(X[0].copy()).roll(-1, 1)
        targets[:, -1] = -1
        picked = L.tensor(X[0].copy())[:, [3, 0, 2]]
        picked.add_(1)
        return targets.view(-1).tolist(), picked.view(-1).tolist()

    ours = run(ag)
    assert ours[0] == np.concatenate([X[0][:, 1:], -np.ones((3, 1))], 1).reshape(-1).tolist()
    assert ours[1] == (X[0][:, [3, 0, 2]] + 1).reshape(-1).tolist()
    torch = _torch()
    if torch is not None:
        assert ours == run(torch)
    t = ag.tensor(X[0].copy()).t()
    t[0] = 5.0
    with pytest.raises(RuntimeError, match="view size is not compatible"):
        t.view(-1)


def test_contiguous_passes_the_gradient_through():
    assert gradcheck(lambda x: x.transpose(0, 2).contiguous().view(-1) * np.arange(24.0), [X])
    assert gradgradcheck(lambda x: (x.diagonal(0, 1, 2).contiguous() ** 2).sum(), [X])


def test_is_contiguous_of_a_new_value_and_a_memory_format():
    assert ag.tensor(X).is_contiguous() and ag.tensor(3.0).is_contiguous() and ag.tensor(np.zeros((0, 3))).t(
    ).is_contiguous()
    with pytest.raises(NotImplementedError, match="memory_format"):
        ag.tensor(X).is_contiguous(memory_format="channels_last")


@pytest.mark.parametrize("recorded", [False, True])
def test_forward_mode_follows_changes_through_diagonal_and_unfold(recorded):
    w = ag.tensor(np.full(X.shape, 2.0), requires_grad=True) if recorded else 2.0  # a graph Value, or none

    def f(x):
        y = x * w
        y.diagonal(0, 1, 2).mul_(1.5).tanh_()
        y.unfold(2, 2, 2)[..., 1].mul_(3)
        return y

    t = np.random.default_rng(1).normal(size=X.shape)
    _, tangent = ag.jvp(f, (X,), (t,))
    eps = 1e-6
    ahead, behind = (f(ag.tensor(X + s * eps * t)).detach().numpy() for s in (1, -1))
    np.testing.assert_allclose(np.asarray(tangent), (ahead - behind) / (2 * eps), atol=1e-8)


def test_every_window_size_step_and_diagonal_offset_is_pytorchs():
    """A sweep of unfold(dim, size, step) and diagonal(offset, dim1, dim2) on a (3, 5, 4) Value: shape, values,
    strides, storage offset, gradient, and the error type where PyTorch raises."""
    import itertools

    torch = _torch()
    makes = [lambda v, a=a: v.unfold(*a) for a in itertools.product([0, 1, 2, -1], [0, 1, 2, 3], [1, 2, 3, 5])]
    makes += [lambda v, a=a: v.diagonal(*a) for a in itertools.product([-6, -2, 0, 1, 4], [0, 1, -1], [0, 2, -2])]
    data = np.random.default_rng(32).normal(size=(3, 5, 4))
    for make in makes:
        results = []
        for L in (ag, torch):
            x = L.tensor(data.copy(), requires_grad=True)
            try:
                v = make(x)
            except (RuntimeError, IndexError) as err:
                results.append(type(err))
                continue
            weights = np.arange(float(np.prod(v.shape))).reshape(tuple(v.shape))
            (v * L.tensor(weights)).sum().backward()
            results.append((tuple(v.shape), np.array(v.tolist()), tuple(v.stride()), v.storage_offset(),
                            np.array(x.grad.tolist())))
        ours, theirs = results
        if isinstance(theirs, type) or isinstance(ours, type):
            assert ours == theirs
            continue
        assert ours[0] == theirs[0] and ours[2:4] == theirs[2:4]
        np.testing.assert_array_equal(ours[1], theirs[1])
        np.testing.assert_array_equal(ours[4], theirs[4])
