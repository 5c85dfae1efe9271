"""HUD widgets a visitor meets: the time scrubber, the info card of a picked element, the
operator's message line, narration captions on the timeline and the language button.

Each is a :class:`~vizkit.layers.hud.HudLayer`. Widgets that take input expose plain
hit-testing in view pixels (y down) — :meth:`TimeScrubber.value_at`,
:meth:`LanguageButton.language_at`, ``hit(x, y)`` — so any input source (mouse, touch, TUIO)
can drive them; they never read wall time: the info card's time-out and the narration follow
scene time (``set_time``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Sequence

import numpy as np

from vizkit.layers.base import Layer, PickRecord
from vizkit.layers.hud import HudFrame, HudLayer, HudStyle, Panel, with_alpha
from vizkit.text.declutter import declutter_screen
from vizkit.text.i18n import Joined, Language, Msg, Quantity, Text
from vizkit.text.statements import credit_message, statement_messages
from vizkit.timeline import tween


class TimeScrubber(HudLayer):
    """The time shown, as text and as a knob on a track the visitor can drag.

    Args:
        start, end: the track's range (years, hours, seconds — the scene decides).
        label: ``label(value, language) -> str`` for the big read-out (default: the value,
            without thousands separators — years read 2020, not 2 020).
        ticks: values to mark under the track; ``tick_label(value, language)`` names them.
        width_em: track length in ems of body text.

    The scene sets :attr:`value` in ``update`` (or the input side does, while dragging:
    ``scrubber.value = scrubber.value_at(x, y)``).
    """

    def __init__(self, start: float, end: float, *, value: float | None = None,
                 label: Callable[[float, Language], str] | None = None,
                 ticks: Sequence[float] = (),
                 tick_label: Callable[[float, Language], str] | None = None,
                 width_em: float = 12.0, anchor: str = "top-right", facing: int = 0,
                 margin_em: float = 0.8, scale: float = 1.0, style: HudStyle | None = None,
                 font_path: str | None = None, name: str | None = None):
        super().__init__(anchor=anchor, facing=facing, margin_em=margin_em, scale=scale,
                         style=style, font_path=font_path, name=name or "TimeScrubber")
        if not end > start:
            raise ValueError(f"{self.name}: end must be after start, got {start!r}…{end!r}")
        self.start, self.end = float(start), float(end)
        self.value = self.start if value is None else float(value)
        self.label = label or (lambda v, lang: lang.number(v, grouping=False))
        self.ticks = tuple(float(t) for t in ticks)
        self.tick_label = tick_label or (lambda v, lang: lang.number(v, grouping=False))
        self.width_em = width_em
        self.dragging = False
        self.track: tuple[float, float, float, float] = (0, 0, 0, 0)

    @property
    def fraction(self) -> float:
        return min(max((self.value - self.start) / (self.end - self.start), 0.0), 1.0)

    def content_key(self) -> Hashable:
        return (round(self.fraction * 2000), self.label(self.value, self.language),
                self.ticks, self.width_em)

    def compose(self, frame: HudFrame) -> Panel | None:
        style, lang = self.style, frame.language
        quads, texts = frame.new_quads(), []
        pad = frame.pad
        readout = frame.text(self.label(self.value, lang), "title")
        track_w = round(self.width_em * frame.body_px)
        width = max(track_w, readout.width) + 2 * pad
        quads.text(readout, width - pad - readout.width, pad, style.text)
        texts += readout.lines
        y = pad + readout.height + frame.gap
        knob = max(round(0.9 * frame.body_px), 6)
        track_h = max(round(0.22 * frame.body_px), 2)
        x0, cy = pad, y + knob / 2
        self.track = (x0, y, x0 + track_w, y + knob)
        quads.rect(x0, cy - track_h / 2, x0 + track_w, cy + track_h / 2,
                   with_alpha(style.muted, 0.5))
        kx = x0 + self.fraction * track_w
        quads.rect(x0, cy - track_h / 2, kx, cy + track_h / 2, style.accent)
        quads.rect(kx - knob / 2, y, kx + knob / 2, y + knob, style.accent)
        y += knob
        if self.ticks:
            blocks = [frame.text(self.tick_label(t, lang), "small") for t in self.ticks]
            xs = [x0 + (t - self.start) / (self.end - self.start) * track_w for t in self.ticks]
            boxes = [(x - b.width / 2 - frame.gap, 0, x + b.width / 2 + frame.gap, 1)
                     for x, b in zip(xs, blocks, strict=True)]
            ends = [2.0 if i in (0, len(xs) - 1) else 1.0 - i % 2 / 2 - i / 100
                    for i in range(len(xs))]
            keep = declutter_screen(boxes, ends)
            bottom = y
            for x, block, shown in zip(xs, blocks, keep, strict=True):
                if not shown:
                    continue
                left = min(max(x - block.width / 2, 0), width - block.width)
                quads.text(block, left, y + frame.gap / 2, style.muted)
                texts += block.lines
                bottom = max(bottom, y + frame.gap / 2 + block.height)
            y = bottom
        return Panel(quads, width, y + pad, hits={"track": self.track}, texts=texts)

    def value_at(self, x: float, y: float) -> float | None:
        """The value under a pointer at ``(x, y)`` (view pixels, y down) on the track, or None
        when the pointer is not on it. While dragging, pointers beyond the ends clamp."""
        placement = self.placement
        if placement is None:
            return None
        fx, fy = placement.to_frame(x, y)
        px, py = fx - placement.x, fy - placement.y
        x0, y0, x1, y1 = self.track
        grace = (y1 - y0) * 0.6
        if not self.dragging and not (x0 - grace <= px <= x1 + grace and
                                      y0 - grace <= py <= y1 + grace):
            return None
        share = min(max((px - x0) / max(x1 - x0, 1), 0.0), 1.0)
        return self.start + share * (self.end - self.start)


def _element_name(record: PickRecord, layer: Layer | None,
                  names: dict[str, str]) -> Text:
    element = record.element
    if isinstance(element, str):
        return names.get(element, element)
    if layer is not None and hasattr(layer, "extent") and hasattr(layer, "cell_size"):
        row, col = element
        xmin, ymin = layer.extent[0], layer.extent[1]  # type: ignore[attr-defined]
        cx, cy = layer.cell_size  # type: ignore[attr-defined]
        return Msg("vizkit.card.square", east=round(xmin + (col + 0.5) * cx),
                   north=round(ymin + (row + 0.5) * cy))
    return str(element)


def _is_hidden(record: PickRecord, layer: Layer | None) -> bool:
    hidden = getattr(layer, "hidden", None)
    if hidden is None or not np.any(hidden):
        return False
    step = round(float(getattr(layer, "time_index", 0.0)))
    step = min(max(step, 0), hidden.shape[0] - 1)
    element = record.element
    if isinstance(element, str):
        codes = list(getattr(layer, "codes", []))
        return element in codes and bool(hidden[step, codes.index(element)])
    row, col = element
    return bool(hidden[step, row, col])


def _time_text(time: object, layer: object) -> str:
    """The time of a pick as a visitor reads it: a step's label (``2019``); between two
    numeric labels the span (``2019–2020``), not an interpolated 2019.046."""
    if not isinstance(time, float) or time == round(time):
        return str(int(time) if isinstance(time, float) else time)
    labels = [t for t in (getattr(layer, "times", None) or ()) if isinstance(t, (int, float))]
    before = [t for t in labels if t <= time]
    after = [t for t in labels if t >= time]
    if before and after:
        return f"{max(before)}–{min(after)}"
    return f"{time:.1f}"


class InfoCard(HudLayer):
    """A card about a picked element: its name, value with units (formatted for the language),
    what disclosure control did there, and the source.

    Args:
        layers: the layers whose picks it explains (looked up by the record's layer name).
        names: display names of region codes (``{"0380": "Uppsala"}``).
        labels, units: per layer name, what the values are and their units as shown (plain
            text or ``Msg``, so they follow the language); default: the layer's own.
        timeout_s: scene seconds after which an open card closes by itself (None: never).
        width_em: wrap width in ems of body text.
    """

    def __init__(self, layers: Sequence[Layer] = (), *, names: dict[str, str] | None = None,
                 labels: dict[str, Text] | None = None, units: dict[str, Text] | None = None,
                 timeout_s: float | None = 12.0, width_em: float = 16.0, anchor: str = "left",
                 facing: int = 0, margin_em: float = 0.8, scale: float = 1.0,
                 style: HudStyle | None = None, font_path: str | None = None,
                 name: str | None = None):
        super().__init__(anchor=anchor, facing=facing, margin_em=margin_em, scale=scale,
                         style=style, font_path=font_path, name=name or "InfoCard")
        self.layers = list(layers)
        self.names = dict(names or {})
        self.labels, self.units = dict(labels or {}), dict(units or {})
        self.timeout_s, self.width_em = timeout_s, width_em
        self.record: PickRecord | None = None
        self.opened_at = 0.0

    @property
    def is_open(self) -> bool:
        return self.record is not None

    def open(self, record: PickRecord, t: float | None = None) -> None:
        """Show ``record`` (from :func:`vizkit.pick`); the time-out runs from scene time ``t``
        (default: the time of the last frame)."""
        self.record = record
        self.opened_at = self.t if t is None else float(t)

    def close(self) -> None:
        self.record = None

    def set_time(self, t: float) -> None:
        super().set_time(t)
        if (self.record is not None and self.timeout_s is not None
                and t - self.opened_at >= self.timeout_s):
            self.close()

    def layer_of(self, record: PickRecord) -> Layer | None:
        return next((layer for layer in self.layers if layer.name == record.layer), None)

    def lines(self) -> list[tuple[Text, str]]:
        """The card's lines as (text, role) — empty when closed."""
        record = self.record
        if record is None:
            return []
        layer = self.layer_of(record)
        out: list[tuple[Text, str]] = [(_element_name(record, layer, self.names), "body")]
        label = self.labels.get(record.layer, getattr(layer, "label", ""))
        if label:
            out.append((Joined([label, _time_text(record.time, layer)])
                        if record.time is not None else label, "small"))
        units = self.units.get(record.layer, getattr(layer, "units", ""))
        if math.isnan(record.value):
            if _is_hidden(record, layer):
                out += [(m, "body") for m in
                        statement_messages(getattr(layer, "privacy_statement", ""))[:1]]
            else:
                out.append((Msg("vizkit.card.no_data"), "body"))
        else:
            out.append((Quantity(record.value, units), "body"))
        if record.change is not None and getattr(layer, "change", None) is not None:
            times = getattr(layer, "times", None) or []
            a, b = (str(times[i]) if times else str(i) for i in layer.change)  # type: ignore
            out.append((Msg("vizkit.card.change", a=a, b=b,
                            change=Quantity(record.change, units, signed=True)), "small"))
        credit = credit_message(getattr(layer, "provenance", None))
        if credit is not None:
            out.append((credit, "small"))
        return out

    def content_key(self) -> Hashable:
        return (self.record, self.width_em)

    def compose(self, frame: HudFrame) -> Panel | None:
        lines = self.lines()
        if not lines:
            return None
        quads, texts = frame.new_quads(), []
        max_width = self.width_em * frame.body_px
        y, width = frame.pad, 0.0
        for i, (text, role) in enumerate(lines):
            block = frame.text(text, role, weight="bold" if i == 0 else "regular",
                               max_width=max_width)
            quads.text(block, frame.pad, y, self.style.text if role != "small"
                       else self.style.muted)
            texts += block.lines
            y += block.height + (frame.gap if i == 0 else 0)
            width = max(width, block.width)
        accent = max(round(frame.body_px * 0.2), 2)
        quads.rect(0, 0, accent, y + frame.pad, self.style.accent)
        return Panel(quads, width + 2 * frame.pad + accent, y + frame.pad, texts=texts)


class OperatorMessage(HudLayer):
    """A line for the operator or the visitor: "Data could not be read; showing the last good
    state." Shown until :meth:`clear` or, with ``seconds``, for that long in scene time."""

    def __init__(self, *, anchor: str = "top", facing: int = 0, margin_em: float = 0.8,
                 scale: float = 1.0, style: HudStyle | None = None,
                 font_path: str | None = None, name: str | None = None):
        super().__init__(anchor=anchor, facing=facing, margin_em=margin_em, scale=scale,
                         style=style, font_path=font_path, name=name or "OperatorMessage")
        self.message: Text | None = None
        self.until: float | None = None

    def show(self, message: Text, *, seconds: float | None = None) -> None:
        self.message = message
        self.until = None if seconds is None else self.t + seconds

    def clear(self) -> None:
        self.message, self.until = None, None

    def set_time(self, t: float) -> None:
        super().set_time(t)
        if self.until is not None and t >= self.until:
            self.clear()

    def content_key(self) -> Hashable:
        return self.message

    def compose(self, frame: HudFrame) -> Panel | None:
        if self.message is None:
            return None
        block = frame.text(self.message, "body", max_width=30 * frame.body_px, align="center")
        quads = frame.new_quads()
        mark = max(round(frame.body_px * 0.2), 2)
        quads.rect(0, 0, mark, block.height + 2 * frame.pad, self.style.accent)
        quads.text(block, frame.pad + mark, frame.pad, self.style.text)
        return Panel(quads, block.width + 2 * frame.pad + mark, block.height + 2 * frame.pad,
                     texts=list(block.lines))


class Narration(HudLayer):
    """Captions on a timed sequence — a narration track on the scene's timeline.

    ``Narration().cue(0, 6, Msg("intro")).cue(6, 14, Msg("rush_hour"))``: each cue shows from
    its start to its end (scene seconds), fading in and out over ``fade_s``; ``loop`` repeats
    the track every ``loop`` seconds.
    """

    def __init__(self, *, fade_s: float = 0.6, loop: float | None = None,
                 width_em: float = 34.0, anchor: str = "bottom", facing: int = 0,
                 margin_em: float = 0.8, scale: float = 1.0, style: HudStyle | None = None,
                 font_path: str | None = None, name: str | None = None):
        super().__init__(anchor=anchor, facing=facing, margin_em=margin_em, scale=scale,
                         style=style, font_path=font_path, name=name or "Narration")
        self.cues: list[tuple[float, float, Text]] = []
        self.fade_s, self.loop, self.width_em = fade_s, loop, width_em

    def cue(self, start: float, end: float, text: Text) -> Narration:
        """Add a caption shown from ``start`` to ``end`` seconds; returns self (chainable)."""
        if not end > start:
            raise ValueError(f"{self.name}: a cue must end after it starts ({start}…{end})")
        for a, b, _ in self.cues:
            if start < b and a < end:
                raise ValueError(f"{self.name}: the cue {start}…{end} overlaps {a}…{b}")
        self.cues.append((float(start), float(end), text))
        self.cues.sort(key=lambda cue: cue[0])
        return self

    def current(self, t: float | None = None) -> tuple[Text, float] | None:
        """The cue shown at ``t`` (default: now) and its opacity, or None."""
        t = self.t if t is None else t
        if self.loop:
            t %= self.loop
        for start, end, text in self.cues:
            if start <= t < end:
                fade = min(self.fade_s, (end - start) / 2)
                alpha = min(tween(0, 1, t, start, start + fade, "linear"),
                            tween(1, 0, t, end - fade, end, "linear"))
                return text, alpha
        return None

    def content_key(self) -> Hashable:
        shown = self.current()
        return None if shown is None else (shown[0], round(shown[1] * 64))

    def compose(self, frame: HudFrame) -> Panel | None:
        shown = self.current()
        if shown is None or shown[1] <= 0:
            return None
        text, alpha = shown
        block = frame.text(text, "body", align="center", max_width=self.width_em * frame.body_px)
        quads = frame.new_quads()
        quads.text(block, frame.pad, frame.pad, with_alpha(self.style.text, alpha))
        return Panel(quads, block.width + 2 * frame.pad, block.height + 2 * frame.pad,
                     texts=list(block.lines), opacity=alpha)


class LanguageButton(HudLayer):
    """The languages of the exhibit, each in its own name ("svenska | English"), the one in use
    highlighted; a tap on one switches to it (:meth:`language_at`)."""

    def __init__(self, languages: Sequence[str] = ("sv", "en"), *, anchor: str = "top-right",
                 facing: int = 0, margin_em: float = 0.8, scale: float = 1.0,
                 style: HudStyle | None = None, font_path: str | None = None,
                 name: str | None = None):
        super().__init__(anchor=anchor, facing=facing, margin_em=margin_em, scale=scale,
                         style=style, font_path=font_path, name=name or "LanguageButton")
        self.languages = tuple(languages)

    def content_key(self) -> Hashable:
        return (self.languages, self.language.code)

    def compose(self, frame: HudFrame) -> Panel | None:
        if len(self.languages) < 2:
            return None
        quads, texts, hits = frame.new_quads(), [], {}
        x, y = frame.pad, frame.pad
        height = 0.0
        for code in self.languages:
            own = Language(code).name
            block = frame.text(own, "body")
            w, h = block.width + 2 * frame.gap, block.height + frame.gap
            if code == self.language.code:
                quads.rect(x, y, x + w, y + h, self.style.accent)
                quads.text(block, x + frame.gap, y + frame.gap / 2, self.style.accent_text)
            else:
                quads.text(block, x + frame.gap, y + frame.gap / 2, self.style.text)
            hits[code] = (x, y, x + w, y + h)
            texts += block.lines
            x += w + frame.gap
            height = max(height, h)
        return Panel(quads, x - frame.gap + frame.pad, height + 2 * frame.pad, hits=hits,
                     texts=texts)

    def language_at(self, x: float, y: float) -> str | None:
        """The language code under a pointer at ``(x, y)`` (view pixels, y down), or None."""
        region = self.hit(x, y)
        return region if region in self.languages else None
