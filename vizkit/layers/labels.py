"""World labels: names anchored at places in 3D — towns, regions — facing the camera,
decluttered and fading with distance.

Every frame the layer projects its anchors (numpy, float64), drops labels behind the camera,
off screen or faded out, and declutters the rest (:mod:`vizkit.text.declutter`): labels are
visited by priority (a town's population, a region's area — the caller says), and a label that
would overlap one already kept is not drawn. The glyphs of all labels are laid out once (per
size and language); each frame only those of the labels shown — their alpha faded by distance —
are written to the instance buffer and drawn in one instanced call (2,000 labels, ~125 shown
at 720p: ~1,700 glyphs, 130 kB).

**Flat views** declutter in screen pixels and draw glyphs pixel-snapped around the projected
anchor. **Dome faces** (``view.seen.fisheye``) declutter once per frame in the audience's
angles — the same answer for every cube face — and draw each glyph as a quad in the world,
perpendicular to the line of sight and as large as its size in visual angle, so a label that
straddles two faces is drawn by both and the fisheye joins it without a seam.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import moderngl
import numpy as np
import numpy.typing as npt

from vizkit.gpu import GpuContext, ResourceGroup
from vizkit.layers.base import Layer
from vizkit.layers.glyphs import GlyphBatch
from vizkit.text.atlas import GlyphAtlas
from vizkit.text.declutter import declutter_angular, declutter_screen
from vizkit.text.fonts import Face
from vizkit.text.i18n import Language, Text
from vizkit.text.layout import RGBA, layout
from vizkit.text.sizing import text_px
from vizkit.view import Viewing, ViewState

LABEL_FORMAT = ("3f 4f 4f 4f 4f/i", "a_anchor", "a_rect", "a_uv", "a_fill", "a_halo")
STRIDE = 20      # per glyph as built: the 19 uploaded columns, then the label's index
UPLOADED = 19
MIN_ALPHA = 0.02


def fade(distance: npt.NDArray[np.float64], start: float, end: float) -> np.ndarray:
    """Opacity by distance: 1 up to ``start`` metres, 0 from ``end`` on, smooth in between."""
    x = np.clip((distance - start) / max(end - start, 1e-9), 0.0, 1.0)
    return 1.0 - x * x * (3.0 - 2.0 * x)


class Labels(Layer):
    """Names at places in the world.

    Args:
        texts: one per place (plain text or ``Msg``).
        positions: ``(N, 2)`` or ``(N, 3)`` world metres (z = 0 when 2-D) where each label is
            anchored; the label is centred on it.
        priority: ``(N,)`` importance (population, area…): when labels would overlap, the more
            important one is drawn. Default: the order given (first = most important).
        size: ``"title"``, ``"body"`` or ``"small"`` (a visual angle, :mod:`vizkit.text.sizing`);
            scale multiplies it.
        fade_m: ``(start, end)`` distances from the eye in metres over which labels fade out
            (default: from 1.5 to 3 times the diagonal of the places' extent).
        color, halo: RGBA 0–1 of the letters and their outline (a dark halo keeps light text
            readable over any terrain: 12:1 and more).
        offset_em: where the label's centre sits from its anchor, in ems (x right, y up).
    """

    draw_order = 1  # blended; add labels after other blended layers to draw them on top

    def __init__(self, texts: Sequence[Text], positions: npt.ArrayLike, *,
                 priority: npt.ArrayLike | None = None, size: str = "body", scale: float = 1.0,
                 fade_m: tuple[float, float] | None = None,
                 color: RGBA = (0.96, 0.96, 0.97, 1.0), halo: RGBA = (0.03, 0.035, 0.05, 0.9),
                 offset_em: tuple[float, float] = (0.0, 0.0), font_path: str | None = None,
                 name: str | None = None, provenance: Any = None):
        super().__init__(name=name or "Labels", provenance=provenance)
        pos = np.asarray(positions, float)
        if pos.ndim != 2 or pos.shape[1] not in (2, 3) or len(pos) != len(texts):
            raise ValueError(f"{self.name}: positions must be (N, 2) or (N, 3) for N = "
                             f"{len(texts)} texts, got shape {pos.shape}")
        if not np.isfinite(pos).all():
            bad = int(np.flatnonzero(~np.isfinite(pos).all(axis=1))[0])
            raise ValueError(f"{self.name}: position of label {bad} ({texts[bad]!r}) is not "
                             f"finite: {pos[bad].tolist()}")
        if pos.shape[1] == 2:
            pos = np.column_stack([pos, np.zeros(len(pos))])
        self.texts = list(texts)
        self.positions = pos
        self.origin = pos.mean(axis=0) if len(pos) else np.zeros(3)
        self.priority = (np.arange(len(pos), 0, -1, dtype=float) if priority is None
                         else np.asarray(priority, float).reshape(-1))
        if len(self.priority) != len(pos):
            raise ValueError(f"{self.name}: priority must have one value per label "
                             f"({len(pos)}), got {len(self.priority)}")
        self.size, self.scale = size, scale
        if fade_m is None:
            span = float(np.linalg.norm(pos.max(axis=0) - pos.min(axis=0))) if len(pos) else 1.0
            span = max(span, 1.0)
            fade_m = (1.5 * span, 3.0 * span)
        if not 0 <= fade_m[0] < fade_m[1]:
            raise ValueError(f"{self.name}: fade_m must be (start, end) with 0 <= start < end, "
                             f"got {fade_m!r}")
        self.fade_m = (float(fade_m[0]), float(fade_m[1]))
        self.color, self.halo, self.offset_em = color, halo, offset_em
        self.font_path = font_path
        self.language = Language()
        self.atlas = GlyphAtlas()
        self.shown = np.zeros(len(pos), np.float32)   # last frame's opacity per label
        self.boxes = np.zeros((len(pos), 4))          # last flat frame's screen boxes, y down
        self._sizes = np.zeros((len(pos), 2))         # label width, height in pixels
        self._built: tuple[Any, ...] | None = None
        self._instances = np.zeros((0, STRIDE), np.float32)
        self._angular_key: tuple[Any, ...] | None = None
        self._batch: GlyphBatch | None = None
        self._drawn: tuple[Any, ...] | None = None

    def set_language(self, language: Language) -> None:
        self.language = language

    def bounds(self) -> tuple[np.ndarray, np.ndarray] | None:
        """None: labels annotate what other layers draw; they do not widen the framing."""
        return None

    # -- glyphs (GL-free) -------------------------------------------------------------------
    def face_for(self, viewing: Viewing) -> Face:
        return Face(text_px(self.size, viewing, self.scale), "bold", self.font_path)

    def build(self, viewing: Viewing) -> npt.NDArray[np.float32]:
        """Glyph instances for this view's letter size (again only when size or language
        changed): ``(G, 20) float32``."""
        face = self.face_for(viewing)
        key = (face, self.language.code)
        if self._built == key:
            return self._instances
        rows = []
        dx, dy = (self.offset_em[0] * face.px, -self.offset_em[1] * face.px)
        for index, text in enumerate(self.texts):
            block = layout(self.language(text), face, self.atlas, align="center")
            left, top = -block.width / 2 + dx, -block.height / 2 + dy
            self._sizes[index] = (block.width, block.height)
            g = block.glyphs
            if not len(g):
                continue
            row = np.zeros((len(g), STRIDE), np.float32)
            row[:, 0:3] = self.positions[index] - self.origin
            row[:, 3:7] = g[:, 0:4] + np.array([left, top, left, top], np.float32)
            row[:, 7:11] = g[:, 4:8]
            row[:, 11:15] = self.color
            row[:, 15:19] = self.halo
            row[:, 19] = index
            rows.append(row)
        self._instances = (np.concatenate(rows) if rows
                           else np.zeros((0, STRIDE), np.float32))
        self._built = key
        return self._instances

    # -- which labels show (GL-free) --------------------------------------------------------
    def visibility(self, view: ViewState) -> npt.NDArray[np.float32]:
        """Opacity of every label in ``view``: 0 when behind, off screen, faded out or
        decluttered away."""
        self.build(view.seen)
        if view.seen.fisheye:
            return self._angular_visibility(view)
        n = len(self.positions)
        homogeneous = np.column_stack([self.positions, np.ones(n)])
        clip = homogeneous @ (view.projection @ view.view).T
        w = clip[:, 3]
        front = w > 1e-9
        with np.errstate(divide="ignore", invalid="ignore"):
            ndc = clip[:, :2] / np.where(front, w, 1.0)[:, None]
        vw, vh = view.viewport
        px = np.floor((ndc * 0.5 + 0.5) * np.array([vw, vh]) + 0.5)
        cx, cy = px[:, 0], vh - px[:, 1]                     # y down
        half_w, half_h = self._sizes[:, 0] / 2, self._sizes[:, 1] / 2
        boxes = np.column_stack([cx - half_w, cy - half_h, cx + half_w, cy + half_h])
        on_screen = front & (boxes[:, 2] > 0) & (boxes[:, 0] < vw) & (boxes[:, 3] > 0) & (
            boxes[:, 1] < vh)
        alpha = fade(np.linalg.norm(self.positions - np.asarray(view.eye), axis=1),
                     *self.fade_m)
        candidates = np.flatnonzero(on_screen & (alpha > MIN_ALPHA) & (half_w > 0))
        keep = declutter_screen(boxes[candidates], self.priority[candidates])
        shown = np.zeros(n, np.float32)
        shown[candidates[keep]] = alpha[candidates[keep]]
        self.boxes = boxes
        return shown

    def _angular_visibility(self, view: ViewState) -> npt.NDArray[np.float32]:
        """Declutter in the audience's angles: one answer per frame and eye, for every face."""
        key = (view.frame.index, view.frame.t, tuple(np.round(view.eye, 6)),
               view.seen.deg_per_px, self._built)
        if self._angular_key == key:
            return self.shown
        eye = np.asarray(view.eye, float)
        sight = self.positions - eye
        distance = np.linalg.norm(sight, axis=1)
        ahead = sight / np.maximum(distance, 1e-9)[:, None]
        right = np.cross(ahead, np.array([0.0, 0.0, 1.0]))
        norm = np.linalg.norm(right, axis=1)
        right = np.where(norm[:, None] > 1e-6, right / np.maximum(norm, 1e-12)[:, None],
                         np.array([1.0, 0.0, 0.0]))
        up = np.cross(right, ahead)
        rad = math.radians(view.seen.deg_per_px)
        half = self._sizes * rad / 2
        alpha = fade(distance, *self.fade_m)
        candidates = np.flatnonzero((alpha > MIN_ALPHA) & (half[:, 0] > 0))
        keep = declutter_angular(ahead[candidates], right[candidates], up[candidates],
                                 half[candidates], self.priority[candidates])
        shown = np.zeros(len(self.positions), np.float32)
        shown[candidates[keep]] = alpha[candidates[keep]]
        self.shown, self._angular_key = shown, key
        return shown

    # -- GPU ----------------------------------------------------------------------------------
    def upload(self, gpu: GpuContext, group: ResourceGroup) -> None:
        self._batch = GlyphBatch(gpu, group, self.atlas,
                                 shaders=("hud/labels.vert", "hud/glyphs.frag"),
                                 layout=LABEL_FORMAT, stride=UPLOADED,
                                 defines={"LINEAR": 1})  # the scene target holds linear light
        self._drawn = None

    def release(self) -> None:
        if self._batch is not None:
            self._batch.release()
        self._batch, self._drawn = None, None
        super().release()

    def shown_glyphs(self, shown: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        """The instances of the labels shown, their alpha times their opacity."""
        glyphs = self._instances
        label = glyphs[:, 19].astype(np.int64)
        opacity = shown[label]
        picked = opacity > 0
        out = np.ascontiguousarray(glyphs[picked, :UPLOADED])
        out[:, 14] *= opacity[picked]   # fill alpha
        out[:, 18] *= opacity[picked]   # halo alpha
        return out

    def draw(self, view: ViewState) -> None:
        if view.pass_name != "color" or self._batch is None or not len(self.positions):
            return
        shown = self.visibility(view)
        self.shown = shown
        key = (self._built, shown.tobytes())
        if self._drawn != key:  # dome faces of one frame share it: written once
            self._batch.set_instances(self.shown_glyphs(shown))
            self._drawn = key
        ctx = self._gpu.ctx  # type: ignore[union-attr]
        ctx.disable(moderngl.DEPTH_TEST)
        ctx.enable(moderngl.BLEND)
        ctx.blend_func = moderngl.ONE, moderngl.ONE_MINUS_SRC_ALPHA
        self._batch.render(
            u_mvp=ViewState.gl_matrix(view.model_view_projection(tuple(self.origin))),
            u_viewport=tuple(float(v) for v in view.viewport),
            u_billboard=int(view.seen.fisheye),
            u_eye=tuple(float(v) for v in np.asarray(view.eye) - self.origin),
            u_up=(0.0, 0.0, 1.0), u_rad_per_px=math.radians(view.seen.deg_per_px))
        ctx.blend_func = moderngl.DEFAULT_BLENDING
        ctx.disable(moderngl.BLEND)
        ctx.enable(moderngl.DEPTH_TEST)
