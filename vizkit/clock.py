"""Explicit time: the runner owns a :class:`Clock`; scenes receive a :class:`FrameState`.

Frame ``i`` of a scene is at ``t = start + i / fps`` whatever the render speed, so a headless
render, a video export and a test all see the same ``t`` for the same frame. Scenes never read
the wall clock.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FrameState:
    """What a scene knows about the frame being drawn.

    Attributes:
        t: scene time in seconds.
        dt: time step in seconds (``1 / fps``).
        index: frame number counted from the clock's start.
    """

    t: float
    dt: float
    index: int


class Clock:
    """A fixed-step clock: ``frame(i)`` is pure; ``tick(wall_dt)`` follows wall time in steps.

    Args:
        fps: frames per second (the fixed step is ``1 / fps``).
        start: scene time of frame 0, in seconds.
    """

    def __init__(self, fps: float = 30.0, start: float = 0.0):
        if not fps > 0:
            raise ValueError(f"fps must be positive, got {fps!r}")
        self.fps = float(fps)
        self.start = float(start)
        self.index = 0
        self._accumulated = 0.0
        self.paused = False

    @property
    def dt(self) -> float:
        return 1.0 / self.fps

    def frame(self, index: int) -> FrameState:
        """The state of frame ``index`` (pure: no side effects)."""
        return FrameState(self.start + index / self.fps, self.dt, index)

    def tick(self, wall_dt: float) -> FrameState:
        """Advance by whole fixed steps covering ``wall_dt`` seconds of wall time.

        Used by interactive windows: the displayed ``t`` is always a multiple of the step, so
        what a window shows at ``t`` is exactly what ``vizkit render --start t`` produces.
        """
        if not self.paused:
            self._accumulated += max(0.0, wall_dt)
            steps = int(self._accumulated * self.fps)
            self._accumulated -= steps / self.fps
            self.index += steps
        return self.frame(self.index)
