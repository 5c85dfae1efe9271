"""The legend of a statistical layer, drawn from ``layer.legend()``.

A colour bar in the layer's own colours with ticks at the layer's own scale (a square-root
scale puts 500 where the colours show 500, not half way), the title and units, and a swatch for
each kind of cell that is not a colour of the scale: the hatch of cells hidden by disclosure
control ("Not shown: below 5") and the grey of no-data cells. It follows the layer: when a
terrain switches to its change view, the legend shows the change's diverging scale.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from vizkit.layers.base import Layer
from vizkit.layers.hud import HudFrame, HudLayer, HudStyle, Panel
from vizkit.layers.legend import ColorScale
from vizkit.text.declutter import declutter_screen
from vizkit.text.i18n import Joined, Msg, Text
from vizkit.text.statements import statement_messages

BAR_SEGMENTS = 48


@dataclass(frozen=True)
class TickMark:
    """A tick as drawn: its value, where it sits (pixels from the panel's left) and its label."""

    value: float
    x: float
    label: str
    shown: bool


def tick_decimals(ticks: tuple[float, ...]) -> int:
    """Decimals that show every tick exactly (0 for whole numbers, 1 for 2.5 steps …)."""
    for decimals in range(0, 7):
        if all(abs(round(t, decimals) - t) < 1e-9 * max(1.0, abs(t)) for t in ticks):
            return decimals
    return 6


def hatch(size: int, period: int) -> np.ndarray:
    """A square of diagonal stripes: ``(size, size, 2) uint8`` (letter and halo channels)."""
    y, x = np.mgrid[0:size, 0:size]
    stripes = ((x + y) % max(period, 2)) < max(period // 2, 1)
    out = np.zeros((size, size, 2), np.uint8)
    out[stripes] = 255
    return out


class Legend(HudLayer):
    """The legend of ``layer`` (anything with a ``legend() -> ColorScale``).

    Args:
        layer: the statistical layer (Terrain, Regions …).
        title: the heading (plain text or ``Msg``; default: the scale's label).
        units: the units line (default: the scale's units).
        width_em: length of the colour bar, in ems of body text.
        anchor, facing, margin_em, scale, style, font_path: see :class:`HudLayer`.
    """

    def __init__(self, layer: Layer, *, title: Text | None = None, units: Text | None = None,
                 width_em: float = 12.0, anchor: str = "bottom-left", facing: int = 0,
                 margin_em: float = 0.8, scale: float = 1.0, style: HudStyle | None = None,
                 font_path: str | None = None, name: str | None = None):
        if not callable(getattr(layer, "legend", None)):
            raise TypeError(f"Legend: {type(layer).__name__} has no legend() to draw")
        super().__init__(anchor=anchor, facing=facing, margin_em=margin_em, scale=scale,
                         style=style, font_path=font_path, name=name or f"Legend {layer.name}")
        self.layer, self.title, self.units, self.width_em = layer, title, units, width_em
        self.ticks: list[TickMark] = []
        self.bar: tuple[float, float, float, float] = (0, 0, 0, 0)

    def scale_now(self) -> ColorScale:
        return self.layer.legend()  # type: ignore[attr-defined]

    def content_key(self) -> Hashable:
        return (self.scale_now(), self.title, self.units, self.width_em)

    def heading(self, scale: ColorScale) -> Text:
        """The title: the given one, or the scale's label; "Change a→b: …" in a change view."""
        title: Any = self.title if self.title is not None else scale.label
        change = getattr(self.layer, "change", None)
        if scale.kind == "diverging" and change is not None:
            times = getattr(self.layer, "times", None) or []
            a, b = (str(times[i]) if times else str(i) for i in change)
            prefix = Msg("vizkit.legend.change", a=a, b=b)
            return Joined([prefix, title], ": ") if self.title is not None else prefix
        return title

    def compose(self, frame: HudFrame) -> Panel | None:
        scale = self.scale_now()
        lang, style = frame.language, self.style
        quads, texts = frame.new_quads(), []
        x0 = y = frame.pad
        heading = frame.text(self.heading(scale), "body", weight="bold")
        quads.text(heading, x0, y, style.text)
        texts += heading.lines
        y += heading.height
        units = self.units if self.units is not None else scale.units
        if units:
            block = frame.text(units, "small")
            quads.text(block, x0, y, style.muted)
            texts += block.lines
            y += block.height
        y += frame.gap
        bar_w, bar_h = round(self.width_em * frame.body_px), max(round(0.8 * frame.body_px), 4)
        self._bar(quads, scale, x0, y, bar_w, bar_h)
        self.bar = (x0, y, x0 + bar_w, y + bar_h)
        y += bar_h
        tick_h = max(round(0.3 * frame.body_px), 2)
        thick = max(1, round(frame.body_px / 14))
        decimals = tick_decimals(scale.ticks)
        blocks = [frame.text(lang.number(t, decimals), "small") for t in scale.ticks]
        xs = [x0 + float(scale.position(t)) * bar_w for t in scale.ticks]
        boxes = [(x - b.width / 2 - frame.gap / 2, 0, x + b.width / 2 + frame.gap / 2, 1)
                 for x, b in zip(xs, blocks, strict=True)]
        ends = [2.0 if i in (0, len(xs) - 1) else 1.0 / (1 + i) for i in range(len(xs))]
        keep = declutter_screen(boxes, ends) if xs else np.zeros(0, bool)
        self.ticks = []
        width = bar_w + 2 * frame.pad
        for value, x, block, shown in zip(scale.ticks, xs, blocks, keep, strict=True):
            self.ticks.append(TickMark(value, x, block.lines[0], bool(shown)))
            quads.rect(round(x - thick / 2), y, round(x - thick / 2) + thick, y + tick_h,
                       style.text)
            if shown:
                left = min(max(x - block.width / 2, 0), width - block.width)
                quads.text(block, left, y + tick_h, style.text)
                texts.append(block.lines[0])
        y += tick_h + (blocks[0].height if blocks else 0) + frame.gap
        for swatch, label in self._swatches(scale):
            block = frame.text(label, "small")
            side = round(block.height * 0.8)
            top = y + (block.height - side) / 2
            swatch(quads, x0, top, side)
            quads.text(block, x0 + side + frame.gap, y, style.text)
            texts += block.lines
            width = max(width, side + frame.gap + block.width + 2 * frame.pad)
            y += block.height
        width = max(width, heading.width + 2 * frame.pad)
        return Panel(quads, width, y + frame.pad, texts=texts)

    def _bar(self, quads, scale: ColorScale, x: float, y: float, w: int, h: int) -> None:
        """The colour bar as gradient quads over the scale's 256 colours (linear in position,
        as the layer's shader looks colours up)."""
        colors = scale.colors.astype(np.float32) / 255.0
        edges = np.linspace(0, 1, BAR_SEGMENTS + 1)
        for a, b in itertools.pairwise(edges):
            ca = colors[round(a * (len(colors) - 1))]
            cb = colors[round(b * (len(colors) - 1))]
            quads.rect(x + a * w, y, x + b * w, y + h, tuple(ca), tuple(cb))

    def _swatches(self, scale: ColorScale) -> list[tuple[Any, Text]]:
        out: list[tuple[Any, Text]] = []
        if scale.hidden_color is not None:
            light = tuple(scale.hidden_color)
            dark = (light[0] * 0.55, light[1] * 0.55, light[2] * 0.55, 1.0)

            def hidden(quads, x, y, side, light=light, dark=dark):
                quads.rect(x, y, x + side, y + side, dark)
                entry = quads.atlas.icon(("hatch", side),
                                         lambda: hatch(side, max(4, side // 3)))
                quads.icon(entry, round(x), round(y), light)

            out.append((hidden, self._not_shown(scale)))
        if scale.no_data_color is not None:
            grey = tuple(scale.no_data_color)

            def no_data(quads, x, y, side, grey=grey):
                quads.rect(x, y, x + side, y + side, grey)

            out.append((no_data, Msg("vizkit.legend.no_data")))
        return out

    @staticmethod
    def _not_shown(scale: ColorScale) -> Text:
        """ "Not shown: below k" when the note says values below k are hidden, else the note
        itself (translated sentence by sentence)."""
        messages = statement_messages(scale.note or "")
        for message in messages:
            if isinstance(message, Msg) and message.key == "vizkit.privacy.below":
                return Msg("vizkit.legend.not_shown", k=message.params["k"])
        return Joined(messages, " ") if messages else Msg("vizkit.legend.no_data")


def tick_positions_px(scale: ColorScale, width: float) -> list[float]:
    """Where ``scale``'s ticks sit along a bar ``width`` pixels long (for checks)."""
    return [float(scale.position(t)) * width for t in scale.ticks if math.isfinite(t)]


class ColorKey(HudLayer):
    """A key of categories and their colours — the travel modes of a flow layer, say.

    Args:
        items: ``(colour, text)`` pairs; colours as RGBA 0–1 or ``"#rrggbb"``.
        title: the heading (plain text or ``Msg``), or None.
    """

    def __init__(self, items: Sequence[tuple[Any, Text]], *, title: Text | None = None,
                 anchor: str = "bottom-left", facing: int = 0, margin_em: float = 0.8,
                 scale: float = 1.0, style: HudStyle | None = None,
                 font_path: str | None = None, name: str | None = None):
        super().__init__(anchor=anchor, facing=facing, margin_em=margin_em, scale=scale,
                         style=style, font_path=font_path, name=name or "ColorKey")
        self.items = [(_rgba(color), text) for color, text in items]
        self.title = title

    def content_key(self) -> Hashable:
        return (tuple(self.items), self.title)

    def compose(self, frame: HudFrame) -> Panel | None:
        quads, texts = frame.new_quads(), []
        y, width = frame.pad, 0.0
        if self.title is not None:
            block = frame.text(self.title, "body", weight="bold")
            quads.text(block, frame.pad, y, self.style.text)
            texts += block.lines
            y += block.height
            width = block.width
        for color, text in self.items:
            block = frame.text(text, "small")
            side = round(block.height * 0.6)
            top = y + (block.height - side) / 2
            quads.rect(frame.pad, top, frame.pad + side, top + side, color)
            quads.text(block, frame.pad + side + frame.gap, y, self.style.text)
            texts += block.lines
            width = max(width, side + frame.gap + block.width)
            y += block.height
        return Panel(quads, width + 2 * frame.pad, y + frame.pad, texts=texts)


def _rgba(color: Any) -> tuple[float, float, float, float]:
    if isinstance(color, str):
        text = color.lstrip("#")
        if len(text) not in (6, 8):
            raise ValueError(f"ColorKey: colour {color!r} is not #rrggbb or #rrggbbaa")
        values = [int(text[i:i + 2], 16) / 255 for i in range(0, len(text), 2)]
        return (values[0], values[1], values[2], values[3] if len(values) == 4 else 1.0)
    values = [float(c) for c in color]
    return (values[0], values[1], values[2], values[3] if len(values) == 4 else 1.0)
