"""Camera comfort on a dome: how fast a camera tour turns the audience's view (GL-free).

On a dome the whole field of view moves with the camera, so turns that look calm on a screen
make an audience seasick. :func:`camera_motion` advances a scene through a recording's frames
(no drawing) and measures the fastest turn of the look direction; ``vizkit render --dome`` prints
:meth:`CameraMotion.warning` before rendering when it exceeds :data:`MAX_TURN_DEG_PER_S`
(docs/dome.md, "Tours: limits on angular speed").
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from vizkit.clock import FrameState

if TYPE_CHECKING:
    from vizkit.scene import Scene

MAX_TURN_DEG_PER_S = 10.0   # sustained turns above this make a dome audience seasick


@dataclass(frozen=True)
class CameraMotion:
    """How fast a camera tour turns the audience's view.

    Attributes:
        max_turn_deg_per_s: fastest change of the look direction between two frames.
        at_t: scene time (s) where it happens.
        limit_deg_per_s: the comfort limit it was checked against.
    """

    max_turn_deg_per_s: float
    at_t: float
    limit_deg_per_s: float = MAX_TURN_DEG_PER_S

    @property
    def comfortable(self) -> bool:
        return self.max_turn_deg_per_s <= self.limit_deg_per_s

    def warning(self) -> str | None:
        """One line for the operator when the tour turns too fast for a dome."""
        if self.comfortable:
            return None
        return (f"the camera turns at {self.max_turn_deg_per_s:.0f}°/s around t="
                f"{self.at_t:.2f}s; keep dome tours under {self.limit_deg_per_s:.0f}°/s "
                f"(docs/dome.md)")


def camera_motion(scene: Scene, frames: Sequence[FrameState]) -> CameraMotion:
    """Advance ``scene`` through ``frames`` (no GL) and measure how fast the view turns."""
    worst, at = 0.0, frames[0].t if frames else 0.0
    previous: tuple[np.ndarray, float] | None = None
    for frame in frames:
        scene.advance(frame)
        look = np.subtract(scene.camera.target, scene.camera.position)
        look = look / np.linalg.norm(look)
        if previous is not None and frame.t > previous[1]:
            cos = float(np.clip(look @ previous[0], -1.0, 1.0))
            speed = math.degrees(math.acos(cos)) / (frame.t - previous[1])
            if speed > worst:
                worst, at = speed, frame.t
        previous = (look, frame.t)
    return CameraMotion(worst, at)
