"""The box type and merging of boxes cut by slice edges."""

import itertools

import numpy as np
import pytest

from anonymizer.engine.boxes import Detections, merge_overlapping, merge_overlapping_counted
from anonymizer.engine.slicing import slice_boxes


def boxes(*rows, label="person"):
    return Detections.from_lists([r[:4] for r in rows], [r[4] for r in rows], label)


@pytest.mark.parametrize(
    ("xyxy", "score", "label", "message"),
    [
        ([[10, 10, 5, 20]], [0.9], ["person"], "x2 >= x1"),
        ([[0, 0, np.nan, 1]], [0.9], ["person"], "finite"),
        ([[0, 0, 1, 1]], [1.5], ["person"], "0..1"),
        ([[0, 0, 1, 1]], [0.5], ["cat"], "unknown labels"),
        ([[0, 0, 1, 1]], [0.5, 0.4], ["person"], "same length"),
    ],
)
def test_invalid_boxes_are_refused_when_built(xyxy, score, label, message):
    with pytest.raises(ValueError, match=message):
        Detections(np.array(xyxy, float), np.array(score), np.array(label, object))


def test_a_person_cut_by_a_slice_edge_is_merged_into_one_whole_box():
    # Two slices overlap on x 500..640; each sees part of the same worker.
    left = boxes([470, 100, 640, 400, 0.6])
    right = boxes([500, 95, 560, 405, 0.8])

    merged = merge_overlapping(Detections.merge([left, right]))

    assert len(merged) == 1
    assert merged.xyxy[0].tolist() == [470, 95, 640, 405]
    assert merged.score[0] == pytest.approx(0.8)


def test_separate_people_and_other_labels_stay_apart():
    people = boxes([0, 0, 10, 30, 0.9], [100, 0, 110, 30, 0.9])
    face = boxes([2, 2, 8, 8, 0.9], label="face")

    merged, counts = merge_overlapping_counted(Detections.merge([people, face]))

    assert sorted(merged.label.tolist()) == ["face", "person", "person"]
    assert counts.tolist() == [1, 1, 1]


def test_boxes_move_clip_and_pad():
    box = boxes([10, 10, 30, 50, 0.5])

    assert box.shifted(100, 200).xyxy[0].tolist() == [110, 210, 130, 250]
    assert box.padded(0.5, 0.1).xyxy[0].tolist() == pytest.approx([0, 6, 40, 54])
    assert box.shifted(-25, 0).clipped(100, 100).xyxy[0].tolist() == [0, 10, 5, 50]
    assert len(box.shifted(-100, 0).clipped(100, 100)) == 0


@pytest.mark.parametrize(("width", "height"), [(4000, 3000), (640, 640), (1000, 300), (500, 400)])
def test_slices_cover_every_pixel_with_the_requested_overlap(width, height):
    slices = slice_boxes(width, height, 640, 0.25)

    covered = np.zeros((height, width), bool)
    for x1, y1, x2, y2 in slices:
        assert x2 - x1 == min(640, width) and y2 - y1 == min(640, height)
        covered[y1:y2, x1:x2] = True
    assert covered.all()
    if width > 640:
        xs = sorted({s[0] for s in slices})
        assert all(b - a <= 480 for a, b in itertools.pairwise(xs))


def slice_sides(width, height, **settings) -> set[int]:
    from anonymizer.engine.config import EngineConfig
    from anonymizer.engine.detect import people_slices

    slices = people_slices(width, height, EngineConfig(**settings))
    assert len(slices) == len(set(slices)), "a slice would be looked at twice"
    return {x2 - x1 for x1, _, x2, _ in slices}


def test_small_photos_get_two_slice_sizes_and_large_photos_the_fine_one():
    assert slice_sides(640, 480) == {320}  # too small for 512 px slices
    assert slice_sides(1280, 960) == {512, 320}
    assert slice_sides(4000, 3000) == {320}
    assert slice_sides(4000, 3000, large_photo_slice_px=512) == {512}
    assert slice_sides(1280, 960, small_photo_slice_px=512) == {512}
    assert slice_sides(400, 300) == set()  # the whole-frame pass is enough
