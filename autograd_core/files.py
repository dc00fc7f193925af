"""Writing a file whole: the one writer behind `save`, `Module.save`, the pictures, the profiler's exports, the
TensorBoard projector's files and the vision data sets' downloads.

A file is written to a temporary file in its folder and renamed over the old one only when complete, so that readers,
and a failure or a crash half way, see the old file or the new one, never a mix. What else a path may name decides the
rest (see `replace_file`): `save(obj, "/dev/null")` writes into the device, as `torch.save` does, rather than
renaming a regular file over it; a symlink stays a link; a file keeps its permission bits.
"""

from __future__ import annotations

import io
import os
import stat
import tempfile

__all__ = ["replace_file"]

_SYSTEM_FOLDERS = ("/dev/", "/proc/", "/sys/")
_STANDARD_STREAMS = ("/dev/stdout", "/dev/stderr")


def replace_file(path, write, *, durable=False, who="write"):
    """Give `path` the content that `write(file)` writes into a binary file object; returns None.

    What `path` names decides how:

    * a new file or an existing regular file: `write` fills a temporary file `.NAME.*.tmp` in the same folder,
      renamed over `path` once `write` returns; if it raises, the temporary file is removed and `path` is as it was.
      An existing file keeps its permission bits (a 0600 file stays 0600); a new one gets 0666 less the umask, as
      `open(path, "wb")` would give. durable=True also flushes the file to disk before the rename and the folder
      after it (a checkpoint survives a power cut);
    * a symlink is followed: the file it points to is replaced, and the link stays a link;
    * an existing character device or named pipe (/dev/null, /dev/stdout on a terminal or a pipe, a FIFO) is
      written into, never replaced: the content is made in memory first, then written in one piece (a FIFO waits
      for its reader, as a shell redirection does);
    * under /dev, /proc and /sys no file is created (OSError), and an existing one is written into: /dev/stdout,
      /dev/stderr and /dev/fd/N are appended to (the shell may have opened them with `>>`), others truncated first;
    * a directory (IsADirectoryError), a socket or a block device (OSError): refused, naming what it is.

    `who` starts the error messages (e.g. "save"); a missing folder is a FileNotFoundError that names it.
    """
    path = os.fspath(path)
    try:
        info = os.stat(path)  # follows symlinks: what would be written
    except FileNotFoundError:
        info = None
    if info is not None and not stat.S_ISREG(info.st_mode):
        kind = _special_kind(info.st_mode)
        if kind == "directory":
            raise IsADirectoryError(f"{who}: {path} is a directory, not a file; give a file name")
        if kind not in ("character device", "named pipe"):
            raise OSError(f"{who}: {path} is a {kind}, not a file; give a file name")
        _write_into(path, write, append=_is_standard_stream(path))
        return
    absolute = os.path.abspath(path)
    if absolute.startswith(_SYSTEM_FOLDERS):
        if info is None:
            raise OSError(f"{who}: will not create a new file under /{absolute.split('/')[1]}: {path}")
        _write_into(path, write, append=_is_standard_stream(path))
        return
    target = os.path.realpath(path)  # a symlink is followed: the link stays, the file it points to is replaced
    folder = os.path.dirname(target)
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"{who}: the folder {os.path.dirname(absolute)!r} (of {path!r}) does not exist")
    mode = stat.S_IMODE(info.st_mode) if info is not None else 0o666 & ~_umask()
    fd, temporary = tempfile.mkstemp(prefix="." + os.path.basename(target) + ".", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as file:
            write(file)
            if durable:
                file.flush()
                os.fsync(file.fileno())
        os.chmod(temporary, mode)  # mkstemp makes it 0600
        os.replace(temporary, target)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise
    if durable:
        _fsync_folder(folder)


def _write_into(path, write, append):
    """Write into an existing file that must not be replaced (a device, a pipe, a file under /dev or /proc)."""
    content = io.BytesIO()  # made whole first: a writer may seek back (zip archives do), which pipes cannot
    write(content)
    with open(path, "ab" if append else "wb") as file:
        file.write(content.getbuffer())


def _is_standard_stream(path):
    absolute = os.path.abspath(path)
    return absolute in _STANDARD_STREAMS or absolute.startswith(("/dev/fd/", "/proc/self/fd/"))


def _special_kind(mode):
    for test, kind in ((stat.S_ISDIR, "directory"), (stat.S_ISCHR, "character device"),
                       (stat.S_ISFIFO, "named pipe"), (stat.S_ISSOCK, "socket"), (stat.S_ISBLK, "block device")):
        if test(mode):
            return kind
    return "special file"


def _umask():
    mask = os.umask(0)  # the only way to read it: set and restore at once
    os.umask(mask)
    return mask


def _fsync_folder(folder):
    """Make the rename itself durable (POSIX); a system that cannot open a folder is fine without it."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
