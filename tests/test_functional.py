"""The functional API (grad, value_and_grad, jacobian, hessian, vjp, jvp) against HIPS autograd and
torch.func in float64, nesting, argnums, Hessian-vector products, and its errors."""

import numpy as np
import pytest

import autograd_core as ag
from autograd_core import Value, engine

RTOL = 1e-10
rng = np.random.default_rng(7)
X, Y = rng.standard_normal(3), rng.standard_normal(3)
M = rng.standard_normal((2, 3))


def scalar_fn(np_, x, y):
    """A scalar function of two vectors, written once for every engine (np_ supplies tanh/sin/exp)."""
    return (np_.tanh(x) * y).sum() + (x * x * y).sum() + np_.sin(x * y).sum() * np_.exp(y).sum()


def vector_fn(np_, x):
    """(2, 3) -> (2,) through matmul and softmax-like terms: x is (3,), M is a constant (2, 3)."""
    return np_.tanh(M @ x) + np_.exp(x).sum() * (M @ (x * x))


class _Ours:
    tanh, sin, exp = staticmethod(ag.tanh), staticmethod(ag.sin), staticmethod(ag.exp)


def _hips_np():
    return pytest.importorskip("autograd.numpy")


# ----------------------------------------------------------------------------------------------------
# Against HIPS autograd.


def test_grad_and_value_and_grad_match_hips():
    autograd = pytest.importorskip("autograd")
    anp = _hips_np()
    ours = ag.grad(lambda x, y: scalar_fn(_Ours, x, y), argnums=(0, 1))(X, Y)
    theirs = autograd.grad(lambda x, y: scalar_fn(anp, x, y), (0, 1))(X, Y)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=RTOL)
    value, g = ag.value_and_grad(lambda x, y: scalar_fn(_Ours, x, y), argnums=1)(X, Y)
    np.testing.assert_allclose(value, scalar_fn(np, X, Y), rtol=RTOL)
    np.testing.assert_allclose(g, theirs[1], rtol=RTOL)


def test_jacobian_and_hessian_match_hips():
    autograd = pytest.importorskip("autograd")
    anp = _hips_np()
    jac = ag.jacobian(lambda x: vector_fn(_Ours, x))(X)
    assert jac.shape == (2, 3)
    np.testing.assert_allclose(jac, autograd.jacobian(lambda x: vector_fn(anp, x))(X), rtol=RTOL)
    hess = ag.hessian(lambda x: scalar_fn(_Ours, x, ag.from_numpy(Y)))(X)
    assert hess.shape == (3, 3)
    np.testing.assert_allclose(hess, autograd.hessian(lambda x: scalar_fn(anp, x, Y))(X), rtol=RTOL)


def test_jacobian_of_matrix_function_has_out_shape_plus_in_shape():
    autograd = pytest.importorskip("autograd")
    anp = _hips_np()
    jac = ag.jacobian(lambda m: ag.tanh(m).T * 2)(M)
    assert jac.shape == (3, 2, 2, 3)
    np.testing.assert_allclose(jac, autograd.jacobian(lambda m: anp.tanh(m).T * 2)(M), rtol=RTOL)


def test_nested_jacobian_matches_hips():
    autograd = pytest.importorskip("autograd")
    anp = _hips_np()
    ours = ag.jacobian(ag.jacobian(lambda x: ag.sin(x) * x.sum()))(X)
    theirs = autograd.jacobian(autograd.jacobian(lambda x: anp.sin(x) * anp.sum(x)))(X)
    assert ours.shape == (3, 3, 3)
    np.testing.assert_allclose(ours, theirs, rtol=RTOL)


def test_hessian_vector_product_via_create_graph_matches_hips():
    autograd = pytest.importorskip("autograd")
    anp = _hips_np()
    v = rng.standard_normal(3)
    x = Value(X)
    (gx,) = engine.grad(scalar_fn(_Ours, x, ag.from_numpy(Y)), [x], create_graph=True)
    (hv,) = engine.grad((gx * v).sum(), [x])
    np.testing.assert_allclose(hv, autograd.hessian(lambda x: scalar_fn(anp, x, Y))(X) @ v, rtol=RTOL)


# ----------------------------------------------------------------------------------------------------
# Against torch.func.


def _torch_ns(torch):
    class T:
        tanh, sin, exp = torch.tanh, torch.sin, torch.exp

    return T


@pytest.mark.filterwarnings("ignore:`torch.jit.script` is deprecated:DeprecationWarning")
def test_matches_torch_func():
    # One test for all of torch.func: its first call costs seconds of set-up, paid once per worker.
    torch = pytest.importorskip("torch")
    T = _torch_ns(torch)
    tx, ty, tm = (torch.tensor(a) for a in (X, Y, M))

    def torch_vector_fn(x):
        return torch.tanh(tm @ x) + torch.exp(x).sum() * (tm @ (x * x))

    g = torch.func.grad(lambda x, y: scalar_fn(T, x, y), argnums=(0, 1))(tx, ty)
    for a, b in zip(ag.grad(lambda x, y: scalar_fn(_Ours, x, y), argnums=(0, 1))(X, Y), g):
        np.testing.assert_allclose(a, b.numpy(), rtol=RTOL)
    np.testing.assert_allclose(ag.jacobian(lambda x: vector_fn(_Ours, x))(X),
                               torch.func.jacrev(torch_vector_fn)(tx).numpy(), rtol=RTOL)
    np.testing.assert_allclose(ag.hessian(lambda x: scalar_fn(_Ours, x, ag.from_numpy(Y)))(X),
                               torch.func.hessian(lambda x: scalar_fn(T, x, ty))(tx).numpy(), rtol=RTOL)

    cotangent, tangent = rng.standard_normal(2), rng.standard_normal(3)
    out, vjp_fn = ag.vjp(lambda x: vector_fn(_Ours, x), X)
    t_out, t_vjp_fn = torch.func.vjp(torch_vector_fn, tx)
    np.testing.assert_allclose(out, t_out.numpy(), rtol=RTOL)
    np.testing.assert_allclose(vjp_fn(cotangent)[0], t_vjp_fn(torch.tensor(cotangent))[0].numpy(), rtol=RTOL)
    out, jt = ag.jvp(lambda x: vector_fn(_Ours, x), (X,), (tangent,))
    t_out, t_jt = torch.func.jvp(torch_vector_fn, (tx,), (torch.tensor(tangent),))
    np.testing.assert_allclose(out, t_out.numpy(), rtol=RTOL)
    np.testing.assert_allclose(jt, t_jt.numpy(), rtol=RTOL)


# ----------------------------------------------------------------------------------------------------
# Consistency between the transforms; nesting.


def test_jvp_equals_jacobian_times_tangent():
    tangents = (rng.standard_normal(3), rng.standard_normal(3))
    f = lambda x, y: ag.tanh(x)[:, None] * y[None, :] + x.sum() * y  # noqa: E731  (3, 3)
    _, jt = ag.jvp(f, (X, Y), tangents)
    jx, jy = ag.jacobian(f, argnums=(0, 1))(X, Y)
    np.testing.assert_allclose(jt, np.tensordot(jx, tangents[0], 1) + np.tensordot(jy, tangents[1], 1), rtol=1e-12)


def test_vjp_equals_cotangent_times_jacobian():
    cotangent = rng.standard_normal(2)
    _, vjp_fn = ag.vjp(lambda x: vector_fn(_Ours, x), X)
    (g,) = vjp_fn(cotangent)
    np.testing.assert_allclose(g, cotangent @ ag.jacobian(lambda x: vector_fn(_Ours, x))(X), rtol=1e-12)


def test_third_derivative_of_tanh():
    t = np.tanh(0.3)
    expected = -2 * (1 - t * t) * (1 - 3 * t * t)  # d³/dx³ tanh = -2 sech²x (1 - 3 tanh²x)
    assert ag.grad(ag.grad(ag.grad(ag.tanh)))(0.3) == pytest.approx(expected, rel=1e-13)


def test_fourth_derivative_of_exp_and_second_of_sin():
    assert ag.grad(ag.grad(ag.grad(ag.grad(ag.exp))))(0.7) == pytest.approx(np.exp(0.7), rel=1e-14)
    assert ag.grad(ag.grad(ag.sin))(0.7) == pytest.approx(-np.sin(0.7), rel=1e-14)


def test_grad_of_jvp_and_jacobian_of_grad():
    g = ag.grad(lambda x: ag.jvp(lambda z: (z ** 3).sum(), (x,), (np.ones(3),))[1])(X)
    np.testing.assert_allclose(g, 6 * X, rtol=1e-13)  # d/dx Σ 3x² = 6x
    np.testing.assert_allclose(ag.jacobian(ag.grad(lambda x: (x ** 3).sum()))(X), np.diag(6 * X), rtol=1e-13)


def test_transform_called_on_values_stays_differentiable():
    x = Value(np.array([0.5, 1.0]))
    g = ag.grad(lambda v: (v ** 3).sum())(x)  # a Value: 3x²
    assert isinstance(g, Value)
    g.sum().backward()
    np.testing.assert_allclose(x.grad, 6 * x.data)


# ----------------------------------------------------------------------------------------------------
# argnums, arguments and outputs.


def test_argnums_tuple_and_negative():
    f = lambda a, b, c: (a * b * c).sum()  # noqa: E731
    a, b, c = 2.0, 3.0, 5.0
    assert ag.grad(f, argnums=(0, 2))(a, b, c) == (15.0, 6.0)
    assert ag.grad(f, argnums=-1)(a, b, c) == 6.0
    jac = ag.jacobian(lambda a, b: a * b, argnums=(0,))(np.ones(2), np.full(2, 3.0))
    assert isinstance(jac, tuple) and len(jac) == 1
    np.testing.assert_allclose(jac[0], 3 * np.eye(2))


def test_keyword_arguments_pass_through():
    assert ag.grad(lambda x, scale=1.0: x * x * scale)(3.0, scale=2.0) == 12.0


def test_integer_arguments_become_float64():
    g = ag.grad(lambda x: (x * x).sum())(np.array([1, 2]))
    assert g.dtype == np.float64
    np.testing.assert_allclose(g, [2.0, 4.0])


def test_output_independent_of_the_argument_gives_zeros():
    np.testing.assert_array_equal(ag.grad(lambda x, y: (x * 2).sum(), argnums=1)(X, Y), np.zeros(3))
    assert ag.grad(lambda x: 3.0)(1.0) == 0.0
    np.testing.assert_array_equal(ag.jacobian(lambda x, y: x * 2, argnums=1)(X, Y), np.zeros((3, 3)))
    _, jt = ag.jvp(lambda x: np.ones(2), (X,), (Y,))
    np.testing.assert_array_equal(jt, np.zeros(2))


def test_results_are_numpy_at_top_level():
    value, g = ag.value_and_grad(lambda x: (x * x).sum())(X)
    assert not isinstance(value, Value) and isinstance(g, np.ndarray)
    assert isinstance(ag.jacobian(lambda x: x * 2)(X), np.ndarray)


# ----------------------------------------------------------------------------------------------------
# Errors.


def test_grad_of_non_scalar_function_raises():
    with pytest.raises(ValueError, match=r"must return a scalar, got shape \(3,\); use jacobian"):
        ag.grad(lambda x: x * 2)(X)


def test_vjp_with_wrong_cotangent_shape_raises():
    _, vjp_fn = ag.vjp(lambda x: x * 2, X)
    with pytest.raises(ValueError, match=r"cotangent of shape \(2,\) does not match output of shape \(3,\)"):
        vjp_fn(np.ones(2))


def test_jvp_argument_errors():
    with pytest.raises(ValueError, match=r"tangent of shape \(2,\) does not match primal of shape \(3,\)"):
        ag.jvp(lambda x: x * 2, (X,), (np.ones(2),))
    with pytest.raises(ValueError, match="1 primals but 0 tangents"):
        ag.jvp(lambda x: x * 2, (X,), ())


def test_argnums_out_of_range():
    with pytest.raises(ValueError, match="argnums 3 is out of range for 1 positional arguments"):
        ag.jacobian(lambda v: v * 2, argnums=3)(1.0)


def test_hessian_with_argnums_tuple_gives_blocks_as_jax_does():
    # h = Σᵢ aᵢ² bᵢ (i < 2) + Σ b³: ∂²h/∂a² = diag(2b₀, 2b₁), ∂²h/∂a∂b = [2aᵢ δᵢⱼ], ∂²h/∂b² = diag(6b)
    def h(a, b):
        return (a * a * b[:2]).sum() + (b ** 3).sum()

    a, b = np.array([1.0, 2.0]), np.array([3.0, 4.0, 5.0])
    (haa, hab), (hba, hbb) = ag.hessian(h, argnums=(0, 1))(a, b)
    np.testing.assert_allclose(haa, np.diag(2 * b[:2]))
    np.testing.assert_allclose(hab, [[2.0, 0.0, 0.0], [0.0, 4.0, 0.0]])
    np.testing.assert_allclose(hba, hab.T)
    np.testing.assert_allclose(hbb, np.diag(6 * b))
    ((only,),) = ag.hessian(h, argnums=(1,))(a, b)
    np.testing.assert_allclose(only, hbb)
    (blocks, aux) = ag.hessian(lambda a, b: (h(a, b), "aux"), argnums=(0, 1), has_aux=True)(a, b)
    assert aux == "aux"
    np.testing.assert_allclose(blocks[0][1], hab)


@pytest.mark.parametrize("transform", ["jacfwd", "jacrev", "jacobian"])
def test_jacobians_of_a_function_with_several_outputs(transform):
    """A tuple (or list) of outputs gives one Jacobian per output, in the same container (JAX's nesting:
    jac[output][argument] with a tuple of argnums)."""
    jac = getattr(ag, transform)
    a, b = np.array([1.0, 2.0]), np.array([3.0, 4.0, 5.0])
    square, total = jac(lambda v: (v * v, v.sum()))(a)
    np.testing.assert_allclose(square, np.diag(2 * a))
    np.testing.assert_allclose(total, [1.0, 1.0])
    result = jac(lambda u, v: [u.sum() * v, (u * u).sum()], argnums=(0, 1))(a, b)
    assert isinstance(result, list) and [[np.shape(j) for j in row] for row in result] == [[(3, 2), (3, 3)],
                                                                                          [(2,), (3,)]]
    np.testing.assert_allclose(result[0][0], np.outer(b, np.ones(2)))
    np.testing.assert_allclose(result[0][1], a.sum() * np.eye(3))
    np.testing.assert_allclose(result[1][0], 2 * a)
    np.testing.assert_allclose(result[1][1], np.zeros(3))
    # inside another transform the Jacobians are Values that differentiate further
    np.testing.assert_allclose(ag.grad(lambda v: jac(lambda w: (w * w * w, w.sum()))(v)[0].sum())(a), 6 * a)


def test_function_returning_non_numeric_raises():
    with pytest.raises(TypeError, match="must return a Value or numeric data, got list"):
        ag.grad(lambda x: [x])(1.0)


def test_function_without_arguments_raises():
    with pytest.raises(TypeError, match="at least one positional argument"):
        ag.grad(lambda: Value(1.0))()


# has_aux (JAX's and torch.func's): f returns (output, aux); every transform hands aux back beside its result.

def _with_metrics(x):
    y = (ag.sin(x) * x).sum()
    return y, {"y": y, "count": 3, "pair": (x * 2, "tag")}


def _plain_part(x):
    return _with_metrics(x)[0]


@pytest.mark.parametrize("transform", ["grad", "jacrev", "jacfwd", "jacobian", "hessian"])
def test_has_aux_returns_the_result_and_the_auxiliary_data(transform):
    x = np.array([0.3, -1.2, 2.0])
    make = getattr(ag, transform)
    result, aux = make(_with_metrics, has_aux=True)(x)
    np.testing.assert_array_equal(result, make(_plain_part)(x))
    assert set(aux) == {"y", "count", "pair"} and aux["count"] == 3 and aux["pair"][1] == "tag"
    assert isinstance(aux["y"], np.generic) and aux["y"] == _plain_part(ag.Value(x)).data  # Values come back as data
    np.testing.assert_array_equal(aux["pair"][0], x * 2)


def test_has_aux_in_value_and_grad_jvp_and_inside_another_transform():
    x, v = np.array([0.3, -1.2, 2.0]), np.array([1.0, 0.5, -2.0])
    (value, aux), g = ag.value_and_grad(_with_metrics, has_aux=True)(x)
    assert value == aux["y"] and np.array_equal(g, ag.grad(_plain_part)(x))
    out, tangent, aux = ag.jvp(_with_metrics, (x,), (v,), has_aux=True)
    assert (out, tangent) == ag.jvp(_plain_part, (x,), (v,)) and aux["y"] == out

    def inner_norm(x):  # inside an outer transform, aux stays a Value (differentiable)
        g, aux = ag.grad(_with_metrics, has_aux=True)(x)
        assert isinstance(aux["y"], ag.Value)
        return (g * g).sum() + aux["y"]

    np.testing.assert_allclose(ag.grad(inner_norm)(x), ag.grad(lambda x: (ag.grad(_plain_part)(x) ** 2).sum()
                                                                + _plain_part(x))(x))


def test_has_aux_needs_a_pair():
    with pytest.raises(TypeError, match="has_aux=True the function must return a pair \\(output, aux\\), got Value"):
        ag.grad(_plain_part, has_aux=True)(np.ones(3))
    with pytest.raises(TypeError, match="got tuple of length 3"):
        ag.jvp(lambda x: (x, x, x), (np.ones(2),), (np.ones(2),), has_aux=True)
