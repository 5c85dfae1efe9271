"""On-screen text: captions and the data attribution every exhibit shows.

Both are HUD layers (:mod:`vizkit.layers.hud`): sized in visual angle and rasterised for the
target they land on, translated when the scene's language changes, left out by ``--no-hud``,
moved to the front sweet spot on a dome. Text may be plain (shown as it is) or a
:class:`~vizkit.text.i18n.Msg` from the scene's string table (``self.tr("title")``).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from typing import Any

from vizkit.layers.base import Layer
from vizkit.layers.hud import HudFrame, HudLayer, HudStyle, Panel
from vizkit.text.i18n import Joined, Msg, Text
from vizkit.text.sizing import LEGACY_DEG_PER_PX, SIZES
from vizkit.text.statements import credit_messages, statement_messages

ALIGNS = ("left", "center", "right")


def _style(color: Sequence[float] | None, background: Sequence[float] | None,
           style: HudStyle | None) -> HudStyle:
    """A style from legacy 0–255 RGBA colours (``color``, ``background``), if given."""
    base = style or HudStyle()
    changes: dict[str, Any] = {}
    if color is not None:
        changes["text"] = tuple(float(c) / 255 for c in color)
    if background is not None:
        changes["backdrop"] = tuple(float(c) / 255 for c in background)
    if not changes:
        return base
    from dataclasses import replace

    return replace(base, **changes)


class Caption(HudLayer):
    """A block of text pinned to the view: a title, a clock, a note.

    Args:
        text: one or more lines (``\\n`` separates them); plain text or a ``Msg``.
        anchor: where it goes (``top-left`` … ``bottom-right``, see :class:`HudLayer`).
        size: ``"title"``, ``"body"`` or ``"small"`` — a visual angle per display kind
            (:mod:`vizkit.text.sizing`).
        size_px: instead of ``size``, the letter size in pixels of a 720-pixel-high screen view
            (converted to the same visual angle everywhere, never below the minimum).
        align: ``left``, ``center`` or ``right``; max_width_em: wrap words to this many ems.
        color, background: 0–255 RGBA of the text and the backdrop (or give ``style``).
        weight: ``"regular"`` or ``"bold"``.
        facing, margin_em, style, font_path: see :class:`HudLayer`.
    """

    def __init__(self, text: Text, *, anchor: str = "bottom-left", size: str = "body",
                 size_px: float | None = None, align: str = "left",
                 max_width_em: float | None = None, color: Sequence[float] | None = None,
                 background: Sequence[float] | None = None, weight: str = "regular",
                 facing: int = 0, margin_em: float = 0.8, style: HudStyle | None = None,
                 font_path: str | None = None, name: str | None = None,
                 margin_px: float | None = None):
        scale = 1.0
        role = size
        if size_px is not None:
            role = "body"
            scale = size_px * LEGACY_DEG_PER_PX / SIZES["screen"].body
        if margin_px is not None:
            margin_em = margin_px / 17.0
        super().__init__(anchor=anchor, facing=facing, margin_em=margin_em, scale=scale,
                         style=_style(color, background, style), font_path=font_path,
                         name=name or "Caption")
        if align not in ALIGNS:
            raise ValueError(f"{self.name}: align must be one of {ALIGNS}, got {align!r}")
        if role not in ("title", "body", "small"):
            raise ValueError(f"{self.name}: size must be 'title', 'body' or 'small', "
                             f"got {role!r}")
        self.role, self.align, self.weight = role, align, weight
        self.max_width_em = max_width_em
        self._text: Text = self._checked(text)

    @property
    def text(self) -> Text:
        """The text shown; assigning it changes the picture from the next draw on (laid out
        again and uploaded once — an *attribute* change)."""
        return self._text

    @text.setter
    def text(self, value: Text) -> None:
        self._text = self._checked(value)

    def _checked(self, text: object) -> Text:
        if not isinstance(text, (str, Msg)):
            raise TypeError(f"{self.name}: text must be a str or a vizkit.Msg, got "
                            f"{type(text).__name__} {text!r}")
        return text

    def set_text(self, text: Text) -> None:
        """Change the text (the same as assigning :attr:`text`)."""
        self.text = text

    @property
    def lines(self) -> list[str]:
        return self.language(self._text).splitlines() or [""]

    def content_key(self) -> Hashable:
        return (self._text, self.role, self.weight, self.align, self.max_width_em)

    def compose(self, frame: HudFrame) -> Panel | None:
        shown = frame.language(self._text)
        if not shown:
            return None
        fits = frame.width - 2 * frame.pad - 2 * round(self.margin_em * frame.body_px)
        max_width = fits if self.max_width_em is None else min(self.max_width_em
                                                               * frame.body_px, fits)
        block = frame.text(shown, self.role, weight=self.weight, align=self.align,
                           max_width=max_width)
        quads = frame.new_quads()
        quads.text(block, frame.pad, frame.pad, self.style.text)
        return Panel(quads, block.width + 2 * frame.pad, block.height + 2 * frame.pad,
                     texts=list(block.lines))


def attribution_lines(provenances: Iterable[object]) -> list[str]:
    """One English credit line per distinct dataset (see :func:`credit_messages`)."""
    from vizkit.text.i18n import Language

    english = Language("en")
    return list(dict.fromkeys(english(m) for m in credit_messages(provenances)))


def credited_layers(layers: Iterable[Layer]) -> list[Layer]:
    """The layers whose data an attribution must credit: those with a provenance."""
    return [layer for layer in layers
            if not isinstance(layer, HudLayer) and getattr(layer, "provenance", None)]


def uncredited(layers: Sequence[Layer]) -> list[Layer]:
    """Visible data layers with a provenance that no visible :class:`Attribution` credits —
    an exhibit must show source, licence and date of every dataset it draws."""
    credits = [layer for layer in layers if isinstance(layer, Attribution) and layer.visible]
    covered = {id(p) for credit in credits for p in credit.provenances()}
    return [layer for layer in credited_layers(layers)
            if layer.visible and id(layer.provenance) not in covered]


class Attribution(HudLayer):
    """The data credits of a scene: source, licence and date of every dataset its layers draw,
    and what disclosure control did ("Values below 5 are not shown.") — each said once, in the
    scene's language (dates formatted for it).

    Args:
        layers: the layers to credit (HUD layers among them are ignored); the list is read at
            every draw, so layers added to it later are credited too.
        extra: more lines (plain text or ``Msg``).

    It is placed before every other HUD panel (``draw_order`` 2) and wraps to the view's
    width, so a crowded view (a dome's HUD panel) never pushes the credits out; if they are
    taller than the view itself they are still drawn (``always_shown``).
    """

    draw_order = 2
    always_shown = True

    def __init__(self, layers: Iterable[Layer], *, extra: Sequence[Text] = (),
                 anchor: str = "bottom-right", size: str = "small", facing: int = 0,
                 margin_em: float = 0.8, style: HudStyle | None = None,
                 font_path: str | None = None, size_px: float | None = None, **_legacy: Any):
        scale = 1.0 if size_px is None else size_px * LEGACY_DEG_PER_PX / SIZES["screen"].small
        super().__init__(anchor=anchor, facing=facing, margin_em=margin_em, scale=scale,
                         style=style, font_path=font_path, name="Attribution")
        self.layers = list(layers)
        self.extra = list(extra)
        self.role = size

    def refresh(self, layers: Iterable[Layer]) -> None:
        """Credit ``layers`` instead."""
        self.layers = list(layers)

    def provenances(self) -> list[Any]:
        """Every dataset the credited layers draw (a base map may draw several)."""
        return [p for layer in credited_layers(self.layers)
                for p in getattr(layer, "provenances", (layer.provenance,))]

    def messages(self) -> list[Text]:
        """The credit lines: one per dataset, then each disclosure sentence once."""
        lines: list[Text] = []
        for credit in credit_messages(self.provenances()):
            lines.append(credit)
        statements: dict[Hashable, Text] = {}
        for layer in self.layers:
            if isinstance(layer, HudLayer):
                continue
            for message in statement_messages(getattr(layer, "privacy_statement", "") or ""):
                statements.setdefault(message, message)
        lines += list(statements.values()) + self.extra
        return lines or [Msg("vizkit.credit.none")]

    @property
    def text(self) -> str:
        """The credits as shown now (in the current language)."""
        return self.language(Joined(self.messages(), "\n"))

    def content_key(self) -> Hashable:
        return tuple(self.messages())

    def compose(self, frame: HudFrame) -> Panel | None:
        fits = frame.width - 2 * frame.pad - 2 * round(self.margin_em * frame.body_px)
        block = frame.text(Joined(self.messages(), "\n"), self.role, max_width=fits)
        quads = frame.new_quads()
        quads.text(block, frame.pad, frame.pad, self.style.text)
        return Panel(quads, block.width + 2 * frame.pad, block.height + 2 * frame.pad,
                     texts=list(block.lines))
