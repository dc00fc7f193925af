"""gradcheck and gradgradcheck themselves: they must catch wrong primitives and say where."""

import numpy as np
import pytest

from autograd_core import GradcheckError, Value, gradcheck, gradgradcheck
from autograd_core.gradcheck import numerical_jacobian
from autograd_core.ops import PRIMITIVES, Primitive, data_of


@pytest.fixture
def scratch_primitives():
    """Primitives defined in a test are removed from the registry afterwards (the coverage test and
    other workers' tests see the registry as autograd_core defines it)."""
    before = dict(PRIMITIVES)
    yield
    PRIMITIVES.clear()
    PRIMITIVES.update(before)


def test_correct_function_passes():
    assert gradcheck(lambda x, y: (x * y).tanh() + x ** 2, [np.array([0.3, -0.7]), 1.5])
    assert gradgradcheck(lambda x, y: (x * y).tanh() + x ** 2, [np.array([0.3, -0.7]), 1.5])


def test_wrong_rule_names_the_worst_element(scratch_primitives):
    # square with a rule that is right except at element 2, where it is off by 5.
    square = Primitive("test_bad_square", lambda x: x * x)
    square.defvjp(lambda g, out, x: g * 2 * x + g * np.array([0.0, 0.0, 5.0, 0.0]))
    x = np.array([0.5, -1.0, 2.0, 0.1])
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda v: square(v), [x])
    message = str(info.value)
    assert "d out(2,) / d input 0(2,)" in message
    assert "analytic 9.0" in message and "numerical 4.0" in message
    assert gradcheck(lambda v: square(v), [x], raise_exception=False) is False


def test_wrong_rule_on_second_input_is_blamed_on_it(scratch_primitives):
    mul = Primitive("test_bad_mul", lambda x, y: x * y)
    mul.defvjp(lambda g, out, x, y: g * y, lambda g, out, x, y: g * y)  # d/dy should be g·x
    with pytest.raises(GradcheckError, match=r"d input 1"):
        gradcheck(lambda a, b: mul(a, b), [np.array([1.0, 2.0]), np.array([3.0, -1.0])])


def test_gradgradcheck_catches_a_rule_that_is_not_differentiable(scratch_primitives):
    # First derivative right, but computed from data_of(x): under create_graph its dependence on x is
    # lost, so the second derivative comes out 0 instead of 6x.
    cube = Primitive("test_cube_flat_rule", lambda x: x ** 3)
    cube.defvjp(lambda g, out, x: g * 3 * data_of(x) ** 2)
    x = np.array([0.5, -1.5])
    assert gradcheck(lambda v: cube(v), [x])
    with pytest.raises(GradcheckError, match=r"analytic 0\.0 vs numerical"):
        gradgradcheck(lambda v: cube(v), [x])


def test_nan_gradient_where_the_numerical_one_is_finite_fails(scratch_primitives):
    ident = Primitive("test_nan_rule", lambda x: x * 1.0)
    ident.defvjp(lambda g, out, x: g * np.array([1.0, np.nan]))
    with pytest.raises(GradcheckError, match=r"d input 0\(1,\).*nan"):
        gradcheck(lambda v: ident(v), [np.array([1.0, 2.0])])


def test_inputs_may_be_numbers_arrays_or_values_and_are_not_modified():
    data = np.array([0.1, 0.2])
    v = Value(np.array([1.0, 2.0], dtype=np.float32))
    assert gradcheck(lambda a, b, c: a * b.sin() + c, [data, v, 2.0])
    np.testing.assert_array_equal(data, [0.1, 0.2])
    assert v.dtype == np.float32 and v.grad is None


def test_function_must_return_a_value():
    with pytest.raises(TypeError, match="must return a Value"):
        gradcheck(lambda x: [x], [1.0])


def test_numerical_jacobian_shape_and_values():
    (jac,) = numerical_jacobian(lambda m: m.sum(axis=0) * 2, [np.ones((2, 3))])
    assert jac.shape == (3, 2, 3)
    np.testing.assert_allclose(jac, 2 * np.stack([np.eye(3), np.eye(3)], axis=1), atol=1e-8)


def test_numerical_jacobian_of_view_outputs():
    # reshape/transpose/slices return views of the input; the differences must not read perturbed memory.
    for f in (lambda m: m.T, lambda m: m.reshape(6), lambda m: m[1:, ::2]):
        (jac,) = numerical_jacobian(f, [np.arange(6.0).reshape(2, 3)])
        assert np.abs(jac).sum() > 0
        assert gradcheck(f, [np.arange(6.0).reshape(2, 3)])


def test_inputs_in_any_memory_order():
    """A transposed (Fortran-ordered) input: its finite differences were taken in a copy and came out 0, so a right
    gradient failed the check."""

    arr = np.arange(6.0).reshape(2, 3)
    assert gradcheck(lambda x: x * 2.0, [arr.T])
    assert gradcheck(lambda x, y: (x @ y).sum(), [arr.T, arr[:, ::-1]])
    assert gradgradcheck(lambda x: (x ** 3).sum(), [arr.T])
