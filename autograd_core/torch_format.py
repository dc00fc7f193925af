"""PyTorch's checkpoint files (`torch.save`), read and written without PyTorch.

The zip format (the default since PyTorch 1.6) is an uncompressed zip whose entries share one folder, `<name>/`:

    <name>/data.pkl         the object, a pickle (protocol 2) whose tensors point at storages by key
    <name>/data/<key>       one storage's raw bytes, in the byte order that <name>/byteorder names
    <name>/byteorder        "little" or "big" (absent in old files: little)
    <name>/version          the format's version; .format_version, .storage_alignment, .data/serialization_id

The legacy format (before 1.6, or `_use_new_zipfile_serialization=False`) is pickles in a row followed by the
storages (see `read_legacy`). The pickles are read by torch_unpickler (weights only, never by `pickle`) and
written by torch_pickler.
"""

from __future__ import annotations

import hashlib
import io
import pickle
import pickletools
import struct
import warnings
import zipfile
import zlib

import numpy as np

from .torch_pickler import Pickler
from .torch_unpickler import Marker, Reader, Storage, check, itemsize, unpickle

_LEGACY_MAGIC = 0x1950A86A20F9469CFC6C  # the first pickle of a legacy file
_LEGACY_VERSION = 1001
_ALIGNMENT = 64  # torch.save aligns each record's data so that torch.load(mmap=True) can map it


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
    tensor as an ndarray with PyTorch's tensor methods (a ParameterArray); tensors that viewed one storage view
    one array; bfloat16 becomes float32 (exactly) with a warning."""
    def records(path):
        try:
            info = archive.getinfo(prefix + path)
        except KeyError:
            return None
        # A stored record is no longer than the zip: a forged size must not allocate more.
        check(info.compress_type != zipfile.ZIP_STORED or info.file_size <= archive.start_dir,
              f"{name}: record {path} announces {info.file_size} bytes, more than the file holds")
        try:
            with archive.open(info) as f:
                return _read_exactly(f, info.file_size)
        except (zipfile.BadZipFile, EOFError, OSError, ValueError, NotImplementedError, zlib.error) as err:
            raise RuntimeError(f"load: {name} is a damaged PyTorch checkpoint ({path}: {err})") from None

    order = records("byteorder")  # absent before PyTorch 1.10: little-endian
    reader = Reader(name, records, "little" if order is None else order.decode("ascii", "replace").strip())
    return _finish(unpickle(reader.record("data.pkl"), reader), reader)


class _Scan(Reader):
    """A first pass over a legacy pickle: notes each storage's element size, builds nothing."""

    def __init__(self, name):
        super().__init__(name, lambda path: None)
        self.itemsizes = {}

    def persistent_load(self, pid):
        check(isinstance(pid, tuple) and len(pid) == 6 and isinstance(pid[1], Marker) and isinstance(pid[2], str),
              f"unexpected persistent id {pid!r}")
        self.itemsizes[pid[2]] = itemsize(pid[1].dtype)
        return Storage(pid[2], pid[1].dtype, b"")

    def tensor(self, *args, **kwargs):
        return None

    def rebuild_parameter(self, *args, **kwargs):
        return None


def _read_exactly(f, size):
    """`size` bytes of the binary file `f` (fewer at its end) in a bytearray: arrays over it are writable, no copy."""
    buffer = bytearray(size)
    view, done = memoryview(buffer), 0
    while done < size:
        count = f.readinto(view[done:])
        if not count:
            return buffer[:done]
        done += count
    return buffer


def read_legacy(handle, name):
    """The object in a checkpoint of PyTorch's legacy format (`torch.save` before 1.6, or with
    `_use_new_zipfile_serialization=False`), tensors as `read` returns them.

    The file is five pickles in a row (the magic number, the format's version, the system's byte order and
    type sizes, the object, the sorted storage keys), then each storage as an int64 element count and its bytes."""
    def next_pickle():
        start = handle.tell()
        try:
            for _ in pickletools.genops(handle):  # stops after STOP, where the next part starts
                pass
        except ValueError as err:
            raise pickle.UnpicklingError(f"load: {name} is a damaged legacy PyTorch checkpoint: {err}") from None
        end = handle.tell()
        handle.seek(start)
        return handle.read(end - start)

    plain = Reader(name, lambda path: None)  # the header pickles hold numbers, strings and dicts only
    magic, version, system = (unpickle(next_pickle(), plain) for _ in range(3))
    check(magic == _LEGACY_MAGIC and version == _LEGACY_VERSION and isinstance(system, dict),
          f"{name} is not a legacy PyTorch checkpoint (magic number {magic!r}, version {version!r})")
    byteorder = "little" if system.get("little_endian", True) else "big"
    main = next_pickle()
    keys = unpickle(next_pickle(), plain)
    check(isinstance(keys, list) and all(isinstance(k, str) for k in keys), f"{name}: malformed storage keys")
    scan = _Scan(name)
    unpickle(main, scan)
    storages = {}
    position = handle.tell()
    size = handle.seek(0, io.SEEK_END)
    handle.seek(position)
    for key in keys:
        check(key in scan.itemsizes, f"{name}: storage {key} is not used by the object")
        header = handle.read(8)
        check(len(header) == 8, f"{name} ends before storage {key}")
        (numel,) = struct.unpack("<q" if byteorder == "little" else ">q", header)
        check(0 <= numel * scan.itemsizes[key] <= size - handle.tell(),
              f"{name}: storage {key} announces {numel} elements, more than the file holds")
        storages[f"data/{key}"] = _read_exactly(handle, numel * scan.itemsizes[key])
    reader = Reader(name, storages.get, byteorder)
    return _finish(unpickle(main, reader), reader)


def _finish(result, reader):
    if reader.converted_bfloat16:
        warnings.warn(f"load: {reader.name} holds bfloat16 tensors, which NumPy lacks: they were loaded as float32 "
                      "(exactly, every bfloat16 is a float32)", UserWarning, stacklevel=5)  # at load()'s caller
    return result


def write(obj, out):
    """Write `obj` to the binary file `out` as torch.save does, so that torch.load(weights_only=True) reads it."""
    pickler = Pickler()
    pickle_bytes = pickler.dump(obj)
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
