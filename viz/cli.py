"""`autograd-graph` (also `python -m autograd_core.viz`): draw the computation graph of an expression, model or MLP.

Everything the user gives is checked before anything is written, and outputs go through a temporary file and a
rename, so no partial file is left. Every error is one line on stderr, and the exit status says whose it is, as
shell tools' do (grep, diff, argparse): 2 for a usage error (an option, expression, value or path that cannot be
used as written: fix the command), 1 for a failure of a command that was valid (Graphviz missing, failing or out
of time, a write that failed, the code of --file raising, no memory: the command may work elsewhere or later).
"""

from __future__ import annotations

import argparse
import functools
import importlib.util
import operator
import os
import re
import sys
import time
import warnings

import numpy as np

from autograd_core import Value, __version__

from .dot import DEFAULT_SHOW, DIRECTIONS, MAX_RANKS_CROSSED, MAX_TITLE_CHARS, _check_show
from . import expr as _expr
from .expr import CONSTANTS, FUNCTIONS, ExprError, evaluate_program, parse_assignment, parse_constant, parse_literal
from .export import (
    BINARY_FORMATS, FORMATS, GraphvizError, GraphvizNotFound, PictureScaledWarning, export_bytes, format_for,
    render_bytes, write_atomic,
)
from .fonts import MissingFontWarning
from .texts import MAX_LABEL_CHARS

PROG = "autograd-graph"
DEFAULT_MAX_NODES = 400
MAX_MLP_WEIGHTS = 2000  # scalar-mode MLPs draw one node per multiply: keep the picture drawable
STEP_FORMATS = ("svg", "png", "pdf")  # --steps-format
MAX_STEP_FRAMES = 100  # --steps draws one picture per node: at most this many (--max-frames)
MAX_DRAWN_NODES = 1000  # the largest --max-nodes: what reaches Graphviz stays drawable
DEFAULT_TIME_LIMIT = 60.0  # seconds Graphviz may run in total (--time-limit)
MAX_SET_VALUES = 100  # --set options

EXAMPLES = """\
examples:
  autograd-graph export "sigmoid(w*x + b)" --set w=2 --set x=-1 --set b=0.5 --backward -o sigma.svg
  autograd-graph export "sum(relu(W @ x + b))" --set "W=[[1,2],[3,4]]" --set x=@x.npy --set "b=[0,1]" -f json -o -
  autograd-graph export --file model.py:build --backward -f png -o model.png
  autograd-graph export --mlp 2,4,1 --input 1,-1 --backward -o mlp.svg
  autograd-graph export "tanh(w*x)*w" --set w=0.5 --set x=2 --backward --highlight w -o chain.svg
  autograd-graph export "tanh(w*x + b)" --set w=1 --set x=2 --set b=0 --steps frames/
  autograd-graph export "h1 = x*w; h2 = h1 + b; h3 = -h2; h4 = exp(h3); h5 = h4 + 1; f = 1/h5" \\
      --set w=-0.8 --set b=0.3 --const x=1.5 --backward --highlight w -o sigmoid.svg
  autograd-graph export "tanh(w*x + b)" --set w=1 --set x=2 --set b=0 --steps slides/ --steps-format png --dpi 200
  autograd-graph export --mlp 2,4,1 --input 1,-1 --backward -o mlp.html   # interactive explorer (browser)
  autograd-graph export "w*x" --set w=2 --set x=3 --backward -o lecture.json   # save a graph, then draw it:
  autograd-graph export --graph lecture.json --highlight w --dpi 200 -o lecture.png
  autograd-graph functions

Expressions are parsed, never evaluated by Python: numbers, names set with --set, + - * / ** @, unary
minus, and the functions listed by 'autograd-graph functions' (e.g. sum(x, axis=0)). A program of
assignments separated by ';' names its nodes (h1 = x*w; f = 1/h1); --const marks an input as a constant.
An expression never runs code: --file FILE.py:FUNC RUNS THE CODE IN FILE.py (imports it as a module)
and calls FUNC() with no arguments; FUNC must return a Value. Only use it on files you trust.
--backward needs a scalar output: wrap a tensor expression in sum(...) or mean(...).
Formats: dot svg png pdf json html (from -f or the output's suffix; html is the interactive explorer, one
offline page); '-o -' writes dot, svg, json or html to stdout.
SVG, PNG and PDF need the Graphviz 'dot' program; DOT and JSON do not. PNG and PDF text is drawn with the
fonts installed (Chinese labels need a CJK font: Debian/Ubuntu fonts-wqy-microhei; a note says when one is missing).
-o FILE replaces a file atomically and keeps its permissions; a symlink is followed (the file it points
to is replaced, the link stays); /dev/null, /dev/stdout and named pipes are written into, never replaced;
directories, sockets and block devices are refused.

Exit status: 0 done; 2 a usage error (the command cannot run as written: options, the expression, values,
paths); 1 a failure of a valid command (Graphviz missing, failing or out of time, a write that failed, an
exception from --file's code, no memory). Either way one line on stderr, no traceback, no partial file.

Limits (each refusal is one line on stderr and exit status 2):
  expression   {expr_chars} characters, {syntax_nodes} parts, {depth} levels of nesting
  arrays       {elements:,} elements per array; {work:,} element-operations for the whole expression
               (every result's size, matmul's multiply-adds, {call_cost}-{composite}x the input of a call),
               and as many input elements in all: ~{megabytes} MB each for inputs, results and gradients
  --set        {set_values} values; a literal of at most {value_chars:,} characters (larger: @file.npy)
  --mlp        {mlp_weights} weights (one node per multiply)
  picture      --max-nodes at most {drawn_nodes} (bigger graphs are collapsed, and collapsed further while
               their edges cross more than {ranks:,} ranks, which makes Graphviz slow); labels and names
               cut to {label_chars} characters, the title to {title_chars}
  Graphviz     --time-limit seconds in total (default {time_limit:g}); 'dot' is stopped after it
  --steps      --max-frames pictures (default and largest {frames}), written one by one as they are drawn
""".format(expr_chars=_expr.MAX_EXPR_CHARS, syntax_nodes=_expr.MAX_SYNTAX_NODES, depth=_expr.MAX_DEPTH,
           elements=_expr.MAX_ELEMENTS, work=_expr.MAX_WORK, call_cost=_expr.CALL_COST,
           composite=max(_expr.COMPOSITE_COST.values()),
           megabytes=_expr.MAX_WORK * 8 // 10**6,
           set_values=MAX_SET_VALUES, value_chars=_expr.MAX_VALUE_CHARS, mlp_weights=MAX_MLP_WEIGHTS,
           drawn_nodes=MAX_DRAWN_NODES, ranks=MAX_RANKS_CROSSED, label_chars=MAX_LABEL_CHARS,
           title_chars=MAX_TITLE_CHARS,
           time_limit=DEFAULT_TIME_LIMIT, frames=MAX_STEP_FRAMES)


class CliError(Exception):
    """A problem with the user's input; main prints it on one line and exits with status 2."""


class CliFailure(Exception):
    """A valid command that could not be carried out (a write failed, Graphviz failed or ran out of time, the code
    of --file raised); main prints it on one line and exits with status 1."""


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line too (argparse prints the whole usage first)."""

    argv = ()  # the command line being parsed (set by _parse), to name the value a usage error is about

    def error(self, message):
        message = " ".join(message.split())
        if message.endswith("expected one argument"):
            # argparse takes a value that starts with a minus and is not a plain number (--input -1,2) for an
            # option, and says only "expected one argument": say how to write it
            names = message.split()[1].rstrip(":").split("/")  # "-o/--output": the long name takes "=" (-o=x would not)
            option = next((name for name in names if name in self.argv), None)
            following = self.argv[self.argv.index(option) + 1:][:1] if option else []
            if following and re.match(r"-[0-9.]", following[0]):
                message += f"; write {names[-1]}={following[0]} (a value that starts with '-' goes after '=')"
        self.exit(2, f"{PROG}: error: {message} (see '{self.prog} --help')\n")


def build_parser():
    parser = _Parser(
        prog=PROG, description="Draw autograd-core computation graphs (Graphviz, JSON).",
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}",
                        help="print the version of autograd-core and exit")
    sub = parser.add_subparsers(dest="command", metavar="{export,functions}")
    sub.required = True
    ex = sub.add_parser("export", help="draw or export the graph of an expression, a model or an MLP",
                        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    ex.add_argument("source", nargs="?", help='an expression such as "sigmoid(w*x + b)" (never runs code), or - '
                                              'to read it, or a program of one statement a line, from standard input')
    ex.add_argument("--graph", metavar="FILE.json",
                    help="draw a saved graph: the JSON that -f json or viz.export(..., 'g.json') wrote, gradients "
                         "and all, or - to read it from standard input (a folder of figures from saved graphs; "
                         "--set, --backward and --steps do not apply)")
    ex.add_argument("--file", metavar="FILE.py:FUNC",
                    help="RUN the code in FILE.py and draw the Value that FUNC() returns (only for files you trust)")
    ex.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                    help='a variable: a number, a nested list "W=[[1,2],[3,4]]" (quoted: the shell reads [ ] as a '
                         'file pattern), or @file.npy (repeatable)')
    ex.add_argument("--const", action="append", default=[], metavar="NAME=VALUE",
                    help="like --set, but a constant: no gradient, drawn as a small grey box (repeatable)")
    ex.add_argument("--mlp", metavar="NIN,H,...,NOUT", help="draw nn.MLP(NIN, [H, ..., NOUT]) in scalar mode")
    ex.add_argument("--input", metavar="X1,X2,...",
                    help="the MLP's input (default: all ones); write --input=-1,2 when it starts with a minus")
    ex.add_argument("--seed", type=int, default=0, help="the MLP's initialisation seed (default 0)")
    ex.add_argument("--backward", action="store_true",
                    help="run backward from the (scalar) output first, so gradients are shown")
    ex.add_argument("-o", "--output", metavar="FILE", help="output file, or - for stdout (the default)")
    ex.add_argument("-f", "--format", choices=FORMATS, help="output format (default: from -o's suffix, else dot)")
    ex.add_argument("--rankdir", choices=DIRECTIONS, default="auto",
                    help="layout direction (default auto: LR, or TB for a long chain)")
    ex.add_argument("--dpi", type=float, help="resolution of PNG output, --steps frames included (default 96)")
    ex.add_argument("--size", metavar="W[,H]",
                    help="largest picture size in inches, e.g. 8,5 (scaled down to fit); 8,4.5! also scales up to "
                         "fill it")
    ex.add_argument("--font", metavar="FAMILY",
                    help="the font of every text, e.g. \"Noto Sans CJK SC\" (default Helvetica; `fc-list : family` "
                         "lists the installed fonts)")
    ex.add_argument("--background", metavar="COLOUR",
                    help="transparent (for slides of any colour), a colour name or #rrggbb (default white)")
    ex.add_argument("--show", default=",".join(sorted(DEFAULT_SHOW)), metavar="ITEMS",
                    help="comma list of data,grad,shape,derivs (default: all)")
    ex.add_argument("--highlight", metavar="NAME",
                    help="mark the paths from this variable to the output and show the chain-rule product "
                         "(a label that modules repeat by its module path, quoted: \"layers.1.neurons.0.w[0,0]\")")
    ex.add_argument("--max-nodes", type=int, default=DEFAULT_MAX_NODES, metavar="N",
                    help=f"collapse bigger graphs to about N nodes (default {DEFAULT_MAX_NODES}, "
                         f"2 to {MAX_DRAWN_NODES})")
    ex.add_argument("--no-clusters", action="store_true", help="do not box nn.Module calls")
    ex.add_argument("--title", help="a title line for the picture (and above each --steps frame's own)")
    ex.add_argument("--steps", metavar="DIR",
                    help="also write one picture per backward step to DIR (step_000.svg, ...; the step_* "
                         "pictures of an earlier run there are replaced); implies --backward")
    ex.add_argument("--steps-format", choices=STEP_FORMATS,
                    help="the format of the --steps pictures (default svg; png at --dpi for slides)")
    ex.add_argument("--max-frames", type=int, default=MAX_STEP_FRAMES, metavar="N",
                    help=f"--steps draws at most N pictures (default and largest {MAX_STEP_FRAMES})")
    ex.add_argument("--time-limit", type=float, default=DEFAULT_TIME_LIMIT, metavar="SECONDS",
                    help=f"stop Graphviz after this many seconds in total (default {DEFAULT_TIME_LIMIT:g})")
    ex.add_argument("--steps-by", choices=("node", "module"), default="node",
                    help="one --steps frame per node (default) or per module, layer by layer on an MLP")
    ex.add_argument("--traceback", action="store_true", help="show the full traceback if --file's FUNC fails")
    functions = sub.add_parser("functions", help="list what an expression may call")
    parser.commands = {"export": ex, "functions": functions}  # so that an unknown option names its own command
    return parser


def _parse(argv):
    """The arguments, or exit 2 with one line naming the first problem: an unknown option is named as such (with
    the help of the command it was given to), not as a missing command."""
    parser = build_parser()
    argv = sys.argv[1:] if argv is None else list(argv)
    for each in (parser, *parser.commands.values()):
        each.argv = argv
    if argv and argv[0].startswith("-") and argv[0] not in ("-h", "--help", "--version"):
        parser.error(f"unrecognized arguments: {argv[0]}")
    args, unknown = parser.parse_known_args(argv)
    if unknown:
        parser.commands.get(args.command, parser).error(f"unrecognized arguments: {' '.join(unknown)}")
    return args


def main(argv=None):
    args = _parse(argv)
    try:
        if args.command == "functions":
            _to_stdout(functions_text().encode("utf-8"))
            return 0
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            # x/0 and log(-1) give inf and nan in the picture (and one note below), not NumPy's warnings
            warnings.simplefilter("ignore", RuntimeWarning)
            # characters no font has: one note on stderr (once, not once per --steps frame), as for inf and nan
            warnings.simplefilter("always", MissingFontWarning)
            warnings.simplefilter("always", PictureScaledWarning)  # (dot's own line about it was thrown away)
            warnings.showwarning = functools.partial(_show_note, shown=set())
            return _export(args)
    except (CliFailure, GraphvizNotFound, GraphvizError) as err:  # the command was valid, the work failed
        return _fail(err, status=1)
    except (CliError, ExprError, ValueError, TypeError, KeyError) as err:
        message = err.args[0] if isinstance(err, KeyError) and err.args else str(err)
        return _fail(message)
    except _ReaderGone:
        return 1  # quietly, as `yes | head` does (a shell sees 141 there: SIGPIPE)
    except KeyboardInterrupt:  # Ctrl-C (during a long Graphviz run, say): one line, the shell's 128 + SIGINT
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    except MemoryError:
        return _fail("out of memory; draw a smaller graph (see the limits in --help)", status=1)
    except RecursionError:
        return _fail("the graph is nested too deeply to draw", status=1)
    except Exception as err:  # a bug of ours: still one line, unless asked for the traceback
        if getattr(args, "traceback", False):
            raise
        return _fail(f"internal error: {type(err).__name__}: {err} (rerun with --traceback for details)", status=1)


def _show_note(message, category, filename, lineno, file=None, line=None, *, shown):
    """warnings.showwarning while a command runs: a MissingFontWarning or PictureScaledWarning as one note line on
    stderr, each text once (`shown`: the texts already shown; with the warnings module's own "once" filter the note
    still came twice, for the picture and again for the --steps frames)."""
    if issubclass(category, (MissingFontWarning, PictureScaledWarning)):
        if str(message) not in shown:
            shown.add(str(message))
            print(f"{PROG}: note: {message}", file=sys.stderr)
    else:
        print(warnings.formatwarning(message, category, filename, lineno, line), end="", file=sys.stderr)


def _fail(message, status=2):
    """One line on stderr; the exit status: 2 for a usage error, 1 for a failure (see the module's docstring)."""
    text = " ".join(str(message).split())
    if len(text) > 500:
        text = text[:497] + "..."
    print(f"{PROG}: error: {text}", file=sys.stderr)
    return status


def functions_text():
    lines = ["Functions (positional arguments; keywords as shown take literal values):"]
    for f in FUNCTIONS.values():
        lines.append(f"  {f.signature():<34} {f.doc}")
    lines.append("Operators: + - * / ** @ and unary minus.  Constants: " + ", ".join(CONSTANTS))
    return "\n".join(lines) + "\n"


def _export(args):
    _check_bounds(args)
    root = _source_value(args)
    if args.backward or args.steps:
        if root.data.size != 1:
            option = "--backward" if args.backward else "--steps (which runs the backward pass)"
            raise CliError(f"{option} needs a scalar output, but the output has shape {root.shape}; "
                           "wrap the expression in sum(...) or mean(...)")
        root.backward(retain_graph=True)  # keep the graph so edge derivatives can still be evaluated
    options = {"rankdir": args.rankdir, "show": _check_show(args.show), "highlight": args.highlight,
               "max_nodes": args.max_nodes, "clusters": False if args.no_clusters else "auto", "title": args.title,
               "dpi": args.dpi, "size": args.size, "font": args.font, "background": args.background}
    # a dotted name is a module path ('layers.1.neurons.0.w[0,0]'): the picture's trace resolves it (Graph.node_of)
    if args.highlight is not None and args.highlight not in _labels(root) and "." not in args.highlight:
        raise CliError(f"--highlight {args.highlight[:40]!r}: no variable of that name in the graph "
                       f"(names: {_name_list(_labels(root))})")
    if args.highlight is not None and args.highlight in _labels(root, constants=True):
        raise CliError(f"--highlight {args.highlight[:40]}: a constant (--const, or requires_grad=False in --file's "
                       "code) gets no gradient, so it has no chain-rule paths to show; highlight a variable")
    target = args.output or "-" if args.output is not None or not args.steps else None
    if target is not None:
        fmt = format_for(None if target == "-" else target, args.format)
        if target == "-" and fmt in BINARY_FORMATS:
            raise CliError(f"{fmt} is a binary format: write it to a file with -o FILE.{fmt}")
    frames = _plan_steps(root, args) if args.steps else 0  # checked (and the folder made) before drawing
    _note_non_finite(root)
    deadline = time.monotonic() + args.time_limit  # the time limit counts Graphviz's time from here
    if target is not None:
        try:
            data = export_bytes(root, fmt, timeout=_time_left(deadline, args), **options)
        except GraphvizError as err:
            if "did not finish" not in str(err):
                raise
            raise CliFailure(f"{_timed_out(args)}; draw fewer nodes with --max-nodes N, or leave out the edge "
                             "labels with --show data,grad,shape") from None
        _write(target, data)
    if args.steps:
        _write_steps(root, args, frames, deadline)
    return 0


def _check_bounds(args):
    """The numeric options within their limits (see --help)."""
    if not 2 <= args.max_nodes <= MAX_DRAWN_NODES:
        raise CliError(f"--max-nodes must be between 2 and {MAX_DRAWN_NODES}, got {args.max_nodes}")
    if not 1 <= args.max_frames <= MAX_STEP_FRAMES:
        raise CliError(f"--max-frames must be between 1 and {MAX_STEP_FRAMES}, got {args.max_frames}")
    if not 0 < args.time_limit <= 3600:
        raise CliError(f"--time-limit must be more than 0 and at most 3600 seconds, got {args.time_limit:g}")
    if args.output is not None and not args.output.strip():  # -o "" or -o "$UNSET": not standard output by accident
        raise CliError(f"-o/--output: {args.output!r} is not a file name; give a file, or - for standard output")
    if args.steps_format is not None and not args.steps:
        raise CliError(f"--steps-format {args.steps_format} applies to the frames of --steps DIR; give --steps, or "
                       "-f/-o's suffix for the picture itself")
    if args.title is not None and len(args.title) > MAX_TITLE_CHARS:
        raise CliError(f"--title is {len(args.title)} characters long; the limit is {MAX_TITLE_CHARS}")


def _timed_out(args):
    return f"Graphviz 'dot' did not finish within the time limit of {args.time_limit:g} s (--time-limit)"


def _time_left(deadline, args):
    left = deadline - time.monotonic()
    if left <= 0:
        raise CliFailure(f"the time limit of {args.time_limit:g} s (--time-limit) is used up")
    return left


class _ReaderGone(Exception):
    """stdout is a pipe whose reader has stopped (`| head`): not an error to report."""


def _to_stdout(data: bytes):
    try:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    except BrokenPipeError:
        # Point stdout at /dev/null so that Python's own flush at exit does not complain a second time.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        raise _ReaderGone from None
    except OSError as err:  # a full disk, /dev/full, a closed descriptor
        raise CliFailure(f"cannot write to standard output: {err.strerror or err}") from None


def _write(target, data):
    if target == "-":
        _to_stdout(data if data.endswith(b"\n") else data + b"\n")
        return
    try:
        write_atomic(target, data, who="cannot write")
    except OSError as err:
        # A system error (permission denied, disk full) has a strerror and no path: the write failed (status 1).
        # The refusals of write_atomic (no such folder, a directory, a path under /proc) are messages of their own
        # that name the path and start with `who`: the path cannot be used as written (status 2).
        if err.strerror:
            raise CliFailure(f"cannot write {target}: {err.strerror}") from None
        raise CliError(str(err)) from None


def _name_list(names, limit=20):
    names = sorted(names)
    text = ", ".join(n[:40] for n in names[:limit]) or "none"
    return text + (f" and {len(names) - limit} more" if len(names) > limit else "")


def _members(root):
    """The Values below `root`, or the nodes of a saved Graph (--graph): both have label, requires_grad, data, grad."""
    from .graph import Graph, topological_values

    return root.nodes if isinstance(root, Graph) else topological_values(root)


def _labels(root, constants=False):
    """The labels in the graph below root; with constants=True, those that only Values needing no gradient have."""
    values = [v for v in _members(root) if v.label]
    if not constants:
        return {v.label for v in values}
    return {v.label for v in values if not v.requires_grad} - {v.label for v in values if v.requires_grad}


def _note_non_finite(root):
    """One line on stderr when a value or gradient is inf or nan (x/0, log(-1)): drawn as is."""
    for v in _members(root):
        for array in (v.data, v.grad):
            if array is not None and np.asarray(array).dtype.kind == "f" and not np.isfinite(array).all():
                print(f"{PROG}: note: some values are inf or nan (e.g. from x/0 or log(-1)); "
                      "the picture shows them as inf and nan", file=sys.stderr)
                return


def _plan_steps(root, args):
    """How many step pictures --steps will draw; refuses too many and makes the folder, before drawing."""
    from .graph import trace
    from .steps import _module_runs, backward_order

    order = backward_order(root)
    count = len(_module_runs(trace(root, derivatives=False), order)) if args.steps_by == "module" else len(order)
    if count > args.max_frames:
        raise CliError(f"--steps: the graph has {count} nodes, so {count} step pictures; the limit is "
                       f"{args.max_frames} (--max-frames, at most {MAX_STEP_FRAMES}): draw a smaller graph")
    if os.path.exists(args.steps) and not os.path.isdir(args.steps):
        raise CliError(f"--steps {args.steps}: exists and is not a folder")
    try:
        os.makedirs(args.steps, exist_ok=True)
    except OSError as err:
        raise CliError(f"--steps {args.steps}: cannot create the folder: {err.strerror or err}") from None
    if not os.access(args.steps, os.W_OK | os.X_OK):
        raise CliError(f"--steps {args.steps}: the folder is not writable")
    return count


def _write_steps(root, args, count, deadline):
    """Draw and write the step pictures one by one, so a time limit still leaves the first ones."""
    from .steps import iter_backward_steps

    width = max(3, len(str(count - 1)))
    _remove_earlier_frames(args.steps)
    written = 0
    fmt = args.steps_format or "svg"
    frames = iter_backward_steps(root, rankdir=args.rankdir, show=_check_show(args.show), max_steps=args.max_frames,
                                 by=args.steps_by, dpi=args.dpi, size=args.size, font=args.font,
                                 background=args.background, title=args.title)
    for k, frame in enumerate(frames):
        try:
            data = render_bytes(frame, fmt, timeout=_time_left(deadline, args))
        except (GraphvizError, CliFailure) as err:
            reason = _timed_out(args) if "did not finish" in str(err) else str(err)
            raise CliFailure(f"{reason}; {written} of {count} step pictures were written to {args.steps}") from None
        _write(os.path.join(args.steps, f"step_{k:0{width}d}.{fmt}"), data)
        written += 1


STEP_FRAME = re.compile(r"step_\d+\.(svg|png|pdf)")  # the names _write_steps gives its pictures, in any format


def _remove_earlier_frames(folder):
    """Remove the step pictures an earlier run left in `folder` (only names that --steps writes: step_NNN.svg, .png
    or .pdf, whatever this run's --steps-format: a slide deck made from the folder must not mix two runs' frames).

    Frames of this run overwrite those of the same number, but a run with fewer steps left the rest: after a
    7-step graph, a 3-step graph's folder held step_003 to step_006 of the first graph, titled "step 4/7"."""
    for name in os.listdir(folder):
        path = os.path.join(folder, name)
        if STEP_FRAME.fullmatch(name) and os.path.isfile(path) and not os.path.islink(path):
            try:
                os.remove(path)
            except OSError as err:
                raise CliError(f"--steps {folder}: cannot replace the earlier frame {name}: "
                               f"{err.strerror or err}") from None


def _source_value(args):
    given = [args.source is not None, args.mlp is not None, args.file is not None, args.graph is not None]
    if sum(given) != 1:
        raise CliError("give exactly one of: an expression, --file FILE.py:FUNC, --mlp SIZES, or --graph FILE.json")
    if args.graph is not None:
        return _saved_graph(args)
    if args.mlp is not None:
        if args.set or args.const:
            raise CliError("--set/--const apply to expressions, not to --mlp")
        return _mlp(args.mlp, args.input, args.seed)
    if args.input is not None:
        raise CliError("--input applies to --mlp only; use --set NAME=VALUE for expressions")
    if args.file is not None:
        match = re.fullmatch(r"(.+\.py):([A-Za-z_]\w*)", args.file.strip())
        if not match:
            raise CliError(f"--file {args.file[:60]!r}: expected FILE.py:FUNC, e.g. --file model.py:build")
        if args.set or args.const:
            raise CliError("--set/--const apply to expressions, not to --file")
        return _run_user_function(match.group(1), match.group(2), args.traceback)
    source = _standard_input() if args.source == "-" else args.source
    if re.fullmatch(r"\S+\.json", source.strip()):
        raise CliError(f"{source[:60]!r} is not an expression; to draw a saved graph, write "
                       f"--graph {source.strip()[:60]}")
    if re.fullmatch(r"\S+\.py:\w+", source.strip()):
        raise CliError(f"{source[:60]!r} is not an expression; an expression never runs code: to run "
                       f"a Python file, write --file {source.strip()[:60]}")
    if len(args.set) + len(args.const) > MAX_SET_VALUES:
        raise CliError(f"{len(args.set) + len(args.const)} --set/--const options is more than the limit "
                       f"{MAX_SET_VALUES}")
    variables, total = {}, 0
    given = [("--set", a, parse_assignment) for a in args.set] + [("--const", a, parse_constant) for a in args.const]
    for option, assignment, parse in given:
        name, value = parse(assignment)
        if name in variables:
            raise CliError(f"{option} {name} is given twice")
        total += value.data.size
        if total > _expr.MAX_WORK:
            raise CliError(f"the --set values hold more than {_expr.MAX_WORK:,} elements in all")
        variables[name] = value
    return evaluate_program(source, variables)


MAX_GRAPH_BYTES = 200_000_000  # --graph: a JSON file larger than this is refused before it is read


def _saved_graph(args):
    """The Graph in the JSON file --graph names (what `-f json` and `viz.to_json` write), checked: the options that
    build or run a graph do not apply to one that is already built."""
    from .graph_json import from_json

    for option, given in (("--set/--const", args.set or args.const), ("--input", args.input is not None),
                          ("--backward", args.backward), ("--steps", args.steps)):
        if given:
            why = ("a saved graph keeps no backward order: make the frames from the expression, --file or --mlp"
                   if option == "--steps" else "a saved graph holds the numbers (and gradients) it was saved with")
            raise CliError(f"{option} does not apply to --graph: {why}")
    path = args.graph
    if path == "-":  # standard input, as for an expression: `... -f json -o - | autograd-graph export --graph -`
        data = sys.stdin.buffer.read(MAX_GRAPH_BYTES + 1)
        if len(data) > MAX_GRAPH_BYTES:
            raise CliError(f"--graph -: standard input is larger than {MAX_GRAPH_BYTES // 1_000_000} MB")
        path = "(standard input)"
    elif not os.path.isfile(path):
        raise CliError(f"--graph {path}: " + ("a folder, not a JSON file" if os.path.isdir(path) else "no such file"))
    try:
        if path != "(standard input)":
            if os.path.getsize(path) > MAX_GRAPH_BYTES:
                raise CliError(f"--graph {path}: larger than {MAX_GRAPH_BYTES // 1_000_000} MB")
            with open(path, "rb") as file:
                data = file.read()
        text = data.decode("utf-8")
    except OSError as err:
        raise CliFailure(f"cannot read {path}: {err.strerror or err}") from None
    except UnicodeDecodeError:
        raise CliError(f"--graph {path}: not UTF-8 text, so not a graph that -f json wrote") from None
    try:
        return from_json(text)
    except (ValueError, KeyError, TypeError, AttributeError, IndexError) as err:
        what = f"no key {err}" if isinstance(err, KeyError) else str(err)
        raise CliError(f"--graph {path}: not a graph as -f json writes it (schema autograd-core.graph/1): "
                       f"{what[:200]}") from None


def _standard_input():
    """The expression or program given as `-` (as `python -` and `jq` read theirs): standard input, read no
    further than the length limit, so an endless stream is refused rather than read."""
    limit = _expr.MAX_EXPR_CHARS
    cap = 4 * (limit + 1)  # bytes: that many hold more than `limit` characters of UTF-8 (at most 4 bytes each)
    stream = getattr(sys.stdin, "buffer", sys.stdin)  # bytes, decoded strictly whatever the locale's error handler
    raw = stream.read(cap)
    if isinstance(raw, str):  # a text stream without bytes underneath (a test's StringIO)
        raw = raw.encode("utf-8", "surrogateescape")
    try:
        text = raw.decode("utf-8") if len(raw) < cap else None
    except UnicodeDecodeError:
        raise CliError("standard input is not UTF-8 text; give an expression or a program") from None
    if text is None or len(text) > limit:
        raise CliError(f"the program on standard input is longer than the limit of {limit} characters")
    if not text.strip():
        raise CliError("standard input is empty; give an expression, or a program of one statement a line")
    return text


def _run_user_function(path, func_name, show_traceback):
    """Import FILE.py as a module (running its code, as documented in --help) and call FUNC()."""
    if not os.path.isfile(path):
        raise CliError(f"{path}: " + ("a folder, not a Python file" if os.path.isdir(path) else "no such file"))
    spec = importlib.util.spec_from_file_location("autograd_graph_user_model", path)
    module = importlib.util.module_from_spec(spec)
    directory = os.path.dirname(os.path.abspath(path))
    sys.path.insert(0, directory)  # so the file can import its neighbours
    try:
        spec.loader.exec_module(module)
        fn = getattr(module, func_name, None)
        if not callable(fn):
            raise CliError(f"{path} defines no function {func_name!r}")
        result = fn()
    except CliError:
        raise
    except (Exception, SystemExit) as err:  # the user's code: anything it raises (even exit()) is one line
        if show_traceback:
            raise
        raise CliFailure(f"{path}:{func_name} raised {type(err).__name__}: {err} (rerun with --traceback)") from None
    finally:
        sys.path.remove(directory)
    if not isinstance(result, Value):
        raise CliError(f"{path}:{func_name}() returned {type(result).__name__}, not a Value")
    return result


def _int_list(text, what):
    try:
        values = [int(t) for t in text.split(",")]
    except ValueError:
        raise CliError(f"{what}: expected comma-separated integers, got {text[:40]!r}") from None
    if any(v < 1 for v in values):
        raise CliError(f"{what}: sizes must be positive, got {text[:40]!r}")
    return values


def _mlp(sizes_text, input_text, seed):
    """nn.MLP(nin, [hidden..., nout]) on a list of scalar inputs x[0], x[1], ... (micrograd's picture)."""
    sizes = _int_list(sizes_text, "--mlp")
    if len(sizes) < 2:
        raise CliError("--mlp: give at least NIN,NOUT (e.g. 2,4,1)")
    weights = sum(a * b for a, b in zip(sizes, sizes[1:]))
    if weights > MAX_MLP_WEIGHTS:
        raise CliError(f"--mlp {sizes_text}: {weights} weights is more than {MAX_MLP_WEIGHTS} for a scalar picture")
    from autograd_core.nn import MLP
    if input_text is None:
        inputs = np.ones(sizes[0])
    else:
        inputs = np.atleast_1d(parse_literal(f"[{input_text}]", "", option="--input"))
    if inputs.shape != (sizes[0],):
        raise CliError(f"--input: expected {sizes[0]} numbers for an MLP with {sizes[0]} inputs, got {inputs.size}")
    model = MLP(sizes[0], sizes[1:], rng=seed, dtype=np.float64)
    xs = [Value(float(v), label=f"x[{i}]") for i, v in enumerate(inputs)]
    out = model(xs)
    if isinstance(out, list):  # several outputs: draw their sum, so the picture has one output
        out = functools.reduce(operator.add, out)
    out.label = "out"
    return out
