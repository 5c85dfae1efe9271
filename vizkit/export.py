"""Headless rendering of scenes to files: one PNG, a numbered PNG sequence, or an H.264 MP4 —
flat or as domemaster frames, on this process or on a render farm.

:func:`render_to_files` is the one entry point the CLI uses. It checks the output before
anything renders (:mod:`vizkit.output`), warns when a dome tour turns too fast
(:mod:`vizkit.comfort`), then renders frame by frame in this process
(:class:`~vizkit.recording.FrameSource`) or, with ``workers=N``, on N local processes
(:mod:`vizkit.farm`, which also runs shows on a Dask cluster).

In this process, rendering, read-back and writing overlap
(:meth:`~vizkit.recording.FrameSource.record`): videos are encoded by ffmpeg fed from a writer
thread (:class:`vizkit.video.VideoSink`), PNG sequences by worker processes
(:class:`vizkit.sinks.PngSequenceSink`), while the next frames render.

PNG sequences resume: frames whose files exist are skipped; every file is written under a
temporary name and renamed (:func:`vizkit.output.atomic_write`), so an interrupted run never
leaves a half-written frame or video under a real name.

The names other code imports from here — :class:`RenderJob`, :class:`FrameSource`,
:func:`render_frame_range`, :func:`render_on_dask`, :class:`OutputError` — live in those
modules and are re-exported.
"""

from __future__ import annotations

import shutil
import sys
import time
from pathlib import Path
from typing import IO, Any

import numpy as np

from vizkit.clock import Clock
from vizkit.comfort import camera_motion
from vizkit.farm import render_frame_range, render_on_dask, run_local_farm, split_ranges
from vizkit.image import Image
from vizkit.output import (
    OutputError,
    atomic_write,
    frame_paths,
    is_sequence,
    is_video,
    make_folders,
    pending_frames,
)
from vizkit.output import check_output as check_output_path
from vizkit.recording import FrameSource, RenderJob, RenderReport, progress_bar
from vizkit.script import LoadedTarget, load_target, script_errors
from vizkit.sinks import PngSequenceSink, png_processes
from vizkit.video import VIDEO_CRF, VideoSink, write_video

__all__ = [
    "VIDEO_CRF",
    "FrameSource",
    "OutputError",
    "RenderJob",
    "RenderReport",
    "check_output",
    "frame_paths",
    "is_video",
    "render_frame_range",
    "render_on_dask",
    "render_to_files",
    "split_ranges",
    "write_video",
]

FRAME_DIR_PATTERN = "%06d.png"


def check_output(out: str | Path, job: RenderJob) -> list[Path]:
    """Raise :class:`OutputError` when ``out`` cannot hold ``job`` (before anything renders);
    return the folders that will be created (a frame pattern's own folder)."""
    return check_output_path(out, job.frames, job.frame_size)


def render_to_files(target: LoadedTarget | str | Path, out: str | Path, job: RenderJob, *,
                    progress: bool = True, workers: int = 1, overwrite: bool = False,
                    log: IO[str] | None = None, gpu: Any = None) -> RenderReport:
    """Render ``job`` to ``out``: a ``.png``, a ``%04d`` PNG pattern or a ``.mp4``.

    Args:
        target: a loaded target, or the path of a scene script / exhibit folder. Workers get
            the whole loaded target (exhibit settings and asset folders included).
        out: output path. A PNG pattern resumes: existing frames are skipped. Its folder must
            exist; only a frame pattern's own folder is created, inside an existing one.
        job: what to render.
        progress: show a progress bar with ETA on stderr.
        workers: local processes rendering contiguous frame ranges in parallel.
        overwrite: re-render frames whose files already exist.
        log: where resume notes go (default stderr).
        gpu: render in this existing :class:`~vizkit.gpu.GpuContext` (one process only;
            by default a new EGL context is created and released).
    """
    log = log or sys.stderr
    folders = check_output(out, job)
    if workers < 1:
        raise OutputError(f"--workers must be at least 1, got {workers}")
    loaded = target if isinstance(target, LoadedTarget) else load_target(target)
    t0 = time.perf_counter()
    motion_note = check_dome_motion(loaded, job)
    if motion_note:
        print(f"vizkit render: warning: {motion_note}", file=log)
    make_folders(folders)
    if is_video(out):
        report = _render_video(loaded, Path(out), job, progress=progress, workers=workers,
                               log=log, gpu=gpu)
    else:
        report = _render_pngs(loaded, str(out), job, progress=progress, workers=workers,
                              overwrite=overwrite, log=log, gpu=gpu)
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


def _render_pngs(target: LoadedTarget, out: str, job: RenderJob, *, progress: bool,
                 workers: int, overwrite: bool, log: IO[str], gpu: Any = None) -> RenderReport:
    paths = frame_paths(out, job.frames)
    sequence = is_sequence(out)
    todo = pending_frames(paths, overwrite=overwrite or not sequence)
    report = RenderReport(paths=paths, skipped=len(paths) - len(todo))
    if report.skipped:
        waiting = set(todo)
        first = next(i for i in range(len(paths)) if i not in waiting)
        note = (f"resuming: {report.skipped} of {len(paths)} frames already exist "
                f"({paths[first].parent}); rendering {len(todo)}")
        if not todo:
            note = (f"all {len(paths)} frames already exist ({paths[0].parent}); nothing to "
                    f"render (--overwrite renders them again)")
        report.notes.append(note)
        print(f"vizkit render: {note}", file=log)
    if not todo:
        return report
    with progress_bar(len(todo), progress, "rendering") as bar:
        if workers > 1 and len(todo) > 1:
            run_local_farm(target, out, job, todo, workers, bar)
        else:
            with FrameSource(target, job, gpu) as frames:
                sink = PngSequenceSink(paths, job.frame_size,
                                       processes=png_processes(len(todo), job.frame_size))
                try:
                    with sink:
                        frames.record(todo, sink, on_frame=lambda _: bar.update(1))
                except OutputError as exc:
                    if not sequence:
                        raise
                    raise OutputError(f"{exc} ({sink.written + report.skipped} of "
                                      f"{len(paths)} frames are written; a rerun resumes)"
                                      ) from exc
    report.rendered = len(todo)
    return report


def _render_video(target: LoadedTarget, out: Path, job: RenderJob, *, progress: bool,
                  workers: int, log: IO[str], gpu: Any = None) -> RenderReport:
    if workers > 1 and job.frames > 1:
        # Workers write PNG frames next to the video (resumable), then one encoder joins them.
        frame_dir = out.with_name(out.name + ".frames")
        pattern = str(frame_dir / FRAME_DIR_PATTERN)
        make_folders(check_output_path(pattern, job.frames, job.frame_size))
        frames_report = _render_pngs(target, pattern, job, progress=progress,
                                     workers=workers, overwrite=False, log=log)
        images = (np.asarray(Image.load(p))[..., :3] for p in frames_report.paths)
        write_video(out, images, job.frame_size, job.fps)
        shutil.rmtree(frame_dir)
        return RenderReport(paths=[out], rendered=frames_report.rendered,
                            skipped=frames_report.skipped, video=out,
                            notes=frames_report.notes)
    with FrameSource(target, job, gpu) as frames, \
            progress_bar(job.frames, progress, "encoding") as bar, \
            atomic_write(out) as partial, \
            VideoSink(partial, job.frame_size, job.fps, name=out) as sink:
        frames.record(range(job.frames), sink, on_frame=lambda _: bar.update(1))
    return RenderReport(paths=[out], rendered=job.frames, video=out)
