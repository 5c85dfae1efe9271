"""The render farm: frame ranges of one target on local worker processes or a Dask cluster.

Frames are independent (frame ``i`` is at ``start + i / fps``), so a show splits into contiguous
frame ranges. The unit of work is :func:`render_frame_range`, a plain, picklable function of
(target, output pattern, job, frame indices) that any scheduler can run:

* :func:`run_local_farm` runs ranges on N ``spawn``-ed processes (``vizkit render --workers N``);
* :func:`render_on_dask` submits them to a Dask ``distributed`` client.

Workers receive the whole loaded target — a :class:`~vizkit.script.LoadedTarget` pickles as its
script path, exhibit settings (privacy threshold, dome, folder) and asset folders — so each
rebuilds exactly the scene the parent would render, and frames from N workers equal frames from
one process, pixel for pixel on the same backend. Frames already on disk are skipped
(:func:`vizkit.output.pending_frames`), so an interrupted farm run resumes.

**Why Dask distributed, not Ray**: docs/dome.md, "Render farm".
"""

from __future__ import annotations

import math
import multiprocessing
import queue as queue_module
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from pathlib import Path
from typing import Any

from tqdm import tqdm

from vizkit.output import (
    OutputError,
    atomic_write,
    check_output,
    frame_paths,
    is_video,
    make_folders,
    pending_frames,
)
from vizkit.recording import FrameSource, RenderJob, RenderReport, progress_bar
from vizkit.script import LoadedTarget, load_target

_PROGRESS: Any = None   # set in local worker processes: a queue receiving finished frame indices
_CANCEL: Any = None     # set in local worker processes: an event the parent sets on failure


def _init_worker(progress: Any, cancel: Any) -> None:
    global _PROGRESS, _CANCEL
    _PROGRESS, _CANCEL = progress, cancel


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


def render_frame_range(target: LoadedTarget | str | Path, pattern: str | None, job: RenderJob,
                       indices: Sequence[int], *, overwrite: bool = False
                       ) -> list[int] | dict[int, bytes]:
    """Render frames ``indices`` of ``target``.

    Runs anywhere: it creates the scene and its own EGL context, so it can be handed to a
    process pool or a cluster scheduler.

    Args:
        target: a loaded target (pickled by reference: script, exhibit, asset folders), or the
            path of a scene script or exhibit folder (absolute for remote workers).
        pattern: PNG path pattern with one integer field (``frames/f_%04d.png``), or ``None``
            to return the frames as PNG bytes instead of writing them.
        job: what to render; frame ``i`` is at ``job.start + i / job.fps``.
        indices: frame numbers to render.
        overwrite: render frames whose files exist (default: skip them, i.e. resume).

    Returns:
        The indices rendered (``pattern`` given) or ``{index: png bytes}``.
    """
    todo = list(indices)
    paths: dict[int, Path] = {}
    if pattern is not None:
        paths = {i: Path(pattern % i) for i in todo}
        waiting = pending_frames([paths[i] for i in todo], overwrite=overwrite)
        todo = [todo[k] for k in waiting]
    out: dict[int, bytes] = {}
    if not todo:
        return out if pattern is None else []
    loaded = target if isinstance(target, LoadedTarget) else load_target(target)
    with FrameSource(loaded, job) as frames:
        for index in todo:
            if _CANCEL is not None and _CANCEL.is_set():
                break
            image = frames.render(index)
            if pattern is None:
                out[index] = image._repr_png_()
            else:
                with atomic_write(paths[index]) as partial:
                    image.save(partial)
            if _PROGRESS is not None:
                _PROGRESS.put(index)
    return out if pattern is None else todo


def run_local_farm(target: LoadedTarget, pattern: str, job: RenderJob, todo: list[int],
                   workers: int, bar: tqdm) -> None:
    """Render ``todo`` on ``workers`` spawned processes, one contiguous range each."""
    ctx = multiprocessing.get_context("spawn")
    progress, cancel = ctx.Queue(), ctx.Event()
    ranges = split_ranges(todo, workers)
    with ProcessPoolExecutor(max_workers=len(ranges), mp_context=ctx,
                             initializer=_init_worker, initargs=(progress, cancel)) as pool:
        pending = {pool.submit(render_frame_range, target, pattern, job, chunk,
                               overwrite=True) for chunk in ranges}
        try:
            while pending:
                finished, pending = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
                _drain(progress, bar)
                for future in finished:
                    future.result()  # re-raises a worker's ScriptError / OutputError here
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


def render_on_dask(client: Any, target: LoadedTarget | str | Path, out: str | Path,
                   job: RenderJob, *, chunk_frames: int | None = None,
                   shared_filesystem: bool = True, overwrite: bool = False,
                   progress: bool = True,
                   on_range: Callable[[list[int]], None] | None = None) -> RenderReport:
    """Render a PNG sequence on a Dask ``distributed`` cluster, frame range by frame range.

    Each task runs :func:`render_frame_range` on a worker with the whole loaded target (script,
    exhibit settings, asset folders — paths the workers must be able to read) and renders into
    its own EGL context. Frames already on disk are skipped, so a failed or interrupted show
    resumes.

    Args:
        client: a ``distributed.Client``.
        target: a loaded target, or a scene script / exhibit folder path.
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
    folders = check_output(out, job.frames, job.frame_size)
    paths = frame_paths(out, job.frames)
    todo = pending_frames(paths, overwrite=overwrite)
    report = RenderReport(paths=paths, skipped=len(paths) - len(todo))
    if not todo:
        return report
    loaded = target if isinstance(target, LoadedTarget) else load_target(Path(target).resolve())
    make_folders(folders)
    threads = sum(client.nthreads().values()) or 1
    chunk = chunk_frames or max(1, math.ceil(len(todo) / (4 * threads)))
    ranges = [todo[i:i + chunk] for i in range(0, len(todo), chunk)]
    pattern = str(Path(out).resolve()) if shared_filesystem else None
    t0 = time.perf_counter()
    futures = {client.submit(render_frame_range, loaded, pattern, job, r, overwrite=True,
                             pure=False): r for r in ranges}
    with progress_bar(len(todo), progress, "rendering (dask)") as bar:
        for future in as_completed(futures):
            result = future.result()
            if isinstance(result, dict):
                for index, png in result.items():
                    with atomic_write(paths[index]) as partial:
                        partial.write_bytes(png)
            bar.update(len(futures[future]))
            if on_range is not None:
                on_range(futures[future])
    report.rendered = len(todo)
    report.seconds = time.perf_counter() - t0
    return report
