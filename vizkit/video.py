"""H.264 video from raw frames, encoded while the next frames render (GL-free).

* :class:`VideoEncoder` is one ffmpeg process (the binary the imageio-ffmpeg wheel carries, no
  system install) reading raw frames on its stdin: H.264, yuv420p, CRF 16 at preset veryfast,
  ``+faststart``, the frame rate as a rational (29.97 stays 2997/100). Its stderr is kept, not
  shown, so a failure is one :class:`~vizkit.output.OutputError` line naming the video — "the
  disk is full" when ffmpeg ran out of space, the encoder's own last words otherwise.
* :class:`VideoSink` feeds an encoder from a **writer thread** through a fixed pool of host
  buffers (a :class:`~vizkit.sinks.FrameSink`): the recorder fills one buffer straight from a
  pixel-pack buffer while the thread pipes the previous one to ffmpeg, which encodes in its own
  process. Frames arrive bottom row first (GL order); ffmpeg's ``vflip`` turns them upright for
  free, so the render thread never copies a frame. A full pool makes the recorder wait
  (backpressure); nothing queues without bound.
* :func:`write_video` encodes an iterator of upright ``(H, W, 3|4)`` arrays (the render farm's
  PNG frames) in the calling thread.

The caller writes to a temporary name and renames it when the video is complete
(:func:`vizkit.output.atomic_write`); on any failure the encoder is killed and the partial file
removed, so a broken video never appears under the real name.
"""

from __future__ import annotations

import contextlib
import errno
import os
import queue
import re
import subprocess
import tempfile
import threading
from collections.abc import Iterable
from fractions import Fraction
from pathlib import Path

import numpy as np

from vizkit.output import OutputError, atomic_write, describe_os_error

# libx264 at constant quality. "veryfast" at CRF 16 gives the flagship the quality "medium" gave it
# at CRF 18 (PSNR 49.9 vs 50.1 dB over 60 frames of 1080p) for half the encoder's CPU time
# (14 vs 30 ms a frame), which is what lets encoding hide behind rendering; files are ~20 %
# larger (docs/dome.md, "Video at render speed").
VIDEO_CRF = 16
VIDEO_PRESET = "veryfast"
_KNOWN_ERRNOS = (errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM)
_LOG_PREFIX = re.compile(r"^(\[[^\]]*\]\s*)+")


def ffmpeg_command(path: str | Path, size: tuple[int, int], fps: float, *,
                   pix_fmt: str = "rgba", bottom_up: bool = False) -> list[str]:
    """The ffmpeg command line that encodes raw ``pix_fmt`` frames of ``size`` from stdin."""
    import imageio_ffmpeg

    rate = Fraction(fps).limit_denominator()
    command = [imageio_ffmpeg.get_ffmpeg_exe(), "-y", "-nostdin", "-f", "rawvideo",
               "-pix_fmt", pix_fmt, "-s", f"{int(size[0])}x{int(size[1])}", "-r", str(rate),
               "-i", "pipe:0", "-an"]
    if bottom_up:
        command += ["-vf", "vflip"]
    return [*command, "-c:v", "libx264", "-pix_fmt", "yuv420p", "-crf", str(VIDEO_CRF),
            "-preset", VIDEO_PRESET, "-movflags", "+faststart", "-v", "error", "-f", "mp4",
            str(path)]


class VideoEncoder:
    """One ffmpeg process writing ``path`` from raw frames sent with :meth:`write`.

    Args:
        path: the file ffmpeg writes (a temporary name; the caller renames it).
        size: (width, height), both even.
        fps: frames per second.
        name: the video's real name, for error messages (default ``path``).
        pix_fmt: ``"rgba"`` or ``"rgb24"``: what :meth:`write` receives.
        bottom_up: frames arrive bottom row first (GL order); ffmpeg flips them.
    """

    def __init__(self, path: str | Path, size: tuple[int, int], fps: float, *,
                 name: str | Path | None = None, pix_fmt: str = "rgba", bottom_up: bool = False):
        self.name = Path(name if name is not None else path)
        self.frame_bytes = int(size[0]) * int(size[1]) * (4 if pix_fmt == "rgba" else 3)
        self.frames = 0
        try:
            command = ffmpeg_command(path, size, fps, pix_fmt=pix_fmt, bottom_up=bottom_up)
        except RuntimeError as exc:   # imageio-ffmpeg found no ffmpeg
            raise OutputError(f"{self.name}: cannot encode video: {exc}") from None
        self._log = tempfile.TemporaryFile()
        try:
            # own session: a Ctrl-C reaches vizkit, which kills the encoder and removes the file
            self._process = subprocess.Popen(command, stdin=subprocess.PIPE,
                                             stdout=subprocess.DEVNULL, stderr=self._log,
                                             start_new_session=True)
        except OSError as exc:
            self._log.close()
            raise OutputError(f"{self.name}: cannot start the video encoder {command[0]} "
                              f"({exc.strerror or exc})") from None

    def write(self, pixels: np.ndarray) -> None:
        """Send one frame (C-contiguous, ``frame_bytes`` long); blocks while ffmpeg is busy."""
        if pixels.nbytes != self.frame_bytes:
            raise ValueError(f"a video frame has {self.frame_bytes} bytes, got {pixels.nbytes}")
        stdin = self._process.stdin
        assert stdin is not None
        try:
            stdin.write(memoryview(np.ascontiguousarray(pixels)).cast("B"))
        except OSError as exc:       # BrokenPipeError: ffmpeg has stopped
            raise self.failure(exc) from None
        self.frames += 1

    def finish(self) -> None:
        """Close the input and wait for ffmpeg to write the file; raise when it failed."""
        stdin = self._process.stdin
        try:
            if stdin is not None:
                stdin.close()
        except OSError as exc:
            raise self.failure(exc) from None
        if self._process.wait() != 0:
            raise self.failure()
        self._log.close()

    def kill(self) -> None:
        """Stop ffmpeg now (the partial file is the caller's to remove)."""
        with contextlib.suppress(OSError):
            self._process.kill()
        with contextlib.suppress(OSError):
            if self._process.stdin is not None:
                self._process.stdin.close()
        self._process.wait()
        self._log.close()

    def failure(self, exc: OSError | None = None) -> OutputError:
        """One line saying why the encoder stopped, from its exit status and its stderr."""
        try:
            code = self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.kill()
            code = self._process.returncode
        said = self._said()
        for number in _KNOWN_ERRNOS:
            if os.strerror(number).lower() in said.lower():
                return OutputError(describe_os_error(self.name, OSError(number, "")))
        if exc is not None and exc.errno not in (errno.EPIPE, None):
            return OutputError(describe_os_error(self.name, exc))
        last = next((line for line in reversed(said.splitlines()) if line.strip()), "")
        last = _LOG_PREFIX.sub("", last.strip())
        why = f": {last}" if last else ""
        return OutputError(f"{self.name}: cannot write: the video encoder (ffmpeg) stopped "
                           f"with exit status {code}{why}")

    def _said(self) -> str:
        if self._log.closed:
            return ""
        self._log.seek(0)
        return self._log.read()[-4096:].decode("utf-8", "replace")


class VideoSink:
    """A :class:`~vizkit.sinks.FrameSink` that encodes frames to ``path`` in a writer thread.

    Args:
        path: where ffmpeg writes (a temporary name: see :func:`vizkit.output.atomic_write`).
        size: (width, height) of the frames, both even.
        fps: frames per second.
        name: the video's real name, for error messages.
        buffers: host buffers in the pool (2: one filling, one being piped to ffmpeg).
    """

    def __init__(self, path: str | Path, size: tuple[int, int], fps: float, *,
                 name: str | Path | None = None, buffers: int = 2):
        self.size = (int(size[0]), int(size[1]))
        self.written = 0
        self._buffers = [np.empty((self.size[1], self.size[0], 4), np.uint8)
                         for _ in range(max(2, buffers))]
        self._slot_of = {id(buffer): k for k, buffer in enumerate(self._buffers)}
        self._free: queue.Queue[int] = queue.Queue()
        for k in range(len(self._buffers)):
            self._free.put(k)
        self._filled: queue.Queue[int | None] = queue.Queue()
        self._error: BaseException | None = None
        self._encoder = VideoEncoder(path, self.size, fps, name=name, bottom_up=True)
        self._thread = threading.Thread(target=self._pipe_frames, name="vizkit-video-writer",
                                        daemon=True)
        self._thread.start()
        self._open = True

    def _pipe_frames(self) -> None:
        """Writer thread: pipe each filled buffer to ffmpeg, then give the buffer back.

        After a failure it keeps handing buffers back (without writing), so the recorder never
        waits forever for one; the recorder sees the error on its next call."""
        while True:
            slot = self._filled.get()
            if slot is None:
                return
            if self._error is None:
                try:
                    self._encoder.write(self._buffers[slot])
                    self.written += 1
                except BaseException as exc:  # handed to the recorder's thread
                    self._error = exc
            self._free.put(slot)

    def acquire(self) -> np.ndarray:
        self._raise_if_failed()
        while True:
            try:
                slot = self._free.get(timeout=0.5)
            except queue.Empty:
                if not self._thread.is_alive():
                    raise OutputError(f"{self._encoder.name}: cannot write: the video writer "
                                      f"thread stopped") from None
                continue
            self._raise_if_failed()
            return self._buffers[slot]

    def submit(self, index: int, pixels: np.ndarray) -> None:
        self._raise_if_failed()
        self._filled.put(self._slot_of[id(pixels)])

    def close(self) -> None:
        """Wait for the writer thread, then for ffmpeg to finish the file; raise on failure."""
        if not self._open:
            return
        self._open = False
        self._filled.put(None)
        self._thread.join()
        if self._error is not None:
            self._encoder.kill()
            raise self._error
        try:
            self._encoder.finish()
        except BaseException:
            self._encoder.kill()
            raise

    def abort(self) -> None:
        """Kill the encoder and stop the writer thread (the caller removes the file)."""
        if not self._open:
            return
        self._open = False
        self._encoder.kill()          # a write blocked on the pipe fails at once
        self._filled.put(None)
        self._thread.join()

    def _raise_if_failed(self) -> None:
        if self._error is not None:
            raise self._error

    def __enter__(self) -> VideoSink:
        return self

    def __exit__(self, kind: object, exc: object, traceback: object) -> None:
        if kind is None:
            self.close()
        else:
            self.abort()


def write_video(path: str | Path, frames: Iterable[np.ndarray], size: tuple[int, int],
                fps: float) -> Path:
    """Encode upright ``(H, W, 3|4) uint8`` frames as H.264 (yuv420p) at exactly ``fps``, one
    video frame per frame, in the calling thread. The video appears under ``path`` only when it
    is complete."""
    path = Path(path)
    with atomic_write(path) as partial:
        encoder = VideoEncoder(partial, size, fps, name=path, pix_fmt="rgb24")
        try:
            for frame in frames:
                encoder.write(np.ascontiguousarray(np.asarray(frame)[..., :3]))
            encoder.finish()
        except BaseException:
            encoder.kill()
            raise
    return path
