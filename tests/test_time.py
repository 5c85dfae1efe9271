"""Clock, easing and timeline: explicit, reproducible time."""

from __future__ import annotations

import pytest

from vizkit.clock import Clock
from vizkit.easing import get_easing, smooth
from vizkit.timeline import Timeline, tween


def test_frame_i_is_at_start_plus_i_over_fps():
    clock = Clock(fps=25, start=2.0)
    assert [clock.frame(i).t for i in (0, 1, 50)] == [2.0, 2.04, 4.0]
    assert clock.frame(3).dt == pytest.approx(0.04)


def test_tick_advances_in_whole_fixed_steps():
    clock = Clock(fps=10)
    assert clock.tick(0.05).index == 0       # half a step: not yet
    assert clock.tick(0.06).index == 1       # 0.11 s accumulated
    assert clock.tick(0.25).t == pytest.approx(0.3)
    clock.paused = True
    assert clock.tick(5.0).index == 3


def test_clock_rejects_non_positive_fps():
    with pytest.raises(ValueError, match="fps must be positive"):
        Clock(fps=0)


def test_easings_fix_their_ends_and_smooth_is_symmetric():
    for name in ("linear", "smooth", "smoother", "sine"):
        ease = get_easing(name)
        assert ease(0.0) == pytest.approx(0.0) and ease(1.0) == pytest.approx(1.0)
    assert smooth(0.25) + smooth(0.75) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="unknown easing 'bouncy'"):
        get_easing("bouncy")


def test_timeline_interpolates_holds_and_loops():
    tour = Timeline(easing="linear").key(0, azimuth=0.0, target=(0, 0, 0)).key(10, azimuth=90.0)
    tour.key(20, target=(10, 20, 0))
    assert tour(5)["azimuth"] == pytest.approx(45.0)
    assert tour(-1)["azimuth"] == 0.0 and tour(15)["azimuth"] == 90.0
    assert tour(10)["target"] == pytest.approx((5.0, 10.0, 0.0))
    looping = Timeline(easing="linear", loop=True).key(0, x=0.0).key(4, x=8.0)
    assert looping(5)["x"] == pytest.approx(2.0)


def test_timeline_apply_sets_attributes_and_rejects_duplicate_keys():
    class Target:
        azimuth = 0.0

    tour = Timeline().key(0, azimuth=10.0).key(2, azimuth=30.0)
    target = Target()
    tour.apply(target, 1.0)
    assert target.azimuth == pytest.approx(20.0)
    with pytest.raises(ValueError, match="already exists"):
        tour.key(2, azimuth=1.0)


def test_tween_clamps_and_eases():
    assert tween(0, 10, -1, 0, 2) == 0 and tween(0, 10, 3, 0, 2) == 10
    assert tween(0, 10, 1, 0, 2, "linear") == pytest.approx(5)


def test_keyframes_of_different_shapes_are_named_when_added():
    tour = Timeline().key(0, target=(0.0, 0.0, 0.0), azimuth=10.0)
    with pytest.raises(ValueError) as err:
        tour.key(5, target=(1.0, 2.0))
    assert str(err.value) == ("Timeline.key(t=5): 'target' is 2 values (1.0, 2.0) but the key "
                              "at t=0 has 3 values (0.0, 0.0, 0.0); every key must give "
                              "'target' the same shape")
    with pytest.raises(ValueError, match=r"'azimuth' is 2 values .* has a number \(10.0\)"):
        tour.key(6, azimuth=(1.0, 2.0))
    assert tour.duration == 0  # the bad keys were not added
    with pytest.raises(ValueError, match="time must be a number of seconds, got 'soon'"):
        tour.key("soon", azimuth=1.0)


def test_a_misspelt_attribute_is_named_with_the_closest_one():
    from vizkit.camera import Orbit

    orbit = Orbit()
    tour = Timeline().key(0, azimut=10.0).key(4, azimut=30.0)
    with pytest.raises(AttributeError) as err:
        tour.apply(orbit, 1.0)
    assert str(err.value) == ("Timeline (key at t=0): Orbit has no attribute 'azimut'; "
                              "did you mean 'azimuth'?")
    assert not hasattr(orbit, "azimut")  # nothing was set
    good = Timeline(easing="linear").key(0, azimuth=10.0).key(4, azimuth=30.0)
    good.apply(orbit, 2.0)
    assert orbit.azimuth == pytest.approx(20.0)
    good.key(8, elevaton=20.0)  # a key added later is checked again
    with pytest.raises(AttributeError, match="'elevaton'; did you mean 'elevation'"):
        good.apply(orbit, 2.0)
