"""The head pass: CenterFace on the top of each person box, unless a head is already known there."""

import numpy as np
import pytest
from skimage import data

from anonymizer.engine import detect
from anonymizer.engine.boxes import Detections
from anonymizer.engine.config import EngineConfig

# The astronaut's head (helmet included) in scikit-image's 512 x 512 photo.
HEAD = (150, 30, 300, 200)


def site_with_astronaut() -> np.ndarray:
    """The astronaut small on a large grey frame: her head needs the upscaled pass."""
    import cv2

    frame = np.full((1500, 2000, 3), 120, np.uint8)
    frame[600:856, 900:1156] = cv2.resize(data.astronaut(), (256, 256))
    return frame


# Her body, as a person detector would box it: the head is in its top half.
PERSON = Detections.from_lists([[905, 610, 1090, 856]], [0.9], "person")
HER_HEAD = (975, 615, 1050, 700)


@pytest.fixture
def calls(monkeypatch):
    """How many images CenterFace is run on."""
    seen = []
    real = detect.get_backend

    def counting(name):
        backend = real(name)
        if name != "centerface":
            return backend

        def run(image, **kwargs):
            seen.append(image.shape)
            return backend(image, **kwargs)

        return run

    monkeypatch.setattr(detect, "get_backend", counting)
    return seen


def centre_inside(box, area) -> bool:
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    return area[0] <= cx <= area[2] and area[1] <= cy <= area[3]


def test_it_finds_the_head_of_a_small_person(calls):
    found = detect._head_pass(site_with_astronaut(), PERSON, Detections.empty(), EngineConfig())

    assert len(calls) == 1
    assert calls[0][0] < 300  # the crop, not the whole frame
    assert any(centre_inside(box, HER_HEAD) for box in found.xyxy)


def test_a_person_whose_head_is_already_known_is_skipped(calls):
    known = Detections.from_lists([HER_HEAD], [0.8], "head")

    found = detect._head_pass(site_with_astronaut(), PERSON, known, EngineConfig())

    assert calls == [] and len(found) == 0


def test_a_known_head_elsewhere_does_not_skip_her(calls):
    far = Detections.from_lists([[100, 100, 160, 170]], [0.8], "head")
    config = EngineConfig()

    found = detect._head_pass(site_with_astronaut(), PERSON, far, config)
    never_skip = EngineConfig(head_pass_known_share=1.01)
    again = detect._head_pass(
        site_with_astronaut(), PERSON, Detections.from_lists([HER_HEAD], [0.8], "head"), never_skip
    )

    assert len(calls) == 2
    assert any(centre_inside(box, HER_HEAD) for box in found.xyxy)
    assert any(centre_inside(box, HER_HEAD) for box in again.xyxy)


def test_head_regions_cover_the_top_half_and_a_margin_inside_the_frame():
    people = Detections.from_lists([[100, 100, 200, 300], [0, 0, 40, 100]], [0.9, 0.9], "person")

    regions = detect.head_regions(people, 220, 400)

    assert regions.tolist() == [[75, 70, 220, 200], [0, 0, 50, 50]]
