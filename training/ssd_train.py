"""Fine-tune the engine's SSD-MobileNet-v2 COCO on construction photos (person class).

    python -m training.ssd_train --out var/training/ssd1 --minutes 60       # one run
    python -m training.ssd_train --out var/training/ssd1 --resume           # go on
    python -m training.ssd_train --out /tmp/s --max-steps 2 --batch 2       # smoke

SSD already finds people from COCO; what it lacks is construction sites (small
workers from above, half hidden by machines, and machine parts it takes for
people). This starts from the engine's own file (``training/ssd_torch.py``
reads it into PyTorch) and trains on the same augmented crops as people_net
(``training/data.py``, resized to the network's 300x300), with the loss of the
model's own TF training pipeline:

- anchors matched to a person box at IoU >= 0.5 (and each box's best anchor)
  are positives, those under 0.4 negatives, the rest ignored; so is every
  anchor centred in an ignore box (unlabelled classes, cut or tiny people);
- sigmoid cross-entropy on the person score, negatives mined hard, 3 per
  positive (at least ``--min-negatives`` per crop); smooth L1 on the box codes
  (``ssd.py``'s coder) of the positives; both per positive;
- the vehicle scores, which the engine uses to find plates and which these
  photos do not label, are held to what the original network gives on the same
  crop (sigmoid cross-entropy to its scores), and so is the person score on
  the anchors neither positive nor negative (unlabelled persons, IoU 0.4-0.5).

Checkpoints every ``--checkpoint-steps`` and resumes like ``training.train``;
at the end writes ``ssd_coco.onnx`` with the engine's input and outputs
(float16 weights, as shipped). A GPU is used when there is one.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import cv2
import numpy as np
import onnx
import torch
import torch.nn.functional as F

from anonymizer.engine.backends.ssd import BOX_SCALE, INPUT_WH, WEIGHTS  # the engine's own
from anonymizer.engine.models import package_file
from training.data import PeopleDataset
from training.ssd_onnx import weights_as_float16
from training.ssd_torch import OnnxSSD, export_onnx
from training.train import (
    DEFAULT_DATA,
    add_focus_arguments,
    make_dataset,
    make_loader,
    run_steps,
    setup_run,
    start_run,
)

SSD_FILE = package_file("anonymizer", WEIGHTS)
PERSON = 1  # class_logits column (training/ssd_onnx.py KEEP_CLASSES)
VEHICLES = slice(2, 6)
POSITIVE_IOU, NEGATIVE_IOU = 0.5, 0.4


class SsdCrops(PeopleDataset):
    """People_net's augmented crops, resized to 300x300 and scaled to [-1, 1] (NHWC),
    with person boxes and person ignore boxes in [0, 1] as ymin, xmin, ymax, xmax."""

    def __getitem__(self, index: int):
        canvas, boxes, labels, ignore = self.sample(index)
        image = cv2.resize(canvas, INPUT_WH, interpolation=cv2.INTER_AREA)
        people = boxes[labels == 0][:, [1, 0, 3, 2]] / self.size
        ignored = ignore[ignore[:, 4] == 0][:, [1, 0, 3, 2]] / self.size
        return image, people.astype(np.float32), ignored.astype(np.float32)


def collate(batch):
    images = torch.from_numpy(np.stack([b[0] for b in batch]))
    return images, [torch.from_numpy(b[1]) for b in batch], [torch.from_numpy(b[2]) for b in batch]


def box_iou(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """IoU of (A, 4) against (B, 4) boxes (ymin, xmin, ymax, xmax)."""
    top_left = torch.maximum(a[:, None, :2], b[None, :, :2])
    bottom_right = torch.minimum(a[:, None, 2:], b[None, :, 2:])
    inter = (bottom_right - top_left).clamp(min=0).prod(-1)
    area_a = (a[:, 2:] - a[:, :2]).prod(-1)
    area_b = (b[:, 2:] - b[:, :2]).prod(-1)
    return inter / (area_a[:, None] + area_b[None, :] - inter).clamp(min=1e-9)


def encode(boxes: torch.Tensor, anchors: torch.Tensor) -> torch.Tensor:
    """Box codes of ``boxes`` against their anchors (both (A, 4)), as the network predicts them."""
    scale = torch.as_tensor(BOX_SCALE, dtype=boxes.dtype, device=boxes.device)
    anchor_yx = (anchors[:, :2] + anchors[:, 2:]) / 2
    anchor_hw = anchors[:, 2:] - anchors[:, :2]
    yx = (boxes[:, :2] + boxes[:, 2:]) / 2
    hw = (boxes[:, 2:] - boxes[:, :2]).clamp(min=1e-6)
    return torch.cat([(yx - anchor_yx) / anchor_hw, torch.log(hw / anchor_hw)], 1) * scale


def match(people: torch.Tensor, ignored: torch.Tensor, anchors: torch.Tensor):
    """Per anchor: 1 positive, 0 negative, -1 ignored; and each anchor's person box."""
    state = torch.zeros(len(anchors), dtype=torch.long, device=anchors.device)
    assigned = torch.zeros_like(anchors)
    if len(people):
        iou = box_iou(anchors, people)
        best, index = iou.max(1)
        state[best >= NEGATIVE_IOU] = -1
        state[best >= POSITIVE_IOU] = 1
        forced = iou.argmax(0)  # every person gets at least its best anchor
        index[forced] = torch.arange(len(people), device=anchors.device)
        state[forced] = 1
        assigned = people[index]
    if len(ignored):
        centre = (anchors[:, :2] + anchors[:, 2:]) / 2
        inside = (
            (
                (centre[:, None, :] >= ignored[None, :, :2])
                & (centre[:, None, :] <= ignored[None, :, 2:])
            )
            .all(-1)
            .any(1)
        )
        state[inside & (state == 0)] = -1
    return state, assigned


def losses(encodings, logits, teacher_logits, people, ignored, anchors, min_negatives: int):
    """The fine-tune's loss parts for a batch (see the module's docstring)."""
    n_pos, cls_loss, box_loss = 0, logits.new_zeros(()), logits.new_zeros(())
    hold_mask = torch.zeros_like(logits)
    hold_mask[..., VEHICLES] = 1
    for i in range(len(logits)):
        state, assigned = match(people[i], ignored[i], anchors)
        person = logits[i, :, PERSON]
        pos = state == 1
        hold_mask[i, state == -1, PERSON] = 1
        per_anchor = F.binary_cross_entropy_with_logits(person, pos.float(), reduction="none")
        neg_loss = per_anchor.detach().clone()
        neg_loss[state != 0] = -1
        k = min(int((state == 0).sum()), max(min_negatives, 3 * int(pos.sum())))
        hard = neg_loss.topk(k).indices
        cls_loss = cls_loss + per_anchor[pos].sum() + per_anchor[hard].sum()
        if pos.any():
            codes = encode(assigned[pos], anchors[pos])
            box_loss = box_loss + F.smooth_l1_loss(encodings[i, pos], codes, reduction="sum")
        n_pos += int(pos.sum())
    n = max(1, n_pos)
    soft = torch.sigmoid(teacher_logits)
    hold = F.binary_cross_entropy_with_logits(logits, soft, reduction="none")
    hold = hold - F.binary_cross_entropy_with_logits(teacher_logits, soft, reduction="none")
    return {
        "person": cls_loss / n,
        "box": box_loss / n,
        "hold": (hold * hold_mask).sum() / len(logits),
    }


def train(args) -> Path:
    out, device, items = setup_run(args)
    dataset = make_dataset(SsdCrops, items, args)
    model = OnnxSSD(args.ssd).to(device)
    teacher = OnnxSSD(args.ssd).to(device).eval()
    for parameter in teacher.parameters():
        parameter.requires_grad_(False)
    anchors = model.anchors().to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    step, total_steps, _ = start_run(out, model, optimizer, dataset, device, args)
    loader, workers = make_loader(dataset, args, device, collate)
    print(f"device {device}, {workers} data workers, {total_steps} steps", flush=True)

    def compute_loss(batch):
        images, people, ignored = batch
        blob = images.to(device).float() * (2 / 255) - 1
        people = [p.to(device) for p in people]
        ignored = [g.to(device) for g in ignored]
        with torch.no_grad():
            _, teacher_logits, _ = teacher(blob)
        encodings, logits, _ = model(blob)
        parts = losses(
            encodings[:, :, 0], logits, teacher_logits, people, ignored, anchors, args.min_negatives
        )
        return parts["person"] + parts["box"] + args.hold_weight * parts["hold"], parts

    step = run_steps(
        args,
        out,
        model,
        optimizer,
        loader,
        step,
        total_steps,
        compute_loss,
        warm_steps=10,
        timed_steps=30,
    )
    if step is None:
        return out / "last.pt"
    model.eval()
    full = export_onnx(model.cpu(), out / "ssd_coco.float32.onnx")
    half = onnx.load(str(full))
    weights_as_float16(half)
    path = out / "ssd_coco.onnx"
    onnx.save(half, str(path))
    print(f"exported {path} ({path.stat().st_size / 1e6:.1f} MB)", flush=True)
    return path


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", nargs="+", default=[str(p) for p in DEFAULT_DATA])
    parser.add_argument("--out", required=True)
    parser.add_argument(
        "--ssd", default=str(SSD_FILE), help="the network to start from and to hold vehicles to"
    )
    parser.add_argument("--init", help="start from this checkpoint's weights instead (last.pt)")
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--max-steps", type=int, default=0)
    parser.add_argument("--size", type=int, default=320, help="crop side before the 300 px resize")
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--lr", type=float, default=1e-4)
    parser.add_argument("--min-negatives", type=int, default=16, help="mined negatives per crop")
    parser.add_argument("--hold-weight", type=float, default=1.0, help="weight of the hold loss")
    parser.add_argument("--paste", type=float, default=0.25)
    parser.add_argument("--mosaic", type=float, default=0.3)
    parser.add_argument("--workers", type=int, default=-1)
    parser.add_argument("--limit", type=int, default=0, help="use only this many images")
    parser.add_argument("--checkpoint-steps", type=int, default=100)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--resume", action="store_true")
    parser.add_argument("--minutes", type=float, default=0, help="fit the schedule to this time")
    parser.add_argument("--stop-after", type=int, default=0)
    add_focus_arguments(parser)
    train(parser.parse_args(argv))


if __name__ == "__main__":
    main()
