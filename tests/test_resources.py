"""GPU resources are owned and released deterministically: no growth over 1,000 scene loads."""

from __future__ import annotations

import os

import numpy as np
import psutil

import vizkit
from vizkit.clock import FrameState
from vizkit.privacy import Policy
from vizkit.targets.offscreen import OffscreenRenderer


class Small(vizkit.Scene):
    def setup(self, assets):
        values = np.random.default_rng(1).random((3, 32, 48)).astype(np.float32)
        self.add(vizkit.Terrain(values, extent=(0, 0, 480, 320),
                                policy=Policy.off("synthetic test surface, not about people")))
        self.frame_all()


def test_loading_and_dropping_a_scene_1000_times_leaks_nothing(gpu):
    renderer = OffscreenRenderer((64, 36), samples=0, gpu=gpu)
    frame = FrameState(0.0, 1 / 30, 0)
    process = psutil.Process(os.getpid())

    def cycle(times: int) -> None:
        for _ in range(times):
            scene = Small()
            renderer.draw(scene, frame)
            scene.release()

    cycle(300)  # warm caches: programs, llvmpipe code and memory pools grow at first
    baseline_objects = gpu.live_objects()
    rss_before = process.memory_info().rss
    cycle(1000)
    gpu.ctx.finish()
    rss_growth = process.memory_info().rss - rss_before
    live_after = gpu.live_objects()
    renderer.release()

    assert live_after == baseline_objects        # every layer object was released
    # 1,000 leaked scenes would hold ~55 MiB of textures and index buffers in the driver.
    assert rss_growth < 24 * 2**20, f"resident memory grew by {rss_growth / 2**20:.1f} MiB"


def test_layer_release_is_idempotent_and_re_prepares(gpu):
    before = gpu.live_objects()
    scene = Small()
    renderer = OffscreenRenderer((64, 36), samples=0, gpu=gpu)
    renderer.draw(scene, FrameState(0.0, 1 / 30, 0))
    layer = scene.layers[0]
    assert layer.prepared and gpu.live_objects() > before
    scene.release()
    scene.release()
    assert not layer.prepared
    renderer.draw(scene, FrameState(0.0, 1 / 30, 0))  # draws again after a release
    assert layer.prepared
    scene.release()
    renderer.release()
    assert gpu.live_objects() == before


def test_a_second_context_released_in_the_process_does_not_break_the_first(gpu):
    """EGL leaves a released context current; every draw makes its own context current."""
    renderer = OffscreenRenderer((64, 36), samples=0, gpu=gpu)
    scene = Small()
    frame = FrameState(0.0, 1 / 30, 0)
    before = renderer.render(scene, frame).pixels
    other = Small()
    other.snapshot(0.0, (64, 36), samples=0)   # creates and releases its own EGL context
    other.release()
    after = renderer.render(scene, frame).pixels
    scene.release()
    renderer.release()
    assert gpu.ctx.error == "GL_NO_ERROR"
    assert np.array_equal(before, after)


def test_upload_counter_counts_writes_as_well_as_creation(gpu):
    """``upload_bytes`` sees ``.write()`` on owned buffers and textures, not only creation —
    so a layer that re-uploads every frame cannot pass a "nothing uploaded per frame" test."""
    group = gpu.group("writes")
    before = gpu.upload_bytes
    buffer = gpu.buffer(group, np.zeros(64, np.float32))              # 256 bytes at creation
    assert gpu.upload_bytes - before == 256
    buffer.write(np.ones(16, np.float32).tobytes(), offset=64)       # 64 bytes
    buffer.write(np.ones(8, np.float32))                              # 32 bytes, an array
    assert gpu.upload_bytes - before == 256 + 64 + 32
    texture = gpu.texture(group, (8, 4), 4)                           # created empty: 0
    texture.write(np.full((4, 8, 4), 255, np.uint8))                  # 128 bytes
    assert gpu.upload_bytes - before == 256 + 64 + 32 + 128
    # created directly on the moderngl context but owned by a group: counted too
    cube = group.own(gpu.ctx.texture_cube((2, 2), 4))
    cube.write(3, bytes(16))
    pixel_pack = group.own(gpu.ctx.buffer(reserve=16))
    cube.write(0, pixel_pack)                                         # GPU to GPU: 0 bytes
    assert gpu.upload_bytes - before == 256 + 64 + 32 + 128 + 16
    assert np.frombuffer(buffer.read(), np.float32)[16:32].tolist() == [1.0] * 16  # written
    group.release()


class Reuploading(vizkit.Layer):
    """A layer that (wrongly) writes its vertices again every frame."""

    def upload(self, gpu, group):
        self.vertices = gpu.buffer(group, np.zeros(300, np.float32))

    def draw(self, view):
        self.vertices.write(np.full(300, view.frame.t, np.float32))


def test_a_layer_writing_every_frame_shows_in_the_count(gpu):
    class Scene(vizkit.Scene):
        def setup(self, assets):
            self.add(Reuploading())

    renderer = OffscreenRenderer((64, 36), samples=0, gpu=gpu)
    scene = Scene()
    renderer.draw(scene, FrameState(0.0, 1 / 30, 0))
    before = gpu.upload_bytes
    for i in range(1, 4):
        renderer.draw(scene, FrameState(i / 30, 1 / 30, i))
    assert gpu.upload_bytes - before == 3 * 1200
    scene.release()
    renderer.release()
