"""The live loop offscreen, in real time: ``vizkit run --headless`` for tests and health checks.

:class:`HeadlessRunner` draws a scene through EGL at its frame rate for as long as it is asked,
with the same :class:`~vizkit.targets.live.LiveLoop` a window uses — the clock follows wall
time, TUIO listeners and touch devices feed it, taps pick what the frame shows — but nothing is
shown: the last frame can be saved, and the loop's :class:`~vizkit.targets.live.Heartbeat` and
the sources' counters say what happened. A kiosk health check runs an exhibit this way for a few
seconds and reads the report; the touch tests drive it with real TUIO packets over loopback.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from vizkit.clock import FrameState
from vizkit.image import Image
from vizkit.targets.live import Heartbeat, InputSource, LiveLoop
from vizkit.targets.offscreen import OffscreenRenderer

if TYPE_CHECKING:
    from vizkit.input.eventlog import EventLog
    from vizkit.input.gestures import GestureSettings
    from vizkit.scene import Scene


@dataclass
class HeadlessReport:
    """What a headless run did.

    Attributes:
        frames: frames drawn; seconds: wall seconds the run took.
        heartbeat: the loop's last heartbeat (events, gestures, picks, errors).
        counters: each source's ``counters()`` (TUIO listeners), by the source's position.
        frame_ms: wall milliseconds each frame took to step and draw (GPU finished).
    """

    frames: int
    seconds: float
    heartbeat: Heartbeat
    counters: list[dict[str, int]] = field(default_factory=list)
    frame_ms: list[float] = field(default_factory=list)


class HeadlessRunner:
    """A scene drawn offscreen by a :class:`LiveLoop` at the scene's frame rate.

    Args:
        scene: the scene (set up on the first frame).
        size: (width, height) of the frames, pixels.
        samples: MSAA samples (default: the quality's).
        quality: a quality preset name (default ``"laptop"``).
        sources: polled input sources (TUIO listeners); the runner closes them. A source that
            needs the loop's input clock can be added later with :meth:`add_source`.
        event_log: where events, gestures, camera intents and picks are appended.
        gestures: recogniser settings.
        wall: the wall clock (seconds).
    """

    def __init__(self, scene: Scene, *, size: tuple[int, int] = (1280, 720),
                 samples: int | None = None, quality: str | None = None,
                 sources: Sequence[InputSource] = (),
                 event_log: EventLog | None = None, gestures: GestureSettings | None = None,
                 wall: Callable[[], float] = time.monotonic):
        self.scene = scene
        self.size = (int(size[0]), int(size[1]))
        self.offscreen = OffscreenRenderer(self.size, samples=samples, quality=quality)
        self._wall = wall
        self.loop = LiveLoop(scene, sources=sources, event_log=event_log,
                             gpu=self.offscreen.gpu, gestures=gestures, wall=wall)

    def add_source(self, source: InputSource) -> None:
        self.loop.sources.append(source)

    def frame(self) -> FrameState:
        """Step the loop and draw one frame (waits for the GPU to finish it)."""
        frame = self.loop.step(self.size)
        offscreen = self.offscreen
        offscreen.gpu.make_current()
        view = self.scene.view_state(self.size, frame)
        offscreen.renderer.draw(self.scene, offscreen.target.framebuffer, view)
        offscreen.gpu.ctx.finish()
        return frame

    def image(self) -> Image:
        """The last frame drawn."""
        self.offscreen.gpu.make_current()
        return Image(self.offscreen.target.read())

    def run(self, seconds: float, *, stop: threading.Event | None = None) -> HeadlessReport:
        """Draw frames in real time for ``seconds`` of wall time (or until ``stop`` is set).

        Frames are paced at the scene's ``fps``; a frame that takes longer delays the next one
        (the clock still follows wall time, so scene time never drifts).
        """
        wall = self._wall
        period = 1.0 / self.loop.clock.fps
        start = wall()
        deadline = start + seconds
        frame_ms: list[float] = []
        due = start
        while stop is None or not stop.is_set():
            began = wall()
            self.frame()
            ended = wall()
            frame_ms.append((ended - began) * 1000.0)
            if ended >= deadline:
                break
            due = max(due + period, ended)  # fell behind: do not burst to catch up
            pause = min(due, deadline) - ended
            if pause > 0:
                if stop is not None:
                    stop.wait(pause)
                else:
                    time.sleep(pause)
        counters = [source.counters() for source in self.loop.sources  # type: ignore[attr-defined]
                    if callable(getattr(source, "counters", None))]
        return HeadlessReport(len(frame_ms), wall() - start, self.loop.heartbeat, counters,
                              frame_ms)

    def close(self) -> None:
        """Close the loop (and its sources), release the scene and the GL context."""
        self.loop.close()
        self.offscreen.gpu.make_current()
        self.scene.release()
        self.offscreen.release()

    def __enter__(self) -> HeadlessRunner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
