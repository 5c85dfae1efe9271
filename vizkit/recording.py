"""What to render and rendering it in this process: :class:`RenderJob`, :class:`FrameSource`.

Frame ``i`` of a job is rendered at ``t = start + i / fps`` whatever the render speed (the scene
never sees wall time), so a recording is frame-exact and any frame can be rendered alone — which
is what lets :mod:`vizkit.farm` split a show into frame ranges. :mod:`vizkit.export` writes the
frames to files.

**Recording at render speed** (:meth:`FrameSource.record`): rendering, read-back and writing
overlap. Each frame is read back asynchronously into a ring of pixel-pack buffers
(:class:`~vizkit.gpu.readback.PixelPackRing`) and collected one frame later, after the next
frame's draw calls were issued; from there it goes straight into a host buffer of a
:class:`~vizkit.sinks.FrameSink`, which encodes and writes it off the render thread (ffmpeg in its
own process fed by a writer thread, PNG worker processes). Frames are the very pixels
:meth:`FrameSource.render` returns, in order.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tqdm import tqdm

from vizkit.clock import Clock
from vizkit.fisheye import DomeSpec
from vizkit.gpu.readback import PixelPackRing
from vizkit.image import Image
from vizkit.look import DEFAULT_QUALITY
from vizkit.script import LoadedTarget, script_errors
from vizkit.sinks import FrameSink
from vizkit.targets.dome import DomeRenderer
from vizkit.targets.offscreen import OffscreenRenderer

if TYPE_CHECKING:
    from vizkit.gpu import RenderTarget

READBACK_DEPTH = 2   # pixel-pack buffers: frame i's read-back overlaps frame i + 1's rendering


@dataclass(frozen=True)
class RenderJob:
    """What to render: frame count, rate, start time, size, anti-aliasing, dome, HUD.

    Attributes:
        size: (width, height) of flat frames, pixels (ignored when ``dome`` is set).
        frames: number of frames; frame ``i`` is at ``start + i / fps`` seconds.
        fps: frames per second of scene time (and of the video).
        start: scene time of frame 0, seconds.
        samples: MSAA samples (0 = off); None: the quality's.
        quality: the quality preset (``"kiosk"``, ``"laptop"``, ``"draft"``:
            :data:`vizkit.look.QUALITIES`).
        dome: render domemaster frames of this format instead of flat ones.
        hud: draw HUD layers (``False`` is ``--no-hud``).
        language: the on-screen language (``--lang``; None: the scene's or exhibit's first).
    """

    size: tuple[int, int] = (1280, 720)
    frames: int = 1
    fps: float = 30.0
    start: float = 0.0
    samples: int | None = None
    quality: str = DEFAULT_QUALITY
    dome: DomeSpec | None = None
    hud: bool = True
    language: str | None = None

    @property
    def frame_size(self) -> tuple[int, int]:
        """(width, height) of every output frame."""
        if self.dome is not None:
            return (self.dome.size, self.dome.size)
        return (int(self.size[0]), int(self.size[1]))

    def time_of(self, index: int) -> float:
        """Scene time of frame ``index`` in seconds."""
        return Clock(self.fps, self.start).frame(index).t


@dataclass
class RenderReport:
    """What a render did: the files it produced and how many frames it skipped (resume)."""

    paths: list[Path]
    rendered: int = 0
    skipped: int = 0
    seconds: float = 0.0
    video: Path | None = None
    notes: list[str] = field(default_factory=list)


class FrameSource:
    """One scene and one renderer (flat or dome) in this process: frame index → image.

    Args:
        target: the loaded scene script or exhibit.
        job: size, rate, dome and HUD settings.
        gpu: a context to share; by default the renderer creates (and owns) an EGL context.
    """

    def __init__(self, target: LoadedTarget, job: RenderJob, gpu: Any = None):
        self.target, self.job = target, job
        self.scene = target.create()
        if not job.hud:
            self.scene.hud_visible = False
        if job.language is not None:
            self.scene.set_language(job.language)
        self.clock = Clock(job.fps, job.start)
        self._ring: PixelPackRing | None = None
        if gpu is not None:
            gpu.make_current()
        try:
            if job.dome is not None:
                self.renderer: DomeRenderer | OffscreenRenderer = DomeRenderer.from_spec(
                    job.dome, samples=job.samples, quality=job.quality, gpu=gpu)
            else:
                self.renderer = OffscreenRenderer(job.size, samples=job.samples,
                                                  quality=job.quality, gpu=gpu)
        except Exception:
            self.scene.release()
            raise

    def render(self, index: int) -> Image:
        """Frame ``index`` (at ``start + index / fps``) as an image."""
        self.renderer.gpu.make_current()
        with script_errors(self.target.script):
            return self.renderer.render(self.scene, self.clock.frame(index))

    def draw(self, index: int) -> RenderTarget:
        """Draw frame ``index`` without reading it back; return the target that holds it."""
        self.renderer.gpu.make_current()
        with script_errors(self.target.script):
            self.renderer.draw(self.scene, self.clock.frame(index))
        if isinstance(self.renderer, DomeRenderer):
            return self.renderer.output
        return self.renderer.target

    def record(self, indices: Iterable[int], sink: FrameSink, *,
               on_frame: Callable[[int], None] | None = None) -> None:
        """Render frames ``indices`` into ``sink``, overlapping rendering, read-back and writing.

        Frame *i* is drawn and its read-back queued; it is collected into one of the sink's
        host buffers after frame *i + 1* was drawn, and the sink writes it while later frames
        render. ``on_frame(i)`` is called as frame *i* is handed to the sink. A writer's error
        is raised here, on the next hand-over; the caller then aborts the sink.
        """
        if self._ring is None:
            self._ring = PixelPackRing(self.renderer.gpu, self.job.frame_size, READBACK_DEPTH)
        ring = self._ring
        try:
            for index in indices:
                ring.start(self.draw(index), index)
                if ring.full:
                    self._hand_over(ring, sink, on_frame)
            while ring.pending:
                self._hand_over(ring, sink, on_frame)
        finally:
            ring.drop()               # after an error: forget reads still in flight

    @staticmethod
    def _hand_over(ring: PixelPackRing, sink: FrameSink,
                   on_frame: Callable[[int], None] | None) -> None:
        pixels = sink.acquire()
        try:
            index = ring.finish(pixels)
            sink.submit(index, pixels)
        finally:
            del pixels   # the buffer is the sink's again (a traceback must not keep it)
        if on_frame is not None:
            on_frame(index)

    def release(self) -> None:
        if self._ring is not None:
            self._ring.release()
            self._ring = None
        self.scene.release()
        self.renderer.release()

    def __enter__(self) -> FrameSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def progress_bar(total: int, show: bool, desc: str) -> tqdm:
    """A frame counter with ETA on stderr (hidden for one frame or when ``show`` is false)."""
    return tqdm(total=total, unit="frame", file=sys.stderr, desc=desc, dynamic_ncols=True,
                disable=not show or total <= 1, smoothing=0.1)
