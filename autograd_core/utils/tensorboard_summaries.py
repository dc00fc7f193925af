"""The Summary.Value messages of SummaryWriter's methods, and the checks of what they are given: numbers and steps,
histogram buckets, images, hyper-parameters, custom-scalar layouts, tensors, audio, meshes, and the nodes of a graph
drawn from the Values behind a model's outputs."""

from __future__ import annotations

import io
import json
import warnings
import wave

import numpy as np

from ..ops import data_of
from ..value import Value
from .tensorboard_records import (DT_FLOAT, DT_STRING, TENSOR_FIELDS, VALUE_AUDIO, VALUE_IMAGE, VALUE_METADATA,
                                  VALUE_TAG, VALUE_TENSOR, Proto, tensor_proto)


def as_number(value, what):
    """A Python float from a number, a 0-d or one-element array or Value (`loss.item()` or `loss` itself)."""
    array = np.asarray(data_of(value))
    if array.size != 1 or array.dtype.kind not in "biuf":
        raise ValueError(f"SummaryWriter.{what}: expected one real number, got {type(value).__name__} of shape "
                         f"{array.shape} and dtype {array.dtype}")
    return float(array.reshape(()))


def as_step(global_step, what):
    if global_step is None:
        return None
    number = as_number(global_step, what)
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


TENSORFLOW_BINS = _tensorflow_bins()


def merged_buckets(counts, edges, group):
    """Every `group` neighbouring buckets as one (the last group padded with empty ones): fewer, wider buckets."""
    padding = -len(counts) % group
    counts = np.concatenate([counts, np.zeros(padding, counts.dtype)]).reshape(-1, group).sum(axis=1)
    return counts, np.append(edges[:-1:group], edges[-1])


def trimmed_buckets(counts, edges):
    """The buckets from the first to the last that count a value, each as (right edge, count), with the empty bucket
    left of the first kept (or added) so that the leftmost edge shows: what TensorBoard's histograms hold."""
    used = np.flatnonzero(counts)
    first, last = used[0], used[-1]
    kept = counts[first - 1:last + 1] if first > 0 else np.concatenate([[0], counts[:last + 1]])
    return edges[first:last + 2], kept


def real_array(values, what):
    array = np.asarray(data_of(values))
    if array.dtype.kind not in "biuf":
        raise ValueError(f"SummaryWriter.{what}: expected real numbers, got dtype {array.dtype}")
    return array



def value_outputs(outputs):
    """The Values among a model's outputs: one, or a tuple, list or dict of them (nested)."""
    if isinstance(outputs, Value):
        return [outputs]
    items = outputs.values() if isinstance(outputs, dict) else outputs if isinstance(outputs, (tuple, list)) else ()
    return [v for item in items for v in value_outputs(item)]



def graph_nodes(outputs, names):
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


def image_value(tag, height, width, channels, encoded):
    """A Summary.Value holding an encoded image (PNG or GIF): Summary.Image{height, width, colorspace,
    encoded_image_string}."""
    image = Proto().varint(1, height).varint(2, width).varint(3, channels).bytes(4, encoded)
    return Proto().bytes(VALUE_TAG, str(tag)).bytes(VALUE_IMAGE, image)


def plugin_metadata(name, content=b""):
    """SummaryMetadata{plugin_data{plugin_name, content}}: which TensorBoard plugin reads a value."""
    return Proto().bytes(1, Proto().bytes(1, name).bytes(2, content))


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
        return "number", as_number(value, f"add_hparams: hyper-parameter {name!r}")
    raise ValueError(f"SummaryWriter.add_hparams: hyper-parameter {name!r} is a {type(value).__name__}; it must be "
                     "a bool, str, int, float or a one-element tensor (or None, left out)")


def _hparam_value(kind, value):
    field = _HP_TYPES[kind][0]
    if kind == "number":
        return Proto().double(field, value, present=True)
    if kind == "bool":
        return Proto().varint(field, int(value), present=True)
    return Proto().bytes(field, value) if value else Proto().bytes(field, Proto())  # ("" is still a string)


def hparams_values(hparam_dict, metric_dict, domains):
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
    start, experiment = Proto(), Proto()
    for name, (kind, value) in kinds.items():
        start.bytes(1, Proto().bytes(1, name).bytes(2, _hparam_value(kind, value)))  # map<string, Value> entry
        info = Proto().bytes(1, name).varint(4, _HP_TYPES[kind][1])  # HParamInfo{name, type, domain_discrete}
        if name in domains:
            listed = Proto()
            for v in domains[name]:
                listed.bytes(1, _hparam_value(*_hparam_kind(v, name)))
            info.bytes(5, listed)  # ListValue{values}
        experiment.bytes(4, info)
    for tag in metric_dict:
        experiment.bytes(5, Proto().bytes(1, Proto().bytes(2, str(tag))))  # MetricInfo{name: MetricName{tag}}
    end = Proto().varint(1, _HP_STATUS_SUCCESS)
    values = []
    for tag, field, message in (("_hparams_/experiment", _HP_EXPERIMENT, experiment),
                                ("_hparams_/session_start_info", _HP_SESSION_START, start),
                                ("_hparams_/session_end_info", _HP_SESSION_END, end)):
        content = Proto().bytes(field, message)  # HParamsPluginData{version: 0, one of the three}
        values.append(Proto().bytes(VALUE_TAG, tag).bytes(VALUE_METADATA, plugin_metadata("hparams",
                                                                                              bytes(content.out))))
    return values


def layout_value(layout):
    """The custom-scalars plugin's layout (`{category: {chart title: ["Multiline", [tags]] or ["Margin", [value,
    lower, upper]]}}`) as the Summary.Value PyTorch writes (tensorboard/plugins/custom_scalar/layout.proto)."""
    categories = Proto()
    for category, charts in layout.items():
        entry = Proto().bytes(1, str(category))
        for title, (kind, tags) in charts.items():
            tags = [str(tag) for tag in tags]
            if kind == "Margin":
                if len(tags) != 3:
                    raise ValueError(f"SummaryWriter.add_custom_scalars: a margin chart needs 3 tags (value, lower, "
                                     f"upper), got {len(tags)} for {title!r}")
                series = Proto().bytes(1, tags[0]).bytes(2, tags[1]).bytes(3, tags[2])
                content = (3, Proto().bytes(1, series))  # Chart.margin: MarginChartContent{series}
            else:
                multiline = Proto()
                for tag in tags:
                    multiline.bytes(1, tag)
                content = (2, multiline)  # Chart.multiline: MultilineChartContent{tag}
            entry.bytes(2, Proto().bytes(1, str(title)).bytes(*content))  # Category.chart
        categories.bytes(2, entry)  # Layout.category
    tensor = Proto().varint(1, DT_STRING).bytes(2, Proto()).bytes(8, bytes(categories.out))  # a 0-d string tensor
    return (Proto().bytes(VALUE_TAG, "custom_scalars__config__").bytes(VALUE_TENSOR, tensor)
            .bytes(VALUE_METADATA, plugin_metadata("custom_scalars")))



def tensor_value(tag, tensor):
    array = np.asarray(data_of(tensor))
    if array.dtype not in TENSOR_FIELDS:
        raise ValueError(f"SummaryWriter.add_tensor: {tag} has unsupported tensor dtype {array.dtype} (supported: "
                         f"{', '.join(sorted(str(d) for d in TENSOR_FIELDS))})")
    if array.nbytes >= 1 << 31:
        raise ValueError(f"SummaryWriter.add_tensor: {tag} is bigger than a protocol buffer's limit of 2 GB")
    proto = tensor_proto(array, *TENSOR_FIELDS[array.dtype])
    return (Proto().bytes(VALUE_TAG, str(tag)).bytes(VALUE_TENSOR, proto)
            .bytes(VALUE_METADATA, plugin_metadata("tensor")))


def audio_value(tag, sound, sample_rate):
    """A clip of sound (one channel, amplitudes in -1..1) as a WAV file of 16-bit samples in a Summary.Audio."""
    samples = real_array(sound, "add_audio").squeeze()
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
    audio = (Proto().float(1, float(sample_rate)).varint(2, 1).varint(3, len(pcm)).bytes(4, wav.getvalue())
             .bytes(5, "audio/wav"))
    return Proto().bytes(VALUE_TAG, str(tag)).bytes(VALUE_AUDIO, audio)


_MESH_PARTS = (("VERTEX", 1), ("FACE", 2), ("COLOR", 3))  # tensorboard/plugins/mesh/plugin_data.proto's ContentType


def mesh_values(tag, vertices, colors, faces, config_dict):
    """One Summary.Value per part given (vertices, faces, colors, each (batch, n, 3)), tagged `<tag>_VERTEX`, ...,
    each telling the mesh plugin which parts the mesh has."""
    given = zip(_MESH_PARTS, (vertices, faces, colors))
    parts = [(name, code, real_array(part, "add_mesh")) for (name, code), part in given if part is not None]
    for name, _, array in parts:
        if array.ndim != 3 or array.shape[2] != 3:
            raise ValueError(f"SummaryWriter.add_mesh: {name.lower()}s must have shape (batch, n, 3), got "
                             f"{array.shape}")
    components = sum(1 << code for _, code, _ in parts)
    config = "{}" if config_dict is None else json.dumps(config_dict, sort_keys=True)
    values = []
    for name, code, array in parts:
        plugin_data = (Proto().bytes(2, str(tag)).varint(3, code).bytes(5, config).packed(6, array.shape, "varint")
                       .varint(7, components))  # MeshPluginData{name, content_type, json_config, shape, components}
        tensor = tensor_proto(array.astype(np.float32), DT_FLOAT, 5, "<f")
        values.append(Proto().bytes(VALUE_TAG, f"{tag}_{name}").bytes(VALUE_TENSOR, tensor)
                      .bytes(VALUE_METADATA, plugin_metadata("mesh", bytes(plugin_data.out))))
    return values
