"""Gesture recognition from explicit-time contact events: one visitor and several at once.

Positions are normalised on a square surface (aspect 1) unless a test says otherwise, so
short-side units equal normalised units and expected values can be worked out by hand.
"""

from __future__ import annotations

import math

import pytest

from vizkit.input.gestures import (
    GestureKind,
    GesturePhase,
    GestureRecogniser,
    GestureSettings,
)
from vizkit.input.model import InputEvent, Kind, Phase

SQUARE = GestureSettings(aspect=1.0)


def ev(phase: str, pid: int, x: float, y: float, t: float, source: str = "touch",
       kind: Kind = Kind.CURSOR) -> InputEvent:
    return InputEvent(x=0.0, y=0.0, pointer_id=pid, source=source, phase=Phase(phase),
                      kind=kind, nx=x, ny=y, t=t)


def run(recogniser: GestureRecogniser, events, until: float | None = None):
    """Feed events (calling update at each event's time, as a frame loop would)."""
    out = []
    for event in events:
        out += recogniser.update(event.t)
        out += recogniser.feed(event)
    if until is not None:
        out += recogniser.update(until)
    return out


def kinds(gestures) -> list[tuple[str, str]]:
    return [(str(g.kind), str(g.phase)) for g in gestures]


def path(pid: int, points, t0: float, dt: float = 1 / 60, source: str = "touch"):
    """down at the first point, moves through the rest, up after the last."""
    events = [ev("down", pid, *points[0], t0, source)]
    events += [ev("move", pid, x, y, t0 + (i + 1) * dt, source)
               for i, (x, y) in enumerate(points[1:])]
    events.append(ev("up", pid, *points[-1], t0 + len(points) * dt, source))
    return events


def test_a_short_touch_is_a_tap_at_its_place():
    gestures = run(GestureRecogniser(SQUARE), [ev("down", 1, 0.3, 0.4, 1.0),
                                               ev("up", 1, 0.3, 0.4, 1.1)])
    assert kinds(gestures) == [("tap", "fire")]
    tap = gestures[0]
    assert (tap.nx, tap.ny, tap.t, tap.contacts, tap.source) == (0.3, 0.4, 1.1, (1,), "touch")


def test_a_touch_held_too_long_or_moved_too_far_is_no_tap():
    recogniser = GestureRecogniser(SQUARE)
    slow = run(recogniser, [ev("down", 1, 0.3, 0.4, 0.0), ev("up", 1, 0.3, 0.4, 0.45)])
    assert slow == []  # longer than tap_seconds 0.3, shorter than a long press
    moved = run(recogniser, path(2, [(0.3, 0.4), (0.36, 0.4)], 1.0))
    assert ("tap", "fire") not in kinds(moved) and ("drag", "begin") in kinds(moved)


def test_two_quick_taps_make_a_double_tap_far_apart_two_taps():
    recogniser = GestureRecogniser(SQUARE)
    near = run(recogniser, [ev("down", 1, 0.5, 0.5, 0.0), ev("up", 1, 0.5, 0.5, 0.08),
                            ev("down", 2, 0.52, 0.5, 0.25), ev("up", 2, 0.52, 0.5, 0.33)])
    assert kinds(near) == [("tap", "fire"), ("double_tap", "fire")]
    far = run(recogniser, [ev("down", 3, 0.1, 0.5, 2.0), ev("up", 3, 0.1, 0.5, 2.08),
                           ev("down", 4, 0.9, 0.5, 2.2), ev("up", 4, 0.9, 0.5, 2.28)])
    assert kinds(far) == [("tap", "fire"), ("tap", "fire")]
    late = run(recogniser, [ev("down", 5, 0.5, 0.5, 4.0), ev("up", 5, 0.5, 0.5, 4.08),
                            ev("down", 6, 0.5, 0.5, 4.6), ev("up", 6, 0.5, 0.5, 4.68)])
    assert kinds(late) == [("tap", "fire"), ("tap", "fire")]  # 0.52 s > double_tap_seconds


def test_a_resting_finger_makes_one_long_press_and_then_no_tap():
    recogniser = GestureRecogniser(SQUARE)
    assert run(recogniser, [ev("down", 1, 0.5, 0.5, 0.0)], until=0.59) == []
    fired = recogniser.update(0.6)
    assert kinds(fired) == [("long_press", "fire")] and fired[0].t == 0.6
    assert recogniser.update(0.9) == []
    assert run(recogniser, [ev("up", 1, 0.5, 0.5, 1.0)]) == []


def test_a_drag_follows_the_finger_without_a_jump():
    points = [(0.2 + 0.01 * i, 0.5 + 0.005 * i) for i in range(21)]
    gestures = run(GestureRecogniser(SQUARE), path(1, points, 0.0))
    assert kinds(gestures)[0] == ("drag", "begin") and kinds(gestures)[-1] == ("drag", "end")
    begin = gestures[0]
    assert (begin.dx, begin.dy) == (0.0, 0.0)  # the slop is not replayed as a jump
    updates = [g for g in gestures if g.phase is GesturePhase.UPDATE]
    # the steps add up to the finger's travel from where the drag began to where it ended
    assert sum(g.dx for g in updates) == pytest.approx(points[-1][0] - begin.nx)
    assert sum(g.dy for g in updates) == pytest.approx(points[-1][1] - begin.ny)
    assert math.hypot(begin.nx - 0.2, begin.ny - 0.5) > SQUARE.drag_slop


def pair_events(a0, a1, b0, b1, steps: int, t0: float = 0.0, ids=(1, 2), source="touch"):
    """Two fingers landing together and moving linearly from (a0, b0) to (a1, b1)."""
    events = [ev("down", ids[0], *a0, t0, source), ev("down", ids[1], *b0, t0, source)]
    for i in range(1, steps + 1):
        u, t = i / steps, t0 + i / 60
        events.append(ev("move", ids[0], a0[0] + (a1[0] - a0[0]) * u,
                         a0[1] + (a1[1] - a0[1]) * u, t, source))
        events.append(ev("move", ids[1], b0[0] + (b1[0] - b0[0]) * u,
                         b0[1] + (b1[1] - b0[1]) * u, t, source))
    t_end = t0 + (steps + 1) / 60
    events += [ev("up", ids[0], *a1, t_end, source), ev("up", ids[1], *b1, t_end, source)]
    return events


def pair_state_when(events, started) -> tuple[float, float]:
    """Replay two fingers' positions; the (distance, angle) just after ``started(d, a)`` first
    holds against the landing state — worked out from the events, not the recogniser."""
    where: dict[int, tuple[float, float]] = {}
    ref = None
    for event in events:
        where[event.pointer_id] = (event.nx, event.ny)
        if len(where) < 2:
            continue
        (x1, y1), (x2, y2) = where.values()
        state = (math.hypot(x2 - x1, y2 - y1), math.atan2(-(y2 - y1), x2 - x1))
        if ref is None:
            ref = state
        elif started(state[0] - ref[0], state[1] - ref[1]):
            return state
    raise AssertionError("the gesture never started")


def test_spreading_two_fingers_is_a_pinch_only():
    # fingers 0.2 apart spread to 0.4 apart, symmetric about (0.5, 0.5)
    events = pair_events((0.4, 0.5), (0.3, 0.5), (0.6, 0.5), (0.7, 0.5), 20)
    gestures = run(GestureRecogniser(SQUARE), events)
    assert {g.kind for g in gestures} == {GestureKind.PINCH}
    begin = next(g for g in gestures if g.phase is GesturePhase.BEGIN)
    scale = math.prod(g.scale for g in gestures if g.phase is GesturePhase.UPDATE)
    begun_at, _ = pair_state_when(events, lambda dd, da: abs(dd) >= SQUARE.pinch_slop)
    assert scale == pytest.approx(0.4 / begun_at)  # from the start, it follows the fingers
    assert 0.2 + SQUARE.pinch_slop - 1e-9 <= begun_at < 0.2 + SQUARE.pinch_slop + 0.01
    assert (begin.nx, begin.ny) == pytest.approx((0.5, 0.5), abs=0.003)
    assert len({g.group for g in gestures}) == 1 and begin.contacts == (1, 2)


def test_twisting_two_fingers_counter_clockwise_is_a_positive_rotation():
    recogniser = GestureRecogniser(SQUARE)
    events = [ev("down", 1, 0.4, 0.5, 0.0), ev("down", 2, 0.6, 0.5, 0.0)]
    turn = math.radians(60)
    for i in range(1, 31):
        a, t = turn * i / 30, i / 60
        # counter-clockwise on screen: with y growing downwards, finger 2 moves up (y falls)
        events += [ev("move", 1, 0.5 - 0.1 * math.cos(a), 0.5 + 0.1 * math.sin(a), t),
                   ev("move", 2, 0.5 + 0.1 * math.cos(a), 0.5 - 0.1 * math.sin(a), t)]
    gestures = run(recogniser, events)
    assert {g.kind for g in gestures} == {GestureKind.ROTATE}
    total = sum(g.rotation for g in gestures if g.phase is GesturePhase.UPDATE)
    slop = math.radians(SQUARE.rotate_slop_degrees)
    _, begun = pair_state_when(events, lambda dd, da: abs(da) >= slop)
    assert total == pytest.approx(turn - begun)  # from the start, it follows the fingers
    assert slop <= begun < slop + math.radians(2)
    assert total > 0


def test_two_fingers_moving_together_are_a_pan():
    gestures = run(GestureRecogniser(SQUARE),
                   pair_events((0.4, 0.5), (0.5, 0.7), (0.6, 0.5), (0.7, 0.7), 20))
    assert {g.kind for g in gestures} == {GestureKind.PAN}
    updates = [g for g in gestures if g.phase is GesturePhase.UPDATE]
    begin = next(g for g in gestures if g.phase is GesturePhase.BEGIN)
    assert sum(g.dx for g in updates) == pytest.approx(0.6 - begin.nx)
    assert sum(g.dy for g in updates) == pytest.approx(0.7 - begin.ny)


def test_two_visitors_at_opposite_sides_make_two_pinches():
    left = pair_events((0.15, 0.5), (0.1, 0.5), (0.25, 0.5), (0.3, 0.5), 20, ids=(1, 2))
    right = pair_events((0.7, 0.5), (0.74, 0.5), (0.9, 0.5), (0.86, 0.5), 20, ids=(3, 4))
    merged = sorted(left + right, key=lambda e: (e.t, e.phase != Phase.DOWN))
    recogniser = GestureRecogniser(GestureSettings(aspect=16 / 9))
    gestures = run(recogniser, merged)
    pinches = [g for g in gestures if g.kind is GestureKind.PINCH]
    assert {g.kind for g in gestures} == {GestureKind.PINCH}
    by_group: dict[int, list] = {}
    for g in pinches:
        by_group.setdefault(g.group, []).append(g)
    assert len(by_group) == 2
    contacts = sorted(tuple(sorted(gs[0].contacts)) for gs in by_group.values())
    assert contacts == [(1, 2), (3, 4)]
    scales = sorted(math.prod(g.scale for g in gs if g.phase is GesturePhase.UPDATE)
                    for gs in by_group.values())
    assert scales[0] < 1 < scales[1]  # the right one pinched in, the left one spread


def test_a_second_visitor_near_a_dragging_one_starts_their_own_gesture():
    recogniser = GestureRecogniser(SQUARE)
    first = [ev("down", 1, 0.3, 0.5, 0.0)] + [ev("move", 1, 0.3 + 0.01 * i, 0.5, i / 60)
                                              for i in range(1, 60)]
    run(recogniser, first)
    # a second finger lands 0.2 away a second later: a new visitor, not a pinch
    gestures = run(recogniser, [ev("down", 2, 0.89, 0.6, 1.0), ev("up", 2, 0.89, 0.6, 1.1)])
    assert kinds(gestures) == [("tap", "fire")]
    assert recogniser.groups == [(1,)]


def test_a_second_finger_may_join_a_resting_one_any_time():
    recogniser = GestureRecogniser(SQUARE)
    run(recogniser, [ev("down", 1, 0.45, 0.5, 0.0)], until=2.0)  # (also a long press)
    gestures = run(recogniser, [ev("down", 2, 0.55, 0.5, 2.0), ev("move", 2, 0.6, 0.5, 2.1)])
    assert recogniser.groups == [(1, 2)]
    assert kinds(gestures) == [("pinch", "begin")]


def test_lifting_one_finger_of_a_pinch_does_not_flick_into_a_drag():
    recogniser = GestureRecogniser(SQUARE)
    events = pair_events((0.4, 0.5), (0.3, 0.5), (0.6, 0.5), (0.7, 0.5), 10)[:-2]
    events += [ev("up", 2, 0.7, 0.5, 1.0), ev("move", 1, 0.31, 0.5, 1.05),
               ev("move", 1, 0.34, 0.5, 1.1), ev("move", 1, 0.36, 0.5, 1.15)]
    gestures = run(recogniser, events)
    assert kinds(gestures)[-3:] == [("pinch", "end"), ("drag", "begin"), ("drag", "update")]
    drag = [g for g in gestures if g.kind is GestureKind.DRAG]
    assert drag[0].nx == pytest.approx(0.34)  # 0.01 was within the slop: no drag yet
    assert sum(g.dx for g in drag) == pytest.approx(0.36 - 0.34)


def test_a_cancelled_contact_ends_its_gesture_and_never_taps():
    recogniser = GestureRecogniser(SQUARE)
    tap_like = run(recogniser, [ev("down", 1, 0.5, 0.5, 0.0), ev("cancel", 1, 0.5, 0.5, 0.1)])
    assert tap_like == []
    dragged = run(recogniser, [*path(2, [(0.2, 0.5), (0.3, 0.5), (0.4, 0.5)], 1.0)[:-1],
                               ev("cancel", 2, 0.4, 0.5, 1.1)])
    assert kinds(dragged)[-1] == ("drag", "end") and dragged[-1].cancelled


def test_tangibles_make_no_gestures_by_default_and_sources_never_mix():
    recogniser = GestureRecogniser(SQUARE)
    assert run(recogniser, [ev("down", 1, 0.5, 0.5, 0.0, kind=Kind.OBJECT),
                            ev("up", 1, 0.5, 0.5, 0.1, kind=Kind.OBJECT)]) == []
    # the same spot on two tables: two single-finger groups, not one pinch
    run(recogniser, [ev("down", 1, 0.5, 0.5, 1.0, "tuio:a"), ev("down", 1, 0.52, 0.5, 1.0,
                                                                 "tuio:b")])
    assert sorted(recogniser.groups) == [(1,), (1,)]


def test_recognition_is_deterministic():
    events = pair_events((0.4, 0.5), (0.3, 0.45), (0.6, 0.5), (0.75, 0.6), 25)
    assert run(GestureRecogniser(SQUARE), events) == run(GestureRecogniser(SQUARE), events)


@pytest.mark.parametrize(("field", "value"), [("tap_seconds", 0), ("group_radius", -1.0),
                                              ("aspect", math.inf), ("kinds", ("finger",))])
def test_settings_refuse_values_that_cannot_work(field, value):
    with pytest.raises(ValueError, match=field):
        GestureSettings(**{field: value})
