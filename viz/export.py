"""Output formats: DOT and JSON need nothing; SVG, PNG and PDF need the Graphviz `dot` binary.

Files are written to a temporary file next to the target and renamed into place, so a failure never
leaves a half-written picture behind. What a path names is respected (see `write_atomic`): a regular file
keeps its mode, a symlink stays a link (the file it points to is replaced), and a device or named pipe
(`/dev/null`, `/dev/stdout`, a FIFO) is written into, never replaced.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import tempfile

import graphviz

from .graph import Graph, trace
from .graph_json import to_json

TEXT_FORMATS = ("dot", "svg", "json", "html")
BINARY_FORMATS = ("png", "pdf")
FORMATS = ("dot", "svg", "png", "pdf", "json", "html")  # html: the interactive explorer (viz.explore)

INSTALL_HINT = (
    "the Graphviz 'dot' program is needed to render {fmt} but was not found on PATH; install Graphviz "
    "(Debian/Ubuntu: sudo apt-get install graphviz; macOS: brew install graphviz; conda: conda install "
    "-c conda-forge graphviz), or export DOT or JSON, which need no Graphviz"
)


class GraphvizNotFound(RuntimeError):
    """Rendering SVG, PNG or PDF needs the Graphviz `dot` binary, which is not installed."""


class GraphvizError(RuntimeError):
    """The Graphviz `dot` program failed or did not finish within the time limit; the message is one line."""


def format_for(path=None, fmt=None):
    """The output format: `fmt` if given, else from the suffix of `path` ('-' or None: 'dot')."""
    if fmt is None:
        if path is None or path == "-":
            return "dot"
        suffix = os.path.splitext(str(path))[1].lstrip(".").lower()
        if suffix == "gv":
            suffix = "dot"
        if suffix == "htm":
            suffix = "html"
        if suffix not in FORMATS:
            raise ValueError(
                f"cannot tell the format from {path!r}: give -f/format= one of {', '.join(FORMATS)}, or a "
                "file name ending in ." + ", .".join(FORMATS)
            )
        return suffix
    fmt = fmt.lower()
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    return fmt


def render_bytes(picture, fmt, timeout=None) -> bytes:
    """`picture` (a graphviz.Digraph) rendered as 'dot', 'svg', 'png' or 'pdf' bytes.

    timeout: seconds `dot` may run (None: no limit); past it `dot` is killed and GraphvizError raised.
    Raises GraphvizNotFound (with how to install Graphviz) when the `dot` binary is missing, and
    GraphvizError (one line, with dot's first complaint) when it fails.
    """
    if fmt == "dot":
        return picture.source.encode("utf-8")
    if fmt not in ("svg", "png", "pdf"):
        raise ValueError(f"render_bytes: cannot render {fmt!r}; choose dot, svg, png or pdf")
    if timeout is None:
        try:
            return picture.pipe(format=fmt)
        except graphviz.ExecutableNotFound:
            raise GraphvizNotFound(INSTALL_HINT.format(fmt=fmt.upper())) from None
        except graphviz.CalledProcessError as err:
            raise GraphvizError(_dot_failure(err.returncode, err.stderr)) from None
    return _run_dot(picture.source, fmt, timeout)


def _run_dot(source, fmt, timeout):
    program = shutil.which("dot")
    if program is None:
        raise GraphvizNotFound(INSTALL_HINT.format(fmt=fmt.upper()))
    try:
        done = subprocess.run([program, f"-T{fmt}"], input=source.encode("utf-8"), capture_output=True,
                              timeout=max(timeout, 0.001))  # run() kills dot when the time is up
    except subprocess.TimeoutExpired:
        raise GraphvizError(f"Graphviz 'dot' did not finish within {timeout:.3g} s") from None
    except OSError as err:
        raise GraphvizError(f"cannot run Graphviz 'dot': {err.strerror or err}") from None
    if done.returncode != 0:
        raise GraphvizError(_dot_failure(done.returncode, done.stderr))
    return done.stdout


def _dot_failure(returncode, stderr):
    text = stderr.decode("utf-8", "replace") if isinstance(stderr, bytes) else str(stderr or "")
    first = next((line.strip() for line in text.splitlines() if line.strip()), "no message")
    return f"Graphviz 'dot' failed (exit status {returncode}): {first[:200]}"


def export_bytes(root, fmt, timeout=None, **draw_options) -> bytes:
    """The graph below `root` (a Value or a traced Graph) in format `fmt`, as bytes.

    draw_options go to `viz.draw` (rankdir, show, highlight, max_nodes, clusters, title); for 'json'
    only max_nodes applies (the collapsed graph is what gets written). timeout: seconds Graphviz may run
    (see `render_bytes`).
    """
    from .collapse import collapse
    from .dot import draw

    if fmt == "html":
        from .explore import explore

        return explore(root, title=draw_options.get("title"), highlight=draw_options.get("highlight")).html.encode()
    if fmt == "json":
        draw_options = {k: v for k, v in draw_options.items() if k not in ("dpi", "size")}
    if fmt == "json":
        graph = root if isinstance(root, Graph) else trace(root)
        return to_json(collapse(graph, draw_options.get("max_nodes"))).encode("utf-8")
    return render_bytes(draw(root, **draw_options), fmt, timeout=timeout)


def write_atomic(path, data: bytes):
    """Write `data` to `path`, respecting what the path names:

    * a new or regular file: through a temporary file in the same directory and a rename, so it is never
      half-written; an existing file keeps its permission bits (a 0600 file stays 0600);
    * a symlink: followed on purpose; the file it points to is replaced that way and the link stays;
    * an existing character device or named pipe (/dev/null, /dev/stdout, a FIFO): written into, never
      replaced (a FIFO waits for its reader, as a shell redirection does);
    * anything under /dev or /proc is only ever written into, never renamed over or created;
    * a directory, socket or block device: refused with an OSError that says what it is.
    """
    path = os.fspath(path)
    absolute = os.path.abspath(path)
    try:
        info = os.stat(path)  # follows symlinks: what would be written
    except FileNotFoundError:
        info = None
    if info is not None and not stat.S_ISREG(info.st_mode):
        kind = _special_kind(info.st_mode)
        if kind not in ("character device", "named pipe"):
            raise OSError(f"{path} is a {kind}, not a file; give a file name")
        with open(path, "wb") as f:  # /dev/null, /dev/stdout, a FIFO: write into it, keep it
            f.write(data)
        return
    if absolute.startswith(("/dev/", "/proc/", "/sys/")):
        if info is None:
            raise OSError(f"{path}: will not create a new file under /{absolute.split('/')[1]}")
        # Never rename over /dev/*: write into the file. /dev/stdout redirected to a file (`> log` or
        # `>> log`) is appended to, as the shell set it up; another existing file is overwritten.
        alias = absolute in ("/dev/stdout", "/dev/stderr") or absolute.startswith(("/dev/fd/", "/proc/self/fd/"))
        with open(path, "ab" if alias else "r+b") as f:
            if not alias:
                f.truncate(0)
            f.write(data)
        return
    target = os.path.realpath(path)  # a symlink is followed: the link stays, its target is replaced
    directory = os.path.dirname(target)
    mode = stat.S_IMODE(info.st_mode) if info is not None else 0o666 & ~_umask()
    fd, tmp = tempfile.mkstemp(prefix=".autograd-graph-", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, mode)  # mkstemp makes it 0600; a new picture is not private, an old file keeps its mode
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _special_kind(mode):
    for test, kind in ((stat.S_ISDIR, "directory"), (stat.S_ISCHR, "character device"),
                       (stat.S_ISFIFO, "named pipe"), (stat.S_ISSOCK, "socket"), (stat.S_ISBLK, "block device")):
        if test(mode):
            return kind
    return "special file"


def _umask():
    mask = os.umask(0)  # the only way to read it is to set it; put it straight back
    os.umask(mask)
    return mask


def export(root, path, fmt=None, **draw_options):
    """Write the picture (or JSON) of the graph below `root` to `path`; the format comes from `fmt` or the
    suffix. Nothing is written if rendering fails. Returns the format used."""
    fmt = format_for(path, fmt)
    write_atomic(path, export_bytes(root, fmt, **draw_options))
    return fmt
