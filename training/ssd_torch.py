"""The engine's SSD-MobileNet-v2 (``weights/ssd_coco.onnx``) as a trainable PyTorch module.

The ONNX file is the TF model zoo's COCO detector cut to the engine's classes
(``training/ssd_onnx.py``). This reads its graph once and runs the same
operations in PyTorch: every convolution, batch-norm scale and shift becomes a
parameter (float32, from the file's float16), so the whole network can be
fine-tuned on construction photos (``training/ssd_train.py``) and exported
back to an ONNX file with the same input and outputs, which the engine's
``ssd.py`` runs unchanged. The graph holds only a few kinds of operations
(Conv, Clip, Mul, Add, Transpose, Reshape, Concat and the shape arithmetic
feeding the reshapes); anything else is refused when the file is read.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import torch
import torch.nn.functional as F
from onnx import numpy_helper
from torch import nn

SHAPE_OPS = {"Shape", "Gather", "Slice", "Concat", "Cast"}
TENSOR_OPS = {"Conv", "Clip", "Mul", "Add", "Transpose", "Reshape", "Concat"}


def _attrs(node) -> dict:
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def _fold_constants(graph) -> dict[str, np.ndarray]:
    """Initializers, with the file's float16 -> float32 casts (and other constant-only
    nodes) evaluated once."""
    values = {init.name: numpy_helper.to_array(init) for init in graph.initializer}
    for node in graph.node:
        if node.op_type == "Constant":
            values[node.output[0]] = numpy_helper.to_array(_attrs(node)["value"])
        elif node.op_type == "Cast" and node.input[0] in values:
            to = onnx.helper.tensor_dtype_to_np_dtype(_attrs(node)["to"])
            values[node.output[0]] = values[node.input[0]].astype(to)
    return values


class OnnxSSD(nn.Module):
    """Input ``image`` (N, 300, 300, 3) float in [-1, 1]; outputs ``box_encodings``
    (N, A, 1, 4), ``class_logits`` (N, A, classes) and ``anchors`` (A, 4)."""

    def __init__(self, onnx_path: str | Path):
        super().__init__()
        model = onnx.load(str(onnx_path))
        graph = model.graph
        consts = _fold_constants(graph)
        self.input_name = graph.input[0].name
        self.output_names = [o.name for o in graph.output]
        self.params = nn.ParameterDict()
        self._param_names: dict[str, str] = {}
        self.steps: list[tuple[str, list[str], str, dict]] = []
        shape_values = set()
        for node in graph.node:
            if node.op_type == "Constant" or (node.op_type == "Cast" and node.input[0] in consts):
                continue
            inputs = list(node.input)
            if node.op_type == "Shape" or (
                node.op_type in SHAPE_OPS and any(i in shape_values for i in inputs)
            ):
                for out in node.output:
                    shape_values.add(out)
                self.steps.append((node.op_type, inputs, node.output[0], _attrs(node)))
                continue
            if node.op_type not in TENSOR_OPS:
                raise ValueError(f"{onnx_path}: unsupported operation {node.op_type}")
            attrs = _attrs(node)
            if node.op_type in ("Conv", "Mul", "Add"):
                for name in inputs:
                    if name in consts and consts[name].dtype == np.float32:
                        self._register(name, consts[name])
            self.steps.append((node.op_type, inputs, node.output[0], attrs))
        self._shape_values = shape_values
        # Buffers, so that .to(device) moves them with the parameters.
        self._const_names: dict[str, str] = {}
        for name, value in consts.items():
            if name not in self._param_names:
                self._const_names[name] = f"c{len(self._const_names)}"
                tensor = torch.from_numpy(np.array(value))
                self.register_buffer(self._const_names[name], tensor, persistent=False)
        anchors = [o for o in self.output_names if o in consts]
        self.anchor_output = anchors[0] if anchors else None

    def _register(self, name: str, value: np.ndarray) -> None:
        if name in self._param_names:
            return
        key = f"p{len(self._param_names)}"
        self._param_names[name] = key
        self.params[key] = nn.Parameter(torch.from_numpy(np.array(value, np.float32)))

    def _value(self, env: dict, name: str):
        if name in env:
            return env[name]
        if name in self._param_names:
            return self.params[self._param_names[name]]
        return getattr(self, self._const_names[name])

    def forward(self, image: torch.Tensor):
        env = {self.input_name: image}
        for op, inputs, out, attrs in self.steps:
            args = [self._value(env, name) for name in inputs if name]
            env[out] = _run(op, args, attrs, out in self._shape_values)
        return tuple(self._value(env, name) for name in self.output_names)

    def anchors(self) -> torch.Tensor:
        """(A, 4) ymin, xmin, ymax, xmax in [0, 1]: a constant of the file."""
        return getattr(self, self._const_names[self.anchor_output])


class _ExportView(nn.Module):
    """The data-dependent outputs only (a traced graph cannot output a constant)."""

    def __init__(self, model: OnnxSSD):
        super().__init__()
        self.model = model

    def forward(self, image):
        encodings, logits, _ = self.model(image)
        return encodings, logits


def _run(op: str, args: list, attrs: dict, is_shape: bool):
    if op == "Shape":
        return list(args[0].shape)
    if is_shape:
        return _shape_op(op, args, attrs)
    if op == "Conv":
        x, weight = args[0], args[1]
        bias = args[2] if len(args) > 2 else None
        top, left, bottom, right = attrs.get("pads", [0, 0, 0, 0])
        padding = 0
        if (top, left) == (bottom, right):
            padding = (top, left)
        else:
            x = F.pad(x, (left, right, top, bottom))
        return F.conv2d(
            x,
            weight,
            bias,
            stride=tuple(attrs.get("strides", (1, 1))),
            padding=padding,
            dilation=tuple(attrs.get("dilations", (1, 1))),
            groups=attrs.get("group", 1),
        )
    if op == "Clip":
        return torch.clamp(args[0], float(args[1]), float(args[2]))
    if op == "Mul":
        return args[0] * args[1]
    if op == "Add":
        return args[0] + args[1]
    if op == "Transpose":
        return args[0].permute(*attrs["perm"])
    if op == "Reshape":
        return args[0].reshape(*args[1])
    if op == "Concat":
        return torch.cat(args, dim=attrs["axis"])
    raise ValueError(op)


def _shape_op(op: str, args: list, attrs: dict) -> list:
    """The reshape targets' arithmetic, on Python lists (a traced batch size stays symbolic)."""

    def as_list(v):
        if isinstance(v, list):
            return v
        return v.reshape(-1).tolist()

    if op == "Cast":
        return as_list(args[0])
    if op == "Slice":
        data = as_list(args[0])
        starts, ends = as_list(args[1]), as_list(args[2])
        return data[int(starts[0]) : int(min(ends[0], len(data)))]
    if op == "Gather":
        data, index = as_list(args[0]), as_list(args[1])
        return [data[int(i)] for i in index]
    if op == "Concat":
        return [x for a in args for x in as_list(a)]
    raise ValueError(op)


def export_onnx(model: OnnxSSD, path: Path) -> Path:
    """The fine-tuned network as ONNX with the engine's input and output names."""
    model.eval()
    dummy = torch.zeros(2, 300, 300, 3)
    torch.onnx.export(
        _ExportView(model),
        (dummy,),
        str(path),
        input_names=["image"],
        output_names=["box_encodings", "class_logits"],
        dynamic_axes={"image": {0: "n"}, "box_encodings": {0: "n"}, "class_logits": {0: "n"}},
        opset_version=17,
        dynamo=False,
    )
    exported = onnx.load(str(path))
    _pads_into_convs(exported, [attrs for op, _, _, attrs in model.steps if op == "Conv"])
    anchors = model.anchors().numpy()
    exported.graph.node.append(
        onnx.helper.make_node(
            "Constant", [], ["anchors"], value=numpy_helper.from_array(anchors, "anchors_value")
        )
    )
    exported.graph.output.append(
        onnx.helper.make_tensor_value_info("anchors", onnx.TensorProto.FLOAT, list(anchors.shape))
    )
    onnx.checker.check_model(exported)
    onnx.save(exported, str(path))
    return path


def _pads_into_convs(exported: onnx.ModelProto, conv_attrs: list[dict]) -> None:
    """Give each convolution its padding back as its own ``pads``, as the original file has it.

    PyTorch's convolutions pad both sides alike, so the uneven padding of the
    stride-2 ones (TF's "SAME": one pixel at the bottom and right only) is
    exported as a ``Pad`` node before them. Such a node keeps ONNX Runtime
    from running the network in its blocked layout: the exported file took
    about 20 % more time per input than the original. The exported Conv nodes come in
    the order of the original's (``conv_attrs``, one per ``OnnxSSD`` Conv step);
    each one fed by a Pad reads the Pad's input with the original's pads instead,
    and the Pad with its constant arithmetic is dropped.
    """
    graph = exported.graph
    producer = {out: node for node in graph.node for out in node.output}
    convs = [node for node in graph.node if node.op_type == "Conv"]
    if len(convs) != len(conv_attrs):
        raise ValueError(f"{len(convs)} Conv nodes exported for {len(conv_attrs)} in the model")
    for conv, attrs in zip(convs, conv_attrs, strict=True):
        pad = producer.get(conv.input[0])
        if pad is None or pad.op_type != "Pad":
            continue
        conv.input[0] = pad.input[0]
        kept = [a for a in conv.attribute if a.name != "pads"]
        del conv.attribute[:]
        conv.attribute.extend([*kept, onnx.helper.make_attribute("pads", list(attrs["pads"]))])
    _drop_unused(graph)


def _drop_unused(graph) -> None:
    """Remove the nodes whose outputs nothing reads (last to first)."""
    needed = {output.name for output in graph.output}
    kept = []
    for node in reversed(graph.node):
        if any(out in needed for out in node.output):
            kept.append(node)
            needed.update(name for name in node.input if name)
    del graph.node[:]
    graph.node.extend(reversed(kept))
