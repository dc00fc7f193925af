"""`autograd-graph` (also `python -m autograd_core.viz`): draw the computation graph of an expression, model or MLP.

Everything the user gives is checked before anything is written: errors print one line on stderr and exit
with status 2, and outputs go through a temporary file and a rename, so no partial file is left.
"""

from __future__ import annotations

import argparse
import functools
import importlib.util
import operator
import os
import re
import sys

import numpy as np

from autograd_core import Value

from .dot import DEFAULT_SHOW, DIRECTIONS, _check_show
from .expr import CONSTANTS, FUNCTIONS, ExprError, evaluate_program, parse_assignment, parse_constant, parse_literal
from .export import BINARY_FORMATS, FORMATS, GraphvizNotFound, export_bytes, format_for, write_atomic

PROG = "autograd-graph"
DEFAULT_MAX_NODES = 400
MAX_MLP_WEIGHTS = 2000  # scalar-mode MLPs draw one node per multiply: keep the picture drawable
MAX_STEP_FRAMES = 300

EXAMPLES = """\
examples:
  autograd-graph export "sigmoid(w*x + b)" --set w=2 --set x=-1 --set b=0.5 --backward -o sigma.svg
  autograd-graph export "sum(relu(W @ x + b))" --set W=[[1,2],[3,4]] --set x=@x.npy --set b=[0,1] -f json -o -
  autograd-graph export model.py:build --backward -f png -o model.png
  autograd-graph export --mlp 2,4,1 --input 1,-1 --backward -o mlp.svg
  autograd-graph export "tanh(w*x)*w" --set w=0.5 --set x=2 --backward --highlight w -o chain.svg
  autograd-graph export "tanh(w*x + b)" --set w=1 --set x=2 --set b=0 --steps frames/
  autograd-graph export --mlp 2,4,1 --input 1,-1 --backward -o mlp.html   # interactive explorer (browser)
  autograd-graph export "h1 = x*w; h2 = h1 + b; h3 = -h2; h4 = exp(h3); h5 = h4 + 1; f = 1/h5" \
      --set w=-0.8 --set b=0.3 --const x=1.5 --backward --highlight w -o sigmoid.svg
  autograd-graph functions

Expressions are parsed, never evaluated by Python: numbers, names set with --set, + - * / ** @, unary
minus, and the functions listed by 'autograd-graph functions' (e.g. sum(x, axis=0)). A program of
assignments separated by ';' names its nodes (h1 = x*w; f = 1/h1); --const marks an input as a constant.
FILE.py:FUNC RUNS THE CODE IN FILE.py (imports it as a module) and calls FUNC() with no arguments; FUNC
must return a Value. Only use it on files you trust.
--backward needs a scalar output: wrap a tensor expression in sum(...) or mean(...).
Formats: dot svg png pdf json html (from -f or the output's suffix; html is the interactive explorer, one
offline page); '-o -' writes dot, svg, json or html to stdout.
SVG, PNG and PDF need the Graphviz 'dot' program; DOT and JSON do not.
"""


class CliError(Exception):
    """A problem with the user's input; main prints it on one line and exits with status 2."""


def build_parser():
    parser = argparse.ArgumentParser(
        prog=PROG, description="Draw autograd-core computation graphs (Graphviz, JSON).",
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", metavar="{export,functions}")
    sub.required = True
    ex = sub.add_parser("export", help="draw or export the graph of an expression, a model or an MLP",
                        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    ex.add_argument("source", nargs="?",
                    help='an expression such as "sigmoid(w*x + b)", or FILE.py:FUNC (runs FILE.py\'s code)')
    ex.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                    help="a variable: a number, a nested list [[1,2],[3,4]], or @file.npy (repeatable)")
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
    ex.add_argument("--dpi", type=float, help="resolution of PNG output (default 96)")
    ex.add_argument("--size", metavar="W[,H]", help="largest picture size in inches, e.g. 8,5 (scaled down to fit)")
    ex.add_argument("--show", default=",".join(sorted(DEFAULT_SHOW)), metavar="ITEMS",
                    help="comma list of data,grad,shape,derivs (default: all)")
    ex.add_argument("--highlight", metavar="NAME",
                    help="mark the paths from this variable to the output and show the chain-rule product")
    ex.add_argument("--max-nodes", type=int, default=DEFAULT_MAX_NODES, metavar="N",
                    help=f"collapse bigger graphs to about N nodes (default {DEFAULT_MAX_NODES}; 0: never)")
    ex.add_argument("--no-clusters", action="store_true", help="do not box nn.Module calls")
    ex.add_argument("--title", help="a title line for the picture")
    ex.add_argument("--steps", metavar="DIR",
                    help="also write one SVG per backward step to DIR (step_000.svg, ...); implies --backward")
    ex.add_argument("--steps-by", choices=("node", "module"), default="node",
                    help="one --steps frame per node (default) or per module, layer by layer on an MLP")
    ex.add_argument("--traceback", action="store_true", help="show the full traceback if FILE.py:FUNC fails")
    sub.add_parser("functions", help="list what an expression may call")
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    try:
        if args.command == "functions":
            sys.stdout.write(functions_text())
            return 0
        return _export(args)
    except (CliError, ExprError, GraphvizNotFound, ValueError, TypeError, KeyError) as err:
        message = err.args[0] if isinstance(err, KeyError) and err.args else str(err)
        print(f"{PROG}: error: {' '.join(str(message).split())}", file=sys.stderr)
        return 2


def functions_text():
    lines = ["Functions (positional arguments; keywords as shown take literal values):"]
    for f in FUNCTIONS.values():
        lines.append(f"  {f.signature():<34} {f.doc}")
    lines.append("Operators: + - * / ** @ and unary minus.  Constants: " + ", ".join(CONSTANTS))
    return "\n".join(lines) + "\n"


def _export(args):
    root = _source_value(args)
    if args.backward or args.steps:
        if root.data.size != 1:
            raise CliError(f"--backward needs a scalar output, but the output has shape {root.shape}; "
                           "wrap the expression in sum(...) or mean(...)")
        root.backward(retain_graph=True)  # keep the graph so edge derivatives can still be evaluated
    options = {"rankdir": args.rankdir, "show": _check_show(args.show), "highlight": args.highlight,
               "max_nodes": args.max_nodes or None, "clusters": not args.no_clusters, "title": args.title,
               "dpi": args.dpi, "size": args.size}
    if args.highlight is not None and args.highlight not in _labels(root):
        raise CliError(f"--highlight {args.highlight!r}: no variable of that name in the graph "
                       f"(names: {', '.join(sorted(_labels(root))) or 'none'})")
    outputs = []  # (path or '-', bytes): everything is rendered before anything is written
    if args.output is not None or not args.steps:
        target = args.output or "-"
        fmt = format_for(None if target == "-" else target, args.format)
        if target == "-" and fmt in BINARY_FORMATS:
            raise CliError(f"{fmt} is a binary format: write it to a file with -o FILE.{fmt}")
        outputs.append((target, export_bytes(root, fmt, **options)))
    if args.steps:
        outputs.extend(_step_frames(root, args))
    for target, data in outputs:
        if target == "-":
            sys.stdout.buffer.write(data if data.endswith(b"\n") else data + b"\n")
            sys.stdout.flush()
        else:
            try:
                write_atomic(target, data)
            except OSError as err:
                raise CliError(f"cannot write {target}: {err.strerror or err}") from None
    return 0


def _labels(root):
    from .graph import topological_values

    return {v.label for v in topological_values(root) if v.label}


def _step_frames(root, args):
    from .export import render_bytes
    from .steps import backward_steps

    frames = backward_steps(root, rankdir=args.rankdir, show=_check_show(args.show), max_steps=MAX_STEP_FRAMES,
                            by=args.steps_by)
    os.makedirs(args.steps, exist_ok=True)
    width = max(3, len(str(len(frames) - 1)))
    return [(os.path.join(args.steps, f"step_{k:0{width}d}.svg"), render_bytes(frame, "svg"))
            for k, frame in enumerate(frames)]


def _source_value(args):
    given = [args.source is not None, args.mlp is not None]
    if sum(given) != 1:
        raise CliError("give exactly one of: an expression, FILE.py:FUNC, or --mlp SIZES")
    if args.mlp is not None:
        if args.set or args.const:
            raise CliError("--set/--const apply to expressions, not to --mlp")
        return _mlp(args.mlp, args.input, args.seed)
    if args.input is not None:
        raise CliError("--input applies to --mlp only; use --set NAME=VALUE for expressions")
    match = re.fullmatch(r"(.+\.py):([A-Za-z_]\w*)", args.source.strip())
    if match:
        if args.set or args.const:
            raise CliError("--set/--const apply to expressions, not to FILE.py:FUNC")
        return _run_user_function(match.group(1), match.group(2), args.traceback)
    variables = {}
    for assignment, parse in [(a, parse_assignment) for a in args.set] + [(a, parse_constant) for a in args.const]:
        name, value = parse(assignment)
        if name in variables:
            raise CliError(f"--set/--const {name} is given twice")
        variables[name] = value
    return evaluate_program(args.source, variables)


def _run_user_function(path, func_name, show_traceback):
    """Import FILE.py as a module (running its code, as documented in --help) and call FUNC()."""
    if not os.path.isfile(path):
        raise CliError(f"{path}: no such file")
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
    except Exception as err:
        if show_traceback:
            raise
        raise CliError(f"{path}:{func_name} raised {type(err).__name__}: {err} (rerun with --traceback)") from None
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
        inputs = np.atleast_1d(parse_literal(f"[{input_text}]", "--input"))
    if inputs.shape != (sizes[0],):
        raise CliError(f"--input: expected {sizes[0]} numbers for an MLP with {sizes[0]} inputs, got {inputs.size}")
    model = MLP(sizes[0], sizes[1:], rng=seed, dtype=np.float64)
    xs = [Value(float(v), label=f"x[{i}]") for i, v in enumerate(inputs)]
    out = model(xs)
    if isinstance(out, list):  # several outputs: draw their sum, so the picture has one output
        out = functools.reduce(operator.add, out)
    out.label = "out"
    return out
