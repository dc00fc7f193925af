"""`save(obj, f)` and `load(f)`: PyTorch's `torch.save`/`torch.load` for state dicts and the like.

    autograd_core.save(model.state_dict(), "model.pth")
    model.load_state_dict(autograd_core.load("model.pth", weights_only=True))

What can be saved: arrays, Values, NumPy and Python numbers, strings, None, and dicts (str, int, float, bool
or None keys), lists and tuples of these, nested: model and optimizer state dicts, checkpoints of several; and
objects that pickle in Python's plain way (a dataclass config, an argparse.Namespace), which `load` rebuilds only
for the classes allowed with `add_safe_globals([GPTConfig])` or `with safe_globals([...]):` (PyTorch's
weights_only=True; safe_globals.py); a `torch.device` loads without being allowed, as in PyTorch. Other objects
(functions, modules, optimizers: save their state_dict()) are refused when saving, naming them. Two formats:

- `format="npz"` (the default): a NumPy `.npz` archive (a zip of `.npy` arrays) whose entry `__structure__`
  describes the nesting as JSON. A Value loads as a Value (with its requires_grad), an array as an array with
  PyTorch's tensor methods (a ParameterArray, as a state dict's values are: `state_dict[name].to(device)`).
- `format="torch"`: PyTorch's own checkpoint (the zip `torch.save` writes), which `torch.load(f,
  weights_only=True)` reads, so a PyTorch user can take the file as it is. Arrays and Values become tensors
  (a Value that requires grad: one that requires grad; an nn.Parameter: a Parameter), NumPy scalars 0-d tensors.

`load` tells the formats apart by content, not by name: it also reads checkpoints written by `torch.save` (from any
device), returning what `torch.load(f, weights_only=True)` returns with every tensor an ndarray with PyTorch's tensor
methods (one that requires grad, or an nn.Parameter, a leaf Value), so `model.load_state_dict(load("resnet.pth"))` just
works. bfloat16 tensors load as float32 (exact; a warning says so). Tensors that shared a storage in PyTorch view one
array here.

Loading never runs code from the file (PyTorch's `weights_only=True`, always): the `.npz` is never unpickled,
and a PyTorch pickle is interpreted by our own small unpickler (`torch_unpickler.py`) that allows only tensors,
Parameters, dicts, OrderedDicts, lists, tuples, sets, numbers and strings, and the classes the user allowed, and
refuses any other global (`os.system`, a class) with `pickle.UnpicklingError` naming it, before anything is called.
`get_unsafe_globals_in_checkpoint(f)` lists what a file names that would be refused. PyTorch's legacy
format (before 1.6, or `_use_new_zipfile_serialization=False`) is read as well; TorchScript archives
(`torch.jit.save`) are refused with a message.

Writing is all or nothing: to a path, the file goes to a temporary file in the same directory that replaces
the target only when complete.
"""

from __future__ import annotations

import io
import json
import zipfile

import numpy as np

from . import torch_format
from .grad_array import ParameterArray
from .files import replace_file  # noqa: F401  (also imported from here by the vision data sets)
from .sparse_array import SparseArray
from .sparse_compressed import COMPRESSED_LAYOUTS, CompressedArray
from .safe_globals import add_safe_globals, allowed, clear_safe_globals, get_safe_globals, not_allowed, rebuilt, \
    reduced, safe_globals
from .tensor_methods import Device, Size
from .torch_pickler import KEYS, bad_key, unsupported
from .value import Value

__all__ = ["save", "load", "add_safe_globals", "get_safe_globals", "clear_safe_globals", "safe_globals",
           "get_unsafe_globals_in_checkpoint"]

_STRUCTURE = "__structure__"
_FORMAT = "autograd_core.save/1"


class _Writer:
    def __init__(self):
        self.arrays = {}

    def encode(self, obj, where):
        if obj is None or isinstance(obj, (bool, int, float, str)):
            return {"t": "py", "v": obj}
        if isinstance(obj, Value) and obj.data.__class__ is SparseArray:  # COO: its indices and values
            data = obj.data
            return {"t": "sparse_coo", "indices": self.array(data.indices), "values": self.array(data.values),
                    "size": list(data.shape), "coalesced": data.coalesced, "requires_grad": bool(obj.requires_grad)}
        if isinstance(obj, Value) and obj.data.__class__ is CompressedArray:  # CSR, CSC, BSR, BSC: the three arrays
            data = obj.data
            return {"t": "sparse_compressed", "layout": data.layout.name, "compressed": self.array(data.compressed),
                    "plain": self.array(data.plain), "values": self.array(data.values), "size": list(data.shape),
                    "requires_grad": bool(obj.requires_grad)}
        if isinstance(obj, Value):
            return {"t": "value", "k": self.array(obj.data), "requires_grad": bool(obj.requires_grad)}
        if isinstance(obj, np.ndarray):
            return {"t": "array", "k": self.array(obj)}
        if isinstance(obj, np.generic):
            return {"t": "scalar", "k": self.array(np.asarray(obj))}
        if isinstance(obj, dict):
            items = []
            for key, value in obj.items():
                if not isinstance(key, KEYS):
                    raise bad_key(key, where)
                items.append([key, self.encode(value, f"{where}[{key!r}]")])
            return {"t": "dict", "items": items}
        if isinstance(obj, (list, tuple)):  # a Size (x.shape) is saved as the tuple it is, other subclasses as lists
            return {"t": "tuple" if type(obj) in (tuple, Size) else "list",
                    "items": [self.encode(v, f"{where}[{i}]") for i, v in enumerate(obj)]}
        if isinstance(obj, Device):  # a device loads as one without being allowed (PyTorch's weights_only does)
            return {"t": "device", "v": str(obj)}
        reduction = reduced(obj)  # a dataclass, an argparse.Namespace: its class's name, arguments and state
        if reduction is None:
            raise unsupported(obj, where)
        cls, new, args, state = reduction
        return {"t": "object", "class": [cls.__module__, cls.__qualname__], "new": new,
                "args": self.encode(args, f"{where}'s arguments"), "state": self.encode(state, f"{where}.__dict__")}

    def array(self, data):
        data = np.asarray(data)
        if data.dtype.kind not in "biufc":
            raise TypeError(f"save: arrays of dtype {data.dtype} cannot be saved (numbers only)")
        key = f"a{len(self.arrays)}"
        self.arrays[key] = data
        return key


def save(obj, f, pickle_module=None, pickle_protocol=None, *, format="npz"):
    """Write `obj` (a state dict, or nested dicts/lists of arrays, Values and numbers) to `f`, a path or a
    binary file object. To a path the write is atomic: the file is complete or unchanged.

    format: "npz" (the default, read by `load`) or "torch": PyTorch's checkpoint format, which both
    `load` and `torch.load(f, weights_only=True)` read (see the module's docstring). pickle_module and
    pickle_protocol (PyTorch's, in PyTorch's positions) are accepted and unused: nothing is pickled with them."""
    if isinstance(pickle_module, str):  # save(obj, f, "torch"): format was the third argument before
        raise TypeError(f"save: format is a keyword argument (save(obj, f, format={pickle_module!r})); the third "
                        "argument is PyTorch's pickle_module")
    if format == "npz":
        writer = _Writer()
        structure = {"format": _FORMAT, "root": writer.encode(obj, "the object")}
        text = np.frombuffer(json.dumps(structure).encode(), dtype=np.uint8)
        arrays = {_STRUCTURE: text, **writer.arrays}
        _write(f, lambda out: np.savez(out, **arrays))  # to a file object: NumPy adds no ".npz" to the name
    elif format == "torch":
        _write(f, lambda out: torch_format.write(obj, out))
    else:
        raise ValueError(f"save: format must be 'npz' or 'torch', not {format!r}")


def _write(f, write):
    if hasattr(f, "write"):
        write(f)
        return
    replace_file(f, write, who="save")


def load(f, map_location=None, pickle_module=None, *, weights_only=True, mmap=None, **pickle_load_args):
    """Read what `save` wrote, or a checkpoint from PyTorch's `torch.save`, from a path or a binary file object.

    Returns the saved object: state dicts and other nests of dicts/lists/tuples, with arrays (ndarrays with PyTorch's
    tensor methods, ParameterArrays) and Values. Nothing in the file is executed: `weights_only` is accepted for PyTorch
    code and is always in effect (a pickle naming anything but tensors and plain data raises `pickle.UnpicklingError`),
    and pickle_module, mmap and PyTorch's other pickle arguments are accepted and unused; `map_location` may only name
    the CPU (tensors saved on a GPU load to the CPU; a function is accepted and not called). A file of neither format
    raises RuntimeError."""
    # PyTorch's forms: "cpu", a device, {"cuda:0": "cpu"}, or a function (never called: storages are arrays here).
    targets = map_location.values() if isinstance(map_location, dict) else () if callable(map_location) else (
        () if map_location is None else (map_location,))
    for target in targets:
        if str(target).split(":")[0] != "cpu":
            raise RuntimeError(f"load: map_location {map_location!r} is not available; autograd_core runs on the CPU")
    if hasattr(f, "read"):
        if not (hasattr(f, "seekable") and f.seekable()):
            f = io.BytesIO(f.read())  # a zip is read from its end
        return _load(f, getattr(f, "name", "the file"))
    with open(f, "rb") as handle:
        return _load(handle, f)


def _load(handle, name):
    start = handle.tell()
    kind = torch_format.sniff(handle.read(16))
    handle.seek(start)
    if kind == "zip":
        try:
            archive = zipfile.ZipFile(handle)
        except (zipfile.BadZipFile, ValueError, OSError, NotImplementedError) as err:  # zipfile's kinds of damage
            raise RuntimeError(f"load: {name} is not a file written by autograd_core.save ({err})") from None
        with archive:
            prefix = torch_format.torch_prefix(archive)
            if any(n.endswith("/constants.pkl") for n in archive.namelist()):
                raise RuntimeError(f"load: {name} is a TorchScript archive (torch.jit.save), which holds code: "
                                   "not a file written by autograd_core.save or torch.save")
            if prefix is not None:
                return torch_format.read(archive, prefix, name)
        handle.seek(start)
    elif kind == "pickle":
        if torch_format.is_legacy_torch(handle.read(64)):  # torch.save before 1.6
            handle.seek(start)
            return torch_format.read_legacy(handle, name)
        raise RuntimeError(f"load: {name} is a pickle, not a file written by autograd_core.save or torch.save "
                           "(pickles are never unpickled here: they can run code)")
    try:
        archive = np.load(handle, allow_pickle=False)
    except (ValueError, OSError, zipfile.BadZipFile) as err:
        raise RuntimeError(f"load: {name} is not a file written by autograd_core.save or torch.save ({err})") from None
    with archive:
        if not isinstance(archive, np.lib.npyio.NpzFile) or _STRUCTURE not in archive.files:
            raise RuntimeError(f"load: {name} is not a file written by autograd_core.save (no {_STRUCTURE})")
        try:
            structure = json.loads(archive[_STRUCTURE].tobytes().decode())
            if structure.get("format") != _FORMAT:
                raise ValueError(f"unknown format {structure.get('format')!r}")
            return _decode(structure["root"], archive, name)
        except (ValueError, KeyError, TypeError) as err:
            raise RuntimeError(f"load: {name} is damaged or not from autograd_core.save: {err}") from None


def get_unsafe_globals_in_checkpoint(f):
    """The classes and functions ("module.name", sorted) that the checkpoint `f` (a path or a binary file object, of
    either format) names and `load` would refuse: neither plain data nor allowed with `add_safe_globals`. Nothing in
    the file is built or run to find them."""
    if hasattr(f, "read"):
        return _unsafe_globals(io.BytesIO(f.read()), getattr(f, "name", "the file"))
    with open(f, "rb") as handle:
        return _unsafe_globals(handle, f)


def _unsafe_globals(handle, name):
    from .torch_unpickler import unsafe_globals

    try:
        with zipfile.ZipFile(handle) as archive:
            prefix = torch_format.torch_prefix(archive)
            if prefix is not None:
                return unsafe_globals(archive.read(f"{prefix}data.pkl"))
            structure = json.loads(np.load(archive.open(f"{_STRUCTURE}.npy"), allow_pickle=False).tobytes().decode())
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as err:
        raise RuntimeError(f"get_unsafe_globals_in_checkpoint: {name} is not a checkpoint of torch.save's or "
                           f"autograd_core.save's zip formats ({err})") from None
    found, nodes = set(), [structure["root"]]
    while nodes:
        node = nodes.pop()
        if node["t"] == "object":
            module, qualname = node["class"]
            if allowed(module, qualname) is None:
                found.add(f"{module}.{qualname}")
            nodes += [node["args"], node["state"]]
        elif node["t"] in ("list", "tuple"):
            nodes += node["items"]
        elif node["t"] == "dict":
            nodes += [value for _, value in node["items"]]
    return sorted(found)


def _decode(node, archive, name):
    kind = node["t"]
    if kind == "py":
        return node["v"]
    if kind in ("array", "value", "scalar"):
        data = archive[node["k"]]
        if kind == "scalar":
            return data[()]
        if kind == "array":  # an array with PyTorch's tensor methods, as a state dict's (`state_dict[name].to(device)`)
            return data.view(ParameterArray)
        return Value(data[()] if data.ndim == 0 else data, requires_grad=bool(node["requires_grad"]),
                     dtype=data.dtype)
    if kind == "sparse_coo":  # rebuilt by the constructor, which checks the indices against the size
        from .sparse_functions import sparse_coo_tensor

        return sparse_coo_tensor(archive[node["indices"]], archive[node["values"]], tuple(node["size"]),
                                 is_coalesced=bool(node["coalesced"]) or None,
                                 requires_grad=bool(node["requires_grad"]))
    if kind == "sparse_compressed":  # rebuilt by the constructor, which checks the indices' invariants
        from .compressed_construction import sparse_compressed_tensor

        layout = {lay.name: lay for lay in COMPRESSED_LAYOUTS}[node["layout"]]
        return sparse_compressed_tensor(archive[node["compressed"]], archive[node["plain"]], archive[node["values"]],
                                        tuple(node["size"]), layout=layout,
                                        requires_grad=bool(node["requires_grad"]))
    if kind == "dict":
        return {key: _decode(value, archive, name) for key, value in node["items"]}
    if kind in ("list", "tuple"):
        items = [_decode(v, archive, name) for v in node["items"]]
        return items if kind == "list" else tuple(items)
    if kind == "device":
        return Device(str(node["v"]))
    if kind == "object":  # rebuilt only as an object of a class the user allowed (safe_globals.py)
        module, qualname = node["class"]
        cls = allowed(module, qualname)
        if cls is None:
            raise not_allowed(module, qualname, name)
        args = _decode(node["args"], archive, name)
        if not isinstance(args, tuple) or (node["new"] and not isinstance(cls, type)):
            raise ValueError(f"malformed object of class {module}.{qualname}")
        return rebuilt(cls, bool(node["new"]), args, _decode(node["state"], archive, name))
    raise ValueError(f"unknown entry type {kind!r}")
