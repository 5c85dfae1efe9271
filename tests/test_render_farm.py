"""Render farm: frame ranges on local processes (--workers) and on a Dask LocalCluster of two
worker processes give the same pixels as one process (same backend: llvmpipe)."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import distributed
import numpy as np
import pytest

from vizkit.export import RenderJob, render_on_dask, render_to_files
from vizkit.fisheye import DomeSpec
from vizkit.image import Image
from vizkit.script import ScriptError

ROOT = Path(__file__).resolve().parent.parent

SCENE = '''
import numpy as np
import vizkit
from vizkit.privacy import Policy


class Turning(vizkit.Scene):
    def setup(self, assets):
        y, x = np.mgrid[0:24, 0:36]
        self.add(vizkit.Terrain(np.exp(-((x - 24) ** 2 + (y - 10) ** 2) / 30.0),
                                extent=(0, 0, 360, 240), colormap="viridis",
                                policy=Policy.off("synthetic test surface, not about people")))
        self.frame_all(elevation=30)

    def update(self, frame):
        self.orbit.azimuth = 30.0 * frame.t
        if frame.t > FAIL_AFTER:
            raise ValueError(f"bad data at t={frame.t:g}")


FAIL_AFTER = {fail_after}
'''


def write_scene(folder: Path, fail_after: float = 1e9) -> Path:
    path = folder / "turning.py"
    path.write_text(textwrap.dedent(SCENE).replace("{fail_after}", repr(fail_after)),
                    encoding="utf-8")
    return path


# A scene whose picture depends on everything an exhibit carries: its data file is found only in
# the exhibit's assets/ (the script lives elsewhere), its terrain uses the scene's policy (the
# exhibit's min_count), and the frame size comes from the exhibit.
COUNTS_SCENE = '''
import numpy as np
import vizkit


class Counts(vizkit.Scene):
    def setup(self, assets):
        counts = np.loadtxt(assets.path("counts.csv"), delimiter=",")
        self.add(vizkit.Terrain(counts, extent=(0, 0, 360, 240), colormap="viridis",
                                policy=self.policy, hidden_color=(1.0, 0.0, 1.0, 1.0)))
        self.frame_all(elevation=50)

    def update(self, frame):
        self.orbit.azimuth = 20.0 * frame.t
'''


def write_exhibit(root: Path, name: str, toml: str) -> Path:
    """``root/scenes/counts.py`` (shared) and ``root/name/`` with exhibit.toml and
    ``assets/counts.csv``: whole counts 0..99 over a 24×36 grid."""
    (root / "scenes").mkdir(exist_ok=True)
    (root / "scenes" / "counts.py").write_text(textwrap.dedent(COUNTS_SCENE), encoding="utf-8")
    folder = root / name
    (folder / "assets").mkdir(parents=True)
    counts = (np.arange(24 * 36).reshape(24, 36) * 37) % 100
    np.savetxt(folder / "assets" / "counts.csv", counts, fmt="%d", delimiter=",")
    (folder / "exhibit.toml").write_text('scene = "../scenes/counts.py"\n' + toml,
                                         encoding="utf-8")
    return folder


def frames_of(folder: Path) -> dict[str, np.ndarray]:
    return {p.name: Image.load(p).pixels for p in sorted(folder.glob("*.png"))}


JOB = RenderJob(size=(96, 64), frames=8, fps=12.0, start=0.25, samples=4)


@pytest.fixture(scope="module")
def single(tmp_path_factory, gpu_session) -> tuple[Path, dict[str, np.ndarray]]:
    """The reference: every frame rendered by one process (this one, in the session context)."""
    folder = tmp_path_factory.mktemp("farm")
    script = write_scene(folder)
    render_to_files(script, folder / "one" / "f_%03d.png", JOB, progress=False,
                    gpu=gpu_session)
    return script, frames_of(folder / "one")


def test_two_local_workers_render_the_same_frames_as_one(single, tmp_path):
    script, reference = single
    report = render_to_files(script, tmp_path / "two" / "f_%03d.png", JOB, progress=False,
                             workers=2)
    assert report.rendered == JOB.frames
    got = frames_of(tmp_path / "two")
    assert list(got) == list(reference)
    for name, pixels in reference.items():
        assert np.array_equal(got[name], pixels), f"{name} differs between 1 and 2 workers"


@pytest.fixture(scope="module")
def strict_exhibit(tmp_path_factory, gpu_session):
    """An exhibit with a non-default threshold and size, rendered by one process; the same
    exhibit at the default threshold, to show the setting changes the picture."""
    from vizkit.cli import build_parser, frame_settings
    from vizkit.script import load_target

    root = tmp_path_factory.mktemp("exhibits")
    folder = write_exhibit(root, "strict", "size = [80, 48]\n[privacy]\nmin_count = 60\n")
    default = write_exhibit(root, "default", "size = [80, 48]\n")
    target = load_target(folder)
    args = build_parser().parse_args(["render", str(folder), "--out", "x.png"])
    size, dome = frame_settings(args, target.exhibit, "render")
    assert (size, dome) == ((80, 48), None)                 # the exhibit's size, no flag
    job = RenderJob(size=size, frames=6, fps=12.0, start=0.25, samples=4)
    render_to_files(target, root / "one" / "f_%02d.png", job, progress=False, gpu=gpu_session)
    render_to_files(load_target(default), root / "k5" / "f_%02d.png", job, progress=False,
                    gpu=gpu_session)
    return folder, job, frames_of(root / "one"), frames_of(root / "k5")


def test_workers_carry_the_exhibit_assets_policy_and_size(strict_exhibit, tmp_path):
    from vizkit.script import load_target

    folder, job, reference, at_default_k = strict_exhibit
    # the threshold is visible: at min_count 60 more squares are marked magenta than at 5
    # (the protected pattern: magenta lines over a darker magenta fill, lit: red = blue)
    def marked(p: np.ndarray) -> int:
        r, g, b = (p[..., i].astype(int) for i in range(3))
        return int(((r > 45) & (b > 45) & (g < 20) & (np.abs(r - b) <= 10)).sum())

    magenta = {name: marked(p) for name, p in reference.items()}
    assert all(magenta[n] > marked(at_default_k[n]) + 50 for n in magenta)
    assert all(p.shape == (48, 80, 4) for p in reference.values())
    report = render_to_files(load_target(folder), tmp_path / "two" / "f_%02d.png", job,
                             progress=False, workers=2)
    assert report.rendered == job.frames
    got = frames_of(tmp_path / "two")
    assert list(got) == list(reference)
    for name, pixels in reference.items():
        assert np.array_equal(got[name], pixels), f"{name}: workers lost exhibit settings"


def test_a_worker_failure_names_the_script_line(tmp_path):
    script = write_scene(tmp_path, fail_after=0.5)
    with pytest.raises(ScriptError, match=r"turning\.py:\d+: ValueError: bad data at t="):
        render_to_files(script, tmp_path / "out" / "f_%03d.png", JOB, progress=False,
                        workers=2)
    assert not list((tmp_path / "out").glob(".*partial*"))  # no half-written frames


def test_frame_ranges_on_a_dask_local_cluster(single, strict_exhibit, tmp_path, monkeypatch,
                                              gpu):
    from vizkit.script import load_target

    script, reference = single
    folder, exhibit_job, exhibit_reference, _ = strict_exhibit
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(
        [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]))
    dome_job = RenderJob(frames=4, fps=12.0, start=0.25, samples=0, dome=DomeSpec(96, 200, 15))
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        seen: list[list[int]] = []
        report = render_on_dask(client, script, tmp_path / "dask" / "f_%03d.png", JOB,
                                progress=False, chunk_frames=3, on_range=seen.append)
        assert report.rendered == JOB.frames
        assert sorted(i for r in seen for i in r) == list(range(JOB.frames))
        # without a shared filesystem the workers send PNG bytes back
        domes = render_on_dask(client, script, tmp_path / "dome" / "d_%03d.png", dome_job,
                               progress=False, shared_filesystem=False)
        assert domes.rendered == 4
        # an exhibit: its threshold, size and assets reach the Dask workers too
        render_on_dask(client, load_target(folder), tmp_path / "exhibit" / "f_%02d.png",
                       exhibit_job, progress=False, chunk_frames=2)
    for name, pixels in exhibit_reference.items():
        assert np.array_equal(frames_of(tmp_path / "exhibit")[name], pixels), name
    got = frames_of(tmp_path / "dask")
    for name, pixels in reference.items():
        assert np.array_equal(got[name], pixels), f"{name} differs between Dask and 1 process"
    render_to_files(script, tmp_path / "local" / "d_%03d.png", dome_job, progress=False,
                    gpu=gpu)
    assert list(frames_of(tmp_path / "dome")) == list(frames_of(tmp_path / "local"))
    for (name, pixels), local in zip(frames_of(tmp_path / "dome").items(),
                                     frames_of(tmp_path / "local").values(), strict=True):
        assert np.array_equal(pixels, local), f"dome {name} differs between Dask and 1 process"


def test_mp4_with_workers_encodes_every_frame_in_order(single, tmp_path):
    import imageio.v2 as imageio

    script, reference = single
    out = tmp_path / "show.mp4"
    report = render_to_files(script, out, JOB, progress=False, workers=2)
    assert report.video == out and report.rendered == JOB.frames
    assert not (tmp_path / "show.mp4.frames").exists()      # the PNG folder is cleaned up
    reader = imageio.get_reader(out, format="FFMPEG")
    try:
        frames = [np.asarray(f).astype(int) for f in reader]
    finally:
        reader.close()
    assert len(frames) == JOB.frames
    for frame, (name, pixels) in zip(frames, reference.items(), strict=True):
        assert np.abs(frame - pixels[..., :3]).mean() < 4, f"{name} out of order or wrong"
