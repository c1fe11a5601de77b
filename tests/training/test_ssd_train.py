"""Fine-tuning the engine's SSD: the PyTorch copy computes what the engine runs, the loss
matches anchors as the model's own training did, and a run exports a file the engine loads."""

import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import onnx
import onnxruntime as ort
import pytest

torch = pytest.importorskip("torch", reason="training needs torch (the dev extra installs it)")

from anonymizer.engine.backends import ssd  # noqa: E402
from tests.training.test_train_smoke import drawn_site  # noqa: E402
from training.ssd_torch import OnnxSSD, export_onnx  # noqa: E402
from training.ssd_train import SSD_FILE, box_iou, encode, losses, match  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def network():
    return OnnxSSD(SSD_FILE).eval()


def photo_blob(count: int = 1) -> np.ndarray:
    from skimage import data

    images = [data.astronaut(), data.coffee(), data.chelsea()][:count]
    resized = np.stack([cv2.resize(image, ssd.INPUT_WH) for image in images])
    return resized.astype(np.float32) * np.float32(2 / 255) - np.float32(1)


def test_the_pytorch_copy_computes_what_the_engine_runs(network, tmp_path):
    blob = photo_blob(3)
    original = ort.InferenceSession(str(SSD_FILE), providers=["CPUExecutionProvider"])
    expected = original.run(None, {"image": blob})
    with torch.no_grad():
        ours = [t.numpy() for t in network(torch.from_numpy(blob))]
    for want, got in zip(expected, ours, strict=True):
        assert want.shape == got.shape and np.abs(want - got).max() < 1e-3

    # Exported back: same names, any batch size, same outputs.
    path = export_onnx(network, tmp_path / "ssd.onnx")
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    assert [o.name for o in session.get_outputs()] == ["box_encodings", "class_logits", "anchors"]
    exported = session.run(None, {"image": blob})
    for want, got in zip(expected, exported, strict=True):
        assert np.abs(want - got).max() < 1e-3
    assert session.run(None, {"image": blob[:1]})[1].shape == (1, 1917, 6)
    # Uneven padding stays inside the convolutions, as in the original file: a Pad
    # node before them cost about 20 % more time per input in the engine.
    assert not [node for node in onnx.load(str(path)).graph.node if node.op_type == "Pad"]
    # The astronaut is a person to both.
    assert 1 / (1 + np.exp(-exported[1][0, :, 1].max())) > 0.8


def test_anchors_are_matched_as_the_models_own_training_did(network):
    anchors = network.anchors()
    person = torch.tensor([[0.30, 0.40, 0.70, 0.55]])
    state, assigned = match(person, torch.zeros(0, 4), anchors)
    iou = box_iou(anchors, person)[:, 0]
    assert (state[iou >= 0.5] == 1).all() and (state[iou < 0.4] == 0).all()
    assert (state[(iou >= 0.4) & (iou < 0.5)] == -1).all()
    assert torch.equal(assigned[state == 1], person.expand(int((state == 1).sum()), 4))

    # A person too small for any anchor at IoU 0.5 still gets its best anchor.
    tiny = torch.tensor([[0.50, 0.50, 0.52, 0.51]])
    state, _ = match(tiny, torch.zeros(0, 4), anchors)
    assert int((state == 1).sum()) == 1 and state[box_iou(anchors, tiny)[:, 0].argmax()] == 1

    # Anchors centred in an ignore box are neither positive nor negative.
    ignore = torch.tensor([[0.0, 0.0, 0.25, 0.25]])
    state, _ = match(torch.zeros(0, 4), ignore, anchors)
    centre = (anchors[:, :2] + anchors[:, 2:]) / 2
    inside = (centre <= 0.25).all(1)
    assert (state[inside] == -1).all() and (state[~inside] == 0).all()


def test_box_codes_decode_back_to_the_box_in_the_engine(network):
    anchors = network.anchors()
    boxes = torch.tensor([[0.30, 0.40, 0.70, 0.55]]).expand(len(anchors), 4)
    codes = encode(boxes, anchors).numpy()
    decoded = ssd._decode(codes[None], anchors.numpy())[0]  # x1, y1, x2, y2
    assert np.abs(decoded - np.array([0.40, 0.30, 0.55, 0.70])).max() < 1e-4


def test_the_loss_falls_on_a_batch_and_holds_what_is_not_labelled(network):
    model = OnnxSSD(SSD_FILE)
    anchors = model.anchors()
    blob = torch.from_numpy(photo_blob(2))
    people = [torch.tensor([[0.05, 0.10, 1.0, 0.80]]), torch.zeros(0, 4)]  # astronaut; a cup
    ignored = [torch.zeros(0, 4), torch.zeros(0, 4)]
    with torch.no_grad():
        _, teacher_logits, _ = network(blob)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-4)
    history = []
    for _ in range(4):
        encodings, logits, _ = model(blob)
        parts = losses(encodings[:, :, 0], logits, teacher_logits, people, ignored, anchors, 16)
        history.append(parts)
        loss = parts["person"] + parts["box"] + parts["hold"]
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    # Before any step the copy is the teacher: nothing to hold.
    assert abs(history[0]["hold"].item()) < 1e-4
    first, last = history[0], history[-1]
    assert last["person"] + last["box"] < first["person"] + first["box"]


def test_a_run_stops_resumes_and_exports_a_file_the_engine_loads(tmp_path):
    data = drawn_site(tmp_path / "site")
    out = tmp_path / "run"
    command = [sys.executable, "-m", "training.ssd_train", "--data", str(data), "--out", str(out)]
    command += ["--batch", "2", "--workers", "0", "--checkpoint-steps", "1", "--max-steps", "2"]

    first = subprocess.run(
        [*command, "--stop-after", "1"], cwd=ROOT, capture_output=True, text=True, timeout=600
    )
    assert first.returncode == 0, first.stderr[-3000:]
    assert "stopped at step 1 of 2" in first.stdout and not (out / "ssd_coco.onnx").exists()
    second = subprocess.run(
        [*command, "--resume"], cwd=ROOT, capture_output=True, text=True, timeout=600
    )
    assert second.returncode == 0, second.stderr[-3000:]
    assert "resumed at step 1 of 2" in second.stdout
    path = out / "ssd_coco.onnx"
    assert 8e6 < path.stat().st_size < 10e6  # float16 weights, as shipped

    detector = ssd.SsdCocoDetector.__new__(ssd.SsdCocoDetector)
    detector.model_path = path
    detector.session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    from skimage import data as samples

    found = detector(samples.astronaut(), min_score=0.3)
    assert "person" in list(found.label)
