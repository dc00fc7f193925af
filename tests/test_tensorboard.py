"""`autograd_core.utils.tensorboard.SummaryWriter` writes TensorBoard's event files: read back here by a small reader
of TFRecords (both CRCs checked) and protocol buffers, and, where TensorBoard is installed, by its own
EventAccumulator. (When it was written, its records were compared with those of PyTorch's SummaryWriter (which needs
TensorBoard): byte for byte the same for scalars, add_scalars, text and histograms.)"""

from __future__ import annotations

import glob
import io
import os
import struct
import subprocess
import sys
import time
import zlib

import numpy as np
import pytest

import autograd_core as torch
from autograd_core import nn
from autograd_core.nn import functional as F
from autograd_core.utils import tensorboard_records
from autograd_core.utils.tensorboard import SummaryWriter


def records(path):
    """The data of each TFRecord in the file, checking both masked CRCs."""
    out = []
    with open(path, "rb") as f:
        data = f.read()
    at = 0
    while at < len(data):
        length = data[at:at + 8]
        (n,) = struct.unpack("<Q", length)
        assert struct.unpack("<I", data[at + 8:at + 12])[0] == tensorboard_records.masked_crc(length)
        body = data[at + 12:at + 12 + n]
        assert struct.unpack("<I", data[at + 12 + n:at + 16 + n])[0] == tensorboard_records.masked_crc(body)
        out.append(body)
        at += 16 + n
    return out


def read_varint(data, at):
    """The varint starting at data[at] (7 bits a byte, least significant first) and where the next field starts."""
    shift = n = 0
    while True:
        byte = data[at]
        at += 1
        n |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return n, at


def fields(message):
    """A protocol buffer's fields as [(number, value)]: ints for varints, bytes for length-delimited fields, floats
    for fixed 64- and 32-bit ones (doubles and floats here)."""
    out, at = [], 0
    while at < len(message):
        key, at = read_varint(message, at)
        number, wire = key >> 3, key & 7
        if wire == 0:
            n, at = read_varint(message, at)
            out.append((number, n))
        elif wire == 1:
            out.append((number, struct.unpack("<d", message[at:at + 8])[0]))
            at += 8
        elif wire == 5:
            out.append((number, struct.unpack("<f", message[at:at + 4])[0]))
            at += 4
        else:
            assert wire == 2, wire
            n, at = read_varint(message, at)
            out.append((number, message[at:at + n]))
            at += n
    return out


def events(log_dir):
    """Every event of the one event file in log_dir: (wall_time, step, {tag: simple_value or [fields]}); the first is
    (wall_time, 0, the file's version)."""
    (path,) = glob.glob(os.path.join(log_dir, "events.out.tfevents.*"))
    out = []
    for record in records(path):
        event = dict(fields(record))
        values = {}
        if 5 in event:
            for _, value in fields(event[5]):
                value = fields(value)
                tag = dict(value)[1].decode()
                values[tag] = dict(value)[2] if 2 in dict(value) else value  # simple_value, or the fields
        out.append((event[1], event.get(2, 0), values if 5 in event else event[3]))  # (proto3 leaves out step 0)
    return out


def test_crc32c_and_a_records_frame():
    assert tensorboard_records.crc32c(b"123456789") == 0xE3069283  # the check value of CRC-32C (RFC 3720)
    assert tensorboard_records.crc32c(b"") == 0
    framed = tensorboard_records.tfrecord(b"abc")
    assert framed[:8] == struct.pack("<Q", 3) and framed[12:15] == b"abc" and len(framed) == 19


def test_scalars_as_makemore_logs_them(tmp_path):
    writer = SummaryWriter(log_dir=tmp_path / "run")
    assert writer.get_logdir() == str(tmp_path / "run")
    loss = torch.tensor(2.5, requires_grad=True) * 1.0
    for step, value in enumerate([3.25, 2.5, np.float32(1.75)]):
        writer.add_scalar("Loss/train", value, step)
    writer.add_scalar("Loss/test", loss, global_step=torch.tensor(10))  # a 0-d tensor for both
    writer.add_scalar("lr", 1e-3, 10, walltime=1234.5)
    writer.flush()
    found = events(tmp_path / "run")
    (found_path,) = glob.glob(str(tmp_path / "run" / "events.out.tfevents.*"))
    assert found[0][1:] == (0, b"brain.Event:2")  # the file's version first
    assert [(step, values) for _, step, values in found[1:]] == [
        (0, {"Loss/train": 3.25}), (1, {"Loss/train": 2.5}), (2, {"Loss/train": 1.75}), (10, {"Loss/test": 2.5}),
        (10, {"lr": pytest.approx(1e-3)})]
    assert found[-1][0] == 1234.5
    writer.close()
    writer.close()
    writer.add_scalar("again", 1.0, 11)  # after close(): a new event file, as PyTorch's writer starts one
    writer.close()
    second = [p for p in glob.glob(str(tmp_path / "run" / "events.out.tfevents.*")) if p != found_path]
    assert len(second) == 1 and [fields(r) for r in records(second[0])][1][1] == (2, 11)


def test_records_wait_for_flush_or_the_queue_and_the_file_is_whole(tmp_path):
    writer = SummaryWriter(tmp_path, max_queue=3)
    (path,) = glob.glob(str(tmp_path / "events.out.tfevents.*"))
    writer.add_scalar("a", 1.0, 0)
    writer.add_scalar("a", 2.0, 1)
    assert len(records(path)) == 1  # only the version so far
    writer.add_scalar("a", 3.0, 2)  # the third fills the queue
    assert len(records(path)) == 4
    with SummaryWriter(tmp_path / "with") as other:
        other.add_scalar("b", 1.0)
    assert [v for _, _, v in events(tmp_path / "with")][1:] == [{"b": 1.0}]


def test_records_waiting_flush_secs_are_written_by_the_background_thread(tmp_path, monkeypatch):
    monkeypatch.setattr(tensorboard_records, "_FLUSH_TICK", 0.05)
    writer = SummaryWriter(tmp_path, flush_secs=0.2)
    (path,) = glob.glob(str(tmp_path / "events.out.tfevents.*"))
    writer.add_scalar("epoch_loss", 0.5, 1)  # a loop that logs once an epoch: one record, then a long wait
    assert len(records(path)) == 1
    deadline = time.monotonic() + 20
    while len(records(path)) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [values for _, _, values in events(tmp_path)[1:]] == [{"epoch_loss": 0.5}]  # without flush() or close()
    writer.close()


def test_a_script_that_never_closes_its_writer_keeps_its_records(tmp_path):
    script = ("from autograd_core.utils.tensorboard import SummaryWriter\n"
              f"writer = SummaryWriter({str(tmp_path)!r})\n"
              "writer.cycle = writer  # (in a reference cycle: no reference count frees it at exit)\n"
              "for step in range(3):\n    writer.add_scalar('loss', 1.0 / (step + 1), step)\n")
    subprocess.run([sys.executable, "-c", script], check=True)
    assert [(step, values) for _, step, values in events(tmp_path)[1:]] == [
        (0, {"loss": 1.0}), (1, {"loss": 0.5}), (2, {"loss": pytest.approx(1 / 3)})]


def test_add_scalars_writes_a_subfolder_per_tag(tmp_path):
    with SummaryWriter(tmp_path) as writer:
        writer.add_scalars("run_14h", {"xsinx": 0.5, "tanx": -1.5}, 3)
        writer.add_scalars("run_14h", {"xsinx": 0.75, "tanx": -1.0}, 4)
    for tag, expected in (("xsinx", [0.5, 0.75]), ("tanx", [-1.5, -1.0])):
        found = events(tmp_path / f"run_14h_{tag}")
        assert [(step, values) for _, step, values in found[1:]] == [(3, {"run_14h": expected[0]}),
                                                                      (4, {"run_14h": expected[1]})]


def test_add_text_is_a_string_tensor_for_the_text_plugin(tmp_path):
    with SummaryWriter(tmp_path) as writer:
        writer.add_text("notes", "**lr** = 0.1 ✓", 7)
    _, step, values = events(tmp_path)[1]
    value = dict(values["notes/text_summary"])
    tensor, metadata = dict(fields(value[8])), dict(fields(value[9]))
    assert step == 7 and dict(fields(metadata[1]))[1] == b"text"
    assert tensor[1] == 7 and tensor[8] == "**lr** = 0.1 ✓".encode()
    assert fields(fields(tensor[2])[0][1]) == [(1, 1)]  # shape (1,)


def histogram(values):
    """The HistogramProto of a Summary.Value's fields: {name: number or list}."""
    fields_ = dict(fields(dict(values)[5]))
    named = {name: fields_.get(number, 0.0) for number, name in enumerate(("min", "max", "num", "sum", "squares"), 1)}
    for number, name in ((6, "limits"), (7, "counts")):
        named[name] = np.frombuffer(fields_.get(number, b""), "<f8").tolist()
    return named


def test_histograms_as_pytorch_buckets_them(tmp_path):
    with SummaryWriter(tmp_path) as writer:
        writer.add_histogram("few", np.array([0.0, 0.0, 3.0]), 1, bins=4)
        writer.add_histogram("merged", torch.arange(10.0), 2, bins=10, max_bins=3)
        writer.add_histogram("one", [1.0], 3)  # TensorBoard's default edges
        writer.add_histogram_raw("raw", 0, 5, 10, 20, 60, [1, 2, 5], [3, 3, 4], 4)
    found = [values for _, _, values in events(tmp_path)[1:]]
    # np.histogram's four buckets, an empty one kept left of the first used (only right edges are stored)
    assert histogram(found[0]["few"]) == {"min": 0.0, "max": 3.0, "num": 3.0, "sum": 3.0, "squares": 9.0,
                                          "limits": [0.0, 0.75, 1.5, 2.25, 3.0], "counts": [0, 2, 0, 0, 1]}
    merged = histogram(found[1]["merged"])  # ten buckets three at a time: 3, 3, 3 and the last one alone
    assert merged["counts"] == [0, 3, 3, 3, 1] and merged["limits"] == pytest.approx([0, 2.7, 5.4, 8.1, 9])
    one = histogram(found[2]["one"])
    assert one["counts"] == [0, 1] and one["limits"][0] < 1.0 <= one["limits"][1] == pytest.approx(1.1 ** 290 * 1e-12)
    assert histogram(found[3]["raw"]) == {"min": 0.0, "max": 5.0, "num": 10.0, "sum": 20.0, "squares": 60.0,
                                          "limits": [1.0, 2.0, 5.0], "counts": [3.0, 3.0, 4.0]}


def summary_image(values):
    """A Summary.Value's image: (height, width, channels, the PNG decoded to an array)."""
    image = dict(fields(dict(values)[4]))
    return image[1], image[2], image[3], decoded_png(image[4])


def decoded_png(data):
    """The pixels of a PNG of 8-bit RGB or RGBA rows without filters (what `tensorboard_images.png` writes), by hand."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    at, chunks = 8, {}
    while at < len(data):
        (n,) = struct.unpack(">I", data[at:at + 4])
        kind, body = data[at + 4:at + 8], data[at + 8:at + 8 + n]
        assert struct.unpack(">I", data[at + 8 + n:at + 12 + n])[0] == zlib.crc32(kind + body)
        chunks[kind] = chunks.get(kind, b"") + body
        at += 12 + n
    width, height, depth, colour = struct.unpack(">IIBB", chunks[b"IHDR"][:10])
    channels = {2: 3, 6: 4}[colour]
    rows = np.frombuffer(zlib.decompress(chunks[b"IDAT"]), np.uint8).reshape(height, 1 + width * channels)
    assert depth == 8 and (rows[:, 0] == 0).all()
    return rows[:, 1:].reshape(height, width, channels)


def test_images_as_pytorch_lays_them_out_and_scales_them(tmp_path):
    rng = np.random.default_rng(0)
    chw = rng.random((3, 5, 7))
    with SummaryWriter(tmp_path) as writer:
        writer.add_image("chw", chw, 1)                                       # floats: 0..1 scaled by 255
        writer.add_image("gray", torch.tensor(chw[:1]), 2)                     # one channel, three times
        writer.add_image("hwc", (chw.transpose(1, 2, 0) * 255).astype(np.uint8), 3, dataformats="HWC")  # uint8
        writer.add_image("hw", np.array([[-0.5, 0.5], [1.0, 2.0]]), 4, dataformats="HW")  # clipped to 0..255
        writer.add_images("batch", rng.random((11, 1, 2, 3)), 5)              # eight a row, two rows
    found = [values for _, _, values in events(tmp_path)[1:]]
    expected = (chw.transpose(1, 2, 0).astype(np.float32) * 255).astype(np.uint8)
    height, width, channels, pixels = summary_image(found[0]["chw"])
    assert (height, width, channels) == (5, 7, 3) and (pixels == expected).all()
    assert (summary_image(found[1]["gray"])[3] == expected[:, :, :1]).all()
    assert (summary_image(found[2]["hwc"])[3] == (chw.transpose(1, 2, 0) * 255).astype(np.uint8)).all()
    assert summary_image(found[3]["hw"])[3][:, :, 0].tolist() == [[0, 127], [255, 255]]
    height, width, channels, batch = summary_image(found[4]["batch"])
    assert (height, width, channels) == (4, 24, 3) and (batch[2:, 9:].sum() == 0)  # black after image 11


def test_a_matplotlib_figure_as_an_image(tmp_path):
    plt = pytest.importorskip("matplotlib.pyplot")
    figure = plt.figure(figsize=(2, 1), dpi=40)
    plt.plot([0, 1], [0, 1], color="red")
    with SummaryWriter(tmp_path) as writer:
        writer.add_figure("line", figure, 0)
    assert not plt.fignum_exists(figure.number)  # closed, as PyTorch closes it
    height, width, channels, pixels = summary_image(events(tmp_path)[1][2]["line"])
    assert (height, width, channels) == (40, 80, 3) and ((pixels[:, :, 0] > 200) & (pixels[:, :, 1] < 100)).any()


def test_a_pr_curve_counts_each_threshold(tmp_path):
    with SummaryWriter(tmp_path) as writer:
        writer.add_pr_curve("cat", np.array([1, 0, 1, 1]), torch.tensor([0.9, 0.8, 0.3, 0.6]), 7, num_thresholds=5)
    _, step, values = events(tmp_path)[1]
    value = dict(values["cat"])
    tensor, plugin = dict(fields(value[8])), dict(fields(dict(fields(value[9]))[1]))
    assert step == 7 and plugin[1] == b"pr_curves" and fields(plugin[2]) == [(2, 5)]  # num_thresholds
    assert tensor[1] == 1 and [size for _, dim in fields(tensor[2]) for _, size in fields(dim)] == [6, 5]
    # buckets floor(p · 4): 3, 3, 1, 2; counts at or above each of the five thresholds
    np.testing.assert_allclose(np.frombuffer(tensor[5], "<f4").reshape(6, 5), [
        [3, 3, 2, 1, 0],                    # true positives
        [1, 1, 1, 1, 0],                    # false positives
        [0, 0, 0, 0, 1],                    # true negatives
        [0, 0, 1, 2, 3],                    # false negatives
        [0.75, 0.75, 2 / 3, 0.5, 0],        # precision
        [1, 1, 2 / 3, 1 / 3, 0]], rtol=1e-6)  # recall


def test_embeddings_for_the_projector(tmp_path):
    with SummaryWriter(tmp_path) as writer:
        writer.add_embedding(np.array([[1.0, 2.5], [0.1, -3.0], [0.0, 1.0]], np.float32), metadata=["a", "b", "a"],
                             label_img=np.ones((3, 1, 2, 2)))
        writer.add_embedding(torch.tensor([[1.0], [2.0]]), metadata=[["x", 1], ["y", 2]], metadata_header=["k", "n"],
                             global_step=12, tag="more")
    tensors = (tmp_path / "00000" / "default" / "tensors.tsv").read_text()
    assert tensors == "1.0\t2.5\n0.10000000149011612\t-3.0\n0.0\t1.0\n"  # float32's 0.1 as PyTorch writes it
    assert (tmp_path / "00000" / "default" / "metadata.tsv").read_text() == "a\nb\na\n"
    assert (tmp_path / "00012" / "more" / "metadata.tsv").read_text() == "k\tn\nx\t1\ny\t2\n"
    sprite = decoded_png((tmp_path / "00000" / "default" / "sprite.png").read_bytes())
    assert sprite.shape == (4, 4, 3) and (sprite[:2].all() and sprite[2:, :2].all() and not sprite[2:, 2:].any())
    assert (tmp_path / "projector_config.pbtxt").read_text() == (
        'embeddings {\n  tensor_name: "default:00000"\n  metadata_path: "00000/default/metadata.tsv"\n  sprite {\n'
        '    image_path: "00000/default/sprite.png"\n    single_image_dim: 2\n    single_image_dim: 2\n  }\n'
        '  tensor_path: "00000/default/tensors.tsv"\n}\n'
        'embeddings {\n  tensor_name: "more:00012"\n  metadata_path: "00012/more/metadata.tsv"\n'
        '  tensor_path: "00012/more/tensors.tsv"\n}\n')


class Net(nn.Module):
    """The TensorBoard tutorial's network, for Fashion-MNIST's 28×28 images."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5)
        self.pool = nn.MaxPool2d(2, 2)
        self.fc1 = nn.Linear(6 * 12 * 12, 10)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        return self.fc1(x.view(-1, 6 * 12 * 12))


def test_add_graph_names_each_operation_by_its_modules(tmp_path):
    with SummaryWriter(tmp_path) as writer:
        writer.add_graph(Net(), np.zeros((4, 1, 28, 28), np.float32))
    graph_events = [dict(fields(r)) for r in records(glob.glob(str(tmp_path / "events.out.tfevents.*"))[0])]
    (graph,) = [e[4] for e in graph_events if 4 in e]
    nodes = {}
    for number, node in fields(graph):
        if number == 1:
            node = fields(node)
            name = dict(node)[1].decode()
            shapes = fields(dict(fields(dict(fields(dict(node)[5]))[2]))[1])  # attr _output_shapes: list.shape
            shape = tuple(size for _, dim in fields(shapes[0][1]) for _, size in fields(dim))
            nodes[name] = (dict(node)[2].decode(), [v.decode() for k, v in node if k == 3], shape)
    assert nodes == {
        "Net/Conv2d[conv1]/weight": ("prim::GetAttr", [], (6, 1, 5, 5)),
        "Net/Conv2d[conv1]/bias": ("prim::GetAttr", [], (6,)),
        "Net/Linear[fc1]/weight": ("prim::GetAttr", [], (10, 864)),
        "Net/Linear[fc1]/bias": ("prim::GetAttr", [], (10,)),
        "input/input.0": ("IO Node", [], (4, 1, 28, 28)),
        "Net/Conv2d[conv1]/conv2d.1": ("conv2d", ["input/input.0", "Net/Conv2d[conv1]/weight",
                                                  "Net/Conv2d[conv1]/bias"], (4, 6, 24, 24)),
        "Net/relu.1": ("relu", ["Net/Conv2d[conv1]/conv2d.1"], (4, 6, 24, 24)),
        "Net/MaxPool2d[pool]/max_pool2d.1": ("max_pool2d", ["Net/relu.1"], (4, 6, 12, 12)),
        "Net/reshape.1": ("reshape", ["Net/MaxPool2d[pool]/max_pool2d.1"], (4, 864)),
        "Net/Linear[fc1]/linear.1": ("linear", ["Net/reshape.1", "Net/Linear[fc1]/weight", "Net/Linear[fc1]/bias"],
                                     (4, 10)),
        "output/output.0": ("IO Node", ["Net/Linear[fc1]/linear.1"], (4, 10))}


def test_bad_values_and_what_is_not_here(tmp_path):
    with SummaryWriter(tmp_path) as writer:
        with pytest.raises(ValueError, match=r"add_scalar: expected one real number, got ndarray of shape \(2,\)"):
            writer.add_scalar("x", np.ones(2), 0)
        with pytest.raises(ValueError, match="global_step must be a whole number"):
            writer.add_scalar("x", 1.0, 0.5)
        with pytest.raises(NotImplementedError, match="SummaryWriter.add_onnx_graph: not available"):
            writer.add_onnx_graph("model.onnx")
        with pytest.raises(ValueError, match=r"add_video: expected a video of shape \(N, T, C, H, W\), got \(2, 3"):
            writer.add_video("v", np.zeros((2, 3, 4, 4)))
        with pytest.raises(ValueError, match=r"add_video: the video is empty \(shape \(1, 0, 3, 4, 4\)\)"):
            writer.add_video("v", np.zeros((1, 0, 3, 4, 4)))
        with pytest.raises(ValueError, match=r"add_image_with_boxes: boxes must have shape \(K, 4\)"):
            writer.add_image_with_boxes("b", np.zeros((3, 8, 8)), np.zeros(4))
        with pytest.raises(ValueError, match=r"add_pr_curve: labels of shape \(3,\) but predictions of shape \(2,\)"):
            writer.add_pr_curve("pr", [1, 0, 1], [0.5, 0.5])
        with pytest.raises(ValueError, match="add_embedding: 2 labels for 3 points"):
            writer.add_embedding(np.ones((3, 2)), metadata=["a", "b"])
        with pytest.raises(ValueError, match=r"add_image: an image of shape \(2, 2\) does not match dataformats 'CHW'"):
            writer.add_image("img", np.ones((2, 2)), 0)
        with pytest.raises(ValueError, match="add_image: an image needs 1, 3 or 4 channels, got 2"):
            writer.add_image("img", np.ones((2, 3, 3)), 0)
        with pytest.raises(ValueError, match="add_histogram: the values are empty"):
            writer.add_histogram("w", [], 0)
        with pytest.raises(ValueError, match="2 bucket limits but 3 bucket counts"):
            writer.add_histogram_raw("w", 0, 1, 3, 1, 1, [0.5, 1], [1, 1, 1])
        with pytest.raises(ValueError, match="add_tensor: t has unsupported tensor dtype uint16"):
            writer.add_tensor("t", np.zeros(2, np.uint16))
        with pytest.raises(ValueError, match=r"add_audio: expected one channel of samples .* got shape \(2, 3\)"):
            writer.add_audio("a", np.zeros((2, 3)))
        with pytest.raises(ValueError, match=r"add_mesh: faces must have shape \(batch, n, 3\), got \(2, 3\)"):
            writer.add_mesh("m", np.zeros((1, 4, 3)), faces=np.zeros((2, 3)))
        with pytest.raises(ValueError, match="add_custom_scalars: a margin chart needs 3 tags"):
            writer.add_custom_scalars({"c": {"t": ["Margin", ["a", "b"]]}})
    assert len(events(tmp_path)) == 1  # nothing written by the refused calls


def plugin_of(value):
    """(plugin name, content) of a Summary.Value's fields' metadata."""
    plugin_data = dict(fields(dict(fields(dict(value)[9]))[1]))
    return plugin_data[1].decode(), plugin_data.get(2, b"")


def test_hyper_parameters_of_a_run_for_the_hparams_tab(tmp_path):
    with SummaryWriter(tmp_path) as writer:
        writer.add_hparams({"lr": 0.1, "bsize": np.int64(32), "optimizer": "adam", "batch_norm": False,
                            "dropout": torch.tensor(0.5), "seed": None},
                           {"hparam/accuracy": 0.75, "hparam/loss": torch.tensor(0.25)},
                           hparam_domain_discrete={"optimizer": ["adam", "sgd"]}, run_name="trial1", global_step=3)
    experiment, start, end, *metrics = [values for _, _, values in events(tmp_path / "trial1")[1:]]
    (tag, value), = experiment.items()
    plugin, content = plugin_of(value)
    assert (tag, plugin) == ("_hparams_/experiment", "hparams")
    (field, message), = fields(content)  # HParamsPluginData{version 0 (left out), experiment}
    infos = [dict(fields(info)) for number, info in fields(message) if number == 4]
    assert field == 2 and [(i[1], i[4]) for i in infos] == [
        (b"lr", 3), (b"bsize", 3), (b"optimizer", 1), (b"batch_norm", 2), (b"dropout", 3)]  # FLOAT64, STRING, BOOL
    assert fields(infos[2][5]) == [(1, bytes([0x1a, 4]) + b"adam"), (1, bytes([0x1a, 3]) + b"sgd")]  # the domain
    assert [fields(fields(m)[0][1]) for number, m in fields(message) if number == 5] == [
        [(2, b"hparam/accuracy")], [(2, b"hparam/loss")]]
    (tag, value), = start.items()
    (field, message), = fields(plugin_of(value)[1])
    entries = {dict(fields(e))[1].decode(): fields(dict(fields(e))[2])[0] for _, e in fields(message)}
    assert tag == "_hparams_/session_start_info" and field == 3
    assert entries == {"lr": (2, 0.1), "bsize": (2, 32.0), "optimizer": (3, b"adam"), "batch_norm": (4, 0),
                       "dropout": (2, 0.5)}  # google.protobuf.Value: number_value, string_value, bool_value
    (tag, value), = end.items()
    assert tag == "_hparams_/session_end_info" and fields(plugin_of(value)[1]) == [(4, bytes([8, 1]))]  # success
    assert metrics == [{"hparam/accuracy": 0.75}, {"hparam/loss": 0.25}]
    assert [step for _, step, _ in events(tmp_path / "trial1")[1:]] == [3] * 5


def test_bad_hyper_parameters_are_refused_before_a_folder_is_made(tmp_path):
    with SummaryWriter(tmp_path) as writer:
        with pytest.raises(ValueError, match="add_hparams: hyper-parameter 'layers' is a list"):
            writer.add_hparams({"lr": 0.1, "layers": [1, 2]}, {"loss": 1.0}, run_name="r")
        with pytest.raises(TypeError, match=r"hparam_domain_discrete\['lr'\] should be a list of values of the type"):
            writer.add_hparams({"lr": 0.1}, {"loss": 1.0}, hparam_domain_discrete={"lr": ["big"]}, run_name="r")
        with pytest.raises(ValueError, match="add_hparams: metric 'loss': expected one real number"):
            writer.add_hparams({"lr": 0.1}, {"loss": "low"}, run_name="r")
        with pytest.raises(TypeError, match="should be dictionaries"):
            writer.add_hparams([("lr", 0.1)], {"loss": 1.0}, run_name="r")
    assert not (tmp_path / "r").exists()


def test_custom_scalar_layouts(tmp_path):
    with SummaryWriter(tmp_path) as writer:
        writer.add_custom_scalars({"Losses": {"train vs val": ["Multiline", ["loss/train", "loss/val"]]},
                                   "Accuracy": {"band": ["Margin", ["acc/mid", "acc/low", "acc/high"]]}})
        writer.add_custom_scalars_multilinechart(["a", "b"], category="c", title="t")
    (_, step, first), (_, _, second) = events(tmp_path)[1:]
    value = first["custom_scalars__config__"]
    tensor = dict(fields(dict(value)[8]))
    assert step == 0 and plugin_of(value) == ("custom_scalars", b"") and tensor[1] == 7 and tensor[2] == b""
    categories = [dict(fields(c)) for _, c in fields(tensor[8])]
    assert [c[1] for c in categories] == [b"Losses", b"Accuracy"]
    losses, band = (dict(fields(c[2])) for c in categories)
    assert losses[1] == b"train vs val" and fields(losses[2]) == [(1, b"loss/train"), (1, b"loss/val")]
    assert band[1] == b"band" and fields(fields(band[3])[0][1]) == [(1, b"acc/mid"), (2, b"acc/low"), (3, b"acc/high")]
    layout = fields(dict(fields(dict(second["custom_scalars__config__"])[8]))[8])
    assert fields(layout[0][1])[0] == (1, b"c")


def packed_varints(data):
    """The numbers of a packed repeated varint field, negative ones read back from their 64-bit two's complement."""
    out, at = [], 0
    while at < len(data):
        n, at = read_varint(data, at)
        out.append(n - (1 << 64) if n >= 1 << 63 else n)
    return out


@pytest.mark.parametrize("array, dtype_code, field", [
    (np.array([[1.5, -2.0, 0.0], [3.25, 1e30, -1e-3]], np.float32), 1, 5),
    (np.array([0.1, -7.0]), 2, 6),
    (np.array([[-3, 0, 100]], np.int8), 6, 7), (np.array([-300, 7], np.int16), 5, 7),
    (np.array([-70000, 2], np.int32), 3, 7), (np.array([-(2 ** 40), 2], np.int64), 9, 10),
    (np.array([0, 255, 7], np.uint8), 4, 16), (np.array([True, False, True]), 10, 11),
    (np.array([1 + 2j, -3j], np.complex64), 8, 9), (np.array([0.5 - 1j], np.complex128), 18, 12),
    (np.array([[1.5, -2.25], [0.0, 65504.0]], np.float16), 19, 13)])
def test_add_tensor_writes_the_whole_tensor(tmp_path, array, dtype_code, field):
    with SummaryWriter(tmp_path) as writer:
        writer.add_tensor("t", array if array.dtype.kind == "c" else torch.tensor(array), 4)  # (no complex Values)
    _, step, values = events(tmp_path)[1]
    value = values["t"]
    tensor = dict(fields(dict(value)[8]))
    assert step == 4 and plugin_of(value) == ("tensor", b"") and tensor[1] == dtype_code
    assert [dict(fields(d))[1] for _, d in fields(tensor[2])] == list(array.shape)
    if array.dtype.kind in "fc" and array.dtype != np.float16:
        read = np.frombuffer(tensor[field], dtype="<f" if array.dtype in (np.float32, np.complex64) else "<d")
        read = read.view(array.dtype) if array.dtype.kind == "c" else read
    else:
        read = np.array(packed_varints(tensor[field]))
        read = read.astype(np.uint16).view(np.float16) if array.dtype == np.float16 else read  # each value's 16 bits
    np.testing.assert_array_equal(read.astype(array.dtype), array.reshape(-1))


def test_audio_is_a_wav_file_of_16_bit_samples(tmp_path):
    import io
    import wave
    tone = 0.5 * np.sin(2 * np.pi * 440 * np.arange(800) / 8000)
    with SummaryWriter(tmp_path) as writer:
        writer.add_audio("tone", torch.tensor(tone[None]), 2, sample_rate=8000)  # (1, L) as torchaudio loads it
        with pytest.warns(UserWarning, match="amplitude out of range"):
            writer.add_audio("loud", np.array([2.0, -3.0, 0.5]), 3)
    (_, step, tone_values), (_, _, loud_values) = events(tmp_path)[1:]
    audio = dict(fields(dict(tone_values["tone"])[6]))
    assert step == 2 and (audio[1], audio[2], audio[3], audio[5]) == (8000.0, 1, 800, b"audio/wav")
    with wave.open(io.BytesIO(audio[4])) as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate(), w.getnframes()) == (1, 2, 8000, 800)
        samples = np.frombuffer(w.readframes(800), "<i2")
    np.testing.assert_array_equal(samples, (tone * 32767).astype(np.int16))
    with wave.open(io.BytesIO(dict(fields(dict(loud_values["loud"])[6]))[4])) as w:
        assert list(np.frombuffer(w.readframes(3), "<i2")) == [32767, -32767, 16383]  # clipped to -1..1


def test_a_mesh_is_one_tensor_per_part(tmp_path):
    vertices = np.array([[[1, 1, 1], [-1, -1, 1], [1, -1, -1], [-1, 1, -1]]], np.float32)
    faces = np.array([[[0, 2, 3], [0, 3, 1], [0, 1, 2]]])
    with SummaryWriter(tmp_path) as writer:
        writer.add_mesh("tetra", torch.tensor(vertices), faces=faces, config_dict={"camera": {"fov": 75}},
                        global_step=1)
    _, step, values = events(tmp_path)[1]
    assert step == 1 and list(values) == ["tetra_VERTEX", "tetra_FACE"]  # (colors not given: no part)
    for value, (array, content_type) in zip(values.values(), ((vertices, 1), (faces, 2))):
        plugin, content = plugin_of(value)
        mesh = dict(fields(content))
        assert plugin == "mesh" and (mesh[2], mesh[3], mesh[5], mesh[7]) == (
            b"tetra", content_type, b'{"camera": {"fov": 75}}', 0b110)  # parts present: 1 << VERTEX | 1 << FACE
        assert packed_varints(mesh[6]) == list(array.shape)
        tensor = dict(fields(dict(value)[8]))
        assert tensor[1] == 1 and list(np.frombuffer(tensor[5], "<f")) == list(array.reshape(-1))


def decoded_gif(data):
    """The frames (T, H, W, 3) of a GIF and its info (duration in ms, loop), as Pillow reads them."""
    from PIL import Image, ImageSequence

    gif = Image.open(io.BytesIO(data))
    return np.stack([np.asarray(frame.convert("RGB")) for frame in ImageSequence.Iterator(gif)]), gif.info


def test_a_video_is_an_animated_gif_of_the_clips_side_by_side(tmp_path):
    pytest.importorskip("PIL")
    rng = np.random.default_rng(0)
    few = rng.integers(0, 4, (3, 5, 3, 6, 7)).astype(np.uint8) * 80  # 3 clips of 5 frames, 64 colours
    many = rng.random((1, 4, 1, 40, 40))  # gray noise: more than 256 colours
    with SummaryWriter(tmp_path) as writer:
        writer.add_video("few", few, 1, fps=5)
        writer.add_video("many", torch.tensor(many), 2)
        writer.add_video("four", np.ones((4, 1, 3, 2, 3)), 3)
    (_, step, first), (_, _, second), (_, _, third) = events(tmp_path)[1:]
    assert [dict(fields(dict(third["four"])[4]))[k] for k in (1, 2)] == [4, 6]  # 4 clips: 2 rows of 2
    image = dict(fields(dict(first["few"])[4]))
    frames, info = decoded_gif(image[4])
    assert step == 1 and (image[1], image[2], image[3]) == (6, 28, 3)  # 3 clips padded to 4, in one row of 4
    expected = np.zeros((5, 6, 28, 3), np.uint8)
    for clip in range(3):
        expected[:, :, clip * 7:(clip + 1) * 7] = few[clip].transpose(0, 2, 3, 1)
    np.testing.assert_array_equal(frames, expected)  # 256 colours or fewer: exact
    assert (info["duration"], info["loop"]) == (200, 0)  # 5 frames a second, looping
    frames, _ = decoded_gif(dict(fields(dict(second["many"])[4]))[4])
    expected = np.repeat((many[0, :, 0] * 255).astype(np.uint8)[..., None], 3, axis=3)
    assert frames.shape == (4, 40, 40, 3) and np.abs(frames.astype(int) - expected).max() <= 26  # a 6x7x6 cube


def test_boxes_drawn_on_an_image_with_their_labels(tmp_path):
    pytest.importorskip("PIL")
    image = np.zeros((3, 40, 60), np.float32)
    image[2] = 1.0  # blue
    with SummaryWriter(tmp_path) as writer:
        writer.add_image_with_boxes("det", image, torch.tensor([[5.0, 5.0, 30.0, 35.0]]), 3, labels=["cat"])
        writer.add_image_with_boxes("big", image, np.array([[5, 5, 30, 35]]), 3, rescale=2)
        with pytest.warns(UserWarning, match="2 labels for 1 boxes: drawn without labels"):
            writer.add_image_with_boxes("unlabelled", image, np.array([[5, 5, 30, 35]]), 3, labels=["a", "b"])
    (_, step, det), (_, _, big), (_, _, unlabelled) = events(tmp_path)[1:]
    encoded = dict(fields(dict(det["det"])[4]))
    pixels = decoded_png(encoded[4])
    red, blue = [255, 0, 0], [0, 0, 255]
    assert step == 3 and (encoded[1], encoded[2], encoded[3]) == (40, 60, 3)
    assert pixels[20, 5].tolist() == red and pixels[5, 20].tolist() == red and pixels[20, 30].tolist() == red
    assert pixels[20, 20].tolist() == blue and pixels[2, 2].tolist() == blue  # inside and outside the box
    text = pixels[30:36, 6:16]
    assert pixels[26, 8].tolist() == red and ((text[..., 0] < 60) & (text[..., 2] == 0)).any()  # dark text on red
    plain = decoded_png(dict(fields(dict(unlabelled["unlabelled"])[4]))[4])
    assert plain[26, 8].tolist() == blue  # no label's band
    assert decoded_png(dict(fields(dict(big["big"])[4]))[4]).shape == (80, 120, 3)


def test_boxes_need_pillow_and_say_so(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "PIL", None)
    with SummaryWriter(tmp_path) as writer:
        with pytest.raises(ImportError, match="add_image_with_boxes draws with Pillow: pip install pillow"):
            writer.add_image_with_boxes("b", np.zeros((3, 8, 8)), np.zeros((1, 4)))


def test_purge_step_tells_tensorboard_to_drop_what_a_crashed_run_logged_after_it(tmp_path):
    with SummaryWriter(tmp_path / "first") as writer:
        pass
    writer = SummaryWriter(tmp_path / "run", purge_step=5)
    (path,) = glob.glob(str(tmp_path / "run" / "events.out.tfevents.*"))
    written = [fields(r) for r in records(path)]  # on the disk at once: a crash right after still purges
    assert [f[1:] for f in written] == [[(3, b"brain.Event:2")], [(2, 5), (3, b"brain.Event:2")],
                                        [(2, 5), (7, bytes([8, 1]))]]  # SessionLog{status: START} at step 5
    writer.add_scalar("loss", 1.0, 5)
    writer.close()
    writer.add_scalar("loss", 1.0, 6)  # a new file after close(): no second purge, as PyTorch's
    writer.close()
    assert sum(len(records(p)) for p in glob.glob(str(tmp_path / "run" / "events.out.tfevents.*"))) == 6


def test_the_default_log_dir_is_pytorchs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    writer = SummaryWriter(comment="_lr0.1")
    assert writer.get_logdir().startswith("runs" + os.sep) and writer.get_logdir().endswith("_lr0.1")
    writer.close()


def test_tensorboards_own_reader_reads_them(tmp_path):
    accumulator = pytest.importorskip("tensorboard.backend.event_processing.event_accumulator")
    with SummaryWriter(tmp_path) as writer:
        for step in range(3):
            writer.add_scalar("Loss/train", 1.0 / (step + 1), step)
        writer.add_text("notes", "hello", 0)
        writer.add_histogram("w", np.arange(10.0), 0)
        writer.add_image("img", np.ones((3, 4, 5)), 0)
        writer.add_graph(Net(), np.zeros((1, 1, 28, 28), np.float32))
        writer.add_pr_curve("pr", np.array([1, 0]), np.array([0.7, 0.2]), 0)
        writer.add_tensor("half", np.array([1.5, -2.25], np.float16), 0)
        writer.add_audio("a", np.zeros(100), 0, sample_rate=1000)
        writer.add_hparams({"lr": 0.1, "opt": "adam"}, {"hparam/acc": 0.9}, run_name="trial")
    from tensorboard.backend.event_processing import plugin_event_accumulator
    from tensorboard.plugins.hparams import metadata
    from tensorboard.util import tensor_util
    trial = plugin_event_accumulator.EventAccumulator(str(tmp_path / "trial"))
    trial.Reload()
    start = trial.SummaryMetadata("_hparams_/session_start_info").plugin_data.content
    assert metadata.parse_session_start_info_plugin_data(start).hparams["opt"].string_value == "adam"
    experiment = trial.SummaryMetadata("_hparams_/experiment").plugin_data.content
    assert [i.name for i in metadata.parse_experiment_plugin_data(experiment).hparam_infos] == ["lr", "opt"]
    acc = accumulator.EventAccumulator(str(tmp_path), size_guidance={"tensors": 0, "audio": 0})
    acc.Reload()
    assert acc.Histograms("w")[0].histogram_value.num == 10 and acc.Images("img")[0].width == 5
    assert len(acc.Graph().node) == 11
    assert "pr" in acc.Tags()["tensors"]
    assert [(e.step, e.value) for e in acc.Scalars("Loss/train")] == [(0, 1.0), (1, 0.5), (2, pytest.approx(1 / 3))]
    assert "notes/text_summary" in acc.Tags()["tensors"]
    assert list(tensor_util.make_ndarray(acc.Tensors("half")[0].tensor_proto)) == [1.5, -2.25]
    assert acc.Audio("a")[0].length_frames == 100


def test_the_writer_module_names_the_summary_writer(tmp_path):
    # PyTorch defines SummaryWriter in torch.utils.tensorboard.writer, and programs name it there: the Zero to Mastery
    # course annotates `-> torch.utils.tensorboard.writer.SummaryWriter()`, a call Python makes at the def.
    import autograd_core.utils.tensorboard.writer as writer_module
    from autograd_core.utils.tensorboard.writer import SummaryWriter as imported

    assert imported is SummaryWriter is torch.utils.tensorboard.writer.SummaryWriter is writer_module.SummaryWriter
    assert writer_module.__name__ == "autograd_core.utils.tensorboard.writer"
    writer = torch.utils.tensorboard.writer.SummaryWriter(log_dir=tmp_path)
    writer.add_scalar("Loss", 0.5, 1)
    writer.close()
    assert events(tmp_path)[1][1:] == (1, {"Loss": 0.5})
