"""torch.profiler for this engine (autograd_core/profiler/): an event per operation and per backward node, with
PyTorch's names, times, shapes and memory; record_function blocks; PyTorch's tables, Chrome traces and schedules;
and a profile that changes no number and leaves nothing behind."""

import collections
import json
import os
import threading
import time
import warnings

import numpy as np
import pytest

import autograd_core as ag
from autograd_core import nn
from autograd_core.modes import TRACERS
from autograd_core.profiler import (
    ProfilerAction, ProfilerActivity, profile, record_function, schedule, tensorboard_trace_handler,
)
from autograd_core.profiler.events import UnknownSortKeyError, format_memory, format_time


def _mlp(seed=0):
    ag.manual_seed(seed)
    return nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1))


def _step(model, x, t):
    loss = ((model(x) - t) ** 2).mean()
    loss.backward()
    return loss


def _names(events, category=None):
    return collections.Counter(e.name for e in events if category is None or e.category == category)


# ----------------------------------------------------------------------------------------------------
# What is recorded


def test_mlp_step_records_each_forward_op_and_each_backward_node_by_pytorchs_names():
    model, x, t = _mlp(), ag.randn(5, 3), ag.randn(5, 1)
    with profile() as prof:
        _step(model, x, t)
    names = _names(prof.events())
    assert names == {"aten::linear": 2, "aten::tanh": 1, "aten::sub": 1, "aten::pow": 1, "aten::mean": 1,
                     "AddmmBackward0": 2, "TanhBackward0": 1, "SubBackward0": 1, "PowBackward0": 1,
                     "MeanBackward0": 1}


def test_backward_events_are_the_graphs_nodes_named_as_their_grad_fn():
    model, x, t = _mlp(), ag.randn(5, 3), ag.randn(5, 1)
    loss = ((model(x) - t) ** 2).mean()
    expected, stack, seen = collections.Counter(), [loss], set()
    while stack:  # every node of the graph that a backward pass processes
        node = stack.pop()
        if id(node) in seen or node.grad_fn is None:
            continue
        seen.add(id(node))
        expected[node.grad_fn.name()] += 1
        stack.extend(p for p in node._parents if p.requires_grad)
    with profile() as prof:
        loss.backward()
    assert _names(prof.events()) == expected


def test_events_time_the_operations_and_start_in_order(monkeypatch):
    from autograd_core.ops import elementwise

    def slow_tanh(data):  # work of a known least duration: a sleep is never shorter, however loaded the machine
        time.sleep(0.03)
        return np.tanh(data)

    monkeypatch.setattr(elementwise.tanh, "forward", slow_tanh)
    x = ag.randn(30, 30, dtype=ag.float64)
    with profile() as prof:
        (x @ x).tanh()
    events = prof.events()
    assert [e.name for e in events] == ["aten::matmul", "aten::tanh"]
    assert events[1].cpu_time_total >= 30_000  # the event holds the forward's work (µs)
    assert events[0].end_ns <= events[1].start_ns


def test_record_function_encloses_the_ops_inside_it_and_self_is_total_minus_children():
    x = ag.randn(50, 50, requires_grad=True)
    with profile() as prof:
        with record_function("outer"):
            y = x.exp()
            with record_function("inner"):
                z = (y @ y).sum()
        z.backward()
    events = {e.name: e for e in prof.events()}
    outer, inner = events["outer"], events["inner"]
    assert inner.cpu_parent is outer and events["aten::exp"].cpu_parent is outer
    assert events["aten::matmul"].cpu_parent is inner and events["aten::sum"].cpu_parent is inner
    assert events["SumBackward0"].cpu_parent is None  # after both blocks
    for event in prof.events():
        assert 0 <= event.self_cpu_time_total <= event.cpu_time_total
        children = sum(child.cpu_time_total for child in event.cpu_children)
        assert event.self_cpu_time_total == pytest.approx(event.cpu_time_total - children)
    assert outer.cpu_time_total >= inner.cpu_time_total + events["aten::exp"].cpu_time_total
    # every instant inside a top-level event is some event's self time, once
    top = sum(e.cpu_time_total for e in prof.events() if e.cpu_parent is None)
    assert prof.events().self_cpu_time_total == pytest.approx(top)
    average = {a.key: a for a in prof.key_averages()}
    assert average["outer"].self_cpu_time_total == pytest.approx(outer.self_cpu_time_total)


def test_record_function_as_a_decorator_and_outside_a_profile():
    @record_function("double")
    def double(v):
        return v * 2

    x = ag.ones(3)
    double(x)  # no profiler: nothing to record, no error
    with profile() as prof:
        double(double(x))
    assert _names(prof.events()) == {"double": 2, "aten::mul": 2}
    assert all(e.cpu_parent.name == "double" for e in prof.events() if e.name == "aten::mul")


def test_record_shapes_and_group_by_input_shape():
    a, b = ag.randn(2, 3), ag.randn(4, 5)
    with profile(record_shapes=True) as prof:
        a @ a.T
        b @ b.T
        b @ b.T
    grouped = {(e.key, str(e.input_shapes)): e.count for e in prof.key_averages(group_by_input_shape=True)
               if e.key == "aten::matmul"}
    assert grouped == {("aten::matmul", "[[2, 3], [3, 2]]"): 1, ("aten::matmul", "[[4, 5], [5, 4]]"): 2}
    assert [e.count for e in prof.key_averages() if e.key == "aten::matmul"] == [3]
    assert "Input Shapes" in prof.key_averages(group_by_input_shape=True).table()
    with profile() as plain:  # without record_shapes: no shapes, no column
        a @ a.T
    assert plain.events()[0].input_shapes == [] and "Input Shapes" not in plain.events().table()


def test_profile_memory_counts_the_bytes_of_results_and_gradients():
    x = ag.tensor(np.ones((5, 7)), requires_grad=True)  # float64: 280 bytes
    with profile(profile_memory=True) as prof:
        with record_function("block"):
            y = x.exp()
            z = y.reshape(35)  # a view: no new memory
        z.sum().backward()
    events = {e.name: e for e in prof.events()}
    assert events["aten::exp"].self_cpu_memory_usage == 280
    assert events["aten::reshape"].self_cpu_memory_usage == 0
    assert events["block"].self_cpu_memory_usage == 0 and events["block"].cpu_memory_usage == 280
    assert events["ExpBackward0"].self_cpu_memory_usage == 280  # the gradient it made for x
    assert events["SumBackward0"].self_cpu_memory_usage == 280  # for z (35 float64)
    assert events["ViewBackward0"].self_cpu_memory_usage == 0  # y's gradient is a view of z's
    with profile(profile_memory=True) as passed_on:
        (x + x.exp()).sum().backward()
    events = {e.name: e for e in passed_on.events()}
    assert events["AddBackward0"].self_cpu_memory_usage == 0  # x + y hands its gradient on to both, unchanged
    table = prof.key_averages().table(sort_by="self_cpu_memory_usage")
    assert "CPU Mem" in table and "Self CPU Mem" in table and "280 B" in table
    with profile() as without:
        x.exp()
    assert without.events()[0].self_cpu_memory_usage == 0 and "CPU Mem" not in without.events().table()


# ----------------------------------------------------------------------------------------------------
# The table


def _rows(table):
    lines = table.splitlines()
    separators = [i for i, line in enumerate(lines) if line.startswith("-")]
    return lines[separators[0] + 1], lines[separators[1] + 1:separators[2]], lines[separators[2] + 1:]


def _profile_with_counts():
    x = ag.randn(30, 30)
    with profile(profile_memory=True) as prof:
        for _ in range(3):
            x.exp()
        x @ x
        for _ in range(2):
            x.tanh()
    return prof


def test_table_has_pytorchs_columns_and_footer():
    header, rows, footer = _rows(_profile_with_counts().key_averages().table())
    assert [h.strip() for h in header.split("  ") if h.strip()] == [
        "Name", "Self CPU %", "Self CPU", "CPU total %", "CPU total", "CPU time avg", "CPU Mem", "Self CPU Mem",
        "# of Calls"]
    assert len(rows) == 3 and footer[0].startswith("Self CPU time total: ")
    assert all(row.split()[-1].isdigit() for row in rows)  # # of Calls
    percent = sum(float(row.split()[1].rstrip("%")) for row in rows)  # Self CPU % adds up to 100
    assert percent == pytest.approx(100.0, abs=0.05)


def test_table_sort_by_and_row_limit():
    averages = _profile_with_counts().key_averages()
    _, rows, _ = _rows(averages.table(sort_by="count"))
    assert [row.split()[0] for row in rows] == ["aten::exp", "aten::tanh", "aten::matmul"]
    _, rows, _ = _rows(averages.table(sort_by="count", row_limit=2))
    assert [row.split()[0] for row in rows] == ["aten::exp", "aten::tanh"]
    _, rows, _ = _rows(averages.table(sort_by="cpu_time_total", row_limit=-1))
    totals = [a.cpu_time_total for a in sorted(averages, key=lambda a: -a.cpu_time_total)]
    assert [row.split()[0] for row in rows] == [a.key for a in sorted(averages, key=lambda a: -a.cpu_time_total)]
    assert totals == sorted(totals, reverse=True)
    for key in ("self_cpu_time_total", "cpu_time", "cpu_memory_usage", "self_cpu_memory_usage",
                "self_cuda_time_total", "cuda_time_total"):  # the device keys sort by zeros, as PyTorch's CPU build
        assert "aten::exp" in averages.table(sort_by=key)


def test_unknown_sort_key_names_the_valid_ones():
    averages = _profile_with_counts().key_averages()
    with pytest.raises(UnknownSortKeyError, match="'cpu_tim'.*cpu_time_total.*self_cpu_memory_usage"):
        averages.table(sort_by="cpu_tim")
    with pytest.raises(AttributeError):  # PyTorch raises AttributeError
        averages.table(sort_by="bogus")


def test_times_and_memory_are_shown_in_pytorchs_units():
    assert [format_time(t) for t in (12.3456, 1234.5, 2.5e6)] == ["12.346us", "1.234ms", "2.500s"]
    assert [format_memory(n) for n in (512, 1536, 3 * 2 ** 20, -2048)] == ["512 B", "1.50 KB", "3.00 MB", "-2.00 KB"]
    table = _profile_with_counts().key_averages().table(time_unit="ms")
    assert "us" not in table.split("Self CPU time total")[0].split("# of Calls")[1]


# ----------------------------------------------------------------------------------------------------
# Chrome traces


def test_chrome_trace_is_json_with_complete_events(tmp_path):
    x = ag.randn(4, 4, requires_grad=True)
    with profile(record_shapes=True) as prof:
        with record_function("fwd"):
            y = (x @ x).sum()
        y.backward()
    path = tmp_path / "trace.json"
    prof.export_chrome_trace(str(path))
    trace = json.loads(path.read_text())
    complete = [e for e in trace["traceEvents"] if e["ph"] == "X"]
    assert [e["name"] for e in complete] == [e.name for e in prof.events()]
    for entry, event in zip(complete, prof.events()):
        assert entry["dur"] == pytest.approx(event.cpu_time_total, abs=1e-3) and entry["ts"] >= 0
        assert entry["pid"] == os.getpid() and entry["tid"] == threading.get_native_id()
    matmul = next(e for e in complete if e["name"] == "aten::matmul")
    assert matmul["args"]["Input Dims"] == [[4, 4], [4, 4]] and matmul["cat"] == "cpu_op"
    assert next(e for e in complete if e["name"] == "fwd")["cat"] == "user_annotation"


# ----------------------------------------------------------------------------------------------------
# Schedules


A = ProfilerAction
SCHEDULES = [dict(wait=1, warmup=1, active=2, repeat=1), dict(wait=1, warmup=1, active=2),
             dict(wait=0, warmup=2, active=1, repeat=2, skip_first=3), dict(wait=2, warmup=1, active=3, repeat=2),
             dict(wait=5, warmup=1, active=2, repeat=1, skip_first=2, skip_first_wait=1)]


def test_schedule_follows_pytorchs_documented_cycles():
    # wait=1, warmup=1, active=2, repeat=1: skip the first step, warm up on the second, record the third and
    # fourth (the trace is ready after it), then nothing.
    actions = [schedule(wait=1, warmup=1, active=2, repeat=1)(step) for step in range(7)]
    assert actions == [A.NONE, A.WARMUP, A.RECORD, A.RECORD_AND_SAVE, A.NONE, A.NONE, A.NONE]
    # the recipe's: skip 10, then (wait 5, warm up 1, record 3) twice
    recipe = schedule(skip_first=10, wait=5, warmup=1, active=3, repeat=2)
    recorded = [step for step in range(40) if recipe(step) in (A.RECORD, A.RECORD_AND_SAVE)]
    assert recorded == [16, 17, 18, 25, 26, 27]
    assert [step for step in range(40) if recipe(step) is A.RECORD_AND_SAVE] == [18, 27]


@pytest.mark.parametrize("bad", [dict(wait=-1), dict(warmup=-1), dict(active=0), dict(repeat=-2),
                                 dict(skip_first=-1)])
def test_schedule_with_negative_counts_is_refused(bad):
    arguments = {**dict(wait=1, warmup=1, active=1), **bad}
    with pytest.raises(ValueError, match="Invalid profiler schedule arguments"):
        schedule(**arguments)


@pytest.mark.parametrize("arguments", SCHEDULES)
def test_schedule_gives_torchs_actions(arguments):
    torch = pytest.importorskip("torch")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours, theirs = schedule(**arguments), torch.profiler.schedule(**arguments)
    assert [ours(step).name for step in range(30)] == [theirs(step).name for step in range(30)]


def _run_scheduled(lib, profile_class, record, arguments, steps=10):
    ready = []

    def on_trace_ready(prof):
        ready.append((prof.step_num, sorted(e.name for e in prof.events() if e.name.startswith("iter"))))

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with profile_class(schedule=lib.profiler.schedule(**arguments), on_trace_ready=on_trace_ready) as prof:
            for step in range(steps):
                with record(f"iter{step}"):
                    lib.ones(2).exp()
                prof.step()
    return ready


def test_profile_records_the_scheduled_steps_and_calls_on_trace_ready_after_each_cycle():
    ready = _run_scheduled(ag, profile, record_function, dict(wait=1, warmup=1, active=2, repeat=2))
    assert ready == [(4, ["iter2", "iter3"]), (8, ["iter6", "iter7"])]
    with profile(schedule=schedule(wait=0, warmup=1, active=2, repeat=1)) as prof:
        for _ in range(4):
            ag.ones(2).exp()
            prof.step()
    assert {e.name for e in prof.events()} >= {"ProfilerStep#1", "ProfilerStep#2"}
    assert [a.key for a in prof.key_averages()].count("ProfilerStep*") == 1


@pytest.mark.parametrize("arguments", SCHEDULES)
def test_scheduled_profile_records_the_steps_torch_records(arguments):
    torch = pytest.importorskip("torch")
    ours = _run_scheduled(ag, profile, record_function, arguments, steps=14)
    theirs = _run_scheduled(torch, torch.profiler.profile, torch.profiler.record_function, arguments, steps=14)
    assert ours == theirs


def test_tensorboard_trace_handler_writes_one_trace_per_cycle(tmp_path):
    folder = tmp_path / "log"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with profile(schedule=schedule(wait=1, warmup=0, active=1, repeat=3),
                     on_trace_ready=tensorboard_trace_handler(str(folder), worker_name="w0")) as prof:
            for _ in range(8):
                ag.ones(2).exp()
                prof.step()
    files = sorted(os.listdir(folder))
    assert len(files) == 3 and all(f.startswith("w0.") and f.endswith(".pt.trace.json") for f in files)
    for name in files:
        assert any(e["name"] == "aten::exp" for e in json.loads((folder / name).read_text())["traceEvents"])


def test_start_and_stop_without_with():
    prof = profile()
    prof.start()
    ag.ones(2).exp()
    prof.stop()
    ag.ones(2).exp()
    assert _names(prof.events()) == {"aten::exp": 1}


# ----------------------------------------------------------------------------------------------------
# A profile changes nothing


def _gradients(model):
    return [p.grad.copy() for p in model.parameters()]


def test_same_gradients_with_and_without_profiling():
    x = ag.randn(6, 3, dtype=ag.float32)
    t = ag.randn(6, 1, dtype=ag.float32)
    plain, profiled = _mlp(1), _mlp(1)
    loss = _step(plain, x, t)
    with profile(record_shapes=True, profile_memory=True):
        profiled_loss = _step(profiled, x, t)
    assert profiled_loss.item() == loss.item()
    for a, b in zip(_gradients(plain), _gradients(profiled)):
        assert a.dtype == b.dtype and np.array_equal(a, b)


def test_same_second_derivatives_with_and_without_profiling():
    def second(x):
        (g,) = ag.autograd.grad((x ** 3 * 2 + 1).sum(), [x], create_graph=True)
        (h,) = ag.autograd.grad(g.sum(), [x])
        return g.data, h

    x = ag.tensor([0.5, -1.5, 2.0], requires_grad=True)
    expected = second(x)
    with profile() as prof:
        got = second(x)
    for a, b in zip(expected, got):
        assert np.array_equal(np.asarray(a), np.asarray(b))
    assert _names(prof.events())["MulBackward0"] >= 1


def test_jvp_inside_a_profile_gives_the_same_tangent():
    from autograd_core.func import jvp

    def f(v):
        return (v * v).tanh().sum()

    x, t = ag.randn(3, 3), ag.ones(3, 3)
    expected = jvp(f, (x,), (t,))
    with profile() as prof:
        got = jvp(f, (x,), (t,))
    assert all(np.array_equal(a.data, b.data) for a, b in zip(expected, got))
    assert _names(prof.events())["aten::tanh"] == 1


def test_a_compiled_function_runs_eagerly_while_profiled_and_a_profile_inside_one_is_refused():
    x = ag.randn(3, 3)
    step = ag.compile(lambda a: (a * 2).tanh().sum())
    expected = [step(x).item() for _ in range(3)][-1]  # recorded, then replayed
    with profile() as prof:
        got = step(x).item()
    assert got == expected and _names(prof.events()) == {"aten::mul": 1, "aten::tanh": 1, "aten::sum": 1}

    def profiled(a):
        with profile():
            return (a * 3).sum()

    compiled = ag.compile(profiled)
    with pytest.warns(ag.CompileWarning, match="profiler"):
        for _ in range(3):
            assert compiled(x).item() == pytest.approx(float((x.data * 3).sum()))


def test_in_place_shape_methods_work_while_profiled():
    x = ag.ones(3)
    with profile():
        x.unsqueeze_(0)  # raises under a jvp or a compile recording, which follow Values; a profiler does not
    assert x.shape == (1, 3)


def test_nothing_is_recorded_after_the_profile_and_no_tracer_is_left():
    with profile() as prof:
        ag.ones(2).exp()
    assert TRACERS.get() == ()
    ag.ones(2).exp()
    (ag.ones(2, requires_grad=True) * 2).sum().backward()
    assert len(prof.events()) == 1
    with pytest.raises(KeyError):
        with profile() as failed:
            ag.ones(2).exp()
            raise KeyError("inside the block")
    assert TRACERS.get() == () and _names(failed.events()) == {"aten::exp": 1}


def test_other_threads_ops_are_not_recorded():
    x = ag.randn(3, 3)
    ready, done = threading.Event(), threading.Event()
    recorded = {}

    def profiled_thread():
        with profile() as prof:
            ready.set()
            done.wait(5)
            x.exp()
        recorded["events"] = _names(prof.events())

    thread = threading.Thread(target=profiled_thread)
    thread.start()
    ready.wait(5)
    for _ in range(5):
        x.tanh()  # this thread is not profiled
    done.set()
    thread.join()
    assert recorded["events"] == {"aten::exp": 1}
    with profile() as prof:
        other = threading.Thread(target=lambda: x.tanh())
        other.start()
        other.join()
        x.exp()
    assert _names(prof.events()) == {"aten::exp": 1}


# ----------------------------------------------------------------------------------------------------
# PyTorch's names and the recipe


def test_device_activities_warn_as_pytorchs_cpu_build_does():
    with pytest.warns(UserWarning, match="CUDA is not available, disabling CUDA profiling"):
        prof = profile(activities=[ProfilerActivity.CPU, ProfilerActivity.CUDA])
    with prof:
        ag.ones(2).exp()
    assert _names(prof.events()) == {"aten::exp": 1}
    with pytest.raises(ValueError, match="no valid profiler activities"):
        profile(activities=[])


def test_autograd_profiler_the_legacy_one():
    import autograd_core as torch

    x = torch.randn(4, 4, requires_grad=True)
    with torch.autograd.profiler.profile(record_shapes=True, profile_memory=True) as prof:
        with torch.autograd.profiler.record_function("block"):
            (x @ x).sum().backward()
    assert set(_names(prof.function_events)) == {"block", "aten::matmul", "aten::sum", "SumBackward0",
                                                 "MmBackward0"}
    assert prof.self_cpu_time_total == pytest.approx(prof.total_average().self_cpu_time_total)
    assert prof.total_average().count == 5
    assert "Self CPU time total" in prof.table(sort_by="self_cpu_time_total")
    assert "block" in str(prof) and "MmBackward0" in prof.key_averages().table()
    with torch.autograd.profiler.profile(enabled=False) as off:
        x.exp()
    assert TRACERS.get() == ()
    with pytest.raises(RuntimeError, match="no results"):
        off.key_averages()
    with pytest.warns(UserWarning, match="CUDA is not available"), pytest.warns(FutureWarning, match="use_cuda"):
        torch.autograd.profiler.profile(use_cuda=True)


def test_the_pytorch_profiler_recipe_runs(tmp_path, capsys):
    # PyTorch's "PyTorch Profiler" recipe, as written for a CPU, on an MLP instead of torchvision's ResNet.
    import autograd_core as torch
    from autograd_core.profiler import ProfilerActivity, profile, record_function

    model = torch.nn.Sequential(torch.nn.Linear(32, 64), torch.nn.ReLU(), torch.nn.Linear(64, 10))
    inputs = torch.randn(5, 32)

    with profile(activities=[ProfilerActivity.CPU], record_shapes=True) as prof:
        with record_function("model_inference"):
            model(inputs)
    print(prof.key_averages().table(sort_by="cpu_time_total", row_limit=10))
    print(prof.key_averages(group_by_input_shape=True).table(sort_by="cpu_time_total", row_limit=10))

    with profile(activities=[ProfilerActivity.CPU], profile_memory=True, record_shapes=True) as prof:
        model(inputs)
    print(prof.key_averages().table(sort_by="self_cpu_memory_usage", row_limit=10))
    print(prof.key_averages().table(sort_by="cpu_memory_usage", row_limit=10))

    activities, device = [ProfilerActivity.CPU], "cpu"
    with profile(activities=activities) as prof:
        model(inputs)
    prof.export_chrome_trace(str(tmp_path / "trace.json"))

    sort_by_keyword = "self_" + device + "_time_total"
    with profile(activities=activities, with_stack=True) as prof:
        model(inputs)
    print(prof.key_averages(group_by_stack_n=5).table(sort_by=sort_by_keyword, row_limit=2))

    from autograd_core.profiler import schedule

    my_schedule = schedule(skip_first=10, wait=5, warmup=1, active=3, repeat=2)
    assert my_schedule(16) is ProfilerAction.RECORD

    traces = []

    def trace_handler(p):
        output = p.key_averages().table(sort_by=sort_by_keyword, row_limit=10)
        print(output)
        p.export_chrome_trace(str(tmp_path / f"trace_{p.step_num}.json"))
        traces.append(p.step_num)

    with profile(activities=activities, schedule=torch.profiler.schedule(wait=1, warmup=1, active=2),
                 on_trace_ready=trace_handler) as p:
        for _idx in range(8):
            model(inputs)
            p.step()

    out = capsys.readouterr().out
    assert "model_inference" in out and "aten::linear" in out and "[[5, 32], [64, 32], [64]]" in out
    assert out.count("Self CPU time total:") == 7
    assert traces == [4, 8]
    assert json.loads((tmp_path / "trace_8.json").read_text())["traceEvents"]


def test_stop_from_another_thread_is_refused():
    prof = profile()
    prof.start()
    errors = []

    def stop_elsewhere():
        try:
            prof.stop()
        except RuntimeError as err:
            errors.append(err)

    thread = threading.Thread(target=stop_elsewhere)
    thread.start()
    thread.join()
    assert errors and "thread" in str(errors[0])
    prof.stop()
    assert TRACERS.get() == ()
