"""PyTorch's in-place activations and dropout (`inplace=True`, `F.relu_`, `x.relu_()`, ...) and `Value.numpy()`.

Each in-place form must change its input and return it (`out is x`), bump its version counter, give the values and
gradients of PyTorch (float64) and of finite differences, and raise PyTorch's two errors: a leaf that requires grad
changed in place outside no_grad(), and a backward pass through a node that read the old contents.
"""

import warnings

import numpy as np
import pytest

import autograd_core as ag
import autograd_core.nn.functional as F
from autograd_core import Value, nn
from autograd_core.gradcheck import gradcheck

# Away from every kink of the functions below (0, ±3, -0.5, 0.8, 0.1, 6) after the scaling by 1.5 in `_recorded`.
X = np.array([[-3.7, -2.2, -0.9, -0.3], [0.05, 0.35, 0.6, 1.2], [2.5, 3.4, 6.8, -5.1]])
W = np.random.default_rng(3).normal(size=X.shape)

# (id, make): make(lib) -> a function that changes its argument in place and returns what the library returns;
# lib is autograd_core or torch, which spell all of these alike.
CASES = [
    ("F.relu", lambda L: lambda h: L.nn.functional.relu(h, inplace=True)),
    ("nn.ReLU", lambda L: L.nn.ReLU(inplace=True)),
    ("F.relu_", lambda L: L.nn.functional.relu_),
    ("torch.relu_", lambda L: L.relu_),
    ("Tensor.relu_", lambda L: lambda h: h.relu_()),
    ("Tensor.sigmoid_", lambda L: lambda h: h.sigmoid_()),
    ("Tensor.tanh_", lambda L: lambda h: h.tanh_()),
    ("Tensor.exp_", lambda L: lambda h: h.exp_()),
    ("F.leaky_relu", lambda L: lambda h: L.nn.functional.leaky_relu(h, 0.2, inplace=True)),
    ("nn.LeakyReLU", lambda L: L.nn.LeakyReLU(0.2, True)),
    ("F.leaky_relu_", lambda L: lambda h: L.nn.functional.leaky_relu_(h, 0.2)),
    ("F.elu", lambda L: lambda h: L.nn.functional.elu(h, 0.7, inplace=True)),
    ("nn.ELU", lambda L: L.nn.ELU(0.7, inplace=True)),
    ("F.elu_", lambda L: lambda h: L.nn.functional.elu_(h, 0.7)),
    ("F.celu", lambda L: lambda h: L.nn.functional.celu(h, 1.3, inplace=True)),
    ("nn.CELU", lambda L: L.nn.CELU(1.3, inplace=True)),
    ("F.celu_", lambda L: lambda h: L.nn.functional.celu_(h, 1.3)),
    ("F.selu", lambda L: lambda h: L.nn.functional.selu(h, inplace=True)),
    ("nn.SELU", lambda L: L.nn.SELU(inplace=True)),
    ("F.selu_", lambda L: L.nn.functional.selu_),
    ("F.hardtanh", lambda L: lambda h: L.nn.functional.hardtanh(h, -0.5, 0.8, inplace=True)),
    ("nn.Hardtanh", lambda L: L.nn.Hardtanh(-0.5, 0.8, inplace=True)),
    ("F.hardtanh_", lambda L: lambda h: L.nn.functional.hardtanh_(h, -0.5, 0.8)),
    ("F.relu6", lambda L: lambda h: L.nn.functional.relu6(h, inplace=True)),
    ("nn.ReLU6", lambda L: L.nn.ReLU6(inplace=True)),
    ("F.hardsigmoid", lambda L: lambda h: L.nn.functional.hardsigmoid(h, inplace=True)),
    ("nn.Hardsigmoid", lambda L: L.nn.Hardsigmoid(inplace=True)),
    ("F.hardswish", lambda L: lambda h: L.nn.functional.hardswish(h, inplace=True)),
    ("nn.Hardswish", lambda L: L.nn.Hardswish(inplace=True)),
    ("F.silu", lambda L: lambda h: L.nn.functional.silu(h, inplace=True)),
    ("nn.SiLU", lambda L: L.nn.SiLU(inplace=True)),
    ("F.mish", lambda L: lambda h: L.nn.functional.mish(h, inplace=True)),
    ("nn.Mish", lambda L: L.nn.Mish(inplace=True)),
    ("F.threshold", lambda L: lambda h: L.nn.functional.threshold(h, 0.1, -2.0, inplace=True)),
    ("nn.Threshold", lambda L: L.nn.Threshold(0.1, -2.0, inplace=True)),
    ("F.threshold_", lambda L: lambda h: L.nn.functional.threshold_(h, 0.1, -2.0)),
    ("F.rrelu-eval", lambda L: lambda h: L.nn.functional.rrelu(h, 0.1, 0.3, training=False, inplace=True)),
    ("nn.RReLU-eval", lambda L: L.nn.RReLU(0.1, 0.3, inplace=True).eval()),
    ("F.rrelu_-eval", lambda L: lambda h: L.nn.functional.rrelu_(h, 0.1, 0.3)),
]
IDS = [c[0] for c in CASES]


def _version(lib, h):
    return h._version if lib is not ag else h._version_count


def _recorded(lib, make):
    """x (a leaf) -> h = 1.5·x (a node of a graph) changed in place; returns (out, h's data, x.grad) and checks that
    the function returned h itself and counted one change."""
    x = lib.tensor(X.copy(), requires_grad=True)
    h = x * 1.5
    before = _version(lib, h)
    out = make(lib)(h)
    assert out is h
    assert _version(lib, h) == before + 1
    (out * lib.tensor(W)).sum().backward()
    return np.array(out.tolist()), np.array(x.grad.tolist())


@pytest.mark.parametrize("name,make", CASES, ids=IDS)
def test_in_place_on_a_recorded_value_returns_it_and_gives_pytorchs_values_and_gradients(name, make):
    ours, our_grad = _recorded(ag, make)
    torch = pytest.importorskip("torch")
    theirs, their_grad = _recorded(torch, make)
    np.testing.assert_allclose(ours, theirs, rtol=1e-13, atol=1e-15)
    # PyTorch rounds a constant to float32 in in-place celu's gradient (its out-of-place celu agrees with ours to
    # 1e-15) and in hardsigmoid's 1/6: a looser tolerance there
    loose = "celu" in name.lower() or "hardsigmoid" in name.lower()
    np.testing.assert_allclose(our_grad, their_grad, rtol=1e-7 if loose else 1e-12, atol=1e-15)


@pytest.mark.parametrize("name,make", CASES, ids=IDS)
def test_in_place_on_a_recorded_value_passes_gradcheck(name, make):
    # the in-place form inside a function of x, against central differences (also gives the second slot's check)
    assert gradcheck(lambda v: make(ag)(v * 1.5) * 1.0, [X])


@pytest.mark.parametrize("name,make", CASES, ids=IDS)
def test_in_place_on_a_leaf_that_requires_grad_raises_and_works_under_no_grad(name, make):
    leaf = Value(X.copy())
    with pytest.raises(RuntimeError, match="leaf Value that requires grad is being used in an in-place operation"):
        make(ag)(leaf)
    np.testing.assert_array_equal(leaf.data, X)  # unchanged
    expected = make(ag)(Value(X * 1.0) * 1.0).data
    array = leaf.data
    with ag.no_grad():
        assert make(ag)(leaf) is leaf
    assert leaf.data is array and leaf.is_leaf and leaf.requires_grad and leaf._version_count == 1
    np.testing.assert_allclose(leaf.data, expected, rtol=1e-14)
    torch = pytest.importorskip("torch")
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in an in-place"):
        make(torch)(torch.tensor(X, requires_grad=True))


@pytest.mark.parametrize("name,make", CASES, ids=IDS)
def test_in_place_after_a_node_read_the_old_contents_makes_backward_raise(name, make):
    def check(lib):
        x = lib.tensor(X.copy(), requires_grad=True)
        h = x * 1.5
        square = h * h  # saves h for its backward
        make(lib)(h)
        with pytest.raises(RuntimeError, match="modified by an in-?place operation"):
            (square + h).sum().backward()

    check(ag)
    if name == "F.relu":  # PyTorch's error, once
        check(pytest.importorskip("torch"))


def test_relu_reads_its_result_so_its_input_may_change_in_place_afterwards_as_in_pytorch():
    # PyTorch's ReluBackward0 saves its result, not its input: relu(h) then h.add_(5) backpropagates through the old
    # h's signs (stop 65 and before: raised "modified by an inplace operation", as if the rule read h)
    def grad(lib, change):
        x = lib.tensor(X.copy(), requires_grad=True)
        h = x * 1.5
        y = lib.relu(h)
        change(h)
        y.sum().backward()
        return np.asarray(x.grad.detach().numpy() if hasattr(x.grad, "detach") else x.grad)

    for change in (lambda h: h.add_(5.0), lambda h: h.relu_(), lambda h: h.zero_()):
        np.testing.assert_array_equal(grad(ag, change), np.where(X > 0, 1.5, 0.0))
    torch = pytest.importorskip("torch")
    np.testing.assert_array_equal(grad(torch, lambda h: h.add_(5.0)), np.where(X > 0, 1.5, 0.0))


@pytest.mark.parametrize("name,make", CASES, ids=IDS)
def test_in_place_on_data_changes_the_array_itself(name, make):
    expected = make(ag)(Value(X * 1.0) * 1.0).data
    v = Value(X.copy(), requires_grad=False)  # needs no gradient: the array itself changes, even in grad mode
    array = v.data
    assert make(ag)(v) is v and v.data is array and v._version_count == 1
    np.testing.assert_allclose(array, expected, rtol=1e-14)


def test_in_place_keeps_the_array_so_a_detached_copy_sees_the_change_as_in_pytorch():
    x = Value(X.copy())
    h = x * 1.5
    array, detached = h.data, h.detach()
    F.relu(h, inplace=True)
    assert h.data is array and detached._version_count == 1
    np.testing.assert_array_equal(detached.data, np.maximum(X * 1.5, 0))
    h.sum().backward()
    np.testing.assert_array_equal(x.grad, np.where(X > 0, 1.5, 0.0))


def test_a_chain_of_in_place_changes_in_a_model_gives_pytorchs_gradients():
    torch = pytest.importorskip("torch")
    results = []
    for L in (ag, torch):
        x = L.tensor(X.copy(), requires_grad=True)
        w = L.tensor(np.random.default_rng(4).normal(size=(4, 4)), requires_grad=True)
        h = x @ w
        h = L.nn.ReLU(inplace=True)(h)
        h = L.nn.functional.elu(h - 0.3, inplace=True)  # a new node (h - 0.3), changed in place
        h = L.nn.functional.hardtanh(h * 2.0, -0.5, 0.8, inplace=True)
        h.tanh_()
        (h * L.tensor(W)).sum().backward()
        results.append([np.array(t.tolist()) for t in (h, x.grad, w.grad)])
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-15)


def test_in_place_on_a_view_changes_the_base_with_pytorchs_gradient():
    """A view of another Value (here a reshape) changed in place changes the base too, as in PyTorch
    (tests/test_inplace_recorded.py); the values and gradients are PyTorch's."""
    torch = pytest.importorskip("torch")
    grads = []
    for L in (ag, torch):
        x = L.tensor(X.copy(), requires_grad=True)
        base = x * 1.5
        view = base.reshape(12)
        assert L.nn.functional.relu(view, inplace=True) is view
        (view * L.tensor(W.reshape(12)) + base.sum()).sum().backward()
        grads.append((np.array(view.tolist()), np.array(x.grad.tolist()), np.array(base.tolist())))
    for ours, theirs in zip(*grads):
        np.testing.assert_allclose(ours, theirs, rtol=1e-15)


def test_an_ndarray_is_written_in_place():
    for fn in (lambda a: F.relu(a, inplace=True), F.relu_, lambda a: F.hardtanh(a, -0.5, 0.8, inplace=True),
               lambda a: F.elu(a, inplace=True), lambda a: F.dropout(a, 0.5, training=True, inplace=True, rng=0)):
        array = X.copy()
        assert fn(array) is array and not np.array_equal(array, X)


# ----------------------------------------------------------------------------------------------------
# Dropout (random masks: checked by their properties and against the out-of-place form with the same seed)


DROPOUTS = [
    ("dropout", lambda v, inplace: F.dropout(v, 0.4, True, inplace, rng=7), (3, 4)),
    ("Dropout", lambda v, inplace: nn.Dropout(0.4, inplace, rng=7)(v), (3, 4)),
    ("dropout1d", lambda v, inplace: F.dropout1d(v, 0.4, True, inplace, rng=7), (2, 3, 4)),
    ("Dropout1d", lambda v, inplace: nn.Dropout1d(0.4, inplace, rng=7)(v), (2, 3, 4)),
    ("dropout2d", lambda v, inplace: F.dropout2d(v, 0.4, True, inplace, rng=7), (2, 3, 2, 2)),
    ("Dropout2d", lambda v, inplace: nn.Dropout2d(0.4, inplace, rng=7)(v), (2, 3, 2, 2)),
    ("dropout3d", lambda v, inplace: F.dropout3d(v, 0.4, True, inplace, rng=7), (2, 3, 2, 1, 2)),
    ("Dropout3d", lambda v, inplace: nn.Dropout3d(0.4, inplace, rng=7)(v), (2, 3, 2, 1, 2)),
    ("alpha_dropout", lambda v, inplace: F.alpha_dropout(v, 0.4, True, inplace, rng=7), (3, 4)),
    ("AlphaDropout", lambda v, inplace: nn.AlphaDropout(0.4, inplace, rng=7)(v), (3, 4)),
    ("feature_alpha_dropout", lambda v, inplace: F.feature_alpha_dropout(v, 0.4, True, inplace, rng=7), (2, 3, 4)),
    ("FeatureAlphaDropout", lambda v, inplace: nn.FeatureAlphaDropout(0.4, inplace, rng=7)(v), (2, 3, 4)),
]


@pytest.mark.parametrize("name,fn,shape", DROPOUTS, ids=[c[0] for c in DROPOUTS])
def test_dropout_in_place_matches_out_of_place_with_the_same_generator(name, fn, shape):
    data = np.random.default_rng(1).normal(size=shape)
    w = np.random.default_rng(2).normal(size=shape)
    x1, x2 = Value(data.copy()), Value(data.copy())
    expected = fn(x1 * 1.0, False)
    (expected * w).sum().backward()
    h = x2 * 1.0
    array = h.data
    assert fn(h, True) is h and h.data is array and h._version_count == 1
    np.testing.assert_array_equal(h.data, expected.data)
    (h * w).sum().backward()
    np.testing.assert_array_equal(x2.grad, x1.grad)
    with pytest.raises(RuntimeError, match="leaf Value that requires grad"):
        fn(Value(data.copy()), True)
    with ag.no_grad():
        leaf = Value(data.copy())
        assert fn(leaf, True) is leaf and leaf._version_count == 1
    np.testing.assert_array_equal(leaf.data, expected.data)


def test_dropout_in_place_gradcheck_and_evaluation_returns_the_input():
    assert gradcheck(lambda v: F.dropout(v * 1.0, 0.4, True, True, rng=3) * 1.0, [X])
    assert gradcheck(lambda v: F.alpha_dropout(v * 1.0, 0.4, True, True, rng=3) * 1.0, [X])

    def check(L):
        h = L.tensor(X.copy(), requires_grad=True) * 1.0
        assert L.nn.functional.dropout(h, 0.5, training=False, inplace=True) is h
        assert L.nn.functional.dropout(h, 0.0, training=True, inplace=True) is h
        assert L.nn.Dropout(0.5, inplace=True).eval()(h) is h
        assert _version(L, h) == 0

    check(ag)
    check(pytest.importorskip("torch"))


# ----------------------------------------------------------------------------------------------------
# numpy()


def test_numpy_of_a_value_that_requires_grad_raises_pytorchs_error():
    x = Value(X.copy())
    for v in (x, x * 2.0):
        with pytest.raises(RuntimeError, match=r"detach\(\)\.numpy\(\)") as ours:
            v.numpy()
    torch = pytest.importorskip("torch")
    with pytest.raises(RuntimeError) as theirs:
        torch.tensor(X, requires_grad=True).numpy()
    assert str(ours.value) == str(theirs.value)


def test_numpy_shares_memory_detached_forced_or_without_grad():
    x = Value(X.copy())
    assert np.shares_memory(x.detach().numpy(), x.data)
    forced = x.numpy(force=True)
    assert isinstance(forced, np.ndarray) and np.shares_memory(forced, x.data)
    plain = Value(X.copy(), requires_grad=False)
    assert np.shares_memory(plain.numpy(), plain.data)
    assert Value(2.0, requires_grad=False).numpy().shape == ()
    with ag.no_grad():  # as in PyTorch, requires_grad counts, not grad mode
        with pytest.raises(RuntimeError, match="detach"):
            x.numpy()
    torch = pytest.importorskip("torch")
    t = torch.tensor(X, requires_grad=True)
    assert np.shares_memory(t.numpy(force=True), t.detach().numpy())


def test_a_change_of_a_result_that_its_own_rule_reads_is_recorded_where_pytorch_refuses():
    """elu_ then tanh_: PyTorch's elu_ saved its result for backward and refuses ("modified by an inplace operation");
    here the old contents are kept apart (inplace_graph._record_in_place), so the gradient is the one of the
    out-of-place functions (more lenient than PyTorch, never a different number)."""
    x = Value(X.copy())
    h = F.elu(x * 1.5, inplace=True)
    h.tanh_()
    (h * W).sum().backward()
    x2 = Value(X.copy())
    (ag.tanh(F.elu(x2 * 1.5)) * W).sum().backward()
    np.testing.assert_allclose(x.grad, x2.grad, rtol=1e-14)
    torch = pytest.importorskip("torch")
    t = torch.tensor(X, requires_grad=True)
    u = torch.nn.functional.elu(t * 1.5, inplace=True)
    u.tanh_()
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        (u * torch.tensor(W)).sum().backward()


def test_forward_mode_and_compile_follow_a_recorded_in_place_change():
    w = Value(np.array([1.0, -2.0, 3.0]))  # requires grad: v * w is a node of a graph, changed in place

    def in_place(v):
        return F.elu(v * w, inplace=True) * 2.0

    def out_of_place(v):
        return F.elu(v * w) * 2.0

    x, t = np.array([0.4, 0.3, -0.5]), np.array([1.0, 0.5, -2.0])
    for ours, expected in zip(ag.jvp(in_place, (x,), (t,)), ag.jvp(out_of_place, (x,), (t,))):
        np.testing.assert_allclose(ours, expected, rtol=1e-15)
    compiled = ag.compile(in_place)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ag.CompileWarning)  # compiled (out of place while recording), not eager
        for k in range(3):
            v = Value(x * (k + 1), requires_grad=False)
            np.testing.assert_array_equal(compiled(v).data, out_of_place(Value(x * (k + 1))).data)


def test_a_compiled_training_step_with_in_place_activations_replays_the_eager_numbers():
    """nn.ReLU(inplace=True) and Dropout(inplace=True), as CNN code writes them, keep a training step compiled."""
    def build():
        ag.manual_seed(0)
        model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(inplace=True), nn.Dropout(0.3, inplace=True),
                              nn.Linear(8, 2), nn.LeakyReLU(0.1, inplace=True))
        return model, ag.optim.SGD(model.parameters(), lr=0.1)

    def make_step(model, opt):
        def step(x, y):
            opt.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
            return loss
        return step

    x, y = ag.randn(5, 4), ag.tensor([0, 1, 1, 0, 1])
    model, opt = build()
    eager = [make_step(model, opt)(x, y).item() for _ in range(4)]
    model, opt = build()
    compiled = ag.compile(make_step(model, opt))
    with warnings.catch_warnings():
        warnings.simplefilter("error", ag.CompileWarning)
        assert [compiled(x, y).item() for _ in range(4)] == eager


def test_in_place_activation_of_integers_keeps_them_integers_as_pytorch():
    """F.relu(y, inplace=True) on an int64 Value gives PyTorch's int64 [0, 2] (it raised: the result was computed on
    a float64 copy, which cannot be cast back in place)."""
    y = ag.tensor([-1, 2])
    assert F.relu(y, inplace=True) is y and y.dtype == np.int64 and y.tolist() == [0, 2]
