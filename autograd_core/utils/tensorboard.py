"""`SummaryWriter`: PyTorch's `torch.utils.tensorboard`, writing TensorBoard's event files itself.

    from autograd_core.utils.tensorboard import SummaryWriter
    writer = SummaryWriter(log_dir="runs/exp1")            # default: runs/<date>_<time>_<host><comment>
    writer.add_scalar("Loss/train", loss.item(), step)     # then: tensorboard --logdir runs
    writer.add_graph(model, images)                        # the Graphs tab: the model's operations, module by module
    writer.close()

An event file is what TensorBoard reads: TFRecord records (a length, a masked CRC-32C of it, the bytes, a masked CRC-32C
of them), each an `Event` protocol buffer (wall time, step, and a summary of tagged values, or a graph), the first one
naming the file's version. The few messages written here are encoded by hand (`_Proto`), images as PNG files by
`png`, so no TensorBoard, TensorFlow, protobuf or imaging package is needed to write them; viewing them needs
TensorBoard. Here: `add_scalar`, `add_scalars` (each value in a subfolder of its own, `<log_dir>/<main_tag>_<tag>`, as
PyTorch does), `add_histogram`, `add_histogram_raw`, `add_text`, `add_image`, `add_images`, `add_figure` (matplotlib),
`add_image_with_boxes` (drawn with Pillow, as PyTorch's), `add_video` (an animated GIF, written by `gif`), `add_audio`
(a WAV file), `add_pr_curve`, `add_pr_curve_raw`, `add_embedding` (the Projector's files), `add_mesh`, `add_hparams` (a
subfolder per run, for the HParams tab), `add_tensor`, `add_custom_scalars` (and its multiline and margin shorthands),
`add_graph` (from the graph one call of the model records) and `purge_step`. Their output was compared with that of
PyTorch's SummaryWriter when this was written: the same bytes for scalars, text, histograms, audio, PR curves, meshes,
tensors, custom layouts, hyper-parameters (but for the order of the start record's map, which protobuf leaves open) and
the Projector's files, the same pixels for images and images with boxes, the same frames laid out for videos (PyTorch
encodes its GIF with moviepy). Where it differs, on purpose: `add_graph`'s nodes are ours (PyTorch traces
TorchScript), named by module as PyTorch names them; `add_hparams` writes a bool as a bool (PyTorch's as 1.0 or 0.0);
`add_tensor` writes float16 values' own 16 bits, which TensorBoard reads (PyTorch's are float32 bits). PyTorch's
`add_onnx_graph` raises NotImplementedError.

Records are written when `flush()` or `close()` is called, every `max_queue` records, by a background thread once a
record has waited `flush_secs` seconds, and whatever is still waiting when the writer is closed or collected, or when
the interpreter exits; each write appends whole records.
"""

from __future__ import annotations

import atexit
import datetime
import io
import itertools
import json
import os
import socket
import struct
import threading
import time
import warnings
import wave
import weakref
import zlib

import numpy as np

from ..files import replace_file
from ..ops import data_of
from ..value import Value

__all__ = ["SummaryWriter"]


def _crc32c_table():
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1  # the Castagnoli polynomial, reflected
        table.append(crc)
    return table


_CRC32C = _crc32c_table()


def crc32c(data):
    """CRC-32C (Castagnoli) of `data` (bytes), as TFRecord frames its records with."""
    crc = 0xFFFFFFFF
    table = _CRC32C
    for byte in data:
        crc = table[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def _masked_crc(data):
    crc = crc32c(data)
    return ((((crc >> 15) | (crc << 17)) & 0xFFFFFFFF) + 0xA282EAD8) & 0xFFFFFFFF


def tfrecord(data):
    """`data` framed as one TFRecord: length (uint64), masked CRC of the length, data, masked CRC of the data."""
    length = struct.pack("<Q", len(data))
    return length + struct.pack("<I", _masked_crc(length)) + data + struct.pack("<I", _masked_crc(data))


class _Proto:
    """A protocol-buffer message being encoded: fields appended in the order given (field number, value). As proto3
    writes them, a number equal to 0 (a +0.0 float) and an empty string are left out: they read back as the default."""

    def __init__(self):
        self.out = bytearray()

    def _key(self, field, wire_type):
        self._varint(field << 3 | wire_type)

    def _varint(self, n):
        n &= 0xFFFFFFFFFFFFFFFF  # negative int64s as their two's complement, as protobuf does
        while n >= 0x80:
            self.out.append(n & 0x7F | 0x80)
            n >>= 7
        self.out.append(n)

    def varint(self, field, n, present=False):
        """present: written even when 0 (a field of a oneof has presence, as `float` below)."""
        if n or present:
            self._key(field, 0)
            self._varint(n)
        return self

    def double(self, field, x, present=False):
        packed = struct.pack("<d", x)
        if present or packed != bytes(8):
            self._key(field, 1)
            self.out += packed
        return self

    def float(self, field, x, present=False):
        """present: written even when 0 (a field of a oneof, such as Summary.Value's simple_value, has presence)."""
        packed = struct.pack("<f", x)
        if present or packed != bytes(4):
            self._key(field, 5)
            self.out += packed
        return self

    def bytes(self, field, data):
        """A string, bytes, or an embedded message (a _Proto: written even when empty, as a message is present)."""
        if isinstance(data, _Proto):
            data = bytes(data.out)
        else:
            data = data.encode("utf-8") if isinstance(data, str) else data
            if not data:
                return self
        self._key(field, 2)
        self._varint(len(data))
        self.out += data
        return self

    def packed(self, field, numbers, kind):
        """A repeated number field, packed as proto3 writes it: `kind` "varint" (ints, bools; negative ones as 64-bit
        two's complement), or a struct format ("<f", "<d") for fixed-size floats. Nothing when empty."""
        if len(numbers) == 0:
            return self
        if kind == "varint":
            payload = _Proto()
            for n in numbers:
                payload._varint(int(n))
            data = payload.out
        else:
            data = np.asarray(numbers, dtype=kind).tobytes()
        return self.bytes(field, bytes(data))


# Field numbers of the messages written (tensorflow/core/util/event.proto, framework/summary.proto, tensor.proto).
_EVENT_WALL_TIME, _EVENT_STEP, _EVENT_FILE_VERSION, _EVENT_GRAPH, _EVENT_SUMMARY = 1, 2, 3, 4, 5
_EVENT_SESSION_LOG = 7
_SESSION_START = 1
_VALUE_TAG, _VALUE_SIMPLE, _VALUE_IMAGE, _VALUE_HISTOGRAM, _VALUE_AUDIO = 1, 2, 4, 5, 6
_VALUE_TENSOR, _VALUE_METADATA = 8, 9
_DT_FLOAT, _DT_STRING = 1, 7


def _event(wall_time, step=None, values=(), file_version=None, graph=None, session_start=False):
    """An Event: its wall time, step, and one of a file version, a graph, the `values` (Summary.Value messages) of a
    summary, or a SessionLog marking a (re)start."""
    event = _Proto().double(_EVENT_WALL_TIME, wall_time).varint(_EVENT_STEP, step or 0)  # (no step: step 0)
    if file_version is not None:
        event.bytes(_EVENT_FILE_VERSION, file_version)
    if graph is not None:
        event.bytes(_EVENT_GRAPH, graph)
    if values:
        summary = _Proto()
        for value in values:
            summary.bytes(1, value)  # Summary{value: [...]}
        event.bytes(_EVENT_SUMMARY, summary)
    if session_start:
        event.bytes(_EVENT_SESSION_LOG, _Proto().varint(1, _SESSION_START))  # SessionLog{status: START}
    return bytes(event.out)


def _number(value, what):
    """A Python float from a number, a 0-d or one-element array or Value (`loss.item()` or `loss` itself)."""
    array = np.asarray(data_of(value))
    if array.size != 1 or array.dtype.kind not in "biuf":
        raise ValueError(f"SummaryWriter.{what}: expected one real number, got {type(value).__name__} of shape "
                         f"{array.shape} and dtype {array.dtype}")
    return float(array.reshape(()))


def _step(global_step, what):
    if global_step is None:
        return None
    number = _number(global_step, what)
    step = int(number)
    if step != number:
        raise ValueError(f"SummaryWriter.{what}: global_step must be a whole number, got {global_step!r}")
    return step


def _tensorflow_bins():
    """TensorBoard's default histogram edges: ±1e-12 growing by ×1.1 past ±1e20, and 0."""
    positive = []
    edge = 1e-12
    while edge < 1e20:
        positive.append(edge)
        edge *= 1.1
    return [-e for e in reversed(positive)] + [0] + positive


_TENSORFLOW_BINS = _tensorflow_bins()


def _merged(counts, edges, group):
    """Every `group` neighbouring buckets as one (the last group padded with empty ones): fewer, wider buckets."""
    padding = -len(counts) % group
    counts = np.concatenate([counts, np.zeros(padding, counts.dtype)]).reshape(-1, group).sum(axis=1)
    return counts, np.append(edges[:-1:group], edges[-1])


def _trimmed(counts, edges):
    """The buckets from the first to the last that count a value, each as (right edge, count), with the empty bucket
    left of the first kept (or added) so that the leftmost edge shows: what TensorBoard's histograms hold."""
    used = np.flatnonzero(counts)
    first, last = used[0], used[-1]
    kept = counts[first - 1:last + 1] if first > 0 else np.concatenate([[0], counts[:last + 1]])
    return edges[first:last + 2], kept


def _array(values, what):
    array = np.asarray(data_of(values))
    if array.dtype.kind not in "biuf":
        raise ValueError(f"SummaryWriter.{what}: expected real numbers, got dtype {array.dtype}")
    return array


def _as_hwc(array, dataformats, what):
    """An image array laid out as `dataformats` (letters N, C, H, W) as (height, width, 3 or 4 channels): one
    channel repeated three times, a batch tiled (`_tiled`)."""
    layout = str(dataformats).upper()
    if sorted(layout) not in (sorted("NCHW"), sorted("CHW"), sorted("HWC"), sorted("HW")) or \
            array.ndim != len(layout):
        raise ValueError(f"SummaryWriter.{what}: an image of shape {array.shape} does not match dataformats "
                         f"{dataformats!r} (one of the orders of NCHW, CHW, HW)")
    if "N" in layout:
        return _tiled(array.transpose([layout.index(c) for c in "NCHW"])).transpose(1, 2, 0)
    if "C" not in layout:
        return np.repeat(array.transpose([layout.index(c) for c in "HW"])[:, :, None], 3, axis=2)
    hwc = array.transpose([layout.index(c) for c in "HWC"])
    if hwc.shape[2] == 1:
        hwc = np.repeat(hwc, 3, axis=2)
    if hwc.shape[2] not in (3, 4):
        raise ValueError(f"SummaryWriter.{what}: an image needs 1, 3 or 4 channels, got {hwc.shape[2]}")
    return hwc


def _pixels(image):
    """Image values as uint8 pixels, as PyTorch converts them: uint8 as they are, other dtypes taken as 0..1 (scaled by
    255), clipped to 0..255."""
    scale = 1 if image.dtype == np.uint8 else 255  # PyTorch's rule: the dtype tells the range
    return (image.astype(np.float32) * scale).clip(0, 255).astype(np.uint8)


def _write_text(path, text):
    """`text` to `path`, replacing it whole (`autograd_core.files.replace_file`)."""
    data = text.encode("utf-8")
    replace_file(path, lambda file: file.write(data), who="SummaryWriter.add_embedding")


def _tiled(nchw, per_row=8):
    """A batch (N, 1 or 3, H, W) as one (3, rows·H, min(N, 8)·W) picture, image i at row i // 8, column i % 8."""
    if nchw.shape[1] == 1:
        nchw = np.repeat(nchw, 3, axis=1)
    if nchw.shape[1] != 3:
        raise ValueError(f"SummaryWriter.add_images: images need 1 or 3 channels, got {nchw.shape[1]}")
    n, _, height, width = nchw.shape
    columns = min(n, per_row)
    rows = -(-n // columns)
    canvas = np.zeros((3, rows * height, columns * width), dtype=nchw.dtype)
    for i, image in enumerate(nchw):
        row, column = divmod(i, columns)
        canvas[:, row * height:(row + 1) * height, column * width:(column + 1) * width] = image
    return canvas


def png(pixels):
    """A PNG file of `pixels`, a (height, width, 3 or 4) uint8 array (RGB or RGBA, 8 bits a channel)."""
    height, width, channels = pixels.shape
    rows = np.concatenate([np.zeros((height, 1), np.uint8), pixels.reshape(height, width * channels)], axis=1)

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2 if channels == 3 else 6, 0, 0, 0)  # RGB or RGBA
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows.tobytes()))
            + chunk(b"IEND", b""))  # (each row after its filter byte, 0: none)


def _video_frames(video):
    """A video (N, T, C, H, W) as PyTorch lays it out for TensorBoard: (T, rows·H, columns·W, 3) uint8 frames, the N
    clips side by side in a grid (N padded with black clips to a power of 2; rows 2**((bit_length(N) - 1) // 2)),
    values scaled as images' (`_pixels`), one channel repeated three times (a fourth, alpha, dropped)."""
    if video.ndim != 5:
        raise ValueError(f"SummaryWriter.add_video: expected a video of shape (N, T, C, H, W), got {video.shape}")
    n, t, c, h, w = video.shape
    if c not in (1, 3, 4):
        raise ValueError(f"SummaryWriter.add_video: frames need 1, 3 or 4 channels, got {c}")
    if video.size == 0:
        raise ValueError(f"SummaryWriter.add_video: the video is empty (shape {video.shape})")
    frames = _pixels(video)
    padded = 1 << (n - 1).bit_length()
    frames = np.concatenate([frames, np.zeros((padded - n, t, c, h, w), np.uint8)])
    rows = 2 ** ((n.bit_length() - 1) // 2)
    grid = frames.reshape(rows, padded // rows, t, c, h, w).transpose(2, 0, 4, 1, 5, 3)
    grid = grid.reshape(t, rows * h, padded // rows * w, c)
    return np.repeat(grid, 3, axis=3) if c == 1 else grid[..., :3]


def _lzw(indices, code_size):
    """GIF's variable-length LZW codes of `indices` (palette entries below 2**code_size), packed LSB first."""
    clear, end = 1 << code_size, (1 << code_size) + 1
    out, buffer, filled = bytearray(), 0, 0
    width, next_code, table = code_size + 1, end + 1, {}

    def emit(code):
        nonlocal buffer, filled
        buffer |= code << filled
        filled += width
        while filled >= 8:
            out.append(buffer & 0xFF)
            buffer >>= 8
            filled -= 8

    emit(clear)
    prefix = int(indices[0])
    for index in indices[1:].tolist():
        key = prefix << 8 | index
        code = table.get(key)
        if code is not None:
            prefix = code
            continue
        emit(prefix)
        if next_code < 4096:
            table[key] = next_code
            next_code += 1
            if next_code > 1 << width:  # (the decoder, one entry behind, widens when it reaches 2**width)
                width += 1
        else:  # the table is full: start a new one
            emit(clear)
            width, next_code, table = code_size + 1, end + 1, {}
        prefix = index
    emit(prefix)
    emit(end)
    if filled:
        out.append(buffer & 0xFF)
    return bytes(out)


def gif(frames, fps):
    """An animated GIF, looping, of `frames` ((T, H, W, 3) uint8), each shown 1/fps seconds (in hundredths). The
    palette holds the frames' own colours when there are 256 or fewer, else a 6×7×6 colour cube (each channel
    rounded to its nearest level)."""
    t, height, width, _ = frames.shape
    colours, indices = np.unique(frames.reshape(-1, 3), axis=0, return_inverse=True)
    if len(colours) > 256:
        levels = np.array([6, 7, 6])
        steps = np.rint(frames.reshape(-1, 3) / 255.0 * (levels - 1)).astype(np.int64)
        indices = (steps[:, 0] * levels[1] + steps[:, 1]) * levels[2] + steps[:, 2]
        cube = np.stack(np.meshgrid(*(np.arange(n) for n in levels), indexing="ij"), axis=-1).reshape(-1, 3)
        colours = np.rint(cube / (levels - 1) * 255).astype(np.uint8)
    bits = max(2, (len(colours) - 1).bit_length())
    palette = np.zeros((1 << bits, 3), np.uint8)
    palette[:len(colours)] = colours
    out = bytearray(b"GIF89a" + struct.pack("<HHBBB", width, height, 0x80 | (bits - 1) << 4 | (bits - 1), 0, 0))
    out += palette.tobytes() + b"\x21\xff\x0bNETSCAPE2.0\x03\x01\x00\x00\x00"  # the global palette; loop forever
    delay = max(1, round(100 / fps))
    for frame in indices.reshape(t, -1):
        out += b"\x21\xf9\x04\x00" + struct.pack("<H", delay) + b"\x00\x00"  # graphic control: the frame's delay
        out += b"\x2c" + struct.pack("<HHHHB", 0, 0, width, height, 0) + bytes([bits])
        data = _lzw(frame, bits)
        for at in range(0, len(data), 255):  # in sub-blocks of at most 255 bytes
            out += bytes([len(data[at:at + 255])]) + data[at:at + 255]
        out += b"\x00"
    return bytes(out + b"\x3b")


def _figure_pixels(figure, close):
    """A matplotlib figure drawn into an (height, width, 3) uint8 array (matplotlib's Agg canvas)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    width, height = canvas.get_width_height()
    pixels = np.asarray(canvas.buffer_rgba()).reshape(height, width, 4)[:, :, :3].copy()
    if close:
        import matplotlib.pyplot as plt

        plt.close(figure)
    return pixels


def _outputs(outputs):
    """The Values among a model's outputs: one, or a tuple, list or dict of them (nested)."""
    if isinstance(outputs, Value):
        return [outputs]
    items = outputs.values() if isinstance(outputs, dict) else outputs if isinstance(outputs, (tuple, list)) else ()
    return [v for item in items for v in _outputs(item)]


def _shape(shape):
    dims = _Proto()
    for size in shape:
        dims.bytes(2, _Proto().varint(1, int(size)))  # TensorShapeProto{dim: [Dim{size}]}
    return dims


def _graph_nodes(outputs, names):
    """(name, op, parent names, shape) for every Value behind `outputs`, parents first, then one IO node per output.
    An operation's name is its scopes' path (`Net/Linear[fc1]`) and its op with a number; a leaf's comes from `names`
    (id -> name: the model's inputs, `input/...`, and parameters, `parameter/<name>`), a parameter's placed in the
    path of the first operation that reads it (`Net/Linear[fc1]/weight`: TensorBoard folds it into the module's
    box), or is `constant/constant.<k>`."""
    found, stack = {}, list(outputs)
    while stack:
        v = stack.pop()
        if id(v) not in found:
            found[id(v)] = v
            stack.extend(v.parents)
    order = sorted(found.values(), key=lambda v: v.creation_index)
    named, ops, counts, taken = {}, {}, {"constant": 0}, set()
    for v in order:  # the operations first: their names, and where the parameters they read go
        if not v.parents:
            continue
        scope = v.scope
        path = "/".join(s.kind if s.name in (None, s.kind) else f"{s.kind}[{s.name}]"
                        for s in (scope.path() if scope is not None else ()))
        op = ops[id(v)] = v.op if v.op.isidentifier() else (v.primitive.title or v.op)
        counts[op] = counts.get(op, 0) + 1
        named[id(v)] = f"{path}/{op}.{counts[op]}" if path else f"{op}.{counts[op]}"
        for p in v.parents:
            name = names.get(id(p), "")
            if name.startswith("parameter/") and id(p) not in named and path:
                short = f"{path}/{name.rpartition('.')[2]}"
                named[id(p)] = short if short not in taken else f"{path}/{name[len('parameter/'):]}"
                taken.add(named[id(p)])
    nodes = []
    for v in order:
        if v.parents:
            op = ops[id(v)]
        else:  # a leaf: an input, a parameter or a constant
            if id(v) not in named:
                if id(v) in names:
                    named[id(v)] = names[id(v)]
                else:
                    counts["constant"] += 1
                    named[id(v)] = f"constant/constant.{counts['constant']}"
            op = "IO Node" if named[id(v)].startswith("input/") else "prim::GetAttr" if id(v) in names else \
                "prim::Constant"
        nodes.append((named[id(v)], op, [named[id(p)] for p in v.parents], v.shape))
    for k, out in enumerate(outputs):
        nodes.append((f"output/output.{k}", "IO Node", [named[id(out)]], out.shape))
    return nodes


def _image_value(tag, height, width, channels, encoded):
    """A Summary.Value holding an encoded image (PNG or GIF): Summary.Image{height, width, colorspace,
    encoded_image_string}."""
    image = _Proto().varint(1, height).varint(2, width).varint(3, channels).bytes(4, encoded)
    return _Proto().bytes(_VALUE_TAG, str(tag)).bytes(_VALUE_IMAGE, image)


def _plugin_metadata(name, content=b""):
    """SummaryMetadata{plugin_data{plugin_name, content}}: which TensorBoard plugin reads a value."""
    return _Proto().bytes(1, _Proto().bytes(1, name).bytes(2, content))


# The hyper-parameters plugin's messages (tensorboard/plugins/hparams/api.proto, plugin_data.proto) and
# google.protobuf.Value's fields: a value's kind is the field it is written in.
_HP_EXPERIMENT, _HP_SESSION_START, _HP_SESSION_END = 2, 3, 4
_HP_TYPES = {"number": (2, 3), "string": (3, 1), "bool": (4, 2)}  # kind -> (Value's field, HParamInfo's DataType)
_HP_STATUS_SUCCESS = 1


def _hparam_kind(value, name):
    """The kind of a hyper-parameter's value and the value as written: a bool, a string, or a number (int, float,
    or a one-element array or Value)."""
    if isinstance(value, (bool, np.bool_)):
        return "bool", bool(value)
    if isinstance(value, str):
        return "string", value
    if isinstance(value, (int, float, np.number, np.ndarray, Value)):
        return "number", _number(value, f"add_hparams: hyper-parameter {name!r}")
    raise ValueError(f"SummaryWriter.add_hparams: hyper-parameter {name!r} is a {type(value).__name__}; it must be "
                     "a bool, str, int, float or a one-element tensor (or None, left out)")


def _hparam_value(kind, value):
    field = _HP_TYPES[kind][0]
    if kind == "number":
        return _Proto().double(field, value, present=True)
    if kind == "bool":
        return _Proto().varint(field, int(value), present=True)
    return _Proto().bytes(field, value) if value else _Proto().bytes(field, _Proto())  # ("" is still a string)


def _hparams_values(hparam_dict, metric_dict, domains):
    """The three Summary.Values of a run's hyper-parameters, as PyTorch writes them: the experiment (each
    hyper-parameter's name, type and, from `domains`, the values it can take; the metrics' tags), the session's start
    (each hyper-parameter's value) and its end (success). Checks every value before anything is built."""
    domains = domains or {}
    if not isinstance(domains, dict):
        raise TypeError("SummaryWriter.add_hparams: hparam_domain_discrete should be a dict of lists")
    kinds = {name: _hparam_kind(value, name) for name, value in hparam_dict.items() if value is not None}
    for name, values in domains.items():
        if name not in kinds or not isinstance(values, list) or \
                any(_hparam_kind(v, name)[0] != kinds[name][0] for v in values):
            raise TypeError(f"SummaryWriter.add_hparams: hparam_domain_discrete[{name!r}] should be a list of values "
                            f"of the type of hparam_dict[{name!r}]")
    start, experiment = _Proto(), _Proto()
    for name, (kind, value) in kinds.items():
        start.bytes(1, _Proto().bytes(1, name).bytes(2, _hparam_value(kind, value)))  # map<string, Value> entry
        info = _Proto().bytes(1, name).varint(4, _HP_TYPES[kind][1])  # HParamInfo{name, type, domain_discrete}
        if name in domains:
            listed = _Proto()
            for v in domains[name]:
                listed.bytes(1, _hparam_value(*_hparam_kind(v, name)))
            info.bytes(5, listed)  # ListValue{values}
        experiment.bytes(4, info)
    for tag in metric_dict:
        experiment.bytes(5, _Proto().bytes(1, _Proto().bytes(2, str(tag))))  # MetricInfo{name: MetricName{tag}}
    end = _Proto().varint(1, _HP_STATUS_SUCCESS)
    values = []
    for tag, field, message in (("_hparams_/experiment", _HP_EXPERIMENT, experiment),
                                ("_hparams_/session_start_info", _HP_SESSION_START, start),
                                ("_hparams_/session_end_info", _HP_SESSION_END, end)):
        content = _Proto().bytes(field, message)  # HParamsPluginData{version: 0, one of the three}
        values.append(_Proto().bytes(_VALUE_TAG, tag).bytes(_VALUE_METADATA, _plugin_metadata("hparams",
                                                                                              bytes(content.out))))
    return values


def _layout_value(layout):
    """The custom-scalars plugin's layout (`{category: {chart title: ["Multiline", [tags]] or ["Margin", [value,
    lower, upper]]}}`) as the Summary.Value PyTorch writes (tensorboard/plugins/custom_scalar/layout.proto)."""
    categories = _Proto()
    for category, charts in layout.items():
        entry = _Proto().bytes(1, str(category))
        for title, (kind, tags) in charts.items():
            tags = [str(tag) for tag in tags]
            if kind == "Margin":
                if len(tags) != 3:
                    raise ValueError(f"SummaryWriter.add_custom_scalars: a margin chart needs 3 tags (value, lower, "
                                     f"upper), got {len(tags)} for {title!r}")
                series = _Proto().bytes(1, tags[0]).bytes(2, tags[1]).bytes(3, tags[2])
                content = (3, _Proto().bytes(1, series))  # Chart.margin: MarginChartContent{series}
            else:
                multiline = _Proto()
                for tag in tags:
                    multiline.bytes(1, tag)
                content = (2, multiline)  # Chart.multiline: MultilineChartContent{tag}
            entry.bytes(2, _Proto().bytes(1, str(title)).bytes(*content))  # Category.chart
        categories.bytes(2, entry)  # Layout.category
    tensor = _Proto().varint(1, _DT_STRING).bytes(2, _Proto()).bytes(8, bytes(categories.out))  # a 0-d string tensor
    return (_Proto().bytes(_VALUE_TAG, "custom_scalars__config__").bytes(_VALUE_TENSOR, tensor)
            .bytes(_VALUE_METADATA, _plugin_metadata("custom_scalars")))


# dtype -> (TensorProto's DataType, the field holding the values, how they are encoded), as PyTorch maps its dtypes.
_TENSOR_FIELDS = {
    np.dtype(np.float16): (19, 13, "varint"),  # half_val: each value's 16 bits
    np.dtype(np.float32): (1, 5, "<f"), np.dtype(np.float64): (2, 6, "<d"),
    np.dtype(np.int8): (6, 7, "varint"), np.dtype(np.int16): (5, 7, "varint"), np.dtype(np.int32): (3, 7, "varint"),
    np.dtype(np.int64): (9, 10, "varint"), np.dtype(np.uint8): (4, 16, "varint"),
    np.dtype(np.bool_): (10, 11, "varint"),
    np.dtype(np.complex64): (8, 9, "<f"), np.dtype(np.complex128): (18, 12, "<d"),  # (real, imaginary) pairs
}


def _tensor_proto(array, dtype_code, field, kind):
    """TensorProto{dtype, tensor_shape, values}: `array`'s values, flattened, in `field`."""
    values = array.reshape(-1)
    if array.dtype == np.float16:
        values = values.view(np.uint16)
    elif array.dtype.kind == "c":
        values = values.view(values.real.dtype)
    return _Proto().varint(1, dtype_code).bytes(2, _shape(array.shape)).packed(field, values, kind)


def _tensor_value(tag, tensor):
    array = np.asarray(data_of(tensor))
    if array.dtype not in _TENSOR_FIELDS:
        raise ValueError(f"SummaryWriter.add_tensor: {tag} has unsupported tensor dtype {array.dtype} (supported: "
                         f"{', '.join(sorted(str(d) for d in _TENSOR_FIELDS))})")
    if array.nbytes >= 1 << 31:
        raise ValueError(f"SummaryWriter.add_tensor: {tag} is bigger than a protocol buffer's limit of 2 GB")
    tensor_proto = _tensor_proto(array, *_TENSOR_FIELDS[array.dtype])
    return (_Proto().bytes(_VALUE_TAG, str(tag)).bytes(_VALUE_TENSOR, tensor_proto)
            .bytes(_VALUE_METADATA, _plugin_metadata("tensor")))


def _audio_value(tag, sound, sample_rate):
    """A clip of sound (one channel, amplitudes in -1..1) as a WAV file of 16-bit samples in a Summary.Audio."""
    samples = _array(sound, "add_audio").squeeze()
    if samples.ndim != 1:
        raise ValueError(f"SummaryWriter.add_audio: expected one channel of samples (shape (L,) or (1, L)), got shape "
                         f"{np.shape(data_of(sound))}")
    if samples.size and np.abs(samples).max() > 1:
        warnings.warn("SummaryWriter.add_audio: audio amplitude out of range (-1..1), clipped", stacklevel=3)
        samples = samples.clip(-1, 1)
    pcm = (samples * np.iinfo(np.int16).max).astype("<i2")
    wav = io.BytesIO()
    with wave.open(wav, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(sample_rate)
        w.writeframes(pcm.tobytes())
    audio = (_Proto().float(1, float(sample_rate)).varint(2, 1).varint(3, len(pcm)).bytes(4, wav.getvalue())
             .bytes(5, "audio/wav"))
    return _Proto().bytes(_VALUE_TAG, str(tag)).bytes(_VALUE_AUDIO, audio)


_MESH_PARTS = (("VERTEX", 1), ("FACE", 2), ("COLOR", 3))  # tensorboard/plugins/mesh/plugin_data.proto's ContentType


def _mesh_values(tag, vertices, colors, faces, config_dict):
    """One Summary.Value per part given (vertices, faces, colors, each (batch, n, 3)), tagged `<tag>_VERTEX`, ...,
    each telling the mesh plugin which parts the mesh has."""
    given = zip(_MESH_PARTS, (vertices, faces, colors))
    parts = [(name, code, _array(part, "add_mesh")) for (name, code), part in given if part is not None]
    for name, _, array in parts:
        if array.ndim != 3 or array.shape[2] != 3:
            raise ValueError(f"SummaryWriter.add_mesh: {name.lower()}s must have shape (batch, n, 3), got "
                             f"{array.shape}")
    components = sum(1 << code for _, code, _ in parts)
    config = "{}" if config_dict is None else json.dumps(config_dict, sort_keys=True)
    values = []
    for name, code, array in parts:
        plugin_data = (_Proto().bytes(2, str(tag)).varint(3, code).bytes(5, config).packed(6, array.shape, "varint")
                       .varint(7, components))  # MeshPluginData{name, content_type, json_config, shape, components}
        tensor = _tensor_proto(array.astype(np.float32), _DT_FLOAT, 5, "<f")
        values.append(_Proto().bytes(_VALUE_TAG, f"{tag}_{name}").bytes(_VALUE_TENSOR, tensor)
                      .bytes(_VALUE_METADATA, _plugin_metadata("mesh", bytes(plugin_data.out))))
    return values


_UIDS = itertools.count()


class _EventFile:
    """One event file: its records kept until flushed, then appended whole; flushed when `max_queue` records wait, and
    by a background thread (`_flush_when_due`) once the oldest has waited `flush_secs`, as PyTorch's writer does (a
    loop that logs once an epoch still shows up in TensorBoard while it runs)."""

    def __init__(self, log_dir, filename_suffix, max_queue, flush_secs):
        os.makedirs(log_dir, exist_ok=True)
        name = f"events.out.tfevents.{int(time.time()):010d}.{socket.gethostname()}.{os.getpid()}.{next(_UIDS)}"
        self.path = os.path.join(log_dir, name + filename_suffix)
        self.max_queue, self.flush_secs = max_queue, flush_secs
        self.queue, self.last_flush = [], time.monotonic()
        self.lock = threading.Lock()  # the background flush and the writer's own calls take turns
        with open(self.path, "wb") as f:  # the file exists from the start, as TensorBoard's writer makes it
            f.write(tfrecord(_event(time.time(), file_version="brain.Event:2")))
        _watch(self)

    def add(self, event):
        record = tfrecord(event)
        with self.lock:
            if not self.queue:
                self.last_flush = time.monotonic()  # (flush_secs counts from the first record waiting)
            self.queue.append(record)
            full = len(self.queue) >= self.max_queue
        if full:
            self.flush()

    def due(self, now):
        return bool(self.queue) and now - self.last_flush >= self.flush_secs

    def flush(self):
        with self.lock:
            if self.queue:
                with open(self.path, "ab") as f:
                    f.write(b"".join(self.queue))
                self.queue.clear()
            self.last_flush = time.monotonic()


_WATCHED = weakref.WeakSet()  # the event files the background thread flushes when due
_WATCHED_LOCK = threading.Lock()
_FLUSH_TICK = 1.0  # seconds between the background thread's looks (flush_secs is PyTorch's: 120 by default)
_flusher = None


def _watch(event_file):
    global _flusher
    with _WATCHED_LOCK:
        _WATCHED.add(event_file)
        if _flusher is None or not _flusher.is_alive():  # (not alive: in a process forked after it started)
            _flusher = threading.Thread(target=_flush_when_due, name="SummaryWriter flush", daemon=True)
            _flusher.start()


def _flush_when_due():
    while True:
        time.sleep(_FLUSH_TICK)
        with _WATCHED_LOCK:
            event_files = list(_WATCHED)
        now = time.monotonic()
        for event_file in event_files:
            if event_file.due(now):
                try:
                    event_file.flush()
                except OSError:  # (a full disk: the records stay queued, and the writer's next flush raises)
                    pass


class SummaryWriter:
    """Writes scalars, histograms, text, images (with boxes), videos, audio, PR curves, embeddings, meshes,
    hyper-parameters, tensors, custom scalar layouts and graphs for TensorBoard in `log_dir` (PyTorch's SummaryWriter,
    but for ONNX graphs).

    log_dir: the folder (made if missing); default `runs/<Mon>DD_HH-MM-SS_<hostname><comment>`, as PyTorch's.
    comment: appended to the default log_dir (ignored when log_dir is given). purge_step: when resuming a run that
    stopped after logging past the step it resumes from, that step: TensorBoard then discards the events at or after
    it that were logged to log_dir before (a SessionLog START, as PyTorch writes).
    max_queue: records kept before writing them (10); flush_secs: seconds after which added records are written
    (120). filename_suffix: appended to the event file's name."""

    def __init__(self, log_dir=None, comment="", purge_step=None, max_queue=10, flush_secs=120, filename_suffix=""):
        if log_dir is None:
            stamp = datetime.datetime.now().strftime("%b%d_%H-%M-%S")
            log_dir = os.path.join("runs", f"{stamp}_{socket.gethostname()}{comment}")
        self.log_dir = os.fspath(log_dir)
        self.purge_step = purge_step
        self._settings = (filename_suffix, max(int(max_queue), 1), flush_secs)
        self._file = _EventFile(self.log_dir, *self._settings)
        if purge_step is not None:  # TensorBoard then drops what earlier runs logged in log_dir from this step on
            step = _step(purge_step, "__init__ (purge_step)")
            self._file.add(_event(time.time(), step, file_version="brain.Event:2"))
            self._file.add(_event(time.time(), step, session_start=True))
            self._file.flush()
        self._scalar_files = {}  # add_scalars' subfolders -> their event files
        self._embeddings = []  # add_embedding's entries of projector_config.pbtxt, rewritten whole at each call
        self._closed = False
        _OPEN.add(self)  # flushed when the interpreter exits, if it is still open then

    def get_logdir(self):
        """The folder the event files are written to."""
        return self.log_dir

    def _event_file(self, folder=None):
        """The event file records go to: log_dir's own, or that of an add_scalars subfolder; after close(), new ones
        (as PyTorch's writer starts new files when it is written to again)."""
        if self._closed:
            self._file, self._scalar_files, self._closed = _EventFile(self.log_dir, *self._settings), {}, False
        if folder is None:
            return self._file
        event_file = self._scalar_files.get(folder)
        if event_file is None:
            event_file = self._scalar_files[folder] = _EventFile(folder, *self._settings)
        return event_file

    def _write(self, values, global_step, walltime, what, folder=None):
        """One event of a summary holding `values` (a Summary.Value, or a list of them)."""
        wall_time = time.time() if walltime is None else float(walltime)
        values = values if isinstance(values, list) else [values]
        self._event_file(folder).add(_event(wall_time, _step(global_step, what), values))

    def add_scalar(self, tag, scalar_value, global_step=None, walltime=None, new_style=False,
                   double_precision=False):
        """Record `scalar_value` (a number, or a one-element array or Value) under `tag` at `global_step` (an int;
        None: no step) and `walltime` (seconds since the epoch; default now). new_style and double_precision
        (PyTorch's tensor-valued scalars) are accepted; the value is written as TensorBoard's simple_value."""
        value = _Proto().bytes(_VALUE_TAG, str(tag)).float(_VALUE_SIMPLE, _number(scalar_value, "add_scalar"), True)
        self._write(value, global_step, walltime, "add_scalar")

    def add_scalars(self, main_tag, tag_scalar_dict, global_step=None, walltime=None):
        """Record several scalars to plot together: each `tag: value` of `tag_scalar_dict` in an event file of the
        subfolder `<log_dir>/<main_tag>_<tag>`, under the tag `main_tag` (PyTorch's layout; TensorBoard shows them
        as one chart of several runs)."""
        walltime = time.time() if walltime is None else walltime
        for tag, scalar_value in tag_scalar_dict.items():
            folder = os.path.join(self.log_dir, f"{main_tag}_{tag}".replace("/", "_"))
            value = _Proto().bytes(_VALUE_TAG, str(main_tag)).float(
                _VALUE_SIMPLE, _number(scalar_value, "add_scalars"), True)
            self._write(value, global_step, walltime, "add_scalars", folder)

    def add_text(self, tag, text_string, global_step=None, walltime=None):
        """Record `text_string` (Markdown in TensorBoard's Text tab) under `tag`, as PyTorch writes it: a string
        tensor of shape (1,) for the "text" plugin, under `<tag>/text_summary`."""
        tensor = (_Proto().varint(1, _DT_STRING).bytes(2, _Proto().bytes(2, _Proto().varint(1, 1)))
                  .bytes(8, str(text_string)))  # TensorProto{dtype, tensor_shape{dim{size: 1}}, string_val}
        # (fields in the order of their numbers, as protobuf writes them)
        value = _Proto().bytes(_VALUE_TAG, f"{tag}/text_summary").bytes(_VALUE_TENSOR, tensor)
        value.bytes(_VALUE_METADATA, _plugin_metadata("text"))
        self._write(value, global_step, walltime, "add_text")

    def add_histogram(self, tag, values, global_step=None, bins="tensorflow", walltime=None, max_bins=None):
        """Record the distribution of `values` (an array, Value or list of numbers, any shape) under `tag`, as
        PyTorch's: counted by `np.histogram` into `bins` ("tensorflow": TensorBoard's default edges, ±1e-12 to
        ±1e20 in steps of ×1.1 around 0; or an int, a NumPy bins name, or the edges), merged `max_bins` at a time
        when given, trimmed to the buckets from the first to the last that count any value (TensorBoard keeps each
        bucket's right edge: one empty bucket stays on the left), with min, max, count, sum and sum of squares."""
        data = _array(values, "add_histogram").astype(float).reshape(-1)
        if data.size == 0:
            raise ValueError("SummaryWriter.add_histogram: the values are empty")
        counts, edges = np.histogram(data, bins=_TENSORFLOW_BINS if isinstance(bins, str) and bins == "tensorflow"
                                     else bins)
        if max_bins is not None and len(counts) > max_bins:
            counts, edges = _merged(counts, edges, len(counts) // max_bins)
        self._histogram(tag, data.min(), data.max(), data.size, data.sum(), data.dot(data), *_trimmed(counts, edges),
                        global_step, walltime, "add_histogram")

    def add_histogram_raw(self, tag, min, max, num, sum, sum_squares, bucket_limits, bucket_counts, global_step=None,
                          walltime=None):
        """Record a histogram computed elsewhere: its min, max, num (count), sum and sum of squares, and the right
        edge and count of each bucket (as many of each)."""
        if len(bucket_limits) != len(bucket_counts):
            raise ValueError(f"SummaryWriter.add_histogram_raw: {len(bucket_limits)} bucket limits but "
                             f"{len(bucket_counts)} bucket counts")
        self._histogram(tag, min, max, num, sum, sum_squares, bucket_limits, bucket_counts, global_step, walltime,
                        "add_histogram_raw")

    def _histogram(self, tag, low, high, num, total, squares, limits, counts, global_step, walltime, what):
        histogram = _Proto()
        for field, x in enumerate((low, high, num, total, squares), start=1):  # HistogramProto's five doubles
            histogram.double(field, _number(x, what))
        for field, numbers in ((6, limits), (7, counts)):  # bucket_limit, bucket: packed doubles
            histogram.bytes(field, np.asarray(numbers, dtype="<f8").tobytes())
        value = _Proto().bytes(_VALUE_TAG, str(tag)).bytes(_VALUE_HISTOGRAM, histogram)
        self._write(value, global_step, walltime, what)

    def add_image(self, tag, img_tensor, global_step=None, walltime=None, dataformats="CHW"):
        """Record one image under `tag`: `img_tensor` (array or Value) laid out as `dataformats` says ("CHW", the
        default, "HWC", "HW", or with an N: a batch, tiled eight to a row as `add_images` does), with 1, 3 or 4
        channels. Floats are taken as 0..1 (scaled by 255), uint8 as 0..255, as PyTorch does; stored as a PNG."""
        pixels = _pixels(_as_hwc(_array(img_tensor, "add_image"), dataformats, "add_image"))
        height, width, channels = pixels.shape
        self._write(_image_value(tag, height, width, channels, png(pixels)), global_step, walltime, "add_image")

    def add_image_with_boxes(self, tag, img_tensor, box_tensor, global_step=None, walltime=None, rescale=1,
                             dataformats="CHW", labels=None):
        """Record an image with boxes drawn on it, as PyTorch does (object detection): `box_tensor` (K, 4) holds each
        box's corners (x_min, y_min, x_max, y_max) in pixels, drawn in red two pixels wide, each with its label from
        `labels` (K strings, or one string for one box) on a red band at its bottom left; the picture is then scaled
        by `rescale`. The image as for add_image. Drawing text needs Pillow (`pip install pillow`), as PyTorch's."""
        try:
            from PIL import Image, ImageDraw, ImageFont
        except ImportError:
            raise ImportError("SummaryWriter.add_image_with_boxes draws with Pillow: pip install pillow") from None
        pixels = _pixels(_as_hwc(_array(img_tensor, "add_image_with_boxes"), dataformats, "add_image_with_boxes"))
        boxes = _array(box_tensor, "add_image_with_boxes")
        if boxes.ndim != 2 or boxes.shape[1] != 4:
            raise ValueError(f"SummaryWriter.add_image_with_boxes: boxes must have shape (K, 4) (x_min, y_min, x_max, "
                             f"y_max), got {boxes.shape}")
        labels = [labels] if isinstance(labels, str) else labels
        if labels is not None and len(labels) != len(boxes):
            warnings.warn(f"SummaryWriter.add_image_with_boxes: {len(labels)} labels for {len(boxes)} boxes: drawn "
                          "without labels (as PyTorch does)", stacklevel=2)
            labels = None
        height, width, channels = pixels.shape
        image = Image.fromarray(pixels)
        draw, font = ImageDraw.Draw(image), ImageFont.load_default()
        for k, (left, top, right, bottom) in enumerate(boxes.tolist()):
            draw.line([(left, top), (left, bottom), (right, bottom), (right, top), (left, top)], width=2, fill="Red")
            if labels is not None and labels[k]:
                text_left, text_top, text_right, text_bottom = font.getbbox(labels[k])
                text_width, text_height = text_right - text_left, text_bottom - text_top
                margin = np.ceil(0.05 * text_height)
                draw.rectangle([(left, bottom - text_height - 2 * margin), (left + text_width, bottom)], fill="Red")
                draw.text((left + margin, bottom - text_height - margin), labels[k], fill="black", font=font)
        image = image.resize((int(width * rescale), int(height * rescale)), Image.Resampling.LANCZOS)
        value = _image_value(tag, height, width, channels, png(np.asarray(image)))  # (the size before rescaling,
        self._write(value, global_step, walltime, "add_image_with_boxes")             # as PyTorch writes it)

    def add_images(self, tag, img_tensor, global_step=None, walltime=None, dataformats="NCHW"):
        """Record a batch of images as one picture: tiled eight to a row (black where the last row ends), as
        PyTorch's. `dataformats`: "NCHW" (the default), "NHWC", ..."""
        self.add_image(tag, img_tensor, global_step, walltime, dataformats)

    def add_video(self, tag, vid_tensor, global_step=None, fps=4, walltime=None):
        """Record a video (N, T, C, H, W: N clips of T frames; float 0..1 or uint8 0..255; C 1 or 3) for the Images tab,
        as an animated GIF at `fps` frames a second, the N clips side by side as PyTorch lays them out. (PyTorch
        needs moviepy for this; here the GIF is written by hand.)"""
        video = _array(vid_tensor, "add_video")
        frames = _video_frames(video)
        _, height, width, _ = frames.shape
        self._write(_image_value(tag, height, width, 3, gif(frames, fps)), global_step, walltime, "add_video")

    def add_figure(self, tag, figure, global_step=None, close=True, walltime=None):
        """Record a matplotlib figure (or a list of them, tiled as `add_images` does) as an image, drawn at its own
        size and dpi; close=True closes it afterwards (as PyTorch does)."""
        figures = figure if isinstance(figure, list) else [figure]
        images = [_figure_pixels(f, close) for f in figures]
        if isinstance(figure, list):
            self.add_image(tag, np.stack(images), global_step, walltime, dataformats="NHWC")
        else:
            self.add_image(tag, images[0], global_step, walltime, dataformats="HWC")

    def add_pr_curve(self, tag, labels, predictions, global_step=None, num_thresholds=127, weights=None,
                     walltime=None):
        """Record a precision-recall curve for TensorBoard's PR Curves tab, as PyTorch's: `labels` (1 for the
        positive class, 0 otherwise) and `predictions` (probabilities in [0, 1]) of one shape, counted into
        `num_thresholds` (at most 127) buckets by floor(prediction · (num_thresholds − 1)); then, per threshold, the
        true and false positives, true and false negatives, precision and recall (a 6 × num_thresholds float32
        tensor). weights: a weight per example (default 1)."""
        labels = _array(labels, "add_pr_curve").astype(np.float64)
        predictions = _array(predictions, "add_pr_curve")
        if labels.shape != predictions.shape:
            raise ValueError(f"SummaryWriter.add_pr_curve: labels of shape {labels.shape} but predictions of shape "
                             f"{predictions.shape}")
        num_thresholds = min(int(num_thresholds), 127)
        weights = 1.0 if weights is None else _array(weights, "add_pr_curve")
        buckets = np.floor(predictions * (num_thresholds - 1)).astype(np.int32)
        counted = [np.histogram(buckets, bins=num_thresholds, range=(0, num_thresholds - 1), weights=w * weights)[0]
                   for w in (labels, 1.0 - labels)]
        tp, fp = (np.cumsum(c[::-1])[::-1] for c in counted)  # at or above each threshold
        tn, fn = fp[0] - fp, tp[0] - tp
        precision = tp / np.maximum(1e-7, tp + fp)
        recall = tp / np.maximum(1e-7, tp + fn)
        self._pr_curve(tag, np.stack((tp, fp, tn, fn, precision, recall)), num_thresholds, global_step, walltime,
                       "add_pr_curve")

    def add_pr_curve_raw(self, tag, true_positive_counts, false_positive_counts, true_negative_counts,
                         false_negative_counts, precision, recall, global_step=None, num_thresholds=127,
                         weights=None, walltime=None):
        """Record a precision-recall curve computed elsewhere: six sequences of num_thresholds numbers each (weights:
        accepted, unused, as in PyTorch)."""
        rows = [_array(r, "add_pr_curve_raw").reshape(-1) for r in (
            true_positive_counts, false_positive_counts, true_negative_counts, false_negative_counts, precision,
            recall)]
        if len({len(r) for r in rows}) != 1:
            raise ValueError("SummaryWriter.add_pr_curve_raw: the six sequences must have one length, got "
                             f"{[len(r) for r in rows]}")
        self._pr_curve(tag, np.stack(rows), min(int(num_thresholds), 127), global_step, walltime, "add_pr_curve_raw")

    def _pr_curve(self, tag, data, num_thresholds, global_step, walltime, what):
        plugin_data = _Proto().varint(2, num_thresholds)  # PrCurvePluginData{num_thresholds}
        tensor = _tensor_proto(data.astype(np.float32), _DT_FLOAT, 5, "<f")
        value = _Proto().bytes(_VALUE_TAG, str(tag)).bytes(_VALUE_TENSOR, tensor)
        value.bytes(_VALUE_METADATA, _plugin_metadata("pr_curves", bytes(plugin_data.out)))
        self._write(value, global_step, walltime, what)

    def add_embedding(self, mat, metadata=None, label_img=None, global_step=None, tag="default",
                      metadata_header=None):
        """Write points for TensorBoard's Projector, as PyTorch's: `mat` (N, D) as `<step>/<tag>/tensors.tsv`, the
        N labels of `metadata` (or N rows of columns named by `metadata_header`) as `metadata.tsv`, the N images of
        `label_img` (N, C, H, W) tiled into a square `sprite.png`, all listed in `<log_dir>/projector_config.pbtxt`
        (step: `global_step`, five digits, default 0)."""
        mat = _array(mat, "add_embedding")
        if mat.ndim != 2:
            raise ValueError(f"SummaryWriter.add_embedding: mat must be (N, D), got shape {mat.shape}")
        step = f"{_step(global_step, 'add_embedding') or 0:05d}"
        folder = os.path.join(self.log_dir, step, tag)
        os.makedirs(folder, exist_ok=True)
        lines = []
        if metadata is not None:
            if len(metadata) != len(mat):
                raise ValueError(f"SummaryWriter.add_embedding: {len(metadata)} labels for {len(mat)} points")
            rows = [str(m) for m in metadata] if metadata_header is None else \
                ["\t".join(str(x) for x in row) for row in [metadata_header, *metadata]]
            _write_text(os.path.join(folder, "metadata.tsv"), "".join(row + "\n" for row in rows))
            lines += [f'  metadata_path: "{step}/{tag}/metadata.tsv"']
        if label_img is not None:
            images = _array(label_img, "add_embedding")
            if images.ndim != 4 or len(images) != len(mat):
                raise ValueError(f"SummaryWriter.add_embedding: label_img must be (N, C, H, W) with N = {len(mat)}, "
                                 f"got shape {images.shape}")
            side = int(np.ceil(np.sqrt(len(images))))  # a square of side² places, the last ones black
            padded = np.concatenate([images, np.zeros((side * side - len(images), *images.shape[1:]), images.dtype)])
            sprite = _tiled(padded, per_row=side).transpose(1, 2, 0)
            with open(os.path.join(folder, "sprite.png"), "wb") as f:
                f.write(png(_pixels(sprite)))
            height, width = images.shape[2:]
            lines += ["  sprite {", f'    image_path: "{step}/{tag}/sprite.png"', f"    single_image_dim: {width}",
                      f"    single_image_dim: {height}", "  }"]
        _write_text(os.path.join(folder, "tensors.tsv"),
                    "".join("\t".join(str(float(x)) for x in row) + "\n" for row in mat))
        self._embeddings.append("\n".join([  # (EmbeddingInfo's fields in the order of their numbers, as protobuf)
            "embeddings {", f'  tensor_name: "{tag}:{step}"', *lines, f'  tensor_path: "{step}/{tag}/tensors.tsv"',
            "}"]) + "\n")
        _write_text(os.path.join(self.log_dir, "projector_config.pbtxt"), "".join(self._embeddings))

    def add_graph(self, model, input_to_model=None, verbose=False, use_strict_trace=True):
        """Record the computation graph of `model(*input_to_model)` for TensorBoard's Graphs tab: one call of the
        model (gradient recording on), then every operation behind its outputs as a node named by the modules it ran
        in (`Net/Linear[fc1]/linear.3`, which TensorBoard folds into one box per module), its inputs as edges and its
        output's shape on each edge. The model's inputs are `input/input.<k>`, its parameters named by
        `named_parameters()` under `parameter/`, its outputs `output/output.<k>`. `input_to_model`: one input or a
        tuple of them. verbose and use_strict_trace (PyTorch's tracer's) are accepted and unused."""
        from ..modes import enable_grad

        inputs = input_to_model if isinstance(input_to_model, tuple) else (
            () if input_to_model is None else (input_to_model,))
        inputs = tuple(x if isinstance(x, Value) else Value(x) for x in inputs)  # arrays: leaves of their own
        with enable_grad():
            outputs = model(*inputs)
        names = {id(p): f"parameter/{name}" for name, p in getattr(model, "named_parameters", dict)()}
        names.update({id(x): f"input/input.{k}" for k, x in enumerate(inputs)})
        graph = _Proto()
        for name, op, parents, shape in _graph_nodes(_outputs(outputs), names):
            node = _Proto().bytes(1, name).bytes(2, op)
            for parent in parents:
                node.bytes(3, parent)
            node.bytes(4, "/device:CPU:0")
            shapes = _Proto().bytes(7, _shape(shape))  # AttrValue{list: ListValue{shape: [TensorShapeProto]}}
            node.bytes(5, _Proto().bytes(1, "_output_shapes").bytes(2, _Proto().bytes(1, shapes)))
            graph.bytes(1, node)
        graph.bytes(4, _Proto().varint(1, 22))  # VersionDef{producer}, as PyTorch's
        self._event_file().add(_event(time.time(), graph=graph))

    def add_hparams(self, hparam_dict, metric_dict, hparam_domain_discrete=None, run_name=None, global_step=None):
        """Record one run's hyper-parameters and its results for TensorBoard's HParams tab, as PyTorch does: in a
        subfolder `<log_dir>/<run_name>` (default: the current time in seconds), the experiment (names and types),
        `hparam_dict`'s values and `metric_dict`'s values as scalars (each metric under its key, at `global_step`).

        hparam_dict: name -> bool, str, int, float or one-element tensor (None: left out). metric_dict: tag -> number.
        Use metric tags that the run does not log with add_scalar, or the tab shows those values instead.
        hparam_domain_discrete: name -> list of all the values it can take (of its type), for the tab's filters.
        Unlike PyTorch (whose check for numbers comes first), bools are written as booleans, not as 1.0 and 0.0.
        Everything is checked before the subfolder is made."""
        if type(hparam_dict) is not dict or type(metric_dict) is not dict:
            raise TypeError("SummaryWriter.add_hparams: hparam_dict and metric_dict should be dictionaries, got "
                            f"{type(hparam_dict).__name__} and {type(metric_dict).__name__}")
        values = _hparams_values(hparam_dict, metric_dict, hparam_domain_discrete)
        metrics = {tag: _number(value, f"add_hparams: metric {tag!r}") for tag, value in metric_dict.items()}
        step = _step(global_step, "add_hparams")
        run = os.path.join(self.log_dir, str(run_name) if run_name else str(time.time()))
        with SummaryWriter(log_dir=run) as writer:
            for value in values:
                writer._write(value, step, None, "add_hparams")
            for tag, number in metrics.items():
                writer.add_scalar(tag, number, step)

    def add_custom_scalars(self, layout):
        """Lay out the Custom Scalars tab: `layout` is `{category: {chart title: ["Multiline", [tags]]}}`, a chart
        plotting those scalar tags together (regular expressions), or `["Margin", [value, lower, upper]]`, a line
        with a band between two other tags. Call it once per run, before or after logging the scalars."""
        self._write(_layout_value(layout), None, None, "add_custom_scalars")

    def add_custom_scalars_multilinechart(self, tags, category="default", title="untitled"):
        """A layout of one chart plotting the scalar `tags` together (see add_custom_scalars)."""
        self.add_custom_scalars({category: {title: ["Multiline", tags]}})

    def add_custom_scalars_marginchart(self, tags, category="default", title="untitled"):
        """A layout of one chart of `tags` = [value, lower, upper]: a line with a band (see add_custom_scalars)."""
        if len(tags) != 3:
            raise ValueError(f"SummaryWriter.add_custom_scalars_marginchart: expected 3 tags, got {len(tags)}")
        self.add_custom_scalars({category: {title: ["Margin", tags]}})

    def add_tensor(self, tag, tensor, global_step=None, walltime=None):
        """Record a whole tensor (array or Value, any shape; float16/32/64, int8/16/32/64, uint8, bool, complex)
        under `tag`, as a TensorProto for the "tensor" plugin (read back with TensorBoard's `make_ndarray`)."""
        self._write(_tensor_value(tag, tensor), global_step, walltime, "add_tensor")

    def add_audio(self, tag, snd_tensor, global_step=None, sample_rate=44100, walltime=None):
        """Record a clip of sound for the Audio tab: `snd_tensor` of shape (L,) or (1, L), amplitudes in -1..1
        (beyond them: clipped, with a warning), `sample_rate` samples a second; written as a 16-bit WAV file."""
        self._write(_audio_value(tag, snd_tensor, sample_rate), global_step, walltime, "add_audio")

    def add_mesh(self, tag, vertices, colors=None, faces=None, config_dict=None, global_step=None, walltime=None):
        """Record a 3-D mesh or point cloud for the Mesh tab: `vertices` (B, N, 3) coordinates, `colors` (B, N, 3)
        0..255 per vertex, `faces` (B, F, 3) vertex indices per triangle; `config_dict`: three.js settings (camera,
        lights, material), as JSON."""
        self._write(_mesh_values(tag, vertices, colors, faces, config_dict), global_step, walltime, "add_mesh")

    def flush(self):
        """Write the records added so far to the disk."""
        for event_file in (self._file, *self._scalar_files.values()):
            event_file.flush()

    def close(self):
        """Flush the event files and close them; writing again afterwards starts new ones (as PyTorch's writer does).
        Closing twice is harmless."""
        if not self._closed:
            self.flush()
            self._closed = True

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):  # records added but not flushed are written when the writer goes (as PyTorch's)
        if not getattr(self, "_closed", True):
            try:
                self.close()
            except Exception:  # (at interpreter exit the file system may be gone: nothing to tell the user then)
                pass


_OPEN = weakref.WeakSet()  # the writers alive: a script that never closes its writer still gets its records


@atexit.register
def _close_open_writers():
    for writer in list(_OPEN):
        try:
            writer.close()
        except Exception:  # (one writer's full disk must not keep the others' records from being written)
            pass


def _not_here(name):
    def method(self, *args, **kwargs):
        raise NotImplementedError(f"SummaryWriter.{name}: not available in autograd_core (it writes scalars, "
                                  "histograms, text, images, figures, videos, audio, PR curves, embeddings, "
                                  "meshes, hyper-parameters, tensors, custom scalar layouts and graphs)")
    method.__name__ = name
    method.__doc__ = f"PyTorch's SummaryWriter.{name}: raises NotImplementedError here."
    return method


for _name in ("add_onnx_graph",):
    setattr(SummaryWriter, _name, _not_here(_name))
del _name


def _register_writer_module():
    """torch.utils.tensorboard.writer, the module in which PyTorch defines SummaryWriter: programs name the class by
    it (`writer: torch.utils.tensorboard.writer.SummaryWriter`, as the Zero to Mastery course's train() and
    create_writer() annotate), and `from torch.utils.tensorboard.writer import SummaryWriter` imports it."""
    import sys
    import types

    module = types.ModuleType(f"{__name__}.writer", "torch.utils.tensorboard.writer's names: SummaryWriter.")
    module.__all__ = ["SummaryWriter"]
    module.SummaryWriter = SummaryWriter
    sys.modules.setdefault(module.__name__, module)
    globals()["writer"] = sys.modules[module.__name__]


_register_writer_module()
