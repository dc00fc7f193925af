"""nn.Module and nn.Parameter: finding parameters, names, modes, state dicts, files, scopes, printing."""

import numpy as np
import pytest

from autograd_core import nn
from autograd_core import Value
from autograd_core.grad_array import ParameterArray
from autograd_core.nn import Module, Parameter


class Affine(Module):
    def __init__(self, n):
        self.scale = Parameter(np.ones(n))
        self.shift = Parameter(np.zeros(n))
        self.register_buffer("calls", np.array(0, dtype=np.int64))

    def forward(self, x):
        self.calls += 1
        return x * self.scale + self.shift


class Net(Module):
    def __init__(self):
        super().__init__()
        self.first = Affine(3)
        self.blocks = [Affine(3), Affine(3)]
        self.heads = {"a": Affine(3), "b": Affine(3)}
        self.gain = Parameter(2.0)
        self.not_a_param = Value(np.ones(3))  # a plain Value is not trained

    def forward(self, x):
        x = self.first(x)
        for block in self.blocks:
            x = block(x)
        return (self.heads["a"](x) + self.heads["b"](x)) * self.gain


def test_parameter_is_a_leaf_that_requires_grad():
    p = Parameter([1, 2, 3])
    assert isinstance(p, Value) and p.requires_grad and p.is_leaf
    assert p.dtype == np.float64
    assert Parameter(np.zeros(2, np.float32)).dtype == np.float32
    assert repr(p) == "Parameter containing:\ntensor([1., 2., 3.], dtype=torch.float64, requires_grad=True)"
    with pytest.raises(TypeError, match="int64"):
        Parameter(np.arange(3), dtype=np.int64)


def test_named_parameters_dotted_names_in_attribute_order():
    names = [name for name, _ in Net().named_parameters()]
    assert names == ["gain", "first.scale", "first.shift", "blocks.0.scale", "blocks.0.shift",
                     "blocks.1.scale", "blocks.1.shift", "heads.a.scale", "heads.a.shift",
                     "heads.b.scale", "heads.b.shift"]
    assert len(list(Net().parameters())) == 11


def test_module_parameters_dedups_shared():
    net = Net()
    net.blocks[1] = net.first          # a shared module
    net.heads["b"].scale = net.gain    # a shared parameter
    names = [name for name, _ in net.named_parameters()]
    assert "blocks.1.scale" not in names and "heads.b.scale" not in names
    ids = [id(p) for p in net.parameters()]
    assert len(ids) == len(set(ids)) == 8
    assert net.num_parameters() == 1 + 6 * 3 + 3  # gain, first, blocks.0, heads.a, heads.b.shift
    # the state dict lists tied weights under every name, as PyTorch does; but a module that an attribute holds is
    # not listed again from inside a plain list, which PyTorch never looks into (see the plain-list test below)
    assert "heads.b.scale" in net.state_dict() and "blocks.1.scale" not in net.state_dict()


def test_modules_children_and_names():
    net = Net()
    assert [name for name, _ in net.named_modules()] == ["", "first", "blocks.0", "blocks.1", "heads.a", "heads.b"]
    assert [name for name, _ in net.named_children()] == ["first", "blocks.0", "blocks.1", "heads.a", "heads.b"]
    assert len(list(net.children())) == 5 and len(list(net.modules())) == 6
    assert net.blocks[1]._name == "blocks.1"


def test_module_that_contains_itself_terminates():
    net = Net()
    net.blocks.append(net)
    assert len(list(net.modules())) == 6
    assert len(net.state_dict()) > 0


def test_unknown_attribute_raises():
    with pytest.raises(AttributeError):
        _ = Net().nope


def test_train_eval_reach_every_module():
    net = Net()
    assert net.training and all(m.training for m in net.modules())
    assert net.eval() is net
    assert not any(m.training for m in net.modules())
    net.train()
    assert all(m.training for m in net.modules())


def test_zero_grad_and_call_forward():
    net = Net()
    out = net(np.ones(3)).sum()
    out.backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())


def test_call_tags_nodes_with_nested_scopes():
    net = Net()
    out = net(Value(np.ones(3)))
    assert out.scope.kind == "Net" and out.scope.owner is net
    inner = out.parents[0].parents[0]  # heads.a(x) + heads.b(x) -> the output of heads.a
    assert [s.name for s in inner.scope.path()] == ["Net", "heads.a"]
    assert inner.scope.kind == "Affine"


def test_state_dict_includes_buffers_and_shares_their_memory():
    net = Net()
    state = net.state_dict()
    assert list(state)[:4] == ["gain", "first.scale", "first.shift", "first.calls"]
    state["first.scale"][0] = 99.0  # PyTorch's entries share the parameters' memory (copy.deepcopy for a snapshot)
    assert net.first.scale.data[0] == 99.0


def test_load_state_dict_round_trip_and_dtype():
    a, b = Net(), Net()
    for p in a.parameters():
        p.data = p.data + np.random.default_rng(0).normal(size=p.shape)
    a(np.ones(3))
    b.load_state_dict(a.state_dict())
    for (name, pa), (_, pb) in zip(a.named_parameters(), b.named_parameters()):
        np.testing.assert_array_equal(pa.data, pb.data, err_msg=name)
    assert b.first.calls == 1 and b.first.calls.dtype == np.int64
    f32 = {k: v.astype(np.float32) if v.dtype.kind == "f" else v for k, v in a.state_dict().items()}
    b.load_state_dict(f32)
    assert b.first.scale.dtype == np.float64  # cast to the parameter's dtype


def test_load_state_dict_strict_errors_name_keys_and_shapes():
    net = Net()
    state = net.state_dict()
    state.pop("gain")
    state["extra.weight"] = np.zeros(2)
    with pytest.raises(ValueError, match=r'Missing key\(s\) in state_dict: "gain". \n\tUnexpected key\(s\) in '
                                         r'state_dict: "extra.weight".'):
        net.load_state_dict(state)
    missing, unexpected = net.load_state_dict(state, strict=False)
    assert missing == ["gain"] and unexpected == ["extra.weight"]
    bad = net.state_dict()
    bad["blocks.0.scale"] = np.zeros(4)
    before = net.first.scale.data.copy()
    bad["first.scale"] = before + 1
    with pytest.raises(ValueError, match=r"size mismatch for blocks.0.scale: copying a param with shape "
                                         r"torch.Size\(\[4\]\) from checkpoint, the shape in current model is "
                                         r"torch.Size\(\[3\]\)."):
        net.load_state_dict(bad)
    np.testing.assert_array_equal(net.first.scale.data, before)  # nothing changed


def test_save_load_npz_round_trip(tmp_path):
    a, b = nn.MLP(3, [5, 2], rng=1), nn.MLP(3, [5, 2], rng=2)
    path = tmp_path / "model.npz"
    a.save(path)
    with np.load(path, allow_pickle=False) as archive:
        assert sorted(archive.files) == sorted(a.state_dict())
    b.load(path)
    x = np.ones((2, 3), np.float32)
    np.testing.assert_array_equal(a(x).data, b(x).data)


def test_load_refuses_pickled_objects(tmp_path):
    path = tmp_path / "evil.npz"
    np.savez(path, gain=np.array([object()], dtype=object))
    with pytest.raises(ValueError, match="pickle"):
        Net().load(path)


def test_repr_is_nested_with_counts():
    text = repr(nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2)))
    assert text.splitlines() == [
        "Sequential(  # 23 parameters",
        "  (0): Linear(in_features=4, out_features=3, bias=True)  # 15 parameters",
        "  (1): ReLU()",
        "  (2): Linear(in_features=3, out_features=2, bias=True)  # 8 parameters",
        ")",
    ]


def test_register_buffer_validates():
    m = Module()
    with pytest.raises(ValueError, match="invalid buffer name"):
        m.register_buffer("a.b", np.zeros(1))
    m.register_buffer("a", Value([1.0, 2.0]))  # PyTorch code registers tensors: kept as the array
    assert type(m.a) is ParameterArray and m.a.tolist() == [1.0, 2.0] and "a" in m.state_dict()
    with pytest.raises(TypeError, match="Parameter"):
        m.register_parameter("w", np.zeros(2))


def test_forward_missing_raises():
    with pytest.raises(NotImplementedError, match="Module must define forward"):
        Module()(1)


def test_parameters_get_labels_from_attribute_names():
    lin = nn.Linear(2, 3)
    assert lin.weight.label == "weight" and lin.bias.label == "bias"


def test_apply_visits_children_before_parents_like_pytorch():
    torch = pytest.importorskip("torch")
    from autograd_core import nn as ours

    def build(lib):
        return lib.Sequential(lib.Linear(2, 3), lib.Sequential(lib.ReLU(), lib.Linear(3, 1)))

    def order(model):
        seen = []
        assert model.apply(lambda m: seen.append(type(m).__name__)) is model
        return seen

    assert order(build(ours)) == order(build(torch.nn))


def test_apply_initialises_weights():
    from autograd_core import nn as ours

    model = ours.Sequential(ours.Linear(2, 3), ours.ReLU(), ours.Linear(3, 1))

    def init(m):
        if isinstance(m, ours.Linear):
            ours.init.constant_(m.weight, 0.5)

    model.apply(init)
    assert all((layer.weight.data == 0.5).all() for layer in (model[0], model[2]))


def test_forward_hooks_see_and_replace_inputs_and_outputs_as_in_pytorch():
    model = nn.Sequential(nn.Linear(2, 3, rng=0), nn.ReLU(), nn.Linear(3, 1, rng=1))
    x = np.array([[1.0, -2.0], [0.5, 0.25]], dtype=np.float32)
    plain = model(x).data.copy()
    seen = {}
    keep = model[0].register_forward_hook(lambda module, args, output: seen.update(fc1=(args[0].shape, output.shape)))
    double = model[1].register_forward_hook(lambda module, args, output: output * 2.0)
    third = model[2].register_forward_pre_hook(lambda module, args: args[0] / 3.0)  # one value: the new args
    np.testing.assert_allclose(model(x).data - model[2].bias.data, (plain - model[2].bias.data) * 2.0 / 3.0,
                               rtol=1e-6)
    assert seen["fc1"] == ((2, 2), (2, 3))
    double.remove()
    third.remove()
    with model[2].register_forward_hook(lambda module, args, kwargs, output: output + kwargs.get("shift", 0.0),
                                        with_kwargs=True):
        np.testing.assert_allclose(model(x).data, plain, rtol=1e-6)
    np.testing.assert_allclose(model(x).data, plain, rtol=1e-6)
    keep.remove()
    assert model[0]._module_hooks is None and list(model.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    with pytest.raises(TypeError, match="expected a callable"):
        model.register_forward_hook("not a function")

    torch = pytest.importorskip("torch")
    linear = torch.nn.Linear(2, 3)
    calls = []
    linear.register_forward_pre_hook(lambda module, args: calls.append(("pre", len(args))))
    linear.register_forward_hook(lambda module, args, output: calls.append(("post", tuple(output.shape))))
    linear(torch.zeros(4, 2))
    ours = nn.Linear(2, 3, rng=0)
    mine = []
    ours.register_forward_pre_hook(lambda module, args: mine.append(("pre", len(args))))
    ours.register_forward_hook(lambda module, args, output: mine.append(("post", output.shape)))
    ours(np.zeros((4, 2), dtype=np.float32))
    assert mine == calls


def _backward_hook_run(lib, variant):
    """A two-layer network with full backward (pre-)hooks on each layer logging what they see: (log, the
    parameters' gradients). variant: 'plain', 'input grad' (x requires grad), 'scale' (a hook doubles grad_input
    of the Tanh), 'prescale' (a pre-hook triples grad_output of the last layer)."""
    def plain(g):
        return None if g is None else np.array(g.tolist())

    log = []
    model = lib.nn.Sequential(lib.nn.Linear(2, 3), lib.nn.Tanh(), lib.nn.Linear(3, 1)).double()
    with lib.no_grad():
        model[0].weight.copy_(lib.tensor(np.arange(6.0).reshape(3, 2) / 5 - 0.5, dtype=lib.float64))
        model[2].weight.copy_(lib.tensor([[0.3, -0.7, 1.1]], dtype=lib.float64))
        model[0].bias.zero_()
        model[2].bias.zero_()
    for i, layer in enumerate(model):
        layer.register_full_backward_hook(
            lambda m, gi, go, i=i: log.append(("full", i, [plain(g) for g in gi], [plain(g) for g in go])))
        layer.register_full_backward_pre_hook(lambda m, go, i=i: log.append(("pre", i, [plain(g) for g in go])))
    if variant == "scale":
        model[1].register_full_backward_hook(lambda m, gi, go: tuple(g * 2 for g in gi))
    if variant == "prescale":
        model[2].register_full_backward_pre_hook(lambda m, go: tuple(g * 3 for g in go))
    x = lib.tensor([[1.0, -1.0], [0.5, 2.0]], dtype=lib.float64, requires_grad=variant == "input grad")
    model(x).sum().backward()
    return log, [plain(p.grad) for p in model.parameters()]


@pytest.mark.parametrize("variant", ["plain", "input grad", "scale", "prescale"])
def test_full_backward_hooks_see_and_replace_gradients_as_in_pytorch(variant):
    log, grads = _backward_hook_run(ag_module(), variant)
    order = [("pre", 2), ("full", 2), ("pre", 1), ("full", 1), ("pre", 0), ("full", 0)]
    assert [entry[:2] for entry in log] == order
    first = log[-1]  # the first layer's inputs need no gradient unless x does: grad_input (None,) then
    assert (first[2][0] is None) == (variant != "input grad")
    # the last layer's grad_output is d(sum)/d(output): ones; its full hook sees it tripled where a pre-hook says so
    np.testing.assert_array_equal(log[0][2][0], np.ones((2, 1)))
    np.testing.assert_array_equal(log[1][3][0], np.full((2, 1), 3.0 if variant == "prescale" else 1.0))
    torch = pytest.importorskip("torch")
    theirs, their_grads = _backward_hook_run(torch, variant)
    for ours_entry, their_entry in zip(log, theirs):
        assert ours_entry[:2] == their_entry[:2]
        for mine, other in zip(ours_entry[2:], their_entry[2:]):
            assert [g is None for g in mine] == [g is None for g in other]
            for g, h in zip(mine, other):
                if g is not None:
                    np.testing.assert_allclose(g, h, rtol=1e-12)
    for g, h in zip(grads, their_grads):
        np.testing.assert_allclose(g, h, rtol=1e-12)


def ag_module():
    import autograd_core

    return autograd_core


def test_backward_hooks_with_several_inputs_or_outputs_and_passes():
    import autograd_core as ag

    log = []
    lstm = nn.LSTM(3, 4, batch_first=True)
    lstm.register_full_backward_hook(lambda m, gi, go: log.append(("lstm", gi, [None if g is None else g.shape
                                                                               for g in go])))
    out, (h, c) = lstm(ag.ones(2, 5, 3))
    out.sum().backward()
    assert log == [("lstm", (None,), [(2, 5, 4), None])]  # PyTorch's: one entry per item of (out, (h, c))
    bilinear = nn.Bilinear(2, 3, 4)
    x1, x2 = ag.ones(5, 2, requires_grad=True), ag.ones(5, 3, requires_grad=True)
    handle = bilinear.register_full_backward_hook(lambda m, gi, go: log.append(("bilinear", [g.shape for g in gi])))
    bilinear(x1, x2).sum().backward()
    assert log[-1] == ("bilinear", [(5, 2), (5, 3)])
    handle.remove()
    bilinear.register_full_backward_hook(lambda m, gi, go: tuple(g * 0 for g in gi))  # both: one already went on
    with pytest.raises(RuntimeError, match="replaced a gradient that already went on"):
        bilinear(x1, x2).sum().backward()
    linear = nn.Linear(2, 2)
    handle = linear.register_full_backward_hook(lambda m, gi, go: log.append("linear"))
    out = linear(ag.ones(1, 2, requires_grad=True))
    assert out.op == "backward_hook" and out.parents[0].op == "linear"  # a picture names the watching node
    assert ag.jvp(lambda v: linear(v).sum(), (ag.ones(1, 2),), (ag.ones(1, 2),))[1] == pytest.approx(
        float(linear.weight.data.sum()), rel=1e-6)  # forward mode goes through the watching node
    loss = linear(ag.ones(1, 2, requires_grad=True)).sum()
    loss.backward(retain_graph=True)
    loss.backward()
    assert log[-2:] == ["linear", "linear"]  # once per pass
    handle.remove()
    assert linear._module_hooks is None
    linear(ag.ones(1, 2, requires_grad=True)).sum().backward()
    assert log[-1] == "linear"
    with ag.no_grad():
        linear.register_full_backward_hook(lambda m, gi, go: log.append("no_grad"))
        linear(ag.ones(1, 2))  # nothing recorded, nothing to hook
    with pytest.raises(TypeError, match="register_full_backward_hook: expected a callable"):
        linear.register_full_backward_hook(None)


def test_tensor_hooks_get_pytorchs_tensor_methods_and_may_return_a_value():
    import autograd_core as ag

    x = ag.ones(3, requires_grad=True)
    h = x * 2
    norms = []
    h.register_hook(lambda g: norms.append(float(g.norm())))
    h.register_hook(lambda g: g.clamp(-1, 1))  # a Value, as PyTorch's clamp gives a tensor
    (h * 3).sum().backward()
    assert norms == [pytest.approx(27 ** 0.5)] and x.grad.tolist() == [2.0, 2.0, 2.0]
    assert type(np.asarray(x.grad)) is np.ndarray


def test_a_compiled_step_through_a_hooked_module_runs_eagerly_and_calls_the_hook():
    import warnings

    import autograd_core as ag
    from autograd_core import optim
    from autograd_core.jit import CompileWarning

    model = nn.Sequential(nn.Linear(2, 3, rng=0), nn.ReLU(), nn.Linear(3, 1, rng=1))
    opt = optim.SGD(model.parameters(), lr=0.1)

    def step(x):
        opt.zero_grad()
        loss = model(x).sum()
        loss.backward()
        opt.step()
        return loss

    compiled = ag.compile(step)
    x = np.ones((4, 2), dtype=np.float32)
    for _ in range(3):
        compiled(x)
    assert compiled.stats["replayed"] == 1
    calls = []
    model[0].register_forward_hook(lambda module, args, output: calls.append(output.shape))  # after compiling
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(3):
            compiled(x)
    assert len(calls) == 3 and compiled.stats["replayed"] == 1  # every call ran it: none replayed the old program
    assert any(issubclass(w.category, CompileWarning) and "forward hooks" in str(w.message) for w in caught)


def test_pytorchs_private_hook_mappings_are_live_views():
    # Code written for PyTorch reads module._forward_pre_hooks and friends (the pruning tutorial prints them) and
    # deletes from them; here they are views of the module's hooks.
    layer = nn.Linear(2, 2)
    assert len(layer._forward_hooks) == 0 and dict(layer._backward_hooks) == {}

    def look(module, args, output):
        return None

    handle = layer.register_forward_hook(look)
    layer.register_full_backward_hook(lambda m, gi, go: None)
    assert list(layer._forward_hooks.values()) == [look] and list(layer._forward_hooks) == [handle.id]
    assert len(layer._backward_hooks) == 1 and len(layer._forward_pre_hooks) == 0
    assert repr(layer._forward_hooks).startswith("OrderedDict({")
    with pytest.raises(TypeError, match="register_forward_hook"):
        layer._forward_hooks[99] = look
    del layer._forward_hooks[handle.id]
    layer._backward_hooks.clear()
    assert layer._module_hooks is None  # none left: the plain call path again
    with pytest.raises(KeyError):
        del layer._forward_hooks[handle.id]


def test_deleting_a_buffer_unregisters_it_as_pytorch_does():
    import autograd_core as ag

    layer = nn.Linear(2, 2)
    layer.register_buffer("running", ag.zeros(2))
    layer.register_buffer("scratch", ag.zeros(1), persistent=False)
    del layer.running, layer.scratch  # the state dict read the names of deleted buffers before
    assert list(layer.state_dict()) == ["weight", "bias"] and list(layer.named_buffers()) == []
    layer.register_buffer("scratch", ag.ones(1))  # a name used again is a buffer of its own kind
    assert list(layer.state_dict()) == ["weight", "bias", "scratch"]


def test_modules_view_lets_a_subclass_register_and_run_children_as_d2l_writes_it():
    # d2l's MySequential: `self._modules[str(idx)] = module` and `for block in self._modules.values()`.
    class MySequential(Module):
        def __init__(self, *args):
            super().__init__()
            for idx, module in enumerate(args):
                self._modules[str(idx)] = module

        def forward(self, X):
            for block in self._modules.values():
                X = block(X)
            return X

    first, second = nn.Linear(3, 4), nn.Linear(4, 2)
    net = MySequential(first, nn.ReLU(), second)
    assert list(net._modules) == ["0", "1", "2"] and net._modules["2"] is second
    assert [name for name, _ in net.named_parameters()] == ["0.weight", "0.bias", "2.weight", "2.bias"]
    x = Value(np.random.default_rng(0).standard_normal((5, 3)), dtype=np.float32)  # the layers' dtype
    np.testing.assert_allclose(net(x).data, second(first(x).relu()).data)
    assert "(0): Linear" in repr(net)
    del net._modules["1"]
    assert list(net._modules) == ["0", "2"] and not hasattr(net, "1")
    with pytest.raises(KeyError):
        del net._modules["1"]
    with pytest.raises(TypeError, match="must be a Module"):
        net._modules["3"] = 5


def test_parameters_view_reads_registers_and_deletes_own_parameters():
    # d2l initialises RNN weights through `m._parameters[name]`; weight-norm style code deletes and re-adds them.
    layer = nn.Linear(3, 2)
    assert list(layer._parameters) == ["weight", "bias"] and layer._parameters["weight"] is layer.weight
    assert dict(nn.Sequential(layer)._parameters) == {}  # direct parameters only, as PyTorch's
    del layer._parameters["bias"]
    assert [name for name, _ in layer.named_parameters()] == ["weight"]
    layer._parameters["scale"] = Parameter(np.ones(2))
    assert layer.scale.data.tolist() == [1.0, 1.0] and "scale" in layer.state_dict()
    with pytest.raises(TypeError, match="must be a Parameter"):
        layer._parameters["other"] = np.ones(2)


def test_containers_keep_their_own_modules_dict():
    # ModuleList and ModuleDict store their children in an instance dict named _modules: it wins over the view.
    items = nn.ModuleList([nn.Linear(1, 1), nn.Linear(1, 1)])
    assert type(items._modules) is dict and list(items._modules) == ["0", "1"]
    heads = nn.ModuleDict({"a": nn.ReLU()})
    assert type(heads._modules) is dict and list(heads._modules) == ["a"]


def test_a_buffer_has_pytorchs_tensor_methods_and_keeps_them():
    """fast.ai's BatchNorm written by hand: `self.register_buffer('means', torch.zeros(1, nf, 1, 1))`, then
    `self.means.lerp_(m, mom)` and `(self.vars + eps).sqrt()`: PyTorch's buffers are tensors. An n-d buffer is a
    ParameterArray (as a Parameter's data) however it is set: registered, assigned anew, converted, loaded."""
    m = Module()
    m.register_buffer("means", np.zeros((1, 3)))
    m.register_buffer("count", np.array(0))  # 0-d: kept as it is (num_batches_tracked)
    m.register_buffer("missing", None)
    assert type(m.means) is ParameterArray and type(m.count) is np.ndarray and m.missing is None
    m.means.lerp_(np.ones((1, 3)), 0.25)
    assert m.means.tolist() == [[0.25, 0.25, 0.25]]
    assert np.allclose((m.means + 1.0).sqrt().data, np.sqrt(1.25))
    m.means = np.full((1, 3), 2.0)  # assigned anew: still a buffer with the methods
    assert type(m.means) is ParameterArray and "means" in m.state_dict()
    m.plain = np.zeros(2)  # not a buffer: a plain attribute stays a plain array
    assert type(m.plain) is np.ndarray
    m.to(np.float32)
    assert type(m.means) is ParameterArray and m.means.dtype == np.float32
    m.load_state_dict({"means": np.ones((1, 3), np.float32), "count": np.array(4)})
    assert type(m.means) is ParameterArray and m.means.tolist() == [[1.0, 1.0, 1.0]] and int(m.count) == 4
    bn = nn.BatchNorm1d(3)
    assert type(bn.running_mean) is ParameterArray
    bn(Value(np.arange(6.0, dtype=np.float32).reshape(2, 3)))
    assert type(bn.running_mean) is ParameterArray and np.allclose(bn.running_mean, [0.15, 0.25, 0.35])


def test_a_module_in_a_plain_list_and_an_attribute_takes_the_attributes_name_and_place_as_in_pytorch():
    # 莫烦's batch-norm network keeps its layers in plain lists (which PyTorch never looks into) and registers each
    # with setattr: PyTorch names them fc0, bn0, ... in the order they were set, after bn_input.
    class Net(Module):
        def __init__(self):
            super().__init__()
            self.fcs, self.bns = [], []
            self.bn_input = nn.BatchNorm1d(1)
            for i in range(2):
                fc = nn.Linear(1 if i == 0 else 3, 3)
                setattr(self, "fc%i" % i, fc)
                self.fcs.append(fc)
                bn = nn.BatchNorm1d(3)
                setattr(self, "bn%i" % i, bn)
                self.bns.append(bn)
            self.extra = [nn.Linear(3, 1)]  # only in a list: found there, as this library always did

    net = Net()
    assert [name for name, _ in net.named_children()] == ["bn_input", "fc0", "bn0", "fc1", "bn1", "extra.0"]
    assert list(net.state_dict())[:7] == ["bn_input.weight", "bn_input.bias", "bn_input.running_mean",
                                          "bn_input.running_var", "bn_input.num_batches_tracked", "fc0.weight",
                                          "fc0.bias"]
    assert "fcs.0.weight" not in net.state_dict() and "extra.0.weight" in net.state_dict()
    assert [name for name, _ in net.named_parameters()][-2:] == ["extra.0.weight", "extra.0.bias"]
    assert len(list(net.parameters())) == 2 + 4 * 2 + 2


def test_named_modules_walks_the_children_a_loop_body_just_set_as_pytorchs_does():
    """LoRA-style code replaces a module's Linear children while it walks named_modules(): the walk reads a module's
    children after the loop's body has run on it, so it goes into the new wrappers (PyTorch 2.13's output, below).
    named_parameters() reuses the scan that lists a module's parameters to find its children; named_modules() must
    not read them before the body."""

    class Wrap(nn.Module):
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Sequential(nn.Linear(3, 3)))
    seen = []
    for name, module in model.named_modules():
        seen.append((name, type(module).__name__))
        for child_name, child in list(module.named_children()):
            if type(child) is nn.Linear and not isinstance(module, Wrap):
                setattr(module, child_name, Wrap(child))
    assert seen == [("", "Sequential"), ("0", "Wrap"), ("0.inner", "Linear"), ("1", "ReLU"), ("2", "Sequential"),
                    ("2.0", "Wrap"), ("2.0.inner", "Linear")]
    assert [name for name, _ in model.named_parameters()] == ["0.inner.weight", "0.inner.bias", "2.0.inner.weight",
                                                              "2.0.inner.bias"]
