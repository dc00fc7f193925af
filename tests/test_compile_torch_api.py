"""PyTorch's compile surface on ours: `torch.compile`'s keyword arguments, `model.compile()` and `torch.compiler`.

PyTorch code passes `mode="reduce-overhead"`, `fullgraph=True`, `dynamic=False`, `backend="inductor"` or
`disable=not args.compile`; before these were accepted, every such line raised TypeError here. Without torch the
comparisons with its signatures skip; everything else runs.
"""

from __future__ import annotations

import collections
import copy
import inspect
import warnings

import numpy as np
import pytest

import autograd_core as torch
from autograd_core import nn

# torch.compile's keyword arguments (PyTorch 2.13), every one accepted here
TORCH_COMPILE_KEYWORDS = ("fullgraph", "dynamic", "backend", "mode", "options", "name", "disable", "recompile_limit",
                          "isolate_recompiles", "shapes_spec")


def _eager_warnings(fn, *args):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = fn(*args)
    return result, [str(w.message) for w in caught if issubclass(w.category, torch.CompileWarning)]


def test_every_torch_compile_keyword_is_accepted():
    ours = inspect.signature(torch.compile).parameters
    assert set(TORCH_COMPILE_KEYWORDS) <= set(ours)
    real_torch = pytest.importorskip("torch")
    theirs = inspect.signature(real_torch.compile).parameters
    assert set(theirs) - {"model"} <= set(ours), "a keyword PyTorch's compile has and ours lacks"
    for name in TORCH_COMPILE_KEYWORDS:
        assert ours[name].default == theirs[name].default, name


@pytest.mark.parametrize("kwargs", [dict(mode="reduce-overhead"), dict(mode="max-autotune"), dict(mode="default"),
                                    dict(backend="inductor"), dict(backend="eager"), dict(backend="aot_eager"),
                                    dict(dynamic=False), dict(dynamic=True), dict(options={"triton.cudagraphs": True}),
                                    dict(fullgraph=True, dynamic=False, mode="max-autotune-no-cudagraphs"),
                                    dict(isolate_recompiles=True), dict(name="step")])
def test_pytorchs_settings_compile_and_replay_the_same_numbers(kwargs):
    w = torch.tensor(np.linspace(-1, 1, 6).reshape(2, 3), requires_grad=True)

    def step(x):
        w.grad = None
        loss = (x @ w).tanh().sum()
        loss.backward()
        return loss

    compiled = torch.compile(step, **kwargs)
    x = np.arange(4.0).reshape(2, 2) / 4
    expected = step(x).item(), w.grad.copy()
    for _ in range(4):
        assert compiled(x).item() == expected[0]
        np.testing.assert_array_equal(w.grad, expected[1])
    assert compiled.stats["replayed"] == 2


@pytest.mark.parametrize("kwargs,error,message", [
    (dict(mode="fast"), RuntimeError, "unrecognized mode='fast'"),
    (dict(backend="nope"), RuntimeError, "invalid backend 'nope'"),
    (dict(backend=lambda gm, example_inputs: gm.forward), NotImplementedError, "FX graphs"),
    (dict(mode="default", options={}), RuntimeError, "either mode or options"),
    (dict(options=["max_autotune"]), TypeError, "options must be a dict"),
    (dict(dynamic="yes"), TypeError, "dynamic must be None, True or False"),
    (dict(fullgraph=None), TypeError, "fullgraph must be True or False"),
    (dict(recompile_limit=0), ValueError, "recompile_limit must be a positive integer"),
    (dict(name=3), TypeError, "name must be a string"),
])
def test_settings_pytorch_refuses_are_refused(kwargs, error, message):
    with pytest.raises(error, match=message):
        torch.compile(lambda x: x, **kwargs)
    with pytest.raises(error, match=message):
        torch.compile(**kwargs)  # the decorator's form checks at once too


def test_disable_gives_back_the_model_itself():
    def f(x):
        return x * 2

    model = nn.Linear(2, 2)
    assert torch.compile(f, disable=True) is f and torch.compile(model, disable=True) is model
    assert torch.compile(disable=True)(f) is f
    with pytest.raises(RuntimeError, match="model can't be None"):
        torch.compile()(None)


def test_fullgraph_raises_where_a_call_would_run_eagerly_every_time():
    calls = collections.deque()  # a list would be guarded by its items (and the call changes it)

    @torch.compile(fullgraph=True)
    def f(a):
        calls.append(1)
        a.add_(1)  # an in-place change a replay would skip: eager, with a warning, without fullgraph
        return a * 2

    with pytest.raises(torch.CompileError, match=r"in-place change \(Value.add_\).*this call ran eagerly"):
        f(torch.ones(3))
    assert len(calls) == 1
    with pytest.raises(torch.CompileError, match=r"in-place change.*not run"):  # refused before it runs
        f(torch.ones(3))
    assert len(calls) == 1
    # Without fullgraph, the same function runs eagerly with a warning
    g = torch.compile(f.fn)
    result, said = _eager_warnings(g, torch.ones(3))
    np.testing.assert_array_equal(result.data, 4.0)
    assert len(said) == 1 and "in-place change" in said[0]


def test_recompile_limit_is_the_number_of_guard_keys_kept():
    calls = []

    def f(x):
        calls.append(x.shape)
        return x * 2

    limited = torch.compile(f, recompile_limit=2)
    assert limited.max_keys == 2
    for n in (1, 2):
        limited(np.ones(n))
    _, said = _eager_warnings(limited, np.ones(3))
    assert len(said) == 1 and "2 combinations of argument shapes" in said[0]
    strict = torch.compile(f, recompile_limit=1, fullgraph=True)
    strict(np.ones(1))
    calls.clear()
    with pytest.raises(torch.CompileError, match="1 combinations.*not run"):
        strict(np.ones(2))
    assert calls == []  # refused before the call


def test_name_names_the_function_in_warnings():
    def f(a):
        a.add_(1)
        return a

    _, said = _eager_warnings(torch.compile(f, name="train_step"), torch.ones(1))
    assert said[0].startswith("compile(train_step): runs eagerly")


# ----------------------------------------------------------------------------------------------------
# model.compile(): PyTorch's in-place compile of a module's forward.


def _model():
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))


def test_module_compile_keeps_the_module_and_replays_its_evaluation():
    model, twin = _model(), _model()
    x = torch.randn(5, 4)
    assert model.compile(mode="reduce-overhead") is None
    assert type(model) is nn.Sequential and list(model.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    with torch.no_grad():
        outputs = [model(x).data for _ in range(4)]
        expected = twin(x).data
    for out in outputs:
        np.testing.assert_array_equal(out, expected)
    assert model.forward.stats["replayed"] == 2
    model.compile(disable=True)  # the class's forward again
    assert "forward" not in vars(model)


def test_module_compile_trains_by_replaying_with_the_right_gradients():
    model, twin = _model(), _model()
    model.compile()
    x = torch.randn(5, 4)
    for _ in range(3):
        for m in (model, twin):
            m.zero_grad()
            out, said = _eager_warnings(m, x)
            out.sum().backward()
            assert said == []
        for ours, theirs in zip(model.parameters(), twin.parameters()):
            np.testing.assert_array_equal(ours.grad, theirs.grad)
    assert model.forward.stats["replayed"] == 1


class _ChangesItsInput(nn.Module):
    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(4, 3)

    def forward(self, x):
        with torch.no_grad():
            x.add_(1.0)  # an in-place change a replay would skip: runs eagerly
        return self.linear(x)


def test_module_compile_with_fullgraph_raises_where_it_would_run_eagerly():
    model = _ChangesItsInput()
    model.compile()
    _, said = _eager_warnings(model, torch.randn(5, 4))
    assert len(said) == 1 and said[0].startswith("compile(_ChangesItsInput): runs eagerly")
    model.compile(fullgraph=True)  # what would run eagerly raises
    with pytest.raises(torch.CompileError, match="fullgraph=True"):
        model(torch.randn(5, 4))


def test_a_compiled_module_copies_and_saves():
    model = _model()
    model.compile()
    with torch.no_grad():
        model(torch.randn(2, 4))
    clone = copy.deepcopy(model)
    with torch.no_grad():
        clone[0].weight.add_(1.0)
    assert not np.array_equal(clone[0].weight.data, model[0].weight.data)
    x = torch.randn(2, 4)
    with torch.no_grad():
        np.testing.assert_array_equal(clone(x).data, nn.Sequential.forward(clone, x).data)  # its own weights


# ----------------------------------------------------------------------------------------------------
# torch.compiler


def test_compiler_disable_keeps_a_function_out_of_replays():
    @torch.compiler.disable
    def side(v):
        return v + 1

    @torch.compile
    def g(v):
        return side(v) * 2

    results, said = _eager_warnings(lambda: [g(torch.ones(2)).data for _ in range(3)])
    for r in results:
        np.testing.assert_array_equal(r, 4.0)
    assert g.stats["replayed"] == 0
    assert len(said) == 1 and "keeps_a_function_out_of_replays.<locals>.side', marked torch.compiler.disable" in said[0]
    assert side(torch.ones(1)).item() == 2.0  # outside compile, the function as it is

    @torch.compiler.disable(reason="logs")
    def logged(v):
        return v

    _, said = _eager_warnings(torch.compile(lambda v: logged(v) * 1), torch.ones(1))
    assert said and said[0].endswith("marked torch.compiler.disable (logs)")


def test_is_compiling_is_true_while_a_call_is_recorded():
    seen = collections.deque()  # a list would be guarded by its items (and the call changes it)

    @torch.compile
    def h(v):
        seen.append(torch.compiler.is_compiling())
        return v * 2

    for _ in range(4):
        h(torch.ones(1))
    assert list(seen) == [True, True] and h.stats["replayed"] == 2  # the two recordings; replays run no Python
    assert torch.compiler.is_compiling() is False and torch.compiler.is_dynamo_compiling() is False


def test_compiler_reset_makes_every_compiled_function_record_anew():
    f = torch.compile(lambda v: v * 3)
    for _ in range(3):
        f(torch.ones(2))
    assert f.stats["recorded"] == 2 and f.stats["replayed"] == 1
    torch.compiler.reset()
    assert f.cache == {}
    f(torch.ones(2))
    assert f.stats["recorded"] == 3
    assert torch.compiler.allow_in_graph(len) is len and torch.compiler.cudagraph_mark_step_begin() is None


def test_compiler_names_are_pytorchs():
    real_torch = pytest.importorskip("torch")
    for name in torch.compiler.__all__:
        assert hasattr(real_torch.compiler, name), name
