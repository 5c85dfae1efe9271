"""Camera intents on an Orbit: directions, gains, limits, easing back, ownership by one visitor."""

from __future__ import annotations

import itertools
import math

import pytest

from vizkit.camera import Orbit
from vizkit.input.gestures import Gesture, GestureKind, GesturePhase
from vizkit.input.navigation import NavigationSettings, OrbitNavigator

RADIUS = 1000.0  # metres


def g(kind: str, phase: str, t: float = 0.0, group: int = 1, **step) -> Gesture:
    return Gesture(kind=GestureKind(kind), phase=GesturePhase(phase), t=t, group=group,
                   source="touch", contacts=(1,), nx=0.5, ny=0.5, **step)


def gesture(nav: OrbitNavigator, kind: str, steps: list[dict], t0: float = 0.0,
            group: int = 1) -> list:
    """begin, one update per step (1/60 s apart), end; returns the intents."""
    intents = [nav.handle(g(kind, "begin", t0, group))]
    for i, step in enumerate(steps, start=1):
        intents.append(nav.handle(g(kind, "update", t0 + i / 60, group, **step)))
    intents.append(nav.handle(g(kind, "end", t0 + (len(steps) + 1) / 60, group)))
    return intents


def navigator(**orbit) -> OrbitNavigator:
    values = {"target": (0.0, 0.0, 0.0), "azimuth": 0.0, "elevation": 40.0,
              "distance": 2000.0} | orbit
    return OrbitNavigator(Orbit(**values), RADIUS)


def test_a_drag_orbits_like_the_mouse_does():
    nav = navigator()
    # right by a tenth of the short side, down by a twentieth
    (intent,) = [i for i in gesture(nav, "drag", [{"dx": 0.1, "dy": 0.05}]) if i]
    assert intent.kind == "orbit"
    assert nav.orbit.azimuth == pytest.approx(360 - 18.0)  # 0.1 × 180°, rightward: decreasing
    assert nav.orbit.elevation == pytest.approx(40 + 9.0)  # downward: looking more from above
    # the mouse drives the same orbit with the same signs (Orbit.drag, y up in pixels)
    mouse = Orbit(elevation=40.0)
    mouse.drag(10, -10)
    assert (mouse.azimuth - 360.0 < 0) and mouse.elevation > 40.0


def test_elevation_never_goes_under_the_ground_or_past_the_zenith():
    nav = navigator()
    gesture(nav, "drag", [{"dx": 0.0, "dy": -1.0}] * 3)  # up, hard: would be −500°
    assert nav.orbit.elevation == NavigationSettings().min_elevation
    assert nav.orbit.eye()[2] > 0.0
    gesture(nav, "drag", [{"dx": 0.0, "dy": 1.0}] * 3)
    assert nav.orbit.elevation == NavigationSettings().max_elevation


def test_spreading_fingers_zooms_in_by_their_ratio():
    nav = navigator()
    gesture(nav, "pinch", [{"scale": 1.25}, {"scale": 1.6}])
    assert nav.orbit.distance == pytest.approx(2000.0 / 2.0)
    gesture(nav, "pinch", [{"scale": 0.5}])
    assert nav.orbit.distance == pytest.approx(2000.0)


def test_zooming_past_the_limit_rubber_bands_and_eases_back_on_release():
    s = NavigationSettings()
    nav = navigator(distance=300.0)  # min is 0.2 × 1000 = 200 m
    intents = gesture(nav, "pinch", [{"scale": 2.0}] * 5, t0=10.0)
    pulled = nav.orbit.distance
    lo = s.min_distance * RADIUS
    assert lo * (1 - s.max_overshoot) == pytest.approx(pulled)  # held at the overshoot cap
    assert not nav.inside()
    assert sum(1 for i in intents if i) == 5
    released = 10.0 + 6 / 60
    distances = []
    for k in range(0, 31):
        nav.update(released + k * s.ease_seconds / 20)
        distances.append(nav.orbit.distance)
    assert distances[0] == pytest.approx(pulled)
    assert all(b >= a - 1e-9 for a, b in itertools.pairwise(distances))
    assert distances[20] == pytest.approx(lo) and nav.inside()
    assert not nav.update(released + 1.0)  # settled: nothing more to do


def test_zooming_out_is_limited_too():
    s = NavigationSettings()
    nav = navigator(distance=3900.0)
    gesture(nav, "pinch", [{"scale": 0.5}] * 4)
    hi = s.max_distance * RADIUS
    assert hi < nav.orbit.distance <= hi * (1 + s.max_overshoot) + 1e-6
    nav.update(100.0)
    assert nav.orbit.distance == pytest.approx(hi)


def test_the_ground_follows_two_fingers():
    nav = navigator(azimuth=0.0, elevation=90.0 - 1e-9)
    nav.settings = NavigationSettings(max_elevation=90.0)
    view = 2 * 2000.0 * math.tan(math.radians(45.0) / 2)  # metres the short side spans
    gesture(nav, "pan", [{"dx": 0.1, "dy": 0.0}])
    # looking north from above: fingers moving right pull the ground right, the target west
    assert nav.orbit.target[0] == pytest.approx(-0.1 * view)
    assert nav.orbit.target[1] == pytest.approx(0.0, abs=1e-6)
    gesture(nav, "pan", [{"dx": 0.0, "dy": 0.1}])
    # fingers moving down the screen pull the ground south: the target moves north
    assert nav.orbit.target[1] == pytest.approx(0.1 * view, rel=1e-6)


def test_panning_turns_with_the_camera():
    nav = navigator(azimuth=90.0, elevation=89.0)  # looking east: screen right is south
    gesture(nav, "pan", [{"dx": 0.1, "dy": 0.0}])
    x, y, _ = nav.orbit.target
    assert y > 0 and abs(x) < 1e-6 * abs(y)  # the target moved north


def test_the_target_stays_near_the_scene_and_eases_back():
    s = NavigationSettings()
    nav = navigator(elevation=89.0)
    gesture(nav, "pan", [{"dx": -0.5, "dy": 0.0}] * 10, t0=5.0)
    offset = math.hypot(*nav.orbit.target[:2])
    limit = s.target_radius * RADIUS
    assert limit < offset <= limit * (1 + s.max_overshoot) + 1e-6
    nav.update(50.0)
    assert math.hypot(*nav.orbit.target[:2]) == pytest.approx(limit)


def test_twisting_fingers_turns_the_map_with_them():
    nav = navigator()
    gesture(nav, "rotate", [{"rotation": math.radians(10)}, {"rotation": math.radians(20)}])
    assert nav.orbit.azimuth == pytest.approx(30.0)


def test_the_eye_stays_above_a_hill():
    def hill(x: float, y: float) -> float:  # a 900 m hill, 2 km wide, south of the target
        return 900.0 * math.exp(-((x / 2000) ** 2 + ((y + 1500) / 2000) ** 2))

    orbit = Orbit(target=(0.0, 0.0, 0.0), azimuth=0.0, elevation=30.0, distance=2000.0)
    nav = OrbitNavigator(orbit, RADIUS, ground_height=hill)
    gesture(nav, "drag", [{"dx": 0.0, "dy": -0.3}])  # tilt down towards the horizon
    ex, ey, ez = orbit.eye()
    assert ez >= hill(ex, ey) + NavigationSettings().ground_clearance * RADIUS - 1e-6
    assert orbit.elevation > NavigationSettings().min_elevation  # the hill held it up


def test_one_visitor_at_a_time_moves_the_camera():
    nav = navigator()
    assert nav.handle(g("pinch", "begin", 0.0, group=1)) is None
    assert nav.owner == 1
    assert nav.handle(g("pinch", "begin", 0.0, group=2)) is None
    assert nav.handle(g("pinch", "update", 0.1, group=2, scale=2.0)) is None  # not the owner
    assert nav.orbit.distance == 2000.0
    assert nav.handle(g("pinch", "update", 0.1, group=1, scale=1.25)).kind == "zoom"
    assert nav.handle(g("pinch", "end", 0.2, group=1)) is None
    assert nav.owner is None
    # an update of a gesture that began while another owned the camera does not take it over
    assert nav.handle(g("pinch", "update", 0.3, group=2, scale=2.0)) is None
    assert nav.orbit.distance == pytest.approx(1600.0)


def test_taps_do_not_move_the_camera():
    nav = navigator()
    assert nav.handle(g("tap", "fire")) is None and nav.owner is None


def test_a_new_gesture_interrupts_easing_back():
    nav = navigator(distance=250.0)
    gesture(nav, "pinch", [{"scale": 2.0}] * 3, t0=0.0)
    pulled = nav.orbit.distance
    nav.update(0.1 + 0.05)
    halfway = nav.orbit.distance
    assert pulled < halfway < 200.0
    nav.handle(g("drag", "begin", 0.2))
    nav.update(5.0)
    assert nav.orbit.distance == halfway  # the visitor's hand wins over the easing


@pytest.mark.parametrize(("field", "value"), [("min_distance", 0.0), ("rubber", 2.0),
                                              ("ease_seconds", math.nan)])
def test_settings_refuse_values_that_cannot_work(field, value):
    with pytest.raises(ValueError, match=field):
        NavigationSettings(**{field: value})


def test_limits_must_be_ordered():
    with pytest.raises(ValueError, match="min_distance"):
        NavigationSettings(min_distance=5.0, max_distance=4.0)
