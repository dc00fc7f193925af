"""A module walk (parameters(), named_modules(), zero_grad(), state_dict()) uses again the scan of each module's
attributes while their names and the classes of their values stay the same (nn/module_walk.py). Each test walks
once (the scan is kept), changes the model in one way, and walks again: what the second walk lists is what a fresh
scan lists, PyTorch's names and order where PyTorch has the behaviour (float64 where numbers matter)."""

import copy
import gc
import itertools
import pickle
import weakref

import numpy as np
import pytest
from nn_helpers import torch_or_skip

from autograd_core import nn
from autograd_core.nn import Module, Parameter
from autograd_core.nn.module_walk import _LAYOUTS


def names(model):
    """What every walk lists, walked twice (the second walk reads the kept scans)."""
    for _ in range(2):
        listed = ([name for name, _ in model.named_parameters()], [name for name, _ in model.named_modules()],
                  list(model.state_dict()), len(list(model.parameters())))
    return listed


def build(nn_, torch_like):
    """A model whose attributes are set in an order that mixes parameters, buffers and children (the same code for
    either library)."""

    class Net(nn_.Module):
        def __init__(self):
            super().__init__()
            self.a = nn_.Parameter(torch_like(np.ones(2)))
            self.first = nn_.Linear(2, 3, dtype=None)
            self.register_buffer("stat", torch_like(np.zeros(3)))
            self.b = nn_.Parameter(torch_like(np.ones(3)))
            self.second = nn_.Sequential(nn_.Linear(3, 3), nn_.Tanh(), nn_.LayerNorm(3))

    return Net()


def test_names_keep_registration_order_as_pytorchs_after_changes_between_walks():
    torch = torch_or_skip()
    ours, theirs = build(nn, np.asarray), build(torch.nn, torch.from_numpy)
    for model in (ours, theirs):
        names(model)
        model.a = None  # a parameter set to None: gone from the lists, its place kept
        model.register_parameter("late", model.b)  # a shared parameter under a new name: listed once (first name)
        model.add_module("third", model.first)  # a shared module: listed once
        model.register_module("fourth", type(model.first)(3, 1))
        model.register_buffer("count", (torch.zeros(1) if model is theirs else np.zeros(1)))
        model.a = type(model.b)(model.b.data * 0 + 1.0) if model is theirs else Parameter(np.ones(3))
        del model.second  # deleted, then set again: now after the others, as PyTorch's
        model.second = (torch.nn if model is theirs else nn).Linear(1, 1)
    assert names(ours) == names(theirs)
    assert [n for n, _ in ours.named_parameters(remove_duplicate=False)] == \
        [n for n, _ in theirs.named_parameters(remove_duplicate=False)]
    assert [n for n, _ in ours.named_modules(remove_duplicate=False)] == \
        [n for n, _ in theirs.named_modules(remove_duplicate=False)]
    theirs.load_state_dict({k: torch.from_numpy(np.asarray(v, dtype=np.float64)).float() for k, v in
                            ours.state_dict().items()})
    ours.double(), theirs.double()
    for (name, p), (their_name, q) in zip(ours.named_parameters(), theirs.named_parameters()):
        assert name == their_name and p.data.dtype == np.float64 and q.dtype == torch.float64
        np.testing.assert_array_equal(p.data, q.detach().numpy())


def test_attributes_set_through_object_setattr_or_dict_are_seen_by_the_next_walk():
    """PyTorch does not see these (its registries are kept by __setattr__); this library always scanned the
    attributes, and still lists them: a new name, an existing plain attribute given a Parameter, a deletion, and a
    deletion then the same name again (now last)."""
    model = nn.Linear(2, 2)
    model.scale = 2.0
    names(model)
    object.__setattr__(model, "extra", Parameter(np.ones(1)))
    assert names(model)[0] == ["weight", "bias", "extra"]
    model.__dict__["scale"] = Parameter(np.ones(1))  # same name, a value of another class
    assert names(model)[0] == ["weight", "bias", "scale", "extra"]
    del model.__dict__["weight"]
    assert names(model)[0] == ["bias", "scale", "extra"]
    weight = model.__dict__.pop("bias")
    model.__dict__["bias"] = weight  # the same names and classes, in another order
    assert names(model)[0] == ["scale", "extra", "bias"]
    assert names(model)[2] == ["scale", "extra", "bias"]


def test_containers_changed_in_place_are_read_at_every_walk():
    """micrograd's lists: a list, dict or tuple attribute is read again at each walk; a list of plain values that is
    given a module later, a tuple of plain values replaced by another tuple holding a module, are seen."""

    class Neuron(Module):
        def __init__(self, nin):
            self.w = [Parameter(np.ones(())) for _ in range(nin)]
            self.b = Parameter(np.zeros(()))

    class Layer(Module):
        def __init__(self):
            self.neurons = [Neuron(2), Neuron(2)]
            self.sizes = [2, 2]
            self.shape = (2, 2)
            self.heads = {}

    layer = Layer()
    assert names(layer)[0] == ["neurons.0.w.0", "neurons.0.w.1", "neurons.0.b", "neurons.1.w.0", "neurons.1.w.1",
                               "neurons.1.b"]
    layer.neurons[1] = Neuron(1)
    layer.neurons[0].w.append(Parameter(np.ones(())))
    assert names(layer)[0] == ["neurons.0.w.0", "neurons.0.w.1", "neurons.0.w.2", "neurons.0.b", "neurons.1.w.0",
                               "neurons.1.b"]
    layer.sizes.append(nn.Linear(1, 1))
    layer.heads["out"] = nn.Linear(1, 1)
    assert names(layer)[0][-4:] == ["sizes.2.weight", "sizes.2.bias", "heads.out.weight", "heads.out.bias"]
    assert layer.sizes[2]._name == "sizes.2"  # named when the walk found it
    object.__setattr__(layer, "shape", (2, nn.Linear(1, 1)))  # another tuple, the same class: its module is seen
    assert "shape.1.weight" in names(layer)[0]


def test_class_attributes_and_properties_are_not_members_as_in_pytorch():
    torch = torch_or_skip()
    for nn_, make in ((nn, lambda: Parameter(np.ones(1))), (torch.nn, lambda: torch.nn.Parameter(torch.ones(1)))):
        shared = make()

        class Odd(nn_.Module):
            in_class = shared

            def __init__(self, make=make):
                super().__init__()
                self.own = make()

            @property
            def computed(self):
                return self.own

        odd = Odd()
        assert [n for n, _ in odd.named_parameters()] == ["own"]
        assert list(odd.state_dict()) == ["own"]


def test_a_module_built_without_module_init_is_walked_where_pytorch_refuses_it():
    torch = torch_or_skip()

    class NoInit(nn.Module):
        def __init__(self):
            self.fc = nn.Linear(2, 2)  # no super().__init__(): this library's defaults live on the class

    class TorchNoInit(torch.nn.Module):
        def __init__(self):
            self.fc = torch.nn.Linear(2, 2)

    assert names(NoInit())[0] == ["fc.weight", "fc.bias"]
    with pytest.raises(AttributeError, match="before Module.__init__"):
        TorchNoInit()


def test_copies_and_pickles_walk_on_their_own_and_carry_nothing_of_the_walk():
    model = nn.Sequential(nn.Linear(2, 2), nn.LayerNorm(2))
    model.extra = [nn.Linear(1, 1)]
    before = {id(m): dict(vars(m)) for m in model.modules()}
    written = pickle.dumps(model)
    names(model)
    assert {id(m): dict(vars(m)) for m in model.modules()} == before  # the walk keeps nothing in the modules
    assert pickle.dumps(model) == written
    twin, loaded = copy.deepcopy(model), pickle.loads(written)
    assert names(twin) == names(loaded) == names(model)
    twin.extra.append(nn.Linear(1, 1))
    twin[0].weight = Parameter(np.zeros((2, 2)))
    assert len(names(twin)[0]) == len(names(model)[0]) + 2 and names(loaded) == names(model)
    assert twin[0].weight is not model[0].weight and model[0].weight.data.any()


def test_state_dict_reads_entries_after_its_pre_hooks_and_asks_for_extra_state_when_hooked_or_not():
    torch = torch_or_skip()
    for nn_, tensor in ((nn, np.ones), (torch.nn, lambda shape: torch.ones(shape, dtype=torch.float64))):
        model = nn_.Sequential(nn_.Linear(2, 2).double())
        model.state_dict()

        def grow(module, prefix, keep_vars, nn_=nn_, tensor=tensor):
            module.add_module("added", nn_.Linear(1, 1))
            module.register_buffer("seen", tensor(2))

        model[0].register_state_dict_pre_hook(grow)
        keys = list(model.state_dict())
        assert keys == ["0.weight", "0.bias", "0.seen", "0.added.weight", "0.added.bias"]

    class Counter(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc, self.calls = nn.Linear(1, 1), 0

        def get_extra_state(self):
            self.calls += 1
            return None if self.calls % 2 else np.array(self.calls)

    counter = Counter()
    assert list(counter.state_dict()) == ["fc.weight", "fc.bias"]  # asked once: None
    assert list(counter.state_dict()) == ["_extra_state", "fc.weight", "fc.bias"]  # asked: 2, then the value: 3
    assert counter.calls == 3


def test_shared_modules_and_cycles_with_remove_duplicate_false():
    torch = torch_or_skip()
    for nn_ in (nn, torch.nn):
        shared = nn_.Linear(2, 2)
        model = nn_.Sequential(shared, nn_.Sequential(shared, nn_.Tanh()))
        names_once = [n for n, _ in model.named_modules()]
        names_all = [n for n, _ in model.named_modules(remove_duplicate=False)]
        keys = list(model.state_dict())
        if nn_ is nn:
            ours = (names_once, names_all, keys)
    assert ours == (names_once, names_all, keys)
    a, b = nn.Sequential(nn.Linear(1, 1)), nn.Sequential(nn.Tanh())
    a.add_module("down", b)
    b.add_module("up", a)  # a cycle: cut where a module would be its own descendant
    listed = list(itertools.islice(a.named_modules(remove_duplicate=False), 20))
    assert [n for n, _ in listed] == ["", "0", "down", "down.0"]
    assert list(itertools.islice(a.state_dict(), 20)) == ["0.weight", "0.bias"]


def test_a_walk_keeps_no_module_or_parameter_alive_and_forgets_a_module_that_goes():
    model = nn.Sequential(nn.Linear(2, 2))
    names(model)
    old = weakref.ref(model[0])
    old_weight = weakref.ref(model[0].weight)
    model[0] = nn.Linear(2, 2)
    names(model)
    gc.collect()
    assert old() is None and old_weight() is None
    key = id(model)
    assert key in _LAYOUTS
    del model
    gc.collect()
    assert key not in _LAYOUTS


def test_parametrizations_registered_and_removed_between_walks_as_pytorchs():
    torch = torch_or_skip()

    class Symmetric:
        def __init__(self, nn_):
            self.module = type("Symmetric", (nn_.Module,), {"forward": lambda self, x: x.triu() + x.triu(1).T})()

    listed = []
    for nn_ in (nn, torch.nn):
        model = nn_.Sequential(nn_.Linear(3, 3), nn_.Tanh())
        names(model)
        nn_.utils.parametrize.register_parametrization(model[0], "weight", Symmetric(nn_).module)
        during = names(model)
        nn_.utils.parametrize.remove_parametrizations(model[0], "weight")
        listed.append((during[0], during[1], during[2], names(model)))
    assert listed[0] == listed[1]


def test_a_parameter_replaced_by_a_plain_array_leaves_the_lists():
    """PyTorch refuses the assignment (TypeError); this library takes it, and the array is no longer a parameter."""
    model = nn.Sequential(nn.Linear(2, 2))
    names(model)
    model[0].weight = np.ones((2, 2))
    assert names(model)[0] == ["0.bias"] and names(model)[2] == ["0.bias"]


def test_parameters_goes_through_an_overridden_named_parameters_as_pytorchs():
    torch = torch_or_skip()
    listed = []
    for nn_ in (nn, torch.nn):

        class Frozen(nn_.Sequential):
            def named_parameters(self, *args, **kwargs):
                return ((n, p) for n, p in super().named_parameters(*args, **kwargs) if not n.endswith("bias"))

        model = Frozen(nn_.Linear(2, 2), nn_.Linear(2, 1))
        listed.append([tuple(p.shape) for p in model.parameters()])
    assert listed[0] == listed[1] == [(2, 2), (1, 2)]
