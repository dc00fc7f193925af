"""`SummaryWriter`: PyTorch's `torch.utils.tensorboard`, writing TensorBoard's event files itself.

    from autograd_core.utils.tensorboard import SummaryWriter
    writer = SummaryWriter(log_dir="runs/exp1")            # default: runs/<date>_<time>_<host><comment>
    writer.add_scalar("Loss/train", loss.item(), step)     # then: tensorboard --logdir runs
    writer.add_graph(model, images)                        # the Graphs tab: the model's operations, module by module
    writer.close()

An event file is what TensorBoard reads: TFRecord records (a length, a masked CRC-32C of it, the bytes, a masked CRC-32C
of them), each an `Event` protocol buffer (wall time, step, and a summary of tagged values, or a graph), the first one
naming the file's version. The few messages written here are encoded by hand (`Proto`), images as PNG files by
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
import os
import socket
import time
import warnings
import weakref

import numpy as np

from ..files import replace_file
from ..value import Value
from .tensorboard_images import as_hwc, figure_pixels, gif, png, tiled, to_pixels, video_frames
from .tensorboard_records import (DT_FLOAT, DT_STRING, VALUE_HISTOGRAM, VALUE_METADATA, VALUE_SIMPLE, VALUE_TAG,
                                  VALUE_TENSOR, EventFile, Proto, event, shape_proto, tensor_proto)
from .tensorboard_summaries import (TENSORFLOW_BINS, as_number, as_step, audio_value, graph_nodes, hparams_values,
                                    image_value, layout_value, merged_buckets, mesh_values, plugin_metadata,
                                    real_array, tensor_value, trimmed_buckets, value_outputs)

__all__ = ["SummaryWriter"]


def _write_text(path, text):
    """`text` to `path`, replacing it whole (`autograd_core.files.replace_file`)."""
    data = text.encode("utf-8")
    replace_file(path, lambda file: file.write(data), who="SummaryWriter.add_embedding")



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
        self._file = EventFile(self.log_dir, *self._settings)
        if purge_step is not None:  # TensorBoard then drops what earlier runs logged in log_dir from this step on
            step = as_step(purge_step, "__init__ (purge_step)")
            self._file.add(event(time.time(), step, file_version="brain.Event:2"))
            self._file.add(event(time.time(), step, session_start=True))
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
            self._file, self._scalar_files, self._closed = EventFile(self.log_dir, *self._settings), {}, False
        if folder is None:
            return self._file
        event_file = self._scalar_files.get(folder)
        if event_file is None:
            event_file = self._scalar_files[folder] = EventFile(folder, *self._settings)
        return event_file

    def _write(self, values, global_step, walltime, what, folder=None):
        """One event of a summary holding `values` (a Summary.Value, or a list of them)."""
        wall_time = time.time() if walltime is None else float(walltime)
        values = values if isinstance(values, list) else [values]
        self._event_file(folder).add(event(wall_time, as_step(global_step, what), values))

    def add_scalar(self, tag, scalar_value, global_step=None, walltime=None, new_style=False,
                   double_precision=False):
        """Record `scalar_value` (a number, or a one-element array or Value) under `tag` at `global_step` (an int;
        None: no step) and `walltime` (seconds since the epoch; default now). new_style and double_precision
        (PyTorch's tensor-valued scalars) are accepted; the value is written as TensorBoard's simple_value."""
        value = Proto().bytes(VALUE_TAG, str(tag)).float(VALUE_SIMPLE, as_number(scalar_value, "add_scalar"), True)
        self._write(value, global_step, walltime, "add_scalar")

    def add_scalars(self, main_tag, tag_scalar_dict, global_step=None, walltime=None):
        """Record several scalars to plot together: each `tag: value` of `tag_scalar_dict` in an event file of the
        subfolder `<log_dir>/<main_tag>_<tag>`, under the tag `main_tag` (PyTorch's layout; TensorBoard shows them
        as one chart of several runs)."""
        walltime = time.time() if walltime is None else walltime
        for tag, scalar_value in tag_scalar_dict.items():
            folder = os.path.join(self.log_dir, f"{main_tag}_{tag}".replace("/", "_"))
            value = Proto().bytes(VALUE_TAG, str(main_tag)).float(
                VALUE_SIMPLE, as_number(scalar_value, "add_scalars"), True)
            self._write(value, global_step, walltime, "add_scalars", folder)

    def add_text(self, tag, text_string, global_step=None, walltime=None):
        """Record `text_string` (Markdown in TensorBoard's Text tab) under `tag`, as PyTorch writes it: a string
        tensor of shape (1,) for the "text" plugin, under `<tag>/text_summary`."""
        tensor = (Proto().varint(1, DT_STRING).bytes(2, Proto().bytes(2, Proto().varint(1, 1)))
                  .bytes(8, str(text_string)))  # TensorProto{dtype, tensor_shape{dim{size: 1}}, string_val}
        # (fields in the order of their numbers, as protobuf writes them)
        value = Proto().bytes(VALUE_TAG, f"{tag}/text_summary").bytes(VALUE_TENSOR, tensor)
        value.bytes(VALUE_METADATA, plugin_metadata("text"))
        self._write(value, global_step, walltime, "add_text")

    def add_histogram(self, tag, values, global_step=None, bins="tensorflow", walltime=None, max_bins=None):
        """Record the distribution of `values` (an array, Value or list of numbers, any shape) under `tag`, as
        PyTorch's: counted by `np.histogram` into `bins` ("tensorflow": TensorBoard's default edges, ±1e-12 to
        ±1e20 in steps of ×1.1 around 0; or an int, a NumPy bins name, or the edges), merged `max_bins` at a time
        when given, trimmed to the buckets from the first to the last that count any value (TensorBoard keeps each
        bucket's right edge: one empty bucket stays on the left), with min, max, count, sum and sum of squares."""
        data = real_array(values, "add_histogram").astype(float).reshape(-1)
        if data.size == 0:
            raise ValueError("SummaryWriter.add_histogram: the values are empty")
        counts, edges = np.histogram(data, bins=TENSORFLOW_BINS if isinstance(bins, str) and bins == "tensorflow"
                                     else bins)
        if max_bins is not None and len(counts) > max_bins:
            counts, edges = merged_buckets(counts, edges, len(counts) // max_bins)
        self._histogram(tag, data.min(), data.max(), data.size, data.sum(), data.dot(data),
                        *trimmed_buckets(counts, edges), global_step, walltime, "add_histogram")

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
        histogram = Proto()
        for field, x in enumerate((low, high, num, total, squares), start=1):  # HistogramProto's five doubles
            histogram.double(field, as_number(x, what))
        for field, numbers in ((6, limits), (7, counts)):  # bucket_limit, bucket: packed doubles
            histogram.bytes(field, np.asarray(numbers, dtype="<f8").tobytes())
        value = Proto().bytes(VALUE_TAG, str(tag)).bytes(VALUE_HISTOGRAM, histogram)
        self._write(value, global_step, walltime, what)

    def add_image(self, tag, img_tensor, global_step=None, walltime=None, dataformats="CHW"):
        """Record one image under `tag`: `img_tensor` (array or Value) laid out as `dataformats` says ("CHW", the
        default, "HWC", "HW", or with an N: a batch, tiled eight to a row as `add_images` does), with 1, 3 or 4
        channels. Floats are taken as 0..1 (scaled by 255), uint8 as 0..255, as PyTorch does; stored as a PNG."""
        pixels = to_pixels(as_hwc(real_array(img_tensor, "add_image"), dataformats, "add_image"))
        height, width, channels = pixels.shape
        self._write(image_value(tag, height, width, channels, png(pixels)), global_step, walltime, "add_image")

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
        pixels = to_pixels(as_hwc(real_array(img_tensor, "add_image_with_boxes"), dataformats, "add_image_with_boxes"))
        boxes = real_array(box_tensor, "add_image_with_boxes")
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
        value = image_value(tag, height, width, channels, png(np.asarray(image)))  # (the size before rescaling,
        self._write(value, global_step, walltime, "add_image_with_boxes")             # as PyTorch writes it)

    def add_images(self, tag, img_tensor, global_step=None, walltime=None, dataformats="NCHW"):
        """Record a batch of images as one picture: tiled eight to a row (black where the last row ends), as
        PyTorch's. `dataformats`: "NCHW" (the default), "NHWC", ..."""
        self.add_image(tag, img_tensor, global_step, walltime, dataformats)

    def add_video(self, tag, vid_tensor, global_step=None, fps=4, walltime=None):
        """Record a video (N, T, C, H, W: N clips of T frames; float 0..1 or uint8 0..255; C 1 or 3) for the Images tab,
        as an animated GIF at `fps` frames a second, the N clips side by side as PyTorch lays them out. (PyTorch
        needs moviepy for this; here the GIF is written by hand.)"""
        video = real_array(vid_tensor, "add_video")
        frames = video_frames(video)
        _, height, width, _ = frames.shape
        self._write(image_value(tag, height, width, 3, gif(frames, fps)), global_step, walltime, "add_video")

    def add_figure(self, tag, figure, global_step=None, close=True, walltime=None):
        """Record a matplotlib figure (or a list of them, tiled as `add_images` does) as an image, drawn at its own
        size and dpi; close=True closes it afterwards (as PyTorch does)."""
        figures = figure if isinstance(figure, list) else [figure]
        images = [figure_pixels(f, close) for f in figures]
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
        labels = real_array(labels, "add_pr_curve").astype(np.float64)
        predictions = real_array(predictions, "add_pr_curve")
        if labels.shape != predictions.shape:
            raise ValueError(f"SummaryWriter.add_pr_curve: labels of shape {labels.shape} but predictions of shape "
                             f"{predictions.shape}")
        num_thresholds = min(int(num_thresholds), 127)
        weights = 1.0 if weights is None else real_array(weights, "add_pr_curve")
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
        rows = [real_array(r, "add_pr_curve_raw").reshape(-1) for r in (
            true_positive_counts, false_positive_counts, true_negative_counts, false_negative_counts, precision,
            recall)]
        if len({len(r) for r in rows}) != 1:
            raise ValueError("SummaryWriter.add_pr_curve_raw: the six sequences must have one length, got "
                             f"{[len(r) for r in rows]}")
        self._pr_curve(tag, np.stack(rows), min(int(num_thresholds), 127), global_step, walltime, "add_pr_curve_raw")

    def _pr_curve(self, tag, data, num_thresholds, global_step, walltime, what):
        plugin_data = Proto().varint(2, num_thresholds)  # PrCurvePluginData{num_thresholds}
        tensor = tensor_proto(data.astype(np.float32), DT_FLOAT, 5, "<f")
        value = Proto().bytes(VALUE_TAG, str(tag)).bytes(VALUE_TENSOR, tensor)
        value.bytes(VALUE_METADATA, plugin_metadata("pr_curves", bytes(plugin_data.out)))
        self._write(value, global_step, walltime, what)

    def add_embedding(self, mat, metadata=None, label_img=None, global_step=None, tag="default",
                      metadata_header=None):
        """Write points for TensorBoard's Projector, as PyTorch's: `mat` (N, D) as `<step>/<tag>/tensors.tsv`, the
        N labels of `metadata` (or N rows of columns named by `metadata_header`) as `metadata.tsv`, the N images of
        `label_img` (N, C, H, W) tiled into a square `sprite.png`, all listed in `<log_dir>/projector_config.pbtxt`
        (step: `global_step`, five digits, default 0)."""
        mat = real_array(mat, "add_embedding")
        if mat.ndim != 2:
            raise ValueError(f"SummaryWriter.add_embedding: mat must be (N, D), got shape {mat.shape}")
        step = f"{as_step(global_step, 'add_embedding') or 0:05d}"
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
            images = real_array(label_img, "add_embedding")
            if images.ndim != 4 or len(images) != len(mat):
                raise ValueError(f"SummaryWriter.add_embedding: label_img must be (N, C, H, W) with N = {len(mat)}, "
                                 f"got shape {images.shape}")
            side = int(np.ceil(np.sqrt(len(images))))  # a square of side² places, the last ones black
            padded = np.concatenate([images, np.zeros((side * side - len(images), *images.shape[1:]), images.dtype)])
            sprite = tiled(padded, per_row=side).transpose(1, 2, 0)
            with open(os.path.join(folder, "sprite.png"), "wb") as f:
                f.write(png(to_pixels(sprite)))
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
        graph = Proto()
        for name, op, parents, shape in graph_nodes(value_outputs(outputs), names):
            node = Proto().bytes(1, name).bytes(2, op)
            for parent in parents:
                node.bytes(3, parent)
            node.bytes(4, "/device:CPU:0")
            shapes = Proto().bytes(7, shape_proto(shape))  # AttrValue{list: ListValue{shape: [TensorShapeProto]}}
            node.bytes(5, Proto().bytes(1, "_output_shapes").bytes(2, Proto().bytes(1, shapes)))
            graph.bytes(1, node)
        graph.bytes(4, Proto().varint(1, 22))  # VersionDef{producer}, as PyTorch's
        self._event_file().add(event(time.time(), graph=graph))

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
        values = hparams_values(hparam_dict, metric_dict, hparam_domain_discrete)
        metrics = {tag: as_number(value, f"add_hparams: metric {tag!r}") for tag, value in metric_dict.items()}
        step = as_step(global_step, "add_hparams")
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
        self._write(layout_value(layout), None, None, "add_custom_scalars")

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
        self._write(tensor_value(tag, tensor), global_step, walltime, "add_tensor")

    def add_audio(self, tag, snd_tensor, global_step=None, sample_rate=44100, walltime=None):
        """Record a clip of sound for the Audio tab: `snd_tensor` of shape (L,) or (1, L), amplitudes in -1..1
        (beyond them: clipped, with a warning), `sample_rate` samples a second; written as a 16-bit WAV file."""
        self._write(audio_value(tag, snd_tensor, sample_rate), global_step, walltime, "add_audio")

    def add_mesh(self, tag, vertices, colors=None, faces=None, config_dict=None, global_step=None, walltime=None):
        """Record a 3-D mesh or point cloud for the Mesh tab: `vertices` (B, N, 3) coordinates, `colors` (B, N, 3)
        0..255 per vertex, `faces` (B, F, 3) vertex indices per triangle; `config_dict`: three.js settings (camera,
        lights, material), as JSON."""
        self._write(mesh_values(tag, vertices, colors, faces, config_dict), global_step, walltime, "add_mesh")

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
