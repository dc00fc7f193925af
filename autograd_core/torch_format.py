"""PyTorch's checkpoint format (`torch.save`'s zip, the default since PyTorch 1.6), read and written without PyTorch.

A checkpoint is an uncompressed zip whose entries share one folder, `<name>/`:

    <name>/data.pkl         the object, a pickle (protocol 2) whose tensors point at storages by key
    <name>/data/<key>       one storage's raw bytes, in the byte order that <name>/byteorder names
    <name>/byteorder        "little" or "big" (absent in old files: little)
    <name>/version          the format's version; .format_version, .storage_alignment, .data/serialization_id

A tensor in the pickle is the call `torch._utils._rebuild_tensor_v2(storage, offset, size, stride,
requires_grad, hooks)` (`_rebuild_tensor_v3(..., dtype)` for dtypes without a storage class, such as uint16),
the storage a persistent id `("storage", torch.FloatStorage, key, location, numel)`. Offsets and strides count
elements; several tensors may view one storage.

`read(archive, name)` never unpickles with `pickle`: it interprets the opcodes itself (`pickletools.genops`
parses them) and accepts only the globals in `_ALLOWED`, each mapped to a function of ours, as PyTorch's
`weights_only=True` unpickler does; any other global (`os.system`, a class) is refused before anything runs.
`write(obj, out)` writes the opcodes itself too, so PyTorch is never imported.
"""

from __future__ import annotations

import collections
import hashlib
import io
import pickle
import pickletools
import struct
import warnings
import zipfile

import numpy as np

from .value import Value

KEYS = (str, int, float, bool, type(None))  # dict keys that both formats store

# Storage classes in the pickle -> NumPy dtype ("bfloat16" has none in NumPy: read as float32, exactly).
_STORAGES = {
    "DoubleStorage": np.float64, "FloatStorage": np.float32, "HalfStorage": np.float16, "BFloat16Storage": "bfloat16",
    "LongStorage": np.int64, "IntStorage": np.int32, "ShortStorage": np.int16, "CharStorage": np.int8,
    "ByteStorage": np.uint8, "BoolStorage": np.bool_, "ComplexDoubleStorage": np.complex128,
    "ComplexFloatStorage": np.complex64,
}
# torch.<dtype> globals (`_rebuild_tensor_v3`'s last argument) -> NumPy dtype.
_TORCH_DTYPES = {
    "float64": np.float64, "float32": np.float32, "float16": np.float16, "bfloat16": "bfloat16",
    "int64": np.int64, "int32": np.int32, "int16": np.int16, "int8": np.int8,
    "uint64": np.uint64, "uint32": np.uint32, "uint16": np.uint16, "uint8": np.uint8, "bool": np.bool_,
    "complex128": np.complex128, "complex64": np.complex64,
}
_STORAGE_OF = {np.dtype(dtype): name for name, dtype in _STORAGES.items() if dtype != "bfloat16"}
_V3_DTYPE_OF = {np.dtype(np.uint16): "uint16", np.dtype(np.uint32): "uint32", np.dtype(np.uint64): "uint64"}


class _Marker:
    """What a global that is data, not a function, loads as: a storage class or a dtype."""

    def __init__(self, kind, name, dtype):
        self.kind, self.name, self.dtype = kind, name, dtype

    def __repr__(self):
        return f"torch.{self.name}"


class _Storage:
    """One `<name>/data/<key>` record, typed by the persistent id that named it."""

    def __init__(self, key, dtype, raw):
        self.key, self.dtype, self.raw = key, dtype, raw


def _itemsize(dtype):
    return 2 if dtype == "bfloat16" else np.dtype(dtype).itemsize


def _check(condition, message):
    if not condition:
        raise pickle.UnpicklingError(f"load: {message}")


def _is_int(x):
    return isinstance(x, int) and not isinstance(x, bool)


class _Reader:
    """The state of one load: where the storages' bytes are, their byte order, and the arrays built from each
    storage (which the tensors viewing it share).

    records: a function of a record's path ("data/0") that returns its bytes, or None when it is missing."""

    def __init__(self, name, records, byteorder="little"):
        self.name, self.records, self.byteorder = name, records, byteorder
        _check(byteorder in ("little", "big"), f"{name}: unknown byteorder {byteorder!r}")
        self.bases = {}  # (key, dtype) -> the whole storage as a 1-d native array
        self.converted_bfloat16 = False

    def record(self, path):
        data = self.records(path)
        if data is None:
            raise RuntimeError(f"load: {self.name} is a damaged PyTorch checkpoint (no {path})")
        return data

    def persistent_load(self, pid):
        # The legacy format adds a sixth entry, the view of a storage that PyTorch < 0.4 could save (else None).
        _check(isinstance(pid, tuple) and len(pid) in (5, 6) and pid[0] == "storage" and pid[5:] in ((), (None,)),
               f"unexpected persistent id {pid!r} (expected ('storage', type, key, location, numel))")
        _, storage_type, key, _location, numel = pid[:5]  # every storage is read into memory: the location is moot
        _check(isinstance(storage_type, _Marker) and storage_type.kind == "storage",
               f"persistent id names {storage_type!r}, not a storage class")
        _check(isinstance(key, str) and _is_int(numel) and numel >= 0, f"malformed persistent id {pid!r}")
        raw = self.record(f"data/{key}")
        nbytes = numel * _itemsize(storage_type.dtype)
        _check(len(raw) == nbytes, f"storage {key} has {len(raw)} bytes, its persistent id announces {nbytes}")
        return _Storage(key, storage_type.dtype, raw)

    def base(self, storage, dtype):
        """The storage's bytes as a 1-d array of `dtype` in native byte order, made once per (storage, dtype)."""
        cached = self.bases.get((storage.key, dtype))
        if cached is not None:
            return cached
        size = _itemsize(dtype)
        _check(len(storage.raw) % size == 0, f"storage {storage.key} is not a whole number of {dtype} elements")
        endian = "<" if self.byteorder == "little" else ">"
        if dtype == "bfloat16":  # the high half of a float32: widening is exact
            halves = np.frombuffer(storage.raw, dtype=endian + "u2").astype(np.uint32)
            array = (halves << 16).view(np.float32)
            self.converted_bfloat16 = True
        else:
            array = np.frombuffer(storage.raw, dtype=np.dtype(dtype).newbyteorder(endian))
            array = array.astype(array.dtype.newbyteorder("="))  # a writable native copy, as torch.load's
        self.bases[(storage.key, dtype)] = array
        return array

    def tensor(self, storage, offset, size, stride, requires_grad, hooks, dtype, metadata=None):
        _check(isinstance(storage, _Storage), f"a tensor's storage is a {type(storage).__name__}")
        size, stride = _ints(size, "size"), _ints(stride, "stride")
        _check(_is_int(offset) and offset >= 0, f"tensor storage offset {offset!r}")
        _check(len(size) == len(stride) and all(s >= 0 for s in size + stride),
               f"tensor size {size} and stride {stride} do not match")
        _check(isinstance(requires_grad, bool), f"requires_grad is {requires_grad!r}")
        _check(isinstance(hooks, dict) and not hooks, "tensors with backward hooks are not loaded (no code is)")
        _check(not metadata or not any(metadata.values()),
               f"tensor metadata {metadata!r} (a lazy conj/neg bit) is not supported: resolve_conj() before saving")
        base = self.base(storage, dtype)
        if 0 in size:
            array = np.empty(size, dtype=base.dtype)
        else:
            last = offset + sum((n - 1) * s for n, s in zip(size, stride))
            _check(last < base.size, f"a tensor reaches element {last} of storage {storage.key}, "
                                     f"which has {base.size}")  # never read outside the storage
            array = np.lib.stride_tricks.as_strided(base[offset:], shape=size,
                                                    strides=[s * base.itemsize for s in stride])
        if requires_grad:
            _check(array.dtype.kind == "f", f"a {array.dtype} tensor cannot require grad")
            return Value(array, requires_grad=True, dtype=array.dtype)
        return array

    def rebuild_tensor_v2(self, storage, offset, size, stride, requires_grad=False, hooks=None, metadata=None):
        _check(isinstance(storage, _Storage), f"a tensor's storage is a {type(storage).__name__}")
        return self.tensor(storage, offset, size, stride, requires_grad, collections.OrderedDict() if hooks is None
                           else hooks, storage.dtype, metadata)

    def rebuild_tensor_v3(self, storage, offset, size, stride, requires_grad, hooks, dtype, metadata=None):
        _check(isinstance(dtype, _Marker) and dtype.kind == "dtype", f"tensor dtype {dtype!r}")
        return self.tensor(storage, offset, size, stride, requires_grad, hooks, dtype.dtype, metadata)

    def rebuild_parameter(self, data, requires_grad, hooks, state=None):
        """An nn.Parameter loads as a leaf Value with its requires_grad (Module.load_state_dict takes it)."""
        _check(isinstance(data, (np.ndarray, Value)) and isinstance(requires_grad, bool),
               "malformed nn.Parameter")
        _check(isinstance(hooks, dict) and not hooks, "parameters with backward hooks are not loaded (no code is)")
        array = data.data if isinstance(data, Value) else data
        _check(not requires_grad or array.dtype.kind == "f", f"a {array.dtype} parameter cannot require grad")
        return Value(array, requires_grad=requires_grad, dtype=array.dtype)


def _ints(values, what):
    _check(isinstance(values, (tuple, list)) and all(_is_int(v) for v in values), f"tensor {what} {values!r}")
    return tuple(values)


def _encode(text, encoding="utf-8"):
    # Protocol 2 writes bytes as _codecs.encode(str, "latin1"); nothing else is allowed through.
    _check(isinstance(text, str) and encoding == "latin1", f"_codecs.encode({text!r}, {encoding!r})")
    return text.encode("latin1")


def _complex(real=0.0, imag=0.0):
    _check(all(isinstance(x, (int, float)) for x in (real, imag)), "complex() of non-numbers")
    return complex(real, imag)


def _ordered_dict(items=()):
    _check(isinstance(items, (list, tuple, dict)), "OrderedDict() of a non-sequence")
    return collections.OrderedDict(items)


def _collection(kind):
    def make(items=()):
        _check(isinstance(items, (list, tuple)), f"{kind.__name__}() of a {type(items).__name__}")
        return kind(items)
    return make


def _size(items=()):
    return _ints(items, "torch.Size")


class _Call:
    """A global that REDUCE may call. Every callable the file can reach is one of these (none is from the file)."""

    def __init__(self, name, function):
        self.name, self.function = name, function


def _allowed(reader):
    """(module, name) -> what that global loads as: the whole of what a file may name."""
    calls = {
        ("torch._utils", "_rebuild_tensor_v2"): reader.rebuild_tensor_v2,
        ("torch._utils", "_rebuild_tensor_v3"): reader.rebuild_tensor_v3,
        ("torch._utils", "_rebuild_parameter"): reader.rebuild_parameter,
        ("torch._utils", "_rebuild_parameter_with_state"): reader.rebuild_parameter,  # the state is ignored
        ("collections", "OrderedDict"): _ordered_dict,
        ("torch", "Size"): _size,
        ("_codecs", "encode"): _encode,
    }
    for module in ("builtins", "__builtin__"):  # protocol 2 spells builtins the Python 2 way
        calls[(module, "set")] = _collection(set)
        calls[(module, "frozenset")] = _collection(frozenset)
        calls[(module, "complex")] = _complex
    allowed = {key: _Call(f"{key[0]}.{key[1]}", f) for key, f in calls.items()}
    allowed.update({("torch", name): _Marker("storage", name, dtype) for name, dtype in _STORAGES.items()})
    for module in ("torch", "torch.storage"):
        allowed[(module, "UntypedStorage")] = _Marker("storage", "UntypedStorage", np.uint8)
    allowed.update({("torch", name): _Marker("dtype", name, dtype) for name, dtype in _TORCH_DTYPES.items()})
    return allowed


_PUSH = {"NONE": None, "NEWTRUE": True, "NEWFALSE": False, "EMPTY_TUPLE": ()}
_CONSTANTS = {"INT", "BININT", "BININT1", "BININT2", "LONG", "LONG1", "LONG4", "FLOAT", "BINFLOAT", "UNICODE",
              "BINUNICODE", "SHORT_BINUNICODE", "BINUNICODE8", "BINBYTES", "SHORT_BINBYTES", "BINBYTES8"}


def unpickle(data, reader):
    """Run the pickle `data` on a stack machine that knows only data opcodes and `_allowed(reader)`'s globals.

    A global outside that list, or an opcode that could build other objects (NEWOBJ, INST, OBJ, EXT*), raises
    pickle.UnpicklingError naming it; nothing from the file is ever imported or called."""
    allowed = _allowed(reader)
    stack, marks, memo = [], [], {}

    def pop_mark():
        nonlocal stack
        _check(marks, "pickle: MARK expected")
        items, stack = stack, marks.pop()
        return items

    try:
        for opcode, arg, position in pickletools.genops(data):
            op = opcode.name
            if op in _PUSH:
                stack.append(_PUSH[op])
            elif op in _CONSTANTS:
                stack.append(arg)
            elif op in ("PROTO", "FRAME"):
                pass
            elif op == "STOP":
                _check(len(stack) == 1 and not marks, "pickle: malformed stack at STOP")
                return stack[0]
            elif op == "MARK":
                marks.append(stack)
                stack = []
            elif op in ("TUPLE1", "TUPLE2", "TUPLE3"):
                n = int(op[-1])
                _check(len(stack) >= n, "pickle: stack underflow")
                items = tuple(stack[-n:])
                del stack[-n:]
                stack.append(items)
            elif op in ("TUPLE", "LIST", "FROZENSET"):
                items = pop_mark()  # first: it rebinds `stack`
                stack.append({"TUPLE": tuple, "LIST": list, "FROZENSET": frozenset}[op](items))
            elif op == "EMPTY_LIST":
                stack.append([])
            elif op == "EMPTY_DICT":
                stack.append({})
            elif op == "EMPTY_SET":
                stack.append(set())
            elif op == "DICT":
                items = pop_mark()
                stack.append(dict(zip(items[::2], items[1::2])))
            elif op in ("APPEND", "APPENDS"):
                items = [stack.pop()] if op == "APPEND" else pop_mark()
                _check(type(stack[-1]) is list, f"pickle: {op} to a {type(stack[-1]).__name__}")
                stack[-1].extend(items)
            elif op in ("SETITEM", "SETITEMS"):
                items = stack[-2:] if op == "SETITEM" else pop_mark()
                if op == "SETITEM":
                    del stack[-2:]
                _check(type(stack[-1]) in (dict, collections.OrderedDict) and len(items) % 2 == 0,
                       f"pickle: {op} on a {type(stack[-1]).__name__}")
                stack[-1].update(zip(items[::2], items[1::2]))
            elif op == "ADDITEMS":
                items = pop_mark()
                _check(type(stack[-1]) is set, "pickle: ADDITEMS on a non-set")
                stack[-1].update(items)
            elif op == "POP":
                if stack:
                    stack.pop()
                else:
                    pop_mark()
            elif op == "POP_MARK":
                pop_mark()
            elif op == "DUP":
                stack.append(stack[-1])
            elif op in ("PUT", "BINPUT", "LONG_BINPUT"):
                memo[arg] = stack[-1]
            elif op == "MEMOIZE":
                memo[len(memo)] = stack[-1]
            elif op in ("GET", "BINGET", "LONG_BINGET"):
                _check(arg in memo, f"pickle: memo entry {arg} is missing")
                stack.append(memo[arg])
            elif op in ("GLOBAL", "STACK_GLOBAL"):
                if op == "GLOBAL":
                    module, _, name = arg.partition(" ")
                else:
                    module, name = stack[-2:]
                    del stack[-2:]
                    _check(isinstance(module, str) and isinstance(name, str), "pickle: STACK_GLOBAL of non-strings")
                found = allowed.get((module, name))
                if found is None:
                    raise pickle.UnpicklingError(
                        f"load: {reader.name} names the global {module}.{name}, which is not allowed: only tensors, "
                        "parameters, dicts, lists, tuples, sets, numbers and strings load (PyTorch's weights_only=True)"
                        "; nothing from the file was run")
                stack.append(found)
            elif op == "REDUCE":
                args = stack.pop()
                function = stack.pop()
                _check(isinstance(function, _Call), f"pickle: REDUCE calls {function!r}, which is not allowed")
                _check(isinstance(args, tuple), f"pickle: the arguments of {function.name} are not a tuple")
                try:
                    stack.append(function.function(*args))
                except TypeError as err:
                    raise pickle.UnpicklingError(f"load: {function.name}{args!r:.200}: {err}") from None
            elif op == "BUILD":
                state = stack.pop()
                target = stack[-1]
                # torch's state dicts carry `_metadata` (module versions) as an attribute of the OrderedDict.
                _check(type(target) is collections.OrderedDict and isinstance(state, dict)
                       and all(isinstance(k, str) and not hasattr(collections.OrderedDict, k) for k in state),
                       f"pickle: BUILD of a {type(target).__name__} is not allowed")
                for key, value in state.items():
                    setattr(target, key, value)
            elif op == "BINPERSID":
                stack.append(reader.persistent_load(stack.pop()))
            else:
                raise pickle.UnpicklingError(f"load: {reader.name}: the pickle opcode {op} (at byte {position}) is "
                                             "not allowed in a weights-only checkpoint; nothing from the file was run")
    except (IndexError, TypeError, ValueError, KeyError) as err:  # a truncated or malformed pickle
        raise pickle.UnpicklingError(f"load: {reader.name} has a damaged pickle: {err}") from None
    raise pickle.UnpicklingError(f"load: {reader.name} has a damaged pickle (no STOP)")


def torch_prefix(archive):
    """`<name>/` when `archive` (a ZipFile) is a torch.save checkpoint, else None."""
    names = archive.namelist()
    for name in names:
        folder, _, rest = name.partition("/")
        if rest == "data.pkl":
            return folder + "/"
    return None


def read(archive, prefix, name):
    """The object in the checkpoint `archive` (a ZipFile whose entries are under `prefix`), tensors as arrays.

    A tensor that requires grad and an nn.Parameter load as Values (with their requires_grad), any other
    tensor as an ndarray; tensors that viewed one storage view one array; bfloat16 becomes float32 (exactly)
    with a warning."""
    def records(path):
        try:
            return archive.read(prefix + path)
        except KeyError:
            return None

    order = records("byteorder")  # absent before PyTorch 1.10: little-endian
    reader = _Reader(name, records, "little" if order is None else order.decode("ascii", "replace").strip())
    return _finish(unpickle(reader.record("data.pkl"), reader), reader)


class _Scan(_Reader):
    """A first pass over a legacy pickle: notes each storage's element size, builds nothing."""

    def __init__(self, name):
        super().__init__(name, lambda path: None)
        self.itemsizes = {}

    def persistent_load(self, pid):
        _check(isinstance(pid, tuple) and len(pid) == 6 and isinstance(pid[1], _Marker) and isinstance(pid[2], str),
               f"unexpected persistent id {pid!r}")
        self.itemsizes[pid[2]] = _itemsize(pid[1].dtype)
        return _Storage(pid[2], pid[1].dtype, b"")

    def tensor(self, *args, **kwargs):
        return None

    def rebuild_parameter(self, *args, **kwargs):
        return None


_LEGACY_VERSION = 1001


def read_legacy(data, name):
    """The object in a checkpoint of PyTorch's legacy format (`torch.save` before 1.6, or with
    `_use_new_zipfile_serialization=False`), tensors as `read` returns them.

    The file is five pickles in a row (the magic number, the format's version, the system's byte order and
    type sizes, the object, the sorted storage keys), then each storage as an int64 element count and its bytes."""
    stream = io.BytesIO(data)

    def next_pickle():
        start = stream.tell()
        try:
            for _ in pickletools.genops(stream):  # stops after STOP, where the next part starts
                pass
        except ValueError as err:
            raise pickle.UnpicklingError(f"load: {name} is a damaged legacy PyTorch checkpoint: {err}") from None
        return data[start:stream.tell()]

    plain = _Reader(name, lambda path: None)  # the header pickles hold numbers, strings and dicts only
    magic, version, system = (unpickle(next_pickle(), plain) for _ in range(3))
    _check(magic == _LEGACY_MAGIC and version == _LEGACY_VERSION and isinstance(system, dict),
           f"{name} is not a legacy PyTorch checkpoint (magic number {magic!r}, version {version!r})")
    byteorder = "little" if system.get("little_endian", True) else "big"
    main = next_pickle()
    keys = unpickle(next_pickle(), plain)
    _check(isinstance(keys, list) and all(isinstance(k, str) for k in keys), f"{name}: malformed storage keys")
    scan = _Scan(name)
    unpickle(main, scan)
    storages = {}
    for key in keys:
        _check(key in scan.itemsizes, f"{name}: storage {key} is not used by the object")
        header = stream.read(8)
        _check(len(header) == 8, f"{name} ends before storage {key}")
        (numel,) = struct.unpack("<q" if byteorder == "little" else ">q", header)
        _check(numel >= 0, f"{name}: storage {key} has {numel} elements")
        storages[f"data/{key}"] = stream.read(numel * scan.itemsizes[key])
    reader = _Reader(name, storages.get, byteorder)
    return _finish(unpickle(main, reader), reader)


def _finish(result, reader):
    if reader.converted_bfloat16:
        warnings.warn(f"load: {reader.name} holds bfloat16 tensors, which NumPy lacks: they were loaded as float32 "
                      "(exactly, every bfloat16 is a float32)", UserWarning, stacklevel=5)  # at load()'s caller
    return result


# --------------------------------------------------------------------------------------------------------------
# Writing.

def unsupported(obj, where):
    return TypeError(f"save: cannot save a {type(obj).__name__} (at {where}); save state dicts, arrays, Values, "
                     "numbers, strings and lists/dicts of them (a module: save module.state_dict())")


def bad_key(key, where):
    return TypeError(f"save: dict key {key!r} at {where} is a {type(key).__name__}; keys must be str, int, "
                     "float, bool or None")


class _Pickler:
    """Protocol-2 opcodes for state dicts, written by hand: `pickle` would import torch to name its globals."""

    def __init__(self):
        self.out = bytearray(b"\x80\x02")
        self.memo = {}  # id(obj) -> memo index; `keep` holds the objects so that their ids stay theirs
        self.keep = []
        self.storages = []  # contiguous little-endian arrays, storage key = position

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
        elif isinstance(obj, tuple):
            self.out += b"("
            for i, value in enumerate(obj):
                self.save(value, f"{where}[{i}]")
            self.out += b"t"
        else:
            raise unsupported(obj, where)

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


_ALIGNMENT = 64  # torch.save aligns each record's data so that torch.load(mmap=True) can map it


def write(obj, out):
    """Write `obj` to the binary file `out` as torch.save does, so that torch.load(weights_only=True) reads it."""
    pickler = _Pickler()
    pickler.save(obj, "the object")
    pickler.out += b"."
    pickle_bytes = bytes(pickler.out)
    digest = int.from_bytes(hashlib.sha1(pickle_bytes).digest(), "big") % 10**40
    records = [("data.pkl", pickle_bytes), (".format_version", b"1"), (".storage_alignment", b"64"),
               ("byteorder", b"little")]
    records += [(f"data/{key}", memoryview(array.reshape(-1).view(np.uint8)))
                for key, array in enumerate(pickler.storages)]
    records += [("version", b"3\n"), (".data/serialization_id", f"{digest:040d}".encode())]
    start = out.tell() if out.seekable() else 0
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as archive:
        for path, data in records:
            info = zipfile.ZipInfo(f"archive/{path}", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_STORED
            name_length = len(info.filename.encode("utf-8"))
            # Python adds a zip64 field to the local header beyond this size; count it so that the data stays aligned.
            zip64 = 20 if len(data) * 1.05 > zipfile.ZIP64_LIMIT else 0
            offset = archive.fp.tell() - start
            padding = -(offset + 30 + name_length + 4 + zip64) % _ALIGNMENT
            info.extra = b"FB" + struct.pack("<H", padding) + b"Z" * padding  # torch.save's padding field
            archive.writestr(info, data)


def sniff(head):
    """What the first bytes of a file say it is: "zip", "pickle" or None."""
    if head[:4] == b"PK\x03\x04" or head[:4] == b"PK\x05\x06":
        return "zip"
    if head[:1] == b"\x80" and len(head) > 1 and 2 <= head[1] <= 5:
        return "pickle"
    return None


_LEGACY_MAGIC = 0x1950A86A20F9469CFC6C


def is_legacy_torch(data):
    """True when the pickle stream `data` starts with torch.save's legacy (pre-1.6 format) magic number."""
    try:
        for opcode, arg, _ in pickletools.genops(io.BytesIO(data)):
            if opcode.name in ("PROTO", "FRAME"):
                continue
            return arg == _LEGACY_MAGIC
    except ValueError:
        return False
    return False
