"""Where HUD panels go in a view: anchors, stacking, collisions and a table's facings.

:class:`HudStack` hands out places in one view, in the order panels are placed (the draw
order); :class:`Placement` is a panel placed, with the turn from the view into the reader's
frame that hit-testing needs. GL-free, so input can ask where things are without a context.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from vizkit.view import Viewing

if TYPE_CHECKING:
    from vizkit.layers.hud import Panel

Rect = tuple[float, float, float, float]


class HudStack:
    """Where each panel goes in one view: panels fill from the view's edges inwards, in the
    order they are placed (the draw order), separately for each facing. A panel that would
    overlap one placed before it (a centred caption meeting a corner's credits) moves away from
    its edge until it is clear."""

    def __init__(self, viewport: tuple[int, int], viewing: Viewing):
        self.viewport, self.viewing = viewport, viewing
        self._used: dict[tuple[int, str], float] = {}
        self._placed: dict[int, list[Rect]] = {}

    def frame_size(self, facing: int) -> tuple[float, float]:
        w, h = self.viewport
        return (h, w) if facing in (90, 270) else (w, h)

    def slot(self, anchor: str, facing: int, width: float, height: float,
             margin: float) -> tuple[float, float]:
        """Top-left of a ``width × height`` panel at ``anchor`` (frame pixels, y down)."""
        fw, fh = self.frame_size(facing)
        used = self._used.get((facing, anchor), 0.0)
        vertical, horizontal = _split(anchor)
        if horizontal == "left":
            x = margin
        elif horizontal == "right":
            x = fw - margin - width
        else:
            x = (fw - width) / 2
        if vertical == "top":
            y = margin + used
        elif vertical == "bottom":
            y = fh - margin - used - height
        else:
            y = (fh - height) / 2 + used
        direction = -1.0 if vertical == "bottom" else 1.0
        placed = self._placed.setdefault(facing, [])
        for _ in range(len(placed) + 1):  # step past whatever is in the way
            blocking = [r for r in placed if x < r[2] and r[0] < x + width and y < r[3]
                        and r[1] < y + height]
            if not blocking:
                break
            if direction > 0:
                y = max(r[3] for r in blocking) + margin / 2
            else:
                y = min(r[1] for r in blocking) - margin / 2 - height
        placed.append((x, y, x + width, y + height))
        self._used[(facing, anchor)] = used + height + margin / 2
        return (round(x), round(y))


def _split(anchor: str) -> tuple[str, str]:
    """``"top-left"`` → ("top", "left"); ``"top"`` → ("top", ""); ``"left"`` → ("", "left")."""
    if "-" in anchor:
        vertical, _, horizontal = anchor.partition("-")
        return vertical, horizontal
    return (anchor, "") if anchor in ("top", "bottom") else ("", anchor)


@dataclass(frozen=True)
class Placement:
    """A panel placed in a view: its top-left in the reader's frame and the quads there."""

    x: float
    y: float
    panel: Panel
    quads: npt.NDArray[np.float32]
    caps: npt.NDArray[np.float32]
    facing: int
    viewport: tuple[int, int]

    @property
    def rect(self) -> Rect:
        return (self.x, self.y, self.x + self.panel.width, self.y + self.panel.height)

    def to_frame(self, x: float, y: float) -> tuple[float, float]:
        """A pointer at ``(x, y)`` (view pixels, y down) in the reader's frame (y down)."""
        w, h = self.viewport
        gx, gy = x, h - y                           # GL: y up
        if self.facing == 90:
            qx, qy = gy, w - gx
        elif self.facing == 180:
            qx, qy = w - gx, h - gy
        elif self.facing == 270:
            qx, qy = h - gy, gx
        else:
            qx, qy = gx, gy
        frame_h = w if self.facing in (90, 270) else h
        return qx, frame_h - qy
