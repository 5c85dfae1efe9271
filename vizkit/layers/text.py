"""On-screen text: captions and the data attribution every exhibit shows.

Text is rasterised once with Pillow (a TTF you name, else DejaVu Sans, else Pillow's font) into a
texture and drawn as a screen-space panel — a HUD layer (``is_hud``), so ``--no-hud`` leaves it
out of recordings and dome targets can move it to the front sweet spot. Sizes are in pixels of a
720-pixel-high view and scale with the viewport, so a 4K render reads like a 720p one.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from functools import lru_cache

import moderngl
import numpy as np
import numpy.typing as npt
from PIL import Image as PILImage
from PIL import ImageDraw, ImageFont

from vizkit.gpu import GpuContext, ResourceGroup
from vizkit.layers.base import Layer
from vizkit.view import ViewState

ANCHORS = ("top-left", "top-right", "bottom-left", "bottom-right", "top", "bottom")
REFERENCE_HEIGHT_PX = 720.0


DEFAULT_FONT = "DejaVuSans.ttf"  # Debian: fonts-dejavu-core; covers å, ä, ö, ø, æ and more
log = logging.getLogger("vizkit.text")


@lru_cache(maxsize=16)
def _font(size_px: int, font_path: str | None) -> ImageFont.FreeTypeFont:
    """The named TTF, else DejaVu Sans from the system, else Pillow's bundled font."""
    if font_path:
        try:
            return ImageFont.truetype(font_path, size_px)
        except OSError:
            raise ValueError(f"font file not found or unreadable: {font_path}") from None
    try:
        return ImageFont.truetype(DEFAULT_FONT, size_px)
    except OSError:
        log.warning("%s not found (install fonts-dejavu-core); Pillow's bundled font lacks "
                    "some letters such as å, ä, ö", DEFAULT_FONT)
        return ImageFont.load_default(size=size_px)


def rasterise(lines: Sequence[str], *, size_px: int = 18, color=(235, 238, 242, 255),
              background=(0, 0, 0, 150), padding_px: int = 8,
              font_path: str | None = None) -> npt.NDArray[np.uint8]:
    """An RGBA image (premultiplied alpha, top row first) of ``lines`` on a backdrop."""
    font = _font(int(size_px), font_path)
    line_height = round(size_px * 1.3)
    widths = [int(np.ceil(font.getlength(line))) for line in lines] or [0]
    width = max(widths) + 2 * padding_px
    height = line_height * max(len(lines), 1) + 2 * padding_px
    canvas = PILImage.new("RGBA", (width, height), tuple(background))
    draw = ImageDraw.Draw(canvas)
    for i, line in enumerate(lines):
        draw.text((padding_px, padding_px + i * line_height), line, font=font, fill=tuple(color))
    rgba = np.asarray(canvas, dtype=np.float32) / 255.0
    rgba[..., :3] *= rgba[..., 3:4]  # premultiply: blending is ONE, ONE_MINUS_SRC_ALPHA
    return np.round(rgba * 255).astype(np.uint8)


class Caption(Layer):
    """A block of text pinned to a corner of the view.

    ``caption.text = "…"`` (or :meth:`set_text`) changes what is on screen: an *attribute*
    change — the text is rasterised again, lazily, on the next draw, and uploaded once.

    Args:
        text: one or more lines (``\\n`` separates lines).
        anchor: ``top-left``, ``top-right``, ``bottom-left``, ``bottom-right``, ``top``,
            ``bottom``.
        size_px: glyph size in pixels at a 720-pixel-high view.
        margin_px: distance from the view's edges, same units.
        font_path: a TTF file; by default DejaVu Sans, else Pillow's bundled font.
    """

    is_hud = True
    draw_order = 2

    def __init__(self, text: str, *, anchor: str = "bottom-left", size_px: int = 18,
                 margin_px: int = 12, color=(235, 238, 242, 255), background=(0, 0, 0, 150),
                 font_path: str | None = None, name: str | None = None):
        super().__init__(name=name or "Caption")
        if anchor not in ANCHORS:
            raise ValueError(f"{self.name}: anchor must be one of {ANCHORS}, got {anchor!r}")
        self.anchor = anchor
        self.margin_px = margin_px
        self._style = dict(size_px=size_px, color=color, background=background,
                           font_path=font_path)
        self._text = self._checked(text)
        self._image: npt.NDArray[np.uint8] | None = None
        _font(int(size_px), font_path)  # a missing font file is named now, not at first draw

    @property
    def text(self) -> str:
        """The caption's text; assigning it changes the picture from the next draw on."""
        return self._text

    @text.setter
    def text(self, text: str) -> None:
        text = self._checked(text)
        if text != self._text:
            self._text = text
            self._image = None       # rasterised again on the next draw
            self.invalidate()        # and uploaded again

    def _checked(self, text: object) -> str:
        if not isinstance(text, str):
            raise TypeError(f"{self.name}: text must be a str, got {type(text).__name__} "
                            f"{text!r}")
        return text

    @property
    def lines(self) -> list[str]:
        return self.text.splitlines() or [""]

    @property
    def image(self) -> npt.NDArray[np.uint8]:
        """The rasterised panel, (H, W, 4) premultiplied RGBA, top row first."""
        if self._image is None:
            self._image = rasterise(self.lines, **self._style)
        return self._image

    def set_text(self, text: str) -> None:
        """Change the text (the same as assigning :attr:`text`)."""
        self.text = text

    def upload(self, gpu: GpuContext, group: ResourceGroup) -> None:
        image = self.image
        h, w = image.shape[:2]
        self._program = gpu.program("hud/text.vert", "hud/text.frag")
        self._texture = gpu.texture(group, (w, h), 4, image[::-1])
        self._vao = gpu.vertex_array(group, self._program, [])

    def rect_px(self, viewport: tuple[int, int]) -> tuple[float, float, float, float]:
        """(x0, y0, x1, y1) of the panel in pixels from the view's bottom-left corner."""
        vw, vh = viewport
        scale = vh / REFERENCE_HEIGHT_PX
        h, w = self.image.shape[:2]
        w, h, margin = w * scale, h * scale, self.margin_px * scale
        x0 = {"left": margin, "right": vw - margin - w}.get(
            self.anchor.split("-")[-1], (vw - w) / 2)
        y0 = vh - margin - h if self.anchor.startswith("top") else margin
        return (x0, y0, x0 + w, y0 + h)

    def draw(self, view: ViewState) -> None:
        if view.pass_name != "color":
            return
        vw, vh = view.viewport
        x0, y0, x1, y1 = self.rect_px(view.viewport)
        ctx = self._gpu.ctx  # type: ignore[union-attr]
        ctx.enable(moderngl.BLEND)
        ctx.disable(moderngl.DEPTH_TEST)
        ctx.blend_func = moderngl.ONE, moderngl.ONE_MINUS_SRC_ALPHA
        self._texture.use(location=0)
        self._program.set(t_image=0, u_rect=(2 * x0 / vw - 1, 2 * y0 / vh - 1,
                                             2 * x1 / vw - 1, 2 * y1 / vh - 1))
        self._vao.render(moderngl.TRIANGLE_STRIP, vertices=4)
        ctx.blend_func = moderngl.DEFAULT_BLENDING  # blend_func cannot be read back
        ctx.disable(moderngl.BLEND)
        ctx.enable(moderngl.DEPTH_TEST)


def attribution_lines(provenances: Iterable[object]) -> list[str]:
    """One credit line per distinct dataset: its citation, or source · licence · date."""
    lines: list[str] = []
    for p in provenances:
        if p is None:
            continue
        for method in ("attribution", "citation"):
            fn = getattr(p, method, None)
            if callable(fn):
                line = str(fn())
                break
        else:
            parts = [getattr(p, "source", None), getattr(p, "licence", None),
                     getattr(p, "updated", None)]
            line = " · ".join(str(x) for x in parts if x) or str(p)
        if line not in lines:
            lines.append(line)
    return lines


class Attribution(Caption):
    """The data credits of a scene: source, licence and date of every dataset its layers draw,
    and what disclosure control hid ("Values below 5 are not shown.").

    Built from the layers' ``provenance``; call :meth:`refresh` after adding layers (or let
    ``Scene.credit()`` do it). Lines are prefixed ``Data:``; add free text with ``extra``.
    """

    def __init__(self, layers: Iterable[Layer], *, extra: Sequence[str] = (),
                 anchor: str = "bottom-right", size_px: int = 14, **kw):
        self._extra = list(extra)
        super().__init__(self._compose(layers), anchor=anchor, size_px=size_px,
                         name="Attribution", **kw)

    def _compose(self, layers: Iterable[Layer]) -> str:
        layers = [layer for layer in layers if not isinstance(layer, Caption)]
        credits = attribution_lines(p for layer in layers  # a base map may draw several
                                    for p in getattr(layer, "provenances", (layer.provenance,)))
        lines = [c if c.lower().startswith(("data", "source")) else f"Data: {c}"
                 for c in credits]
        statements = dict.fromkeys(s for layer in layers
                                   if (s := getattr(layer, "privacy_statement", "")))
        lines += list(statements) + self._extra
        return "\n".join(lines or ["Data: source not stated"])

    def refresh(self, layers: Iterable[Layer]) -> None:
        self.set_text(self._compose(layers))
