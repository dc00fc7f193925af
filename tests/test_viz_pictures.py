"""The static pictures read well: programs name their nodes, constants, size and direction, titles, frames."""

import numpy as np
import pytest

from autograd_core import viz
from autograd_core.viz.expr import ExprError, evaluate_program, parse_assignment, parse_constant

SIGMOID = "h1 = x*w; h2 = h1 + b; h3 = -h2; h4 = exp(h3); h5 = h4 + 1; f = 1/h5"


def sigmoid_program():
    variables = dict([parse_assignment("w=-0.8"), parse_constant("x=1.5"), parse_assignment("b=0.3")])
    return evaluate_program(SIGMOID, variables)


def test_program_assignments_name_the_nodes():
    f = sigmoid_program()
    graph = viz.trace(f)
    labels = [n.label for n in graph.nodes if n.op]
    assert labels == ["h1", "h2", "h3", "h4", "h5", "f"]
    assert float(f.data) == pytest.approx(1 / (1 + np.exp(-(1.5 * -0.8 + 0.3))))
    assert graph.node_of("x").role == "constant"  # --const: no gradient
    source = viz.draw(f).source
    assert "<b>h3</b>" in source and '<font color="#64748b">n' not in source  # no node is called n3, n5, ...


@pytest.mark.parametrize("program, message", [
    ("h1 = x*w; x = 2*w", "already defined"),
    ("h1 = w; f = h1*2", "only renames"),
    ("h1 = x*w; h1*2; f = h1", "only the last statement"),
    ("exp = w*2", "cannot be assigned"),
    ("f = __import__('os')", "__import__"),
    ("f = w.__class__", "column"),
])
def test_program_errors_name_the_statement(program, message):
    variables = dict([parse_assignment("w=2"), parse_constant("x=1")])
    with pytest.raises(ExprError, match=message):
        evaluate_program(program, variables)


def test_cli_program_and_const(tmp_path):
    from autograd_core.viz.cli import main

    out = tmp_path / "f.dot"
    assert main(["export", SIGMOID, "--set", "w=-0.8", "--set", "b=0.3", "--const", "x=1.5", "--backward",
                 "--highlight", "w", "-o", str(out)]) == 0
    text = out.read_text()
    assert "<b>h5</b>" in text and "x = 1.5" in text and "∂f/∂w" in text
