"""Output formats: DOT and JSON need nothing; SVG, PNG and PDF need the Graphviz `dot` binary.

Files are written to a temporary file next to the target and renamed into place, so a failure never
leaves a half-written picture behind. What a path names is respected (see `write_atomic`): a regular file
keeps its mode, a symlink stays a link (the file it points to is replaced), and a device or named pipe
(`/dev/null`, `/dev/stdout`, a FIFO) is written into, never replaced.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import warnings


from autograd_core.files import replace_file

from .fonts import warn_missing
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


class PictureScaledWarning(UserWarning):
    """A PNG bigger than Graphviz's bitmaps allow (32,767 pixels a side) was scaled down to fit: its text may be too
    small to read. The message says by how much, and what keeps every detail (SVG or PDF, max_nodes=)."""


# dot's words when it shrinks a bitmap ("graph is too large for cairo-renderer bitmaps. Scaling by 0.685832 to fit")
_SCALED = re.compile(rb"[^\n]*Scaling by ([0-9.]+) to fit[^\n]*\n?")


class GraphvizError(RuntimeError):
    """The Graphviz `dot` program failed or did not finish within the time limit; the message is one line."""


SUFFIX_ALIASES = {"gv": "dot", "htm": "html"}


def format_for(path=None, fmt=None):
    """The output format: `fmt` if given, else from the suffix of `path` ('-' or None: 'dot').

    A `fmt` that contradicts the suffix of `path` (-f png -o graph.svg) is refused: the file would hold a PNG
    that every program opening an .svg file rejects. A suffix that names no format (graph.txt) takes any `fmt`.
    """
    suffix = None
    if path is not None and path != "-":
        suffix = os.path.splitext(str(path))[1].lstrip(".").lower()
        suffix = SUFFIX_ALIASES.get(suffix, suffix)
    if fmt is None:
        if suffix is None:
            return "dot"
        if suffix not in FORMATS:
            raise ValueError(
                f"cannot tell the format from {path!r}: give -f/format= one of {', '.join(FORMATS)}, or a "
                "file name ending in ." + ", .".join(FORMATS)
            )
        return suffix
    fmt = fmt.lower()
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    if suffix in FORMATS and suffix != fmt:
        raise ValueError(f"the format {fmt} does not match the file name {str(path)!r}, which ends in .{suffix}: "
                         f"name the file *.{fmt}, or leave out -f/format= to write {suffix}")
    return fmt


def render_bytes(picture, fmt, timeout=None) -> bytes:
    """`picture` (a graphviz.Digraph) rendered as 'dot', 'svg', 'png' or 'pdf' bytes.

    timeout: seconds `dot` may run (None: no limit); past it `dot` is killed and GraphvizError raised.
    Raises GraphvizNotFound (with how to install Graphviz) when the `dot` binary is missing, and
    GraphvizError (one line, with dot's first complaint) when it fails. Warns (`viz.fonts.MissingFontWarning`)
    when a PNG or PDF would draw some of its text as empty boxes, no installed font having those characters, and
    (`PictureScaledWarning`) when dot shrank a PNG to its bitmaps' limit. Without a timeout, dot's other messages
    go to stderr, as Graphviz prints them.
    """
    if fmt == "dot":
        return picture.source.encode("utf-8")
    if fmt not in ("svg", "png", "pdf"):
        raise ValueError(f"render_bytes: cannot render {fmt!r}; choose dot, svg, png or pdf")
    warn_missing(picture.source, fmt)
    return _run_dot(picture.source, fmt, timeout)


def _run_dot(source, fmt, timeout):
    program = shutil.which("dot")
    if program is None:
        raise GraphvizNotFound(INSTALL_HINT.format(fmt=fmt.upper()))
    try:
        done = subprocess.run([program, f"-T{fmt}"], input=source.encode("utf-8"), capture_output=True,
                              timeout=None if timeout is None else max(timeout, 0.001))  # killed when the time is up
    except subprocess.TimeoutExpired:
        raise GraphvizError(f"Graphviz 'dot' did not finish within {timeout:.3g} s") from None
    except OSError as err:
        raise GraphvizError(f"cannot run Graphviz 'dot': {err.strerror or err}") from None
    if done.returncode != 0:
        raise GraphvizError(_dot_failure(done.returncode, done.stderr))
    scaled = _SCALED.search(done.stderr)
    if scaled:
        warnings.warn(f"the {fmt.upper()} was scaled to {float(scaled.group(1)):.0%} of its size, to fit Graphviz's "
                      "bitmaps (at most 32,767 pixels a side): its text may be too small to read; write SVG or PDF "
                      "to keep every detail, or fold the graph with max_nodes=", PictureScaledWarning, stacklevel=3)
    rest = _SCALED.sub(b"", done.stderr)
    if rest.strip() and timeout is None:  # (as graphviz's pipe() let them through; the CLI and Jupyter keep quiet)
        sys.stderr.write(rest.decode("utf-8", "replace"))
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
        draw_options = {k: v for k, v in draw_options.items() if k not in ("dpi", "size", "font", "background")}
    if fmt == "json":
        graph = root if isinstance(root, Graph) else trace(root)
        return to_json(collapse(graph, draw_options.get("max_nodes"))).encode("utf-8")
    return render_bytes(draw(root, **draw_options), fmt, timeout=timeout)


def write_atomic(path, data: bytes, who="viz.export"):
    """Write `data` to `path` whole (`autograd_core.files.replace_file`): a new or regular file through a temporary
    file and a rename, keeping an existing file's permission bits; a symlink followed; /dev/null, /dev/stdout or a
    FIFO written into, never replaced; nothing created under /dev or /proc; a directory, socket or block device
    refused with an OSError that says what it is. `who` starts those messages ("viz.export: the folder ... does
    not exist"), so that they name what the caller called."""
    replace_file(path, lambda file: file.write(data), who=who)


def export(root, path, fmt=None, *, format=None, **draw_options):  # noqa: A002 (graphviz's and matplotlib's name)
    """Write the picture (or JSON) of the graph below `root` to `path`; the format comes from `fmt` (or `format=`,
    graphviz's `render(format=...)` and matplotlib's `savefig(format=...)` name for it) or the suffix. Nothing is
    written if rendering fails. Returns the format used."""
    if format is not None:
        if fmt is not None and fmt != format:
            raise TypeError(f"viz.export: fmt={fmt!r} and format={format!r} name the same thing; give one of them")
        fmt = format
    fmt = format_for(path, fmt)
    write_atomic(path, export_bytes(root, fmt, **draw_options))
    return fmt
