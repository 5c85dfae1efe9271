"""OS multi-touch on Linux: the kernel's protocol B (slots) as the kernel documentation lays it
out (Documentation/input/multi-touch-protocol.rst), decoded into contacts, and a touch pinch
through the live loop. The device reader itself needs a touch device (none in CI)."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

import vizkit
from vizkit.input import evdev_touch as mt
from vizkit.input.delivery import PixelMapper
from vizkit.input.evdev_touch import AxisRange, MultiTouchDecoder
from vizkit.input.gestures import GestureKind
from vizkit.privacy import Policy
from vizkit.targets.headless import HeadlessRunner

HEADER = Path("/usr/include/linux/input-event-codes.h")
SYN, ABS = mt.EV_SYN, mt.EV_ABS
REPORT = (SYN, mt.SYN_REPORT, 0)


def slot(n):
    return (ABS, mt.ABS_MT_SLOT, n)


def track(n):
    return (ABS, mt.ABS_MT_TRACKING_ID, n)


def x(v):
    return (ABS, mt.ABS_MT_POSITION_X, v)


def y(v):
    return (ABS, mt.ABS_MT_POSITION_Y, v)


@pytest.mark.skipif(not HEADER.exists(), reason="kernel headers (linux-libc-dev) not installed")
def test_the_event_codes_are_the_kernels():
    text = HEADER.read_text()
    for name in ("EV_SYN", "EV_ABS", "SYN_REPORT", "SYN_MT_REPORT", "SYN_DROPPED",
                 "ABS_MT_SLOT", "ABS_MT_POSITION_X", "ABS_MT_POSITION_Y", "ABS_MT_TRACKING_ID"):
        value = re.search(rf"#define {name}\s+(0x[0-9a-fA-F]+|\d+)", text).group(1)
        assert getattr(mt, name) == int(value, 0), name


def decoder():
    return MultiTouchDecoder(AxisRange(0, 4000), AxisRange(0, 2000))


def phases(events):
    return [(str(e.phase), e.pointer_id, round(e.nx, 4), round(e.ny, 4)) for e in events]


def test_protocol_b_two_contacts_move_and_lift_as_the_kernel_documents():
    d = decoder()
    down = d.feed([slot(0), track(45), x(1000), y(500), slot(1), track(46), x(3000), y(1500),
                   REPORT], t=0.0)
    assert phases(down) == [("down", 45, 0.25, 0.25), ("down", 46, 0.75, 0.75)]
    assert {e.source for e in down} == {"touch"}  # never the mouse
    moved = d.feed([slot(0), x(1200), REPORT], t=0.1)  # only what changed is sent
    assert phases(moved) == [("move", 45, 0.3, 0.25)]
    assert d.feed([REPORT], t=0.2) == []  # an empty frame changes nothing
    lifted = d.feed([track(-1), REPORT], t=0.3)  # slot 0 is still the current slot
    assert phases(lifted) == [("up", 45, 0.3, 0.25)]
    assert d.contacts == [46]
    out_of_range = d.feed([slot(1), x(9000), y(-5), REPORT], t=0.4)
    assert phases(out_of_range) == [("move", 46, 1.0, 0.0)]  # clamped to the surface


def test_an_overflow_cancels_every_contact_and_skips_to_the_next_report():
    d = decoder()
    d.feed([slot(0), track(1), x(100), y(100), slot(1), track(2), x(200), y(200), REPORT], 0.0)
    cancelled = d.feed([slot(0), x(300), (SYN, mt.SYN_DROPPED, 0), x(900), y(900), REPORT],
                       t=0.1)
    assert sorted(phases(cancelled)) == [("cancel", 1, 0.075, 0.05), ("cancel", 2, 0.05, 0.1)]
    assert d.contacts == [] and d.counters["overflows"] == 1
    again = d.feed([slot(0), track(3), x(400), y(400), REPORT], t=0.2)
    assert phases(again) == [("down", 3, 0.1, 0.2)]  # the device's next frame starts afresh


def test_a_new_id_over_a_live_contact_ends_it_and_a_blink_is_nothing():
    d = decoder()
    d.feed([slot(0), track(7), x(100), y(100), REPORT], 0.0)
    replaced = d.feed([track(8), x(200), REPORT], t=0.1)  # the lift of 7 was lost
    assert phases(replaced) == [("cancel", 7, 0.025, 0.05), ("down", 8, 0.05, 0.05)]
    assert d.feed([slot(1), track(9), x(10), y(10), track(-1), REPORT], t=0.2) == []
    assert d.contacts == [8]


class TouchDevice:
    """A touch screen for the live loop: kernel events in, contacts out (as the reader does)."""

    def __init__(self):
        self.decoder = decoder()
        self.pending = []
        self.pixels = PixelMapper()

    def send(self, events, t):
        self.pending += self.decoder.feed(events, t)

    def poll(self, viewport=(1, 1), now=None):
        events, self.pending = self.pending, []
        return self.pixels.map(events, viewport)

    def close(self):
        pass


class Hill(vizkit.Scene):
    def setup(self, assets):
        yy, xx = np.mgrid[0:20, 0:32]
        self.add(vizkit.Terrain(np.exp(-((xx - 16) ** 2 + (yy - 10) ** 2) / 30.0) + 0.1,
                                extent=(0, 0, 3200, 2000),
                                policy=Policy.off("synthetic test surface, not about people")))
        self.frame_all()
        self.gestures = []

    def on_gesture(self, gesture):
        self.gestures.append(gesture)


def test_a_touch_screen_pinch_zooms_the_running_scene():
    device = TouchDevice()
    with HeadlessRunner(Hill(), size=(320, 200), samples=0, sources=[device]) as runner:
        runner.frame()
        scene = runner.scene
        distance = scene.orbit.distance
        for i in range(11):  # two fingers 400 → 1200 device units apart (of 4000 wide)
            half = 200 + 40 * i
            events = [slot(0), x(2000 - half), y(1000), slot(1), x(2000 + half), y(1000)]
            if i == 0:
                events = [slot(0), track(1), x(2000 - half), y(1000),
                          slot(1), track(2), x(2000 + half), y(1000)]
            device.send([*events, REPORT], t=runner.loop.input_time())
            runner.frame()
        device.send([slot(0), track(-1), slot(1), track(-1), REPORT], runner.loop.input_time())
        runner.frame()
        pinches = [g for g in scene.gestures if g.kind is GestureKind.PINCH]
        assert pinches and {g.source for g in pinches} == {"touch"}
        spread = np.prod([g.scale for g in pinches])
        assert spread > 1.5 and scene.orbit.distance == pytest.approx(distance / spread)
