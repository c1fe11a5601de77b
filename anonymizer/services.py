"""Anonymizing stored photos: claim the row, run the engine, store, record, finish.

A run never holds a database transaction while the engine works: it claims
the photo in a short locked transaction (a random ``processing_token``),
works, then finishes in a second locked transaction that applies its output
only if the claim is still its own. A run that was overtaken (its worker was
thought lost and the photo queued again) discards its files and is recorded
as superseded. Until a run succeeds the photo stays hidden (fail closed).
"""

import logging
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings
from django.db import DatabaseError, transaction
from django.db.models import F, Q
from django.utils import timezone

from anonymizer.engine.config import EngineConfig
from anonymizer.engine.pipeline import AnonymizationResult, Engine
from anonymizer.models import AnonymizationRun, Detection
from projects.models import ManualRegion, Photo
from projects.services import (
    DERIVATIVE_FIELDS,
    derivatives_delete_quietly,
    derivatives_store,
    photo_original_delete,
    photo_original_delete_after,
    photos_enqueue,
    timelapse_exports_refresh,
)

logger = logging.getLogger(__name__)

# Errors that pass: storage or database briefly unreachable. The task retries
# them with backoff; anything else fails the photo at once.
TRANSIENT_ERRORS = (OSError, DatabaseError, BotoCoreError, ClientError, ConnectionError)

_engine: Engine | None = None


def engine_get() -> Engine:
    """The process's engine, loaded on first use (a worker keeps it between photos)."""
    global _engine
    if _engine is None:
        _engine = Engine(EngineConfig(max_pixels=settings.MAX_IMAGE_PIXELS)).load()
    return _engine


class PhotoAnonymizeError(Exception):
    """A run that cannot succeed by trying again (no source image, undecodable source)."""


@dataclass(frozen=True)
class _Claim:
    photo_id: uuid.UUID
    token: uuid.UUID
    requested_at: datetime
    started_at: datetime
    attempt: int


def _photo_claim(photo_id) -> _Claim | None:
    with transaction.atomic():
        photo = Photo.objects.select_for_update().filter(pk=photo_id).first()
        if photo is None or photo.work_requested_at is None:
            return None  # deleted, or already done by an earlier delivery
        if photo.attempts >= settings.PHOTO_MAX_ATTEMPTS:
            _photo_fail(photo, f"Gave up after {photo.attempts} runs that did not finish.")
            return None
        claim = _Claim(
            photo_id=photo.pk,
            token=uuid.uuid4(),
            requested_at=photo.work_requested_at,
            started_at=timezone.now(),
            attempt=photo.attempts + 1,
        )
        photo.processing_token = claim.token
        photo.processing_started_at = claim.started_at
        photo.attempts = claim.attempt
        if photo.status in (Photo.Status.PENDING, Photo.Status.FAILED):
            photo.status = Photo.Status.PROCESSING
        photo.save(
            update_fields=[
                "processing_token",
                "processing_started_at",
                "attempts",
                "status",
                "updated_at",
            ]
        )
        return claim


def _read(field_file) -> bytes:
    try:
        with field_file.storage.open(field_file.name, "rb") as handle:
            return handle.read()
    except FileNotFoundError:
        raise PhotoAnonymizeError(f"{field_file.name} is missing from its storage.") from None
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
            raise PhotoAnonymizeError(f"{field_file.name} is missing from its storage.") from None
        raise


def _store(result: AnonymizationResult) -> dict[str, str]:
    """Save the three JPEGs under new random keys (none left behind on an error)."""
    return derivatives_store(
        {
            "anonymized": result.anonymized_jpeg,
            "display": result.display_jpeg,
            "thumbnail": result.thumbnail_jpeg,
        }
    )


def _run_record(photo, claim: _Claim, outcome, *, worker, result=None, source="", error=""):
    run = AnonymizationRun.objects.create(
        photo=photo,
        outcome=outcome,
        source=source,
        started_at=claim.started_at if claim else timezone.now(),
        finished_at=timezone.now(),
        attempt=claim.attempt if claim else photo.attempts,
        worker=worker[:200],
        engine_version=(result.provenance.get("engine_version", "") if result else ""),
        provenance=result.provenance if result else {},
        counts=_counts(result) if result else {},
        masked_share=result.masked_share if result else 0.0,
        timings={k: round(v, 4) for k, v in result.timings.items()} if result else {},
        error=error[:4000],
    )
    return run


def _counts(result: AnonymizationResult) -> dict[str, int]:
    counts = dict(Counter(str(label) for label in result.detections.label))
    if result.cleared:
        counts["cleared_by_staff"] = result.cleared
    return counts


def photo_anonymize(*, photo_id, worker: str = "") -> AnonymizationRun | None:
    """Anonymize a photo whose anonymization was requested; return the run recorded.

    Returns None when there is nothing to do (already done, deleted). Raises
    PhotoAnonymizeError for a run that cannot succeed, one of TRANSIENT_ERRORS
    when storage or database is unreachable (nothing is changed then: the
    photo keeps its claim and the task retries), and the engine's own errors.
    """
    claim = _photo_claim(photo_id)
    if claim is None:
        return None
    photo = Photo.objects.select_related("camera__project").get(pk=claim.photo_id)
    zones = list(photo.camera.blur_zones.filter(is_active=True).values_list("polygon_xy_norm"))
    regions = list(photo.manual_regions.values_list("action", "polygon_xy_norm"))
    redact = [p for (action, p) in regions if action == ManualRegion.Action.REDACT]
    keep_clear = [p for (action, p) in regions if action == ManualRegion.Action.KEEP_CLEAR]
    if photo.original:
        source, source_file = AnonymizationRun.Source.ORIGINAL, photo.original
    elif photo.anonymized:
        source, source_file = AnonymizationRun.Source.ANONYMIZED, photo.anonymized
    else:
        raise PhotoAnonymizeError("Neither the original nor an anonymized image is left.")

    start = time.perf_counter()
    data = _read(source_file)
    read_seconds = time.perf_counter() - start
    result = engine_get().anonymize(
        data,
        zones=[z for (z,) in zones],
        manual_regions=redact,
        keep_clear=keep_clear,
        detect=source == AnonymizationRun.Source.ORIGINAL,
    )
    del data
    start = time.perf_counter()
    names = _store(result)
    result.timings["storage_read"] = read_seconds
    result.timings["storage_write"] = time.perf_counter() - start
    try:
        return _photo_finish(
            claim,
            result,
            names,
            source=source,
            zones_count=len(zones),
            regions_count=len(regions),
            worker=worker,
        )
    except Exception:
        derivatives_delete_quietly(names)
        raise


def _photo_finish(claim, result, names, *, source, zones_count, regions_count, worker):
    with transaction.atomic():
        photo = (
            Photo.objects.select_for_update(of=("self",))
            .select_related("camera__project")
            .filter(pk=claim.photo_id)
            .first()
        )
        if photo is None or photo.processing_token != claim.token:
            # Overtaken by another run (or deleted): that run's output stands.
            transaction.on_commit(lambda: derivatives_delete_quietly(names))
            if photo is None:
                return None
            return _run_record(
                photo,
                claim,
                AnonymizationRun.Outcome.SUPERSEDED,
                worker=worker,
                result=result,
                source=source,
            )
        replaced = {field: getattr(photo, field).name for field in DERIVATIVE_FIELDS}
        for field in DERIVATIVE_FIELDS:
            setattr(photo, field, names[field])
        now = timezone.now()
        if photo.status in (Photo.Status.PENDING, Photo.Status.PROCESSING, Photo.Status.FAILED):
            photo.status = Photo.Status.ANONYMIZED
        elif photo.status == Photo.Status.QUARANTINED and photo.release_on_finish:
            # Staff resolved what hid it; this run carries their correction.
            photo.status, photo.release_on_finish = Photo.Status.ANONYMIZED, False
        photo.anonymized_at = now
        photo.error = ""
        photo.processing_token = None
        photo.processing_started_at = None
        if photo.work_requested_at == claim.requested_at:
            photo.work_requested_at = None
            photo.attempts = 0
        # else: asked again while this run worked; that request's task runs next.
        delete_original_now = False
        if photo.original:
            project = photo.camera.project
            delete_after = photo_original_delete_after(photo=photo)
            delete_original_now = not project.originals_enabled or delete_after <= now
            # Set before the file is deleted: if deleting fails, the purge finds it.
            photo.original_delete_after = now if delete_original_now else delete_after
        photo.save()
        run = _run_record(
            photo,
            claim,
            AnonymizationRun.Outcome.SUCCEEDED,
            worker=worker,
            result=result,
            source=source,
        )
        run.zones_count, run.manual_regions_count = zones_count, regions_count
        run.save(update_fields=["zones_count", "manual_regions_count"])
        Detection.objects.bulk_create(
            Detection(
                run=run,
                label=str(label),
                score=float(score),
                x1=float(box[0]),
                y1=float(box[1]),
                x2=float(box[2]),
                y2=float(box[3]),
            )
            for box, score, label in zip(
                result.detections.xyxy,
                result.detections.score,
                result.detections.label,
                strict=True,
            )
        )

        # Videos made from the old version are made again from the new one.
        timelapse_exports_refresh(photo_id=photo.pk)

        def after_commit():
            derivatives_delete_quietly({f: n for f, n in replaced.items() if n and n != names[f]})
            if delete_original_now:
                try:
                    photo_original_delete(photo=photo)
                except Exception:
                    logger.exception(
                        "original of photo %s not deleted yet; the purge will retry", photo.pk
                    )

        transaction.on_commit(after_commit)
    logger.info(
        "photo %s anonymized from %s in %.2f s: %s",
        photo.pk,
        source,
        sum(result.timings.values()),
        run.counts,
    )
    return run


def _photo_fail(photo: Photo, error: str, *, worker: str = "") -> None:
    """Record a failed run; a photo never anonymized becomes ``failed`` (still hidden)."""
    _run_record(photo, None, AnonymizationRun.Outcome.FAILED, worker=worker, error=error)
    photo.error = error[:4000]
    if photo.status in (Photo.Status.PENDING, Photo.Status.PROCESSING):
        photo.status = Photo.Status.FAILED
    # An already anonymized photo keeps its current (anonymized) version.
    photo.work_requested_at = None
    photo.processing_token = None
    photo.processing_started_at = None
    photo.save()
    logger.warning("photo %s failed: %s", photo.pk, error)


@transaction.atomic
def photo_anonymize_fail(*, photo_id, error: str, worker: str = "") -> bool:
    """Give up on a photo's requested anonymization; True if it was pending work.

    Staff see the error in the admin and can ask for it again (reprocess).
    """
    photo = Photo.objects.select_for_update().filter(pk=photo_id).first()
    if photo is None or photo.work_requested_at is None:
        return False
    _photo_fail(photo, error, worker=worker)
    return True


def photos_requeue_stuck() -> dict[str, int]:
    """Queue again what was asked for but is not moving; fail what tried too often.

    Stuck means: a run claimed the photo over ``PHOTO_STUCK_SECONDS`` ago and
    did not finish (worker killed), the request was never handed to the
    broker (broker down at upload), or its message waited a day without any
    worker starting it (lost with the broker's data). Runs waiting for a
    retry are not stuck: their claim is younger than the longest backoff.
    """
    now = timezone.now()
    cutoff = now - timedelta(seconds=settings.PHOTO_STUCK_SECONDS)
    grace = now - timedelta(seconds=60)
    stalled = Q(processing_started_at__lt=cutoff)
    never_sent = Q(processing_started_at__isnull=True, work_requested_at__lt=grace) & (
        Q(queued_at__isnull=True) | Q(queued_at__lt=F("work_requested_at"))
    )
    # A message a day old that no worker ever started was most likely lost with
    # the broker's data; a duplicate of one still queued finds nothing to do.
    lost = Q(processing_started_at__isnull=True, queued_at__lt=now - timedelta(days=1))
    candidates = Photo.objects.filter(work_requested_at__isnull=False).filter(
        stalled | never_sent | lost
    )
    failed = 0
    for photo_id in list(
        candidates.filter(attempts__gte=settings.PHOTO_MAX_ATTEMPTS).values_list("pk", flat=True)
    ):
        failed += photo_anonymize_fail(
            photo_id=photo_id,
            error=f"Gave up after {settings.PHOTO_MAX_ATTEMPTS} runs that did not finish.",
        )
    requeue = list(
        candidates.filter(attempts__lt=settings.PHOTO_MAX_ATTEMPTS).values_list("pk", flat=True)
    )
    # The dead run's claim is dropped, so the photo is not counted as stalled again
    # while its new task waits in the queue; a late finish of that run is superseded.
    Photo.objects.filter(pk__in=requeue).update(processing_started_at=None, processing_token=None)
    queued = photos_enqueue(photo_ids=requeue)
    if queued or failed:
        logger.warning("sweep: %s stuck photos queued again, %s failed", queued, failed)
    return {"requeued": queued, "failed": failed}
