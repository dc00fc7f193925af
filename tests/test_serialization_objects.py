"""Checkpoints holding objects (a dataclass config, an argparse.Namespace): `save` writes them in both formats, and
`load` rebuilds them only for the classes the user allows (PyTorch's `torch.serialization.add_safe_globals` with
weights_only=True), refusing the others before anything is built. Against PyTorch's own save and load where installed.
"""

from __future__ import annotations

import argparse
import dataclasses
import enum
import io
import pickle
import zipfile

import numpy as np
import pytest

import autograd_core as torch
from autograd_core import nn
from autograd_core import serialization as S


@dataclasses.dataclass
class GPTConfig:
    block_size: int = 1024
    vocab_size: int = 50257
    name: str = "gpt2"


@dataclasses.dataclass(frozen=True, slots=True)
class Frozen:
    a: float
    b: tuple


class Colour(enum.Enum):
    RED = 1
    BLUE = 2


class Counted:
    """Records every instance made and every state set: a refused load must make none."""

    made, states = [], []

    def __new__(cls, *args):
        obj = super().__new__(cls)
        Counted.made.append(obj)
        return obj

    def __init__(self, n=0):
        self.n = n

    def __setstate__(self, state):
        Counted.states.append(state)
        self.__dict__.update(state)


@pytest.fixture(autouse=True)
def _no_allowed_classes():
    S.clear_safe_globals()
    Counted.made.clear()
    Counted.states.clear()
    yield
    S.clear_safe_globals()


def saved(obj, format):
    f = io.BytesIO()
    torch.save(obj, f, format=format)
    f.seek(0)
    return f


FORMATS = ["npz", "torch"]


@pytest.mark.parametrize("format", FORMATS)
def test_a_checkpoint_with_a_config_object_loads_once_its_class_is_allowed(format):
    checkpoint = {"model": {"w": np.arange(6.0).reshape(2, 3)}, "config": GPTConfig(64, 320, "tiny"),
                  "args": argparse.Namespace(lr=3e-4, batch_size=8), "step": 59}
    with pytest.raises(pickle.UnpicklingError, match=r"GPTConfig, which is not allowed.*add_safe_globals\(\[GPTConfig"):
        torch.load(saved(checkpoint, format))
    torch.serialization.add_safe_globals([GPTConfig, argparse.Namespace])
    back = torch.load(saved(checkpoint, format))
    assert type(back["config"]) is GPTConfig and back["config"] == GPTConfig(64, 320, "tiny")
    assert back["args"] == argparse.Namespace(lr=3e-4, batch_size=8) and back["step"] == 59
    np.testing.assert_array_equal(back["model"]["w"], checkpoint["model"]["w"])


@pytest.mark.parametrize("format", FORMATS)
def test_safe_globals_allows_within_its_block_only(format):
    f = saved({"config": GPTConfig()}, format)
    with torch.serialization.safe_globals([GPTConfig]):
        assert torch.load(f)["config"] == GPTConfig()
        assert torch.serialization.get_safe_globals() == [GPTConfig]
    assert torch.serialization.get_safe_globals() == []
    f.seek(0)
    with pytest.raises(pickle.UnpicklingError, match="GPTConfig"):
        torch.load(f)


@pytest.mark.parametrize("format", FORMATS)
def test_a_refused_load_builds_nothing_and_an_allowed_one_sets_the_state_as_pickle_does(format):
    f = saved({"counted": Counted(7)}, format)
    Counted.made.clear()
    with pytest.raises(pickle.UnpicklingError, match="Counted"):
        torch.load(f)
    assert Counted.made == [] and Counted.states == []
    f.seek(0)
    with torch.serialization.safe_globals([Counted]):
        back = torch.load(f)["counted"]
    assert back.n == 7 and Counted.made == [back] and Counted.states == [{"n": 7}]  # __new__, not __init__


@pytest.mark.parametrize("format", FORMATS)
def test_slots_frozen_dataclasses_enums_and_shared_objects(format):
    config = GPTConfig(8)
    obj = {"frozen": Frozen(0.5, (1, "x")), "colour": Colour.BLUE, "same": [config, config]}
    with torch.serialization.safe_globals([Frozen, Colour, GPTConfig]):
        back = torch.load(saved(obj, format))
    assert back["frozen"] == Frozen(0.5, (1, "x")) and back["colour"] is Colour.BLUE
    assert back["same"] == [config, config]
    if format == "torch":  # PyTorch's pickle keeps an object met twice one object
        assert back["same"][0] is back["same"][1]


def renamed_in_pickle(f, old, new):
    """The torch-format checkpoint `f` with the bytes `old` of its pickle replaced by `new` (the zip rewritten)."""
    out = io.BytesIO()
    with zipfile.ZipFile(f) as archive, zipfile.ZipFile(out, "w") as rewritten:
        for name in archive.namelist():
            data = archive.read(name)
            rewritten.writestr(name, data.replace(old, new) if name.endswith("data.pkl") else data)
    return out.getvalue()


@pytest.mark.parametrize("format", FORMATS)
def test_devices_load_without_being_allowed(format):
    back = torch.load(saved({"device": torch.device("cpu"), "gpu": torch.device("cuda", 1)}, format))
    assert back == {"device": torch.device("cpu"), "gpu": torch.device("cuda:1")}
    assert type(back["device"]) is type(torch.device("cpu"))


def test_a_class_allowed_under_the_name_a_file_spells_it():
    f = saved({"config": GPTConfig(16)}, "torch")
    renamed = renamed_in_pickle(f, f"{__name__}\nGPTConfig\n".encode(), b"old_train\nConfig\n")
    with pytest.raises(pickle.UnpicklingError, match=r"old_train\.Config"):
        torch.load(io.BytesIO(renamed))
    torch.serialization.add_safe_globals([(GPTConfig, "old_train.Config")])
    assert torch.load(io.BytesIO(renamed))["config"] == GPTConfig(16)
    assert torch.serialization.get_safe_globals() == [(GPTConfig, "old_train.Config")]


@pytest.mark.parametrize("format", FORMATS)
def test_get_unsafe_globals_in_checkpoint_names_what_a_load_would_refuse(format):
    f = saved({"config": GPTConfig(), "args": argparse.Namespace(x=1), "w": np.ones(2)}, format)
    assert torch.serialization.get_unsafe_globals_in_checkpoint(f) == ["argparse.Namespace", f"{__name__}.GPTConfig"]
    f.seek(0)
    with torch.serialization.safe_globals([GPTConfig]):
        assert torch.serialization.get_unsafe_globals_in_checkpoint(f) == ["argparse.Namespace"]
    assert torch.serialization.get_unsafe_globals_in_checkpoint(saved({"w": np.ones(2)}, format)) == []


@pytest.mark.parametrize("format", FORMATS)
def test_what_cannot_be_rebuilt_plainly_is_still_refused_when_saving(tmp_path, format):
    path = tmp_path / "ckpt.pth"
    torch.save({"w": np.ones(2)}, path, format=format)
    before = path.read_bytes()
    for obj, what in ((nn.Linear(2, 2), "Linear"), (lambda x: x, "function"), (np.random.default_rng(0), "Generator"),
                      (GPTConfig(name=print), "builtin_function_or_method")):
        with pytest.raises(TypeError, match=rf"cannot save a {what} \(at the object\['x'\]"):
            torch.save({"x": obj}, path, format=format)
    assert path.read_bytes() == before and len(list(tmp_path.iterdir())) == 1
    with pytest.raises(TypeError, match=r"cannot save a SGD .*an optimizer: save its state_dict\(\)"):
        torch.save({"x": torch.optim.SGD([nn.Parameter(np.ones(2))], lr=0.1)}, path, format=format)


def test_add_safe_globals_takes_classes_functions_and_pairs():
    with pytest.raises(TypeError, match="classes or functions"):
        torch.serialization.add_safe_globals(["GPTConfig"])
    with pytest.raises(TypeError, match=r"\(class, 'module.name'\) pair"):
        torch.serialization.add_safe_globals([(GPTConfig, 3)])
    assert torch.serialization.get_safe_globals() == []


# ------------------------------------------------------------------------------------------------
# With PyTorch's torch.save and torch.load.


def test_a_checkpoint_of_pytorchs_with_a_config_loads_here_as_there():
    real = pytest.importorskip("torch")
    f = io.BytesIO()
    real.save({"model": {"w": real.arange(4.0)}, "config": GPTConfig(32, 100), "args": argparse.Namespace(lr=0.1)}, f)
    f.seek(0)
    assert torch.serialization.get_unsafe_globals_in_checkpoint(f) == sorted(
        real.serialization.get_unsafe_globals_in_checkpoint(io.BytesIO(f.getvalue())))
    with pytest.raises(pickle.UnpicklingError, match="not allowed"):
        torch.load(io.BytesIO(f.getvalue()))
    with pytest.raises(pickle.UnpicklingError, match="not an allowed global"):
        real.load(io.BytesIO(f.getvalue()))
    with torch.serialization.safe_globals([GPTConfig, argparse.Namespace]):
        ours = torch.load(io.BytesIO(f.getvalue()))
    with real.serialization.safe_globals([GPTConfig, argparse.Namespace]):
        theirs = real.load(io.BytesIO(f.getvalue()))
    assert ours["config"] == theirs["config"] == GPTConfig(32, 100) and ours["args"] == theirs["args"]
    np.testing.assert_array_equal(ours["model"]["w"], theirs["model"]["w"].numpy())


def test_devices_as_pytorch_saves_and_loads_them():
    real = pytest.importorskip("torch")
    f = io.BytesIO()
    real.save({"device": real.device("cuda", 0), "cpu": real.device("cpu")}, f)
    assert torch.load(io.BytesIO(f.getvalue())) == {"device": torch.device("cuda:0"), "cpu": torch.device("cpu")}
    theirs = real.load(saved({"device": torch.device("cpu")}, "torch"))  # weights_only, nothing allowed
    assert theirs == {"device": real.device("cpu")}


def test_pytorch_loads_ours_with_its_own_safe_globals():
    real = pytest.importorskip("torch")
    f = saved({"config": GPTConfig(8, 50, "x"), "frozen": Frozen(1.5, (2,)), "w": np.ones(3, np.float32)}, "torch")
    with real.serialization.safe_globals([GPTConfig, Frozen]):
        theirs = real.load(f)
    assert theirs["config"] == GPTConfig(8, 50, "x") and theirs["frozen"] == Frozen(1.5, (2,))
    assert theirs["w"].dtype == real.float32
    f.seek(0)
    assert pickle.loads(pickle.dumps(GPTConfig(8))) == GPTConfig(8)  # (the class pickles by name: module-level)
    theirs_all = real.load(f, weights_only=False)  # PyTorch's full unpickler: it imports this module by name
    assert theirs_all["config"] == GPTConfig(8, 50, "x")
