"""Where recorded frames go, written off the render thread: the :class:`FrameSink` contract and
the PNG-sequence writer (GL-free).

The recorder (:meth:`vizkit.recording.FrameSource.record`) asks a sink for a free host buffer
(:meth:`~FrameSink.acquire`), fills it with one frame straight from a pixel-pack buffer and hands
it back (:meth:`~FrameSink.submit`); the sink writes it while the next frames render. Buffers
come from a fixed pool, so a writer that falls behind makes the recorder wait (backpressure)
instead of piling frames up in memory, and an error in a writer reaches the recorder on its next
call. Frames are RGBA uint8, **bottom row first** (GL order): flipping is the writer's job.

:class:`PngSequenceSink` encodes PNGs in **worker processes**, not threads: moderngl holds
Python's global interpreter lock while it waits for the GPU, which on a software GL is most of a
frame, so a PNG thread would hardly run (measured: 2.2 s per 1080p PNG next to the render loop,
0.27 s alone). The pool's buffers live in one shared-memory block, so a frame is never copied
between processes; each worker writes its frame under a temporary name and renames it
(:func:`vizkit.output.atomic_write`), which keeps resume exact. The video sink, whose encoder
is already a process of its own, is :class:`vizkit.video.VideoSink`.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
from collections.abc import Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from multiprocessing import shared_memory
from pathlib import Path
from typing import Protocol

import numpy as np

from vizkit.image import Image
from vizkit.output import OutputError, atomic_write

MAX_POOL_BYTES = 1 << 29      # host buffers of one PNG pool: at most 512 MiB (8 frames of 4096²)
PROCESS_PIXELS = 8_000_000    # pixels to write before starting worker processes pays (~4 × 1080p)


class FrameSink(Protocol):
    """A destination for recorded frames, written off the render thread."""

    size: tuple[int, int]
    written: int        # frames completely written so far

    def acquire(self) -> np.ndarray:
        """A free ``(H, W, 4) uint8`` buffer to fill, bottom row first. Blocks while every buffer
        is being written (backpressure); raises the first error of a writer."""
        ...

    def submit(self, index: int, pixels: np.ndarray) -> None:
        """Write frame ``index`` from ``pixels`` (a buffer :meth:`acquire` returned)."""
        ...

    def close(self) -> None:
        """Wait until every submitted frame is written; raise the first error."""
        ...

    def abort(self) -> None:
        """Stop: frames being written finish (whole or not at all), the rest are dropped."""
        ...


def available_cpus() -> int:
    """CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def png_processes(frames: int, size: tuple[int, int]) -> int:
    """How many PNG writer processes pay off: none for fewer than :data:`PROCESS_PIXELS` pixels
    in all (starting a process costs about as much as deflating 4 frames of 1080p: those are
    written in place), else one per CPU (deflating a PNG costs more than rendering the frame on
    llvmpipe), at most one per frame and as many as :data:`MAX_POOL_BYTES` of buffers allow."""
    if frames < 2 or frames * size[0] * size[1] < PROCESS_PIXELS:
        return 0
    frame_bytes = size[0] * size[1] * 4
    by_memory = max(1, MAX_POOL_BYTES // frame_bytes - 1)
    return max(1, min(available_cpus(), frames, by_memory))


class PngSequenceSink:
    """Writes frame ``i`` to ``paths[i]`` as a PNG, in ``processes`` worker processes
    (``0``: in the calling thread, at :meth:`submit`).

    Args:
        paths: the output file of every frame index.
        size: (width, height) of the frames.
        processes: worker processes (see :func:`png_processes`).
    """

    def __init__(self, paths: Sequence[Path], size: tuple[int, int], *, processes: int = 0):
        self.paths = list(paths)
        self.size = (int(size[0]), int(size[1]))
        self.written = 0
        self.processes = max(0, int(processes))
        shape = (self.size[1], self.size[0], 4)
        frame_bytes = int(np.prod(shape))
        count = self.processes + 1
        self._memory: shared_memory.SharedMemory | None = None
        self._pool: ProcessPoolExecutor | None = None
        if self.processes:
            self._memory = shared_memory.SharedMemory(create=True, size=count * frame_bytes)
            self._buffers = [np.ndarray(shape, np.uint8, self._memory.buf, k * frame_bytes)
                             for k in range(count)]
            self._pool = ProcessPoolExecutor(
                self.processes, mp_context=multiprocessing.get_context("spawn"),
                initializer=_attach, initargs=(self._memory.name, shape))
        else:
            self._buffers = [np.empty(shape, np.uint8)]
        self._slot_of = {id(buffer): k for k, buffer in enumerate(self._buffers)}
        self._free = list(range(count))[::-1]
        self._busy: dict[Future[None], tuple[int, int]] = {}
        self._error: BaseException | None = None
        self._open = True

    def acquire(self) -> np.ndarray:
        self._raise_if_failed()
        while not self._free:
            self._collect(block=True)
            self._raise_if_failed()
        return self._buffers[self._free.pop()]

    def submit(self, index: int, pixels: np.ndarray) -> None:
        slot = self._slot_of[id(pixels)]
        del pixels   # no frame of a traceback may keep a view of the shared block alive
        if self._pool is None:
            try:
                _save(self._buffers[slot], self.paths[index])
                self.written += 1
            finally:
                self._free.append(slot)
            return
        future = self._pool.submit(_write_slot, slot, str(self.paths[index]))
        self._busy[future] = (slot, index)
        self._collect(block=False)

    def close(self) -> None:
        """Wait for every frame; raise the first writer error (after the others finished)."""
        try:
            while self._busy:
                self._collect(block=True)
            self._raise_if_failed()
        finally:
            self._shut_down(cancel=False)

    def abort(self) -> None:
        """Drop frames not yet started, let the ones being written finish, release the pool."""
        if self._pool is not None:
            for future in self._busy:
                future.cancel()
        self._shut_down(cancel=True)

    def _collect(self, *, block: bool) -> None:
        """Return the buffers of finished writes to the pool; keep the first error."""
        if not self._busy:
            return
        done, _ = wait(list(self._busy), timeout=None if block else 0,
                       return_when=FIRST_COMPLETED)
        for future in done:
            slot, index = self._busy.pop(future)
            self._free.append(slot)
            if future.cancelled():
                continue
            error = future.exception()
            if error is None:
                self.written += 1
            elif self._error is None:
                self._error = error if isinstance(error, OutputError) else OutputError(
                    f"{self.paths[index]}: cannot write: the PNG writer failed "
                    f"({type(error).__name__}: {error})")

    def _raise_if_failed(self) -> None:
        if self._error is None:
            return
        while self._busy:      # let frames in flight land, so `written` is what is on disk
            self._collect(block=True)
        raise self._error

    def _shut_down(self, *, cancel: bool) -> None:
        if not self._open:
            return
        self._open = False
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=cancel)
            for future in list(self._busy):
                if future.done() and not future.cancelled() and future.exception() is None:
                    self.written += 1
            self._busy.clear()
        self._buffers.clear()
        self._slot_of.clear()
        if self._memory is not None:
            self._memory.unlink()
            with contextlib.suppress(BufferError):  # a view still alive: unmapped at exit
                self._memory.close()

    def __enter__(self) -> PngSequenceSink:
        return self

    def __exit__(self, kind: object, exc: object, traceback: object) -> None:
        if kind is None:
            self.close()
        else:
            self.abort()


def _save(pixels: np.ndarray, path: Path) -> None:
    """Write one bottom-row-first RGBA frame as an upright PNG, whole or not at all — the very
    bytes :meth:`vizkit.image.Image.save` writes for the synchronously read image."""
    with atomic_write(path) as partial:
        Image(pixels[::-1]).save(partial)


# -- in the worker processes ---------------------------------------------------------------
_MEMORY: shared_memory.SharedMemory | None = None
_SHAPE: tuple[int, int, int] = (0, 0, 0)


def _attach(name: str, shape: tuple[int, int, int]) -> None:
    global _MEMORY, _SHAPE
    signal.signal(signal.SIGINT, signal.SIG_IGN)   # the parent decides; a frame ends whole
    _MEMORY, _SHAPE = shared_memory.SharedMemory(name=name), shape


def _write_slot(slot: int, path: str) -> None:
    assert _MEMORY is not None
    frame_bytes = int(np.prod(_SHAPE))
    pixels = np.ndarray(_SHAPE, np.uint8, _MEMORY.buf, slot * frame_bytes)
    try:
        _save(pixels, Path(path))
    finally:
        del pixels            # no view may outlive the task (the block is closed at exit)
