"""The training pipeline cannot rot: a few steps on a made-up data set, resume, ONNX export.

The real data (``../shared/train``) is used by ``make train`` and ``make
train-smoke``; here the photos are drawn by the test, so it runs anywhere.
"""

import json
import subprocess
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="training needs torch (the dev extra installs it)")

ROOT = Path(__file__).resolve().parents[2]


def drawn_site(folder: Path, count: int = 6) -> Path:
    """Photos of a grey yard with stick workers (orange body, round head), boxes labelled."""
    rng = np.random.default_rng(0)
    (folder / "images").mkdir(parents=True)
    entries = []
    for i in range(count):
        image = np.full((240, 320, 3), (120, 115, 105), np.uint8)
        boxes = []
        for _ in range(rng.integers(1, 4)):
            h = int(rng.integers(30, 90))
            w, x, y = h // 3, int(rng.integers(0, 320 - h // 3)), int(rng.integers(0, 240 - h))
            cv2.rectangle(image, (x, y + h // 5), (x + w, y + h), (240, 120, 20), -1)
            r = max(2, h // 10)
            cv2.circle(image, (x + w // 2, y + r), r, (200, 160, 130), -1)
            boxes += [[x, y, x + w, y + h, "person"], [x, y, x + w, y + 2 * r, "head"]]
        cv2.imwrite(str(folder / "images" / f"{i}.jpg"), image)
        entries.append(
            {
                "file": f"images/{i}.jpg",
                "width": 320,
                "height": 240,
                "boxes": boxes,
                "exhaustive": ["person", "head"],
            }
        )
    (folder / "annotations.json").write_text(json.dumps(entries))
    return folder


def run_training(data: Path, out: Path, *extra: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "training.train", "--data", str(data), "--out", str(out)]
    command += ["--size", "128", "--batch", "2", "--workers", "0", "--checkpoint-steps", "1"]
    return subprocess.run(
        [*command, *extra], cwd=ROOT, capture_output=True, text=True, timeout=600, check=False
    )


def test_training_runs_resumes_and_exports_a_model_the_engine_can_run(tmp_path):
    data = drawn_site(tmp_path / "site")
    out = tmp_path / "run"

    first = run_training(data, out, "--max-steps", "4", "--stop-after", "2")
    assert first.returncode == 0, first.stderr[-3000:]
    assert "initialised from CenterFace" in first.stdout
    assert "stopped at step 2 of 4" in first.stdout and not (out / "people_net.onnx").exists()
    assert torch.load(out / "last.pt", map_location="cpu")["step"] == 2
    second = run_training(data, out, "--max-steps", "4", "--resume", "--quantize")
    assert second.returncode == 0, second.stderr[-3000:]
    assert "resumed at step 2 of 4" in second.stdout
    assert torch.load(out / "last.pt", map_location="cpu")["step"] == 4
    steps = [json.loads(line)["step"] for line in (out / "log.jsonl").read_text().splitlines()]
    assert steps[-1] == 4

    import onnxruntime as ort

    for name in ("people_net.onnx", "people_net.int8.onnx"):
        session = ort.InferenceSession(str(out / name), providers=["CPUExecutionProvider"])
        heatmap, size, offset = session.run(None, {"image": np.zeros((1, 3, 96, 160), np.float32)})
        assert heatmap.shape == (1, 2, 24, 40) and size.shape == (1, 4, 24, 40)
        assert offset.shape == (1, 2, 24, 40) and ((heatmap >= 0) & (heatmap <= 1)).all()


def test_the_network_starts_from_centerface_not_from_random_weights():
    from training.model import PeopleNet, load_centerface
    from training.train import centerface_path

    model = PeopleNet().eval()
    load_centerface(model, centerface_path())
    # CenterFace finds the astronaut's face: so does the new head channel before training.
    from skimage import data

    image = cv2.resize(data.astronaut(), (512, 512)).astype(np.float32)
    with torch.no_grad():
        heatmap, _, _ = model(torch.from_numpy(image.transpose(2, 0, 1)[None].copy()))
    assert heatmap[0, 1].max() > 0.5


SHARED_TRAIN = ROOT.parent / "shared" / "train"


@pytest.mark.skipif(not SHARED_TRAIN.is_dir(), reason="the shared training data is not here")
def test_train_smoke_on_the_real_training_data(tmp_path):
    """What ``make train-smoke`` runs: the real folders load, augment and train for a few steps."""
    out = tmp_path / "smoke"
    command = [sys.executable, "-m", "training.train", "--out", str(out), "--max-steps", "3"]
    command += ["--size", "128", "--batch", "2", "--limit", "12", "--workers", "0"]

    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)

    assert result.returncode == 0, result.stderr[-3000:]
    record = json.loads((out / "log.jsonl").read_text().splitlines()[-1])
    assert record["step"] == 3 and np.isfinite(record["loss"])
    assert (out / "people_net.onnx").stat().st_size > 1_000_000


def test_fine_tuning_with_a_frozen_backbone_changes_only_the_neck_and_heads(tmp_path):
    data = drawn_site(tmp_path / "site")
    first = run_training(data, tmp_path / "a", "--max-steps", "1")
    assert first.returncode == 0, first.stderr[-3000:]
    start = tmp_path / "a" / "model.pt"

    tuned = run_training(data, tmp_path / "b", "--max-steps", "2", "--init", str(start))
    frozen = run_training(
        data, tmp_path / "c", "--max-steps", "2", "--init", str(start), "--freeze-backbone"
    )

    assert tuned.returncode == frozen.returncode == 0, frozen.stderr[-3000:]
    before = torch.load(start, map_location="cpu")["model"]
    for run, backbone_moves in (("b", True), ("c", False)):
        after = torch.load(tmp_path / run / "model.pt", map_location="cpu")["model"]
        moved = {k for k in before if not torch.equal(before[k], after[k])}
        assert any(k.startswith("size.") for k in moved)
        assert any(k.startswith("backbone.") for k in moved) == backbone_moves


def test_a_time_budget_shortens_the_schedule_and_still_exports(tmp_path):
    data = drawn_site(tmp_path / "site")
    out = tmp_path / "run"

    result = run_training(data, out, "--max-steps", "100000", "--minutes", "0.05")

    assert result.returncode == 0, result.stderr[-3000:]
    last = json.loads((out / "log.jsonl").read_text().splitlines()[-1])["step"]
    assert f"budget is spent at step {last}" in result.stdout or "steps fit in" in result.stdout
    assert last < 10_000 and (out / "people_net.onnx").exists()


def test_size_region_reaches_the_size_loss_and_is_kept_with_the_run(tmp_path):
    data = drawn_site(tmp_path / "site")
    runs = {}
    for region in ("0", "0.5"):
        out = tmp_path / f"run{region}"
        result = run_training(data, out, "--max-steps", "1", "--size-region", region)
        assert result.returncode == 0, result.stderr[-3000:]
        runs[region] = json.loads((out / "log.jsonl").read_text().splitlines()[-1])
        saved = torch.load(out / "model.pt", map_location="cpu")["args"]["size_region"]
        assert saved == float(region) and (out / "people_net.onnx").exists()

    # Same seed, crops and start, losses before any update: only the size targets differ.
    assert runs["0"]["heatmap"] == runs["0.5"]["heatmap"]
    assert runs["0"]["size"] != runs["0.5"]["size"]


def test_a_time_budget_holds_when_the_steps_slow_down_after_the_first_fit(tmp_path):
    """Another job taking the cores halfway: the run still ends on time, its schedule
    ended (last learning rate near zero) and its checkpoint written, rather than killed."""
    from argparse import Namespace

    from training.train import run_steps

    model = torch.nn.Linear(2, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    batch = (torch.ones(4, 2), torch.zeros(4, 1))
    rates, calls = [], []

    def compute_loss(batch):
        calls.append(1)
        time.sleep(0.001 if len(calls) < 150 else 0.02)  # 20x slower after the first fit
        rates.append(optimizer.param_groups[0]["lr"])
        loss = ((model(batch[0]) - batch[1]) ** 2).mean()
        return loss, {}

    args = Namespace(minutes=0.05, lr=0.1, checkpoint_steps=10_000, stop_after=0)
    started = time.perf_counter()
    step = run_steps(
        args,
        tmp_path,
        model,
        optimizer,
        [batch] * 50,
        0,
        100_000,
        compute_loss,
        warm_steps=10,
        timed_steps=30,
    )
    took = time.perf_counter() - started

    assert took < 3 + 1.5, f"ran {took:.1f} s on a 3 s budget"
    assert rates[-1] < 0.1 * 0.05, "the schedule was cut, not fitted"
    assert torch.load(tmp_path / "last.pt")["step"] == step > 150
