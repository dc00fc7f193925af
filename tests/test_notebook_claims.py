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


def _markdown(stem):
    """The text cells of the committed notebook, joined."""
    nb = nbformat.read(NOTEBOOK_DIR / f"{stem}.ipynb", as_version=4)
    return " ".join(cell.source for cell in nb.cells if cell.cell_type == "markdown")


def test_notebook_02_timings_state_their_spread_and_the_verdicts_follow_from_it():
    """Notebook 02's forward- against reverse-mode tables: every time with the spread of its repeats, and a
    mode named the winner exactly where its lead holds even against the other mode's slowest repeat. (The
    old tables printed minima only, and 'reverse wins by 1.2×' at n = 2, where the repeats overlap.)"""
    text = _stored_text("02_backprop_is_autodiff", "def full_gradient_forward(")
    rows = re.findall(r"^\s*(\d+)\s+(\d[\d.]*)–(\d[\d.]*)\s+(\d[\d.]*)–(\d[\d.]*)\s+(\d+\.\d) \((\d+\.\d)–(\d+\.\d)\)",
                      text, re.MULTILINE)
    assert len(rows) == 5, f"notebook 02 does not print each time with its spread (fastest–slowest):\n{text}"
    for n, f_min, f_max, r_min, r_max, ratio, low, high in rows:
        f_min, f_max, r_min, r_max = (float(v) for v in (f_min, f_max, r_min, r_max))
        assert f_min <= f_max and r_min <= r_max
        # the ms columns have three significant digits: the ratios agree with them to that
        assert abs(float(ratio) - f_min / r_min) <= 0.01 * f_min / r_min + 0.05, (n, ratio)
        assert abs(float(low) - f_min / r_max) <= 0.01 * f_min / r_max + 0.05, (n, low)
        assert abs(float(high) - f_max / r_min) <= 0.01 * f_max / r_min + 0.05, (n, high)
    table = _stored_text("02_backprop_is_autodiff", "def verdict(")
    verdicts = re.findall(r"(reverse wins by|forward wins by|undecided:)\s+(\d+\.\d)× \(at least\s+(\d+\.\d)×\)", table)
    assert len(verdicts) == 10, table
    for said, ratio, low in verdicts:
        assert float(low) <= float(ratio)
        assert (said != "undecided:") == (float(low) > 1.0), (said, ratio, low)
    # reverse mode's leads in the side-by-side table are the first table's ratios
    assert [v[1] for v in verdicts[0::2]] == [row[5] for row in rows]
    match = re.search(r"p = (\d\.\d\d) \(reverse mode's lead\), p = (\d\.\d\d) \(forward mode's lead\)", table)
    assert match, table
    leads = [float(v[1]) for v in verdicts]
    sizes = np.array([32, 128, 512])
    for k, p in ((0, match[1]), (1, match[2])):
        fitted = np.polyfit(np.log(sizes), np.log(leads[k::2][2:]), 1)[0]
        assert abs(fitted - float(p)) <= 0.02, (k, fitted, p)
        assert 0.7 <= float(p) <= 1.3          # "grows roughly in proportion to n (to m)"


def test_notebook_02_cost_ratios_state_their_spread():
    """The jvp against one evaluation, and the backward pass against the forward pass: each ratio with the
    range it took over the rounds, the median inside it, and the backward pass within the 'one to three
    forward passes' the text predicts. (The old lines gave one number each, and put the jvp's cost down to
    the cos of sin alone.)"""
    jvp = _stored_text("02_backprop_is_autodiff", "rounds = {")
    match = re.search(r"(\d+\.\d)× an evaluation \((\d+\.\d)× to (\d+\.\d)× in the 15 rounds\)", jvp)
    assert match, jvp
    assert float(match[2]) <= float(match[1]) <= float(match[3]) and float(match[1]) < 10   # "a small multiple"
    assert "as costly as the sin" not in jvp
    backward = _stored_text("02_backprop_is_autodiff", "forward_times, backward_times")
    match = re.search(r"costs (\d+\.\d) forward passes \((\d+\.\d) to (\d+\.\d) in the 7 runs\)", backward)
    assert match, backward
    assert float(match[2]) <= float(match[1]) <= float(match[3]) and 1.0 <= float(match[1]) <= 3.0


def test_notebook_02_says_whose_x_the_sigmoid_rule_means():
    """The picture of the 3 → 4 → 3 → 2 network writes the sigmoid's rule as g⊙σ(x)(1−σ(x)), its x being the
    sigmoid's own input (n4, n8, n12), while the network's input is the x of layer 0's gᵀ·x: the text must
    say so (it once called it 'the σ′(z) amplifier' and left x to the reader)."""
    outputs = [o for o in nbformat.read(NOTEBOOK_DIR / "02_backprop_is_autodiff.ipynb", as_version=4).cells
               if o.cell_type == "code" and "viz.draw(loss" in o.source][0].outputs
    svg = next(o["data"]["image/svg+xml"] for o in outputs if "image/svg+xml" in o.get("data", {}))
    assert "∂/∂n4 = g⊙σ(x)(1−σ(x))" in svg and "gᵀ·x" in svg
    assert "x is the sigmoid's own input" in _markdown("02_backprop_is_autodiff")


def test_notebook_03_matrix_form_fewer_nodes_is_not_why_gpus():
    """Notebook 03: the matrix form has far fewer nodes (the stored counts), which keeps the engine fast; it
    is not 'why it runs on GPUs' (the old text), which is about a matrix product's parallel multiply-adds."""
    text = _stored_text("03_fully_connected_network", "loss_neurons.backward()")
    match = re.search(r"\(neurons, (\d+) nodes\) .*\(matrices, (\d+) nodes\)", text)
    assert match and int(match[2]) * 10 < int(match[1]), text
    prose = _markdown("03_fully_connected_network")
    assert "which is why it runs on GPUs" not in prose
    assert "in parallel" in prose


def _run_notebook_05_in_torch():
    """Notebook 05's training repeated in torch, float64, from the same data and initial weights: the
    training losses (one per step, before it), and every 25 steps the test loss and the misclassified test
    points."""
    from autograd_core import nn as ag_nn

    X_train, y_train = ag_nn.make_moons(300, noise=0.15, rng=0)
    X_test, y_test = ag_nn.make_moons(300, noise=0.15, rng=1)
    ag_nn.manual_seed(0)
    ours = ag_nn.MLP(2, [16, 16, 2], activation="tanh", dtype=np.float64)
    layers = [torch.nn.Linear(a, b, dtype=torch.float64) for a, b in ((2, 16), (16, 16), (16, 2))]
    with torch.no_grad():
        for layer, mine in zip(layers, ours.layers):
            layer.weight.copy_(torch.from_numpy(mine.weight.data))
            layer.bias.copy_(torch.from_numpy(mine.bias.data))
    model = torch.nn.Sequential(layers[0], torch.nn.Tanh(), layers[1], torch.nn.Tanh(), layers[2])
    Xtr, ytr, Xte, yte = (torch.from_numpy(np.asarray(a)) for a in (X_train, y_train, X_test, y_test))
    opt = torch.optim.Adam(model.parameters(), lr=0.02)
    F = torch.nn.functional
    train_losses, test_losses, mistakes = [], {}, {}
    for step in range(401):
        if step % 25 == 0:
            with torch.no_grad():
                scores = model(Xte)
                test_losses[step] = F.cross_entropy(scores, yte).item()
                wrong = (scores.softmax(dim=1)[:, 1] > 0.5).long() != yte
                mistakes[step] = set(torch.nonzero(wrong).flatten().tolist())
        if step == 400:
            break
        loss = F.cross_entropy(model(Xtr), ytr)
        opt.zero_grad()
        loss.backward()
        opt.step()
        train_losses.append(loss.item())
    return np.array(train_losses), test_losses, mistakes


def test_notebook_05_overfitting_claims_are_torchs():
    """Notebook 05's account of its loss curve, recomputed by the same training in torch: the training loss
    rises at the stated number of steps (it 'keeps falling' only overall), the test loss is lowest at the
    stated recorded step, and most test points wrong at step 400 were already wrong there (the old text
    called the rising test loss 'overfitting, seen in the loss before it shows in the accuracy'; the decisions
    hardly change, the confidence does)."""
    text = _stored_text("05_mlp_two_moons", "best_step, best_test_loss")
    rose = re.search(r"it rose at (\d+) of (\d+) steps, by at most (\d\.\d+)", text)
    lowest = re.search(r"test loss \(recorded every 25 steps\): lowest at step (\d+) \((\d\.\d+)\), "
                       r"(\d\.\d+) at step 400", text)
    same = re.search(r"misclassified test points: (\d+) at step (\d+), (\d+) at step 400, "
                     r"(\d+) of them the same points", text)
    assert rose and lowest and same, text
    train_losses, test_losses, mistakes = _run_notebook_05_in_torch()
    rises = np.diff(train_losses)
    assert int(rose[2]) == len(rises) and abs(int(rose[1]) - (rises > 0).sum()) <= 1
    assert abs(float(rose[3]) - rises.max()) <= 2e-4
    best = min(test_losses, key=test_losses.get)
    assert int(lowest[1]) == best == int(same[2]) and best < 400
    assert abs(float(lowest[2]) - test_losses[best]) <= 2e-4 and abs(float(lowest[3]) - test_losses[400]) <= 2e-4
    assert (int(same[1]), int(same[3]), int(same[4])) == (
        len(mistakes[best]), len(mistakes[400]), len(mistakes[best] & mistakes[400]))
    assert 2 * int(same[4]) > int(same[3])            # "mostly the same few points"
    assert "before it shows in the" not in _markdown("05_mlp_two_moons")


def test_notebook_05_points_stand_out_from_the_boundary_line():
    """Notebook 05 draws the points over the black boundary line and a background of their own colour: each
    class colour needs a contrast of at least 3 against black (WCAG's for graphics) and the classes a shape
    each. (The colour map's ends, once used, have 1.6: a misclassified point on the line showed as an empty
    circle.)"""
    from matplotlib import colormaps
    from matplotlib.colors import to_rgb

    nb = nbformat.read(NOTEBOOK_DIR / "05_mlp_two_moons.ipynb", as_version=4)
    source = next(cell.source for cell in nb.cells if cell.cell_type == "code" and "CLASS_COLOURS =" in cell.source)
    ends = re.search(r"CLASS_COLOURS = \[plt\.cm\.RdBu_r\(([\d.]+)\), plt\.cm\.RdBu_r\(([\d.]+)\)\]", source)
    assert ends, source

    def luminance(rgb):
        linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    for value in ends.groups():
        contrast = (luminance(to_rgb(colormaps["RdBu_r"](float(value)))) + 0.05) / 0.05
        assert contrast >= 3, (value, contrast)
    markers = re.search(r"CLASS_MARKERS = \[\"(\w)\", \"(\w|\^)\"\]", source)
    assert markers and markers[1] != markers[2] and "marker=CLASS_MARKERS[label]" in source


def test_notebook_03_explorer_has_the_gradients_it_offers_to_replay():
    """Notebook 03's explorer of y₁ offers node gradients and the backward pass's replay: the graph it stores
    must hold a gradient for every parameter, equal to PyTorch's for the lecture's network at x = [1, −1].
    (It was drawn before any backward(), and its panel asked the reader to call backward() first.)"""
    import html
    import json

    nb = nbformat.read(NOTEBOOK_DIR / "03_fully_connected_network.ipynb", as_version=4)
    cell = next(c for c in nb.cells if c.cell_type == "code" and "viz.explore(y1" in c.source)
    frame = next(o["data"]["text/html"] for o in cell.outputs if "text/html" in o.get("data", {}))
    page = html.unescape(re.search(r'srcdoc="([^"]*)"', frame)[1])
    graph = json.loads(re.search(r'<script[^>]*id="graph-data"[^>]*>(.*?)</script>', page, re.S)[1])
    parameter = graph["roles"].index("parameter")
    stored = {}
    for i, role in enumerate(graph["role"]):
        if role == parameter:
            layer = next(t for t in (graph["scopeTitles"][s] for s in _scope_chain(graph, graph["scope"][i]))
                         if t.startswith("Layer "))
            stored[layer, graph["label"][i]] = graph["grad"][i]
    assert len(stored) == 15 and all(g is not None for g in stored.values()), stored   # y₁ needs 15 of 18

    weights = [[[1.0, -2.0], [-1.0, 1.0]], [[2.0, -1.0], [-2.0, -1.0]], [[3.0, -1.0], [-1.0, 4.0]]]
    biases = [[1.0, 0.0], [0.0, 0.0], [-2.0, 2.0]]
    Ws = [torch.tensor(W, dtype=torch.float64, requires_grad=True) for W in weights]
    bs = [torch.tensor(b, dtype=torch.float64, requires_grad=True) for b in biases]
    a = torch.tensor([1.0, -1.0], dtype=torch.float64)
    for W, b in zip(Ws, bs):
        a = torch.sigmoid(W @ a + b)
    a[0].backward()
    for (layer, label), grad in stored.items():
        l = int(layer.split()[1])
        index = tuple(int(v) for v in re.findall(r"\d+", label))
        expected = (Ws[l] if label.startswith("w") else bs[l]).grad[index].item()
        assert grad == pytest.approx(expected, rel=1e-12, abs=1e-15), (layer, label, grad, expected)


def _scope_chain(graph, scope):
    """A node's scope and the scopes enclosing it (the explorer's graph data: scopes[i] = [name, kind, parent])."""
    chain = []
    while scope != -1:
        chain.append(scope)
        scope = graph["scopes"][scope][2]
    return chain


def test_notebook_03_says_whose_x_a_one_input_rule_means():
    """The digits network's picture writes relu's rule as g⊙[x>0], its x being relu's own input (the layer's
    linear output), not the network's input x of layer 0's gᵀ·x: the text must say so."""
    svgs = [o["data"]["image/svg+xml"] for c in nbformat.read(NOTEBOOK_DIR / "03_fully_connected_network.ipynb",
                                                             as_version=4).cells
            if c.cell_type == "code" and "F.cross_entropy(mlp(" in c.source
            for o in c.outputs if "image/svg+xml" in o.get("data", {})]
    assert svgs and ("g⊙[x&gt;0]" in svgs[0] or "g⊙[x>0]" in svgs[0])
    assert "x is that operation's own input" in _markdown("03_fully_connected_network")
