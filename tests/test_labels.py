"""World labels: decluttered (no two shown labels overlap, the important one wins), fading with
distance, drawn where their anchors project — on flat views and on the dome, where faces agree
and text keeps its visual angle at every domemaster size."""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely

import vizkit
from vizkit.clock import FrameState
from vizkit.fisheye import fisheye_position, viewer_basis
from vizkit.targets.dome import DomeRenderer
from vizkit.targets.offscreen import OffscreenRenderer
from vizkit.text.declutter import angular_pairs, declutter_screen, greedy_keep

FRAME = FrameState(0.0, 1 / 30, 0)
SIZE = (960, 540)


def brute_greedy(boxes, priority):
    """The rule, literally: visit by priority (ties: lower index), keep what overlaps nothing
    kept."""
    kept = []
    keep = np.zeros(len(boxes), bool)
    for i in sorted(range(len(boxes)), key=lambda i: (-priority[i], i)):
        a = boxes[i]
        if all(not (a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]) for b in kept):
            kept.append(a)
            keep[i] = True
    return keep


@pytest.mark.parametrize("seed", range(4))
def test_declutter_is_exactly_the_greedy_rule(seed):
    rng = np.random.default_rng(seed)
    n = 600
    xy = rng.uniform(0, [1280, 720], (n, 2))
    wh = rng.uniform([30, 12], [160, 24], (n, 2))
    boxes = np.column_stack([xy, xy + wh])
    priority = rng.integers(0, 50, n).astype(float)  # ties too
    assert np.array_equal(declutter_screen(boxes, priority), brute_greedy(boxes, priority))


def test_a_crowd_takes_the_chunked_path_and_still_gives_the_greedy_answer():
    from vizkit.text import declutter

    rng = np.random.default_rng(9)
    n = 1500
    xy = rng.uniform(0, [200, 150], (n, 2))
    boxes = np.column_stack([xy, xy + rng.uniform([30, 10], [90, 20], (n, 2))])
    priority = rng.uniform(size=n)
    assert declutter._crowd_expected(boxes)           # the path under test
    assert np.array_equal(declutter_screen(boxes, priority), brute_greedy(boxes, priority))
    # the same in angles: a crowd of labels in a small patch of sky
    d = np.column_stack([rng.normal(0, 0.15, n), np.ones(n), rng.normal(0.3, 0.1, n)])
    d /= np.linalg.norm(d, axis=1, keepdims=True)
    r = np.cross(d, [0, 0, 1])
    r /= np.linalg.norm(r, axis=1, keepdims=True)
    u = np.cross(r, d)
    half = np.column_stack([rng.uniform(0.02, 0.05, n), np.full(n, 0.008)])
    assert declutter._angular_candidates(d, half, budget=declutter.BUDGET * n) is None
    expected = greedy_keep(n, angular_pairs(d, r, u, half), priority)
    assert np.array_equal(declutter.declutter_angular(d, r, u, half, priority), expected)


def test_a_long_chain_of_priorities_still_gives_the_greedy_answer():
    n = 200  # each box overlaps the next; priorities fall along the chain
    boxes = np.array([[i * 10.0, 0, i * 10.0 + 15, 10] for i in range(n)])
    priority = -np.arange(n, dtype=float)
    assert np.array_equal(declutter_screen(boxes, priority), brute_greedy(boxes, priority))
    assert declutter_screen(boxes, priority).sum() == n // 2


class Places(vizkit.Scene):
    """A ground plane with many named places, seen from above at an angle."""

    background = (0.1, 0.12, 0.15)

    def __init__(self, count=400, fade_m=None, seed=3):
        super().__init__()
        self.count, self.fade_m, self.seed = count, fade_m, seed

    def setup(self, assets):
        rng = np.random.default_rng(self.seed)
        self.positions = rng.uniform([0, 0], [10_000, 6_000], (self.count, 2))
        self.priority = rng.uniform(0, 1, self.count)
        self.terrain = self.add(vizkit.Terrain(np.zeros((6, 10)), extent=(0, 0, 10_000, 6_000),
                                               colormap=["#203040", "#203040"]))
        self.labels = self.add(vizkit.Labels(
            [f"Ort {i} åäö" for i in range(self.count)], self.positions,
            priority=self.priority, fade_m=self.fade_m))
        self.frame_all(azimuth=0, elevation=55, margin=0.8)


def render(gpu, scene, size=SIZE):
    renderer = OffscreenRenderer(size, samples=0, gpu=gpu)
    try:
        return renderer.render(scene, FRAME)
    finally:
        renderer.release()


def test_shown_labels_never_overlap_and_the_important_ones_win(gpu):
    scene = Places()
    render(gpu, scene)
    labels = scene.labels
    shown = labels.shown > 0
    assert 20 < shown.sum() < scene.count
    boxes = labels.boxes[shown]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            assert a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1], (a, b)
    # every hidden label that is on screen overlaps a shown one at least as important
    on_screen = ((labels.boxes[:, 0] >= 0) & (labels.boxes[:, 2] <= SIZE[0])
                 & (labels.boxes[:, 1] >= 0) & (labels.boxes[:, 3] <= SIZE[1]))
    for i in np.flatnonzero(~shown & on_screen):
        a = labels.boxes[i]
        blockers = [j for j in np.flatnonzero(shown) if (
            a[0] < labels.boxes[j, 2] and labels.boxes[j, 0] < a[2]
            and a[1] < labels.boxes[j, 3] and labels.boxes[j, 1] < a[3])]
        assert blockers and max(scene.priority[blockers]) >= scene.priority[i]
    scene.release()


def test_labels_are_drawn_where_their_anchors_project(gpu):
    scene = Places(count=40)
    image = render(gpu, scene)
    bright = image.rgb.min(axis=2) > 200           # white letters (the ground is dark blue)
    labels = scene.labels
    for i in range(scene.count):
        x0, y0, x1, y1 = (round(float(v)) for v in labels.boxes[i])
        if not (0 <= x0 and x1 <= SIZE[0] and 0 <= y0 and y1 <= SIZE[1]):
            continue
        inside = bright[y0:y1, x0:x1].sum()
        if labels.shown[i] > 0:
            assert inside > 20, f"label {i} not drawn at its box"
    # and nothing white where no shown label is
    mask = np.zeros(bright.shape, bool)
    for i in np.flatnonzero(labels.shown > 0):
        x0, y0, x1, y1 = (round(float(v)) for v in labels.boxes[i])
        mask[max(y0 - 2, 0):y1 + 2, max(x0 - 2, 0):x1 + 2] = True
    assert not (bright & ~mask).any()
    scene.release()


def test_labels_fade_with_distance_and_vanish_behind_the_camera(gpu):
    scene = Places(count=30, fade_m=(1.0, 2.0))   # everything is farther than 2 m: gone
    render(gpu, scene)
    assert not (scene.labels.shown > 0).any()
    near = Places(count=30)
    near.ensure_setup()
    near.orbit.apply(near.camera)
    distance = np.linalg.norm(np.column_stack([near.positions, np.zeros(30)])
                              - np.asarray(near.camera.position), axis=1)
    near.labels.fade_m = (float(distance.min()), float(distance.max()))
    render(gpu, near)
    shown = near.labels.shown
    nearest, farthest = int(np.argmin(distance)), int(np.argmax(distance))
    assert shown[farthest] == 0
    assert shown.max() <= 1.0
    faded = shown[(shown > 0) & (shown < 1)]
    assert faded.size > 0  # some sit in the fading band
    order = np.argsort(distance)                    # nearer labels are never fainter
    visible = order[shown[order] > 0]
    alpha = shown[visible]
    assert np.all(np.diff(alpha) <= 1e-6) and shown[nearest] in (0.0, 1.0)
    scene.release()
    near.release()


def test_bad_label_input_is_named():
    with pytest.raises(ValueError, match=r"Labels: positions must be \(N, 2\) or \(N, 3\)"):
        vizkit.Labels(["a", "b"], [[0, 0]])
    with pytest.raises(ValueError, match=r"position of label 1 \('b'\) is not finite"):
        vizkit.Labels(["a", "b"], [[0, 0], [np.nan, 1]])
    with pytest.raises(ValueError, match="priority must have one value per label"):
        vizkit.Labels(["a"], [[0, 0]], priority=[1, 2])


# -- on the dome -----------------------------------------------------------------------------------

class Sky(vizkit.Scene):
    """Labels all around a viewer standing on the ground, looking north at the horizon."""

    background = (0.0, 0.0, 0.0)

    def setup(self, assets):
        rng = np.random.default_rng(5)
        count = 300
        azimuth = rng.uniform(0, 2 * np.pi, count)
        elevation = rng.uniform(0.05, 1.3, count)
        radius = rng.uniform(2_000, 3_000, count)
        self.positions = np.column_stack([radius * np.cos(elevation) * np.sin(azimuth),
                                          radius * np.cos(elevation) * np.cos(azimuth),
                                          radius * np.sin(elevation)])
        self.labels = self.add(vizkit.Labels([f"Plats {i}" for i in range(count)],
                                             self.positions, priority=-radius,
                                             fade_m=(10_000, 20_000)))
        self.orbit = None
        self.camera.position, self.camera.target = (0.0, 0.0, 0.0), (0.0, 1.0, 0.0)
        self.camera.near, self.camera.far = 1.0, 50_000.0


def label_quads_in_domemaster(scene, dome):
    """Each shown label's four corners as the shader places them (a billboard sized by its
    visual angle), projected into the domemaster: one polygon per label."""
    labels = scene.labels
    right, ahead, up = viewer_basis(scene.camera, level=dome.level)
    eye = np.asarray(scene.camera.position, float)
    rad = math.radians(dome.spec.aperture / dome.spec.size)
    polygons = {}
    for i in np.flatnonzero(labels.shown > 0):
        sight = labels.positions[i] - eye
        distance = np.linalg.norm(sight)
        forward = sight / distance
        r = np.cross(forward, [0.0, 0.0, 1.0])
        r /= np.linalg.norm(r)
        u = np.cross(r, forward)
        w, h = labels._sizes[i]
        corners = []
        for cx, cy in ((-w / 2, -h / 2), (w / 2, -h / 2), (w / 2, h / 2), (-w / 2, h / 2)):
            world = sight + (r * cx + u * cy) * distance * rad
            theatre = np.array([world @ right, world @ ahead, world @ up])
            corners.append(fisheye_position(theatre, dome.spec.size, dome.spec.aperture,
                                            dome.spec.tilt))
        polygons[i] = shapely.Polygon(corners)
    return polygons


def test_dome_labels_are_decluttered_once_for_all_faces_and_never_overlap(gpu):
    scene = Sky()
    dome = DomeRenderer(1024, samples=0, gpu=gpu)
    image = dome.render(scene, FRAME)
    labels = scene.labels
    shown = labels.shown > 0
    assert 20 < shown.sum() < len(shown)
    # every face saw the same answer: it was computed once for the frame
    views = [view for _, _, view in dome.face_views(scene.camera, FRAME)]
    assert all(np.array_equal(labels.visibility(view), labels.shown) for view in views)
    polygons = label_quads_in_domemaster(scene, dome)
    items = list(polygons.items())
    for k, (i, a) in enumerate(items):
        for j, b in items[k + 1:]:
            assert a.intersection(b).area < 0.02 * min(a.area, b.area), (i, j)
    # and the letters are in the picture where the fisheye puts them
    bright = image.rgb.min(axis=2) > 200
    hits = sum(bright[int(p.bounds[1]):int(p.bounds[3]) + 1,
                      int(p.bounds[0]):int(p.bounds[2]) + 1].any() for p in polygons.values())
    assert hits >= 0.9 * len(polygons)
    dome.release()
    scene.release()


def test_angular_pairs_match_a_direct_angle_test():
    rng = np.random.default_rng(2)
    n = 200
    d = rng.normal(size=(n, 3))
    d[:, 2] = np.abs(d[:, 2])
    d /= np.linalg.norm(d, axis=1, keepdims=True)
    r = np.cross(d, [0, 0, 1])
    r /= np.linalg.norm(r, axis=1, keepdims=True)
    u = np.cross(r, d)
    half = np.full((n, 2), [0.06, 0.02])
    i, j = angular_pairs(d, r, u, half)
    found = set(zip(i.tolist(), j.tolist(), strict=True)) | set(zip(j.tolist(), i.tolist(),
                                                                    strict=True))
    for a in range(n):
        for b in range(a + 1, n):
            cos = d[a] @ d[b]
            x, y = (d[b] @ r[a]) / cos, (d[b] @ u[a]) / cos
            clearly = cos > 0 and abs(x) < 0.1 and abs(y) < 0.03       # well inside
            if clearly:
                assert (a, b) in found
            if cos > 0 and (abs(x) > 0.14 or abs(y) > 0.05):          # well apart
                assert (a, b) not in found
    keep = greedy_keep(n, (i, j), -np.arange(n))
    assert keep[0]


def dome_caption_height_deg(gpu, size: int) -> float:
    """Visual angle (degrees) of a capital's height in a domemaster of ``size``."""

    class Title(vizkit.Scene):
        background = (0.0, 0.0, 0.0)

        def setup(self, assets):
            self.add(vizkit.Caption("HHHH", anchor="center", size_px=48,
                                    color=(255, 255, 255, 255),
                                    background=(0, 0, 0, 255)))
            self.orbit = None
            self.camera.position, self.camera.target = (0.0, 0.0, 0.0), (0.0, 1.0, 0.0)

    scene = Title()
    dome = DomeRenderer(size, samples=0, gpu=gpu)
    image = dome.render(scene, FRAME)
    dome.release()
    scene.release()
    bright = image.rgb.max(axis=2) > 128
    rows, _ = np.nonzero(bright)
    assert rows.size, "no caption in the domemaster"
    # the panel faces the audience at the front sweet spot: the letters' height runs along
    # the fisheye's radius, where pixels are aperture / size degrees each
    return (rows.max() - rows.min() + 1) * 180.0 / size


def test_dome_text_has_the_same_visual_angle_at_1024_and_4096(gpu):
    small, large = dome_caption_height_deg(gpu, 1024), dome_caption_height_deg(gpu, 4096)
    assert small == pytest.approx(large, rel=0.10)
    # a capital is ~0.73 em: 48 px on a 720-px screen is 2 °, at the dome's body/screen ratio
    # 2 × 1.4 / 0.7 = 4 ° at the panel's corners (more at its centre, where it hangs)
    assert large >= 0.73 * 4.0 * 0.95
