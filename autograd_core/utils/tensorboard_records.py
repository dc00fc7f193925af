"""TensorBoard's event files, written without TensorBoard: TFRecord framing (a length, a masked CRC-32C of it, the
bytes, a masked CRC-32C of them), the few protocol-buffer messages SummaryWriter writes, encoded by hand (`Proto`), and
`EventFile`, an event file whose records wait in memory until flushed (by the writer, or by a background thread once
they have waited `flush_secs`)."""

from __future__ import annotations

import itertools
import os
import socket
import struct
import threading
import time
import weakref

import numpy as np


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


def masked_crc(data):
    crc = crc32c(data)
    return ((((crc >> 15) | (crc << 17)) & 0xFFFFFFFF) + 0xA282EAD8) & 0xFFFFFFFF


def tfrecord(data):
    """`data` framed as one TFRecord: length (uint64), masked CRC of the length, data, masked CRC of the data."""
    length = struct.pack("<Q", len(data))
    return length + struct.pack("<I", masked_crc(length)) + data + struct.pack("<I", masked_crc(data))


class Proto:
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
        """A string, bytes, or an embedded message (a Proto: written even when empty, as a message is present)."""
        if isinstance(data, Proto):
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
            payload = Proto()
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
VALUE_TAG, VALUE_SIMPLE, VALUE_IMAGE, VALUE_HISTOGRAM, VALUE_AUDIO = 1, 2, 4, 5, 6
VALUE_TENSOR, VALUE_METADATA = 8, 9
DT_FLOAT, DT_STRING = 1, 7


def event(wall_time, step=None, values=(), file_version=None, graph=None, session_start=False):
    """An Event: its wall time, step, and one of a file version, a graph, the `values` (Summary.Value messages) of a
    summary, or a SessionLog marking a (re)start."""
    event = Proto().double(_EVENT_WALL_TIME, wall_time).varint(_EVENT_STEP, step or 0)  # (no step: step 0)
    if file_version is not None:
        event.bytes(_EVENT_FILE_VERSION, file_version)
    if graph is not None:
        event.bytes(_EVENT_GRAPH, graph)
    if values:
        summary = Proto()
        for value in values:
            summary.bytes(1, value)  # Summary{value: [...]}
        event.bytes(_EVENT_SUMMARY, summary)
    if session_start:
        event.bytes(_EVENT_SESSION_LOG, Proto().varint(1, _SESSION_START))  # SessionLog{status: START}
    return bytes(event.out)



def shape_proto(shape):
    dims = Proto()
    for size in shape:
        dims.bytes(2, Proto().varint(1, int(size)))  # TensorShapeProto{dim: [Dim{size}]}
    return dims



# dtype -> (TensorProto's DataType, the field holding the values, how they are encoded), as PyTorch maps its dtypes.
TENSOR_FIELDS = {
    np.dtype(np.float16): (19, 13, "varint"),  # half_val: each value's 16 bits
    np.dtype(np.float32): (1, 5, "<f"), np.dtype(np.float64): (2, 6, "<d"),
    np.dtype(np.int8): (6, 7, "varint"), np.dtype(np.int16): (5, 7, "varint"), np.dtype(np.int32): (3, 7, "varint"),
    np.dtype(np.int64): (9, 10, "varint"), np.dtype(np.uint8): (4, 16, "varint"),
    np.dtype(np.bool_): (10, 11, "varint"),
    np.dtype(np.complex64): (8, 9, "<f"), np.dtype(np.complex128): (18, 12, "<d"),  # (real, imaginary) pairs
}


def tensor_proto(array, dtype_code, field, kind):
    """TensorProto{dtype, tensor_shape, values}: `array`'s values, flattened, in `field`."""
    values = array.reshape(-1)
    if array.dtype == np.float16:
        values = values.view(np.uint16)
    elif array.dtype.kind == "c":
        values = values.view(values.real.dtype)
    return Proto().varint(1, dtype_code).bytes(2, shape_proto(array.shape)).packed(field, values, kind)



_UIDS = itertools.count()


class EventFile:
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
            f.write(tfrecord(event(time.time(), file_version="brain.Event:2")))
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
