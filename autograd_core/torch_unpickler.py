"""The unpickler of PyTorch checkpoints: their pickle is interpreted here, never by `pickle`.

A tensor in a checkpoint's pickle is the call `torch._utils._rebuild_tensor_v2(storage, offset, size, stride,
requires_grad, hooks)` (`_rebuild_tensor_v3(..., dtype)` for dtypes without a storage class, such as uint16),
its storage a persistent id `("storage", torch.FloatStorage, key, location, numel)`. Offsets and strides count
elements; several tensors may view one storage.

`unpickle(data, reader)` runs the opcodes (`pickletools.genops` parses them) on a stack machine that knows only
data opcodes and the globals its reader allows, each mapped to a function of ours, as PyTorch's `weights_only=True`
unpickler does: any other global (`os.system`, a class) or opcode is refused before anything runs. The reader says
what a file may name (`find_global`), how BUILD sets an object's state (`build`) and what a persistent id is
(`persistent_load`): `Reader` reads checkpoints (the globals in `_allowed`); autograd_core.vision reads CIFAR's
batches with a reader of its own (NumPy arrays only).
"""

from __future__ import annotations

import collections
import pickle
import pickletools

import numpy as np

from . import safe_globals
from .grad_array import ParameterArray
from .tensor_methods import Device, Size
from .value import Value

# Storage classes in the pickle -> NumPy dtype ("bfloat16" has none in NumPy: read as float32, exactly).
STORAGES = {
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


class Marker:
    """What a global that is data, not a function, loads as: a storage class or a dtype."""

    def __init__(self, kind, name, dtype):
        self.kind, self.name, self.dtype = kind, name, dtype

    def __repr__(self):
        return f"torch.{self.name}"


class Storage:
    """One `<name>/data/<key>` record, typed by the persistent id that named it."""

    def __init__(self, key, dtype, raw):
        self.key, self.dtype, self.raw = key, dtype, raw


def itemsize(dtype):
    return 2 if dtype == "bfloat16" else np.dtype(dtype).itemsize


def check(condition, message):
    if not condition:
        raise pickle.UnpicklingError(f"load: {message}")


def _is_int(x):
    return isinstance(x, int) and not isinstance(x, bool)


class Reader:
    """The state of one load: where the storages' bytes are, their byte order, and the arrays built from each
    storage (which the tensors viewing it share).

    records: a function of a record's path ("data/0") that returns its bytes, or None when it is missing."""

    def __init__(self, name, records, byteorder="little"):
        self.name, self.records, self.byteorder = name, records, byteorder
        check(byteorder in ("little", "big"), f"{name}: unknown byteorder {byteorder!r}")
        self.raws = {}  # key -> the storage's bytes, read once however many tensors name it
        self.bases = {}  # (key, dtype) -> the whole storage as a 1-d native array
        self.converted_bfloat16 = False
        self.globals = None  # _allowed(self), made on the first global a pickle names

    def find_global(self, module, name):
        """What the global `module.name` loads as: ours (`_allowed`), or a class or function the user allowed
        (safe_globals.py); anything else is refused (pickle.UnpicklingError naming it)."""
        if self.globals is None:
            self.globals = _allowed(self)
        found = self.globals.get((module, name))
        if found is not None:
            return found
        users = safe_globals.allowed(module, name)  # a class of the user's, allowed by the user
        if users is None:
            raise safe_globals.not_allowed(module, name, self.name)
        return Call(f"{module}.{name}", users, users=True)

    def build(self, target, state):
        """Pickle's BUILD: the state of an object of a class the user allowed, or torch's `_metadata` (module
        versions) set as an attribute of a state dict's OrderedDict; nothing else."""
        if safe_globals.is_allowed_class(type(target)):
            safe_globals.set_state(target, state)
            return
        check(type(target) is collections.OrderedDict and isinstance(state, dict)
              and all(isinstance(k, str) and not hasattr(collections.OrderedDict, k) for k in state),
              f"pickle: BUILD of a {type(target).__name__} is not allowed")
        for key, value in state.items():
            setattr(target, key, value)

    def record(self, path):
        data = self.records(path)
        if data is None:
            raise RuntimeError(f"load: {self.name} is a damaged PyTorch checkpoint (no {path})")
        return data

    def persistent_load(self, pid):
        # The legacy format adds a sixth entry, the view of a storage that PyTorch < 0.4 could save (else None).
        check(isinstance(pid, tuple) and len(pid) in (5, 6) and pid[0] == "storage" and pid[5:] in ((), (None,)),
              f"unexpected persistent id {pid!r} (expected ('storage', type, key, location, numel))")
        _, storage_type, key, _location, numel = pid[:5]  # every storage is read into memory: the location is moot
        check(isinstance(storage_type, Marker) and storage_type.kind == "storage",
              f"persistent id names {storage_type!r}, not a storage class")
        check(isinstance(key, str) and _is_int(numel) and numel >= 0, f"malformed persistent id {pid!r}")
        raw = self.raws.get(key)
        if raw is None:
            raw = self.raws[key] = self.record(f"data/{key}")
        nbytes = numel * itemsize(storage_type.dtype)
        check(len(raw) == nbytes, f"storage {key} has {len(raw)} bytes, its persistent id announces {nbytes}")
        return Storage(key, storage_type.dtype, raw)

    def base(self, storage, dtype):
        """The storage's bytes as a 1-d array of `dtype` in native byte order, made once per (storage, dtype)."""
        cached = self.bases.get((storage.key, dtype))
        if cached is not None:
            return cached
        size = itemsize(dtype)
        check(len(storage.raw) % size == 0, f"storage {storage.key} is not a whole number of {dtype} elements")
        endian = "<" if self.byteorder == "little" else ">"
        if dtype == "bfloat16":  # the high half of a float32: widening is exact
            halves = np.frombuffer(storage.raw, dtype=endian + "u2").astype(np.uint32)
            array = (halves << 16).view(np.float32)
            self.converted_bfloat16 = True
        else:  # over the record's bytes when they are writable and native, else a copy (torch.load's are writable)
            array = np.frombuffer(storage.raw, dtype=np.dtype(dtype).newbyteorder(endian))
            if not (array.dtype.isnative and array.flags.writeable):
                array = array.astype(array.dtype.newbyteorder("="))
        self.bases[(storage.key, dtype)] = array
        return array

    def tensor(self, storage, offset, size, stride, requires_grad, hooks, dtype, metadata=None):
        check(isinstance(storage, Storage), f"a tensor's storage is a {type(storage).__name__}")
        size, stride = _ints(size, "size"), _ints(stride, "stride")
        check(_is_int(offset) and offset >= 0, f"tensor storage offset {offset!r}")
        check(len(size) == len(stride) and all(s >= 0 for s in size + stride),
              f"tensor size {size} and stride {stride} do not match")
        check(isinstance(requires_grad, bool), f"requires_grad is {requires_grad!r}")
        check(isinstance(hooks, dict) and not hooks, "tensors with backward hooks are not loaded (no code is)")
        check(not metadata or (isinstance(metadata, dict) and not any(metadata.values())),
              f"tensor metadata {metadata!r} (a lazy conj/neg bit) is not supported: resolve_conj() before saving")
        base = self.base(storage, dtype)
        if 0 in size:
            array = np.empty(size, dtype=base.dtype)
        else:
            last = offset + sum((n - 1) * s for n, s in zip(size, stride))
            check(last < base.size, f"a tensor reaches element {last} of storage {storage.key}, "
                                    f"which has {base.size}")  # never read outside the storage
            array = np.lib.stride_tricks.as_strided(base[offset:], shape=size,
                                                    strides=[s * base.itemsize for s in stride])
        if requires_grad:
            check(array.dtype.kind in "fc", f"a {array.dtype} tensor cannot require grad")
            return Value(array, requires_grad=True, dtype=array.dtype)
        return array.view(ParameterArray)  # PyTorch's tensor methods on it: `state_dict[name].to(device)`

    def rebuild_tensor_v2(self, storage, offset, size, stride, requires_grad=False, hooks=None, metadata=None):
        check(isinstance(storage, Storage), f"a tensor's storage is a {type(storage).__name__}")
        return self.tensor(storage, offset, size, stride, requires_grad, collections.OrderedDict() if hooks is None
                           else hooks, storage.dtype, metadata)

    def rebuild_tensor_v3(self, storage, offset, size, stride, requires_grad, hooks, dtype, metadata=None):
        check(isinstance(dtype, np.dtype) or dtype is _BFLOAT16, f"tensor dtype {dtype!r}")
        return self.tensor(storage, offset, size, stride, requires_grad, hooks,
                           "bfloat16" if dtype is _BFLOAT16 else dtype, metadata)

    def rebuild_parameter(self, data, requires_grad, hooks, state=None):
        """An nn.Parameter loads as a leaf Value with its requires_grad (Module.load_state_dict takes it)."""
        check(isinstance(data, (np.ndarray, Value)) and isinstance(requires_grad, bool),
              "malformed nn.Parameter")
        check(isinstance(hooks, dict) and not hooks, "parameters with backward hooks are not loaded (no code is)")
        array = data.data if isinstance(data, Value) else data
        check(not requires_grad or array.dtype.kind in "fc", f"a {array.dtype} parameter cannot require grad")
        return Value(array, requires_grad=requires_grad, dtype=array.dtype)


def _ints(values, what):
    check(isinstance(values, (tuple, list)) and all(_is_int(v) for v in values), f"tensor {what} {values!r}")
    return tuple(values)


def codecs_encode(text, encoding="utf-8"):
    # Protocol 2 writes bytes as _codecs.encode(str, "latin1"); nothing else is allowed through.
    check(isinstance(text, str) and encoding == "latin1", f"_codecs.encode({text!r}, {encoding!r})")
    return text.encode("latin1")


def _complex(real=0.0, imag=0.0):
    check(all(isinstance(x, (int, float)) for x in (real, imag)), "complex() of non-numbers")
    return complex(real, imag)


def _ordered_dict(items=()):
    check(isinstance(items, (list, tuple, dict)), "OrderedDict() of a non-sequence")
    return collections.OrderedDict(items)


def _collection(kind):
    def make(items=()):
        check(isinstance(items, (list, tuple)), f"{kind.__name__}() of a {type(items).__name__}")
        return kind(items)
    return make


def _device(*args):
    """torch.device("cuda:0") in a checkpoint (a config's device, as PyTorch's weights_only loads it): ours."""
    check(all(isinstance(a, (str, int)) for a in args), f"torch.device{args!r}")
    try:
        return Device(*args)
    except RuntimeError as err:
        raise pickle.UnpicklingError(f"load: torch.device{args!r}: {err}") from None


def _size(items=()):
    return Size(_ints(items, "torch.Size"))


_SPARSE_LAYOUTS = ("sparse_coo", "sparse_csr", "sparse_csc", "sparse_bsr", "sparse_bsc")


def _layout(name):
    """torch.serialization._get_layout("torch.sparse_coo") in a checkpoint: the sparse layout's name."""
    check(isinstance(name, str) and name.startswith("torch.") and name[len("torch."):] in _SPARSE_LAYOUTS,
          f"layout {name!r} (a sparse layout was expected)")
    return name[len("torch."):]


def _sparse_tensor(layout, data):
    """torch._utils._rebuild_sparse_tensor(layout, data): a sparse tensor of our own, made by the constructors, which
    check the indices against the size (PyTorch's load validates them too)."""
    check(layout in _SPARSE_LAYOUTS and isinstance(data, tuple), f"sparse tensor {layout!r} {type(data).__name__}")
    arrays = [part.data if isinstance(part, Value) else part for part in data]
    if layout == "sparse_coo":
        from .sparse_functions import sparse_coo_tensor

        check(len(arrays) in (3, 4), "malformed sparse COO tensor")
        indices, values, size, coalesced = (*arrays, None)[:4]
        check(isinstance(indices, np.ndarray) and isinstance(values, np.ndarray) and isinstance(size, tuple)
              and coalesced in (None, True, False), "malformed sparse COO tensor")
        return sparse_coo_tensor(indices, Value(values, requires_grad=False, dtype=values.dtype), size,
                                 is_coalesced=coalesced)
    from . import sparse_compressed
    from .compressed_construction import sparse_compressed_tensor

    check(len(arrays) == 4 and all(isinstance(a, np.ndarray) for a in arrays[:3]) and isinstance(arrays[3], tuple),
          f"malformed {layout} tensor")
    compressed, plain, values, size = arrays
    return sparse_compressed_tensor(compressed, plain, Value(values, requires_grad=False, dtype=values.dtype), size,
                                    layout=getattr(sparse_compressed, layout))


class Call:
    """A global that REDUCE may call. Every callable the file can reach is one of these (none is from the file):
    ours, or a class or function the user allowed (safe_globals.py), which NEWOBJ may also instantiate."""

    def __init__(self, name, function, users=False):
        self.name, self.function, self.users = name, function, users


def _allowed(reader):
    """(module, name) -> what that global loads as: the whole of what a file may name."""
    calls = {
        ("torch._utils", "_rebuild_tensor_v2"): reader.rebuild_tensor_v2,
        ("torch._utils", "_rebuild_tensor_v3"): reader.rebuild_tensor_v3,
        ("torch._utils", "_rebuild_parameter"): reader.rebuild_parameter,
        ("torch._utils", "_rebuild_parameter_with_state"): reader.rebuild_parameter,  # the state is ignored
        ("collections", "OrderedDict"): _ordered_dict,
        ("torch", "Size"): _size,
        ("torch._utils", "_rebuild_sparse_tensor"): _sparse_tensor,
        ("torch.serialization", "_get_layout"): _layout,
        ("_codecs", "encode"): codecs_encode,
        ("torch", "device"): _device,
    }
    for module in ("builtins", "__builtin__"):  # protocol 2 spells builtins the Python 2 way
        calls[(module, "set")] = _collection(set)
        calls[(module, "frozenset")] = _collection(frozenset)
        calls[(module, "complex")] = _complex
    allowed = {key: Call(f"{key[0]}.{key[1]}", f) for key, f in calls.items()}
    allowed.update({("torch", name): Marker("storage", name, dtype) for name, dtype in STORAGES.items()})
    for module in ("torch", "torch.storage"):
        allowed[(module, "UntypedStorage")] = Marker("storage", "UntypedStorage", np.uint8)
    # torch.float32 and the like load as NumPy dtypes (autograd_core.float32 is one); torch.bfloat16 has none.
    allowed.update({("torch", name): np.dtype(dtype) for name, dtype in _TORCH_DTYPES.items() if name != "bfloat16"})
    allowed[("torch", "bfloat16")] = _BFLOAT16
    return allowed


_BFLOAT16 = Marker("dtype", "bfloat16", "bfloat16")
_PUSH = {"NONE": None, "NEWTRUE": True, "NEWFALSE": False, "EMPTY_TUPLE": ()}
# Python 2's str opcodes (STRING, BINSTRING, SHORT_BINSTRING) push latin-1 text, as pickle.load(encoding="latin1").
_CONSTANTS = {"INT", "BININT", "BININT1", "BININT2", "LONG", "LONG1", "LONG4", "FLOAT", "BINFLOAT", "UNICODE",
              "BINUNICODE", "SHORT_BINUNICODE", "BINUNICODE8", "BINBYTES", "SHORT_BINBYTES", "BINBYTES8", "BYTEARRAY8",
              "STRING", "BINSTRING", "SHORT_BINSTRING"}


def unpickle(data, reader):
    """Run the pickle `data` on a stack machine that knows only data opcodes and the globals `reader` allows.

    reader: `.name` (for messages), `.find_global(module, name)` (what a global loads as; it raises for one not
    allowed), `.build(target, state)` (BUILD, in place) and `.persistent_load(pid)`. A global the reader refuses, or
    an opcode that could build other objects (INST, OBJ, EXT*; NEWOBJ of anything but an allowed class), raises
    pickle.UnpicklingError naming it; nothing from the file is ever imported or called."""
    stack, marks, memo = [], [], {}

    def pop_mark():
        nonlocal stack
        check(marks, "pickle: MARK expected")
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
                check(len(stack) == 1 and not marks, "pickle: malformed stack at STOP")
                return stack[0]
            elif op == "MARK":
                marks.append(stack)
                stack = []
            elif op in ("TUPLE1", "TUPLE2", "TUPLE3"):
                n = int(op[-1])
                check(len(stack) >= n, "pickle: stack underflow")
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
                check(type(stack[-1]) is list, f"pickle: {op} to a {type(stack[-1]).__name__}")
                stack[-1].extend(items)
            elif op in ("SETITEM", "SETITEMS"):
                items = stack[-2:] if op == "SETITEM" else pop_mark()
                if op == "SETITEM":
                    del stack[-2:]
                check(type(stack[-1]) in (dict, collections.OrderedDict) and len(items) % 2 == 0,
                      f"pickle: {op} on a {type(stack[-1]).__name__}")
                stack[-1].update(zip(items[::2], items[1::2]))
            elif op == "ADDITEMS":
                items = pop_mark()
                check(type(stack[-1]) is set, "pickle: ADDITEMS on a non-set")
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
                check(arg in memo, f"pickle: memo entry {arg} is missing")
                stack.append(memo[arg])
            elif op in ("GLOBAL", "STACK_GLOBAL"):
                if op == "GLOBAL":
                    module, _, name = arg.partition(" ")
                else:
                    module, name = stack[-2:]
                    del stack[-2:]
                    check(isinstance(module, str) and isinstance(name, str), "pickle: STACK_GLOBAL of non-strings")
                stack.append(reader.find_global(module, name))
            elif op == "NEWOBJ":  # cls.__new__(cls, *args): an instance of a class the user allowed (its state follows)
                args = stack.pop()
                cls = stack.pop()
                check(isinstance(cls, Call) and cls.users and isinstance(cls.function, type),
                      f"pickle: NEWOBJ of {cls!r}, which is not an allowed class")
                check(isinstance(args, tuple), f"pickle: the arguments of {cls.name} are not a tuple")
                stack.append(cls.function.__new__(cls.function, *args))
            elif op == "REDUCE":
                args = stack.pop()
                function = stack.pop()
                check(isinstance(function, Call), f"pickle: REDUCE calls {function!r}, which is not allowed")
                check(isinstance(args, tuple), f"pickle: the arguments of {function.name} are not a tuple")
                try:
                    stack.append(function.function(*args))
                except TypeError as err:
                    raise pickle.UnpicklingError(f"load: {function.name}{args!r:.200}: {err}") from None
            elif op == "BUILD":
                state = stack.pop()
                reader.build(stack[-1], state)
            elif op == "BINPERSID":
                stack.append(reader.persistent_load(stack.pop()))
            else:
                raise pickle.UnpicklingError(f"load: {reader.name}: the pickle opcode {op} (at byte {position}) is "
                                             "not allowed (only data is read); nothing from the file was run")
    except (IndexError, TypeError, ValueError, KeyError, AttributeError) as err:  # a truncated or malformed pickle
        raise pickle.UnpicklingError(f"load: {reader.name} has a damaged pickle: {err}") from None
    raise pickle.UnpicklingError(f"load: {reader.name} has a damaged pickle (no STOP)")


def unsafe_globals(data):
    """The globals ("module.name") that the pickle `data` names and a load would refuse: neither ours nor allowed
    by the user (PyTorch's get_unsafe_globals_in_checkpoint). Read from the opcodes only: nothing is built."""
    known = _allowed(Reader("", lambda path: None))
    names, strings = set(), []
    for opcode, arg, _ in pickletools.genops(data):
        if opcode.name in ("UNICODE", "BINUNICODE", "SHORT_BINUNICODE", "BINUNICODE8"):
            strings.append(arg)
        elif opcode.name == "GLOBAL":
            names.add(tuple(arg.partition(" ")[::2]))
        elif opcode.name == "STACK_GLOBAL" and len(strings) >= 2:  # (protocol 4: module and name pushed before)
            names.add(tuple(strings[-2:]))
    return sorted(f"{module}.{name}" for module, name in names
                  if (module, name) not in known and safe_globals.allowed(module, name) is None)
