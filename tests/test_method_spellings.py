"""Spellings of PyTorch calls that users' code has and that failed here: `x.tile(2, 1)` (Tensor.tile takes sizes
by position), `x.new_zeros(size=...)`, `x.norm('nuc')`, `scatter(..., reduce='add'/'multiply')` (PyTorch's
deprecated spelling of scatter_reduce), and the names of torch.clamp_min / clamp_max's nodes (named twins, which the
complex gate must reach); and the words of PyTorch's errors for products that do not chain, permute and expand."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_core as ag

DATA = np.arange(24.0).reshape(2, 3, 4)


@pytest.mark.parametrize("call, shape", [
    (lambda x: x.tile(2, 1), (2, 6, 4)),
    (lambda x: x.tile((2, 1)), (2, 6, 4)),
    (lambda x: x.tile(2), (2, 3, 8)),
    (lambda x: x.tile(dims=(1, 2)), (2, 3, 8)),
    (lambda x: x.tile(2, 1, 1, 1), (2, 2, 3, 4)),
    (lambda x: ag.tile(x, (2, 1)), (2, 6, 4)),
])
def test_tile_takes_sizes_as_tensor_tile_does(call, shape):
    x = ag.tensor(DATA)
    out = call(x)
    assert out.shape == shape
    dims = {(2, 6, 4): (2, 1), (2, 3, 8): (1, 2), (2, 2, 3, 4): (2, 1, 1, 1)}[shape]
    assert np.array_equal(out.data, np.tile(DATA, dims))


def test_tile_refuses_dims_twice():
    with pytest.raises(TypeError, match="by position or as dims="):
        ag.tensor(DATA).tile(2, dims=(2,))


@pytest.mark.parametrize("method", ["new_zeros", "new_ones", "new_empty"])
def test_new_tensors_take_size_by_keyword(method):
    x = ag.tensor(DATA, dtype=ag.float64)
    for out in (getattr(x, method)(size=(2, 5)), getattr(x, method)(2, 5), getattr(x, method)((2, 5))):
        assert out.shape == (2, 5) and out.dtype == np.float64
    with pytest.raises(TypeError, match="by position or as size="):
        getattr(x, method)(2, size=(3,))


def test_nuclear_norm_of_a_matrix_and_its_gradient():
    a = np.array([[3.0, 1.0, 2.0], [0.5, -1.0, 4.0]])
    x = ag.tensor(a, requires_grad=True)
    n = x.norm("nuc")
    u, s, vt = np.linalg.svd(a, full_matrices=False)
    assert np.isclose(float(n.data), s.sum())
    n.backward()
    assert np.allclose(x.grad, u @ vt)  # d Σσ / dA = U Vᵀ for distinct nonzero singular values
    assert np.isclose(float(ag.norm(ag.tensor(a), "nuc").data), s.sum())
    batch = ag.tensor(np.stack([a, 2 * a]))
    assert np.allclose(batch.norm("nuc", dim=(1, 2)).data, [s.sum(), 2 * s.sum()])


@pytest.mark.parametrize("reduce, src_value, expected", [
    ("add", None, [12.0, 2.0, 10.0, 4.0]),
    ("multiply", None, [30.0, 2.0, 21.0, 4.0]),
    ("add", 2.0, [5.0, 2.0, 5.0, 4.0]),
    ("multiply", 2.0, [4.0, 2.0, 6.0, 4.0]),
])
def test_scatter_with_reduce_adds_or_multiplies_in(reduce, src_value, expected):
    x = ag.tensor([1.0, 2.0, 3.0, 4.0])
    index = ag.tensor([0, 0, 2])
    src = ag.tensor([5.0, 6.0, 7.0]) if src_value is None else src_value
    assert np.array_equal(x.scatter(0, index, src, reduce=reduce).data, expected)
    y = x.clone()
    assert y.scatter_(0, index, src, reduce=reduce) is y
    assert np.array_equal(y.data, expected)


def test_scatter_with_reduce_has_the_gradient_of_scatter_reduce():
    x = ag.tensor([1.0, 2.0, 3.0, 4.0], dtype=ag.float64, requires_grad=True)
    src = ag.tensor([5.0, 6.0, 7.0], dtype=ag.float64, requires_grad=True)
    index = ag.tensor([0, 0, 2])
    assert ag.autograd.gradcheck(lambda a, b: a.scatter(0, index, b, reduce="multiply"), (x, src))
    (x.scatter(0, index, src, reduce="multiply") * ag.tensor([1.0, 2.0, 3.0, 4.0], dtype=ag.float64)).sum().backward()
    assert np.allclose(x.grad, [30.0, 2.0, 21.0, 4.0])  # ∂(x₀·5·6)/∂x₀ = 30, weighted 1; x₁ and x₃ pass, x₂·7 ·3
    assert np.allclose(src.grad, [6.0, 5.0, 9.0])


def test_scatter_with_another_reduce_raises_pytorchs_error():
    with pytest.raises(RuntimeError, match="reduce argument must be either add or multiply"):
        ag.tensor([1.0, 2.0]).scatter(0, ag.tensor([0]), ag.tensor([1.0]), reduce="mean")


@pytest.mark.parametrize("call, name", [
    (lambda x, b: x.clamp_min(0.1), "ClampMinBackward0"),
    (lambda x, b: x.clamp_min(np.int64(0)), "ClampMinBackward0"),  # a NumPy number is PyTorch's Scalar too
    (lambda x, b: ag.clamp_min(x, b), "ClampMinBackward1"),
    (lambda x, b: x.clamp_max(0.1), "ClampMaxBackward0"),
    (lambda x, b: ag.clamp_max(x, b), "ClampMaxBackward1"),
    (lambda x, b: x.clamp(min=0.1), "ClampBackward1"),
    (lambda x, b: x.clamp(min=b), "ClampBackward0"),
])
def test_clamp_min_and_max_have_pytorchs_node_names(call, name):
    x = ag.tensor([-1.0, 0.0, 0.5], requires_grad=True)
    out = call(x, ag.zeros(3))
    assert type(out.grad_fn).__name__ == name
    out.sum().backward()
    assert np.array_equal(x.grad, (out.data == x.data).astype(np.float32))


def test_the_spellings_side_by_side_with_pytorch():
    torch = pytest.importorskip("torch")
    pairs = [
        (lambda t, x: x.tile(2, 1), None),
        (lambda t, x: x.new_zeros(size=(2,)), None),
        (lambda t, x: x.norm("nuc"), None),
        (lambda t, x: x.scatter(0, t.tensor([[0, 1, 0, 1]]), x[:1] * 2, reduce="add"), None),
        (lambda t, x: t.clamp_min(x, 3.0), "ClampMinBackward0"),
        (lambda t, x: t.clamp_max(x, t.zeros(4, dtype=t.float64)), "ClampMaxBackward1"),
    ]
    for call, name in pairs:
        ours = call(ag, ag.tensor(DATA[0], dtype=ag.float64, requires_grad=True))
        theirs = call(torch, torch.tensor(DATA[0], dtype=torch.float64, requires_grad=True))
        assert np.allclose(ours.detach().numpy(), theirs.detach().numpy())
        if name:
            assert type(ours.grad_fn).__name__ == type(theirs.grad_fn).__name__ == name


def test_a_named_node_made_before_the_first_complex_value_still_refuses_complex_input():
    # Primitive.named's twins are copies: the complex gate, armed when the first complex Value is made, must reach
    # the twins made before it too (in a fresh process: in this one complex Values exist already).
    import subprocess
    import sys

    program = ("import autograd_core as ag\n"
               "ag.tensor([1.0, -1.0]).clamp_min(0.0)\n"  # makes the ClampMinBackward0 twin, no complex Value yet
               "z = ag.tensor([1 + 1j])\n"
               "try:\n"
               "    z.clamp_min(0.0)\n"
               "except RuntimeError as e:\n"
               "    print('refused:', e)\n")
    result = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "refused:" in result.stdout and "complex" in result.stdout.lower()


@pytest.mark.parametrize("call, words", [
    (lambda t: t.nn.Linear(3, 2)(t.randn(4, 5)), "(4x5 and 3x2)"),
    (lambda t: t.nn.Linear(3, 2)(t.randn(2, 4, 5)), "(8x5 and 3x2)"),
    (lambda t: t.nn.Linear(3, 2)(t.randn(5)), "(1x5 and 3x2)"),
    (lambda t: t.nn.functional.linear(t.randn(4, 5), t.randn(2, 3)), "(4x5 and 3x2)"),
    (lambda t: t.randn(4, 5) @ t.randn(3, 2), "(4x5 and 3x2)"),
    (lambda t: t.randn(2, 3, 4) @ t.randn(5, 6), "(6x4 and 5x6)"),
    (lambda t: t.nn.Sequential(t.nn.Linear(4, 8), t.nn.ReLU(), t.nn.Linear(6, 2))(t.randn(3, 4)), "(3x8 and 6x2)"),
])
def test_products_that_do_not_chain_say_pytorchs_words(call, words):
    # the message every beginner searches for; ours goes on to say which layer expected which shape
    words = "mat1 and mat2 shapes cannot be multiplied " + words
    with pytest.raises(RuntimeError) as caught:
        call(ag)
    assert words in str(caught.value)
    torch = pytest.importorskip("torch")
    with pytest.raises(RuntimeError) as caught:
        call(torch)
    assert words in str(caught.value)


@pytest.mark.parametrize("call, error, words", [
    (lambda t: t.randn(2, 3).permute(1), RuntimeError, "input.dim() = 2 is not equal to len(dims) = 1"),
    (lambda t: t.randn(2, 3).permute(0, 0), RuntimeError, "duplicate dims are not allowed"),
    (lambda t: t.randn(2, 3).permute(0, 2), IndexError, "expected to be in range of [-2, 1], but got 2"),
    (lambda t: t.randn(2, 3).expand(4, 3), RuntimeError,
     "The expanded size of the tensor (4) must match the existing size (2) at non-singleton dimension 0.  Target "
     "sizes: [4, 3].  Tensor sizes: [2, 3]"),
    (lambda t: t.randn(2, 3).expand(3, -1, 2), RuntimeError,
     "The expanded size of the tensor (2) must match the existing size (3) at non-singleton dimension 2"),
    (lambda t: t.randn(2, 3).expand(-1, 2, 3), RuntimeError,
     "The expanded size of the tensor (-1) isn't allowed in a leading, non-existing dimension 0"),
])
def test_permute_and_expand_refuse_in_pytorchs_words(call, error, words):
    # NumPy's "axes don't match array" and "operands could not be broadcast together with remapped shapes" before
    with pytest.raises(error) as caught:
        call(ag)
    assert words in str(caught.value)
    torch = pytest.importorskip("torch")
    with pytest.raises(error) as caught:
        call(torch)
    assert words in str(caught.value)


@pytest.mark.parametrize("call, name", [
    (lambda x: x.kthvalue(2, 1)[0], "KthvalueBackward0"),
    (lambda x: x.kthvalue(1, 0, keepdim=True)[0], "KthvalueBackward0"),
    (lambda x: x.mode(1)[0], "ModeBackward0"),
    (lambda x: x.max(1)[0], "MaxBackward0"),
    (lambda x: x.median(1)[0], "MedianBackward1"),
    (lambda x: x.sum(1), "SumBackward1"),
    (lambda x: x.sum(), "SumBackward0"),
    (lambda x: x.mean(0), "MeanBackward1"),
])
def test_node_names_survive_a_backward_pass_that_frees_the_graph(call, name):
    # kthvalue and mode are one node each, as PyTorch's; and the name of a node whose name depends on its parameters
    # must not crash once a backward pass without retain_graph has freed them (`_Freed` has no .get)
    x = ag.tensor([[3.0, 1.0, 2.0, 1.0], [4.0, 4.0, 0.0, 1.0]], dtype=ag.float64, requires_grad=True)
    out = call(x)
    assert type(out.grad_fn).__name__ == name
    out.sum().backward()
    assert type(out.grad_fn).__name__ == name
    torch = pytest.importorskip("torch")
    theirs = call(torch.tensor(x.data, requires_grad=True))
    assert type(theirs.grad_fn).__name__ == name
    assert np.allclose(out.data, theirs.detach().numpy())
