"""What a profile holds and how it is shown: `FunctionEvent` (one operation, backward node or `record_function` block),
`FunctionEventAvg` (the events of one name added up), `EventList` (PyTorch's list of either, with `table`,
`key_averages`, `total_average` and `export_chrome_trace`).

Times are kept in nanoseconds (`time.perf_counter_ns`) and shown in microseconds, as PyTorch's are: `cpu_time_total`
is an event's whole duration, `self_cpu_time_total` that minus the durations of the events inside it (its children,
found from the time intervals per thread, as PyTorch finds them). Memory is bytes: `self_cpu_memory_usage` what the
event itself allocated, `cpu_memory_usage` that plus its children's.

With the profile's with_stack, with_flops and with_modules, events also carry `stack` (the user's source lines,
innermost first), `flops` (PyTorch's formulas, see recording.py) and `module_hierarchy`; `key_averages` adds the flops
up and can group by the top N frames, `table` shows "Total FLOPs" and "Source Location", `export_stacks` writes a
flame-graph file.
"""

from __future__ import annotations

import json
import math
import os

from ..files import replace_file

_SPACING = 2  # between columns, as PyTorch's table
_COLUMN = 12  # the width of every numeric column, as PyTorch's


class _ZeroDeviceTimes:
    """The device columns' attributes, all zero: there is no accelerator here, but `sort_by="self_cuda_time_total"`
    (the PyTorch recipe's) must sort as PyTorch's CPU build does, by zeros."""

    self_device_time_total = device_time_total = device_time = 0.0
    self_cuda_time_total = cuda_time_total = cuda_time = 0.0
    self_xpu_time_total = xpu_time_total = xpu_time = 0.0
    device_memory_usage = self_device_memory_usage = 0
    cuda_memory_usage = self_cuda_memory_usage = xpu_memory_usage = self_xpu_memory_usage = 0


# The attributes `table(sort_by=...)` sorts by, largest first (PyTorch's EventList.table documents these).
SORT_KEYS = (
    "cpu_time", "cpu_time_total", "self_cpu_time_total", "cpu_memory_usage", "self_cpu_memory_usage", "count",
    "cuda_time", "cuda_time_total", "self_cuda_time_total", "cuda_memory_usage", "self_cuda_memory_usage",
    "device_time", "device_time_total", "self_device_time_total", "device_memory_usage", "self_device_memory_usage",
    "xpu_time", "xpu_time_total", "self_xpu_time_total", "xpu_memory_usage", "self_xpu_memory_usage", "flops",
)

# The metrics `export_stacks` writes (PyTorch's list; the device ones are zeros here).
STACK_METRICS = ("self_cpu_time_total", "self_cuda_time_total", "self_xpu_time_total", "self_privateuse1_time_total")

# RecordScope values, PyTorch's `FunctionEvent.scope`: an operation, a backward node, a record_function block.
SCOPE_FUNCTION, SCOPE_BACKWARD_FUNCTION, SCOPE_USER = 0, 1, 7


class UnknownSortKeyError(ValueError, AttributeError):
    """`table(sort_by=...)` with a key that is not an event attribute (an AttributeError too, as PyTorch raises)."""


class FunctionEvent(_ZeroDeviceTimes):
    """One recorded interval: an operation's forward (`aten::mm`), a backward node's rules (`MmBackward0`) or a
    `record_function` block, in thread `thread`, from `start_ns` to `end_ns` (`time.perf_counter_ns`).

    input_shapes: the shapes of the inputs (with record_shapes or with_flops; [] otherwise); own_memory: bytes the
    event itself allocated (with profile_memory); category: "cpu_op" or "user_annotation" (the Chrome trace's `cat`);
    scope: PyTorch's RecordScope (0 an operation, 1 a backward node, 7 a record_function block).
    stack (with_stack): where the user's code called it, as "file(line): function" strings, innermost first, frames
    of autograd_core itself left out; a backward node's is its forward operation's, as PyTorch's; [] otherwise.
    flops (with_flops): the floating-point operations PyTorch's formulas count for it (0 for the rest).
    module_hierarchy (with_modules): the modules it ran in, in PyTorch's form `TOP(Net)::forward.fc1(Linear)::forward.`
    (a backward node: its forward operation's modules); "" otherwise.
    `cpu_children` and `cpu_parent` are filled in when the profile ends."""

    __slots__ = ("id", "name", "start_ns", "end_ns", "thread", "input_shapes", "input_types", "own_memory",
                 "category", "cpu_children", "cpu_parent", "cpu_memory_usage", "scope", "stack", "flops",
                 "module_hierarchy")

    count = 1
    is_async = False
    node_id = -1

    def __init__(self, name, start_ns, end_ns, thread, input_shapes=(), input_types=(), own_memory=0,
                 category="cpu_op", scope=SCOPE_FUNCTION):
        self.id = 0
        self.name, self.start_ns, self.end_ns, self.thread = name, start_ns, end_ns, thread
        self.input_shapes, self.input_types = list(input_shapes), list(input_types)
        self.own_memory, self.category, self.scope = own_memory, category, scope
        self.cpu_children, self.cpu_parent, self.cpu_memory_usage = [], None, own_memory
        self.stack, self.flops, self.module_hierarchy = [], 0, ""

    key = property(lambda self: self.name, doc="The name events are grouped by.")

    @property
    def cpu_time_total(self):
        """The event's duration in microseconds."""
        return (self.end_ns - self.start_ns) / 1000.0

    cpu_time = cpu_time_total

    @property
    def self_cpu_time_total(self):
        """The duration minus the durations of the events directly inside it, in microseconds."""
        return self.cpu_time_total - sum(child.cpu_time_total for child in self.cpu_children)

    @property
    def self_cpu_memory_usage(self):
        return self.own_memory

    def __repr__(self):
        return (f"<FunctionEvent id={self.id} name={self.name} cpu_time={format_time(self.cpu_time_total)} "
                f"self_cpu_time={format_time(self.self_cpu_time_total)} thread={self.thread} "
                f"input_shapes={self.input_shapes} cpu_memory_usage={self.cpu_memory_usage}>")


class FunctionEventAvg(_ZeroDeviceTimes):
    """The events of one key (a name; and input shapes, or the top N stack frames, when grouped by them) added up:
    `count` calls, `cpu_time_total` and `self_cpu_time_total` (their sums, µs), `cpu_time` (the mean of
    cpu_time_total), the memory sums, `flops` (their sum). `stack`: the frames grouped by (key_averages'
    group_by_stack_n; [] otherwise)."""

    is_async = False
    node_id = -1

    def __init__(self, key=None, input_shapes=None):
        self.key, self.input_shapes = key, input_shapes
        self.count = 0
        self.cpu_time_total = self.self_cpu_time_total = 0.0
        self.cpu_memory_usage = self.self_cpu_memory_usage = 0
        self.flops = 0
        self.stack = []
        self.cpu_parent = None  # the first event's (for table(top_level_events_only=True), as PyTorch's)

    def add(self, event):
        """Add one event (or another average) into this one; returns self."""
        if not self.count:
            self.cpu_parent = getattr(event, "cpu_parent", None)
        self.count += event.count
        self.cpu_time_total += event.cpu_time_total
        self.self_cpu_time_total += event.self_cpu_time_total
        self.cpu_memory_usage += event.cpu_memory_usage
        self.self_cpu_memory_usage += event.self_cpu_memory_usage
        self.flops += event.flops
        return self

    __iadd__ = add

    @property
    def cpu_time(self):
        """The mean duration of one call, in microseconds."""
        return self.cpu_time_total / self.count if self.count else 0.0

    def __repr__(self):
        return (f"<FunctionEventAvg key={self.key} self_cpu_time={format_time(self.self_cpu_time_total)} "
                f"cpu_time={format_time(self.cpu_time)} input_shapes={self.input_shapes} "
                f"cpu_memory_usage={self.cpu_memory_usage}>")


class EventList(list):
    """A list of FunctionEvents or FunctionEventAvgs, as PyTorch's: `table()`, `key_averages()`, `total_average()`,
    `self_cpu_time_total`, `export_chrome_trace(path)` and `export_stacks(path)`; printing it prints its table.
    with_flops: the table shows the FLOPs column (the profile's with_flops); with_stack, with_modules: noted in the
    Chrome trace, as PyTorch notes them."""

    def __init__(self, events=(), profile_memory=False, base_ns=0, wall_base_ns=0, *, with_flops=False,
                 with_stack=False, with_modules=False):
        super().__init__(events)
        self.profile_memory, self.base_ns, self.wall_base_ns = profile_memory, base_ns, wall_base_ns
        self.with_flops, self.with_stack, self.with_modules = with_flops, with_stack, with_modules

    def _with(self, events):
        """Another EventList of `events` with this one's settings."""
        return EventList(events, self.profile_memory, self.base_ns, self.wall_base_ns, with_flops=self.with_flops,
                         with_stack=self.with_stack, with_modules=self.with_modules)

    @property
    def self_cpu_time_total(self):
        """The sum of the events' self times (µs): the time spent in recorded events, each instant counted once."""
        return sum(event.self_cpu_time_total for event in self)

    def key_averages(self, group_by_input_shapes=False, group_by_stack_n=0, group_by_overload_name=False):
        """An EventList with one FunctionEventAvg per event name (and per list of input shapes with
        group_by_input_shapes; per list of the stack's top `group_by_stack_n` frames with N > 0, which then are the
        average's `stack`), in the order the keys first occur. `ProfilerStep#N` events group as `ProfilerStep*`, as
        in PyTorch. Events without a stack (a profile without with_stack) group by name alone, as PyTorch's do."""
        averages = {}
        for event in self:
            name = "ProfilerStep*" if event.name.startswith("ProfilerStep#") else event.name
            key = (name, str(event.input_shapes)) if group_by_input_shapes else name
            if group_by_stack_n > 0:
                key = (key, *event.stack[:group_by_stack_n])
            average = averages.get(key)
            if average is None:
                average = averages[key] = FunctionEventAvg(name, event.input_shapes if group_by_input_shapes else [])
                if group_by_stack_n > 0:
                    average.stack = list(event.stack[:group_by_stack_n])
            average.add(event)
        return EventList(averages.values(), self.profile_memory, with_flops=self.with_flops)

    def total_average(self):
        """One FunctionEventAvg with key "Total": every event added up."""
        total = FunctionEventAvg("Total", [])
        for event in self:
            total.add(event)
        return total

    def table(self, sort_by=None, row_limit=100, max_src_column_width=75, max_name_column_width=55,
              max_shapes_column_width=80, header=None, top_level_events_only=False, time_unit=None):
        """PyTorch's table of these events: Name, Self CPU %, Self CPU, CPU total %, CPU total, CPU time avg, (with
        profile_memory) CPU Mem and Self CPU Mem, # of Calls, Input Shapes where any event has some, "Total FLOPs"
        (with_flops, where any event has some: scaled to KFLOPs, MFLOPs, ... by the smallest, "--" for none) and
        "Source Location" where any event has a stack (its first frame on the row, the others on lines below, each
        cut to max_src_column_width from the left); then "Self CPU time total". Percentages are of that total.

        sort_by: an attribute to sort by, largest first (SORT_KEYS, e.g. "cpu_time_total", "self_cpu_time_total",
        "count", "self_cpu_memory_usage", "flops"); None keeps the recorded order. row_limit: at most this many rows
        (-1: all). top_level_events_only: only events with no parent. time_unit: "s", "ms" or "us" for every time
        (else each time picks its own, as PyTorch's: 1.234ms, 56.789us)."""
        return build_table(self, sort_by=sort_by, row_limit=row_limit, max_src_column_width=max_src_column_width,
                           max_name_column_width=max_name_column_width,
                           max_shapes_column_width=max_shapes_column_width, header=header,
                           profile_memory=self.profile_memory, top_level_events_only=top_level_events_only,
                           time_unit=time_unit, with_flops=self.with_flops)

    def __str__(self):
        return self.table()

    def export_chrome_trace(self, path):
        """Write the events to `path` in the Chrome trace format (open it in chrome://tracing or Perfetto): a JSON
        object whose "traceEvents" holds one complete event (ph "X") per event, with ts and dur in microseconds,
        name, cat, pid, tid and args (the input shapes as "Input Dims", a stack as "Call stack": its frames joined
        by ";", innermost first; the modules as "Module Hierarchy"). Written to a temporary file in the same
        folder, then renamed over `path`: a failure leaves no partial file. FileNotFoundError if the folder is
        missing."""
        write_atomically(path, json.dumps(self._chrome_trace()))

    def export_stacks(self, path, metric="self_cpu_time_total"):
        """Write the events' stacks to `path` for flame graphs (Brendan Gregg's flamegraph.pl, speedscope), as
        PyTorch writes them: one line per event with a stack and a metric of at least 1 µs, its frames outermost
        first joined by ";" (spaces, ";", tabs and newlines inside a frame made "_"), a space, and the metric in
        whole microseconds. metric: one of STACK_METRICS ("self_cpu_time_total"; the device ones are zero here, so
        they write an empty file), else ValueError. Written atomically, as export_chrome_trace."""
        if metric not in STACK_METRICS:
            raise ValueError("metric should be one of: " + str(list(STACK_METRICS)))
        attribute = metric.replace("cuda", "device").replace("xpu", "device").replace("privateuse1", "device")
        unsafe = str.maketrans(" ;\t\n", "____")
        lines = []
        for event in self:
            value = int(getattr(event, attribute)) if event.stack else 0
            if value > 0:
                lines.append(";".join(frame.translate(unsafe) for frame in reversed(event.stack)) + f" {value}\n")
        write_atomically(path, "".join(lines), "export_stacks")

    def _chrome_trace(self):
        pid = os.getpid()
        threads = sorted({event.thread for event in self})
        trace = [{"ph": "M", "name": "process_name", "pid": pid, "tid": 0, "ts": 0, "args": {"name": "python"}}]
        trace += [{"ph": "M", "name": "thread_name", "pid": pid, "tid": tid, "ts": 0,
                   "args": {"name": f"thread {tid} (python)"}} for tid in threads]
        for index, event in enumerate(self):
            args = {"Ev Idx": index}
            if event.input_shapes:
                args["Input Dims"] = event.input_shapes
                args["Input type"] = event.input_types
            if event.stack:
                args["Call stack"] = ";".join(event.stack)
            if event.module_hierarchy:
                args["Module Hierarchy"] = event.module_hierarchy
            trace.append({"ph": "X", "cat": event.category, "name": event.name, "pid": pid, "tid": event.thread,
                          "ts": round((event.start_ns - self.base_ns) / 1000.0, 3),
                          "dur": round((event.end_ns - event.start_ns) / 1000.0, 3), "args": args})
        document = {"schemaVersion": 1}
        for flag in ("with_stack", "with_flops", "with_modules"):  # PyTorch's metadata: present when on
            if getattr(self, flag):
                document[flag] = 1
        document.update({"displayTimeUnit": "ms", "baseTimeNanoseconds": self.wall_base_ns,
                         "profile_memory": int(self.profile_memory), "traceEvents": trace, "traceName": ""})
        return document


def write_atomically(path, content, who="export_chrome_trace"):
    """Write `content` (text, or bytes) to `path` whole (`autograd_core.files.replace_file`: a temporary file in the
    same folder renamed over it), so that readers (and a failure half way) never see a partial file.
    FileNotFoundError names a folder that does not exist (and `who` was asked to write there)."""
    data = content if isinstance(content, bytes) else content.encode("utf-8")
    replace_file(path, lambda file: file.write(data), who=who)


def build_tree(events):
    """Link each event to the events directly inside it (`cpu_children`, `cpu_parent`), per thread, by their time
    intervals as PyTorch does (an interval that only overlaps another is no child of it), and add the children's
    memory into each event's `cpu_memory_usage`. Returns the events sorted by start time."""
    ordered = sorted(events, key=lambda event: (event.start_ns, -event.end_ns))
    open_by_thread = {}
    for event in ordered:
        stack = open_by_thread.setdefault(event.thread, [])
        while stack and (event.start_ns >= stack[-1].end_ns or event.end_ns > stack[-1].end_ns):
            stack.pop()
        if stack:
            event.cpu_parent = stack[-1]
            stack[-1].cpu_children.append(event)
        stack.append(event)
    for event in reversed(ordered):  # children start later than their parents: each is complete before its parent
        event.cpu_memory_usage = event.own_memory + sum(child.cpu_memory_usage for child in event.cpu_children)
    for number, event in enumerate(ordered, 1):
        event.id = number
    return ordered


def format_time(time_us):
    """A duration in microseconds as PyTorch's tables show it: 12.345us, 1.234ms or 1.234s."""
    if time_us >= 1e6:
        return f"{time_us / 1e6:.3f}s"
    if time_us >= 1e3:
        return f"{time_us / 1e3:.3f}ms"
    return f"{time_us:.3f}us"


def _format_time_in(time_us, unit):
    if unit is None:
        return format_time(time_us)
    return f"{time_us / {'s': 1e6, 'ms': 1e3, 'us': 1.0}[unit]:.3f}{unit}"


def format_memory(nbytes):
    """A number of bytes as PyTorch's tables show it: 512 B, 1.50 KB, 2.00 MB, 1.00 GB."""
    for unit, size in (("GB", 1024 ** 3), ("MB", 1024 ** 2), ("KB", 1024)):
        if abs(nbytes) >= size:
            return f"{nbytes / size:.2f} {unit}"
    return f"{nbytes} B"


def _share(part, total):
    if total == 0:
        return "NaN"
    return f"{part * 100.0 / total:.2f}%"


_FLOP_UNITS = ("FLOPs", "KFLOPs", "MFLOPs", "GFLOPs", "TFLOPs", "PFLOPs")


def _flops_scale(smallest):
    """PyTorch's FLOPs column: the unit of the smallest nonzero count (FLOPs below 1000, KFLOPs below 10⁶, ...) and
    the factor that converts counts to it."""
    power = min(math.floor(math.log10(smallest) / 3), len(_FLOP_UNITS) - 1) if smallest >= 1 else 0
    return 10.0 ** (-3 * power), _FLOP_UNITS[power]


def _cut_path(text, width):
    """A frame cut to `width` from the left, as PyTorch's Source Location column: '...' + its last characters."""
    if len(text) > width:
        text = text[len(text) - width:]
        if len(text) > 3:
            text = "..." + text[3:]
    return text


def build_table(events, sort_by=None, row_limit=100, max_name_column_width=55, max_shapes_column_width=80,
                header=None, profile_memory=False, top_level_events_only=False, time_unit=None, with_flops=False,
                max_src_column_width=75):
    """The text of `EventList.table` (see there)."""
    if not events:
        return ""
    if time_unit not in (None, "s", "ms", "us"):
        raise ValueError(f"table: time_unit must be 's', 'ms' or 'us', not {time_unit!r}")
    if sort_by is not None:
        if sort_by not in SORT_KEYS:
            raise UnknownSortKeyError(f"table: unknown sort_by key {sort_by!r}; valid keys: {', '.join(SORT_KEYS)}")
        events = sorted(events, key=lambda event: getattr(event, sort_by), reverse=True)
    has_shapes = any(event.input_shapes for event in events)
    name_width = len(max((event.key for event in events), key=len)) + 4
    if max_name_column_width is not None:
        name_width = min(name_width, max_name_column_width)
    headers = ["Name", "Self CPU %", "Self CPU", "CPU total %", "CPU total", "CPU time avg"]
    if profile_memory:
        headers += ["CPU Mem", "Self CPU Mem"]
    headers.append("# of Calls")
    widths = [name_width] + [_COLUMN] * (len(headers) - 1)
    if has_shapes:
        shapes_width = len(max((str(event.input_shapes) for event in events), key=len)) + 4
        if max_shapes_column_width is not None:
            shapes_width = min(shapes_width, max_shapes_column_width)
        headers.append("Input Shapes")
        widths.append(shapes_width)
    counts = [event.flops for event in events if event.flops > 0] if with_flops else ()
    if counts:
        flops_scale, flops_unit = _flops_scale(min(counts))
        headers.append(f"Total {flops_unit}")
        widths.append(_COLUMN)
    stacks = [event.stack for event in events if event.stack]
    if stacks:
        # After the FLOPs column: PyTorch's header puts it before, but its rows (and the lines of further frames,
        # which go in the last column) put the frames last.
        source_width = max(len(frame) for stack in stacks for frame in stack) + 4
        if max_src_column_width is not None:
            source_width = min(source_width, max_src_column_width)
        headers.append("Source Location")
        widths.append(source_width)
    aligns = [">"] * (len(widths) - 1) + ["<" if stacks else ">"]
    row_format = "".join("{:" + align + str(width) + "}" + " " * _SPACING for align, width in zip(aligns, widths))
    separator = "".join("-" * width + " " * _SPACING for width in widths)
    line_length = sum(widths) + _SPACING * (len(widths) - 1)

    total_self = sum(event.self_cpu_time_total for event in events)  # every event's, shown or not: PyTorch's base
    lines = []
    if header is not None:
        lines += ["=" * line_length, header]
    if top_level_events_only:
        lines += ["=" * line_length, "This report only display top-level ops statistics"]
    lines += [separator, row_format.format(*headers), separator]
    shown = 0
    for event in events:
        if shown == row_limit:
            break
        if top_level_events_only and getattr(event, "cpu_parent", None) is not None:
            continue
        shown += 1
        name = event.key
        if max_name_column_width is not None and len(name) >= max_name_column_width - 3:
            name = name[:max_name_column_width - 3] + "..."
        row = [name, _share(event.self_cpu_time_total, total_self), _format_time_in(event.self_cpu_time_total,
               time_unit), _share(event.cpu_time_total, total_self), _format_time_in(event.cpu_time_total, time_unit),
               _format_time_in(event.cpu_time, time_unit)]
        if profile_memory:
            row += [format_memory(event.cpu_memory_usage), format_memory(event.self_cpu_memory_usage)]
        row.append(event.count)
        if has_shapes:
            row.append(str(event.input_shapes)[:shapes_width])
        if counts:
            row.append(f"{event.flops * flops_scale:8.3f}" if event.flops > 0 else "--")
        if stacks:
            row.append(_cut_path(event.stack[0], source_width) if event.stack else "")
        lines.append(row_format.format(*row))
        if stacks:  # the further frames below, one a line, in the last column; then an empty line, as PyTorch's
            blank = [""] * (len(widths) - 1)
            lines += [row_format.format(*blank, _cut_path(frame, source_width)) for frame in event.stack[1:]]
            lines.append(row_format.format(*blank, ""))
    lines += [separator, f"Self CPU time total: {_format_time_in(total_self, time_unit)}"]
    return "\n".join(lines) + "\n"
