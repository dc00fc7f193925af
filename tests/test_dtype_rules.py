"""Result dtypes of functions on integer, bool and mixed operands, as PyTorch gives them (found by comparing every
function of both namespaces on every dtype and pair of dtypes): fixed cases below, and the whole comparison again
where PyTorch is installed."""

import itertools
import operator

import numpy as np
import pytest

import autograd_core as ag


def tensor(values, dtype):
    return ag.tensor(values).bool() if dtype == "bool" else ag.tensor(values, dtype=getattr(ag, dtype))


def test_diff_of_bools_is_where_neighbours_differ():
    x = ag.tensor([[True, False, False, True], [True, True, False, False]])
    assert ag.diff(x).tolist() == [[True, False, True], [False, True, False]]
    assert ag.diff(x, n=2, dim=1).tolist() == [[True, True], [True, True]]
    assert ag.diff(x, dim=0, prepend=ag.tensor([[True] * 4])).tolist() == [[False, True, True, False],
                                                                            [False, True, False, True]]


def test_cov_and_corrcoef_of_integers_compute_in_the_default_float_dtype():
    x = [[1, 5, 2], [3, 3, 9]]
    for dtype in ("int64", "int32", "uint8"):
        c, r = ag.cov(tensor(x, dtype)), ag.corrcoef(tensor(x, dtype))
        assert c.dtype == np.float32 and r.dtype == np.float32
        np.testing.assert_allclose(c.data, np.cov(np.array(x, dtype=float)), rtol=1e-6)
        np.testing.assert_allclose(r.data, np.corrcoef(np.array(x, dtype=float)), rtol=1e-6)


def test_any_and_all_of_bytes_are_bytes():
    u = ag.tensor([[1, 0], [2, 3]], dtype=ag.uint8)
    assert u.all().dtype == np.uint8 and int(u.all()) == 0
    assert u.any(dim=1).dtype == np.uint8 and u.any(dim=1).tolist() == [1, 1]
    assert ag.tensor([1, 2]).all().dtype == np.bool_  # other dtypes: bools


@pytest.mark.parametrize("call, a, b, expected", [
    (ag.copysign, "int64", "int64", "float32"),
    (ag.copysign, "int32", "bool", "float32"),
    (ag.copysign, "int64", "float64", "float64"),
    (ag.special.xlogy, "int64", "float32", "float32"),
    (ag.special.xlogy, "float16", "int32", "float16"),
    (ag.special.xlogy, "int64", "int64", "float32"),
    (ag.special.xlog1py, "float32", "int64", "float32"),
    (ag.heaviside, "int64", "int64", "int64"),
    (ag.heaviside, "uint8", "uint8", "uint8"),
    (ag.heaviside, "bool", "bool", "bool"),
    (ag.clamp_min, "int64", "float16", "float16"),
    (ag.clamp_max, "float32", "int64", "float32"),
    (lambda x, y: ag.clamp(x, min=y), "float16", "int32", "float16"),
    (lambda x, y: x.clamp(min=y, max=y), "uint8", "float16", "float16"),
    (ag.nextafter, "int64", "float32", "float32"),
    (ag.nextafter, "float64", "bool", "float64"),
])
def test_mixed_operands_meet_in_pytorchs_dtype(call, a, b, expected):
    assert call(tensor([3, 0, 1], a), tensor([1, 2, 3], b)).dtype == np.dtype(expected)


def test_values_in_the_kept_dtypes():
    np.testing.assert_array_equal(ag.heaviside(ag.tensor([-2, 0, 3]), ag.tensor([7, 7, 7])).data, [0, 7, 1])
    np.testing.assert_array_equal(ag.copysign(ag.tensor([3, 2]), ag.tensor([-1, 1])).data, np.float32([-3, 2]))
    for dtype in (ag.uint8, ag.int64):  # in floats: -1 is not wrapped into the integers' dtype (x / -1 neither)
        assert ag.copysign(ag.tensor([1, 2], dtype=dtype), -1).tolist() == [-1.0, -2.0]
        assert (ag.tensor([3, 6], dtype=dtype) / -1).tolist() == [-3.0, -6.0]
        assert (-3 / ag.tensor([1, 3], dtype=dtype)).tolist() == [-3.0, -1.0]
    assert ag.clamp(ag.tensor([1, 2, 3]), min=0.5).dtype == np.float32  # a float bound: the default float dtype
    assert ag.clamp(ag.tensor([1, 2, 3]), min=2).tolist() == [2, 2, 3]  # an integer one keeps the integers
    with pytest.raises(NotImplementedError, match="\"nextafter_cpu\" not implemented for 'Long'"):  # PyTorch's
        ag.nextafter(ag.tensor([1]), ag.tensor([2]))


UNARY = ("abs ceil floor round trunc sign exp log sqrt sigmoid tanh digamma lgamma erfinv cumsum cumprod sum prod "
         "mean all any diff corrcoef cov logical_not square reciprocal neg").split()
BINARY = ("add sub mul div floor_divide remainder fmod pow atan2 hypot maximum minimum fmax fmin copysign nextafter "
          "ldexp logaddexp xlogy heaviside gcd lcm float_power clamp_min clamp_max eq lt logical_xor "
          "bitwise_and").split()
DTYPES = ["int64", "int32", "uint8", "int8", "bool", "float16", "float32", "float64"]


def _dtype_or_raise(module, name, *operands):
    try:
        return str(getattr(module, name)(*operands).dtype).replace("torch.", "")
    except Exception:  # noqa: BLE001  (the comparison is between raising and computing)
        return None


@pytest.mark.parametrize("name", UNARY)
def test_every_unary_function_gives_pytorchs_dtype(name):
    torch = pytest.importorskip("torch")
    for dtype in DTYPES:
        values = [[1, 2, 3], [0, 1, 2]]
        theirs = _dtype_or_raise(torch, name, torch.tensor(values).to(getattr(torch, dtype)))
        if theirs is not None:  # where PyTorch raises, ours may compute (a documented leniency)
            assert _dtype_or_raise(ag, name, tensor(values, dtype)) == theirs, (name, dtype)


@pytest.mark.parametrize("name", BINARY)
def test_every_binary_function_gives_pytorchs_dtype_for_every_pair(name):
    torch = pytest.importorskip("torch")
    for a, b in itertools.product(DTYPES, DTYPES):
        theirs = _dtype_or_raise(torch, name, torch.tensor([3, 2, 1]).to(getattr(torch, a)),
                                 torch.tensor([1, 2, 3]).to(getattr(torch, b)))
        if theirs is not None:
            assert _dtype_or_raise(ag, name, tensor([3, 2, 1], a), tensor([1, 2, 3], b)) == theirs, (name, a, b)


def test_python_integers_wrap_around_in_an_integer_dtype_as_pytorchs_cast():
    u = ag.tensor([3, 2, 1], dtype=ag.uint8)
    assert (u + -1).tolist() == [2, 1, 0] and (u + 300).tolist() == [47, 46, 45]
    assert (u * -1).tolist() == [253, 254, 255]
    assert (u // -1).tolist() == [0, 0, 0] and (u & -1).tolist() == [3, 2, 1] and (-1 << u).tolist() == [248, 252, 254]
    i8 = ag.tensor([100, -3], dtype=ag.int8)
    assert (i8 + 200).tolist() == [44, -59] and (i8 // 200).tolist() == [-2, 0] and (i8 ^ 1000).tolist() == [-116, 21]
    assert (u + -1).dtype == np.uint8 and (i8 * 1000).dtype == np.int8
    with pytest.raises(OverflowError):
        u + 2 ** 64  # beyond int64, as PyTorch's "int too big to convert"


OPERATORS = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv, "//": operator.floordiv,
             "%": operator.mod, "**": operator.pow, "&": operator.and_, "|": operator.or_, "^": operator.xor,
             "<<": operator.lshift, ">>": operator.rshift, "<": operator.lt, "==": operator.eq}


def _operator_result(module, op, dtype, number, reflected):
    x = module.tensor([3, 2, 1]).to(getattr(module, dtype))
    try:
        out = op(number, x) if reflected else op(x, number)
    except Exception:  # noqa: BLE001  (the comparison is between raising and computing)
        return None
    return str(out.dtype).replace("torch.", ""), out.tolist()


@pytest.mark.parametrize("symbol", OPERATORS)
def test_every_operator_with_a_python_number_gives_pytorchs_dtype_and_values(symbol):
    torch = pytest.importorskip("torch")
    op = OPERATORS[symbol]
    for dtype, number, reflected in itertools.product(DTYPES, (2, 2.5, True, -1, 300), (False, True)):
        if symbol == "**" and dtype == "bool" and number is True:
            continue  # bool ** True: bool in PyTorch, int8 here (NumPy's power of bools)
        if symbol in ("<", "==") and dtype in ("uint8", "int8") and number in (-1, 300):
            continue  # compared by value here; PyTorch wraps the number first (uint8 < -1 is True there)

        theirs = _operator_result(torch, op, dtype, number, reflected)
        if theirs is not None:
            ours = _operator_result(ag, op, dtype, number, reflected)
            assert ours is not None and ours[0] == theirs[0], (symbol, dtype, number, reflected, ours, theirs)
            np.testing.assert_allclose(np.array(ours[1], dtype=float), np.array(theirs[1], dtype=float), rtol=1e-3,
                                       err_msg=f"{symbol} {dtype} {number} {reflected}")


_NOT_COMPARED = {  # methods whose result is not a function of the values, or that change global or device state
    "backward", "register_hook", "retain_grad", "requires_grad_", "share_memory_", "numpy", "tolist", "item",
    "storage", "untyped_storage", "cpu", "cuda", "data_ptr", "zero_", "detach_", "resize_", "set_", "pin_memory",
    "dim_order", "uniform_", "normal_", "random_", "exponential_", "geometric_", "cauchy_", "log_normal_",
    "bernoulli_", "bernoulli", "multinomial", "apply_", "map_", "new_empty", "empty_like",
    "bfloat16", "chalf"}  # (NumPy has no bfloat16, no complex32: a TypeError says so, tested below and in
# tests/test_core_gaps3.py)


def test_every_method_without_arguments_gives_pytorchs_dtype():
    torch = pytest.importorskip("torch")
    values = [[1, 2, 3], [0, 1, 2]]
    names = sorted(n for n in set(dir(torch.tensor(values))) & set(dir(ag.tensor(values)))
                   if not n.startswith("_") and n not in _NOT_COMPARED)
    compared = 0
    for name, dtype in itertools.product(names, DTYPES):
        try:
            method = getattr(torch.tensor(values).to(getattr(torch, dtype)), name)
            if not callable(method):
                continue
            theirs = str(method().dtype).replace("torch.", "")
        except Exception:  # noqa: BLE001  (needs arguments, or PyTorch raises: ours may compute)
            continue
        assert _dtype_or_raise_method(tensor(values, dtype), name) == theirs, (name, dtype)
        compared += 1
    assert compared > 1000  # the comparison did run over the methods


def _dtype_or_raise_method(value, name):
    try:
        return str(getattr(value, name)().dtype)
    except Exception as error:  # noqa: BLE001
        return f"raised {error!r}"


def test_augmented_power_remainder_and_floor_division_change_the_value_in_place():
    # PyTorch's x **= y, x %= y and x //= y are pow_, remainder_ and floor_divide_: the same Value, its dtype kept.
    x = ag.tensor([3.0, 4.0], dtype=ag.float16)
    same = x
    x %= ag.tensor([2.0, 3.0])
    assert x is same and x.dtype == np.float16 and x.tolist() == [1.0, 1.0]
    x **= ag.tensor([2.0, 3.0], dtype=ag.float64)
    assert x is same and x.dtype == np.float16
    i = ag.tensor([7, 8], dtype=ag.int32)
    same = i
    i //= ag.tensor([2, 3])  # an int64 divisor: int32 kept
    assert i is same and i.dtype == np.int32 and i.tolist() == [3, 2]
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        i //= 0
    with pytest.raises(RuntimeError, match="can't be cast to the desired output type int32"):
        i %= 1.5


def test_augmented_operators_in_a_graph_make_a_new_node_with_the_right_gradient():
    w = ag.tensor([1.0, 2.0], requires_grad=True)
    h = w * 3
    h **= 2  # as `h += 1`: recorded out of place, the name h bound to the new node
    h.sum().backward()
    assert w.grad.tolist() == [18.0, 36.0]


def test_in_place_results_are_cast_by_pytorchs_rule():
    u = ag.tensor([3, 2, 1], dtype=ag.uint8)
    u += ag.tensor([1, 2, 1])  # int64 into uint8: allowed (NumPy's same_kind refuses it)
    u -= -1  # a Python int wraps into uint8
    u &= ag.tensor([7, 7, 7])
    assert u.dtype == np.uint8 and u.tolist() == [5, 5, 3]
    with pytest.raises(RuntimeError, match="can't be cast to the desired output type uint8"):
        u += ag.tensor([0.5, 0.5, 0.5])  # a float into integers: refused, as PyTorch
    f = ag.tensor([1.0, 2.0], dtype=ag.float16)
    f.copy_(ag.tensor([3.0, 4.0], dtype=ag.float64))
    f.add_(ag.tensor([1.0, 1.0], dtype=ag.float64))
    assert f.dtype == np.float16 and f.tolist() == [4.0, 5.0]


AUGMENTED = {"+=": operator.iadd, "-=": operator.isub, "*=": operator.imul, "/=": operator.itruediv,
             "//=": operator.ifloordiv, "%=": operator.imod, "**=": operator.ipow, "&=": operator.iand,
             "|=": operator.ior}


@pytest.mark.parametrize("symbol", AUGMENTED)
def test_every_augmented_operator_gives_pytorchs_dtype_values_and_identity(symbol):
    torch = pytest.importorskip("torch")
    for dtype, other in itertools.product(["int64", "int32", "uint8", "bool", "float16", "float32", "float64"],
                                          [2, 2.5, True, -1, "int64", "float32", "float64", "bool", "uint8"]):
        if symbol == "**=" and dtype == "bool" and other is True:
            continue  # bool ** True: bool in PyTorch, int8 here (NumPy's power of bools)
        theirs = _augmented_result(torch, AUGMENTED[symbol], dtype, other)
        ours = _augmented_result(ag, AUGMENTED[symbol], dtype, other)
        assert (theirs is None) == (ours is None) or theirs is None, (symbol, dtype, other, ours)
        if theirs is not None:
            assert ours[:2] == theirs[:2], (symbol, dtype, other, ours, theirs)
            np.testing.assert_allclose(ours[2], theirs[2], rtol=1e-3, err_msg=f"{symbol} {dtype} {other}")


def _augmented_result(module, op, dtype, other):
    x = module.tensor([3, 2, 1]).to(getattr(module, dtype))
    if isinstance(other, str):
        other = module.tensor([1, 2, 1]).to(getattr(module, other))
    before = x
    try:
        x = op(x, other)
    except Exception:  # noqa: BLE001  (the comparison is between raising and computing)
        return None
    return x is before, str(x.dtype).replace("torch.", ""), np.array(x.tolist(), dtype=float)



REDUCTIONS_AND_LAYERS = {  # name: f(module, x), x a 2×3 tensor of every dtype
    "sum(0)": lambda m, x: x.sum(0),
    "sum(dtype=f64)": lambda m, x: x.sum(dtype=m.float64),
    "sum(dtype=i32)": lambda m, x: x.sum(dtype=m.int32),
    "prod(1)": lambda m, x: x.prod(1),
    "cumsum(0)": lambda m, x: x.cumsum(0),
    "cumprod(1)": lambda m, x: x.cumprod(1),
    "cumsum(0,dtype=f32)": lambda m, x: x.cumsum(0, dtype=m.float32),
    "mean(0)": lambda m, x: x.mean(0),
    "mean(dtype=f32)": lambda m, x: x.mean(dtype=m.float32),
    "nansum": lambda m, x: x.nansum(),
    "nanmean": lambda m, x: x.nanmean(),
    "max(0).values": lambda m, x: x.max(0).values,
    "max(0).indices": lambda m, x: x.max(0).indices,
    "amax(1)": lambda m, x: x.amax(1),
    "argmax(1)": lambda m, x: x.argmax(1),
    "std(0)": lambda m, x: x.std(0),
    "var_mean": lambda m, x: m.var_mean(x)[0],
    "norm": lambda m, x: x.norm(),
    "logsumexp(1)": lambda m, x: x.logsumexp(1),
    "count_nonzero(0)": lambda m, x: m.count_nonzero(x, 0),
    "sort": lambda m, x: x.sort(1).values,
    "topk": lambda m, x: x.topk(2).values,
    "kthvalue": lambda m, x: x.kthvalue(1).values,
    "cummax": lambda m, x: x.cummax(1).values,
    "cummin idx": lambda m, x: x.cummin(1).indices,
    "median(1)": lambda m, x: x.median(1).values,
    "mode": lambda m, x: x.mode(1).values,
    "unique": lambda m, x: m.unique(x),
    "bincount": lambda m, x: m.bincount(x.flatten()),
    "histc": lambda m, x: m.histc(x, 4),
    "diff": lambda m, x: m.diff(x),
    "trace": lambda m, x: x.trace(),
    "tril": lambda m, x: x.tril(),
    "matmul": lambda m, x: x @ x.T,
    "dot": lambda m, x: m.dot(x[0], x[1]),
    "outer": lambda m, x: m.outer(x[0], x[1]),
    "mean(0) keep": lambda m, x: x.float().mean(0, keepdim=True),
    "sum(bool) ": lambda m, x: (x > 0).sum(),
    "to float then sum": lambda m, x: x.sum(0, keepdim=True),
    "abs().sum": lambda m, x: x.abs().sum(),
    "renorm": lambda m, x: x.renorm(2, 0, 1.0),
    "softmax": lambda m, x: x.softmax(0),
    "log_softmax": lambda m, x: x.log_softmax(1),
    "F.normalize": lambda m, x: m.nn.functional.normalize(x),
    "F.one_hot": lambda m, x: m.nn.functional.one_hot(x.long().flatten()),
    "F.relu": lambda m, x: m.nn.functional.relu(x),
    "F.gelu": lambda m, x: m.nn.functional.gelu(x),
    "F.silu": lambda m, x: m.nn.functional.silu(x),
    "F.softplus": lambda m, x: m.nn.functional.softplus(x),
    "F.pad": lambda m, x: m.nn.functional.pad(x, (1, 1)),
    "F.mse": lambda m, x: m.nn.functional.mse_loss(x, x),
    "F.l1": lambda m, x: m.nn.functional.l1_loss(x, x),
    "F.dropout eval": lambda m, x: m.nn.functional.dropout(x, training=False),
    "F.linear": lambda m, x: m.nn.functional.linear(x, x),
    "F.embedding": lambda m, x: m.nn.functional.embedding(m.tensor([0, 1]), x),
    "F.avg_pool1d": lambda m, x: m.nn.functional.avg_pool1d(x.unsqueeze(0), 2),
    "F.max_pool1d": lambda m, x: m.nn.functional.max_pool1d(x.unsqueeze(0), 2),
    "F.interp": lambda m, x: m.nn.functional.interpolate(x.unsqueeze(0), scale_factor=2),
    "F.cosine_sim": lambda m, x: m.nn.functional.cosine_similarity(x, x),
    "F.hardtanh": lambda m, x: m.nn.functional.hardtanh(x),
    "F.leaky_relu": lambda m, x: m.nn.functional.leaky_relu(x),
    "F.elu": lambda m, x: m.nn.functional.elu(x),
    "F.softmax": lambda m, x: m.nn.functional.softmax(x, dim=1),
    "F.threshold": lambda m, x: m.nn.functional.threshold(x, 1, 0),
    "F.relu6": lambda m, x: m.nn.functional.relu6(x),
    "F.pdist": lambda m, x: m.nn.functional.pdist(x),
    "cdist": lambda m, x: m.cdist(x, x),
    "F.layer_norm": lambda m, x: m.nn.functional.layer_norm(x, (3,)),
}


@pytest.mark.parametrize("name", REDUCTIONS_AND_LAYERS)
def test_reductions_and_functional_layers_give_pytorchs_dtype_and_values(name):
    torch = pytest.importorskip("torch")
    call = REDUCTIONS_AND_LAYERS[name]
    for dtype in DTYPES:
        if name == "F.avg_pool1d" and dtype in ("int64", "int32", "int8", "uint8"):
            continue  # integers average in floats here; PyTorch's integer pooling rounds the mean down
        try:
            theirs = call(torch, torch.tensor([[1, 2, 3], [0, 1, 2]]).to(getattr(torch, dtype)))
        except Exception:  # noqa: BLE001  (where PyTorch raises, ours may compute)
            continue
        ours = call(ag, tensor([[1, 2, 3], [0, 1, 2]], dtype))
        assert str(ours.dtype) == str(theirs.dtype).replace("torch.", ""), (name, dtype)
        np.testing.assert_allclose(np.array(ours.tolist(), dtype=float), np.array(theirs.tolist(), dtype=float),
                                   rtol=2e-3, atol=1e-3, err_msg=f"{name} {dtype}")



def test_numpy_float_scalars_act_as_python_floats_and_integer_powers_raise_as_pytorchs():
    assert (ag.tensor([1, 2]) * np.float64(2.0)).dtype == np.float32  # a Python float to PyTorch: not float64
    assert (np.float64(2.0) * ag.tensor([1, 2])).dtype == np.float32
    assert (ag.tensor([1.0, 2.0], dtype=ag.float16) * np.float64(2.0)).dtype == np.float16
    with pytest.raises(RuntimeError, match="Integers to negative integer powers are not allowed") as raised:
        ag.tensor([2]) ** -1
    assert not isinstance(raised.value, ag.ShapeError)  # (it was one: the message named no shape)


# Lists of NumPy numbers (and arrays, Values) given to tensor(): each element brings its dtype, promoted as PyTorch's
# promote_types (not NumPy's: float16 with an int16 stays float16; a Python float is the default dtype, not float64).
SEQUENCES_OF_NUMPY_NUMBERS = {
    "[np.float64(1.5)]": "float64", "[np.float64(1.5), 2.0]": "float64", "[2.0, np.float64(1.5)]": "float64",
    "[[np.float64(1.5)], [2.0]]": "float64", "[np.float32(1.5), np.float64(2)]": "float64",
    "[np.float64(1), np.int64(2)]": "float64", "[np.float32(1.5)]": "float32", "[np.float32(1.5), 2.0]": "float32",
    "[np.int64(1), np.float32(2)]": "float32", "[np.float16(1.5)]": "float16", "[np.float16(1.5), 1]": "float16",
    "[np.float16(1.5), np.int16(1)]": "float16", "[np.float16(1.5), 2.0]": "float32", "[np.int32(3), 1.5]": "float32",
    "[np.int64(3)]": "int64", "[np.int32(3)]": "int32", "[np.int32(3), 1]": "int64",
    "[np.uint8(3), np.int8(1)]": "int16", "[np.bool_(True), True]": "bool",
    "[np.array([1.5]), np.array([2.0])]": "float64",
    "[m.tensor(1.0, dtype=m.float64), 2.0]": "float64", "[m.tensor(1, dtype=m.int32), 2.0]": "float32",
}


def test_a_list_of_numpy_numbers_promotes_its_elements_dtypes_as_pytorch():
    for elements, expected in SEQUENCES_OF_NUMPY_NUMBERS.items():
        got = eval(f"m.tensor({elements})", {"m": ag, "np": np}).dtype  # noqa: S307
        assert got == np.dtype(expected), (elements, got, expected)
    assert ag.tensor([np.float64(1.5), 2.0]).tolist() == [1.5, 2.0]


def test_python_floats_in_a_list_follow_the_default_dtype():
    previous = ag.get_default_dtype()
    try:
        ag.set_default_dtype(ag.float64)
        assert ag.tensor([np.float32(1.5), 2.0]).dtype == np.float64  # the default float64 wins over float32
        assert ag.tensor([np.float16(1.5), 2]).dtype == np.float16
    finally:
        ag.set_default_dtype(previous)
    assert ag.tensor([np.float32(1.5), 2.0]).dtype == np.float32


CONSTRUCTIONS = [  # m is torch or autograd_core
    "m.tensor([1, 2.5])", "m.tensor([True, 1])", "m.tensor([True, False])", "m.tensor(3)", "m.tensor(3.0)",
    "m.tensor([])", "m.tensor(np.array([1, 2], dtype=np.int32))", "m.tensor(np.array([1.0, 2.0]))",
    "m.tensor(np.float64(2.0))", "m.tensor(np.int16(2))", "m.tensor([[1, 2], [3, 4]], dtype=m.float64)",
    "m.tensor([1, 2]) * np.float64(2.0)", "m.tensor([1., 2.]) * np.float64(2.0)",
    "m.tensor([1., 2.]) + np.array([2.0, 1.0])", "m.as_tensor([1, 2])", "m.as_tensor(np.array([1., 2.]))",
    "m.from_numpy(np.array([1., 2.], dtype=np.float32))", "m.full((2,), 3)", "m.full((2,), 3.0)",
    "m.full((2,), True)", "m.arange(5)", "m.arange(5.)", "m.arange(0, 1, 0.25)", "m.arange(1, 4, dtype=m.float64)",
    "m.linspace(0, 1, 5)", "m.logspace(0, 1, 3)", "m.eye(2)", "m.eye(2, 3, dtype=m.int32)",
    "m.zeros(2, dtype=m.bool)", "m.ones_like(m.tensor([1, 2]))", "m.zeros_like(m.tensor([1, 2]), dtype=m.float16)",
    "m.full_like(m.tensor([1, 2]), 2.7)", "m.randint(0, 5, (3,))", "m.rand(2)", "m.randn(2, dtype=m.float64)",
    "m.empty(2, 2)", "m.tensor([1, 2]).float()", "m.tensor([1, 2]).double()", "m.tensor([1, 2]).half()",
    "m.tensor([1., 2.]).long()", "m.tensor([1.7, -2.7]).int()", "m.tensor([1, 0]).bool()",
    "m.tensor([1., 2.]).to(m.int16)", "m.tensor([1, 2]).to(m.tensor([1.0], dtype=m.float64))",
    "m.tensor([1, 2]).type(m.float32)", "m.tensor([1, 2]).new_zeros(3)", "m.tensor([1., 2.]).new_tensor([1, 2])",
    "m.tensor([1., 2.]).new_full((2,), 3)", "m.tensor([1, 2], dtype=m.int32).new_ones(2)",
    "m.tensor([300]).to(m.uint8)", "m.tensor([-1.5, 2.5]).to(m.uint8)", "m.tensor([1e10]).to(m.int32)",
    "m.tensor([float('nan')]).to(m.int64)", "m.tensor([2.5, 3.5, -0.5]).round()",
    "m.tensor([0.5, 1.5]).round(decimals=0)", "m.tensor([1.2345]).round(decimals=2)", "m.tensor([[1, 2]]).T",
    "m.tensor([5, -5]) // 2", "m.tensor([5, -5]) % 3", "m.tensor([5., -5.]) % 3", "m.fmod(m.tensor([5, -5]), 3)",
    "m.tensor([5, -5]).div(2, rounding_mode='trunc')", "m.tensor([1, 2]) / 0", "m.tensor([0.]) / 0",
    "m.tensor([True]) + m.tensor([True])", "m.tensor([True]) * 3", "m.tensor([2]) ** 0.5",
    "m.tensor([2.]) ** m.tensor([2])", "m.tensor([1, 2]).sum().item()", "m.tensor([1., 2.]).mean().item()",
    "m.tensor([3, 1, 2]).sort(descending=True).values", "m.tensor([[1, 2], [3, 4]]).flip(0)",
    "m.tensor([1, 2, 3]).roll(1)", "m.tensor([1, 2, 3]).repeat(2)", "m.tensor([1, 2, 3]).repeat_interleave(2)",
    "m.tensor([[1], [2]]).expand(2, 3)", "m.tensor([1, 2, 3]).chunk(2)[1]", "m.tensor([1, 2, 3]).split(2)[1]",
    "m.tensor([[1, 2], [3, 4]]).view(-1)", "m.tensor([[1, 2], [3, 4]]).unsqueeze(-1).squeeze()",
    "m.tensor([1., 4.]).sqrt()", "m.tensor([-1.]).sqrt()", "m.tensor([0.]).log()", "m.tensor([1, 2, 3]).clamp(2)",
    "m.tensor([1, 2, 3]).float().clamp(max=2.5)", "m.where(m.tensor([True, False]), 1, 0)",
    "m.where(m.tensor([True, False]), 1.0, 0)", "m.where(m.tensor([True, False]), m.tensor([1, 2]), 0.5)",
    "m.tensor([1., 2.]).masked_fill(m.tensor([True, False]), 9)", "m.cat([m.tensor([1]), m.tensor([2.])])",
    "m.stack([m.tensor([1]), m.tensor([2], dtype=m.int8)])", "m.tensor([[1, 2]]).numpy()", "m.tensor(3).numpy()",
    *(f"m.tensor({elements})" for elements in SEQUENCES_OF_NUMPY_NUMBERS),
]
# Left out: `tensor + np.array(2.0)` (PyTorch gives float64, as if the 0-d array were a float64 tensor with dimensions)
# and `tensor(2) ** tensor(-1)` (PyTorch computes integer powers with negative exponents, 2 ** -1 = 0; NumPy raises).


@pytest.mark.parametrize("expression", CONSTRUCTIONS)
def test_constructions_conversions_and_operations_give_pytorchs_dtype_shape_and_values(expression):
    torch = pytest.importorskip("torch")
    theirs, ours = (_described(eval(expression, {"m": module, "np": np})) for module in (torch, ag))  # noqa: S307
    if expression.startswith(("m.empty", "m.rand")):
        theirs, ours = theirs[:2], ours[:2]  # values unspecified or random
    assert ours[:2] == theirs[:2], (expression, ours, theirs)
    if len(theirs) > 2:
        np.testing.assert_allclose(ours[2], theirs[2], equal_nan=True, err_msg=expression)


def _described(result):
    if isinstance(result, np.ndarray):
        return ("ndarray", str(result.dtype), result.shape), tuple(result.shape), np.array(result, dtype=float)
    if hasattr(result, "dtype"):
        return str(result.dtype).replace("torch.", ""), tuple(result.shape), np.array(result.tolist(), dtype=float)
    return type(result).__name__, (), np.array(result, dtype=float)


def test_module_type_and_bfloat16_as_pytorchs_methods():
    model = ag.nn.Sequential(ag.nn.Linear(2, 3), ag.nn.BatchNorm1d(3))
    assert model.type(ag.float64) is model and model[0].weight.dtype == np.float64
    assert model[1].running_mean.dtype == np.float64
    with pytest.raises(TypeError, match="NumPy has no bfloat16"):
        model.bfloat16()
    assert model[0].weight.dtype == np.float64  # unchanged by the refusal
    with pytest.raises(TypeError, match="NumPy has no bfloat16"):
        ag.tensor([1.0]).bfloat16()


def test_fills_and_copies_of_a_python_int_wrap_into_integer_values_as_pytorchs():
    u = ag.tensor([3, 2, 1], dtype=ag.uint8)
    assert u.masked_fill(u > 1, -1).tolist() == [255, 255, 1]
    assert ag.full_like(u, -1).tolist() == [255, 255, 255] and ag.full((2,), -1, dtype=ag.uint8).tolist() == [255, 255]
    assert u.new_full((2,), 300).tolist() == [44, 44]
    assert u.clone().fill_(-1).tolist() == [255, 255, 255]
    assert ag.full((2,), 2).dtype == np.int64 and ag.full((2,), 2.5).dtype == np.float32  # dtypes as before
