"""The pickler of PyTorch checkpoints: protocol-2 opcodes written by hand, because `pickle` would import torch
to name the globals (`torch._utils._rebuild_tensor_v2`, `torch.FloatStorage`) that `torch.load` expects.
"""

from __future__ import annotations

import collections
import struct

import numpy as np

from .safe_globals import reduced
from .sparse_array import SparseArray
from .sparse_compressed import CompressedArray
from .tensor_methods import Device
from .torch_unpickler import STORAGES
from .value import Value

KEYS = (str, int, float, bool, type(None))  # dict keys that both formats store
_STORAGE_OF = {np.dtype(dtype): name for name, dtype in STORAGES.items() if dtype != "bfloat16"}
# Dtypes without a storage class: an untyped storage and the dtype (`_rebuild_tensor_v3`), as torch.save writes them.
_V3_DTYPE_OF = {np.dtype(np.uint16): "uint16", np.dtype(np.uint32): "uint32", np.dtype(np.uint64): "uint64"}


def unsupported(obj, where):
    return TypeError(f"save: cannot save a {type(obj).__name__} (at {where}); save state dicts, arrays, Values, "
                     "numbers, strings, lists/dicts of them and objects that pickle plainly, such as dataclasses "
                     "(a module, an optimizer: save its state_dict())")


def bad_key(key, where):
    return TypeError(f"save: dict key {key!r} at {where} is a {type(key).__name__}; keys must be str, int, "
                     "float, bool or None")


class Pickler:
    """Protocol-2 opcodes for state dicts: dicts (OrderedDicts as such), lists, tuples, numbers, strings, None,
    tensors for arrays, NumPy scalars and Values (a Value that `is_parameter`: an nn.Parameter; a sparse one of any
    layout: PyTorch's sparse tensor), and other objects
    as pickle writes them where it can rebuild them plainly (`safe_globals.reduced`: a dataclass as its class, NEWOBJ
    and its `__dict__`). An object met twice is written once and referred to, so it loads as one object."""

    def __init__(self):
        self.out = bytearray(b"\x80\x02")
        self.memo = {}  # id(obj) -> memo index; `keep` holds the objects so that their ids stay theirs
        self.keep = []
        self.storages = []  # contiguous little-endian arrays, storage key = position

    def dump(self, obj):
        """The pickle of `obj`, as bytes; the arrays it refers to are then in `storages`."""
        self.save(obj, "the object")
        self.out += b"."  # STOP
        return bytes(self.out)

    def put(self, key, obj):
        """Memoize the object just written under `key`, so that `get(key)` can write it again by reference."""
        index = len(self.memo)
        self.memo[key] = index
        self.keep.append(obj)
        self.out += b"q" + bytes([index]) if index < 256 else b"r" + struct.pack("<I", index)  # BINPUT

    def get(self, key):
        index = self.memo.get(key)
        if index is None:
            return False
        self.out += b"h" + bytes([index]) if index < 256 else b"j" + struct.pack("<I", index)  # BINGET
        return True

    def global_(self, module, name):
        key = ("global", module, name)
        if not self.get(key):
            self.out += f"c{module}\n{name}\n".encode("ascii")  # GLOBAL
            self.put(key, key)

    def save(self, obj, where):
        if obj is None:
            self.out += b"N"
        elif obj is True or obj is False:
            self.out += b"\x88" if obj else b"\x89"
        elif isinstance(obj, np.generic):  # before float: np.float64 is one, but saves as a 0-d tensor as the rest
            if not self.get(id(obj)):
                self.tensor(obj, where)
        elif isinstance(obj, int):
            self.int(obj)
        elif isinstance(obj, float):
            self.out += b"G" + struct.pack(">d", obj)
        elif isinstance(obj, str):
            text = obj.encode("utf-8", "surrogatepass")
            self.out += b"X" + struct.pack("<I", len(text)) + text
        elif self.get(id(obj)):
            pass  # the same array, Value, dict or list again: one object when loaded, as with torch.save
        elif isinstance(obj, Value) and obj.data.__class__ in (SparseArray, CompressedArray):
            self.sparse(obj, where)
        elif isinstance(obj, (np.ndarray, np.generic, Value)):
            self.tensor(obj, where)
        elif isinstance(obj, dict):
            if isinstance(obj, collections.OrderedDict):
                self.global_("collections", "OrderedDict")
                self.out += b")R"  # OrderedDict()
            else:
                self.out += b"}"
            self.put(id(obj), obj)
            if obj:
                self.out += b"("
                for key, value in obj.items():
                    if not isinstance(key, KEYS):
                        raise bad_key(key, where)
                    self.save(key.item() if isinstance(key, np.generic) else key, where)  # a key stays hashable
                    self.save(value, f"{where}[{key!r}]")
                self.out += b"u"  # SETITEMS
        elif isinstance(obj, list):
            self.out += b"]"
            self.put(id(obj), obj)
            if obj:
                self.out += b"("
                for i, value in enumerate(obj):
                    self.save(value, f"{where}[{i}]")
                self.out += b"e"  # APPENDS
        elif isinstance(obj, Device):  # torch.device("cpu"), as PyTorch writes it (and loads it by default)
            self.global_("torch", "device")
            self.save((str(obj),), where)
            self.out += b"R"  # REDUCE
            self.put(id(obj), obj)
        elif isinstance(obj, tuple):
            self.out += b"("
            for i, value in enumerate(obj):
                self.save(value, f"{where}[{i}]")
            self.out += b"t"
        else:
            reduction = reduced(obj)
            if reduction is None:
                raise unsupported(obj, where)
            self.object(obj, *reduction, where)

    def object(self, obj, cls, new, args, state, where):
        """`obj` as pickle writes it: its class, `__new__`-ed (NEWOBJ) or called (REDUCE) with args, then its state
        (BUILD). torch.load reads it when the class is allowed (torch.serialization.add_safe_globals)."""
        self.global_(cls.__module__, cls.__qualname__)
        self.save(args, where)
        self.out += b"\x81" if new else b"R"  # NEWOBJ or REDUCE
        self.put(id(obj), obj)
        if state is not None:
            self.save(state, f"{where}.__dict__")
            self.out += b"b"  # BUILD

    def int(self, n):
        if 0 <= n < 256:
            self.out += b"K" + bytes([n])
        elif 0 <= n < 65536:
            self.out += b"M" + struct.pack("<H", n)
        elif -2**31 <= n < 2**31:
            self.out += b"J" + struct.pack("<i", n)
        else:
            raw = n.to_bytes((n.bit_length() + 8) // 8, "little", signed=True)
            self.out += b"\x8a" + bytes([len(raw)]) + raw  # LONG1 (an int of up to 255 bytes)

    def sparse(self, obj, where):
        """A sparse tensor as torch.save writes it: `torch._utils._rebuild_sparse_tensor(layout, data)` with the
        layout by name (`torch.serialization._get_layout("torch.sparse_coo")`) and data (indices, values, size,
        is_coalesced) for COO, (compressed indices, plain indices, values, size) for CSR, CSC, BSR and BSC. The
        values are saved without their gradient's graph (PyTorch's are `_values()`, detached)."""
        data = obj.data
        self.global_("torch._utils", "_rebuild_sparse_tensor")
        self.global_("torch.serialization", "_get_layout")
        layout = "sparse_coo" if data.__class__ is SparseArray else data.layout.name
        self.save((f"torch.{layout}",), where)
        self.out += b"R("  # REDUCE (the layout), MARK
        parts = (data.indices, data.values) if data.__class__ is SparseArray else (data.compressed, data.plain,
                                                                                   data.values)
        for part in parts:
            self.save(part, where)
        self.global_("torch", "Size")
        self.save((tuple(int(n) for n in data.shape),), where)
        self.out += b"R"  # torch.Size(shape)
        if data.__class__ is SparseArray:
            self.save(bool(data.coalesced), where)
        self.out += b"t\x86R"  # TUPLE (data), TUPLE2 (layout, data), REDUCE
        self.put(id(obj), obj)

    def tensor(self, obj, where):
        value = obj if isinstance(obj, Value) else None
        data = np.asarray(obj.data if value is not None else obj)
        if data.dtype not in _STORAGE_OF and data.dtype not in _V3_DTYPE_OF:
            raise TypeError(f"save: arrays of dtype {data.dtype} (at {where}) cannot be saved for PyTorch")
        array = np.asarray(data, order="C").astype(data.dtype.newbyteorder("<"), copy=False)  # keeps 0-d
        key = str(len(self.storages))
        self.storages.append(array)
        parameter = value is not None and value.is_parameter
        if parameter:
            self.global_("torch._utils", "_rebuild_parameter")
        v3 = data.dtype in _V3_DTYPE_OF  # uint16/32/64: an untyped storage and the dtype, as torch.save writes them
        self.global_("torch._utils", "_rebuild_tensor_v3" if v3 else "_rebuild_tensor_v2")
        self.out += b"((X\x07\x00\x00\x00storage"  # MARK MARK "storage": the persistent id
        if v3:
            self.global_("torch.storage", "UntypedStorage")
        else:
            self.global_("torch", _STORAGE_OF[data.dtype])
        self.save(key, where)
        self.save("cpu", where)
        self.int(array.nbytes if v3 else array.size)
        self.out += b"tQ"  # TUPLE BINPERSID
        self.int(0)  # storage offset
        self.save(tuple(array.shape), where)
        self.save(tuple(int(np.prod(array.shape[i + 1:])) for i in range(array.ndim)), where)  # C-contiguous
        requires_grad = value is not None and bool(value.requires_grad)
        self.out += b"\x88" if requires_grad and not parameter else b"\x89"
        self.global_("collections", "OrderedDict")
        self.out += b")R"  # the (empty) backward hooks
        if v3:
            self.global_("torch", _V3_DTYPE_OF[data.dtype])
        self.out += b"tR"  # TUPLE REDUCE
        if parameter:
            self.out += b"\x88" if requires_grad else b"\x89"
            self.global_("collections", "OrderedDict")
            self.out += b")R\x87R"  # OrderedDict() TUPLE3 REDUCE
        self.put(id(obj), obj)
