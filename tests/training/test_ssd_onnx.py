"""training/ssd_onnx.py's graph surgery, on a small graph shaped like the SSD's class predictor.

(The TensorFlow step needs TensorFlow, which the project does not install;
tests/anonymizer/test_ssd.py checks the committed result against the original model.)
"""

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

from training.ssd_onnx import COCO_CLASSES, KEEP_CLASSES, build, keep_classes, weights_as_float16

ANCHORS = 3


def class_predictor_graph() -> onnx.ModelProto:
    """image (1, 4, 2, 2) -> 1x1 conv with anchors x 91 channels -> (1, 2 * 2 * anchors, 91)."""
    rng = np.random.default_rng(0)
    weight = rng.normal(size=(ANCHORS * COCO_CLASSES, 4, 1, 1)).astype(np.float32)
    bias = rng.normal(size=ANCHORS * COCO_CLASSES).astype(np.float32)
    nodes = [
        helper.make_node(
            "Conv",
            ["FeatureExtractor/MobilenetV2/MobilenetV2/input:0", "w", "b"],
            ["conv"],
            name="BoxPredictor_0/ClassPredictor/BiasAdd",
        ),
        helper.make_node("Transpose", ["conv"], ["nhwc"], perm=[0, 2, 3, 1]),
        helper.make_node("Concat", ["batch", "rest", "classes"], ["shape"], axis=0),
        helper.make_node("Reshape", ["nhwc", "shape"], ["concat_1:0"]),
    ]
    graph = helper.make_graph(
        nodes,
        "ssd-like",
        [
            helper.make_tensor_value_info(
                "FeatureExtractor/MobilenetV2/MobilenetV2/input:0", TensorProto.FLOAT, [1, 4, 2, 2]
            )
        ],
        [
            helper.make_tensor_value_info(
                "concat_1:0", TensorProto.FLOAT, [1, 2 * 2 * ANCHORS, COCO_CLASSES]
            )
        ],
        [
            numpy_helper.from_array(weight, "w"),
            numpy_helper.from_array(bias, "b"),
            numpy_helper.from_array(np.array([1], np.int64), "batch"),
            numpy_helper.from_array(np.array([-1], np.int64), "rest"),
            numpy_helper.from_array(np.array([COCO_CLASSES], np.int64), "classes"),
        ],
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def run(model: onnx.ModelProto, image: np.ndarray) -> np.ndarray:
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return session.run(None, {session.get_inputs()[0].name: image})[0]


IMAGE = np.random.default_rng(1).normal(size=(1, 4, 2, 2)).astype(np.float32)


def test_keeping_classes_leaves_their_scores_exactly_as_they_were():
    before = run(class_predictor_graph(), IMAGE)
    after = run(keep_classes(class_predictor_graph()), IMAGE)

    assert after.shape == (1, 2 * 2 * ANCHORS, len(KEEP_CLASSES))
    np.testing.assert_array_equal(after, before[..., list(KEEP_CLASSES)])


def test_float16_weights_halve_the_file_and_keep_the_outputs():
    model = class_predictor_graph()
    before = run(model, IMAGE)
    size = len(model.SerializeToString())

    half = weights_as_float16(class_predictor_graph())
    onnx.checker.check_model(half)

    assert len(half.SerializeToString()) < 0.6 * size
    np.testing.assert_allclose(run(half, IMAGE), before, atol=0.01)


def test_build_writes_a_checked_file_with_the_engines_names(tmp_path):
    raw = tmp_path / "raw.onnx"
    onnx.save(class_predictor_graph(), str(raw))

    out = build(raw, tmp_path / "weights" / "ssd.onnx")

    model = onnx.load(str(out))
    assert [i.name for i in model.graph.input] == ["image"]
    assert [o.name for o in model.graph.output] == ["class_logits"]
    assert run(model, IMAGE).shape == (1, 2 * 2 * ANCHORS, len(KEEP_CLASSES))
