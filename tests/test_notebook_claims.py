"""The numbers the teaching notebooks state, recomputed with PyTorch as an independent oracle.

The notebooks check themselves against formulas written in the same notebook (tests/test_notebooks.py runs
them); a rule written wrongly in both places would pass there. Here the stored outputs of the committed
notebooks are read (nothing is executed, so this is fast) and compared with what PyTorch computes for the
same question: the optimizers' update rules, the lecture's network, the convolution shapes, the parameter
counts and the lecture's PyTorch snippet.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

nbformat = pytest.importorskip("nbformat")
torch = pytest.importorskip("torch")

NOTEBOOK_DIR = Path(__file__).resolve().parents[1] / "notebooks"


def _stored_text(stem, code):
    """The printed text (and text/markdown displays) of the committed notebook's code cell containing `code`."""
    nb = nbformat.read(NOTEBOOK_DIR / f"{stem}.ipynb", as_version=4)
    cells = [cell for cell in nb.cells if cell.cell_type == "code" and code in cell.source]
    assert cells, f"{stem}: no code cell with {code!r}"
    parts = []
    for output in cells[0].outputs:
        if output.get("output_type") == "stream":
            parts.append(output["text"])
        elif output.get("output_type") in ("display_data", "execute_result"):
            parts.append(output.get("data", {}).get("text/markdown", ""))
    return "".join(parts)


def _floats(text):
    """The decimal numbers in text, NumPy's "0." included."""
    return [float(v) for v in re.findall(r"-?\d+\.\d*(?:e[-+]?\d+)?", text)]


def test_notebook_06_update_rules_are_pytorchs():
    """Five steps of each optimizer on ½θᵀAθ: the stored 'optim' results equal torch.optim's (6 decimals)."""
    text = _stored_text("06_optimizers", "def by_the_table(")
    A = torch.tensor([[3.0, 1.0], [1.0, 0.5]], dtype=torch.float64)
    makers = {
        "SGD": lambda p: torch.optim.SGD(p, lr=0.1),
        "momentum": lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9),
        "Nesterov": lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True),
        "RMSprop": lambda p: torch.optim.RMSprop(p, lr=0.1),
        "Adagrad": lambda p: torch.optim.Adagrad(p, lr=0.1),
        "Adam": lambda p: torch.optim.Adam(p, lr=0.1),
        "Adamax": lambda p: torch.optim.Adamax(p, lr=0.1),
    }
    for name, make in makers.items():
        line = next((ln for ln in text.splitlines() if ln.startswith(f"{name} ")), None)
        assert line is not None, f"notebook 06 prints no result for {name}"
        stored = np.array(_floats(line.split("table")[0]))
        assert stored.shape == (2,), line
        theta = torch.tensor([1.0, -2.0], dtype=torch.float64, requires_grad=True)
        opt = make([theta])
        for _ in range(5):
            opt.zero_grad()
            (0.5 * theta @ (A @ theta)).backward()
            opt.step()
        assert np.allclose(stored, theta.detach().numpy(), rtol=0, atol=1e-6), (name, stored, theta)


def test_notebook_06_lecture_snippet_behaves_as_in_pytorch():
    """The lecture's SGD(variable) raises TypeError in PyTorch, and the fixed snippet ends where the notebook says."""
    variable = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)
    with pytest.raises(TypeError):
        torch.optim.SGD(variable, lr=0.1)
    text = _stored_text("06_optimizers", "loss_fn = nn.MSELoss()")
    assert text.startswith("TypeError: ")
    optimizer = torch.optim.SGD([variable], lr=0.1)
    loss_fn = torch.nn.MSELoss()
    for _ in range(10):
        optimizer.zero_grad()
        loss_fn(variable, torch.tensor([3.0, 4.0], dtype=torch.float64)).backward()
        optimizer.step()
    stored = _floats(text.split("updated value of variable:")[1].split("by hand")[0])
    assert len(stored) == 2, text
    assert np.allclose(stored, variable.detach().numpy(), rtol=0, atol=1e-8)


def test_notebook_03_lecture_network_outputs():
    """The lecture's 2-2-2-2 sigmoid network: the stored outputs are PyTorch's to 4 decimals."""
    text = _stored_text("03_fully_connected_network", "stated_by_the_lecture")
    weights = [[[1.0, -2.0], [-1.0, 1.0]], [[2.0, -1.0], [-2.0, -1.0]], [[3.0, -1.0], [-1.0, 4.0]]]
    biases = [[1.0, 0.0], [0.0, 0.0], [-2.0, 2.0]]
    lines = [ln for ln in text.splitlines() if ln.startswith("f(")]
    assert len(lines) == 2
    for line, x in zip(lines, ([1.0, -1.0], [0.0, 0.0])):
        a = torch.tensor(x, dtype=torch.float64)
        for W, b in zip(weights, biases):
            a = torch.sigmoid(torch.tensor(W, dtype=torch.float64) @ a + torch.tensor(b, dtype=torch.float64))
        stored = _floats(line.split("=")[1].split("lecture")[0])
        assert len(stored) == 2, line
        assert np.allclose(stored, a.numpy(), rtol=0, atol=5e-5), (line, a)


def test_notebook_07_shape_table_is_pytorchs():
    """Every row of the stored table of convolution output sizes: PyTorch's conv2d / conv_transpose2d agree."""
    text = _stored_text("07_convolution_on_digits", "def conv_out(")
    rows = [ln for ln in text.splitlines() if ln.startswith("| conv")]
    assert len(rows) >= 10
    F = torch.nn.functional
    for row in rows:
        cells = [c.strip() for c in row.strip("|").split("|")]
        n, k, s, p, d = int(cells[1].split("×")[0]), int(cells[2]), int(cells[3]), int(cells[4]), int(cells[5])
        shown = int(cells[6].split("×")[0])
        x, w = torch.zeros(1, 1, n, n), torch.zeros(1, 1, k, k)
        if cells[0].startswith("conv_transpose2d"):
            op = int(re.search(r"output_padding (\d+)", cells[0])[1])
            expected = F.conv_transpose2d(x, w, stride=s, padding=p, dilation=d, output_padding=op).shape[-1]
        else:
            expected = F.conv2d(x, w, stride=s, padding=p, dilation=d).shape[-1]
        assert shown == expected == int(cells[7]), row


def test_notebook_07_parameter_counts_are_pytorchs():
    text = _stored_text("07_convolution_on_digits", "def conv_parameters(")
    nn = torch.nn
    cnn = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                        nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                        nn.Flatten(), nn.Linear(16 * 2 * 2, 10))
    dense = nn.Linear(64, 8 * 8 * 8)
    counted = [int(v) for v in re.findall(r"(\d[\d,]*) \(counted by the module\)", text)]
    assert counted == [sum(p.numel() for p in cnn.parameters())]
    assert f"{sum(p.numel() for p in dense.parameters()):,} as a fully connected layer" in text


def test_notebook_08_parameter_table_is_pytorchs():
    """The matched budgets: each stored (depth, width, parameters) row counts what torch.nn counts."""
    text = _stored_text("08_deep_versus_fat", "def width_for(")
    rows = [ln.split() for ln in text.splitlines()[1:] if ln.strip()]
    assert len(rows) == 9
    for budget, depth, width, parameters, _ in rows:
        sizes = [64] + [int(width)] * int(depth) + [10]
        model = torch.nn.Sequential(*[torch.nn.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:])])
        assert int(parameters) == sum(p.numel() for p in model.parameters()), (budget, depth, width)


def test_notebook_04_dead_relu_gradients_are_pytorchs():
    """The unit with w·x + b < 0 everywhere: zero gradient through ReLU, α·(Σx, N) through leaky ReLU."""
    text = _stored_text("04_activations_and_vanishing_gradients", "off on every input")
    inputs = torch.tensor(np.random.default_rng(0).normal(size=(100, 3)))
    activations = {"ReLU": torch.relu, "leaky ReLU": lambda z: torch.nn.functional.leaky_relu(z, 0.1)}
    for name, fn in activations.items():
        line = next(ln for ln in text.splitlines() if ln.startswith(f"{name} "))
        w = torch.tensor([0.5, -0.3, 0.2], dtype=torch.float64, requires_grad=True)
        b = torch.tensor(-5.0, dtype=torch.float64, requires_grad=True)
        fn(inputs @ w + b).sum().backward()
        stored = _floats(line)
        assert len(stored) == 4, line
        assert np.allclose(stored, [*w.grad.numpy(), b.grad.item()], rtol=0, atol=1e-4), (name, line)


def test_notebook_06_nesterov_textbook_form_is_pytorchs_lookahead():
    """Sutskever's Nesterov (gradient at θ + μv) run in torch: its θ + μv is what torch.optim.SGD(nesterov=True)
    stores after each step, and the notebook's stored textbook θ and θ + μv are those numbers."""
    text = _stored_text("06_optimizers", "def by_the_table(")
    line = next((ln for ln in text.splitlines() if ln.startswith("textbook Nesterov ")), None)
    assert line is not None, "notebook 06 does not show Nesterov's textbook (look-ahead) form"
    stored = np.array(_floats(line.split("after 5 steps")[1]))
    assert stored.shape == (4,), line
    A = torch.tensor([[3.0, 1.0], [1.0, 0.5]], dtype=torch.float64)
    mu, lr = 0.9, 0.1
    theta, v = torch.tensor([1.0, -2.0], dtype=torch.float64), torch.zeros(2, dtype=torch.float64)
    p = theta.clone().requires_grad_(True)
    opt = torch.optim.SGD([p], lr=lr, momentum=mu, nesterov=True)
    for _ in range(5):
        ahead = (theta + mu * v).requires_grad_(True)
        (0.5 * ahead @ (A @ ahead)).backward()
        v = mu * v - lr * ahead.grad
        theta = theta + v
        opt.zero_grad()
        (0.5 * p @ (A @ p)).backward()
        opt.step()
        assert torch.allclose(theta + mu * v, p.detach(), rtol=0, atol=1e-12)
    assert np.allclose(stored[:2], theta.numpy(), rtol=0, atol=1e-6), (line, theta)
    assert np.allclose(stored[2:], p.detach().numpy(), rtol=0, atol=1e-6), (line, p)


def test_notebook_06_plateau_start_gets_across():
    """The start (−4, −2) of L = (σ(w₂σ(w₁)) − 1)² is on a plateau after 300 steps, not trapped: plain gradient
    descent (lr 1) in torch crosses w₂ = 0 and gets the loss below 0.01 after the step counts the notebook
    states (its old text said w₂ 'never gets across' and w₁ 'runs off towards −∞')."""
    text = _stored_text("06_optimizers", "steps_to_cross")
    match = re.search(r"crosses 0 after (\d+) steps, the loss is below 0\.01 after (\d+) steps; "
                      r"lowest w₁ on the way (-?\d+\.\d+)", text)
    assert match, text
    w = torch.tensor([-4.0, -2.0], dtype=torch.float64, requires_grad=True)
    opt = torch.optim.SGD([w], lr=1.0)
    crossed, lowest, steps = None, w[0].item(), 0
    while True:
        opt.zero_grad()
        loss = (torch.sigmoid(w[1] * torch.sigmoid(w[0])) - 1) ** 2
        if loss.item() < 0.01:
            break
        loss.backward()
        opt.step()
        steps += 1
        lowest = min(lowest, w[0].item())
        if crossed is None and w[1].item() > 0:
            crossed = steps
        assert steps <= 20000
    assert abs(int(match[1]) - crossed) <= 1 and abs(int(match[2]) - steps) <= 1, (match[0], crossed, steps)
    assert abs(float(match[3]) - lowest) < 0.01 and lowest > -10       # w₁ turns back; it does not run off
    assert steps > 10 * 300                                              # "more than ten times as many steps"


def test_notebook_08_verdicts_follow_from_the_stored_spreads():
    """Each verdict of notebook 08 (test accuracy and training loss) recomputed from its stored table: the gap,
    twice the seed standard error sqrt(sd₁²/3 + sd₂²/3), and 'clear' exactly when the gap exceeds twice every
    stated error. (The old notebook compared training losses without any spread, and the test accuracies
    without the error that comes from the finite set of test images.)"""
    table = _stored_text("08_deep_versus_fat", "def train_and_test(")
    rows = {}
    for line in table.splitlines():
        match = re.match(r"\s*(\d+)\s+(\d)\s+\d+\s+(\d+\.\d)% ± (\d+\.\d)%.*?(\d\.\d{4}) ± (\d\.\d{4})\s*$", line)
        if match:
            budget, depth = int(match[1]), int(match[2])
            rows[budget, depth] = [float(v) for v in match.groups()[2:]]    # acc %, sd %, loss, sd
    assert len(rows) == 9, "notebook 08 does not state each network's training loss with its spread"
    text = _stored_text("08_deep_versus_fat", "verdict on the test accuracy")
    accuracy_lines = re.findall(r"(\d+) parameters: best (\d) .*?, (\d+\.\d) points ahead of (\d); twice the errors "
                                r"(\d+\.\d) \(seeds\), (\d+\.\d) \(test images\): (a clear lead|not clear)", text)
    loss_lines = re.findall(r"(\d+) parameters: lowest (\d) .*?, (\d\.\d{4}) below (\d); twice the error "
                            r"(\d\.\d{4}): (a clear lead|not clear)", text)
    assert len(accuracy_lines) == 3 and len(loss_lines) == 3, text
    for budget, best, gap, runner_up, seeds_2se, images_2se, verdict in accuracy_lines:
        (a1, s1, _, _), (a2, s2, _, _) = rows[int(budget), int(best)], rows[int(budget), int(runner_up)]
        assert abs(float(gap) - (a1 - a2)) <= 0.11
        assert abs(float(seeds_2se) - 2 * np.sqrt((s1**2 + s2**2) / 3)) <= 0.11
        assert (verdict == "a clear lead") == (float(gap) > max(float(seeds_2se), float(images_2se)))
    for budget, lowest, gap, runner_up, two_se, verdict in loss_lines:
        (_, _, l1, s1), (_, _, l2, s2) = rows[int(budget), int(lowest)], rows[int(budget), int(runner_up)]
        assert l1 == min(rows[int(budget), d][2] for d in (1, 2, 4))
        assert abs(float(gap) - (l2 - l1)) <= 2e-4
        assert abs(float(two_se) - 2 * np.sqrt((s1**2 + s2**2) / 3)) <= 2e-4
        assert (verdict == "a clear lead") == (float(gap) > float(two_se))
    # "More parameters give better results": each step up in budget, depth by depth, with the same test.
    rise_lines = re.findall(r"(\d) hidden layer\(s\), +(\d+)→(\d+) *: *([+-]\d+\.\d) points; twice the errors "
                            r"(\d+\.\d) \(seeds\), (\d+\.\d) \(test images\): (clearly up|not clear)", text)
    assert len(rise_lines) == 6, text
    for depth, small, large, gap, seeds_2se, images_2se, verdict in rise_lines:
        (a1, s1, _, _), (a2, s2, _, _) = rows[int(large), int(depth)], rows[int(small), int(depth)]
        assert abs(float(gap) - (a1 - a2)) <= 0.11
        assert abs(float(seeds_2se) - 2 * np.sqrt((s1**2 + s2**2) / 3)) <= 0.11
        assert (verdict == "clearly up") == (float(gap) > max(float(seeds_2se), float(images_2se)))


def test_notebook_06_mini_batch_is_closer_after_most_updates_not_all():
    """Notebook 06's right panel: the text says the mini-batch path is closer to the full-batch path than SGD's
    after most updates, typically several times closer (the old text: it 'stays far below', which the plot
    contradicts at a few updates); the stored count and median ratio must back 'most' and 'several'."""
    text = _stored_text("06_optimizers", "def run(batch_size")
    match = re.search(r"closer one to the full-batch path after (\d+) of 100 updates; median ratio of the "
                      r"distances \(SGD / mini-batch\): (\d+\.\d)", text)
    assert match, "notebook 06 does not count the updates after which the mini-batch path is the closer one"
    assert 50 < int(match[1]) < 100 and float(match[2]) >= 3
    nb = nbformat.read(NOTEBOOK_DIR / "06_optimizers.ipynb", as_version=4)
    prose = " ".join(cell.source for cell in nb.cells if cell.cell_type == "markdown")
    assert "stays far below" not in prose and "after most updates" in prose
