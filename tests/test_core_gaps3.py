"""Small gaps of the core, each against PyTorch 2.13 where it is installed:

1. The conjugate and negative bits of a 0-d Value's views, and of one element read out of a Value with a bit.
2. np.asarray of a Value with a lazy bit that requires grad: PyTorch's requires-grad error first.
3. The cast methods (cfloat, cdouble, chalf, half, bfloat16, bool, byte, char, short, int, long, float, double):
   dtypes, requires_grad and gradients (real -> complex: the real part of the result's gradient).
5. A marked leaf's array (a LeafArray: `x.requires_grad_()`) and a Parameter's (a ParameterArray), and their views:
   in-place changes through them followed by forward mode (jvp, dual numbers) and recorded in a graph as for plain
   arrays.
6. mean's rule reads only x's shape: saved-tensor hooks pack nothing for it, and x may change in place after it.
7. A write into an expand() whose written elements are distinct memory goes through to the Value expanded.
8. A dense nn.Parameter's repr is PyTorch's ("Parameter containing:" and the tensor's text).
"""

from __future__ import annotations

import numpy as np
import pytest

import autograd_core as ag


def _torch():
    return pytest.importorskip("torch")


# ----------------------------------------------------------------------------------------------------
# 1. Bits of 0-d views: (name, fn(lib, z)) where z is a Value with a bit; c is conj() of a 0-d complex Value.

ZERO_D_VIEWS = {
    "itself": lambda L, c: c,
    "detach": lambda L, c: c.detach(),
    "view_0d": lambda L, c: c.view(()),
    "view_1": lambda L, c: c.view(1),
    "reshape_1": lambda L, c: c.reshape(1),
    "none_index": lambda L, c: c[None],
    "ellipsis": lambda L, c: c[...],
    "unsqueeze": lambda L, c: c.unsqueeze(0),
    "unsqueeze_squeeze": lambda L, c: c.unsqueeze(0).squeeze(0),
    "squeeze": lambda L, c: c.squeeze(),
    "expand": lambda L, c: c.expand(3),
    "expand_as": lambda L, c: c.expand_as(L.zeros(2, 2)),
    "broadcast_to": lambda L, c: L.broadcast_to(c, (2,)),
    "flatten": lambda L, c: c.flatten(),
    "ravel": lambda L, c: c.ravel(),
    "t": lambda L, c: c.t(),
    "view_as": lambda L, c: c.view_as(c),
    "as_strided": lambda L, c: c.as_strided((2,), (0,)),
    "contiguous": lambda L, c: c.contiguous(),
    "real": lambda L, c: c.real,
    "imag": lambda L, c: c.imag,
    "imag_view": lambda L, c: c.imag.view(1),
    "real_view": lambda L, c: c.real.view(1),
    "clone": lambda L, c: c.clone(),
    "neg": lambda L, c: -c,
    "view_of_view_conj": lambda L, c: c.view(1).conj(),
    "resolve_conj_of_view": lambda L, c: c.view(1).resolve_conj(),
    # one element read out of an n-d conjugate
    "element": lambda L, c: L.tensor([[1 + 2j, 3j], [2.0, -1j]]).conj()[0, 1],
    "element_of_row": lambda L, c: L.tensor([[1 + 2j, 3j], [2.0, -1j]]).conj()[1][0],
    "element_detach": lambda L, c: L.tensor([[1 + 2j, 3j], [2.0, -1j]]).conj()[0, 1].detach(),
    "element_view": lambda L, c: L.tensor([[1 + 2j, 3j], [2.0, -1j]]).conj()[0, 1].view(1),
    "element_imag": lambda L, c: L.tensor([[1 + 2j, 3j], [2.0, -1j]]).conj()[0, 1].imag,
    "element_of_imag": lambda L, c: L.tensor([[1 + 2j, 3j], [2.0, -1j]]).conj().imag[0, 1],
    "element_of_reshape": lambda L, c: L.tensor([[1 + 2j, 3j], [2.0, -1j]]).conj().view(-1)[2],
    "element_advanced": lambda L, c: L.tensor([[1 + 2j, 3j], [2.0, -1j]]).conj()[[0], [1]],
    "element_of_sum": lambda L, c: L.tensor([[1 + 2j, 3j], [2.0, -1j]]).conj().sum(),
    "element_of_real": lambda L, c: L.tensor([1.0, 2.0]).conj()[0],
    # the negative bit of a 0-d _neg_view, and of an element of one
    "neg_view_view": lambda L, c: L._neg_view(L.tensor(1.5)).view(1),
    "neg_view_detach": lambda L, c: L._neg_view(L.tensor(1.5)).detach(),
    "neg_view_element": lambda L, c: L._neg_view(L.tensor([1.5, 2.0]))[1],
}


def _view_as_real_outcome(lib, make):
    try:
        return "ok", lib.view_as_real(make(lib)).tolist()
    except RuntimeError as error:
        return "RuntimeError", str(error)


@pytest.mark.parametrize("make", [lambda L: L.tensor(1 + 2j).conj(), lambda L: L.tensor([1 + 2j, 3j]).conj()[0],
                                  lambda L: L.tensor(1 + 2j).conj().resolve_conj()], ids=["0d", "element", "resolved"])
def test_view_as_real_of_a_0d_conjugate_matches_pytorch(make):
    torch = _torch()
    assert _view_as_real_outcome(ag, make) == _view_as_real_outcome(torch, make)


def _bits_0d(lib, name):
    c = lib.tensor(1 + 2j).conj()
    out = ZERO_D_VIEWS[name](lib, c)
    return out.is_conj(), out.is_neg()


@pytest.mark.parametrize("name", sorted(ZERO_D_VIEWS))
def test_bits_of_0d_views_match_pytorch(name):
    torch = _torch()
    assert _bits_0d(ag, name) == _bits_0d(torch, name)


def test_bits_of_0d_views_without_pytorch():
    c = ag.tensor(1 + 2j).conj()
    assert c.is_conj() and c.view(1).is_conj() and c.detach().is_conj() and c[None].expand(3).is_conj()
    assert not c.clone().is_conj() and not (c * 1).is_conj() and not c.view(1).conj().is_conj()
    assert c.imag.view(1).is_neg() and not c.real.view(1).is_neg()
    m = ag.tensor([[1 + 2j, 3j], [2.0, -1j]]).conj()
    assert m[0, 1].is_conj() and m[0, 1].view(1).is_conj() and m.imag[1, 1].is_neg() and not m.real[1, 1].is_neg()
    assert not ag.tensor([[1 + 2j, 3j]])[0, 1].is_conj()


def test_0d_conjugate_keeps_its_number_and_gradient():
    z = ag.tensor(1 + 2j, requires_grad=True)
    c = z.conj()
    assert c.item() == 1 - 2j and c.detach().resolve_conj().numpy() == 1 - 2j
    assert c.view(1).resolve_conj().tolist() == [1 - 2j]
    with pytest.raises(RuntimeError, match="conjugate bit set"):
        c.detach().view(1).numpy()
    (c.view(1).real.sum() + 3 * c[None].imag.sum()).backward()
    assert z.grad == 1 - 3j  # d(Re z̄ + 3 Im z̄) = d(Re z − 3 Im z): PyTorch's gradient 1 − 3i
    m = ag.tensor([[1 + 2j, 3j]], requires_grad=True)
    element = m.conj()[0, 1]
    assert element.is_conj()
    element.imag.backward()
    np.testing.assert_array_equal(m.grad, [[0, -1j]])  # Im z̄ = −Im z: the gradient of −y is −i, as PyTorch


# ----------------------------------------------------------------------------------------------------
# 2. np.asarray of a Value with a lazy bit that requires grad.

ASARRAY_CASES = {
    "conj": lambda L: np.asarray(L.tensor([1 + 2j], requires_grad=True).conj()),
    "conj_0d": lambda L: np.asarray(L.tensor(1 + 2j, requires_grad=True).conj()),
    "conj_dtype": lambda L: np.asarray(L.tensor([1 + 2j], requires_grad=True).conj(), dtype=complex),
    "np_array_conj": lambda L: np.array(L.tensor([1 + 2j], requires_grad=True).conj()),
    "imag_of_conj": lambda L: np.asarray(L.tensor([1 + 2j], requires_grad=True).conj().imag),
    "neg_view": lambda L: np.asarray(L._neg_view(L.tensor([1.0], requires_grad=True))),
    "numpy_conj": lambda L: L.tensor([1 + 2j], requires_grad=True).conj().numpy(),
    "conj_detached": lambda L: np.asarray(L.tensor([1 + 2j], requires_grad=True).conj().detach()),
    "neg_view_detached": lambda L: np.asarray(L._neg_view(L.tensor([1.0], requires_grad=True)).detach()),
}


def _asarray_outcome(lib, name):
    try:
        return "ok", ASARRAY_CASES[name](lib).tolist()
    except RuntimeError as error:
        return "RuntimeError", str(error)


@pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")  # PyTorch's own, for np.array
@pytest.mark.parametrize("name", sorted(ASARRAY_CASES))
def test_asarray_of_a_lazy_bit_that_requires_grad_matches_pytorch(name):
    torch = _torch()
    assert _asarray_outcome(ag, name) == _asarray_outcome(torch, name)


def test_asarray_of_a_conjugate_that_requires_grad_names_requires_grad():
    with pytest.raises(RuntimeError, match=r"^Can't call numpy\(\) on Tensor that requires grad\. Use "
                                           r"tensor\.detach\(\)\.numpy\(\) instead\.$"):
        np.asarray(ag.tensor([1 + 2j], requires_grad=True).conj())
    with pytest.raises(RuntimeError, match="conjugate bit set"):
        np.asarray(ag.tensor([1 + 2j], requires_grad=True).conj().detach())


# ----------------------------------------------------------------------------------------------------
# 3. The cast methods.

CASTS = ("cfloat", "cdouble", "half", "bool", "byte", "char", "short", "int", "long", "float", "double")
SOURCES = {"float64": [1.5, -2.0, 0.25], "complex128": [1 + 2j, -1j, 0.5], "int64": [1, 2, -3]}


def _cast_outcome(lib, source, name):
    data = np.array(SOURCES[source])
    x = lib.tensor(data, requires_grad=data.dtype.kind != "i")
    y = getattr(x, name)()
    outcome = [str(y.dtype).replace("torch.", ""), y.requires_grad, y.detach().tolist()]
    if y.requires_grad:
        weights = lib.tensor(np.array([1.0, -2.0, 3.0]), dtype=y.dtype) if y.dtype != lib.float16 else 1.0
        loss = (y * weights).real.sum() + 3 * (y * weights).imag.sum() if y.is_complex() else (y * weights).sum()
        loss.backward()
        outcome += [str(x.grad.dtype).replace("torch.", ""), np.asarray(x.grad).round(6).tolist()]
    return outcome


@pytest.mark.filterwarnings("ignore:Casting complex values to real discards the imaginary part")
@pytest.mark.parametrize("source", sorted(SOURCES))
@pytest.mark.parametrize("name", CASTS)
def test_cast_methods_match_pytorch(name, source):
    torch = _torch()
    assert _cast_outcome(ag, source, name) == _cast_outcome(torch, source, name)


def test_real_to_complex_casts_pass_the_real_part_of_the_gradient():
    for name, dtype in (("cfloat", np.complex64), ("cdouble", np.complex128)):
        x = ag.tensor([1.5, -2.0], requires_grad=True)
        y = getattr(x, name)()
        assert y.dtype == dtype and y.requires_grad and y.grad_fn is not None
        ((y * ag.tensor([1 + 1j, 2 - 3j], dtype=dtype)).real.sum() + (y * 1j).imag.sum()).backward()
        np.testing.assert_allclose(x.grad, [1 + 1, 2 + 1])  # Re((1+i)x) + Im(ix) = x + x, Re((2−3i)x) + Im(ix) = 3x
        assert x.grad.dtype == x.dtype


def test_real_to_complex_cast_passes_gradcheck():
    x = ag.tensor([0.3, -1.2], dtype=ag.float64, requires_grad=True)
    assert ag.autograd.gradcheck(lambda x: (x.cdouble() * (1 + 2j)).exp().abs(), (x,))


def test_cast_methods_take_memory_format():
    x = ag.ones(2, requires_grad=True)
    assert x.cdouble(memory_format=ag.preserve_format).dtype == ag.complex128
    assert x.half(ag.contiguous_format).dtype == ag.float16 and x.long(memory_format=None).dtype == ag.int64
    with pytest.raises(TypeError, match=r"^cfloat\(\): argument 'memory_format' must be torch.memory_format, not str$"):
        x.cfloat(memory_format="channels_last")


def test_casts_to_dtypes_numpy_lacks_say_so():
    x = ag.ones(2)
    with pytest.raises(TypeError, match="NumPy has no complex32 type.*complex64"):
        x.chalf()
    with pytest.raises(TypeError, match="NumPy has no bfloat16 type"):
        x.bfloat16()


# ----------------------------------------------------------------------------------------------------
# 5. In-place changes of arrays that are ndarray subclasses: (name, fn(lib, make)) where make(lib) gives a Value of
# ones(4) that needs no gradient and whose array is plain, a marked leaf's (LeafArray) or a Parameter's.

def _leaf(kind):
    def make(L):
        if kind == "parameter":
            return L.nn.Parameter(L.ones(4)).detach()
        x = L.ones(4)
        if kind == "marked":
            x.requires_grad_()
            return x.detach()
        return x
    return make


ARRAY_KINDS = ("plain", "marked", "parameter")


def _listed(t):
    return None if t is None else np.asarray(t.detach() if hasattr(t, "detach") else t).tolist()


def _fw(L):
    if L is ag:
        import autograd_core.autograd.forward_ad as fw
    else:
        import torch.autograd.forward_ad as fw
    return fw


def _dual_view_changed(L, make):
    fw = _fw(L)
    with fw.dual_level():
        d = fw.make_dual(make(L), L.tensor([1.0, 2, 3, 4]))
        d[1:].mul_(L.tensor([2.0, 3, 4]))  # the dual's tangent changes with its view's
        return _listed(fw.unpack_dual(d).tangent), _listed(d)


def _dual_base_changed(L, make):
    fw = _fw(L)
    with fw.dual_level():
        d = fw.make_dual(make(L), L.tensor([1.0, 2, 3, 4]))
        view = d[::2]
        d.mul_(L.tensor([2.0, 3, 4, 5]))  # a view's tangent changes with its base's
        return _listed(fw.unpack_dual(view).tangent), _listed(view)


def _jvp(L):
    return ag.jvp if L is ag else L.func.jvp


def _jvp_view_changed(L, make):
    def f(p):
        p[1:].mul_(L.tensor([2.0, 3, 4]))
        return p * 1
    value, tangent = _jvp(L)(f, (make(L),), (L.tensor([1.0, 2, 3, 4]),))
    return _listed(value), _listed(tangent)


def _jvp_base_changed(L, make):
    def f(p):
        view = p[1:]
        p.mul_(L.tensor([2.0, 3, 4, 5]))
        return view * 1
    value, tangent = _jvp(L)(f, (make(L),), (L.tensor([1.0, 2, 3, 4]),))
    return _listed(value), _listed(tangent)


def _recorded_through_view(L, make):
    x, w = make(L), L.tensor(3.0, requires_grad=True)
    view = x[1:]
    view.mul_(w)
    (x * L.tensor([1.0, 2, 3, 4])).sum().backward()
    return _listed(x), _listed(view), x.requires_grad, _listed(w.grad)


def _recorded_through_one_view_read_through_another(L, make):
    x, w = make(L).view(2, 2), L.tensor(3.0, requires_grad=True)
    row, column = x[0], x[:, 1]
    row.mul_(w)
    (column * L.tensor([1.0, 5])).sum().backward()
    return _listed(x), _listed(row), _listed(column), _listed(w.grad)


def _recorded_assignment(L, make):
    x, w = make(L), L.tensor(3.0, requires_grad=True)
    x[1:3] = w * 2
    (x * L.tensor([1.0, 2, 3, 4])).sum().backward()
    return _listed(x), _listed(w.grad)


def _recorded_through_view_of_view(L, make):
    x, w = make(L).view(2, 2), L.tensor([3.0, 4.0], requires_grad=True)
    x.t()[1].add_(w)
    (x * L.tensor([[1.0, 2], [3, 4]])).sum().backward()
    return _listed(x), _listed(w.grad)


def _recorded_on_itself_seen_by_its_source(L, make):
    source = L.ones(4)
    if make is not None:
        source = L.nn.Parameter(source) if make == "parameter" else source.requires_grad_() if make == "marked" else \
            source
    x, w = source.detach(), L.tensor(3.0, requires_grad=True)
    x.mul_(w)  # x's array is the source's: the source sees the change
    x.sum().backward()
    return _listed(source), _listed(x), _listed(w.grad)


SUBCLASS_CASES = {
    "dual_view_changed": _dual_view_changed,
    "dual_base_changed": _dual_base_changed,
    "jvp_view_changed": _jvp_view_changed,
    "jvp_base_changed": _jvp_base_changed,
    "recorded_through_view": _recorded_through_view,
    "recorded_through_one_view_read_through_another": _recorded_through_one_view_read_through_another,
    "recorded_assignment": _recorded_assignment,
    "recorded_through_view_of_view": _recorded_through_view_of_view,
}


def _subclass_outcome(lib, name, kind):
    return SUBCLASS_CASES[name](lib, _leaf(kind))


@pytest.mark.parametrize("kind", ARRAY_KINDS)
@pytest.mark.parametrize("name", sorted(SUBCLASS_CASES))
def test_in_place_changes_of_marked_leaves_and_parameters_match_pytorch(name, kind):
    torch = _torch()
    assert _subclass_outcome(ag, name, kind) == _subclass_outcome(torch, name, kind)


@pytest.mark.parametrize("kind", ARRAY_KINDS)
def test_recorded_change_of_a_detach_reaches_its_source_matches_pytorch(kind):
    torch = _torch()
    assert _recorded_on_itself_seen_by_its_source(ag, kind) == _recorded_on_itself_seen_by_its_source(torch, kind)


@pytest.mark.parametrize("kind", ARRAY_KINDS)
def test_in_place_changes_of_marked_leaves_and_parameters_without_pytorch(kind):
    make = _leaf(kind)
    assert _dual_view_changed(ag, make) == ([1.0, 4.0, 9.0, 16.0], [1.0, 2.0, 3.0, 4.0])
    assert _dual_base_changed(ag, make) == ([2.0, 12.0], [2.0, 4.0])
    assert _jvp_view_changed(ag, make) == ([1.0, 2.0, 3.0, 4.0], [1.0, 4.0, 9.0, 16.0])
    assert _jvp_base_changed(ag, make) == ([3.0, 4.0, 5.0], [6.0, 12.0, 20.0])
    assert _recorded_through_view(ag, make) == ([1.0, 3.0, 3.0, 3.0], [3.0, 3.0, 3.0], True, 9.0)
    assert _recorded_through_view_of_view(ag, make) == ([[1.0, 4.0], [1.0, 5.0]], [2.0, 4.0])
    assert _recorded_on_itself_seen_by_its_source(ag, kind) == ([3.0] * 4, [3.0] * 4, 4.0)


def test_marked_leaf_changed_through_a_view_under_no_grad_fails_the_version_check():
    x = ag.ones(4)
    x.requires_grad_()
    y = x * x
    with ag.no_grad():
        x[1:].mul_(2)
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        y.sum().backward()


@pytest.mark.parametrize("kind", ARRAY_KINDS)
def test_change_reading_its_own_view_keeps_the_old_contents_for_the_gradient(kind):
    # PyTorch raises at backward (its saved view changed); here the old contents are kept (inplace.py's "more lenient"
    # rule), for a marked leaf's or a Parameter's array as for a plain one: d/dw sum(x·sum(x_old[1:3]·w)) = 4·2
    x, w = _leaf(kind)(ag), ag.tensor(2.0, requires_grad=True)
    x.mul_((x[1:3] * w).sum())
    x.sum().backward()
    assert w.grad == 8.0 and _listed(x) == [4.0] * 4


# ----------------------------------------------------------------------------------------------------
# 6. What mean saves.

MEANS = {
    "mean": lambda x: x.mean(),
    "mean_dim": lambda x: x.mean(1),
    "mean_keepdim": lambda x: x.mean(0, keepdim=True),
    "mean_dims": lambda x: x.mean((0, 1)),
}


def _mean_then_in_place(lib, name, hooks):
    import contextlib

    x0 = lib.ones(2, 3, dtype=lib.float64, requires_grad=True)
    packed = []
    watch = lib.autograd.graph.saved_tensors_hooks(lambda t: packed.append(tuple(t.shape)) or t, lambda t: t)
    with watch if hooks else contextlib.nullcontext():
        x = x0 * 1.0
        y = MEANS[name](x)
    x.add_(1)  # PyTorch's mean saved only x's sizes
    y.sum().backward()
    return packed, np.asarray(x0.grad).round(12).tolist()


@pytest.mark.parametrize("hooks", [False, True])
@pytest.mark.parametrize("name", sorted(MEANS))
def test_mean_then_an_in_place_change_of_its_input_matches_pytorch(name, hooks):
    torch = _torch()
    assert _mean_then_in_place(ag, name, hooks) == _mean_then_in_place(torch, name, hooks)


def test_mean_reads_only_the_shape_of_its_input():
    x = ag.ones(2, 3, requires_grad=True) * 1.0
    y = x.mean()
    x.mul_(5)
    y.backward()
    packed, grad = _mean_then_in_place(ag, "mean_dim", True)
    assert packed == [] and grad == [[round(1 / 3, 12)] * 3] * 2


# ----------------------------------------------------------------------------------------------------
# 7. Writes through an expand(): (name, fn(lib) -> (the expand after the write, the Value expanded)).

def _written(expand, write):
    write(expand)
    return expand


EXPAND_WRITES = {
    "add_1x3": lambda L: (lambda b: (_written(b.expand(1, 3), lambda e: e.add_(1)), b))(L.zeros(3)),
    "mul_same_shape": lambda L: (lambda b: (_written(b.expand(3), lambda e: e.mul_(2)), b))(L.ones(3) * 1.5),
    "size1_to_size1": lambda L: (lambda b: (_written(b.expand(1, 1), lambda e: e.add_(2)), b))(L.ones(1, 1)),
    "minus_ones": lambda L: (lambda b: (_written(b.expand(-1, -1), lambda e: e.sub_(2)), b))(L.ones(2, 2)),
    "expand_as": lambda L: (lambda b: (_written(b.expand_as(L.ones(2, 2)), lambda e: e.add_(2)), b))(L.ones(2, 2)),
    "leading_ones": lambda L: (lambda b: (_written(b.expand(1, 1, 3), lambda e: e.zero_()), b))(L.ones(3)),
    "broadcast_to": lambda L: (lambda b: (_written(L.broadcast_to(b, (1, 3)), lambda e: e.add_(1)), b))(L.zeros(3)),
    "of_a_slice": lambda L: (lambda b: (_written(b[1:].expand(1, 2), lambda e: e.add_(1)), b))(L.zeros(3)),
    "copy_": lambda L: (lambda b: (_written(b.expand(1, 3), lambda e: e.copy_(L.tensor([[1.0, 2, 3]]))), b))(
        L.zeros(3)),
    "fill_": lambda L: (lambda b: (_written(b.expand(1, 3), lambda e: e.fill_(4.0)), b))(L.zeros(3)),
    "clamp_": lambda L: (lambda b: (_written(b.expand(1, 3), lambda e: e.clamp_(min=0.5)), b))(L.zeros(3)),
    "of_an_expand": lambda L: (lambda b: (_written(b.expand(1, 3).expand(1, 1, 3), lambda e: e.add_(1)), b))(
        L.zeros(3)),
    "integers": lambda L: (lambda b: (_written(b.expand(1, 3), lambda e: e.add_(1)), b))(L.zeros(3, dtype=L.int64)),
    "setitem": lambda L: (lambda b: (_written(b.expand(1, 3), lambda e: e.__setitem__((0, 1), 7.0)), b))(L.zeros(3)),
    "setitem_row_of_repeating": lambda L: (lambda b: (_written(b.expand(2, 3), lambda e: e.__setitem__(
        0, L.tensor([1.0, 2, 3]))), b))(L.zeros(3)),
    "setitem_column_of_repeating": lambda L: (lambda b: (_written(b.expand(2, 3), lambda e: e.__setitem__(
        (slice(None), 0), 5.0)), b))(L.zeros(3)),
    "add_repeating": lambda L: (lambda b: (_written(b.expand(2, 3), lambda e: e.add_(1)), b))(L.zeros(3)),
}


def _expand_write_outcome(lib, name):
    try:
        expand, base = EXPAND_WRITES[name](lib)
    except RuntimeError as error:
        return "RuntimeError", "more than one element of the written-to" in str(error)
    return _listed(expand), _listed(base)


@pytest.mark.parametrize("name", sorted(EXPAND_WRITES))
def test_writes_through_an_expand_match_pytorch(name):
    torch = _torch()
    assert _expand_write_outcome(ag, name) == _expand_write_outcome(torch, name)


def _expand_write_in_a_graph(L):
    w = L.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = w * 1
    y.expand(1, 3).mul_(L.tensor([[2.0, 3.0, 4.0]]))
    (y * L.tensor([1.0, 10.0, 100.0])).sum().backward()
    b = L.zeros(3)
    b.expand(1, 3).add_(w)  # b joins the graph, as PyTorch's CopySlices makes it
    (b * L.tensor([1.0, 10.0, 100.0])).sum().backward()
    return _listed(y), _listed(b), b.requires_grad, _listed(w.grad)


def test_writes_through_an_expand_in_a_graph_match_pytorch():
    torch = _torch()
    assert _expand_write_in_a_graph(ag) == _expand_write_in_a_graph(torch)


def test_writes_through_an_expand_without_pytorch():
    b = ag.zeros(3)
    b.expand(1, 3).add_(1)
    b.expand(3)[1] = 5.0
    assert _listed(b) == [1.0, 5.0, 1.0]
    assert _expand_write_in_a_graph(ag) == ([2.0, 6.0, 12.0], [1.0, 2.0, 3.0], True, [3.0, 40.0, 500.0])
    repeating = b.expand(2, 3)
    with pytest.raises(RuntimeError, match="more than one element of the written-to Value refers to a single memory"):
        repeating.add_(1)
    with pytest.raises(ValueError, match="read-only"):  # a refused write leaves NumPy's broadcast view read-only
        repeating.data[0, 0] = 1.0
    w = ag.tensor([1.0, 2.0], requires_grad=True)
    y = w * w
    with ag.no_grad():
        w.expand(1, 2).mul_(2)  # a change of w: its counter counts it
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        y.sum().backward()


def test_a_write_through_an_expand_of_a_0d_value_reaches_it():
    # PyTorch writes through to the 0-d tensor; here its views are kept in step with it (scalar_aliases.py)
    b = ag.tensor(1.0)
    b.expand(1).add_(1)
    assert b.item() == 2.0
    b.expand(1, 1)[0, 0] = 5.0
    assert b.item() == 5.0


# ----------------------------------------------------------------------------------------------------
# 8. A Parameter's repr.

_RNG = np.random.default_rng(3)
PARAMETER_DATA = {
    "ones": np.ones(3, np.float32),
    "matrix": _RNG.standard_normal((4, 5)).astype(np.float32),
    "float64": _RNG.standard_normal(3),
    "float16": np.arange(6, dtype=np.float16).reshape(2, 3),
    "0d": np.array(2.0, np.float32),
    "empty": np.zeros(0, np.float32),
    "empty_2d": np.zeros((2, 0), np.float32),
    "summarised": _RNG.standard_normal((100, 100)).astype(np.float32),
    "scientific": (_RNG.standard_normal((3, 4)) * 1e5).astype(np.float32),
    "3d": _RNG.standard_normal((2, 3, 4)).astype(np.float32),
    "long_row": _RNG.standard_normal((1, 30)).astype(np.float32),
    "complex64": (_RNG.standard_normal(3) + 1j * _RNG.standard_normal(3)).astype(np.complex64),
    "complex128_matrix": _RNG.standard_normal((2, 3)) + 1j * _RNG.standard_normal((2, 3)),
    "complex_summarised": (_RNG.standard_normal((40, 40)) + 1j * _RNG.standard_normal((40, 40))).astype(np.complex64),
    "complex_signs": np.array([1 + 0j, 2 - 0j, 3j, -1 - 1j], np.complex64),
    "nan_inf": np.array([1.5, np.nan, np.inf, -np.inf], np.float32),
}


@pytest.mark.parametrize("requires_grad", [True, False])
@pytest.mark.parametrize("name", sorted(PARAMETER_DATA))
def test_parameter_repr_matches_pytorch(name, requires_grad):
    torch = _torch()
    data = PARAMETER_DATA[name]
    ours = ag.nn.Parameter(ag.tensor(data), requires_grad=requires_grad)
    theirs = torch.nn.Parameter(torch.from_numpy(data.copy()), requires_grad=requires_grad)
    assert repr(ours) == repr(theirs)


def test_parameter_repr_without_pytorch():
    assert repr(ag.nn.Parameter(ag.ones(2, 2))) == ("Parameter containing:\ntensor([[1., 1.],\n        [1., 1.]], "
                                                    "requires_grad=True)")
    assert repr(ag.nn.Parameter(ag.tensor([0.5, -2.0], dtype=ag.float64), requires_grad=False)) == (
        "Parameter containing:\ntensor([ 0.5000, -2.0000], dtype=torch.float64)")
