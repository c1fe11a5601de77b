"""The project's own detector, as the engine runs it: the committed ONNX file and ONNX Runtime."""

import numpy as np
import pytest
from skimage import data

from anonymizer.engine.backends import get_backend
from anonymizer.engine.config import EngineConfig
from anonymizer.engine.detect import detect_people_net
from anonymizer.engine.models import file_sha256

# The astronaut's head (helmet included) in scikit-image's 512 x 512 photo.
HEAD = (150, 30, 300, 200)


@pytest.fixture(scope="module")
def net():
    return get_backend("people_net")


def inside(box, area) -> bool:
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    return area[0] <= cx <= area[2] and area[1] <= cy <= area[3]


def test_the_committed_weights_load_and_are_recorded(net):
    provenance = net.provenance()

    assert provenance["file"] == "people_net.onnx"
    assert provenance["sha256"] == file_sha256(net.model_path)
    assert net.model_path.stat().st_size < 10_000_000  # small enough to live in the repository


def test_it_finds_a_head_and_nothing_on_a_blank_frame(net):
    found = net(data.astronaut(), min_score=0.5)
    blank = net(np.full((333, 500, 3), 128, np.uint8), min_score=0.3)

    heads = found.with_label("head")
    assert len(heads) >= 1 and inside(heads.xyxy[0], HEAD)
    assert len(blank) == 0


def test_any_photo_size_is_accepted_and_boxes_stay_inside(net):
    image = data.astronaut()[:301, :457]

    found = net(image, min_score=0.2, input_long_side=300)

    assert (found.xyxy[:, [0, 2]] <= 457).all() and (found.xyxy[:, [1, 3]] <= 301).all()
    assert (found.xyxy >= 0).all()


def test_the_engine_pass_keeps_only_boxes_above_its_thresholds():
    config = EngineConfig(people_net_person_score=0.99, people_net_head_score=0.5)

    found, _ = detect_people_net(data.astronaut(), config)

    assert set(found.label) <= {"person", "head"}
    assert (found.with_label("person").score >= 0.99).all()
    assert len(found.with_label("head")) >= 1
