"""The zoom check: a closer look at the weak person boxes SSD and people_net agree on."""

from dataclasses import replace

import cv2
import numpy as np
import pytest
from skimage import data

from anonymizer.engine import detect, zoom
from anonymizer.engine.boxes import Detections
from anonymizer.engine.config import EngineConfig
from anonymizer.engine.pipeline import Engine
from anonymizer.engine.zoom import head_has_body, square_crop, zoom_candidates

# The astronaut, 28 px, on grass: too small for the original SSD's slices, found when looked
# at closely; the SSD fine-tuned on sites (engine 1.6) finds her in its slices.
HER = (300, 300, 328, 328)


def grass(size=640) -> np.ndarray:
    return np.stack([cv2.resize(data.grass(), (size, size))] * 3, axis=-1)


def grass_with_small_astronaut() -> np.ndarray:
    frame = grass()
    x1, y1, x2, y2 = HER
    frame[y1:y2, x1:x2] = cv2.resize(data.astronaut(), (x2 - x1, y2 - y1))
    return frame


def share_of_her_covered(mask: np.ndarray) -> float:
    x1, y1, x2, y2 = HER
    return float(mask[y1:y2, x1:x2].mean())


def with_original_ssd(**settings) -> EngineConfig:
    """The engine with the model zoo's SSD (engine 1.5): its slices miss her."""
    backends = tuple("ssd_coco" if name == "ssd_site" else name for name in EngineConfig().backends)
    return EngineConfig(backends=backends, **settings)


def test_a_small_person_the_slices_miss_is_blurred_after_a_closer_look():
    frame = grass_with_small_astronaut()

    without = Engine(with_original_ssd(zoom_check=False)).anonymize(frame)
    with_zoom = Engine(with_original_ssd()).anonymize(frame)

    assert share_of_her_covered(without.mask) == 0
    # The scorer's rule for a protected person: 60 % of the box redacted.
    assert share_of_her_covered(with_zoom.mask) > 0.6
    assert "person" in set(with_zoom.detections.label)


def test_the_ssd_fine_tuned_on_sites_finds_her_in_its_slices_alone():
    found = Engine(EngineConfig(zoom_check=False)).anonymize(grass_with_small_astronaut())

    assert share_of_her_covered(found.mask) > 0.6


def test_grass_alone_gets_no_person_from_the_closer_look():
    people = detect.detect_people_and_vehicles(grass(), EngineConfig())

    assert len(people.with_label("person")) == 0


@pytest.fixture
def zoom_calls(monkeypatch):
    seen = []
    real = detect.zoom_check

    def counting(image, candidates, config):
        seen.append(len(candidates))
        return real(image, candidates, config)

    monkeypatch.setattr(detect, "zoom_check", counting)
    return seen


def test_photos_larger_than_zoom_max_side_get_no_closer_look(zoom_calls):
    config = EngineConfig(zoom_max_side=600)

    detect.detect_people_and_vehicles(grass_with_small_astronaut(), config)
    assert zoom_calls == []

    detect.detect_people_and_vehicles(
        grass_with_small_astronaut(), replace(config, zoom_max_side=640)
    )
    assert len(zoom_calls) == 1


def boxes(*rows):
    return Detections.from_lists([r[:4] for r in rows], [r[4] for r in rows], "person")


def test_a_candidate_needs_both_models_and_must_lie_outside_the_kept_people():
    ssd = boxes((10, 10, 30, 60, 0.1), (200, 200, 220, 250, 0.15), (400, 10, 420, 60, 0.12))
    net = boxes((12, 12, 31, 58, 0.3), (402, 12, 421, 61, 0.2), (600, 600, 620, 650, 0.9))
    kept = boxes((395, 0, 430, 70, 0.8))

    found = zoom_candidates(ssd, net, kept, EngineConfig())

    # Only the first pair: the second SSD box has no people_net box, the third pair
    # lies inside a kept person, and the lone people_net box has no SSD box.
    assert len(found) == 1
    assert found.xyxy[0, 0] < 40 and found.xyxy[0, 1] < 40


def test_weak_boxes_below_the_candidate_scores_are_not_looked_at():
    ssd = boxes((10, 10, 30, 60, 0.04))
    net = boxes((12, 12, 31, 58, 0.3))

    assert len(zoom_candidates(ssd, net, Detections.empty(), EngineConfig())) == 0


def test_at_most_zoom_max_checks_candidates_strongest_first():
    rows = [(40 * i, 0, 40 * i + 20, 50, 0.05 + 0.01 * i) for i in range(10)]
    ssd, net = boxes(*rows), boxes(*rows)

    found = zoom_candidates(ssd, net, Detections.empty(), EngineConfig(zoom_max_checks=3))

    assert len(found) == 3
    assert list(found.score) == sorted(found.score, reverse=True)
    assert found.score.min() == pytest.approx(0.05 + 0.01 * 9 - 0.02)


def test_the_crop_is_centred_on_the_box_and_grey_beyond_the_photo():
    image = np.full((100, 200, 3), 200, np.uint8)

    crop, left, top = square_crop(image, np.array([0, 40, 10, 60], np.float32), 3.0)

    assert crop.shape == (60, 60, 3)
    assert (left, top) == (-25, 20)
    assert (crop[:, :25] == 114).all()  # left of the photo
    assert (crop[:, 25:] == 200).all()


def test_a_tiny_box_still_gets_a_crop_with_context():
    crop, left, top = square_crop(grass(), np.array([100, 100, 104, 108], np.float32), 3.0)

    assert crop.shape == (48, 48, 3)
    assert (left, top) == (78, 80)


# --- Weak heads need a body ---------------------------------------------------------

# The astronaut's head (helmet included) in scikit-image's 512 x 512 photo, as in test_head_pass.
ASTRONAUT_HEAD = (150, 30, 300, 200)


def heads(*rows):
    return Detections.from_lists([r[:4] for r in rows], [r[4] for r in rows], "head")


def test_a_head_has_a_body_when_it_sits_in_the_top_of_a_person_box():
    person = boxes((100, 100, 200, 400, 0.9))
    found = heads(
        (130, 110, 170, 150, 0.5),  # top of the person
        (130, 350, 170, 390, 0.5),  # at the feet
        (300, 110, 340, 150, 0.5),  # beside
    )

    assert list(head_has_body(found, person)) == [True, False, False]
    assert not head_has_body(found, Detections.empty()).any()


def test_strong_heads_and_heads_on_kept_people_need_no_closer_look(monkeypatch):
    monkeypatch.setattr(zoom, "get_backend", lambda name: pytest.fail("SSD was run"))
    found = heads((10, 10, 40, 40, 0.9), (130, 110, 170, 150, 0.41))
    person = boxes((100, 100, 200, 400, 0.9))

    kept = zoom.confirm_weak_heads(grass(), found, person, EngineConfig(head_check_below=0.45))

    assert len(kept) == 2


def test_a_weak_head_is_kept_when_ssd_finds_a_body_under_it():
    x1, y1, x2, y2 = ASTRONAUT_HEAD
    weak = heads((x1, y1, x2, y2, 0.41))

    kept = zoom.confirm_weak_heads(
        data.astronaut(), weak, Detections.empty(), EngineConfig(head_check_below=0.45)
    )

    assert len(kept) == 1


def test_a_weak_head_on_grass_is_dropped():
    weak = heads((300, 300, 330, 330, 0.41))

    kept = zoom.confirm_weak_heads(
        grass(), weak, Detections.empty(), EngineConfig(head_check_below=0.45)
    )

    assert len(kept) == 0


def test_no_head_is_checked_when_the_check_is_off(monkeypatch):
    monkeypatch.setattr(zoom, "get_backend", lambda name: pytest.fail("SSD was run"))
    weak = heads((300, 300, 330, 330, 0.41))

    assert (
        len(
            zoom.confirm_weak_heads(
                grass(), weak, Detections.empty(), EngineConfig(head_check_below=0)
            )
        )
        == 1
    )
