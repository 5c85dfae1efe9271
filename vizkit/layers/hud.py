"""HUD layers: panels of text and marks pinned to the view — captions, credits, legends, the
time scrubber, info cards — sized in visual angle, readable over anything, turnable to face a
table's side.

A HUD layer (:class:`HudLayer`, ``is_hud``) *composes* a :class:`Panel` — quads in pixels with
y down from the panel's top-left, built from a :class:`HudFrame` that knows the view's pixel
sizes for each text role, the language, the atlas and the style — and the base class does the
rest:

* **placement**: the panel goes to its ``anchor`` (nine positions) ``margin`` degrees from the
  edges; panels sharing an anchor stack (the first drawn sits at the edge), in the reader's
  frame — the view itself, or the view turned a quarter, half or three quarters (``facing`` 90,
  180, 270: a touch table's HUD group read from the right, top or left side);
* **sizes** come from :mod:`vizkit.text.sizing` (degrees → pixels of *this* target), so glyphs
  are rasterised for the frame they land on;
* **contrast**: the backdrop first bounds the luminance of everything behind the panel (a MIN
  blend at the grey that keeps WCAG AA 4.5:1 against the text colour, :mod:`vizkit.text.contrast`),
  then lays its translucent tint;
* **caching**: a panel is composed again only when its content key, the view's size, the
  language or its place changed; then its quads are uploaded once (one draw call per atlas).

Hit-testing (:meth:`HudLayer.hit`) uses the same placement, so the input side can map a tap to
the widget under it (:func:`hud_at`).
"""

from __future__ import annotations

import logging
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import moderngl
import numpy as np

from vizkit.gpu import GpuContext, ResourceGroup
from vizkit.layers.base import Layer
from vizkit.layers.glyphs import GlyphBatch
from vizkit.layers.hud_place import HudStack, Placement, Rect
from vizkit.text.atlas import GlyphAtlas
from vizkit.text.contrast import AA_BODY, backdrop_bound
from vizkit.text.fonts import Face
from vizkit.text.i18n import Language, Text
from vizkit.text.layout import RGBA, QuadList, TextBlock, layout
from vizkit.text.sizing import text_px
from vizkit.view import Viewing, ViewState

ANCHORS = ("top-left", "top", "top-right", "left", "center", "right", "bottom-left", "bottom",
           "bottom-right")
FACINGS = (0, 90, 180, 270)

# Okabe & Ito's palette: told apart with every common colour-vision deficiency.
SKY_BLUE = (0.337, 0.706, 0.914, 1.0)
ORANGE = (0.902, 0.624, 0.0, 1.0)
VERMILLION = (0.835, 0.369, 0.0, 1.0)


@dataclass(frozen=True)
class HudStyle:
    """Colours (RGBA 0–1, straight alpha) and spacing of HUD panels.

    Attributes:
        text: body text; muted: secondary text (units, ticks).
        backdrop: the panel's tint. contrast: the WCAG ratio the backdrop guarantees between
            ``text`` and whatever is behind the panel (0 switches the bound off).
        accent: marks that must stand out (the scrubber's knob, the language in use):
            Okabe–Ito sky blue, safe for colour-blind visitors.
        padding_em, gap_em: inner padding and spacing between items, in ems of body text.
    """

    text: RGBA = (0.93, 0.94, 0.96, 1.0)
    muted: RGBA = (0.78, 0.80, 0.84, 1.0)
    backdrop: RGBA = (0.0, 0.0, 0.0, 0.55)
    contrast: float = AA_BODY
    accent: RGBA = SKY_BLUE
    accent_text: RGBA = (0.02, 0.02, 0.03, 1.0)
    padding_em: float = 0.5
    gap_em: float = 0.35


@dataclass
class Panel:
    """A composed widget: quads in pixels (y down from the panel's top-left) and its size.

    ``hits`` names regions a pointer can hit (panel coordinates); ``texts`` lists the strings
    shown (for tests and the operator); ``backdrop`` draws the tinted, contrast-bounded
    backdrop behind the whole panel; ``opacity`` fades the tint (the bound holds from half
    opacity on: a MIN blend cannot fade).
    """

    quads: QuadList
    width: float
    height: float
    hits: dict[str, Rect] = field(default_factory=dict)
    texts: list[str] = field(default_factory=list)
    backdrop: bool = True
    opacity: float = 1.0


class HudFrame:
    """What a widget needs to compose itself for one view: pixel sizes of each text role at
    this view's visual angle per pixel, the size of the reader's frame (``width``,
    ``height``), the language, the atlas and the style."""

    def __init__(self, viewing: Viewing, language: Language, atlas: GlyphAtlas,
                 style: HudStyle, scale: float = 1.0, font_path: str | None = None,
                 size: tuple[float, float] = (1280.0, 720.0)):
        self.viewing, self.language, self.atlas, self.style = viewing, language, atlas, style
        self.width, self.height = size
        self.scale, self.font_path = scale, font_path
        self.body_px = self.px("body")
        self.pad = round(style.padding_em * self.body_px)
        self.gap = round(style.gap_em * self.body_px)

    def px(self, role: str) -> int:
        return text_px(role, self.viewing, self.scale)

    def face(self, role: str = "body", weight: str = "regular") -> Face:
        return Face(self.px(role), weight, self.font_path)

    def text(self, message: Text | None, role: str = "body", *, weight: str = "regular",
             align: str = "left", max_width: float | None = None) -> TextBlock:
        """``message`` translated and laid out in this frame's size for ``role``."""
        return layout(self.language(message), self.face(role, weight), self.atlas,
                      align=align, max_width=max_width)

    def new_quads(self) -> QuadList:
        return QuadList(self.atlas)


_STACKS: dict[str, Any] = {"view": None, "stack": None}
_CROWDED: set[str] = set()
log = logging.getLogger("vizkit.text")


def stack_for(view: ViewState) -> HudStack:
    """The stack shared by every HUD layer drawn in ``view`` (the renderer hands the same
    ViewState object to each layer of one pass)."""
    if _STACKS["view"] is not view:
        _STACKS["view"], _STACKS["stack"] = view, HudStack(view.viewport, view.seen)
    return _STACKS["stack"]


class HudLayer(Layer):
    """Base class of HUD widgets. Subclasses implement :meth:`compose` (and, for caching,
    :meth:`content_key`).

    Args:
        anchor: one of ``top-left``, ``top``, ``top-right``, ``left``, ``center``, ``right``,
            ``bottom-left``, ``bottom``, ``bottom-right``.
        facing: 0, 90, 180 or 270 — the side of a touch table the panel is read from (0: the
            bottom edge, as on a screen; 90: the right side; 180: the top; 270: the left).
        margin_em: distance from the view's edges (and between stacked panels), in ems of body
            text.
        scale: text size relative to the display's defaults (never below its minimum angle).
        style: colours and spacing.
        font_path: a TTF/OTF file instead of DejaVu Sans.
    """

    is_hud = True
    draw_order = 3  # after the world; the attribution (2) is placed first, at its corner
    always_shown = False  # True: drawn even when it does not fit (the credits)

    def __init__(self, *, anchor: str = "bottom-left", facing: int = 0, margin_em: float = 0.8,
                 scale: float = 1.0, style: HudStyle | None = None,
                 font_path: str | None = None, name: str | None = None, visible: bool = True):
        super().__init__(name=name, visible=visible)
        if anchor not in ANCHORS:
            raise ValueError(f"{self.name}: anchor must be one of {ANCHORS}, got {anchor!r}")
        if facing not in FACINGS:
            raise ValueError(f"{self.name}: facing must be one of {FACINGS} (degrees), "
                             f"got {facing!r}")
        if not scale > 0:
            raise ValueError(f"{self.name}: scale must be > 0, got {scale!r}")
        if font_path is not None:
            Face(12, "regular", font_path)  # a missing file fails here, with its name
        self.anchor, self.facing, self.margin_em, self.scale = anchor, facing, margin_em, scale
        self.style = style or HudStyle()
        self.font_path = font_path
        self.language = Language()
        self.t = 0.0
        self.atlas = GlyphAtlas()
        self._cache: dict[Hashable, Placement] = {}
        self._last: Placement | None = None
        self._uploaded: Placement | None = None
        self._batch: GlyphBatch | None = None

    # -- what subclasses provide -----------------------------------------------------------
    def compose(self, frame: HudFrame) -> Panel | None:
        """The panel for ``frame`` (None: nothing to show now)."""
        raise NotImplementedError

    def content_key(self) -> Hashable:
        """Changes whenever what :meth:`compose` draws changes (None: compose every frame)."""
        return None

    # -- scene hooks -----------------------------------------------------------------------
    def set_time(self, t: float) -> None:
        self.t = float(t)

    def set_language(self, language: Language) -> None:
        """Show text in ``language`` (composed again at the next draw)."""
        self.language = language

    # -- placement (GL-free) ----------------------------------------------------------------
    def frame_for(self, viewing: Viewing,
                  size: tuple[float, float] = (1280.0, 720.0)) -> HudFrame:
        return HudFrame(viewing, self.language, self.atlas, self.style, self.scale,
                        self.font_path, size)

    def place(self, stack: HudStack) -> Placement | None:
        """Compose (or reuse) the panel and put it in ``stack``'s view."""
        content = self.content_key()
        frame = self.frame_for(stack.viewing, stack.frame_size(self.facing))
        panel_key = (content, stack.viewport, stack.viewing, self.language.code, self.facing)
        cached = self._cache.get(panel_key) if content is not None else None
        panel = cached.panel if cached is not None else self.compose(frame)
        if panel is None:
            self._last = None
            return None
        margin = max(round(self.margin_em * frame.body_px), 1)
        x, y = stack.slot(self.anchor, self.facing, panel.width, panel.height, margin)
        fw, fh = stack.frame_size(self.facing)
        outside = x < 0 or y < 0 or x + panel.width > fw or y + panel.height > fh
        if outside and not self.always_shown:
            if self.name not in _CROWDED:
                _CROWDED.add(self.name)
                log.warning("%s does not fit the %dx%d view beside the other HUD panels; "
                            "left out", self.name, fw, fh)
            self._last = None
            return None
        if cached is not None and (cached.x, cached.y) == (x, y):
            self._last = cached
            return cached
        placement = self._placed(panel, x, y, stack)
        if content is not None:
            self._cache = {panel_key: placement}
        self._last = placement
        return placement

    def _placed(self, panel: Panel, x: float, y: float, stack: HudStack) -> Placement:
        quads = panel.quads.array().copy()
        quads[:, 0:4] += np.array([x, y, x, y], np.float32)
        caps = np.zeros((0, quads.shape[1]), np.float32)
        if panel.backdrop:
            rect = (x, y, x + panel.width, y + panel.height)
            back = QuadList(self.atlas)
            tint = with_alpha(self.style.backdrop, panel.opacity)
            bounded = self.style.contrast > 0 and panel.opacity >= 0.5
            bound = backdrop_bound(self.style.text[:3], self.style.contrast or AA_BODY)
            if bounded and stack.viewing.kind == "dome" and bound.mode == "min":
                # the dome's HUD image is laid over the sky later, where no MIN blend reaches:
                # the tint alone must darken white below the bound (sRGB blending)
                tint = (*tint[:3], max(tint[3], 1.0 - bound.grey))
            back.rect(*rect, tint)
            quads = np.concatenate([back.array(), quads])
            if bounded:
                cap = QuadList(self.atlas)
                cap.rect(*rect, (bound.grey, bound.grey, bound.grey, 1.0))
                caps = cap.array()
        return Placement(x, y, panel, quads, caps, self.facing, stack.viewport)

    @property
    def placement(self) -> Placement | None:
        """Where the panel was last placed (None before the first draw or when hidden)."""
        return self._last

    def texts(self) -> list[str]:
        """The strings this panel showed last."""
        return list(self._last.panel.texts) if self._last else []

    def hit(self, x: float, y: float) -> str | None:
        """The name of the region under ``(x, y)`` (view pixels, y down) in the last
        placement: ``"panel"`` for the panel itself, a widget's own names for its parts."""
        placement = self._last
        if placement is None or not self.visible:
            return None
        fx, fy = placement.to_frame(x, y)
        px, py = fx - placement.x, fy - placement.y
        for name, (x0, y0, x1, y1) in placement.panel.hits.items():
            if x0 <= px < x1 and y0 <= py < y1:
                return name
        w, h = placement.panel.width, placement.panel.height
        return "panel" if 0 <= px < w and 0 <= py < h else None

    # -- GPU ---------------------------------------------------------------------------------
    def upload(self, gpu: GpuContext, group: ResourceGroup) -> None:
        self._batch = GlyphBatch(gpu, group, self.atlas)
        self._uploaded = None

    def release(self) -> None:
        if self._batch is not None:
            self._batch.release()
            self._batch = None
        self._uploaded = None
        super().release()

    def draw(self, view: ViewState) -> None:
        if view.pass_name != "color":
            return
        placement = self.place(stack_for(view))
        if placement is None or self._batch is None:
            return
        batch = self._batch
        if placement is not self._uploaded:
            batch.set_instances(placement.quads)
            batch.set_instances(placement.caps, "caps")
            self._uploaded = placement
        ctx = self._gpu.ctx  # type: ignore[union-attr]
        turn = self.facing // 90
        ctx.disable(moderngl.DEPTH_TEST)
        ctx.enable(moderngl.BLEND)
        uniforms = dict(u_viewport=tuple(float(v) for v in view.viewport), u_turn=turn)
        if batch.count("caps"):
            bound = backdrop_bound(self.style.text[:3], self.style.contrast)
            ctx.blend_equation = moderngl.MIN if bound.mode == "min" else moderngl.MAX
            batch.render("caps", **uniforms)
            ctx.blend_equation = moderngl.FUNC_ADD
        ctx.blend_func = moderngl.ONE, moderngl.ONE_MINUS_SRC_ALPHA
        batch.render("main", **uniforms)
        ctx.blend_func = moderngl.DEFAULT_BLENDING  # blend_func cannot be read back
        ctx.disable(moderngl.BLEND)
        ctx.enable(moderngl.DEPTH_TEST)


def hud_layers(layers: Iterable[Layer]) -> list[HudLayer]:
    """The visible HUD layers among ``layers``, in the order the renderer draws them."""
    return [layer for layer in sorted(layers, key=lambda layer: layer.draw_order)
            if isinstance(layer, HudLayer) and layer.visible]


def arrange(layers: Sequence[Layer], viewport: tuple[int, int],
            viewing: Viewing | None = None) -> dict[HudLayer, Placement]:
    """Place every visible HUD layer as a draw of ``viewport`` would (GL-free)."""
    stack = HudStack(tuple(viewport), viewing or Viewing.flat(viewport[1]))
    out = {}
    for layer in hud_layers(layers):
        placement = layer.place(stack)
        if placement is not None:
            out[layer] = placement
    return out


@dataclass(frozen=True)
class HudHit:
    """A pointer over a HUD widget: the layer and the named region hit."""

    layer: HudLayer
    region: str


def hud_at(layers: Sequence[Layer], x: float, y: float, viewport: tuple[int, int],
           viewing: Viewing | None = None) -> HudHit | None:
    """The topmost HUD widget region at ``(x, y)`` (pixels, y down) of a view of
    ``viewport`` pixels; None over the scene itself."""
    placements = arrange(layers, viewport, viewing)
    for layer in reversed(list(placements)):
        region = layer.hit(x, y)
        if region is not None:
            return HudHit(layer, region)
    return None


def with_alpha(color: RGBA, alpha: float) -> RGBA:
    return (color[0], color[1], color[2], color[3] * alpha)


__all__ = ["ANCHORS", "FACINGS", "HudFrame", "HudHit", "HudLayer", "HudStack", "HudStyle",
           "Panel", "Placement", "arrange", "hud_at", "hud_layers", "with_alpha"]
