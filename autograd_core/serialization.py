"""`save(obj, f)` and `load(f)`: PyTorch's `torch.save`/`torch.load` for state dicts and the like.

    autograd_core.save(model.state_dict(), "model.pth")
    model.load_state_dict(autograd_core.load("model.pth", weights_only=True))

What can be saved: arrays, Values, NumPy and Python numbers, strings, None, and dicts (str, int, float, bool
or None keys), lists and tuples of these, nested: model and optimizer state dicts, checkpoints of several.
The file is a NumPy `.npz` archive (a zip of `.npy` arrays) whose entry `__structure__` describes the nesting
as JSON. Loading never unpickles and never runs code from the file (PyTorch's `weights_only=True`, always),
so a file from elsewhere can be opened safely; objects of other types are refused when saving, naming them.
A Value loads as a Value (with its requires_grad), an array as an array.

Writing is all or nothing: to a path, the archive goes to a temporary file in the same directory that
replaces the target only when complete. (PyTorch's own `.pth` files are pickles: load them with PyTorch and
pass `{k: v.numpy() for k, v in state.items()}` to `load_state_dict`.)
"""

from __future__ import annotations

import json
import os
import tempfile
import zipfile

import numpy as np

from .value import Value

_STRUCTURE = "__structure__"
_FORMAT = "autograd_core.save/1"
_KEYS = (str, int, float, bool, type(None))


class _Writer:
    def __init__(self):
        self.arrays = {}

    def encode(self, obj, where):
        if obj is None or isinstance(obj, (bool, int, float, str)):
            return {"t": "py", "v": obj}
        if isinstance(obj, Value):
            return {"t": "value", "k": self.array(obj.data), "requires_grad": bool(obj.requires_grad)}
        if isinstance(obj, np.ndarray):
            return {"t": "array", "k": self.array(obj)}
        if isinstance(obj, np.generic):
            return {"t": "scalar", "k": self.array(np.asarray(obj))}
        if isinstance(obj, dict):
            items = []
            for key, value in obj.items():
                if not isinstance(key, _KEYS):
                    raise TypeError(f"save: dict key {key!r} at {where} is a {type(key).__name__}; keys must be "
                                    "str, int, float, bool or None")
                items.append([key, self.encode(value, f"{where}[{key!r}]")])
            return {"t": "dict", "items": items}
        if isinstance(obj, (list, tuple)):
            return {"t": type(obj).__name__ if type(obj) in (list, tuple) else "list",
                    "items": [self.encode(v, f"{where}[{i}]") for i, v in enumerate(obj)]}
        raise TypeError(f"save: cannot save a {type(obj).__name__} (at {where}); save state dicts, arrays, Values, "
                        "numbers, strings and lists/dicts of them (a module: save module.state_dict())")

    def array(self, data):
        data = np.asarray(data)
        if data.dtype.kind not in "biuf":
            raise TypeError(f"save: arrays of dtype {data.dtype} cannot be saved (numbers only)")
        key = f"a{len(self.arrays)}"
        self.arrays[key] = data
        return key


def save(obj, f):
    """Write `obj` (a state dict, or nested dicts/lists of arrays, Values and numbers) to `f`, a path or a
    binary file object. To a path the write is atomic: the file is complete or unchanged."""
    writer = _Writer()
    structure = {"format": _FORMAT, "root": writer.encode(obj, "the object")}
    text = np.frombuffer(json.dumps(structure).encode(), dtype=np.uint8)
    arrays = {_STRUCTURE: text, **writer.arrays}
    if hasattr(f, "write"):
        np.savez(f, **arrays)
        return
    path = os.fspath(f)
    folder = os.path.dirname(os.path.abspath(path))
    fd, temporary = tempfile.mkstemp(dir=folder, prefix=".saving-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            np.savez(out, **arrays)  # to a file object: NumPy adds no ".npz" to the name
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


def load(f, map_location=None, weights_only=True, **_):
    """Read what `save` wrote, from a path or a binary file object. Nothing in the file is executed:
    `weights_only` is accepted for PyTorch code and is always in effect; `map_location` may only name the CPU."""
    if map_location is not None and str(map_location).split(":")[0] != "cpu":
        raise RuntimeError(f"load: map_location {map_location!r} is not available; autograd_core runs on the CPU")
    name = f if not hasattr(f, "read") else getattr(f, "name", "the file")
    try:
        archive = np.load(f, allow_pickle=False)
    except (ValueError, OSError, zipfile.BadZipFile) as err:
        raise RuntimeError(f"load: {name} is not a file written by autograd_core.save ({err}). A PyTorch .pth "
                           "file is a pickle: load it with torch.load and pass .numpy() arrays") from None
    with archive:
        if not isinstance(archive, np.lib.npyio.NpzFile) or _STRUCTURE not in archive.files:
            raise RuntimeError(f"load: {name} is not a file written by autograd_core.save (no {_STRUCTURE})")
        try:
            structure = json.loads(archive[_STRUCTURE].tobytes().decode())
            if structure.get("format") != _FORMAT:
                raise ValueError(f"unknown format {structure.get('format')!r}")
            return _decode(structure["root"], archive)
        except (ValueError, KeyError, TypeError) as err:
            raise RuntimeError(f"load: {name} is damaged or not from autograd_core.save: {err}") from None


def _decode(node, archive):
    kind = node["t"]
    if kind == "py":
        return node["v"]
    if kind in ("array", "value", "scalar"):
        data = archive[node["k"]]
        if kind == "scalar":
            return data[()]
        if kind == "array":
            return data
        return Value(data[()] if data.ndim == 0 else data, requires_grad=bool(node["requires_grad"]),
                     dtype=data.dtype)
    if kind == "dict":
        return {key: _decode(value, archive) for key, value in node["items"]}
    if kind in ("list", "tuple"):
        items = [_decode(v, archive) for v in node["items"]]
        return items if kind == "list" else tuple(items)
    raise ValueError(f"unknown entry type {kind!r}")
