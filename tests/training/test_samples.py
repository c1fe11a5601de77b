"""Training samples: mosaics, cut boxes, per-source ignore regions, worker seeds, schedule."""

import itertools
import json

import cv2
import numpy as np
import pytest

pytest.importorskip("torch", reason="training needs torch (the dev extra installs it)")

from tests.training.test_train_smoke import drawn_site
from training.data import Item, PeopleDataset, _place, load_focus, load_items, make_targets
from training.model import STRIDE
from training.train import learning_rate


def item(boxes, labels, exhaustive=(True, True)) -> Item:
    return Item(
        path=None,
        boxes=np.array(boxes, np.float32).reshape(-1, 4),
        labels=np.array(labels, np.int64),
        exhaustive=exhaustive,
    )


def test_a_person_mostly_outside_the_crop_is_ignored_not_taught_as_background():
    canvas = np.zeros((100, 100, 3), np.uint8)
    image = np.full((100, 100, 3), 200, np.uint8)
    photo = item([[10, 10, 30, 60], [-20, 10, 10, 60], [85, 20, 95, 40]], [0, 0, 1])

    boxes, labels, ignore = _place(canvas, image, photo.boxes, photo, 0, 0)

    # Whole box kept, the one 1/3 visible is ignored, the head inside is kept.
    assert boxes.tolist() == [[10, 10, 30, 60], [85, 20, 95, 40]] and labels.tolist() == [0, 1]
    assert ignore.tolist() == [[0, 10, 10, 60, 0]]
    assert (canvas == 200).all()


def test_a_class_the_source_does_not_label_is_ignored_over_that_photo_only():
    canvas = np.zeros((200, 200, 3), np.uint8)
    heads_only = item([[5, 5, 15, 15]], [1], exhaustive=(False, True))

    boxes, labels, ignore = _place(
        canvas, np.ones((50, 80, 3), np.uint8), heads_only.boxes, heads_only, 100, 120
    )

    assert boxes.tolist() == [[105, 125, 115, 135]] and labels.tolist() == [1]
    # person (class 0) is neither positive nor negative over the visible part of the photo
    assert ignore.tolist() == [[100, 120, 180, 170, 0]]
    assert canvas[120:170, 100:180].all() and not canvas[:120].any()


def test_mosaics_put_several_photos_with_their_people_in_one_crop(tmp_path):
    items = load_items([drawn_site(tmp_path / "site", count=8)])
    dataset = PeopleDataset(items, 256, seed=1, paste_probability=0, mosaic_probability=1.0)

    image, targets = dataset[0]

    assert image.shape == (3, 256, 256) and image.dtype == np.uint8
    # Four photos of 20-70 % of the crop: more people than one photo holds, all small.
    assert targets["reg_mask"][0].sum() > max(len(i.labels) for i in items) / 2
    people = targets["size"][0][targets["reg_mask"][0] == 1]
    assert (np.exp(people) * STRIDE < 0.7 * 256 * 90 / 320 + 1).all()
    # The grey canvas between photos teaches "no person here".
    assert targets["neg_mask"][0].all()


def test_each_loader_worker_draws_its_own_augmentations(tmp_path):
    items = load_items([drawn_site(tmp_path / "site")])
    a = PeopleDataset(items, 128, seed=0, mosaic_probability=0.5)
    b = PeopleDataset(items, 128, seed=0, mosaic_probability=0.5)
    assert (a[0][0] == b[0][0]).all()  # same seed, same sample

    a.reseed(1)
    b.reseed(2)
    assert not (a[0][0] == b[0][0]).all()


def test_learning_rate_warms_up_peaks_and_decays():
    rates = [learning_rate(step, 1000, 1e-3) for step in range(1000)]

    assert rates[0] == pytest.approx(1e-3 / 25)
    assert max(rates) == pytest.approx(1e-3, rel=1e-3) and rates.index(max(rates)) == 50
    assert rates[-1] == pytest.approx(1e-5, rel=0.05)
    assert all(x >= y for x, y in itertools.pairwise(rates[50:]))


def test_sources_are_read_as_documented(tmp_path):
    folder = tmp_path / "src"
    folder.mkdir()
    entry = {"file": "a.jpg", "width": 10, "height": 10, "exhaustive": ["head"]}
    entry["boxes"] = [[1, 1, 5, 5, "head"], [0, 0, 9, 9, "person"], [2, 2, 3, 3, "helmet"]]
    entry["ignore"] = [[6, 6, 9, 9, "person"]]
    (folder / "annotations.json").write_text(json.dumps([entry]))

    (loaded,) = load_items([folder])

    assert loaded.labels.tolist() == [1, 0]  # unknown labels are skipped
    assert loaded.exhaustive == (False, True)
    assert loaded.ignore.tolist() == [[6, 6, 9, 9, 0]]


def test_a_photos_own_ignore_boxes_follow_its_scale_and_place():
    canvas = np.zeros((200, 200, 3), np.uint8)
    photo = item([[10, 10, 20, 40]], [0])
    photo.ignore = np.array([[50, 50, 70, 90, 0], [300, 300, 310, 310, 0]], np.float32)

    _, _, ignore = _place(canvas, np.ones((100, 100, 3), np.uint8), photo.boxes, photo, 20, 0, 0.5)

    # Scaled by 0.5, shifted by (20, 0); the one outside the placed photo is dropped.
    assert ignore.tolist() == [[45, 25, 55, 45, 0]]


def test_the_teacher_adds_sure_people_and_ignores_doubts_and_unboxed_bodies():
    from training.teacher import teach_entry

    entry = {
        "file": "a.jpg",
        "width": 400,
        "height": 300,
        "boxes": [[100, 50, 120, 70, "head"], [300, 40, 320, 60, "head"], [0, 0, 5, 5, "person"]],
        "exhaustive": ["head"],
    }
    people = np.array([[90, 45, 135, 200], [200, 100, 240, 200], [1, 1, 4, 4]], np.float32)
    scores = np.array([0.9, 0.3, 0.95], np.float32)

    taught = teach_entry(entry, people, scores, sure=0.6)

    assert taught["exhaustive"] == ["head", "person"]
    # The sure person is added; the one already labelled is not added twice.
    added = [b for b in taught["boxes"] if b[4] == "person"]
    assert added == [[0, 0, 5, 5, "person"], [90.0, 45.0, 135.0, 200.0, "person"]]
    # The doubtful person, and the body under the head no person box holds, are ignored.
    assert [200.0, 100.0, 240.0, 200.0, "person"] in taught["ignore"]
    assert [280.0, 34.0, 340.0, 180.0, "person"] in taught["ignore"]
    assert len(taught["ignore"]) == 2


def test_size_region_teaches_the_whole_box_size_around_the_centre_not_only_at_it():
    person = [40, 40, 120, 280]  # 20 x 60 cells at stride 4, centre cell (20, 40)
    boxes, labels = np.array([person], np.float32), np.array([0])
    no_ignore = np.zeros((0, 5), np.float32)

    centre = make_targets(boxes, labels, no_ignore, (True, True), 320)
    region = make_targets(boxes, labels, no_ignore, (True, True), 320, size_region=0.5)

    # CenterNet (0): the size is taught at the centre cell only.
    assert (centre["size_mask"] == centre["reg_mask"]).all()
    # 0.5: the central half of the box, 10 x 30 cells, learns log(60), log(20) too,
    # weighted by the centre Gaussian and summing to one object's worth.
    taught = region["size_mask"][0] > 0
    rows, cols = np.nonzero(taught)
    assert (rows.min(), rows.max(), cols.min(), cols.max()) == (25, 55, 15, 25)
    assert np.allclose(region["size"][0][taught], np.log(60))
    assert np.allclose(region["size"][1][taught], np.log(20))
    assert region["size_mask"][0].sum() == pytest.approx(1.0, abs=1e-5)
    assert region["size_mask"][0, 40, 20] > region["size_mask"][0, 50, 20] > 0
    # Heatmap, offsets and centres are the same either way.
    for key in ("heatmap", "offset", "reg_mask", "neg_mask"):
        assert (centre[key] == region[key]).all()


def test_size_region_gives_overlapping_cells_to_the_smaller_object():
    big, small = [40, 40, 120, 280], [70, 140, 90, 180]  # a small person in front of a big one
    boxes = np.array([small, big], np.float32)  # order of the labels does not matter
    targets = make_targets(
        boxes, np.array([0, 0]), np.zeros((0, 5), np.float32), (True, True), 320, 0.5
    )

    # The small one's centre cell (20, 40) is also the big one's: the small size wins.
    assert targets["size"][0, 40, 20] == pytest.approx(np.log(10))
    assert targets["size"][0, 27, 20] == pytest.approx(np.log(60))  # only the big one there
    assert targets["reg_mask"][0].sum() == 1  # one centre cell for the two


def yard_with_one_worker(folder):
    """Photo 0: one worker near the right edge of an empty yard; photos 1 to 3: the yard."""
    (folder / "images").mkdir(parents=True)
    entries = []
    for i in range(4):
        image = np.full((240, 320, 3), (120, 115, 105), np.uint8)
        boxes = []
        if i == 0:
            image[150:230, 280:306] = (240, 120, 20)
            boxes = [[280, 150, 306, 230, "person"]]
        cv2.imwrite(str(folder / "images" / f"{i}.jpg"), image)
        entries.append({"file": f"images/{i}.jpg", "width": 320, "height": 240, "boxes": boxes,
                        "exhaustive": ["person", "head"]})  # fmt: skip
    (folder / "annotations.json").write_text(json.dumps(entries))
    return folder


def test_focus_people_are_drawn_more_often_and_always_in_the_crop(tmp_path):
    items = load_items([yard_with_one_worker(tmp_path / "yard")])
    focus_file = tmp_path / "focus.json"
    focus_file.write_text(json.dumps([{"file": "yard/images/0.webp", "box": [280, 150, 306, 230]}]))
    focus = load_focus(focus_file, items)
    assert [index for index, _ in focus] == [0]

    def people_seen(dataset, draws=40):
        return [len(dataset.sample(1)[1]) for _ in range(draws)]  # photo 1 has nobody

    plain = PeopleDataset(items, 128, seed=3, paste_probability=0)
    focused = PeopleDataset(
        items, 128, seed=3, paste_probability=0, focus=focus, focus_probability=1.0
    )
    assert sum(people_seen(plain)) == 0
    # Scaled from 0.5 to 2 times the crop, the photo is mostly cut away, yet the worker
    # at its edge is in every crop, whole.
    assert people_seen(focused) == [1] * 40
    for _ in range(20):
        _, boxes, _, _ = focused.sample(1)
        width, height = boxes[0, 2] - boxes[0, 0], boxes[0, 3] - boxes[0, 1]
        assert height / width == pytest.approx(80 / 26, rel=0.1)


def test_a_focus_file_naming_no_training_photo_is_refused(tmp_path):
    items = load_items([yard_with_one_worker(tmp_path / "yard")])
    focus_file = tmp_path / "focus.json"
    focus_file.write_text(json.dumps([{"file": "other/images/0.jpg", "box": [0, 0, 9, 9]}]))

    with pytest.raises(ValueError, match=r"other/images/0\.jpg. matches 0"):
        load_focus(focus_file, items)


def test_operators_are_people_mostly_inside_a_machine():
    from training.operators import inside_machines

    machines = [[100, 100, 300, 260]]
    people = [[150, 120, 180, 180], [90, 150, 130, 250], [400, 100, 430, 180]]

    assert inside_machines(people, machines).tolist() == [True, False, False]
    assert inside_machines(people, np.zeros((0, 4))).tolist() == [False] * 3
