"""Ingestion on the production stack: uploads/s the API accepts, photos/min per worker.

    .venv/bin/python benchmarks/ingest_bench.py [--uploads 48] [--clients 8]
        [--web-workers 4] [--e2e-photos 8] [--people-from DATASET_DIR] [--json PATH]

Real PostgreSQL, Redis and SeaweedFS (S3) on loopback ports, production profile
(``tests/integration/stack.py``); one project (originals not kept) with one
camera per client. One 12 MP scene is drawn with sensor-like noise
(``engine_bench.site_photo_jpeg``, JPEG quality 90; ``--people-from`` pastes
real workers, since the drawn ones may not be detected); each upload is a copy
with a numbered JPEG comment segment after SOI: its own SHA-256, same picture.

1. Upload, processing excluded: gunicorn (``--web-workers``), no Celery worker;
   ``--clients`` threads, a ``requests.Session`` each, send ``--uploads``
   distinct photos after an uncounted warm-up (two per gunicorn worker), photo
   i as camera i % clients. Accepted uploads/s (201s; any other status is an
   error), MB/s, latency p50/p95/max; then the same photos again (200s, a
   camera's retries). ``CAMERA_UPLOAD_RATE`` is raised on the server so the
   per-camera throttle never answers 429; its Redis round trip is still paid.
   "machine CPU s/upload" is /proc/stat over the pass: everything on the
   machine. Baseline: validating one photo in-process as ``photo_ingest`` does
   (``read_header`` + ``decode_image``, median of 5); the ratio is the API's
   uploads/s per CPU over that one-core validation rate.
2. End to end: the phase-1 tasks are purged from Redis (those photos stay
   pending), ``--e2e-photos`` fresh photos are uploaded, gunicorn stops, one
   Celery worker (concurrency 1) starts. Timed from its "ready." until all are
   ``anonymized`` (polled every 0.5 s; any ``failed`` aborts), so the model
   load on the first photo is included ("steady" leaves the first out). Stage
   means come from ``anonymizer_anonymizationrun.timings``; the originals must
   be gone from S3. Baseline, after the stack stopped: ``Engine().load()``
   here, one warm-up, median of 2 ``anonymize`` calls on the same photo; the
   ratio is end-to-end seconds per photo over the engine alone.

This is a benchmark, not a test: it asserts nothing and is not collected by pytest.
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import statistics
import sys
import threading
import time
import uuid
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

import requests  # noqa: E402

from benchmarks.engine_bench import site_photo_jpeg  # noqa: E402
from tests.integration.stack import Stack  # noqa: E402

SIZE = (4000, 3000)
WARMUP = 1_000_000  # comment numbers of the warm-up uploads
STAGES = (
    "storage_read",
    "decode",
    "detect_people",
    "detect_faces",
    "detect_plates",
    "mask",
    "redact",
    "encode",
    "storage_write",
)
SETUP = """
from projects.models import Customer, Project
from projects.services import camera_create
customer = Customer.objects.create(name="Ingest bench", slug="ingest-bench")
project = Project.objects.create(customer=customer, name="Bench site", slug="bench-site")
for number in range({cameras}):
    camera, token = camera_create(project=project, name=f"Bench camera {{number}}")
    print("TOKEN", token)
"""


def with_comment(jpeg: bytes, number: int) -> bytes:
    """``jpeg`` with a COM segment holding ``number`` right after SOI: same picture, new hash."""
    payload = f"ingest-bench {number}".encode()
    return jpeg[:2] + b"\xff\xfe" + (len(payload) + 2).to_bytes(2, "big") + payload + jpeg[2:]


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile (``share`` in 0..1) of a non-empty list."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered) + 0.5) - 1))]


def cpu_busy_seconds() -> float:
    """CPU seconds the whole machine spent busy since boot (/proc/stat, all cores)."""
    with open("/proc/stat") as stat:
        fields = [int(value) for value in stat.readline().split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def upload_all(url: str, photos: list[bytes], tokens: list[str], clients: int, first: int) -> dict:
    """Send every photo from ``clients`` threads; statuses, latencies, wall and CPU seconds."""
    work: queue.Queue[int] = queue.Queue()
    for index in range(len(photos)):
        work.put(index)
    results: list[tuple[int, float, str | None]] = []
    lock = threading.Lock()

    def client() -> None:
        with requests.Session() as session:
            while True:
                try:
                    index = work.get_nowait()
                except queue.Empty:
                    return
                token = tokens[(first + index) % len(tokens)]
                began, code, photo_id = time.perf_counter(), 0, None
                try:
                    response = session.post(
                        f"{url}/api/v1/photos/",
                        headers={"Authorization": f"Camera {token}"},
                        files={"image": (f"p{first + index}.jpg", photos[index], "image/jpeg")},
                        timeout=300,
                    )
                    code = response.status_code
                    if code < 300:
                        photo_id = response.json().get("id")
                    else:
                        print(f"  HTTP {code}: {response.text[:200]}", file=sys.stderr)
                except requests.RequestException as exc:  # counted as status 0
                    print(f"  request failed: {exc!r}", file=sys.stderr)
                with lock:
                    results.append((code, time.perf_counter() - began, photo_id))

    threads = [threading.Thread(target=client) for _ in range(min(clients, len(photos)))]
    cpu_began, began = cpu_busy_seconds(), time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall, cpu = time.perf_counter() - began, cpu_busy_seconds() - cpu_began
    statuses: dict[str, int] = {}
    for code, _, _ in results:
        statuses[str(code)] = statuses.get(str(code), 0) + 1
    latencies = [seconds for _, seconds, _ in results]
    return {
        "wall_s": wall,
        "statuses": statuses,
        "per_s": len(results) / wall,
        "mb_per_s": sum(map(len, photos)) / 1e6 / wall,
        "latency_p50_s": percentile(latencies, 0.5),
        "latency_p95_s": percentile(latencies, 0.95),
        "latency_max_s": max(latencies),
        "machine_cpu_s_per_upload": cpu / len(results),
        "ids": [photo_id for _, _, photo_id in results if photo_id],
    }


def validation_seconds(photo: bytes, repeat: int = 5) -> float:
    """Median time to validate one photo in-process the way ``photo_ingest`` does."""
    from anonymizer.engine.decode import decode_image, read_header

    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        read_header(photo)
        decode_image(photo)
        times.append(time.perf_counter() - began)
    return statistics.median(times)


def engine_seconds(photo: bytes) -> float:
    """The engine alone on ``photo`` in this process: load, one warm-up, median of 2 runs."""
    from anonymizer.engine.pipeline import Engine

    engine = Engine().load()
    engine.anonymize(photo)
    runs = []
    for _ in range(2):
        began = time.perf_counter()
        engine.anonymize(photo)
        runs.append(time.perf_counter() - began)
    return statistics.median(runs)


def wait_anonymized(stack: Stack, ids: list[uuid.UUID], worker, timeout: float) -> float:
    """Poll every 0.5 s until every photo is anonymized; the seconds it took. Fails loudly."""
    began = time.perf_counter()
    while True:
        rows = dict(
            stack.sql(
                "select status, count(*) from projects_photo where id = any(%s) group by status",
                (ids,),
            )
        )
        if rows.get("failed"):
            errors = stack.sql(
                "select error from projects_photo where id = any(%s) and status = 'failed'", (ids,)
            )
            raise SystemExit(f"{rows['failed']} photo(s) failed: {errors[0][0][:500]}")
        if rows.get("anonymized", 0) == len(ids):
            return time.perf_counter() - began
        if not worker.running or time.perf_counter() - began > timeout:
            raise SystemExit(f"worker stopped or timed out at {rows}\n{worker.log()[-3000:]}")
        time.sleep(0.5)


def count_originals(stack: Stack, names: list[str]) -> int:
    """How many of these originals (storage names) are still objects in the originals bucket."""
    keys = stack.s3_keys("originals")
    return sum(1 for name in names if any(key.endswith(name) for key in keys))


def run(args: argparse.Namespace) -> dict:
    report: dict = {"cpu_count": os.cpu_count(), "load_average_before": os.getloadavg()}
    began = time.perf_counter()
    base = site_photo_jpeg(SIZE, seed=0, people_from=args.people_from)[0]
    report["photo"] = {"width": SIZE[0], "height": SIZE[1], "jpeg_mb": len(base) / 1e6}
    print(f"photo drawn in {time.perf_counter() - began:.1f} s ({len(base) / 1e6:.2f} MB)")
    from anonymizer.engine.decode import decode_image

    if decode_image(with_comment(base, 0)).size != SIZE:
        raise SystemExit("the commented JPEG does not decode to 4000x3000")
    validate_s = validation_seconds(base)
    report["validation_s"] = validate_s

    stack = Stack(keep=False)
    try:
        began = time.perf_counter()
        stack.start()
        stack.prepare()
        output = stack.manage("shell", "-c", SETUP.format(cameras=args.clients)).stdout
        tokens = [line.split()[1] for line in output.splitlines() if line.startswith("TOKEN ")]
        print(f"stack ready in {time.perf_counter() - began:.1f} s, {len(tokens)} cameras")

        # --- phase 1: uploads, no worker ---
        web = stack.start_web(workers=args.web_workers, env={"CAMERA_UPLOAD_RATE": "1000000/min"})
        # Warm-up, not counted: each gunicorn worker's first request imports and connects.
        warm = [with_comment(base, WARMUP + n) for n in range(2 * args.web_workers)]
        upload_all(web.url, warm, tokens, args.web_workers, first=WARMUP)
        photos = [with_comment(base, number) for number in range(args.uploads)]
        first = upload_all(web.url, photos, tokens, args.clients, first=0)
        print(f"upload pass: {first['statuses']} in {first['wall_s']:.1f} s")
        again = upload_all(web.url, photos, tokens, args.clients, first=0)
        print(f"duplicate pass: {again['statuses']} in {again['wall_s']:.1f} s")
        accepted = first["statuses"].get("201", 0)
        first["accepted_per_s"] = accepted / first["wall_s"]
        first["errors"] = args.uploads - accepted
        again["errors"] = args.uploads - again["statuses"].get("200", 0)
        del photos, first["ids"], again["ids"]
        report["upload"] = first
        report["duplicates"] = again
        report["upload_vs_validation_per_core"] = (
            first["accepted_per_s"] / report["cpu_count"] * validate_s
        )

        # --- phase 2: end to end, one worker process ---
        stack.celery("purge", "-f")
        fresh = [with_comment(base, args.uploads + n) for n in range(args.e2e_photos)]
        sent = upload_all(web.url, fresh, tokens, args.clients, first=args.uploads)
        web.stop()
        if sent["statuses"] != {"201": args.e2e_photos}:
            raise SystemExit(f"end-to-end uploads answered {sent['statuses']}")
        ids = [uuid.UUID(photo_id) for photo_id in sent["ids"]]
        names = [
            name
            for (name,) in stack.sql(
                "select original from projects_photo where id = any(%s)", (ids,)
            )
        ]
        originals_before = count_originals(stack, names)
        worker = stack.start_worker(concurrency=1)
        wall = wait_anonymized(stack, ids, worker, timeout=120 + 120 * args.e2e_photos)
        worker.stop()
        runs = stack.sql(
            "select timings, extract(epoch from finished_at - started_at), finished_at "
            "from anonymizer_anonymizationrun where photo_id = any(%s) and outcome = 'succeeded' "
            "order by finished_at",
            (ids,),
        )
        finished = [row[2] for row in runs]
        steady = (
            (finished[-1] - finished[0]).total_seconds() / (len(finished) - 1)
            if len(finished) > 1
            else None
        )
        report["end_to_end"] = {
            "photos": args.e2e_photos,
            "wall_s": wall,
            "photos_per_min_per_worker": 60 * args.e2e_photos / wall,
            "s_per_photo": wall / args.e2e_photos,
            "steady_s_per_photo": steady,
            "first_run_s": float(runs[0][1]),
            "runs": len(runs),
            "stage_mean_s": {k: statistics.mean(r[0].get(k, 0.0) for r in runs) for k in STAGES},
            "originals_before": originals_before,
            "originals_after": count_originals(stack, names),
            "other_photos_run": stack.sql(
                "select count(*) from anonymizer_anonymizationrun where not photo_id = any(%s)",
                (ids,),
            )[0][0],
            "originals_in_db_after": stack.sql(
                "select count(*) from projects_photo where id = any(%s) and original <> ''",
                (ids,),
            )[0][0],
        }
    finally:
        stack.close()

    engine_s = engine_seconds(with_comment(base, 0))
    report["engine_s"] = engine_s
    report["e2e_vs_engine"] = report["end_to_end"]["s_per_photo"] / engine_s
    report["load_average_after"] = os.getloadavg()
    return report


def print_report(report: dict, args: argparse.Namespace) -> None:
    up, dup, e2e = report["upload"], report["duplicates"], report["end_to_end"]
    validate_rate = 1 / report["validation_s"]
    print()
    print(
        f"## Ingest benchmark: {report['cpu_count']} CPUs, 12 MP photos "
        f"({report['photo']['jpeg_mb']:.2f} MB JPEG), load average "
        f"{report['load_average_before'][0]:.2f} before, {report['load_average_after'][0]:.2f} after"
    )
    print(
        f"\nUpload (no worker; {args.web_workers} gunicorn workers, {args.clients} clients, "
        f"{args.uploads} photos)"
    )
    print(
        f"- accepted: {up['accepted_per_s']:.2f} uploads/s, {up['mb_per_s']:.1f} MB/s, "
        f"wall {up['wall_s']:.1f} s, statuses {up['statuses']}, errors {up['errors']}"
    )
    print(
        f"- latency p50 {up['latency_p50_s']:.2f} s, p95 {up['latency_p95_s']:.2f} s, "
        f"max {up['latency_max_s']:.2f} s; machine CPU {up['machine_cpu_s_per_upload']:.2f} s/upload"
    )
    print(
        f"- duplicates (retries): {dup['per_s']:.2f} uploads/s, p50 {dup['latency_p50_s']:.2f} s, "
        f"statuses {dup['statuses']}, errors {dup['errors']}"
    )
    print(
        f"- baseline, in-process validation (read_header + decode_image): "
        f"{report['validation_s']:.3f} s = {validate_rate:.2f} photos/s on one core"
    )
    print(
        f"- API upload throughput vs. in-process validation throughput (per core): "
        f"{report['upload_vs_validation_per_core']:.2f} "
        f"({up['accepted_per_s'] / report['cpu_count']:.2f} vs {validate_rate:.2f} photos/s)"
    )
    print(f"\nEnd to end (1 Celery worker process, concurrency 1, {e2e['photos']} photos)")
    steady = e2e["steady_s_per_photo"]
    print(
        f"- {e2e['photos_per_min_per_worker']:.1f} photos/min per worker process, "
        f"{e2e['s_per_photo']:.2f} s/photo mean (wall {e2e['wall_s']:.1f} s from worker ready; "
        f"first run {e2e['first_run_s']:.2f} s incl. model load"
        + (f"; steady {steady:.2f} s/photo)" if steady else ")")
    )
    stages = ", ".join(f"{k} {v:.2f}" for k, v in e2e["stage_mean_s"].items())
    print(f"- stage means, s ({e2e['runs']} runs): {stages}")
    print(
        f"- originals in S3: {e2e['originals_before']} before, {e2e['originals_after']} after; "
        f"rows still naming one: {e2e['originals_in_db_after']}; "
        f"runs on other (purged) photos: {e2e['other_photos_run']}"
    )
    print(
        f"- baseline, Engine.anonymize alone in-process: {report['engine_s']:.2f} s/photo; "
        f"end to end / engine alone = {report['e2e_vs_engine']:.2f}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--uploads", type=int, default=48, help="distinct photos in phase 1")
    parser.add_argument("--clients", type=int, default=8, help="concurrent upload threads")
    parser.add_argument("--web-workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--e2e-photos", type=int, default=8, help="photos anonymized in phase 2")
    parser.add_argument(
        "--people-from",
        metavar="DATASET_DIR",
        help="paste real workers from this shared/eval dataset into the photo, as engine_bench "
        "does (e.g. ../shared/eval/dev/construction_site_safety_css)",
    )
    parser.add_argument("--json", metavar="PATH", help="also write the figures as JSON here")
    args = parser.parse_args(argv)
    if min(args.uploads, args.clients, args.web_workers, args.e2e_photos) < 1:
        parser.error("every count must be at least 1")
    report = run(args)
    print_report(report, args)
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2, default=str) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
