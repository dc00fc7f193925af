"""PyTorch's checkpoint format: `load` reads what `torch.save` wrote, `save(..., format="torch")` writes what
`torch.load(f, weights_only=True)` reads, and neither needs PyTorch.

The torch-free tests read tests/fixtures/torch_checkpoint*.pth (written once by make_torch_checkpoint.py, in
PyTorch's zip and legacy formats) and hand-made files, malicious pickles among them; the others compare with
PyTorch and skip without it.
"""

import collections
import io
import os
import pickle
import random
import struct
import warnings
import zipfile

import numpy as np
import pytest

import autograd_core as ag
from autograd_core import nn, optim

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures")
FIXTURE = os.path.join(FIXTURES, "torch_checkpoint.pth")
LEGACY_FIXTURE = os.path.join(FIXTURES, "torch_checkpoint_legacy.pth")
_LEGACY_HEADER = b"".join(pickle.dumps(x, protocol=2) for x in (
    0x1950A86A20F9469CFC6C, 1001, {"protocol_version": 1001, "little_endian": True, "type_sizes": {"int": 4}}))


def _load_quietly(f, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # bfloat16 -> float32
        return ag.load(f, **kwargs)


def _zip(records, prefix="archive/"):
    """A checkpoint-shaped zip holding `records` (name -> bytes) under `prefix`."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in records.items():
            archive.writestr(prefix + name, data)
    out.seek(0)
    return out


def _records(f):
    f.seek(0)
    with zipfile.ZipFile(f) as archive:
        return {name.partition("/")[2]: archive.read(name) for name in archive.namelist()}


def _saved(obj):
    out = io.BytesIO()
    ag.save(obj, out, format="torch")
    out.seek(0)
    return out


# --------------------------------------------------------------------------------------------------------------
# Without PyTorch.

@pytest.mark.parametrize("path", [FIXTURE, LEGACY_FIXTURE], ids=["zip", "legacy"])
def test_reads_a_checkpoint_written_by_torch_save(path):
    with pytest.warns(UserWarning, match="bfloat16 tensors.*loaded as float32") as caught:
        state = ag.load(path, map_location="cpu")
    assert caught[0].filename == __file__  # the warning points at the caller
    assert type(state) is collections.OrderedDict and list(state)[:3] == ["weight", "weight_t", "row"]
    weight = np.arange(6, dtype=np.float32).reshape(2, 3) / 4
    np.testing.assert_array_equal(state["weight"], weight)
    assert state["weight"].dtype == np.float32
    np.testing.assert_array_equal(state["weight_t"], weight.T)  # strides (1, 3) of the same storage
    np.testing.assert_array_equal(state["row"], weight[1])  # storage offset 3
    # Views of one storage in PyTorch view one array here, as after torch.load.
    assert np.shares_memory(state["weight"], state["weight_t"]) and np.shares_memory(state["weight"], state["row"])
    expected = {"bias": np.array([-1.0, 2.0]), "num_batches_tracked": np.array(7, dtype=np.int64),
                "mask": np.array([True, False, True]), "half": np.array([1.5, -2.0], dtype=np.float16),
                "brain": np.array([0.5, 3.0], dtype=np.float32), "small": np.array([-3, 4], dtype=np.int8),
                "pixels": np.array([0, 255], dtype=np.uint8)}
    for key, want in expected.items():
        assert isinstance(state[key], np.ndarray) and state[key].dtype == want.dtype, key
        assert state[key].flags.writeable, key  # as torch.load's tensors
        assert state[key].shape == want.shape, key
        np.testing.assert_array_equal(state[key], want)
    param = state["param"]  # an nn.Parameter: a leaf Value that requires grad
    assert isinstance(param, ag.Value) and param.requires_grad and param.is_leaf
    np.testing.assert_array_equal(param.data, [1.0, 2.0])
    assert state["optimizer"] == {"state": {0: {"step": np.array(1.0, dtype=np.float32), "momentum_buffer": None}},
                                  "param_groups": [{"lr": 0.1, "betas": (0.9, 0.999), "params": [0]}]}
    # The same from a file object, and with PyTorch's other map_location forms.
    with open(path, "rb") as f:
        again = _load_quietly(f, map_location={"cuda:0": "cpu"})
    np.testing.assert_array_equal(again["weight"], weight)
    _load_quietly(path, map_location=lambda storage, location: storage)
    with pytest.raises(RuntimeError, match="map_location"):
        ag.load(path, map_location="cuda:0")


def test_a_pytorch_state_dict_loads_into_a_model():
    model = nn.Linear(3, 2)
    state = _load_quietly(FIXTURE)
    model.load_state_dict({"weight": state["weight"], "bias": state["bias"]})
    np.testing.assert_array_equal(model.weight.data, state["weight"])
    np.testing.assert_array_equal(model.bias.data, [-1.0, 2.0])


def _malicious_pickles(marker):
    command = f"touch {marker}"

    class System:
        def __reduce__(self):
            return (os.system, (command,))

    protocol_0_inst = b"(ios\nsystem\n."  # INST: import and call in one opcode
    return {
        "GLOBAL os.system": pickle.dumps({"w": System()}, protocol=2),
        "STACK_GLOBAL os.system": pickle.dumps([System()], protocol=4),
        "INST os.system": protocol_0_inst,
        "builtins.eval": b"\x80\x02c__builtin__\neval\nX\x08\x00\x00\x00print(1)\x85R.",
        "builtins.getattr": b"\x80\x02c__builtin__\ngetattr\n)R.",
    }


@pytest.mark.parametrize("kind", ["GLOBAL os.system", "STACK_GLOBAL os.system", "INST os.system", "builtins.eval",
                                  "builtins.getattr"])
def test_a_malicious_checkpoint_is_refused_and_runs_nothing(tmp_path, kind):
    marker = tmp_path / "ran"
    path = tmp_path / "evil.pth"
    evil = _malicious_pickles(marker)[kind]
    legacy = _LEGACY_HEADER + evil + pickle.dumps([], protocol=2)
    for data in (_zip({"data.pkl": evil, "version": b"3\n"}).getvalue(), legacy):
        path.write_bytes(data)
        with pytest.raises(pickle.UnpicklingError, match=r"(system|eval|getattr).*not allowed|INST.*not allowed"):
            ag.load(path)
        assert not marker.exists()
    # The same pickle alone (not in a zip) is refused before it is read.
    path.write_bytes(_malicious_pickles(marker)[kind])
    with pytest.raises(RuntimeError, match="not a file written by autograd_core.save or torch.save"):
        ag.load(path)
    assert not marker.exists()


def test_a_global_in_the_refusal_is_named():
    evil = _zip({"data.pkl": pickle.dumps(collections.Counter(), protocol=2)})
    with pytest.raises(pickle.UnpicklingError, match=r"the global collections\.Counter, which is not allowed"):
        ag.load(evil)


def test_a_tensor_reaching_outside_its_storage_is_refused():
    records = _records(_saved(np.arange(4.0)))
    assert records["data.pkl"].count(b"(K\x04t") == 1  # the size (4,)
    too_long = dict(records, **{"data.pkl": records["data.pkl"].replace(b"(K\x04t", b"(K\x05t")})
    with pytest.raises(pickle.UnpicklingError, match="reaches element 4 of storage 0, which has 4"):
        ag.load(_zip(too_long))
    short = dict(records, **{"data/0": records["data/0"][:-8]})
    with pytest.raises(pickle.UnpicklingError, match="storage 0 has 24 bytes, its persistent id announces 32"):
        ag.load(_zip(short))
    with pytest.raises(RuntimeError, match=r"damaged PyTorch checkpoint \(no data/0\)"):
        ag.load(_zip({k: v for k, v in records.items() if k != "data/0"}))
    with pytest.raises(pickle.UnpicklingError, match="damaged pickle"):
        ag.load(_zip(dict(records, **{"data.pkl": records["data.pkl"][:-9]})))


@pytest.mark.parametrize("path", [FIXTURE, LEGACY_FIXTURE], ids=["zip", "legacy"])
def test_damaged_checkpoints_raise_only_the_documented_errors(path):
    """Bytes changed, dropped or added anywhere (zip headers, the pickle, storages): UnpicklingError or
    RuntimeError, never another exception, a crash or a huge allocation."""
    rng = random.Random(0)
    whole = open(path, "rb").read()
    for _ in range(150):
        data = bytearray(whole)
        for _ in range(rng.randint(1, 3)):
            i, kind = rng.randrange(len(data)), rng.random()
            if kind < 0.6:
                data[i] = rng.randrange(256)
            elif kind < 0.8:
                del data[i]
            else:
                data.insert(i, rng.randrange(256))
        try:
            _load_quietly(io.BytesIO(bytes(data)))
        except (pickle.UnpicklingError, RuntimeError):
            pass


def test_a_big_endian_checkpoint_reads_the_same():
    values = {"f": np.array([1.5, -2.25, 3.0]), "i": np.array([1, -2, 300], dtype=np.int32)}
    records = _records(_saved(values))
    swapped = dict(records, byteorder=b"big")
    for key, array in zip(("data/0", "data/1"), values.values()):
        swapped[key] = array.astype(array.dtype.newbyteorder(">")).tobytes()
    back = ag.load(_zip(swapped))
    for key, array in values.items():
        np.testing.assert_array_equal(back[key], array)
        assert back[key].dtype.isnative


def test_save_in_pytorchs_format_round_trips_without_pytorch():
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 2))
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    model(ag.Value(np.ones((5, 3)), requires_grad=False, dtype=np.float32)).sum().backward()
    opt.step()
    tied = np.arange(12.0).reshape(3, 4)
    checkpoint = {"model": model.state_dict(), "optimizer": opt.state_dict(), "epoch": 3, "name": "run",
                  "tied": [tied, tied], "strided": tied[:, ::2], "scalar": np.float32(2.5), "nothing": None,
                  "value": ag.Value(np.ones(2), requires_grad=True), "leaf": model[0].weight,
                  "ints": np.array([[1, 2]], dtype=np.uint16), "empty": np.zeros((0, 3)), "flag": True,
                  "numbers": (1, -2**40, 10**30, 0.5)}
    back = ag.load(_saved(checkpoint))
    fresh = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 2))
    fresh.load_state_dict(back["model"])
    for key, array in model.state_dict().items():
        np.testing.assert_array_equal(fresh.state_dict()[key], array)
        assert back["model"][key].dtype == array.dtype and back["model"][key].shape == array.shape
    opt2 = optim.SGD(fresh.parameters(), lr=0.1, momentum=0.9)
    opt2.load_state_dict(back["optimizer"])
    assert back["tied"][0] is back["tied"][1]  # one object saved twice is one object loaded
    np.testing.assert_array_equal(back["strided"], tied[:, ::2])
    assert back["scalar"].shape == () and back["scalar"].dtype == np.float32 and back["scalar"] == 2.5
    assert back["value"].requires_grad and isinstance(back["leaf"], ag.Value) and back["leaf"].requires_grad
    assert back["ints"].dtype == np.uint16 and back["empty"].shape == (0, 3)
    assert (back["epoch"], back["name"], back["nothing"], back["flag"], back["numbers"]) == (
        3, "run", None, True, (1, -2**40, 10**30, 0.5))


def test_pytorchs_format_aligns_each_record_for_mmap():
    out = _saved({"a": np.ones(3), "b": np.arange(5, dtype=np.int8)})
    raw = out.getvalue()
    with zipfile.ZipFile(out) as archive:
        for info in archive.infolist():
            name_length, extra_length = struct.unpack("<HH", raw[info.header_offset + 26:info.header_offset + 30])
            assert (info.header_offset + 30 + name_length + extra_length) % 64 == 0, info.filename


def test_load_tells_the_formats_apart_by_content(tmp_path):
    state = {"w": np.arange(3.0)}
    ag.save(state, tmp_path / "torch_format.npz", format="torch")
    ag.save(state, tmp_path / "npz_format.pth")
    for name in ("torch_format.npz", "npz_format.pth"):
        np.testing.assert_array_equal(ag.load(tmp_path / name)["w"], state["w"])
    assert zipfile.ZipFile(tmp_path / "torch_format.npz").namelist()[0] == "archive/data.pkl"


def test_save_in_pytorchs_format_is_all_or_nothing(tmp_path):
    path = tmp_path / "model.pth"
    ag.save({"w": np.ones(2)}, path, format="torch")
    before = path.read_bytes()
    with pytest.raises(TypeError, match=r"cannot save a Linear \(at the object\['model'\]\)"):
        ag.save({"w": np.ones(2), "model": nn.Linear(2, 2)}, path, format="torch")
    with pytest.raises(TypeError, match="dict key"):
        ag.save({(1, 2): 3}, path, format="torch")
    with pytest.raises(TypeError, match="dtype <U1"):
        ag.save({"w": np.array(["a"])}, path, format="torch")
    with pytest.raises(ValueError, match="format must be 'npz' or 'torch'"):
        ag.save({"w": np.ones(2)}, path, format="pth")
    assert path.read_bytes() == before and len(list(tmp_path.iterdir())) == 1


def test_damaged_legacy_checkpoints_and_torchscript_are_refused(tmp_path):
    path = tmp_path / "old.pth"
    path.write_bytes(_LEGACY_HEADER[:40])
    with pytest.raises(pickle.UnpicklingError, match="damaged legacy PyTorch checkpoint"):
        ag.load(path)
    whole = open(LEGACY_FIXTURE, "rb").read()
    path.write_bytes(whole[:-4])  # the last storage cut short
    with pytest.raises(pickle.UnpicklingError, match=r"storage \d+ announces \d+ elements, more than the file holds"):
        _load_quietly(path)
    path.write_bytes(_zip({"data.pkl": b"", "constants.pkl": b""}).getvalue())
    with pytest.raises(RuntimeError, match="TorchScript"):
        ag.load(path)


# --------------------------------------------------------------------------------------------------------------
# Compared with PyTorch (skipped without it).

def _torch():
    return pytest.importorskip("torch")


def _torch_saved(obj):
    torch = _torch()
    out = io.BytesIO()
    torch.save(obj, out)
    out.seek(0)
    return out


def _equal(ours, theirs):
    torch = _torch()
    if isinstance(theirs, torch.Tensor):
        array = ours.data if isinstance(ours, ag.Value) else ours
        expected = theirs.detach().float() if theirs.dtype == torch.bfloat16 else theirs.detach()
        assert isinstance(array, np.ndarray) and array.shape == tuple(theirs.shape)
        assert array.dtype == expected.numpy().dtype, (array.dtype, theirs.dtype)
        np.testing.assert_array_equal(array, expected.numpy())
        assert isinstance(ours, ag.Value) == (theirs.requires_grad or isinstance(theirs, torch.nn.Parameter))
    elif isinstance(theirs, dict):
        assert type(ours) is type(theirs) and list(ours) == list(theirs)
        for key in theirs:
            _equal(ours[key], theirs[key])
    elif isinstance(theirs, (list, tuple)):
        assert type(ours) is type(theirs) and len(ours) == len(theirs)
        for a, b in zip(ours, theirs):
            _equal(a, b)
    else:
        assert ours == theirs and type(ours) is type(theirs)


def test_torch_saved_state_dicts_load_as_torch_load_returns_them():
    torch = _torch()
    torch.manual_seed(0)
    modules = {"linear": torch.nn.Linear(3, 2), "conv": torch.nn.Conv2d(2, 3, 3, padding=1),
               "bn": torch.nn.BatchNorm2d(3)}
    modules["bn"](torch.randn(4, 3, 2, 2))  # running statistics and num_batches_tracked (int64, 0-d) move
    opt = torch.optim.Adam(modules["linear"].parameters(), lr=0.01)
    modules["linear"](torch.ones(1, 3)).sum().backward()
    opt.step()
    checkpoint = {name: m.state_dict() for name, m in modules.items()}
    checkpoint.update(optimizer=opt.state_dict(), nested={"a": [1, (2.5, "x")], 3: None, "t": [torch.ones(2)],
                                                          "grad": torch.ones(2, requires_grad=True)})
    back = ag.load(_torch_saved(checkpoint))
    _equal(back, torch.load(_torch_saved(checkpoint), weights_only=True))
    assert back["bn"]._metadata[""] == {"version": 2}  # the attribute torch's state dicts carry
    dtypes = ag.load(_torch_saved({"half": torch.float16, "long": torch.int64, "bf16": torch.bfloat16}))
    assert dtypes["half"] == ag.float16 and dtypes["long"] == ag.int64 and repr(dtypes["bf16"]) == "torch.bfloat16"
    assert back["bn"]["num_batches_tracked"].dtype == np.int64 and back["bn"]["num_batches_tracked"].shape == ()
    conv = nn.Conv2d(2, 3, 3, padding=1)
    conv.load_state_dict(back["conv"])
    x = np.random.default_rng(0).normal(size=(1, 2, 4, 4)).astype(np.float32)
    np.testing.assert_allclose(conv(ag.Value(x, requires_grad=False)).data,
                               modules["conv"](torch.from_numpy(x)).detach().numpy(), rtol=1e-5, atol=1e-6)


_DTYPES = ["float64", "float32", "float16", "bfloat16", "int64", "int32", "int16", "int8", "uint8", "bool",
           "uint16", "uint32", "uint64", "complex64", "complex128"]


@pytest.mark.parametrize("dtype", _DTYPES)
def test_each_dtype_torch_to_ours(dtype):
    torch = _torch()
    values = torch.tensor([[0, 1, 2], [3, 4, 5]]).to(getattr(torch, dtype))
    obj = {"t": values, "nc": values.t(), "row": values[1], "zero_d": values[1, 1], "empty": values[:0]}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        back = ag.load(_torch_saved(obj))
    _equal(back, obj)
    assert np.shares_memory(back["t"], back["nc"]) and np.shares_memory(back["t"], back["row"])


@pytest.mark.parametrize("dtype", [d for d in _DTYPES if d != "bfloat16"])
def test_each_dtype_ours_to_torch(dtype):
    torch = _torch()
    values = np.array([[0, 1, 2], [3, 4, 5]]).astype(dtype)
    obj = {"t": values, "nc": values.T, "zero_d": values[1, 1], "empty": values[:0]}
    loaded = torch.load(_saved(obj), weights_only=True)
    for key, array in obj.items():
        assert loaded[key].numpy().dtype == array.dtype and tuple(loaded[key].shape) == np.shape(array)
        np.testing.assert_array_equal(loaded[key].numpy(), array)


def test_ours_load_in_torch_with_weights_only_and_mmap(tmp_path):
    torch = _torch()
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 2))
    model(ag.Value(np.random.default_rng(1).normal(size=(5, 3)), requires_grad=False, dtype=np.float32))  # statistics
    path = tmp_path / "ours.pth"
    shared = np.ones(3)
    ag.save({"model": model.state_dict(), "leaf": model[0].weight, "grad": ag.Value(np.ones(2), requires_grad=True),
             "shared": [shared, shared], "step": np.float32(3.0)}, path, format="torch")
    for mmap in (False, True):
        loaded = torch.load(path, weights_only=True, mmap=mmap)
        twin = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4), torch.nn.Linear(4, 2))
        twin.load_state_dict(loaded["model"])
        assert isinstance(loaded["leaf"], torch.nn.Parameter) and loaded["leaf"].requires_grad
        assert loaded["grad"].requires_grad and not isinstance(loaded["grad"], torch.nn.Parameter)
        assert loaded["shared"][0] is loaded["shared"][1] and loaded["step"].shape == ()
        twin.eval()
        model.eval()
        x = np.random.default_rng(2).normal(size=(2, 3)).astype(np.float32)
        np.testing.assert_allclose(twin(torch.from_numpy(x)).detach().numpy(),
                                   model(ag.Value(x, requires_grad=False)).data, rtol=1e-6, atol=1e-6)


def test_round_trip_torch_ours_torch_is_bitwise():
    torch = _torch()
    torch.manual_seed(1)
    state = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4)).state_dict()
    again = torch.load(_saved(ag.load(_torch_saved(state))), weights_only=True)
    assert list(again) == list(state)
    for key in state:
        assert again[key].dtype == state[key].dtype and torch.equal(again[key], state[key]), key


def test_a_torch_trained_mlp_gives_the_same_outputs_and_gradients_here():
    torch = _torch()
    torch.manual_seed(0)
    twin = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Tanh(), torch.nn.Linear(8, 2)).double()
    opt = torch.optim.Adam(twin.parameters(), lr=0.05)
    x, y = torch.randn(16, 4, dtype=torch.float64), torch.randn(16, 2, dtype=torch.float64)
    for _ in range(5):
        opt.zero_grad()
        torch.nn.functional.mse_loss(twin(x), y).backward()
        opt.step()
    checkpoint = ag.load(_torch_saved({"model": twin.state_dict(), "optimizer": opt.state_dict()}))
    model = nn.Sequential(nn.Linear(4, 8, dtype=np.float64), nn.Tanh(), nn.Linear(8, 2, dtype=np.float64))
    model.load_state_dict(checkpoint["model"])
    ours_opt = optim.Adam(model.parameters(), lr=0.05)
    ours_opt.load_state_dict(checkpoint["optimizer"])  # resume where PyTorch stopped
    xs, ys = ag.Value(x.numpy(), requires_grad=False), ag.Value(y.numpy(), requires_grad=False)
    np.testing.assert_allclose(model(xs).data, twin(x).detach().numpy(), rtol=1e-12, atol=1e-14)
    opt.zero_grad()
    torch.nn.functional.mse_loss(twin(x), y).backward()
    nn.functional.mse_loss(model(xs), ys).backward()
    for ours, theirs in zip(model.parameters(), twin.parameters()):
        np.testing.assert_allclose(ours.grad, theirs.grad.numpy(), rtol=1e-10, atol=1e-13)
    opt.step()
    ours_opt.step()
    for ours, theirs in zip(model.parameters(), twin.parameters()):
        np.testing.assert_allclose(ours.data, theirs.detach().numpy(), rtol=1e-10, atol=1e-13)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # torch.jit.script/save, deprecated in PyTorch 2.13
def test_pytorchs_legacy_format_loads_and_torchscript_is_refused(tmp_path):
    torch = _torch()
    path = tmp_path / "legacy.pth"
    base = torch.arange(12.0).reshape(3, 4)
    obj = {"state": torch.nn.BatchNorm1d(3).state_dict(), "t": base.t(), "base": base, "row": base[1],
           "param": torch.nn.Parameter(torch.ones(2)),  # (uint16: PyTorch 2.13 cannot read its own legacy file)
           "bf16": torch.tensor([0.5, 1.5], dtype=torch.bfloat16), "nested": [1, ("x", None)]}
    torch.save(obj, path, _use_new_zipfile_serialization=False)
    back = _load_quietly(path)
    _equal(back, torch.load(path, weights_only=True))
    assert np.shares_memory(back["t"], back["base"]) and np.shares_memory(back["row"], back["base"])
    script = tmp_path / "script.pt"
    torch.jit.save(torch.jit.script(torch.nn.Linear(2, 2)), script)
    with pytest.raises(RuntimeError, match="TorchScript"):
        ag.load(script)


@pytest.mark.parametrize("writer", ["ours", "ours-torch-format", "pytorch"])
def test_loaded_tensors_have_pytorchs_tensor_methods(writer, tmp_path):
    """A loaded state dict's tensors answer PyTorch's tensor methods, as the state dict's own values do: Raschka's
    memory-efficient weight loading copies them in one by one with `param.copy_(state_dict[name].to(device))` (a
    plain ndarray has no `.to`: AttributeError). Files of both formats, ours and PyTorch's; the same numbers as
    PyTorch's `torch.load` gives."""
    path = str(tmp_path / "model.pth")
    source = nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 2))
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    if writer == "pytorch":
        torch = pytest.importorskip("torch")
        theirs = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Linear(4, 2))
        with torch.no_grad():
            for p, q in zip(theirs.parameters(), source.parameters(), strict=True):
                p.copy_(torch.from_numpy(q.data))
        torch.save(theirs.state_dict(), path)
    else:
        ag.save(source.state_dict(), path, **({"format": "torch"} if writer == "ours-torch-format" else {}))
    state_dict = ag.load(path, map_location="cpu", weights_only=True, mmap=True)
    weight = state_dict["0.weight"]
    assert weight.to("cpu").shape == weight.float().shape == weight.clone().shape == (4, 3)
    assert weight.view(-1).shape == (12,) and weight.size() == (4, 3) and weight.dim() == 2
    model = nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 2))
    with ag.no_grad():
        for name, param in model.named_parameters():
            param.copy_(state_dict[name].to(ag.device("cpu")))
    np.testing.assert_array_equal(model(ag.tensor(x)).data, source(ag.tensor(x)).data)
    if writer != "ours":  # a file PyTorch reads: the same numbers
        torch = pytest.importorskip("torch")
        for name, value in torch.load(path, map_location="cpu", weights_only=True, mmap=True).items():
            np.testing.assert_array_equal(state_dict[name].to("cpu").numpy(), value.to("cpu").numpy())
