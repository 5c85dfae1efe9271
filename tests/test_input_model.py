"""The event model, its hand-over to the render thread, the event log, the simulator's output,
and that the input package needs no GL."""

from __future__ import annotations

import json
import math
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from pythonosc.osc_bundle import OscBundle

from vizkit.events import HANDLED, PointerEvent
from vizkit.input import tuio_sim
from vizkit.input.delivery import EventQueue, PixelMapper
from vizkit.input.eventlog import EventLog, intent_record, pick_record
from vizkit.input.gestures import Gesture, GestureKind, GesturePhase
from vizkit.input.model import InputEvent, Kind, Phase, short_side_units
from vizkit.input.navigation import CameraIntent
from vizkit.scene import Scene

ROOT = Path(__file__).resolve().parent.parent


def touch(phase: str, pid: int, x: float, y: float, t: float = 0.0, **extra) -> InputEvent:
    return InputEvent(x=0.0, y=0.0, pointer_id=pid, source="tuio:table", phase=Phase(phase),
                      nx=x, ny=y, t=t, **extra)


def test_an_input_event_is_a_pointer_event_scene_handlers_already_understand():
    seen = []

    class Handles(Scene):
        def on_pointer_drag(self, event: PointerEvent):
            seen.append((event.x, event.y, event.dx, event.dy, event.pointer_id, event.source))
            return HANDLED

    (event,) = PixelMapper().map([touch("down", 3, 0.25, 0.5)], (800, 600))
    assert isinstance(event, PointerEvent)
    assert Handles().dispatch("on_pointer_drag", event)
    assert seen == [(200.0, 300.0, 0.0, 0.0, 3, "tuio:table")]
    # no default turns a raw contact into a camera move: that is the gestures' job
    scene = Scene()
    azimuth = scene.orbit.azimuth
    moved = InputEvent.from_pixels(Phase.MOVE, 10, 10, (800, 600), t=0.0, dx=20.0)
    assert not scene.dispatch("on_pointer_drag", moved) and scene.orbit.azimuth == azimuth


def test_from_pixels_normalises_and_refuses_an_empty_view():
    event = InputEvent.from_pixels(Phase.DOWN, 400, 150, (800, 600), t=1.5, button=3)
    assert (event.nx, event.ny, event.button, event.source, event.kind) == (
        0.5, 0.25, 3, "mouse", Kind.CURSOR)
    with pytest.raises(ValueError, match="viewport"):
        InputEvent.from_pixels(Phase.DOWN, 1, 1, (0, 600), t=0.0)


def test_short_side_units_keep_circles_round():
    assert short_side_units(1.0, 1.0, 16 / 9) == pytest.approx((16 / 9, 1.0))
    assert short_side_units(1.0, 1.0, 0.5) == pytest.approx((1.0, 2.0))


def test_pixel_deltas_follow_what_was_delivered_with_y_up():
    mapper = PixelMapper()
    events = mapper.map([touch("down", 1, 0.5, 0.5), touch("move", 1, 0.6, 0.4)], (1000, 500))
    assert (events[1].dx, events[1].dy) == pytest.approx((100.0, 50.0))  # up on screen: +dy
    # a move dropped in a flood loses no motion: the next delta spans both
    (later,) = mapper.map([touch("move", 1, 0.8, 0.4)], (1000, 500))
    assert later.dx == pytest.approx(200.0)
    mapper.map([touch("up", 1, 0.8, 0.4)], (1000, 500))
    (again,) = mapper.map([touch("down", 1, 0.1, 0.1)], (1000, 500))
    assert (again.dx, again.dy) == (0.0, 0.0)


def test_a_full_queue_sheds_moves_then_whole_contacts_never_the_end_of_a_delivered_one():
    queue = EventQueue(max_events=3)
    queue.put([touch("down", 1, 0.1, 0.1), touch("move", 1, 0.2, 0.1),
               touch("move", 1, 0.3, 0.1)])
    queue.put([touch("move", 1, 0.4, 0.1)])               # full: this move is shed
    queue.put([touch("down", 2, 0.5, 0.5), touch("move", 2, 0.6, 0.5),
               touch("up", 2, 0.6, 0.5)])                 # a new contact: shed entirely
    queue.put([touch("up", 1, 0.4, 0.1)])                 # the end of contact 1 always passes
    taken = queue.take()
    assert [(str(e.phase), e.pointer_id) for e in taken] == [
        ("down", 1), ("move", 1), ("move", 1), ("up", 1)]
    assert queue.counters == {"queue_moves_dropped": 1, "queue_contacts_dropped": 1}
    queue.put([touch("down", 2, 0.5, 0.5)])  # contact 2 ended, so it may land again
    assert [e.pointer_id for e in queue.take()] == [2]


def test_the_event_log_writes_one_json_object_per_line(tmp_path):
    path = tmp_path / "events.jsonl"
    pinch = Gesture(GestureKind.PINCH, GesturePhase.UPDATE, 2.5, 3, "tuio:table", (4, 5),
                    0.45, 0.7, scale=1.0312345678)
    with EventLog(path) as log:
        log.write(touch("down", 4, 0.41, 0.73, t=2.4, kind=Kind.OBJECT, class_id=12,
                        angle=1.25))
        log.write(pinch)
        log.write(intent_record(CameraIntent("zoom", 2.5, 3, zoom=1.03), "tuio:table"))
        log.write(pick_record(3.1, "tuio:table", 4, 0.41, 0.73, "Terrain", 5170, 57.0))
    with EventLog(path) as log:  # appends
        log.write(touch("up", 4, 0.41, 0.73, t=3.2))
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert [line["kind"] for line in lines] == ["down", "pinch", "camera", "pick", "up"]
    assert lines[0] == {"t": 2.4, "kind": "down", "source": "tuio:table", "id": 4, "x": 0.41,
                        "y": 0.73, "contact": "object", "class_id": 12, "angle": 1.25}
    assert lines[1]["scale"] == 1.031235 and lines[1]["ids"] == [4, 5]
    assert lines[1]["phase"] == "update" and "cancelled" not in lines[1]
    assert lines[3] == {"t": 3.1, "kind": "pick", "source": "tuio:table", "id": 4, "x": 0.41,
                        "y": 0.73, "layer": "Terrain", "element": 5170, "value": 57.0}
    with pytest.raises(ValueError, match="closed"):
        log.write(touch("up", 4, 0.41, 0.73))


def test_the_simulator_lays_bundles_out_as_tuio_1_1_says():
    (_, first), *_ = tuio_sim.frames(["drag 0.2 0.5 0.8 0.5 0.5"], fps=50, source="sim")
    messages = list(OscBundle(first))
    assert [m.address for m in messages] == ["/tuio/2Dcur"] * 4
    assert [m.params[0] for m in messages] == ["source", "alive", "set", "fseq"]
    assert messages[0].params == ["source", "sim"]
    assert messages[1].params == ["alive", 1]
    sid, x, y, vx, vy, accel = messages[2].params[1:]
    assert (sid, x, y, vx, vy, accel) == (1, pytest.approx(0.2), pytest.approx(0.5), 0, 0, 0)
    assert messages[3].params == ["fseq", 1]
    frames = list(tuio_sim.frames(["drag 0.2 0.5 0.8 0.5 0.5"], fps=50, source="sim"))
    assert len(frames) == 25 + 3  # 0.5 s at 50 fps, then three empty frames
    last_set = list(OscBundle(frames[24][1]))[2].params
    assert last_set[2] == pytest.approx(0.2 + 0.6 * 24 / 25, abs=1e-6)
    assert last_set[4] == pytest.approx(0.6 / 0.5, rel=1e-3)  # X: normalised units per second
    assert [list(OscBundle(p))[1].params for _, p in frames[-3:]] == [["alive"]] * 3
    assert [list(OscBundle(p))[-1].params[1] for _, p in frames] == list(range(1, 29))


def test_simulator_rotations_stay_round_on_a_wide_table():
    _, fingers = tuio_sim.script_fingers(["rotate 0.5 0.5 0.3 90"], aspect=2.0)
    a, b = fingers
    for u in (0.0, 0.5, 1.0):
        t = a.start + u * (a.end - a.start)
        (ax, ay), (bx, by) = a.at(t), b.at(t)
        assert math.hypot((bx - ax) * 2.0, by - ay) == pytest.approx(0.3)  # short-side units


def test_simulator_scripts_side_by_side_steps_and_errors(tmp_path):
    script = tmp_path / "two-hands.txt"
    script.write_text("# two visitors\npinch 0.2 0.5 0.2 0.1 & pinch 0.8 0.5 0.1 0.2\n"
                      "wait 0.2\n\ntap 0.5 0.5  # then a tap\n")
    steps = tuio_sim.read_script(script)
    total, fingers = tuio_sim.script_fingers(steps)
    assert total == pytest.approx(0.8 + 0.2 + tuio_sim.TAP_SECONDS)
    assert [(f.start, f.end) for f in fingers] == [(0.0, 0.8)] * 4 + [(1.0, 1.08)]
    for bad, message in [("tap 0.5", "expected tap X Y"), ("tap 2 0.5", "X = 2.0"),
                         ("swipe 0 0", "unknown gesture"), ("wait -1", "seconds"),
                         ("rotate 0.05 0.5 0.3 90", "leave the surface")]:
        with pytest.raises(ValueError, match=message):
            tuio_sim.script_fingers([bad])
    assert tuio_sim.main(["--print", "tap 0.5"]) == 2
    assert tuio_sim.main(["--print", "--aspect", "wide", "tap 0.5 0.5"]) == 2
    assert tuio_sim.main([]) == 2


def test_the_simulator_prints_instead_of_sending(capsys):
    assert tuio_sim.main(["--print", "--fps", "20", "tap 0.5 0.5"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("# t=0.000\n/tuio/2Dcur source vizkit-sim\n/tuio/2Dcur alive 1\n")
    assert out.count("/tuio/2Dcur fseq") == 2 + 3


def test_the_input_package_imports_without_gl_or_ibis():
    """Import every input module with moderngl, pyglet and ibis made unimportable (and
    without running vizkit/__init__, which other helpers are making lazy this round)."""
    code = textwrap.dedent(f"""
        import importlib, importlib.abc, sys, types
        class Block(importlib.abc.MetaPathFinder):
            def find_spec(self, name, path, target=None):
                if name.split(".")[0] in ("moderngl", "pyglet", "glcontext", "ibis"):
                    raise ImportError("blocked: " + name)
        sys.meta_path.insert(0, Block())
        package = types.ModuleType("vizkit")
        package.__path__ = [{str(ROOT / "vizkit")!r}]
        sys.modules["vizkit"] = package
        for name in ("model", "tuio_wire", "tuio", "delivery", "listener", "gestures",
                     "navigation", "eventlog", "tuio_sim"):
            importlib.import_module("vizkit.input." + name)
        import vizkit.input
        loaded = sorted(m for m in sys.modules if m.split(".")[0] in
                        ("moderngl", "pyglet", "glcontext", "ibis"))
        print("ok", loaded)
    """)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok []"
