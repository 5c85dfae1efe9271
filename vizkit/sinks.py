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
0.27 s alone). The workers are plain ``python -c`` subprocesses rather than ``multiprocessing``
ones, so they never re-run the caller's main script (a script calling
:func:`~vizkit.export.render_to_files` needs no ``if __name__ == "__main__"`` guard) and leave no
resource tracker behind. They share the pool's buffers through one ``memfd`` (Linux; elsewhere
PNGs are written on the render thread), so a frame is never copied between processes; they take
``[slot, path]`` jobs as JSON lines on stdin and answer on stdout, in order. Each writes its
frame under a temporary name and renames it (:func:`vizkit.output.atomic_write`), which keeps
resume exact. The video sink, whose encoder is a process of its own already, is
:class:`vizkit.video.VideoSink`.
"""

from __future__ import annotations

import contextlib
import json
import mmap
import os
import select
import subprocess
import sys
import tempfile
from collections import deque
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Protocol

import numpy as np

from vizkit.image import Image
from vizkit.output import OutputError, atomic_write

MAX_POOL_BYTES = 1 << 29      # host buffers of one PNG pool: at most 512 MiB (8 frames of 4096²)
PROCESS_PIXELS = 8_000_000    # pixels to write before starting worker processes pays (~4 × 1080p)
_PACKAGE_ROOT = str(Path(__file__).resolve().parent.parent)   # where `import vizkit` finds us


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
    written in place), else one per CPU (deflating a 1080p PNG costs about what rendering the
    frame does on llvmpipe; on 2 shared cores two workers beat one), at most one per frame and
    as many as :data:`MAX_POOL_BYTES` of buffers allow."""
    if frames < 2 or frames * size[0] * size[1] < PROCESS_PIXELS \
            or not hasattr(os, "memfd_create"):     # Linux only: the workers share a memfd
        return 0
    frame_bytes = size[0] * size[1] * 4
    by_memory = max(1, MAX_POOL_BYTES // frame_bytes - 1)
    return max(1, min(available_cpus(), frames, by_memory))


class _Worker:
    """One PNG writer process and the jobs it was sent, oldest first."""

    def __init__(self, command: list[str], env: dict[str, str], memory_fd: int):
        self.log = tempfile.TemporaryFile()
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=self.log, bufsize=0, env=env,
                                        pass_fds=(memory_fd,), start_new_session=True)
        assert self.process.stdin is not None and self.process.stdout is not None
        self.stdin: IO[bytes] = self.process.stdin
        self.fd = self.process.stdout.fileno()
        self.jobs: deque[tuple[int, int]] = deque()      # (slot, frame index)
        self.unread = b""
        self.alive = True

    def last_words(self) -> str:
        self.log.seek(0)
        lines = [line.strip() for line in self.log.read()[-2048:].decode(
            "utf-8", "replace").splitlines() if line.strip()]
        return lines[-1] if lines else ""

    def close(self) -> None:
        """End of jobs: the worker finishes the ones it has and exits."""
        with contextlib.suppress(OSError):
            self.stdin.close()
        self.process.wait()
        self.process.stdout.close()  # type: ignore[union-attr]
        self.log.close()


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
        self._shape = (self.size[1], self.size[0], 4)
        self._frame_bytes = int(np.prod(self._shape))
        self._workers: list[_Worker] = []
        self._memory: mmap.mmap | None = None
        self._memory_fd = -1
        self._error: OutputError | None = None
        self._open = True
        self._buffers: list[np.ndarray] = []
        if self.processes:
            try:
                self._start_workers(self.processes + 1)
            except OSError:     # no memory for the pool, no process: write in this thread
                self._stop_workers()
                self.processes = 0
            except BaseException:
                self._stop_workers()
                raise
        if not self.processes:
            self._buffers = [np.empty(self._shape, np.uint8)]
        self._slot_of = {id(buffer): k for k, buffer in enumerate(self._buffers)}
        self._free = list(range(len(self._buffers)))[::-1]

    def _start_workers(self, count: int) -> None:
        size = count * self._frame_bytes
        self._memory_fd = os.memfd_create("vizkit-frames")
        os.posix_fallocate(self._memory_fd, 0, size)   # the memory now, or OSError: no SIGBUS
        self._memory = mmap.mmap(self._memory_fd, size)
        self._buffers = [np.ndarray(self._shape, np.uint8, self._memory, k * self._frame_bytes)
                         for k in range(count)]
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(
            [_PACKAGE_ROOT, *filter(None, [env.get("PYTHONPATH")])])
        command = [sys.executable, "-c", "from vizkit.sinks import serve_png_writer; "
                   "serve_png_writer()", str(self._memory_fd), str(count),
                   str(self._shape[0]), str(self._shape[1])]
        self._workers = [_Worker(command, env, self._memory_fd)
                         for _ in range(self.processes)]

    def acquire(self) -> np.ndarray:
        self._raise_if_failed()
        while not self._free:
            self._collect(block=True)
            self._raise_if_failed()
        return self._buffers[self._free.pop()]

    def submit(self, index: int, pixels: np.ndarray) -> None:
        slot = self._slot_of[id(pixels)]
        del pixels   # no frame of a traceback may keep a view of the shared memory alive
        if not self._workers:
            try:
                _save(self._buffers[slot], self.paths[index])
                self.written += 1
            finally:
                self._free.append(slot)
            return
        alive = [w for w in self._workers if w.alive]
        if not alive:
            self._free.append(slot)
            self._raise_if_failed()
            raise OutputError(f"{self.paths[index]}: cannot write: no PNG writer is running")
        worker = min(alive, key=lambda w: len(w.jobs))
        worker.jobs.append((slot, index))
        try:
            worker.stdin.write(json.dumps([slot, str(self.paths[index])]).encode() + b"\n")
        except OSError:      # it has exited: its output says why
            self._read(worker)
        self._collect(block=False)
        self._raise_if_failed()

    def close(self) -> None:
        """Wait for every frame; raise the first writer error (after the others finished)."""
        try:
            while any(w.jobs for w in self._workers):
                self._collect(block=True)
            self._raise_if_failed()
        finally:
            self._shut_down()

    def abort(self) -> None:
        """Send no more frames; the workers finish the few they hold (at most the pool's
        buffers, each written whole) and exit."""
        self._shut_down()

    def _collect(self, *, block: bool) -> None:
        """Take the workers' answers: buffers go back to the pool, the first error is kept."""
        busy = [w for w in self._workers if w.jobs]
        if not busy:
            return
        ready, _, _ = select.select([w.fd for w in busy], [], [], None if block else 0)
        for worker in busy:
            if worker.fd in ready:
                self._read(worker)

    def _read(self, worker: _Worker) -> None:
        data = os.read(worker.fd, 1 << 16)
        if not data:                        # the worker has exited with jobs in hand
            worker.alive = False
            code = worker.process.wait()
            why = worker.last_words()
            for slot, index in worker.jobs:
                self._free.append(slot)
                self._fail(OutputError(f"{self.paths[index]}: cannot write: the PNG writer "
                                       f"process stopped (exit status {code})"
                                       + (f": {why}" if why else "")))
            worker.jobs.clear()
            return
        worker.unread += data
        while b"\n" in worker.unread:
            line, worker.unread = worker.unread.split(b"\n", 1)
            slot, error = json.loads(line)
            done_slot, _ = worker.jobs.popleft()      # answers come in the order jobs went
            assert done_slot == slot
            self._free.append(slot)
            if error is None:
                self.written += 1
            else:
                self._fail(OutputError(error))

    def _fail(self, error: OutputError) -> None:
        if self._error is None:
            self._error = error

    def _raise_if_failed(self) -> None:
        if self._error is None:
            return
        while any(w.jobs for w in self._workers):   # frames in flight land: `written` is
            self._collect(block=True)                # what is on disk
        raise self._error

    def _shut_down(self) -> None:
        if not self._open:
            return
        self._open = False
        self._stop_workers()

    def _stop_workers(self) -> None:
        for worker in self._workers:
            worker.close()
        self._workers.clear()
        self._buffers = []
        self._slot_of = {}
        if self._memory is not None:
            with contextlib.suppress(BufferError):   # a view still alive: unmapped when freed
                self._memory.close()
        if self._memory_fd >= 0:
            os.close(self._memory_fd)
            self._memory_fd = -1

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


def serve_png_writer() -> None:
    """A PNG writer process (started by :class:`PngSequenceSink`): arguments are the memory
    file's descriptor, the pool's buffer count, frame height and width; each stdin line
    ``[slot, path]`` is answered on stdout with ``[slot, null]`` or ``[slot, "error line"]``."""
    fd, count, height, width = (int(arg) for arg in sys.argv[1:5])
    shape = (height, width, 4)
    frame_bytes = height * width * 4
    memory = mmap.mmap(fd, count * frame_bytes)
    answers = sys.stdout.buffer
    for line in sys.stdin.buffer:
        slot, path = json.loads(line)
        pixels = np.ndarray(shape, np.uint8, memory, slot * frame_bytes)
        error: str | None = None
        try:
            _save(pixels, Path(path))
        except OutputError as exc:
            error = str(exc)
        except Exception as exc:  # one line back to the parent, whatever went wrong
            error = f"{path}: cannot write: the PNG writer failed ({type(exc).__name__}: {exc})"
        finally:
            del pixels
        answers.write(json.dumps([slot, error]).encode() + b"\n")
        answers.flush()
