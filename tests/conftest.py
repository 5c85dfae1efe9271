"""Shared fixtures: one EGL context per session, checked for GL errors around every test."""

from __future__ import annotations

from pathlib import Path

import moderngl
import numpy as np
import pytest

from vizkit.gpu import GpuContext
from vizkit.targets.offscreen import OffscreenRenderer
from vizkit.testing import assert_matches_reference

ROOT = Path(__file__).resolve().parent.parent
REFERENCE_DIR = ROOT / "tests" / "reference"
DIFF_DIR = ROOT / "tests" / "_diffs"
SHARED = ROOT.parent / "shared"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-references", action="store_true", default=False,
                     help="rewrite tests/reference/*.png from the current renders")


@pytest.fixture(scope="session")
def gpu_session():
    gpu = GpuContext.offscreen()
    yield gpu
    gpu.release()


@pytest.fixture
def gpu(gpu_session: GpuContext):
    """The session context, with GL state reset and GL errors checked before and after."""
    ctx = gpu_session.ctx
    assert ctx.error == "GL_NO_ERROR"
    yield gpu_session
    assert ctx.error == "GL_NO_ERROR"
    ctx.enable_only(moderngl.NOTHING)
    ctx.blend_func = moderngl.DEFAULT_BLENDING
    ctx.wireframe = False


@pytest.fixture
def offscreen(gpu: GpuContext):
    """A small, single-sampled offscreen renderer sharing the session context."""
    renderer = OffscreenRenderer((320, 180), samples=0, gpu=gpu)
    yield renderer
    renderer.release()


@pytest.fixture
def reference(request: pytest.FixtureRequest):
    """``reference(image, name, tolerance=2, max_fraction=0.005)`` against tests/reference."""
    update = request.config.getoption("--update-references")

    def check(image, name: str, **tolerances) -> None:
        assert_matches_reference(image, name, reference_dir=REFERENCE_DIR, diff_dir=DIFF_DIR,
                                 update=update, **tolerances)

    return check


@pytest.fixture(autouse=True)
def _numpy_strict():
    with np.errstate(all="raise"):
        yield
