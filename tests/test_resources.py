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
