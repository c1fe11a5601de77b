"""``python -m anonymizer`` follows the evaluation's command-line contract."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.images import image_bytes

ROOT = Path(__file__).resolve().parents[2]


def run_cli(*args, cwd=ROOT) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO")}
    return subprocess.run(
        [sys.executable, "-m", "anonymizer", *map(str, args)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """One run over a folder with two good photos, a PNG in a subfolder and a corrupt file."""
    tmp = tmp_path_factory.mktemp("cli")
    inputs = tmp / "in"
    (inputs / "sub").mkdir(parents=True)
    (inputs / "a.jpg").write_bytes(image_bytes("JPEG", (320, 240)))
    (inputs / "sub" / "b.png").write_bytes(image_bytes("PNG", (200, 100)))
    (inputs / "broken.jpg").write_bytes(image_bytes("JPEG", (320, 240))[:300])
    (inputs / "notes.txt").write_text("not an image, not picked up from a folder")
    zones = tmp / "zones.json"
    zones.write_text(json.dumps([[[0, 0], [0.5, 0], [0.5, 0.5], [0, 0.5]]]))
    result = run_cli(
        inputs,
        "--out",
        tmp / "out",
        "--masks",
        tmp / "masks",
        "--report",
        tmp / "report.jsonl",
        "--zones",
        zones,
    )
    return tmp, result


def test_good_photos_are_written_even_when_one_is_broken(run):
    tmp, result = run

    assert result.returncode == 1
    assert "broken.jpg" in result.stderr
    assert "2 of 3 photos anonymized" in result.stderr
    assert sorted(p.name for p in (tmp / "out").iterdir()) == ["a.jpg", "b.jpg"]
    assert sorted(p.name for p in (tmp / "masks").iterdir()) == ["a.png", "b.png"]


def test_masks_are_8_bit_and_the_size_of_the_photo(run):
    tmp, _ = run

    mask = Image.open(tmp / "masks" / "a.png")
    assert mask.mode == "L"
    assert mask.size == (320, 240)
    values = np.asarray(mask)
    assert set(np.unique(values)) <= {0, 255}
    # The zone (top-left quarter) is masked.
    assert values[:120, :160].min() == 255


def test_the_report_has_one_line_per_photo(run):
    tmp, _ = run

    lines = [json.loads(line) for line in (tmp / "report.jsonl").read_text().splitlines()]
    assert len(lines) == 3
    good = [line for line in lines if "error" not in line]
    assert {Path(line["input"]).name for line in good} == {"a.jpg", "b.png"}
    for line in good:
        assert {"input", "output", "width", "height", "detections", "seconds"} <= set(line)
    bad = next(line for line in lines if "error" in line)
    assert Path(bad["input"]).name == "broken.jpg"
    assert "truncated" in bad["error"] or "damaged" in bad["error"]


def test_it_needs_no_django_settings(run):
    _, result = run
    assert "DJANGO_SETTINGS_MODULE" not in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--out", "o", "--masks", "m", "--report", "r.jsonl"], "required"),
        (["empty", "--out", "o", "--masks", "m", "--report", "r.jsonl"], "no images found"),
    ],
)
def test_bad_arguments_exit_2_with_a_message(tmp_path, args, message):
    (tmp_path / "empty").mkdir()

    result = run_cli(*args, cwd=tmp_path) if args[0] == "empty" else run_cli(*args)

    assert result.returncode == 2
    assert message in result.stderr


def test_settings_can_be_overridden_and_typos_are_refused():
    from anonymizer.cli import parse_settings

    assert parse_settings(["person_slice_px=640", "head_pass=false", "person_score=0.4"]) == {
        "person_slice_px": 640,
        "head_pass": False,
        "person_score": 0.4,
    }
    assert parse_settings(["backends=ssd_coco, centerface"]) == {
        "backends": ("ssd_coco", "centerface")
    }
    assert parse_settings(["zoom_contexts=4,2.5"]) == {"zoom_contexts": (4.0, 2.5)}
    with pytest.raises(ValueError):
        parse_settings(["zoom_contexts=3,wide"])
    with pytest.raises(ValueError, match="unknown setting"):
        parse_settings(["person_scor=0.4"])
    with pytest.raises(ValueError):
        parse_settings(["person_slice_px=big"])


def test_a_bad_setting_on_the_command_line_exits_2(tmp_path):
    photo = tmp_path / "p.jpg"
    photo.write_bytes(image_bytes("JPEG", (64, 48)))
    common = ["--out", tmp_path / "o", "--masks", tmp_path / "m", "--report", tmp_path / "r.jsonl"]

    bad = run_cli(photo, *common, "--set", "nonsense=1")

    assert bad.returncode == 2
    assert "unknown setting" in bad.stderr


@pytest.mark.parametrize("workers", ["1", "2"])
def test_an_engine_that_cannot_start_is_reported_for_each_photo(tmp_path, workers):
    for name in ("a", "b"):
        (tmp_path / f"{name}.jpg").write_bytes(image_bytes("JPEG", (64, 48)))
    common = ["--out", tmp_path / "o", "--masks", tmp_path / "m", "--report", tmp_path / "r.jsonl"]

    result = run_cli(
        tmp_path / "a.jpg",
        tmp_path / "b.jpg",
        *common,
        "--set",
        "backends=no_such_backend",
        "--workers",
        workers,
    )

    assert result.returncode == 1
    assert result.stderr.count("could not start") == 2
    assert "no_such_backend" in result.stderr
    assert "0 of 2 photos anonymized" in result.stderr
