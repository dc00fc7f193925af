"""Output formats: DOT and JSON need nothing; SVG, PNG and PDF need the Graphviz `dot` binary.

Files are written to a temporary file next to the target and renamed into place, so a failure never
leaves a half-written picture behind.
"""

from __future__ import annotations

import os
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


def render_bytes(picture, fmt) -> bytes:
    """`picture` (a graphviz.Digraph) rendered as 'dot', 'svg', 'png' or 'pdf' bytes.

    Raises GraphvizNotFound (with how to install Graphviz) when the `dot` binary is missing.
    """
    if fmt == "dot":
        return picture.source.encode("utf-8")
    if fmt not in ("svg", "png", "pdf"):
        raise ValueError(f"render_bytes: cannot render {fmt!r}; choose dot, svg, png or pdf")
    try:
        return picture.pipe(format=fmt)
    except graphviz.ExecutableNotFound:
        raise GraphvizNotFound(INSTALL_HINT.format(fmt=fmt.upper())) from None


def export_bytes(root, fmt, **draw_options) -> bytes:
    """The graph below `root` (a Value or a traced Graph) in format `fmt`, as bytes.

    draw_options go to `viz.draw` (rankdir, show, highlight, max_nodes, clusters, title); for 'json'
    only max_nodes applies (the collapsed graph is what gets written).
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
    return render_bytes(draw(root, **draw_options), fmt)


def write_atomic(path, data: bytes):
    """Write `data` to `path` through a temporary file in the same directory and a rename."""
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".autograd-graph-", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes the file private (0600); a picture is not
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


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
