"""Packing training folders for a GPU machine: smaller, same labels, same photos."""

import json
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="training needs torch (the dev extra installs it)")

from training.data import load_items  # noqa: E402
from training.pack import pack, write_centerface_init  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]


def photo_folder(folder: Path, count: int, absolute: bool = False, seed: int = 0) -> Path:
    """Noisy yard photos saved as PNG (large files), a box each; with ``absolute`` the
    entries hold absolute paths and ignore boxes, as a teacher's annotations do."""
    rng = np.random.default_rng(seed)
    (folder / "images").mkdir(parents=True)
    entries = []
    for i in range(count):
        image = rng.normal(120, 25, (180, 240, 3)).clip(0, 255).astype(np.uint8)
        image = cv2.GaussianBlur(image, (3, 3), 0)
        cv2.rectangle(image, (40 + i, 50), (70 + i, 140), (20, 120, 240), -1)
        path = folder / "images" / f"{i}.png"
        cv2.imwrite(str(path), image)
        entry = {
            "file": str(path) if absolute else f"images/{i}.png",
            "width": 240,
            "height": 180,
            "boxes": [[40.0 + i, 50.0, 70.0 + i, 140.0, "person"]],
            "exhaustive": ["person"],
        }
        if absolute:
            entry["ignore"] = [[0.0, 0.0, 30.0, 30.0, "person"]]
        entries.append(entry)
    (folder / "annotations.json").write_text(json.dumps(entries))
    return folder


def folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def test_packed_folders_train_on_the_same_labels_and_photos_in_fewer_bytes(tmp_path):
    site = photo_folder(tmp_path / "src" / "site", 6)
    teacher = photo_folder(tmp_path / "src" / "teacher", 4, absolute=True, seed=1)
    out = tmp_path / "packed"

    quality = pack([site, teacher], out, 10 * 2**20)

    assert quality == 80  # the best quality fits a generous budget
    before, after = load_items([site, teacher]), load_items([out / "site", out / "teacher"])
    assert len(before) == len(after) == 10
    for a, b in zip(before, after, strict=True):
        assert b.path.is_relative_to(out) and b.path.suffix == ".webp"
        np.testing.assert_array_equal(a.boxes, b.boxes)
        np.testing.assert_array_equal(a.labels, b.labels)
        np.testing.assert_array_equal(a.ignore, b.ignore)
        assert a.exhaustive == b.exhaustive
        original, copy = cv2.imread(str(a.path)), cv2.imread(str(b.path))
        assert copy.shape == original.shape
        assert np.abs(copy.astype(int) - original).mean() < 12  # the same photo
    assert folder_bytes(out) < folder_bytes(tmp_path / "src") / 2


def test_a_tight_budget_lowers_the_quality_and_an_impossible_one_writes_nothing(tmp_path):
    site = photo_folder(tmp_path / "site", 8)
    roomy = pack([site], tmp_path / "roomy", 10 * 2**20)
    budget = int(folder_bytes(tmp_path / "roomy") * 0.7)

    tight = pack([site], tmp_path / "tight", budget)

    assert tight < roomy and folder_bytes(tmp_path / "tight") <= budget
    result = run_pack(tmp_path / "none", site, "--budget-mb", "0.001")
    assert result.returncode == 1
    assert "over the budget of 0.0 MiB" in result.stderr and "quality 35" in result.stderr
    assert not (tmp_path / "none").exists()


def run_pack(*args) -> subprocess.CompletedProcess:
    """``python -m training.pack ARGS`` as a user runs it."""
    command = [sys.executable, "-m", "training.pack", *map(str, args)]
    return subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )


def test_folders_with_the_same_name_are_refused(tmp_path):
    first = photo_folder(tmp_path / "a" / "site", 1)
    second = photo_folder(tmp_path / "b" / "site", 1)
    with pytest.raises(ValueError, match="distinct names"):
        pack([first, second], tmp_path / "out", 2**20)


def test_the_centerface_start_loads_as_train_init_and_matches_centerface(tmp_path):
    from training.model import PeopleNet, load_centerface
    from training.train import centerface_path

    path = write_centerface_init(tmp_path / "init.pt")

    loaded = PeopleNet()
    loaded.load_state_dict(torch.load(path, map_location="cpu")["model"])
    reference = PeopleNet()
    load_centerface(reference, centerface_path())
    image = torch.rand(1, 3, 64, 64) * 255
    with torch.no_grad():
        got, want = loaded.eval()(image), reference.eval()(image)
    for got_map, want_map in zip(got, want, strict=True):  # heatmap, size, offset
        assert torch.allclose(got_map, want_map, rtol=1e-2, atol=2e-2)
    assert path.stat().st_size < 0.6 * 4 * sum(p.numel() for p in reference.parameters())


def test_an_unreadable_photo_is_named_and_nothing_is_written(tmp_path):
    site = photo_folder(tmp_path / "site", 3)
    (site / "images" / "1.png").write_bytes(b"\x89PNG\r\n\x1a\n truncated")

    result = run_pack(tmp_path / "out", site, "--budget-mb", "5")

    assert result.returncode == 1
    assert "cannot read" in result.stderr and "1.png" in result.stderr
    assert not (tmp_path / "out").exists()
