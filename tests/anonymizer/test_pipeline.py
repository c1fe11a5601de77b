"""The engine end to end with the real models, on a real photo shipped with scikit-image."""

import io

import numpy as np
import pytest
from PIL import Image
from skimage import data

from anonymizer.engine import ENGINE_VERSION, detect, zoom
from anonymizer.engine.backends import get_backend
from anonymizer.engine.config import SSD_BACKENDS, EngineConfig
from anonymizer.engine.models import ModelMissing, package_file
from anonymizer.engine.pipeline import Engine


@pytest.fixture(scope="module")
def astronaut_jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(data.astronaut()).save(buffer, "JPEG", quality=95)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def result(astronaut_jpeg):
    return Engine().anonymize(astronaut_jpeg)


def test_the_astronauts_face_and_body_are_found(result):
    labels = list(result.detections.label)
    assert "person" in labels
    assert "face" in labels
    face = result.detections.with_label("face").xyxy[0]
    # Eileen Collins' face is around x 170..280, y 60..180 in the 512x512 photo.
    assert 150 < (face[0] + face[2]) / 2 < 300
    assert 50 < (face[1] + face[3]) / 2 < 200


def test_her_face_is_blurred_in_every_output(result, astronaut_jpeg):
    from tests.anonymizer.test_redact import ssim_at_48px

    original = np.asarray(Image.open(io.BytesIO(astronaut_jpeg)).convert("RGB"))
    for jpeg in (result.anonymized_jpeg, result.display_jpeg):
        out = np.asarray(Image.open(io.BytesIO(jpeg)).convert("RGB").resize((512, 512)))
        # Eyes, nose and mouth: the structure of the face is gone.
        assert ssim_at_48px(original[80:170, 190:260], out[80:170, 190:260]) < 0.3
    assert result.mask[120, 220]
    assert Image.open(io.BytesIO(result.thumbnail_jpeg)).size == (480, 480)


def test_the_result_records_timings_and_provenance(result):
    assert {"decode", "detect_people", "detect_faces", "mask", "redact", "encode"} <= set(
        result.timings
    )
    provenance = result.provenance
    assert provenance["engine_version"] == ENGINE_VERSION
    models = {m["backend"]: m for m in provenance["models"]}
    assert set(models) == set(Engine().config.backends)
    assert Engine().config.ssd_backend in models  # the SSD weights every people pass used
    assert all(len(m["sha256"]) == 64 for m in models.values())
    assert provenance["config"]["person_score"] == Engine().config.person_score


def test_zones_alone_can_be_applied_without_detection(astronaut_jpeg):
    zone = [[0, 0], [0.5, 0], [0.5, 0.5], [0, 0.5]]

    result = Engine().anonymize(astronaut_jpeg, zones=[zone], detect=False)

    assert len(result.detections) == 0
    assert result.mask[:256, :256].all()
    assert not result.mask[300:, 300:].any()


def test_a_photo_without_people_is_left_untouched():
    rng = np.random.default_rng(3)
    sky = np.full((480, 640, 3), (120, 170, 230), np.uint8)
    sky[300:] = (110, 100, 80)
    sky = (sky + rng.normal(0, 2, sky.shape)).clip(0, 255).astype(np.uint8)

    result = Engine().anonymize(sky)

    assert result.masked_share == 0


def test_a_missing_model_file_gives_a_clear_error():
    with pytest.raises(ModelMissing, match="not installed"):
        package_file("no_such_model_package", "model.onnx")
    with pytest.raises(ModelMissing, match="missing from the package"):
        package_file("anonymizer", "no-such-weights.onnx")


def test_each_backend_is_loaded_once_per_process():
    assert get_backend("ssd_coco") is get_backend("ssd_coco")


@pytest.mark.parametrize("ssd", ["ssd_coco", "ssd_site"])
def test_every_people_pass_uses_the_ssd_the_config_lists(monkeypatch, astronaut_jpeg, ssd):
    asked = []

    def spy(name):
        asked.append(name)
        return get_backend(name)

    for module in (detect, zoom):
        monkeypatch.setattr(module, "get_backend", spy)
    config = EngineConfig(backends=(ssd, "centerface", "people_net"))

    result = Engine(config).anonymize(astronaut_jpeg)

    assert ssd in asked and not set(asked) & (set(SSD_BACKENDS) - {ssd})
    assert ssd in {m["backend"] for m in result.provenance["models"]}
    assert len(result.detections.with_label("person")) == 1


def test_the_ssd_is_recorded_even_when_the_config_leaves_it_out(astronaut_jpeg):
    result = Engine(EngineConfig(backends=("centerface",))).anonymize(astronaut_jpeg)

    assert [m["backend"] for m in result.provenance["models"]] == ["ssd_coco", "centerface"]
    assert len(result.detections.with_label("person")) == 1  # it did run


def test_a_config_with_two_ssds_is_refused():
    with pytest.raises(ValueError, match="one SSD only"):
        EngineConfig(backends=("ssd_coco", "ssd_site", "centerface"))
