"""What a newcomer tries first, from micrograd or from PyTorch, and the answer they get.

micrograd: its trace_graph notebook's `draw_dot(root, format=..., rankdir=...)` runs as `autograd_core.viz.draw_dot`,
and its private fields `_prev` and `_backward` (which its own draw_dot and the lecture's node-by-node backward pass
read) raise an AttributeError that says what to read instead. PyTorch: an operand that is not a number, and
load_state_dict given a model, are refused in words that name the mistake (beside PyTorch's, where it has them)."""

import pytest

from autograd_core import Value
from autograd_core.nn import Neuron


def test_micrograd_draw_dot_runs_with_its_arguments():
    from autograd_core.viz import draw_dot

    x = Value(1.0)
    y = (x * 2 + 1).relu()  # trace_graph.ipynb's first example
    y.backward()
    dot = draw_dot(y)
    assert dot.format == "svg" and "rankdir=LR" in dot.source
    assert "data 3" in dot.source and "grad 1" in dot.source and "grad 2" in dot.source  # y = 3, dy/dx = 2

    n = Neuron(2, rng=0)  # its second: a neuron on two inputs, drawn top to bottom as a PNG
    y = n([Value(1.0), Value(-2.0)])
    y.backward()
    dot = draw_dot(y, format="png", rankdir="TB")
    assert dot.format == "png" and "rankdir=TB" in dot.source
    with pytest.raises(ValueError, match="rankdir"):
        draw_dot(y, rankdir="XY")


@pytest.mark.parametrize("name, hint", [("_prev", "v.parents"), ("_backward", "loss.backward()")])
def test_micrograd_private_fields_name_what_to_use(name, hint):
    a = Value(2.0)
    b = a * 3
    with pytest.raises(AttributeError, match=name) as err:
        getattr(b, name)
    assert hint in str(err.value) and "micrograd" in str(err.value)
    assert not hasattr(b, name)  # still an AttributeError: hasattr and getattr(v, name, default) work as before
    assert getattr(b, name, None) is None
    setattr(b, name, "mine")  # a user's attribute of that name still reads back
    assert getattr(b, name) == "mine"


@pytest.mark.parametrize("code", ["out = torch.ones(2) + 'x'", "out = 'x' * torch.ones(2)",
                                  "out = torch.ones(2) - None"])
def test_an_operand_that_is_not_a_number_is_named_by_its_python_type(code):
    """PyTorch: "unsupported operand type(s) for +: 'Tensor' and 'str'" (and, for 'x' * tensor, "only integer tensors
    of a single element can be converted to an index"); ours said "cannot use an operand of dtype <U1 (str)", NumPy's
    name for a string first."""
    from mistake_helpers import ours, raised, theirs

    python_type = "str" if "'" in code else "NoneType"
    assert isinstance(raised(code, theirs), TypeError)
    error = raised(code, ours)
    assert isinstance(error, TypeError) and str(error).startswith(f"unsupported operand type '{python_type}'"), error


def test_load_state_dict_of_a_model_instead_of_its_state_says_which_to_pass():
    """PyTorch: "Expected state_dict to be dict-like, got <class '...Linear'>"; ours names the fix."""
    from mistake_helpers import ours, raised, theirs

    code = "out = nn.Linear(2, 2).load_state_dict(nn.Linear(2, 2))"
    assert isinstance(raised(code, theirs), TypeError)
    error = raised(code, ours)
    assert isinstance(error, TypeError) and str(error) == (
        "load_state_dict: expected a mapping of name -> array, got Linear: a module; pass its .state_dict()")


def test_the_digits_plot_names_its_dotted_target_line():
    """examples/train_digits_cnn.py drew an unlabelled dotted line at 97% (whatever --min-accuracy said): every line
    of the accuracy panel is now in its legend, the target at --min-accuracy."""
    pytest.importorskip("matplotlib")
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository root, where examples/ is
    try:
        from examples import train_digits_cnn
    finally:
        sys.path.pop(0)
    history = {"train_loss": [1.0, 0.5], "test_loss": [1.1, 0.6], "train_accuracy": [0.8, 0.9],
               "test_accuracy": [0.85, 0.95]}
    fig = train_digits_cnn.plot_curves(history, target=0.9)
    try:
        accuracy_panel = fig.axes[1]
        labels = [text.get_text() for text in accuracy_panel.get_legend().get_texts()]
        assert labels == ["train", "test", "target 90% (--min-accuracy)"]
        assert [line.get_ydata()[0] for line in accuracy_panel.get_lines()][-1] == pytest.approx(90)
    finally:
        import matplotlib.pyplot as plt

        plt.close(fig)


def test_the_optimizer_comparison_shows_every_accuracy():
    """examples/compare_optimizers.py fixed its accuracy axis at 80-100%: a short run (--epochs 3) drew its first
    epochs, at 20-80%, outside the panel."""
    pytest.importorskip("matplotlib")
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    try:
        from examples import compare_optimizers
    finally:
        sys.path.pop(0)
    results = {"SGD": {"train_loss": [2.0, 1.5, 1.0], "test_accuracy": [0.23, 0.61, 0.8]},
               "Adam": {"train_loss": [1.0, 0.5, 0.2], "test_accuracy": [0.9, 0.95, 0.97]}}
    fig = compare_optimizers.plot_comparison(results)
    try:
        low, high = fig.axes[1].get_ylim()
        assert low <= 23 and high >= 97
    finally:
        import matplotlib.pyplot as plt

        plt.close(fig)
