"""Checkpoint files: `Module.save` writes atomically, `Module.load` reads defensively.

Saving writes an uncompressed .npz (one .npy member per state-dict entry, no pickles) to a temporary file
in the target's folder, flushes and fsyncs it, gives it the mode of the file it replaces, and renames it over
the target, then fsyncs the folder. A crash or `kill -9` at any moment leaves the old complete checkpoint or
the new complete one (plus, at worst, a stray `.NAME.*.tmp` next to it), never a truncated mix.

Loading trusts nothing in the archive before checking it against the model:

* the member count is bounded (`MAX_MEMBERS`, or the model's own entry count if larger), names must be
  `KEY.npy`, each at most once;
* members the model does not expect are never decompressed (strict=True refuses them by name first);
* each expected member's .npy header is read first: its dtype must be numeric (no pickled objects), its
  shape the model's, and the zip's declared size exactly header + data, so a "zip bomb" cannot make the
  loader read more than the model's own size;
* values are cast to the model's dtypes only when nothing is lost: NaN or 3.9 into an integer buffer,
  or 1e300 into float32 (→ inf), are errors;
* a sparse entry (a sparse parameter) is stored as its parts, `KEY#LAYOUT.PART` (nn/sparse_checkpoint.py), each
  checked likewise (bounded by the model's shape) and assembled by the public constructors;
* every failure raises `CheckpointError` (a ValueError) naming the file and the key, with lists of keys cut
  short; files are closed on every path; and the model is only changed after everything was read and checked.
"""

from __future__ import annotations

import math
import os
import zipfile
import warnings
import zlib

import numpy as np

from autograd_core.files import replace_file

from .sparse_checkpoint import PARTS, assemble, is_sparse_entry, part_limit, sparse_members, split_member

MAX_MEMBERS = 10_000
MAX_EXTRA_STATE_BYTES = 1 << 16  # a generator's state (nn.Dropout): small, JSON text
EXTRA_STATE = "_extra_state"     # PyTorch's key suffix for state that is not a parameter or buffer
_LISTED = 5                      # keys named in a message before "and N more"


class CheckpointError(ValueError, RuntimeError):
    """A state dict or checkpoint file that cannot be loaded into this model; the model is unchanged.

    Both a ValueError and a RuntimeError: PyTorch's load_state_dict raises RuntimeError, so code written for
    PyTorch (`except RuntimeError:`) catches it too.
    """


def short(key, limit=60):
    """`repr(key)` cut to `limit` characters: keys come from files and may be huge."""
    text = repr(key)
    return text if len(text) <= limit else text[: limit - 4] + "...'"


def key_list(keys):
    """'['a', 'b', ...] and 7 more': at most `_LISTED` keys, each cut short."""
    keys = list(keys)
    shown = ", ".join(short(k) for k in keys[:_LISTED])
    more = f" and {len(keys) - _LISTED} more" if len(keys) > _LISTED else ""
    return f"[{shown}]{more}"


def check_keys(missing, unexpected, where):
    """CheckpointError listing (a few of) the missing and unexpected keys, if there are any."""
    parts = []
    if missing:
        parts.append(f"missing keys {key_list(missing)}")
    if unexpected:
        parts.append(f"unexpected keys {key_list(unexpected)}")
    if parts:
        raise CheckpointError(f"{where}: {'; '.join(parts)}")


def _quoted(key, limit=60):
    """'"key"', as PyTorch quotes keys, cut to `limit` characters (keys may be huge)."""
    text = str(key)
    return f'"{text}"' if len(text) <= limit else f'"{text[: limit - 3]}..."'


def _torch_size(shape):
    return f"torch.Size([{', '.join(map(str, shape))}])"


def state_dict_error(module_name, missing=(), unexpected=(), mismatched=()):
    """load_state_dict's CheckpointError in PyTorch's words and order (missing keys, unexpected keys, then each size
    mismatch, given as (key, checkpoint's shape, model's shape)), or None when there is nothing to report:

        Error(s) in loading state_dict for Linear:
            Missing key(s) in state_dict: "bias".
            size mismatch for weight: copying a param with shape torch.Size([2, 2]) from checkpoint, the shape in
            current model is torch.Size([3, 2]).
    """
    lines = []
    if missing:
        lines.append(f"Missing key(s) in state_dict: {', '.join(map(_quoted, missing))}. ")
    if unexpected:
        lines.append(f"Unexpected key(s) in state_dict: {', '.join(map(_quoted, unexpected))}. ")
    for key, theirs, ours in mismatched:
        lines.append(f"size mismatch for {str(key)[:60]}: copying a param with shape {_torch_size(theirs)} from "
                     f"checkpoint, the shape in current model is {_torch_size(ours)}.")
    if not lines:
        return None
    hint = _prefix_hint(missing, unexpected)
    return CheckpointError(f"Error(s) in loading state_dict for {module_name}:\n\t" + "\n\t".join(lines) + hint)


_WRAPPER_PREFIXES = {"module.": "nn.DataParallel and DistributedDataParallel save",
                     "_orig_mod.": "a torch.compile'd model saves"}


def _prefix_hint(missing, unexpected):
    """Ours, after PyTorch's lines: when the unexpected keys are the missing ones behind a wrapper's prefix (or the
    other way round), how to strip or add it."""
    for prefix, who in _WRAPPER_PREFIXES.items():
        if missing and sorted(missing) == sorted(k.removeprefix(prefix) for k in unexpected if k.startswith(prefix)):
            return (f"\n\t(the checkpoint's keys begin with '{prefix}', as {who} them: load "
                    f"{{k.removeprefix('{prefix}'): v for k, v in state_dict.items()}})")
        if unexpected and sorted(unexpected) == sorted(k.removeprefix(prefix) for k in missing if k.startswith(prefix)):
            return (f"\n\t(this model's keys begin with '{prefix}' and the checkpoint's do not: load it into the "
                    f"wrapped model, model.{prefix.strip('.')}.load_state_dict(...))")
    return ""


def is_extra_state(key):
    return key == EXTRA_STATE or key.endswith("." + EXTRA_STATE)


# ----------------------------------------------------------------------------------------------------
# Saving.


def save_atomic(state, path):
    """Write `state` (name -> ndarray) to `path` as an uncompressed .npz, atomically and durably (see module doc).

    A symlink at `path` is followed: the file it points to is replaced and the link stays a link. An
    existing character device or named pipe (/dev/null, a FIFO) is written into, never replaced; a
    directory or other special file is refused, and no file is ever created under /dev, /proc or /sys
    (`autograd_core.files.replace_file`). A save killed midway may leave a `.NAME.*.tmp` file next to the
    checkpoint; the checkpoint is intact.
    """
    members = {}  # every entry as arrays before the file is opened: what cannot be stored fails with no file begun
    for key, array in state.items():
        if is_sparse_entry(array):  # a sparse parameter: its indices, values, size (nn/sparse_checkpoint.py)
            members.update(sparse_members(key, array))
        else:
            members[key] = np.asarray(array)
    replace_file(path, lambda file: _write_npz(file, members), durable=True, who="save")


def _write_npz(f, members):
    with zipfile.ZipFile(f, "w") as archive:
        for key, array in members.items():
            with archive.open(key + ".npy", "w", force_zip64=True) as member:
                np.lib.format.write_array(member, array, allow_pickle=False)


# ----------------------------------------------------------------------------------------------------
# Loading.


def read_checkpoint(path, expected, strict=True, owner="Module"):
    """(state, missing, unexpected) from the .npz at `path`.

    expected: key -> the model's current ndarray (shape and dtype to check against); extra-state keys
    (PyTorch's `_extra_state`) have free shapes and may be missing. Only expected members are read, and
    with strict=True a missing or unexpected key is refused before any array data is read.
    """
    name = os.fspath(path)
    most = len(expected) * max(len(parts) for parts in PARTS.values())  # (a sparse entry is several members)
    try:
        with open(name, "rb") as fh:
            _check_member_count(name, _declared_members(fh), most)  # before zipfile reads them all
            with zipfile.ZipFile(fh) as archive:
                members = _members(name, archive, most)
                sparse = _sparse_entries(name, members)
                missing = [k for k in expected if k not in members and k not in sparse and not is_extra_state(k)]
                unexpected = [k for k in (*members, *sparse) if k not in expected]
                headers = {k: _header(name, archive, members[k], k, expected[k]) for k in expected if k in members}
                sparse_headers = {k: {part: (info, _header(name, archive, info, k, expected[k],
                                                           limit=part_limit(expected[k])))
                                      for part, info in sparse[k][1].items()} for k in expected if k in sparse}
                if strict:
                    check_keys(missing, unexpected, f"{name}: load into {owner}")
                state = {k: _data(name, archive, members[k], k, *headers[k]) for k in headers}
                for k, parts in sparse_headers.items():
                    arrays = {part: _data(name, archive, info, k, *header) for part, (info, header) in parts.items()}
                    state[k] = assemble(f"{name}: key {short(k)}", sparse[k][0], arrays)
    except CheckpointError:
        raise
    except FileNotFoundError:
        raise CheckpointError(f"{name}: no such file") from None
    except (OSError, EOFError, zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, NotImplementedError,
            ValueError, RuntimeError) as err:
        raise CheckpointError(f"{name}: not a readable .npz checkpoint ({_one_line(err)})") from None
    return state, missing, unexpected


def _one_line(err):
    text = " ".join(str(err).split()) or type(err).__name__
    return text if len(text) <= 200 else text[:197] + "..."


def _check_member_count(name, count, n_expected):
    limit = max(MAX_MEMBERS, n_expected)
    if count is not None and count > limit:
        raise CheckpointError(f"{name}: {count} members is more than the limit {limit} for this model")


def _declared_members(fh):
    """The member count in the zip's end-of-central-directory record (zip64 too), or None if not found:
    zipfile would build a ZipInfo for every member before we could count them."""
    size = fh.seek(0, os.SEEK_END)
    tail_start = max(0, size - (22 + 65535))
    fh.seek(tail_start)
    tail = fh.read()
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) < at + 22:
        return None
    count = int.from_bytes(tail[at + 10: at + 12], "little")
    locator = at - 20
    if count == 0xFFFF and locator >= 0 and tail[locator: locator + 4] == b"PK\x06\x07":
        fh.seek(int.from_bytes(tail[locator + 8: locator + 16], "little"))
        record = fh.read(56)
        if record[:4] == b"PK\x06\x06" and len(record) == 56:
            count = int.from_bytes(record[32:40], "little")
    fh.seek(0)
    return count


def _members(name, archive, n_expected):
    infos = archive.infolist()
    _check_member_count(name, len(infos), n_expected)
    members = {}
    for info in infos:
        if not info.filename.endswith(".npy"):
            raise CheckpointError(f"{name}: member {short(info.filename)} is not a .npy array")
        key = info.filename[: -len(".npy")]
        if key in members:
            raise CheckpointError(f"{name}: key {short(key)} appears more than once")
        members[key] = info
    return members


def _sparse_entries(name, members):
    """{key: (layout, {part: member info})} of the sparse entries among `members` (whose members it removes)."""
    sparse = {}
    for member in list(members):
        split = split_member(member)
        if split is None:
            continue
        key, layout, part = split
        if key in members:
            raise CheckpointError(f"{name}: key {short(key)} appears more than once")
        stored_layout, parts = sparse.setdefault(key, (layout, {}))
        if layout != stored_layout:
            raise CheckpointError(f"{name}: key {short(key)}: parts of two sparse layouts ({stored_layout}, {layout})")
        parts[part] = members.pop(member)
    return sparse


def _header(name, archive, info, key, current, limit=None):
    """(shape, fortran_order, dtype, data offset) of member `key`, checked against the model's array; or, with
    `limit` (a part of a sparse entry, of no fixed shape), against that many bytes."""
    where = f"{name}: key {short(key)}"
    with archive.open(info) as f:
        try:
            version = np.lib.format.read_magic(f)
            if version == (1, 0):
                shape, fortran, dtype = np.lib.format.read_array_header_1_0(f)
            elif version == (2, 0):
                shape, fortran, dtype = np.lib.format.read_array_header_2_0(f)
            else:
                raise ValueError(f"unsupported .npy version {version}")
        except ValueError as err:
            raise CheckpointError(f"{where}: not a .npy array ({_one_line(err)})") from None
        offset = f.tell()
    if dtype.hasobject:
        raise CheckpointError(f"{where}: holds Python objects (a pickle), which are never loaded")
    if dtype.kind not in "biuf":
        raise CheckpointError(f"{where}: non-numeric dtype {dtype}")
    extra = is_extra_state(key)
    if limit is not None:
        if math.prod(shape) * dtype.itemsize > limit:
            raise CheckpointError(f"{where}: a part of shape {tuple(shape)} is larger than any sparse tensor of "
                                  f"this module's shape {np.shape(current)}")
    elif not extra and tuple(shape) != np.shape(current):
        raise CheckpointError(f"{where}: shape mismatch: the checkpoint has {tuple(shape)}, "
                              f"this module has {np.shape(current)}")
    nbytes = math.prod(shape) * dtype.itemsize
    if extra and nbytes > MAX_EXTRA_STATE_BYTES:
        raise CheckpointError(f"{where}: {nbytes} bytes of extra state is more than {MAX_EXTRA_STATE_BYTES}")
    if info.file_size != offset + nbytes:
        raise CheckpointError(f"{where}: the archive declares {info.file_size} bytes, but a {dtype} array of "
                              f"shape {tuple(shape)} takes {offset + nbytes}")
    return tuple(shape), fortran, dtype, offset


def _data(name, archive, info, key, shape, fortran, dtype, offset):
    with archive.open(info) as f:
        nbytes = math.prod(shape) * dtype.itemsize
        f.read(offset)
        data = f.read(nbytes)
        f.read(1)  # reach the end, where zipfile checks the CRC
    if len(data) != nbytes:
        raise CheckpointError(f"{name}: key {short(key)}: the data is truncated")
    return np.frombuffer(data, dtype).reshape(shape, order="F" if fortran else "C").copy()


def cast_exactly(new, dtype, where):
    """`new` (an ndarray) as a fresh array of `dtype`; CheckpointError if a value would change beyond
    rounding: NaN/inf or a fraction into an integer or bool, an integer out of range, a finite float that
    overflows to inf."""
    dtype = np.dtype(dtype)
    if new.dtype.kind == "c" and dtype.kind == "f":  # PyTorch's param.copy_ keeps the real parts, and warns
        warnings.warn("Casting complex values to real discards the imaginary part", UserWarning, stacklevel=4)
        new = new.real
    with np.errstate(all="ignore"):
        out = np.array(new, dtype=dtype, copy=True)
        if new.dtype == dtype:
            return out
        if dtype.kind in "biu":
            bad = out.astype(new.dtype) != new  # NaN != NaN, 3.9 → 3 → 3.0, 300 → int8 44
            bad |= (out < 0) != (new < 0)        # 2**63 → int64 -2**63 round-trips, but changes sign
        elif dtype.kind in "fc":
            bad = np.isfinite(new) & ~np.isfinite(out) if new.dtype.kind in "fc" else ~np.isfinite(out)
        else:
            raise CheckpointError(f"{where}: cannot load into dtype {dtype}")
    if np.any(bad):
        first = new[np.unravel_index(int(np.argmax(bad)), new.shape)] if new.ndim else new[()]
        raise CheckpointError(f"{where}: value {first.item()!r} cannot be stored as {dtype} without loss")
    return out
