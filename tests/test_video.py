"""Recording at render speed: asynchronous read-back through pixel-pack buffers, frames written
off the render thread (ffmpeg fed by a writer thread, PNG worker processes) — and still exactly
the frames, files and errors of the synchronous path."""

from __future__ import annotations

import os
import signal
import threading
from pathlib import Path

import imageio.v2 as imageio
import numpy as np
import pytest

import vizkit.sinks
from vizkit.demo import exhibit_folder
from vizkit.export import FrameSource, OutputError, RenderJob, render_to_files
from vizkit.fisheye import DomeSpec
from vizkit.gpu import RenderTarget
from vizkit.gpu.readback import PixelPackRing
from vizkit.image import Image
from vizkit.output import atomic_write
from vizkit.script import load_target
from vizkit.sinks import PngSequenceSink
from vizkit.video import VideoSink, write_video

SIZE = (160, 90)


@pytest.fixture(scope="module")
def flagship():
    """The bundled flagship scene (real sample data, HUD text, flows, MSAA)."""
    return load_target(exhibit_folder())


class Collect:
    """A frame sink that keeps upright copies of what the recorder hands over, in order."""

    def __init__(self, size: tuple[int, int], buffers: int = 2):
        self.size, self.written = size, 0
        self._free = [np.zeros((size[1], size[0], 4), np.uint8) for _ in range(buffers)]
        self.frames: list[tuple[int, np.ndarray]] = []

    def acquire(self) -> np.ndarray:
        return self._free.pop()

    def submit(self, index: int, pixels: np.ndarray) -> None:
        self.frames.append((index, pixels[::-1].copy()))   # bottom row first → upright
        self.written += 1
        self._free.append(pixels)

    def close(self) -> None: ...

    def abort(self) -> None: ...


@pytest.mark.parametrize("job", [
    RenderJob(size=SIZE, fps=30.0, samples=4),
    RenderJob(fps=30.0, samples=4, dome=DomeSpec(128, 200.0, 10.0)),
], ids=["flat-msaa", "dome"])
def test_recorded_frames_are_the_synchronous_frames_in_order(flagship, gpu, job):
    indices = [0, 5, 2, 3, 9]               # any order: a resumed sequence has gaps
    with FrameSource(flagship, job, gpu) as source:
        sink = Collect(job.frame_size)
        handed: list[int] = []
        source.record(indices, sink, on_frame=handed.append)
        synchronous = {i: source.render(i).pixels for i in indices}
    assert handed == indices and [i for i, _ in sink.frames] == indices
    for index, pixels in sink.frames:
        assert np.array_equal(pixels, synchronous[index]), f"frame {index} differs"
    # the frames carry the scene (not blank) and move with time (not one frame repeated)
    assert sink.frames[0][1][..., :3].std() > 5
    assert not np.array_equal(synchronous[0], synchronous[9])


def test_pipelined_mp4_is_byte_identical_to_encoding_the_synchronous_frames(flagship, gpu,
                                                                            tmp_path):
    job = RenderJob(size=SIZE, frames=8, fps=2.0, samples=4)   # frames far apart in time
    out = tmp_path / "show.mp4"
    report = render_to_files(flagship, out, job, progress=False, gpu=gpu)
    assert report.rendered == 8 and report.video == out
    with FrameSource(flagship, job, gpu) as source:
        images = [source.render(i).rgb for i in range(job.frames)]
    reference = write_video(tmp_path / "reference.mp4", iter(images), SIZE, job.fps)
    assert out.read_bytes() == reference.read_bytes()
    reader = imageio.get_reader(out, format="FFMPEG")
    try:
        decoded = [np.asarray(f) for f in reader]
    finally:
        reader.close()
    assert len(decoded) == 8
    # upright and in order: each decoded frame is closest to its own synchronous frame
    for k, frame in enumerate(decoded):
        errors = [np.abs(frame.astype(int) - image).mean() for image in images]
        assert int(np.argmin(errors)) == k and errors[k] < 4, errors
        assert np.abs(frame.astype(int) - images[k][::-1]).mean() > 3 * errors[k]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["reference.mp4", "show.mp4"]


def test_png_worker_processes_write_the_bytes_of_the_synchronous_path(flagship, gpu, tmp_path):
    job = RenderJob(size=SIZE, frames=5, fps=30.0, samples=4)
    paths = [tmp_path / f"f_{i}.png" for i in range(job.frames)]
    with FrameSource(flagship, job, gpu) as source:
        with PngSequenceSink(paths, SIZE, processes=2) as sink:
            source.record(range(job.frames), sink)
        assert sink.written == 5
        for i, path in enumerate(paths):
            expected = source.render(i).save(tmp_path / f"sync_{i}.png")
            assert path.read_bytes() == expected.read_bytes(), f"frame {i} differs"
    assert not list(tmp_path.glob(".*"))                       # no partial files left


def test_the_png_sequence_of_render_to_files_resumes_with_worker_processes(flagship, gpu,
                                                                         tmp_path, monkeypatch):
    monkeypatch.setattr(vizkit.sinks, "PROCESS_PIXELS", 0)   # worker processes even for these
    assert vizkit.sinks.png_processes(4, SIZE) >= 1
    pattern = tmp_path / "f_%02d.png"
    job = RenderJob(size=SIZE, frames=4, fps=30.0, samples=4)
    first = render_to_files(flagship, pattern, job, progress=False, gpu=gpu)
    originals = {p.name: p.read_bytes() for p in first.paths}
    (tmp_path / "f_01.png").unlink()
    again = render_to_files(flagship, pattern, job, progress=False, gpu=gpu)
    assert (again.skipped, again.rendered) == (3, 1)
    assert {p.name: p.read_bytes() for p in again.paths} == originals


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full (Linux)")
def test_a_full_disk_in_a_png_worker_is_one_line_naming_the_frame(flagship, gpu, tmp_path):
    """Frame 3's temporary file is /dev/full (a real ENOSPC, in a worker process)."""
    job = RenderJob(size=SIZE, frames=6, fps=30.0, samples=0)
    paths = [tmp_path / f"f_{i}.png" for i in range(job.frames)]
    (tmp_path / ".f_3.partial.png").symlink_to("/dev/full")
    with FrameSource(flagship, job, gpu) as source:
        sink = PngSequenceSink(paths, SIZE, processes=2)
        with pytest.raises(OutputError) as error, sink:
            source.record(range(job.frames), sink)
    assert str(error.value) == (f"{paths[3]}: cannot write: the disk is full (no space left "
                                f"on device)")
    written = sorted(p.name for p in tmp_path.iterdir())
    assert "f_3.png" not in written and len(written) == sink.written
    assert {"f_0.png", "f_1.png"} <= set(written)             # frames before it are kept


GATED_ENCODER = """#!/bin/sh
# reads nothing until the test creates the file named by GATE, then swallows its input
while [ ! -e "$GATE" ]; do sleep 0.02; done
exec cat > /dev/null
"""


def test_a_slow_encoder_makes_the_recorder_wait_instead_of_queueing_frames(tmp_path,
                                                                          monkeypatch):
    """Two host buffers: with the encoder stalled, the third acquire blocks until it reads."""
    encoder = tmp_path / "ffmpeg.sh"
    encoder.write_text(GATED_ENCODER, encoding="utf-8")
    encoder.chmod(0o755)
    gate = tmp_path / "gate"
    monkeypatch.setenv("IMAGEIO_FFMPEG_EXE", str(encoder))
    monkeypatch.setenv("GATE", str(gate))
    size = (512, 512)                        # 1 MiB frames: far more than a pipe holds
    sink = VideoSink(tmp_path / "v.mp4", size, 30.0, buffers=2)
    try:
        for index in range(2):
            sink.submit(index, sink.acquire())
        third: list[np.ndarray] = []
        waiter = threading.Thread(target=lambda: third.append(sink.acquire()), daemon=True)
        waiter.start()
        waiter.join(timeout=0.5)
        assert waiter.is_alive() and not third          # blocked: backpressure, no third frame
        gate.touch()                                    # the encoder starts reading
        waiter.join(timeout=30)
        assert not waiter.is_alive() and len(third) == 1
        sink.submit(2, third[0])
        sink.close()
    finally:
        gate.touch()
        sink.abort()
    assert sink.written == 3


def test_png_writers_that_fall_behind_make_the_recorder_wait(tmp_path):
    """One worker process, two buffers. With the worker stopped (SIGSTOP), two frames can be
    handed over and the third acquire blocks until the worker runs again."""
    paths = [tmp_path / f"f_{i}.png" for i in range(4)]
    rng = np.random.default_rng(1)
    frames = [rng.integers(0, 256, (24, 32, 4), dtype=np.uint8) for _ in range(4)]
    sink = PngSequenceSink(paths, (32, 24), processes=1)
    stopped: list[int] = []
    try:
        first = sink.acquire()
        first[:] = frames[0]
        sink.submit(0, first)
        held = [sink.acquire(), sink.acquire()]   # the second waits until frame 0 is written
        assert paths[0].exists()
        stopped = [w.process.pid for w in sink._workers]   # the (warm, idle) worker
        for pid in stopped:
            os.kill(pid, signal.SIGSTOP)
        for index, buffer in zip((1, 2), held, strict=True):
            buffer[:] = frames[index]
            sink.submit(index, buffer)
        third: list[np.ndarray] = []
        waiter = threading.Thread(target=lambda: third.append(sink.acquire()), daemon=True)
        waiter.start()
        waiter.join(timeout=0.5)
        assert waiter.is_alive() and not third          # both buffers are being written
        for pid in stopped:
            os.kill(pid, signal.SIGCONT)
        stopped = []
        waiter.join(timeout=60)
        assert not waiter.is_alive() and len(third) == 1
        third[0][:] = frames[3]
        sink.submit(3, third[0])
        sink.close()
    finally:
        for pid in stopped:
            os.kill(pid, signal.SIGCONT)
        sink.abort()
    assert sink.written == 4
    for index in range(4):        # upright: the bottom-row-first buffer, flipped
        assert np.array_equal(Image.load(paths[index]).rgb, frames[index][::-1, :, :3])


DYING_ENCODER = """#!/bin/sh
for last; do :; done
printf 'half a video' > "$last"
head -c 100000 > /dev/null
echo "[libx264 @ 0x1] out of cheese" >&2
exit 3
"""


def test_an_encoder_error_stops_the_recording_at_once(flagship, gpu, tmp_path, monkeypatch):
    encoder = tmp_path.parent / f"{tmp_path.name}-ffmpeg.sh"
    encoder.write_text(DYING_ENCODER, encoding="utf-8")
    encoder.chmod(0o755)
    monkeypatch.setenv("IMAGEIO_FFMPEG_EXE", str(encoder))
    job = RenderJob(size=SIZE, frames=200, fps=30.0, samples=0)
    out = tmp_path / "show.mp4"
    with pytest.raises(OutputError) as error:
        render_to_files(flagship, out, job, progress=False, gpu=gpu)
    assert str(error.value) == (f"{out}: cannot write: the video encoder (ffmpeg) stopped "
                                f"with exit status 3: out of cheese")
    assert list(tmp_path.iterdir()) == []                    # the half video is removed


def test_an_interrupted_recording_kills_the_encoder_and_leaves_no_file(flagship, gpu,
                                                                       tmp_path):
    job = RenderJob(size=SIZE, frames=50, fps=30.0, samples=0)
    out = tmp_path / "show.mp4"

    def interrupt(index: int) -> None:
        if index == 3:
            raise KeyboardInterrupt

    with FrameSource(flagship, job, gpu) as source, pytest.raises(KeyboardInterrupt):
        with atomic_write(out) as partial, VideoSink(partial, SIZE, job.fps, name=out) as sink:
            source.record(range(job.frames), sink, on_frame=interrupt)
    assert sink._encoder._process.poll() is not None          # ffmpeg is gone
    assert list(tmp_path.iterdir()) == []


def test_the_read_back_ring_returns_frames_in_order_bottom_row_first(gpu):
    target = RenderTarget(gpu, (8, 4), samples=4)
    ring = PixelPackRing(gpu, (8, 4), depth=2)
    try:
        expected = {}
        for tag, colour in (("red", (1.0, 0.0, 0.0)), ("green", (0.0, 1.0, 0.0))):
            with gpu.ctx.scope(target.framebuffer):
                target.framebuffer.clear(*colour, 1.0)
                target.framebuffer.clear(0.0, 0.0, 1.0, 1.0, viewport=(0, 0, 8, 1))  # GL row 0
            expected[tag] = target.read()
            ring.start(target, tag)
        assert ring.full
        with pytest.raises(RuntimeError, match="finish"):
            ring.start(target, "third")
        for tag in ("red", "green"):
            out = np.empty((4, 8, 4), np.uint8)
            assert ring.finish(out) == tag
            assert np.array_equal(out[::-1], expected[tag])
            assert (out[0, :, :3] == (0, 0, 255)).all()        # GL's bottom row comes first
        assert expected["red"][0, 0, :3].tolist() == [255, 0, 0]
        with pytest.raises(ValueError, match="8x4 frames"):
            ring.start(RenderTarget(gpu, (4, 4)), "small")
    finally:
        ring.release()
        target.release()


def test_each_frame_is_collected_after_the_next_one_was_drawn(flagship, gpu):
    """Double buffering: frame i's read-back is collected only after frame i + 1's draw calls
    were issued, so the two overlap on a GPU that runs asynchronously."""
    job = RenderJob(size=SIZE, frames=6, fps=30.0, samples=0)
    order: list[str] = []
    with FrameSource(flagship, job, gpu) as source:
        draw = source.draw

        def logged_draw(index: int) -> RenderTarget:
            order.append(f"draw {index}")
            return draw(index)

        source.draw = logged_draw  # type: ignore[method-assign]
        sink = Collect(job.frame_size)
        source.record(range(job.frames), sink, on_frame=lambda i: order.append(f"hand {i}"))
    assert order[:4] == ["draw 0", "draw 1", "hand 0", "draw 2"]
    assert order[-2:] == ["hand 4", "hand 5"]


def test_a_png_writer_that_dies_is_one_line_naming_the_frame(tmp_path):
    paths = [tmp_path / f"f_{i}.png" for i in range(3)]
    sink = PngSequenceSink(paths, (32, 24), processes=1)
    try:
        worker = sink._workers[0].process
        worker.kill()
        worker.wait()
        buffer = sink.acquire()
        with pytest.raises(OutputError) as error:
            sink.submit(1, buffer)
            sink.close()
    finally:
        sink.abort()
    assert str(error.value) == (f"{paths[1]}: cannot write: the PNG writer process stopped "
                                f"(exit status -9)")
    assert list(tmp_path.iterdir()) == []
