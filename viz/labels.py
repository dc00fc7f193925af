"""The words on a picture's operations and edges: an operation written with its operands where their order matters
('a / 2', 'W @ x'), and each edge's local derivative, with the operation's arguments called by their names and the axes
a broadcast input's gradient is summed over ('∂/∂b = g, summed over axis 0')."""

from __future__ import annotations

import functools
import re

from autograd_core.ops.primitive import PRIMITIVES

from .chain import symbol
from .graph import COLLAPSED, CONSTANT
from .texts import number_text, printable, shape_text, value_text


# Operations of two arguments that may be swapped: their pictures need not say which argument is which.
COMMUTATIVE = frozenset({"+", "*", "maximum", "minimum", "logaddexp", "logaddexp2"})
INFIX = {"-": "-", "/": "/", "**": "**", "matmul": "@"}  # written between the arguments; others: name(x, y)
MAX_OPERAND_CHARS = 24  # an argument's name in an operation's label is cut after this


def op_label(op_name, args):
    """The text of an operation's node, given its argument nodes in order.

    Two-argument primitives that are not commutative (`-`, `/`, `**`, matmul, atan2, xlogy, solve, ...) are
    written with their arguments in place, `a / 2` against `2 / a`, `a - b` against `b - a`, `A @ x`, `atan2(y, x)`:
    edges arrive at an operation from both sides, so its symbol alone would not tell numerator from denominator.
    An argument is written by its name (as `chain.symbol` writes it in a derivative), an unlabelled scalar
    constant by its value (the picture then draws no separate box for it), an unlabelled tensor constant as
    'const' and a collapsed summary as '…'. Any other operation: its name ('+', 'tanh', 'linear').
    """
    op = PRIMITIVES.get(op_name)
    if len(args) != 2 or op_name in COMMUTATIVE or op is None or len(op.formulas) != 2:
        return op_name
    x, y = (operand_text(a) for a in args)
    return f"{x} {INFIX[op_name]} {y}" if op_name in INFIX else f"{op_name}({x}, {y})"


def operation_texts(graph):
    """{node id: its operation's label} for each node whose picture writes the operation with its operands ('a / 2',
    'W @ x') instead of its bare symbol: the explorer and the graph's JSON show the same words as the picture."""
    nodes, in_edges = graph._node_index(), graph.in_edges()
    texts = {}
    for n in graph.nodes:
        if n.op and in_edges[n.id]:
            text = op_label(n.op, [nodes[e.src] for e in in_edges[n.id]])
            if text != n.op:
                texts[n.id] = text
    return texts


def written_in_place(op_name, written, arg):
    """Whether the operation's label `written` (from `op_label`) shows its argument `arg` itself, so that the
    argument gets no box and no edge of its own: an unlabelled scalar constant of an operation written with its
    operands ('a / 2'). Pictures and the explorer both draw by this."""
    return written != op_name and drawn_per_use(arg)


def operand_text(node):
    if drawn_per_use(node):
        text = value_text(node.data)
        return f"({text})" if text.startswith("-") else text  # a ** (-1), not a ** -1
    if node.role == COLLAPSED:
        return "…"
    if node.role == CONSTANT and not node.label and not node.is_scalar:
        return "const"
    return printable(symbol(node.name), MAX_OPERAND_CHARS)


def drawn_per_use(node):
    """Unlabelled scalar constants get one small node per use: the engine shares one leaf per number
    (every `* 1.01` in a loop reads the same Value), and a single node wired to all of its uses would
    pull long edges across the picture and slow Graphviz's layout down badly."""
    return node.role == CONSTANT and not node.label and node.is_scalar


def edge_label(e, nodes, incoming=()):
    if e.derivative is not None:
        return number_text(e.derivative)
    src, dst = nodes[e.src], nodes[e.dst]
    if e.formula is None or not src.requires_grad or src.role == COLLAPSED or dst.role == COLLAPSED:
        return ""
    formula = with_argument_names(e.formula, dst.op, [nodes[i.src] for i in incoming])
    return f"∂/∂{src.name} = {rule_text(formula, src, dst)}"


# The letters that the rules of operations with several inputs use for their arguments, in argument order
# (`Primitive.formulas`: mul's rules are 'g⊙y' and 'g⊙x'). A picture writes the arguments' names instead:
# '∂/∂h = g⊙y' leaves the reader to guess which input y is; '∂/∂h = g⊙c' does not.
ARGUMENT_LETTERS = {
    "*": "xy", "/": "xy", "**": "xy", "maximum": "xy", "minimum": "xy", "logaddexp": "xy", "logaddexp2": "xy",
    "xlogy": "xy", "xlog1py": "xy", "matmul": "AB", "linear": "xW",  # not conv2d: its "over N, H, W" is the width
    "atan2": "yx",  # atan2(y, x): the rules are written in the usual letters, y first
}
_NOT_NAME = "A-Za-z0-9_"  # a letter stands alone (x, not the x of max or exp or 2x) between these


def with_argument_names(formula, op_name, args, names=None):
    """`formula` with each argument letter replaced by the name its argument has in the picture (a scalar
    constant by its value: 'g/2'); a letter stays when its argument has no name shown (an unlabelled tensor
    constant, drawn as 'const (2, 3)'), or when the operation is not in ARGUMENT_LETTERS. `names`: the
    operation's `argument_names`, when the caller has them (one operation, several edges)."""
    names = argument_names(op_name, args) if names is None else names
    if not names:
        return formula
    return _letters_pattern("".join(names)).sub(lambda m: names[m.group(1)], formula)


def argument_names(op_name, args):
    """{argument letter of the operation's rules: the argument's name in the picture} (see with_argument_names)."""
    letters = ARGUMENT_LETTERS.get(op_name)
    if not letters or len(args) < len(letters):
        return {}
    names = {}
    for letter, node in zip(letters, args):
        if node.role == COLLAPSED or (node.role == CONSTANT and not node.label and not node.is_scalar):
            continue
        names[letter] = operand_text(node)  # as the operation's label writes it: 'g/(-2)', not 'g/-2'
    return names


@functools.lru_cache(maxsize=64)
def _letters_pattern(letters):
    return re.compile(f"(?<![{_NOT_NAME}])([{letters}])(?![{_NOT_NAME}])")


_LONE_G = _letters_pattern("g")  # the output's gradient in a rule's text

def rule_text(formula, src, dst):
    """An edge's rule as shown: `formula`, and for an input that was broadcast, the axes its gradient is
    summed over (the rule gives a gradient of the output's shape; the engine sums it back to the input's).

    On an edge touching a complex number the rule is written conj(formula with ḡ for g): the rules carry the
    conjugate of PyTorch's gradient (autograd_core/ops/complex.py), the picture's g and grads are PyTorch's, so
    the input's grad is that, exactly (e.g. 'conj(ḡ⊙y)' = g⊙ȳ for z·y, 'conj(ḡᵀ·x)' for a Linear's weight)."""
    if src.dtype.startswith("complex") or dst.dtype.startswith("complex"):
        formula = f"conj({_LONE_G.sub('ḡ', formula)})"
    axes = summed_axes(src.shape, dst.shape) if src.shape != dst.shape and is_elementwise(dst.op) else ()
    if not axes:
        return formula
    where = f"axis {axes[0]}" if len(axes) == 1 else f"axes {', '.join(map(str, axes))}"
    return f"{formula}, summed over {where}"


def is_elementwise(op_name):
    """Whether the primitive acts elementwise with broadcasting, so that its rule for an input that was
    broadcast returns a gradient of the output's shape (add, sub, mul, and the ops defjvp_elementwise marks)."""
    op = PRIMITIVES.get(op_name)
    return op is not None and (op.name in ("+", "-", "*") or (op.jvps is op.vjps and bool(op.vjps)))


def summed_axes(src_shape, dst_shape):
    """The axes of the output over which the gradient of a broadcast input is summed (NumPy's broadcasting:
    the leading axes the input lacks, and those where it has size 1 and the output more); () if none."""
    lead = len(dst_shape) - len(src_shape)
    if lead < 0:
        return ()
    stretched = (lead + i for i, n in enumerate(src_shape) if n == 1 and dst_shape[lead + i] != 1)
    return (*range(lead), *stretched)


def constant_text(node):
    """How a picture writes a constant (role 'constant') in its box: a scalar by its value to 4 significant digits
    ('0.3333'), a tensor as 'const' and its shape ('const (3,)'). An unlabelled constant has no other name there;
    the explorer calls it by the same text."""
    return value_text(node.data) if node.is_scalar else f"const {shape_text(node.shape)}"
