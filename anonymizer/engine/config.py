"""Every threshold and size the engine uses, in one place, with why.

The values were chosen from measurements on the dev sets of
``shared/eval`` (see ``anonymizer/engine/TUNING.md`` for the figures).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from anonymizer.engine.decode import DEFAULT_MAX_PIXELS

# The SSD weights the people passes can use (backends/ssd.py): the model zoo's
# original, or the same network fine-tuned on construction photos.
SSD_BACKENDS = ("ssd_site", "ssd_coco")


@dataclass(frozen=True)
class EngineConfig:
    # --- Decoding -------------------------------------------------------------
    max_pixels: int = DEFAULT_MAX_PIXELS

    # --- People (SSD-MobileNet-v2 COCO, 300x300 input, weights/SSD_COCO.md) ----
    # Score above which a box counts as a person. SSD gives distant, partly
    # hidden workers low scores; blurring a little too much is the safe error.
    person_score: float = 0.2
    # ...but a box that weak is kept only if several passes agree, unless it
    # reaches person_confirm_score on its own.
    person_confirm_score: float = 0.5
    person_min_support: int = 2
    # Side of the square slices (pixels of the photo) and their overlap. The
    # network sees 300x300: a 512 px slice sees a 40 px worker as 23 px. The
    # cost is one network pass (~0.013 s on 2 cores, 0.06 s before engine 1.3)
    # per slice (see TUNING.md for the recall and time of each size).
    # Photos up to small_photo_max_side get slices of person_slice_px and of
    # small_photo_slice_px (their people enlarged); larger photos get slices of
    # large_photo_slice_px only: a 12 MP photo makes 192 passes (engine 1.3;
    # 81 of 512 px before, when 320 px cost too much time).
    person_slice_px: int = 512
    small_photo_max_side: int = 1280
    small_photo_slice_px: int = 320
    large_photo_slice_px: int = 320
    slice_overlap: float = 0.2
    # Slices are only made for photos larger than this many slice sides.
    slice_min_ratio: float = 1.3
    # How many slices go through the network at once.
    slice_batch: int = 8
    # Padding of person boxes, as a share of their width and height on each side.
    person_pad_x: float = 0.12
    person_pad_y: float = 0.06
    # Boxes of the same kind overlapping by this share of the smaller are merged.
    merge_overlap: float = 0.3

    # --- The project's own people + head detector (people_net) ---------------------
    # Its head boxes join the faces above people_net_head_score: on the dev sets
    # hard_hat_workers head recall 0.948 (engine 1.0) -> 0.992, CSS's people-free
    # photos as in 1.1, COCO's blurred people-free photos 5 -> 13 of 35 (0.5 would
    # give 0.984 and 10 of 35). Its person boxes would join SSD's above
    # people_net_person_score; above 1 they are off: at the scores where they
    # add recall they blur most people-free photos (weights/MODEL_CARD.md).
    people_net_person_score: float = 1.01
    people_net_head_score: float = 0.4
    # Whole-frame pass at most this long side; larger photos are also cut into
    # slices of people_net_slice_px (0: no slices).
    people_net_long_side: int = 1280
    people_net_slice_px: int = 0

    # --- Zoom check: a closer look at weak person boxes (zoom.py, engine 1.4) ------
    # A weak box on which SSD (from zoom_ssd_score, any pass) and people_net
    # (from zoom_net_score) agree, IoU zoom_agree_iou, outside the kept people,
    # is cut out at each of zoom_contexts times its long side and given to SSD
    # again; it becomes a person when SSD finds one there at every context
    # (zoom_score, IoU zoom_match_iou with the box; each closer look's person
    # at IoU zoom_repeat_iou with the first look's). CSS dev: recall 0.823 ->
    # 0.869, under 50 px 0.375 -> 0.542, people-free photos blurred unchanged
    # (TUNING.md). One SSD pass per candidate: at most zoom_max_checks per photo,
    # and only on photos up to zoom_max_side: on larger ones people_net's
    # whole-frame pass (people_net_long_side) is too coarse to propose the small
    # people, and on the 12 MP mosaics the check found 2 of 175 more at 6 s
    # more per frame.
    zoom_check: bool = True
    zoom_max_side: int = 2048
    zoom_ssd_score: float = 0.05
    zoom_net_score: float = 0.1
    zoom_agree_iou: float = 0.1
    zoom_contexts: tuple[float, ...] = (3.0, 2.0)
    zoom_score: float = 0.3
    zoom_match_iou: float = 0.2
    zoom_repeat_iou: float = 0.1
    zoom_max_checks: int = 200
    # people_net heads below head_check_below are kept only on a body: a kept
    # person box, or one SSD finds on a crop head_check_context heads wide
    # around and below the head (0: every head from people_net_head_score kept).
    # 0.45 (engine 1.4): people-free photos blurred, COCO 13 -> 11 of 35, CSS
    # 11 -> 10 of 33; hard_hat_workers 0.9937 -> 0.9923 (every head still
    # covered; two fail the scorer's blur-strength test). 0.5 would give COCO
    # 10 of 35 and hard_hat_workers 0.9902 (TUNING.md).
    head_check_below: float = 0.45
    head_check_context: float = 6.0

    # --- Backends -----------------------------------------------------------------
    # The models run, one SSD among them (SSD_BACKENDS). Engine 1.6 runs ssd_site,
    # SSD fine-tuned on construction photos with the operators behind cab glass
    # drawn more often (make train-ssd): on the dev sets CSS recall 0.869 ->
    # 0.903 (under 50 px 0.542 -> 0.667) and coco128_person 0.906 -> 0.927, for
    # people-free photos blurred CSS 9 -> 10 of 33 and COCO 11 -> 12 of 35
    # (TUNING.md). "ssd_coco" in its place (and plate_vehicle_margin 0.05) gives
    # engine 1.5 back.
    backends: tuple[str, ...] = (
        "ssd_site",
        "centerface",
        "mediapipe_face",
        "plate_text",
        "people_net",
    )

    # --- Faces and heads --------------------------------------------------------
    # CenterFace on the whole photo at most this long side (pixels), for photos
    # up to face_whole_max_side; larger photos rely on the head pass, as their
    # faces would be too small once shrunk.
    face_long_side: int = 1280
    face_whole_max_side: int = 2048
    face_score: float = 0.35
    mediapipe_face_score: float = 0.5
    # Head pass: CenterFace on the top of each person box, upscaled so a head
    # is at least this many pixels tall.
    head_pass: bool = True
    head_pass_min_px: int = 64
    # ...skipping a person whose head region already holds a head or face box
    # (this share of it inside) from the other passes; above 1, never skipped.
    head_pass_known_share: float = 0.5
    # Face boxes become ellipses padded to cover hair, ears and helmet.
    face_pad_x: float = 0.25
    face_pad_y: float = 0.35

    # --- Plates -------------------------------------------------------------------
    vehicle_score: float = 0.3
    plate_score: float = 0.5
    plate_long_side: int = 960
    # The text search looks this share of the vehicle box beyond each side. 0.15
    # (engine 1.6; 0.05 before): the fine-tuned SSD draws some vehicle boxes
    # tighter, and a plate at a truck's edge fell half outside (TUNING.md).
    plate_vehicle_margin: float = 0.15
    plate_pad: float = 0.1
    # A plate is small beside its vehicle: a 0.52 m plate on a car at least
    # 1.5 m wide and 1.2 m tall. Text wider or taller than these shares of
    # the vehicle box is lettering on a machine, or tyre and track tread, not a
    # plate (engine 1.5). On plates_openalpr the largest plates found measure
    # 0.42 of their vehicle's width and 0.21 of its height; on CSS's
    # people-free photos the text found on excavator tracks measured 0.95.
    plate_max_vehicle_width: float = 0.6
    plate_max_vehicle_height: float = 0.35

    # --- Redaction ------------------------------------------------------------------
    mode: str = "mosaic"  # "mosaic" (then blur) or "solid"
    # A region is cut into about this many blocks along its longer side, so a
    # 600 px worker gets 100 px blocks and a 48 px one 8 px blocks.
    mosaic_blocks: int = 6
    # ...and faces, heads and plates into this many: what identifies gets the
    # stronger mosaic (engine 1.3; a silhouette matters only for bodies).
    mosaic_blocks_detail: int = 4
    mosaic_min_block_px: int = 4
    solid_rgb: tuple[int, int, int] = (64, 64, 64)

    # --- Encoding ---------------------------------------------------------------------
    jpeg_quality: int = 88
    display_long_side: int = 2048
    thumbnail_long_side: int = 480

    def __post_init__(self):
        if self.mode not in ("mosaic", "solid"):
            raise ValueError("mode must be 'mosaic' or 'solid'")
        if not 1 <= self.jpeg_quality <= 95:
            raise ValueError("jpeg_quality must lie in 1..95")
        if not 0 <= self.slice_overlap < 0.9:
            raise ValueError("slice_overlap must lie in 0..0.9")
        if sum(name in SSD_BACKENDS for name in self.backends) > 1:
            raise ValueError(f"backends may list one SSD only: one of {', '.join(SSD_BACKENDS)}")

    @property
    def ssd_backend(self) -> str:
        """The SSD every people pass uses: the one listed in ``backends`` (the people
        pass always runs: with none listed, the original ``ssd_coco``)."""
        return next((name for name in self.backends if name in SSD_BACKENDS), "ssd_coco")

    @property
    def model_names(self) -> tuple[str, ...]:
        """Every backend a photo may run: ``backends``, and the SSD even when unlisted."""
        return tuple(dict.fromkeys((self.ssd_backend, *self.backends)))

    def as_dict(self) -> dict:
        return asdict(self)
