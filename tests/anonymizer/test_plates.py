"""Plates found as text: a drawn car's plate is boxed whole, a photo without text gets nothing,
lettering across a machine is not a plate, a plate at a vehicle box's edge is covered whole."""

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from anonymizer.engine.backends.plates import PlateTextDetector, _join_words
from anonymizer.engine.boxes import Detections
from anonymizer.engine.config import EngineConfig
from anonymizer.engine.detect import detect_plates


@pytest.fixture(scope="module")
def detector():
    # No skip: `make install` installs the model package, and a missing one must fail here.
    return PlateTextDetector(threads=2)


def draw_car(text="AB 123 CD", size=(640, 480), plate_center=(320, 320), font_size=32):
    """A grey car on a blue-grey ground with a plate sized around its text, as real plates are.

    Returns the RGB array and the plate's box (x1, y1, x2, y2).
    """
    image = Image.new("RGB", size, (96, 110, 120))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((80, 120, 560, 400), 40, fill=(150, 150, 160))
    draw.rectangle((110, 150, 530, 250), fill=(60, 70, 80))  # rear window
    draw.ellipse((110, 360, 200, 450), fill=(30, 30, 30))
    draw.ellipse((440, 360, 530, 450), fill=(30, 30, 30))
    font = ImageFont.load_default(size=font_size)
    x1, y1, x2, y2 = draw.textbbox(plate_center, text, font=font, anchor="mm")
    margin_x, margin_y = 0.3 * (y2 - y1), 0.25 * (y2 - y1)
    plate = (x1 - margin_x, y1 - margin_y, x2 + margin_x, y2 + margin_y)
    draw.rectangle(plate, fill=(245, 245, 245), outline=(20, 20, 20), width=2)
    draw.text(plate_center, text, fill=(10, 10, 10), font=font, anchor="mm")
    return np.asarray(image), plate


def covered_share(boxes: np.ndarray, box, shape) -> float:
    """Share of ``box`` inside the union of ``boxes``."""
    mask = np.zeros(shape[:2], bool)
    for x1, y1, x2, y2 in boxes.astype(int):
        mask[y1 : y2 + 1, x1 : x2 + 1] = True
    x1, y1, x2, y2 = (round(v) for v in box)
    return float(mask[y1:y2, x1:x2].mean())


def test_it_boxes_the_whole_plate_of_a_car(detector):
    image, plate = draw_car()

    found = detector(image)

    assert set(found.label) == {"plate"}
    assert covered_share(found.xyxy, plate, image.shape) >= 0.9
    plate_area = (plate[2] - plate[0]) * (plate[3] - plate[1])
    assert (found.widths * found.heights).max() < 3 * plate_area  # tight, not the whole car
    assert found.score.min() > 0.5


@pytest.mark.parametrize("text", ["AB-123-CD", "AB    123    CD"])
def test_a_plate_split_by_dashes_or_wide_spaces_is_still_covered(detector, text):
    image, plate = draw_car(text=text)

    found = detector(image)

    assert covered_share(found.xyxy, plate, image.shape) >= 0.9


def test_it_works_on_a_vehicle_crop_in_the_crops_coordinates(detector):
    image, (x1, y1, x2, y2) = draw_car()
    crop = image[100:460, 60:580]

    found = detector(crop, input_long_side=960)

    assert covered_share(found.xyxy, (x1 - 60, y1 - 100, x2 - 60, y2 - 100), crop.shape) >= 0.9


def test_an_image_without_text_has_no_plate(detector):
    ramp = np.linspace(0, 255, 640, dtype=np.float32)
    gradient = np.stack(
        [np.tile(ramp, (480, 1)), np.tile(ramp[::-1], (480, 1)), np.full((480, 640), 128.0)],
        axis=-1,
    ).astype(np.uint8)

    assert len(detector(gradient)) == 0
    assert len(detector(np.full((480, 640, 3), 128, np.uint8))) == 0


def test_boxes_stay_inside_the_image_when_the_plate_touches_its_edge(detector):
    image, plate = draw_car(text="AB 12", plate_center=(598, 320), font_size=24)

    found = detector(image)

    assert len(found) >= 1
    assert (found.xyxy >= 0).all()
    assert (found.xyxy[:, [0, 2]] <= image.shape[1]).all()
    assert (found.xyxy[:, [1, 3]] <= image.shape[0]).all()
    assert covered_share(found.xyxy, (plate[0], plate[1], 640, plate[3]), image.shape) >= 0.9


def test_it_rejects_an_image_that_is_not_rgb(detector):
    with pytest.raises(ValueError, match="RGB"):
        detector(np.zeros((64, 64), np.uint8))


def test_provenance_names_the_shipped_model(detector):
    record = detector.provenance()

    assert record["backend"] == "plate_text"
    assert record["file"] == "ch_PP-OCRv4_det_infer.onnx"
    assert len(record["sha256"]) == 64


def test_words_on_one_line_are_joined_but_a_smaller_line_above_is_not():
    words = np.array(
        [
            [100, 100, 140, 120],  # "AB"
            [135, 101, 190, 121],  # "123", overlapping "AB" after unclip
            [185, 100, 225, 120],  # "CD"
            [120, 80, 200, 92],  # a state name above: lower, not joined
        ],
        np.float32,
    )

    boxes, scores = _join_words(words, np.array([0.9, 0.8, 0.7, 0.6], np.float32))

    assert boxes.tolist() == [[100, 100, 225, 121], [120, 80, 200, 92]]
    assert scores.tolist() == pytest.approx([0.9, 0.6])


def draw_machine_with_lettering():
    """A yellow machine whose maker's name runs across most of its side, as on
    excavators, and a plate-sized number plate below it. Returns the RGB array,
    the machine's box and the plate's box."""
    image = Image.new("RGB", (640, 480), (120, 130, 110))
    draw = ImageDraw.Draw(image)
    machine = (60, 100, 580, 420)
    draw.rectangle(machine, fill=(225, 180, 40))
    font = ImageFont.load_default(size=72)
    draw.text((320, 200), "KOMATSU", fill=(20, 20, 20), font=font, anchor="mm")
    small = ImageFont.load_default(size=22)
    x1, y1, x2, y2 = draw.textbbox((320, 350), "AB 123 CD", font=small, anchor="mm")
    plate = (x1 - 7, y1 - 6, x2 + 7, y2 + 6)
    draw.rectangle(plate, fill=(245, 245, 245), outline=(20, 20, 20), width=2)
    draw.text((320, 350), "AB 123 CD", fill=(10, 10, 10), font=small, anchor="mm")
    return np.asarray(image), machine, plate


def test_lettering_across_a_machine_is_not_a_plate_but_its_plate_is():
    image, machine, plate = draw_machine_with_lettering()
    vehicles = Detections.from_lists([machine], [0.9], "vehicle")
    text = PlateTextDetector(threads=2)(image, input_long_side=960)
    lettering = text.widths > 0.6 * (machine[2] - machine[0])
    assert lettering.any()  # the text detector does read the lettering as a line

    found = detect_plates(image, vehicles, EngineConfig())

    assert covered_share(found.xyxy, plate, image.shape) >= 0.9
    assert (found.widths <= 0.6 * (machine[2] - machine[0])).all()
    wide_open = EngineConfig(plate_max_vehicle_width=1.5, plate_max_vehicle_height=1.5)
    assert detect_plates(image, vehicles, wide_open).widths.max() > 0.6 * (machine[2] - machine[0])


def test_a_plate_at_the_edge_of_a_tight_vehicle_box_is_covered_whole():
    image, plate = draw_car()
    # A vehicle box drawn tighter than the car: it starts 50 px into the plate.
    vehicles = Detections.from_lists([(plate[0] + 50, 120, 640, 400)], [0.9], "vehicle")

    found = detect_plates(image, vehicles, EngineConfig())

    assert covered_share(found.xyxy, plate, image.shape) >= 0.95
    # With engine 1.5's margin the text search saw only part of the plate.
    narrow = detect_plates(image, vehicles, EngineConfig(plate_vehicle_margin=0.05))
    assert covered_share(narrow.xyxy, plate, image.shape) < 0.9
