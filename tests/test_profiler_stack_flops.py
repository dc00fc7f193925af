"""The profiler's with_stack, with_flops and with_modules (autograd_core/profiler/recording.py): where the user's code
called each operation, the FLOPs PyTorch's formulas count, the modules each ran in; PyTorch's key_averages grouping,
table columns, flame-graph file and Chrome trace arguments for them. Against torch where it is installed."""

import json
import os
import sys
import warnings

import numpy as np
import pytest

import autograd_core as ag
from autograd_core import nn
from autograd_core.profiler import profile, record_function

PACKAGE_FOLDERS = tuple(os.path.dirname(module.__file__) + os.sep for module in (ag, nn))


def _line():
    """The line number of the caller's current line."""
    return sys._getframe(1).f_lineno


def _inner(x):
    line = _line() + 1
    return x.tanh(), line


def _outer(x):
    line = _line() + 1
    y, inner_line = _inner(x)
    return y, line, inner_line


def _by_name(events):
    found = {}
    for event in events:
        found.setdefault(event.name, event)
    return found


# ----------------------------------------------------------------------------------------------------
# with_stack


def test_stack_is_the_users_lines_innermost_first_without_the_engines_frames():
    x = ag.randn(3, 3, requires_grad=True)
    model = nn.Sequential(nn.Linear(3, 2))
    with profile(with_stack=True) as prof:
        here = _line() + 1
        y, outer_line, inner_line = _outer(x)
        model_line = _line() + 1
        model(y).sum().backward()
    events = _by_name(prof.events())
    stack = events["aten::tanh"].stack
    assert stack[:3] == [f"{__file__}({inner_line}): _inner", f"{__file__}({outer_line}): _outer",
                         f"{__file__}({here}): {sys._getframe().f_code.co_name}"]
    # nn.Sequential and nn.Linear are autograd_core's code: their frames are left out, as PyTorch leaves out its C++
    assert events["aten::linear"].stack[0] == f"{__file__}({model_line}): {sys._getframe().f_code.co_name}"
    for event in prof.events():
        assert event.stack and not any(frame.startswith(PACKAGE_FOLDERS) for frame in event.stack)
    # a backward node has the stack of the operation that made it, as PyTorch's
    assert events["TanhBackward0"].stack == stack
    assert events["AddmmBackward0"].stack == events["aten::linear"].stack
    with profile() as plain:
        x.tanh()
    assert plain.events()[0].stack == []


def test_operations_of_a_create_graph_backward_get_their_nodes_stack_and_count_flops_once():
    x = ag.randn(4, 4, requires_grad=True)
    with profile(with_stack=True, with_flops=True) as prof:
        forward_line = _line() + 1
        y = (x * x).sum()
        (g,) = ag.autograd.grad(y, [x], create_graph=True)
    mul_backward = next(e for e in prof.events() if e.name == "MulBackward0")
    inside = mul_backward.cpu_children
    assert {e.name for e in inside} >= {"aten::mul"}
    assert mul_backward.stack[0].endswith(f"({forward_line}): {sys._getframe().f_code.co_name}")
    assert all(e.stack == mul_backward.stack for e in inside)
    # the recorded muls count their FLOPs; the node itself counts none (PyTorch's backward events count none)
    assert mul_backward.flops == 0 and sum(e.flops for e in inside if e.name == "aten::mul") == 2 * 16


def test_group_by_stack_n_and_the_source_location_column():
    x = ag.randn(3)
    with profile(with_stack=True) as prof:
        first = _line() + 1
        x.exp()
        for _ in range(2):
            second = _line() + 1
            x.exp()
    test_name = sys._getframe().f_code.co_name
    grouped = [a for a in prof.key_averages(group_by_stack_n=1) if a.key == "aten::exp"]
    assert [(a.count, a.stack) for a in grouped] == [(1, [f"{__file__}({first}): {test_name}"]),
                                                     (2, [f"{__file__}({second}): {test_name}"])]
    table = prof.key_averages(group_by_stack_n=1).table()
    header = table.splitlines()[1]
    assert header.rstrip().endswith("Source Location") and f"({second}): {test_name}" in table
    assert [a.count for a in prof.key_averages() if a.key == "aten::exp"] == [3]  # N = 0: by name
    assert "Source Location" not in prof.key_averages().table()
    assert all(a.stack == [] for a in prof.key_averages())
    # the events' own table shows every frame of a stack, one a line, the first on the event's row
    rows = prof.events().table(max_src_column_width=None).splitlines()
    exp_row = next(i for i, line in enumerate(rows) if line.lstrip().startswith("aten::exp"))
    frames = prof.events()[0].stack
    assert rows[exp_row].rstrip().endswith(frames[0]) and rows[exp_row + 1].strip() == frames[1]
    # cut from the left to max_src_column_width, as PyTorch's: '...' and the end of the path
    narrow = prof.key_averages(group_by_stack_n=1).table(max_src_column_width=20)
    assert f"...{second}): {test_name}"[-20:] in narrow or "..." + f"({second}): {test_name}"[-17:] in narrow
    with profile() as plain:  # without with_stack, group_by_stack_n groups by name (PyTorch: stacks are empty)
        x.exp()
        x.exp()
    assert [a.count for a in plain.key_averages(group_by_stack_n=5)] == [2]


def test_export_stacks_writes_pytorchs_flame_graph_lines(tmp_path):
    x = ag.randn(200, 200)
    with profile(with_stack=True) as prof:
        _outer(x)
        with record_function("block"):
            x @ x
    path = tmp_path / "stacks.txt"
    prof.export_stacks(str(path))
    lines = path.read_text().splitlines()
    expected = [(e.stack, int(e.self_cpu_time_total)) for e in prof.events() if int(e.self_cpu_time_total) > 0]
    assert len(lines) == len(expected) >= 3
    for line, (stack, value) in zip(lines, expected):
        frames, metric = line.rsplit(" ", 1)
        assert int(metric) == value
        assert frames.split(";") == [frame.replace(" ", "_") for frame in reversed(stack)]  # outermost first
        assert " " not in frames
    tanh_line = lines[[e.name for e in prof.events() if int(e.self_cpu_time_total) > 0].index("aten::tanh")]
    assert tanh_line.split(" ")[0].endswith(":__outer;" + f"{__file__}({_inner.__code__.co_firstlineno + 2}):__inner")
    # PyTorch's metrics; the device ones are zeros here: nothing to write
    prof.export_stacks(str(path), "self_cuda_time_total")
    assert path.read_text() == ""
    with pytest.raises(ValueError, match="metric should be one of"):
        prof.export_stacks(str(path), "cpu_time_total")
    with profile() as plain:
        x.exp()
    with pytest.raises(AssertionError, match="requires with_stack=True"):
        plain.export_stacks(str(path))


# ----------------------------------------------------------------------------------------------------
# with_flops


def _flops_of(run):
    with profile(with_flops=True) as prof:
        run()
    return {e.name: e.flops for e in prof.events()}


def test_flops_follow_pytorchs_formulas():
    r = ag.randn
    assert _flops_of(lambda: r(5, 3) @ r(3, 4)) == {"aten::matmul": 2 * 5 * 3 * 4}
    assert _flops_of(lambda: r(2, 5, 3) @ r(3, 4))["aten::matmul"] == 2 * 10 * 3 * 4       # PyTorch's folded mm
    assert _flops_of(lambda: r(2, 5, 3) @ r(6, 1, 3, 4))["aten::matmul"] == 2 * 12 * 5 * 3 * 4  # broadcast bmm
    assert _flops_of(lambda: r(3) @ r(3, 4))["aten::matmul"] == 2 * 3 * 4                  # a row
    assert _flops_of(lambda: r(5, 3) @ r(3))["aten::matmul"] == 0                          # mv: not counted
    assert _flops_of(lambda: ag.bmm(r(2, 5, 3), r(2, 3, 4)))["aten::matmul"] == 240
    assert _flops_of(lambda: nn.functional.linear(r(2, 5, 3), r(4, 3), r(4)))["aten::linear"] == 2 * 10 * 3 * 4
    conv = _flops_of(lambda: nn.functional.conv2d(r(2, 3, 8, 8), r(4, 3, 3, 3), stride=2, padding=1))
    assert conv["aten::conv2d"] == 2 * 2 * 4 * 4 * (4 * 3 * 3 * 3)  # 2·N·Ho·Wo·weight's elements
    assert _flops_of(lambda: r(5, 3) * r(1, 3))["aten::mul"] == 15  # the first input's elements
    assert _flops_of(lambda: r(1, 3) * r(5, 3))["aten::mul"] == 3
    assert _flops_of(lambda: 2 * r(5, 3))["aten::mul"] == 15  # a number on the left: PyTorch moves it right
    assert _flops_of(lambda: r(3) + r(5, 3))["aten::add"] == 3
    assert _flops_of(lambda: r(5, 3).tanh())["aten::tanh"] == 0
    with profile(with_flops=True) as prof:  # shapes are recorded for the formulas, as PyTorch records them
        r(5, 3) @ r(3, 4)
    assert prof.events()[0].input_shapes == [[5, 3], [3, 4]]
    with profile() as plain:
        r(5, 3) @ r(3, 4)
    assert plain.events()[0].flops == 0


def _mlp_step(lib, x):
    model = lib.nn.Sequential(lib.nn.Linear(6, 8), lib.nn.Tanh(), lib.nn.Linear(8, 3))
    ((model(x) * 3).sum()).backward()


def test_flops_averages_and_table():
    x = ag.randn(4, 6)
    with profile(with_flops=True) as prof:
        _mlp_step(ag, x)
    averages = {a.key: a for a in prof.key_averages()}
    # forward: 2·4·6·8 + 2·4·8·3; backward: the second layer's weight and input gradients, the first's weight's
    assert averages["aten::linear"].flops == 384 + 192 and averages["AddmmBackward0"].flops == 2 * 192 + 384
    assert averages["aten::mul"].flops == 12 and averages["MulBackward0"].flops == 12
    assert prof.total_average().flops == sum(e.flops for e in prof.events()) == 384 * 2 + 192 * 3 + 24
    assert all(e.stack == [] and e.module_hierarchy == "" for e in prof.events())  # not asked for
    header, *rows = [line for line in prof.key_averages().table(sort_by="flops").splitlines()
                     if line and not line.startswith(("-", "Self CPU"))]
    assert header.split("  ")[-2].strip() == "Total FLOPs"  # the smallest count (12) is below 1000
    assert rows[0].split()[0] == "AddmmBackward0" and rows[0].split()[-1] == "768.000"
    assert next(row for row in rows if row.split()[0] == "aten::tanh").split()[-1] == "--"
    big = ag.randn(64, 64)
    with profile(with_flops=True) as prof:
        big @ big
    assert "Total KFLOPs" in prof.key_averages().table() and "524.288" in prof.key_averages().table()
    with profile(with_flops=True) as prof:  # the unit is the smallest count's, as PyTorch's
        big @ big
        ag.ones(3) * 2
    assert "Total FLOPs" in prof.key_averages().table() and "524288.000" in prof.key_averages().table()
    with profile() as plain:
        big @ big
    assert "FLOPs" not in plain.key_averages().table()


def _torch_flops(torch, run):
    # torch.autograd.profiler_legacy: the same FLOPs formulas (torch's C++ computeFlops) as torch.profiler's, in
    # a millisecond where torch.profiler's events() takes a second
    from torch.autograd import profiler_legacy

    with profiler_legacy.profile(with_flops=True) as prof:
        run()
    return sum(e.flops for e in prof.function_events)


def _both(torch, run, *shapes):
    """FLOPs of run(lib, *shapes) profiled with ours and with torch's profiler: the pair."""
    with profile(with_flops=True) as prof:
        run(ag, *shapes)
    return sum(e.flops for e in prof.events()), _torch_flops(torch, lambda: run(torch, *shapes))


def _matmul(lib, a, b):
    return lib.randn(a) @ lib.randn(b)


def _linear(lib, x, w, b):
    return lib.nn.functional.linear(lib.randn(x), lib.randn(w), None if b is None else lib.randn(b))


def _conv(lib, x, w):
    return lib.nn.functional.conv2d(lib.randn(x), lib.randn(w), stride=2, padding=1, groups=2)


def _mul(lib, a, b):
    return lib.randn(a) * lib.randn(b)


def _add(lib, a, b):
    return lib.randn(a) + lib.randn(b)


def test_flops_are_torchs_for_the_same_shapes():
    torch = pytest.importorskip("torch")
    cases = [(_matmul, (5, 3), (3, 4)), (_matmul, (2, 5, 3), (3, 4)), (_matmul, (2, 5, 3), (2, 3, 4)),
             (_matmul, (3,), (2, 3, 4)), (_matmul, (5, 3), (2, 3, 4)), (_matmul, (3,), (3, 4)),
             (_matmul, (5, 3), (3,)), (_matmul, (3,), (3,)), (_matmul, (2, 5, 3), (6, 1, 3, 4)),
             (_linear, (5, 3), (4, 3), (4,)), (_linear, (2, 5, 3), (4, 3), None), (_linear, (3,), (4, 3), (4,)),
             (_conv, (2, 4, 9, 9), (6, 2, 3, 3)),
             (_mul, (5, 3), (1, 3)), (_mul, (1, 3), (5, 3)), (_mul, (5, 3), ()),
             (_add, (5, 3), (1, 3)), (_add, (1, 3), (5, 3)), (_add, (5, 3), ())]
    for run, *shapes in cases:
        ours, theirs = _both(torch, run, *shapes)
        assert ours == theirs, (run.__name__, shapes)
    ours, theirs = _both(torch, lambda lib: 2 * lib.randn(5, 3))  # a number on the left
    assert ours == theirs
    # a training step: forward and backward, as PyTorch counts its addmm, mm and mul events
    ours, theirs = _both(torch, lambda lib: _mlp_step(lib, lib.randn(4, 6)))
    assert ours == theirs


def test_table_headers_are_torchs():
    torch = pytest.importorskip("torch")
    from torch.autograd import profiler_legacy

    def headers(table):
        return [h.strip() for h in table.splitlines()[1].split("  ") if h.strip()]

    # torch's legacy profiler: torch.profiler's table (profiler_util._build_table) in a millisecond, not a second;
    # and in torch 2.13 the profiler that fills stacks in (torch.profiler's are empty)
    with profiler_legacy.profile(with_flops=True) as theirs:
        torch.randn(64, 64) @ torch.randn(64, 64)
    with profile(with_flops=True) as ours:
        ag.randn(64, 64) @ ag.randn(64, 64)
    assert headers(ours.key_averages().table()) == headers(theirs.key_averages().table())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with profiler_legacy.profile(with_stack=True) as theirs:
            torch.randn(3).exp()
    with profile(with_stack=True) as ours:
        ag.randn(3).exp()
    assert headers(ours.key_averages(group_by_stack_n=2).table()) == \
        headers(theirs.key_averages(group_by_stack_n=2).table())


# ----------------------------------------------------------------------------------------------------
# with_modules, the Chrome trace, nesting, the legacy profiler


class _Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 4)

    def forward(self, x):
        with record_function("inside"):
            return self.fc(x).tanh()


class _Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.block = _Block()
        self.layers = nn.ModuleList([nn.Linear(4, 2)])

    def forward(self, x):
        y = self.block(x)
        for layer in self.layers:
            y = layer(y)
        return y


def test_module_hierarchy_names_the_modules_each_event_ran_in(tmp_path):
    net, x = _Net(), ag.randn(5, 3)
    with profile(with_modules=True, with_stack=True) as prof:
        net(x).sum().backward()
    events = _by_name(prof.events())
    fc = "TOP(_Net)::forward.block(_Block)::forward.fc(Linear)::forward."
    assert events["aten::linear"].module_hierarchy == fc
    assert events["aten::tanh"].module_hierarchy == "TOP(_Net)::forward.block(_Block)::forward."
    assert events["inside"].module_hierarchy == "TOP(_Net)::forward.block(_Block)::forward."
    assert [e.module_hierarchy for e in prof.events() if e.name == "aten::linear"][1] == \
        "TOP(_Net)::forward.0(Linear)::forward."
    assert events["aten::sum"].module_hierarchy == ""  # outside every module
    assert events["TanhBackward0"].module_hierarchy == events["aten::tanh"].module_hierarchy  # its forward's
    path = tmp_path / "trace.json"
    prof.export_chrome_trace(str(path))
    trace = json.loads(path.read_text())
    assert trace["with_modules"] == 1 and trace["with_stack"] == 1 and "with_flops" not in trace
    linear = next(e for e in trace["traceEvents"] if e.get("name") == "aten::linear")
    assert linear["args"]["Module Hierarchy"] == fc
    assert linear["args"]["Call stack"] == ";".join(events["aten::linear"].stack)
    with profile() as plain:
        net(x)
    assert {e.module_hierarchy for e in plain.events()} == {""}
    plain.export_chrome_trace(str(path))
    assert all("Module Hierarchy" not in e["args"] and "Call stack" not in e["args"]
               for e in json.loads(path.read_text())["traceEvents"])


def test_nested_profiles_each_record_what_runs_inside_them():
    x = ag.randn(3)
    with profile() as outer:
        x * 2
        with profile(with_stack=True) as inner:
            x + 1
        x - 1
    assert [e.name for e in outer.events()] == ["aten::mul", "aten::add", "aten::sub"]
    assert [e.name for e in inner.events()] == ["aten::add"] and inner.events()[0].stack
    assert outer.events()[1].stack == []  # each profile's own settings


def test_legacy_profiler_records_stacks_flops_and_modules(tmp_path):
    x = ag.randn(8, 8, requires_grad=True)
    with ag.autograd.profiler.profile(with_stack=True, with_flops=True, with_modules=True) as prof:
        nn.Sequential(nn.Linear(8, 8))(x @ x).sum().backward()
    events = _by_name(prof.function_events)
    assert events["aten::matmul"].flops == 2 * 8 ** 3 and events["aten::matmul"].stack
    assert events["aten::linear"].module_hierarchy == "TOP(Sequential)::forward.0(Linear)::forward."
    assert "Total KFLOPs" in prof.key_averages().table()
    prof.export_stacks(str(tmp_path / "stacks.txt"))
    assert (tmp_path / "stacks.txt").read_text().count("\n") >= 1
    with ag.autograd.profiler.profile() as plain:
        x.exp()
    with pytest.raises(AssertionError, match="with_stack"):
        plain.export_stacks(str(tmp_path / "stacks.txt"))


def test_gzipped_chrome_trace(tmp_path):
    import gzip

    with profile(with_flops=True) as prof:
        ag.ones(3, 3) @ ag.ones(3, 3)
    path = tmp_path / "trace.json.gz"
    prof.export_chrome_trace(str(path))
    trace = json.loads(gzip.decompress(path.read_bytes()))
    assert trace["with_flops"] == 1 and [e["name"] for e in trace["traceEvents"] if e["ph"] == "X"] == ["aten::matmul"]


def test_annotations_change_no_number():
    x, t = ag.randn(6, 3, dtype=ag.float32), ag.randn(6, 1, dtype=ag.float32)

    def step():
        ag.manual_seed(3)
        model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1))
        ((model(x) - t) ** 2).mean().backward()
        return [p.grad.copy() for p in model.parameters()]

    expected = step()
    with profile(with_stack=True, with_flops=True, with_modules=True, profile_memory=True):
        got = step()
    assert all(np.array_equal(a, b) for a, b in zip(expected, got))
