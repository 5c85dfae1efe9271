"""Headless rendering of scenes to files: one PNG, a numbered PNG sequence, or an H.264 MP4 —
flat or as domemaster frames, on this process, on local worker processes, or on a Dask cluster.

Frame ``i`` is rendered at ``t = start + i / fps`` whatever the render speed (the scene never sees
wall time), so a sequence is frame-exact and reproducible, and any frame can be rendered alone.
That is what lets a long show be split into frame ranges:

* :func:`render_to_files` is the one entry point the CLI uses; ``workers=N`` renders contiguous
  frame ranges on N local processes (``spawn``: each loads the scene script itself and has its
  own EGL context);
* :func:`render_frame_range` renders one range of one scene; it is a plain, picklable function
  of (scene path, output pattern, job, frame indices), so any scheduler can run it;
* :func:`render_on_dask` submits those ranges to a Dask ``distributed`` client.

PNG sequences resume: frames whose files exist are skipped (files are written under a temporary
name and renamed, so an interrupted run never leaves a half-written frame under a real name).
"""

from __future__ import annotations

import math
import multiprocessing
import os
import queue as queue_module
import shutil
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import numpy as np
from tqdm import tqdm

from vizkit.clock import Clock
from vizkit.image import Image
from vizkit.script import LoadedTarget, load_target, script_errors
from vizkit.targets.comfort import camera_motion
from vizkit.targets.dome import DomeRenderer
from vizkit.targets.fisheye import DomeSpec
from vizkit.targets.offscreen import OffscreenRenderer

VIDEO_SUFFIXES = (".mp4",)
VIDEO_CRF = 18        # libx264 constant rate factor: visually lossless for rendered graphics
FRAME_DIR_PATTERN = "%06d.png"


class OutputError(ValueError):
    """The output path cannot hold what was asked for."""


@dataclass(frozen=True)
class RenderJob:
    """What to render: frame count, rate, start time, size, anti-aliasing, dome, HUD.

    Attributes:
        size: (width, height) of flat frames, pixels (ignored when ``dome`` is set).
        frames: number of frames; frame ``i`` is at ``start + i / fps`` seconds.
        fps: frames per second of scene time (and of the video).
        start: scene time of frame 0, seconds.
        samples: MSAA samples (0 = off).
        dome: render domemaster frames of this format instead of flat ones.
        hud: draw HUD layers (``False`` is ``--no-hud``).
    """

    size: tuple[int, int] = (1280, 720)
    frames: int = 1
    fps: float = 30.0
    start: float = 0.0
    samples: int = 4
    dome: DomeSpec | None = None
    hud: bool = True

    @property
    def frame_size(self) -> tuple[int, int]:
        """(width, height) of every output frame."""
        return (self.dome.size, self.dome.size) if self.dome else tuple(self.size)  # type: ignore

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
        target: the loaded scene script.
        job: size, rate, dome and HUD settings.
        gpu: a context to share; by default the renderer creates (and owns) an EGL context.
    """

    def __init__(self, target: LoadedTarget, job: RenderJob, gpu: Any = None):
        self.target, self.job = target, job
        self.scene = target.create()
        if not job.hud:
            self.scene.hud_visible = False
        self.clock = Clock(job.fps, job.start)
        if gpu is not None:
            gpu.make_current()
        try:
            if job.dome is not None:
                self.renderer: DomeRenderer | OffscreenRenderer = DomeRenderer(
                    job.dome.size, aperture=job.dome.aperture, tilt=job.dome.tilt,
                    gaze=job.dome.gaze, samples=job.samples, gpu=gpu)
            else:
                self.renderer = OffscreenRenderer(job.size, samples=job.samples, gpu=gpu)
        except Exception:
            self.scene.release()
            raise

    def render(self, index: int) -> Image:
        """Frame ``index`` (at ``start + index / fps``) as an image."""
        self.renderer.gpu.make_current()
        with script_errors(self.target.script):
            return self.renderer.render(self.scene, self.clock.frame(index))

    def release(self) -> None:
        self.scene.release()
        self.renderer.release()

    def __enter__(self) -> FrameSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


# -- output paths ---------------------------------------------------------------------------
def is_video(out: str | Path) -> bool:
    return Path(str(out)).suffix.lower() in VIDEO_SUFFIXES


def frame_paths(out: str | Path, frames: int) -> list[Path]:
    """Output file per frame: ``out`` itself for one frame, ``out % i`` for a sequence."""
    text = str(out)
    if frames < 1:
        raise OutputError(f"--frames must be at least 1, got {frames}")
    if "%" in text:
        try:
            paths = [Path(text % i) for i in range(frames)]
        except (TypeError, ValueError):
            raise OutputError(f"{text}: the frame pattern must hold one integer field such "
                              f"as %04d") from None
        if frames > 1 and paths[0] == paths[1]:
            raise OutputError(f"{text}: the frame pattern must hold one integer field such "
                              f"as %04d")
        return paths
    if frames > 1:
        stem = Path(text)
        raise OutputError(f"{text}: {frames} frames need a numbered pattern, e.g. "
                          f"{stem.with_name(stem.stem + '_%04d' + stem.suffix)}, or a .mp4")
    return [Path(text)]


def check_output(out: str | Path, job: RenderJob) -> None:
    """Raise :class:`OutputError` when ``out`` cannot hold ``job`` (before anything renders)."""
    text = str(out)
    if is_video(text):
        if "%" in text:
            raise OutputError(f"{text}: a video is one file; drop the %-pattern")
        width, height = job.frame_size
        if width % 2 or height % 2:
            raise OutputError(f"{text}: H.264 video needs an even width and height, got "
                              f"{width}x{height}")
        return
    paths = frame_paths(text, job.frames)
    wrong = sorted({p.suffix or "(none)" for p in paths if p.suffix.lower() != ".png"})
    if wrong:
        raise OutputError(f"{text}: write .png frames (one, or a %04d pattern) or a .mp4 "
                          f"video, not {', '.join(wrong)}")


def _write_png(image: Image, path: Path) -> None:
    """Write under a temporary name, then rename: a frame file is complete or absent."""
    partial = path.with_name(f".{path.stem}.partial.png")
    image.save(partial)
    os.replace(partial, path)


def _png_bytes(image: Image) -> bytes:
    return image._repr_png_()


def existing_frames(paths: Sequence[Path]) -> set[int]:
    """Indices whose frame file already exists and is not empty (what a resume skips)."""
    return {i for i, p in enumerate(paths) if p.is_file() and p.stat().st_size > 0}


def split_ranges(indices: Sequence[int], parts: int) -> list[list[int]]:
    """Split frame indices into at most ``parts`` contiguous, nearly equal runs."""
    indices = list(indices)
    parts = max(1, min(parts, len(indices)))
    size, extra = divmod(len(indices), parts)
    out, at = [], 0
    for k in range(parts):
        n = size + (1 if k < extra else 0)
        out.append(indices[at:at + n])
        at += n
    return [chunk for chunk in out if chunk]


# -- the unit of work a farm runs -------------------------------------------------------------
_PROGRESS: Any = None   # set in local worker processes: a queue receiving finished frame indices
_CANCEL: Any = None     # set in local worker processes: an event the parent sets on failure


def _init_worker(progress: Any, cancel: Any) -> None:
    global _PROGRESS, _CANCEL
    _PROGRESS, _CANCEL = progress, cancel


def render_frame_range(source: str | Path, pattern: str | None, job: RenderJob,
                       indices: Sequence[int], *, overwrite: bool = False
                       ) -> list[int] | dict[int, bytes]:
    """Render frames ``indices`` of the scene at ``source`` (a script or exhibit folder).

    Runs anywhere: it loads the scene itself and creates its own EGL context, so it can be
    handed to a process pool or a cluster scheduler.

    Args:
        source: path of the scene script or exhibit folder (absolute for remote workers).
        pattern: PNG path pattern with one integer field (``frames/f_%04d.png``), or ``None``
            to return the frames as PNG bytes instead of writing them.
        job: what to render; frame ``i`` is at ``job.start + i / job.fps``.
        indices: frame numbers to render.
        overwrite: render frames whose files exist (default: skip them, i.e. resume).

    Returns:
        The indices rendered (``pattern`` given) or ``{index: png bytes}``.
    """
    todo = list(indices)
    if pattern is not None and not overwrite:
        todo = [i for i in todo if not (Path(pattern % i).is_file()
                                        and Path(pattern % i).stat().st_size > 0)]
    out: dict[int, bytes] = {}
    if not todo:
        return out if pattern is None else []
    target = load_target(source)
    with FrameSource(target, job) as frames:
        for index in todo:
            if _CANCEL is not None and _CANCEL.is_set():
                break
            image = frames.render(index)
            if pattern is None:
                out[index] = _png_bytes(image)
            else:
                _write_png(image, Path(pattern % index))
            if _PROGRESS is not None:
                _PROGRESS.put(index)
    return out if pattern is None else todo


# -- entry points ---------------------------------------------------------------------------
def render_to_files(target: LoadedTarget | str | Path, out: str | Path, job: RenderJob, *,
                    progress: bool = True, workers: int = 1, overwrite: bool = False,
                    log: IO[str] | None = None, gpu: Any = None) -> RenderReport:
    """Render ``job`` to ``out``: a ``.png``, a ``%04d`` PNG pattern or a ``.mp4``.

    Args:
        target: a loaded target, or the path of a scene script / exhibit folder (required for
            ``workers > 1``, which load the scene in each process; a loaded target's script
            path is used otherwise).
        out: output path. A PNG pattern resumes: existing frames are skipped.
        job: what to render.
        progress: show a progress bar with ETA on stderr.
        workers: local processes rendering contiguous frame ranges in parallel.
        overwrite: re-render frames whose files already exist.
        log: where resume notes go (default stderr).
        gpu: render in this existing :class:`~vizkit.gpu.GpuContext` (one process only;
            by default a new EGL context is created and released).
    """
    log = log or sys.stderr
    check_output(out, job)
    if workers < 1:
        raise OutputError(f"--workers must be at least 1, got {workers}")
    source: str | Path
    if isinstance(target, LoadedTarget):
        source = target.script.resolve()
        loaded = target
    else:
        source = Path(target).resolve()
        loaded = load_target(source)
    t0 = time.perf_counter()
    motion_note = check_dome_motion(loaded, job)
    if motion_note:
        print(f"vizkit render: warning: {motion_note}", file=log)
    if is_video(out):
        report = _render_video(loaded, source, Path(out), job, progress=progress,
                               workers=workers, log=log, gpu=gpu)
    else:
        report = _render_pngs(loaded, source, str(out), job, progress=progress,
                              workers=workers, overwrite=overwrite, log=log, gpu=gpu)
    report.seconds = time.perf_counter() - t0
    if motion_note:
        report.notes.append(motion_note)
    return report


def check_dome_motion(target: LoadedTarget, job: RenderJob) -> str | None:
    """For a dome recording, a warning when the scene's camera turns too fast for a dome."""
    if job.dome is None or job.frames < 2:
        return None
    scene = target.create()
    try:
        clock = Clock(job.fps, job.start)
        with script_errors(target.script):
            motion = camera_motion(scene, [clock.frame(i) for i in range(job.frames)])
    finally:
        scene.release()
    return motion.warning()


def _progress_bar(total: int, progress: bool, desc: str) -> tqdm:
    return tqdm(total=total, unit="frame", file=sys.stderr, desc=desc, dynamic_ncols=True,
                disable=not progress or total <= 1, smoothing=0.1)


def _render_pngs(target: LoadedTarget, source: str | Path, out: str, job: RenderJob, *,
                 progress: bool, workers: int, overwrite: bool, log: IO[str],
                 gpu: Any = None) -> RenderReport:
    paths = frame_paths(out, job.frames)
    sequence = "%" in out
    done = set() if overwrite or not sequence else existing_frames(paths)
    todo = [i for i in range(len(paths)) if i not in done]
    report = RenderReport(paths=paths, skipped=len(done))
    if done:
        note = (f"resuming: {len(done)} of {len(paths)} frames already exist "
                f"({paths[min(done)].parent}); rendering {len(todo)}")
        if not todo:
            note = (f"all {len(paths)} frames already exist ({paths[0].parent}); nothing to "
                    f"render (--overwrite renders them again)")
        report.notes.append(note)
        print(f"vizkit render: {note}", file=log)
    if not todo:
        return report
    for parent in {p.parent for p in paths}:
        parent.mkdir(parents=True, exist_ok=True)
    pattern = out if sequence else None
    with _progress_bar(len(todo), progress, "rendering") as bar:
        if workers > 1 and len(todo) > 1:
            assert pattern is not None
            _run_local_farm(source, pattern, job, todo, workers, bar)
        else:
            with FrameSource(target, job, gpu) as frames:
                for index in todo:
                    _write_png(frames.render(index), paths[index])
                    bar.update(1)
    report.rendered = len(todo)
    return report


def _run_local_farm(source: str | Path, pattern: str, job: RenderJob, todo: list[int],
                    workers: int, bar: tqdm) -> None:
    """Render ``todo`` on ``workers`` spawned processes, one contiguous range each."""
    ctx = multiprocessing.get_context("spawn")
    progress, cancel = ctx.Queue(), ctx.Event()
    ranges = split_ranges(todo, workers)
    with ProcessPoolExecutor(max_workers=len(ranges), mp_context=ctx,
                             initializer=_init_worker, initargs=(progress, cancel)) as pool:
        pending = {pool.submit(render_frame_range, str(source), pattern, job, chunk,
                               overwrite=True) for chunk in ranges}
        try:
            while pending:
                finished, pending = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
                _drain(progress, bar)
                for future in finished:
                    future.result()  # re-raises a worker's ScriptError / GpuError here
        except BaseException:
            cancel.set()
            raise
        finally:
            _drain(progress, bar)


def _drain(progress: Any, bar: tqdm) -> None:
    while True:
        try:
            progress.get_nowait()
        except queue_module.Empty:
            return
        bar.update(1)


def _render_video(target: LoadedTarget, source: str | Path, out: Path, job: RenderJob, *,
                  progress: bool, workers: int, log: IO[str], gpu: Any = None) -> RenderReport:
    out.parent.mkdir(parents=True, exist_ok=True)
    if workers > 1 and job.frames > 1:
        # Workers write PNG frames next to the video (resumable), then one encoder joins them.
        frame_dir = out.with_name(out.name + ".frames")
        pattern = str(frame_dir / FRAME_DIR_PATTERN)
        frames_report = _render_pngs(target, source, pattern, job, progress=progress,
                                     workers=workers, overwrite=False, log=log)
        images = (np.asarray(Image.load(p))[..., :3] for p in frames_report.paths)
        write_video(out, images, job.frame_size, job.fps)
        shutil.rmtree(frame_dir)
        return RenderReport(paths=[out], rendered=frames_report.rendered,
                            skipped=frames_report.skipped, video=out,
                            notes=frames_report.notes)
    with FrameSource(target, job, gpu) as frames, \
            _progress_bar(job.frames, progress, "encoding") as bar:
        def images() -> Iterator[np.ndarray]:
            for index in range(job.frames):
                yield frames.render(index).rgb
                bar.update(1)

        write_video(out, images(), job.frame_size, job.fps)
    return RenderReport(paths=[out], rendered=job.frames, video=out)


def write_video(path: str | Path, frames: Iterator[np.ndarray], size: tuple[int, int],
                fps: float) -> Path:
    """Encode ``(H, W, 3) uint8`` frames as H.264 (yuv420p) at exactly ``fps``, one per frame.

    Uses the ffmpeg carried by the imageio-ffmpeg wheel: no system install.
    """
    import imageio_ffmpeg

    path = Path(path)
    partial = path.with_name(f".{path.stem}.partial{path.suffix}")
    params = ["-crf", str(VIDEO_CRF), "-preset", "medium", "-movflags", "+faststart"]
    writer = imageio_ffmpeg.write_frames(
        str(partial), (int(size[0]), int(size[1])), fps=float(fps), codec="libx264",
        pix_fmt_in="rgb24", pix_fmt_out="yuv420p", quality=None, macro_block_size=1,
        output_params=params, ffmpeg_log_level="error")
    writer.send(None)  # start ffmpeg
    try:
        for frame in frames:
            writer.send(np.ascontiguousarray(frame[..., :3]))
    except BaseException:
        writer.close()
        partial.unlink(missing_ok=True)
        raise
    writer.close()
    os.replace(partial, path)
    return path


def render_on_dask(client: Any, target: str | Path, out: str | Path, job: RenderJob, *,
                   chunk_frames: int | None = None, shared_filesystem: bool = True,
                   overwrite: bool = False, progress: bool = True,
                   on_range: Callable[[list[int]], None] | None = None) -> RenderReport:
    """Render a PNG sequence on a Dask ``distributed`` cluster, frame range by frame range.

    Each task runs :func:`render_frame_range` on a worker: it loads the scene script itself
    (the script, its data and vizkit must be importable there) and renders into its own EGL
    context. Frames already on disk are skipped, so a failed or interrupted show resumes.

    Args:
        client: a ``distributed.Client``.
        target: scene script or exhibit folder (a path the workers can read).
        out: PNG pattern with one integer field (``show/f_%05d.png``).
        job: what to render.
        chunk_frames: frames per task (default: about four tasks per worker thread).
        shared_filesystem: workers write the PNGs themselves (``out`` must be on storage they
            share); when false they send PNG bytes back and this process writes them.
        overwrite: render frames whose files already exist.
        progress: progress bar with ETA on stderr (advances per finished range).
        on_range: called with each finished range's indices (for logging).
    """
    from distributed import as_completed

    out = str(out)
    if is_video(out) or "%" not in out:
        raise OutputError(f"{out}: a farm writes a PNG sequence (a %04d pattern); encode the "
                          f"video afterwards or render it with --workers locally")
    check_output(out, job)
    paths = frame_paths(out, job.frames)
    done = set() if overwrite else existing_frames(paths)
    todo = [i for i in range(job.frames) if i not in done]
    report = RenderReport(paths=paths, skipped=len(done))
    if not todo:
        return report
    for parent in {p.parent for p in paths}:
        parent.mkdir(parents=True, exist_ok=True)
    threads = sum(client.nthreads().values()) or 1
    chunk = chunk_frames or max(1, math.ceil(len(todo) / (4 * threads)))
    ranges = [todo[i:i + chunk] for i in range(0, len(todo), chunk)]
    source = str(Path(target).resolve())
    pattern = out if shared_filesystem else None
    t0 = time.perf_counter()
    futures = {client.submit(render_frame_range, source, pattern, job, r, overwrite=True,
                             pure=False): r for r in ranges}
    with _progress_bar(len(todo), progress, "rendering (dask)") as bar:
        for future in as_completed(futures):
            result = future.result()
            if isinstance(result, dict):
                for index, png in result.items():
                    partial = paths[index].with_name(f".{paths[index].stem}.partial.png")
                    partial.write_bytes(png)
                    os.replace(partial, paths[index])
            bar.update(len(futures[future]))
            if on_range is not None:
                on_range(futures[future])
    report.rendered = len(todo)
    report.seconds = time.perf_counter() - t0
    return report
