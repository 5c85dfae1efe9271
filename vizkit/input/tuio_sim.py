"""A touch table without a table: scripted multi-touch gestures sent as real TUIO 1.1 bundles.

Usage (``vizkit tuio-sim`` runs the same ``main``)::

    python -m vizkit.input.tuio_sim [OPTIONS] STEP [STEP ...]
    python -m vizkit.input.tuio_sim [OPTIONS] --script FILE

Steps — positions normalised 0–1 from the top-left of the surface, times in seconds; each step
is one argument (quote it in a shell):

    tap X Y                   a finger down and up at X, Y (held 0.08 s)
    hold X Y SECONDS          a finger resting at X, Y (a long press from 0.6 s)
    drag X0 Y0 X1 Y1 [S]      one finger from X0, Y0 to X1, Y1 in S seconds (default 0.6)
    pinch X Y D0 D1 [S]       two fingers centred on X, Y whose distance goes from D0 to D1
    rotate X Y D DEGREES [S]  two fingers D apart, centred on X, Y, turning DEGREES
                              counter-clockwise as seen on screen (negative: clockwise)
    pan X0 Y0 X1 Y1 [S]       two fingers 0.1 apart moving together from X0, Y0 to X1, Y1

Finger distances (D, D0, D1) are fractions of the surface's *short* side, so a rotating pair
stays the same distance apart on a wide table (``--aspect`` says how wide).
    wait S                    no fingers for S seconds (empty frames keep flowing)
    A & B                     steps A and B at the same time — several hands

Steps run one after another; ``&`` runs them side by side (the longer one sets the pace).

Options:
    --host HOST      where to send (default 127.0.0.1)
    --port PORT      UDP (or TCP) port (default 3333, TUIO's own)
    --tcp            send over TCP, each packet prefixed with its 4-byte big-endian length
    --fps F          frames (bundles) per second (default 60)
    --aspect W:H     the surface's width to height, e.g. 16:9 (the default) or 1.6
    --source NAME    the TUIO ``source`` name in every bundle (default ``vizkit-sim``)
    --script FILE    read steps from FILE, one per line; ``#`` starts a comment
    --print          print every bundle's messages instead of sending (no network)

Every frame is one ``/tuio/2Dcur`` bundle laid out as TUIO 1.1 specifies it — ``source``,
``alive`` with every finger on the surface, ``set`` (s x y X Y m) for each of them, ``fseq`` —
built with python-osc. After the last step three empty frames follow, so a receiver that lost
one still sees every finger lift. Session ids start at 1 and are never reused.
"""

from __future__ import annotations

import argparse
import math
import socket
import struct
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from pythonosc.osc_bundle import OscBundle
from pythonosc.osc_bundle_builder import IMMEDIATELY, OscBundleBuilder
from pythonosc.osc_message_builder import OscMessageBuilder

CURSOR = "/tuio/2Dcur"
TAP_SECONDS = 0.08
PAN_SPREAD = 0.1
Path2D = Callable[[float], tuple[float, float]]


@dataclass(frozen=True)
class Finger:
    """One contact of a script: on the surface from ``start`` to ``end`` seconds, following
    ``path(u)`` for ``u`` from 0 to 1."""

    start: float
    end: float
    path: Path2D

    def at(self, t: float) -> tuple[float, float]:
        span = self.end - self.start
        u = 0.0 if span <= 0 else min(1.0, max(0.0, (t - self.start) / span))
        return self.path(u)


def _numbers(step: str, words: list[str], names: Sequence[str],
             optional: dict[str, float]) -> dict[str, float]:
    if not len(names) <= len(words) <= len(names) + len(optional):
        usage = " ".join([step.split()[0], *names, *(f"[{n}]" for n in optional)])
        raise ValueError(f"step {step!r}: expected {usage}")
    values = dict(optional)
    for name, word in zip([*names, *optional], words, strict=False):
        try:
            value = float(word)
        except ValueError:
            value = math.nan
        if not math.isfinite(value):
            raise ValueError(f"step {step!r}: {name} = {word!r} is not a number")
        values[name] = value
    for name in ("X", "Y", "X0", "Y0", "X1", "Y1", "D0", "D1", "D"):
        if name in values and not 0.0 <= values[name] <= 1.0:
            raise ValueError(f"step {step!r}: {name} = {values[name]} must be in 0–1 "
                             f"(normalised to the surface)")
    for name in ("S", "SECONDS"):
        if name in values and not 0.0 < values[name] <= 600.0:
            raise ValueError(f"step {step!r}: {name} = {values[name]} must be "
                             f"seconds in (0, 600]")
    return values


def _line(x0: float, y0: float, x1: float, y1: float) -> Path2D:
    return lambda u: (x0 + (x1 - x0) * u, y0 + (y1 - y0) * u)


def _pair(cx: Path2D, distance: Callable[[float], float], angle: Callable[[float], float],
          aspect: float) -> tuple[Path2D, Path2D]:
    """Two fingers ``distance(u)`` (short-side units) apart around centre ``cx(u)``, at screen
    angle ``angle(u)`` (radians counter-clockwise; y grows downwards on the surface)."""
    sx, sy = (1.0 / aspect, 1.0) if aspect >= 1.0 else (1.0, aspect)  # short side → 0–1

    def finger(sign: float) -> Path2D:
        def path(u: float) -> tuple[float, float]:
            x, y = cx(u)
            r, a = distance(u) / 2, angle(u)
            return (x + sign * r * math.cos(a) * sx, y - sign * r * math.sin(a) * sy)
        return path

    return finger(-1.0), finger(1.0)


def parse_step(step: str, aspect: float = 16 / 9
               ) -> tuple[float, list[tuple[float, float, Path2D]]]:
    """One step (without ``&``) → its duration and fingers as ``(start, end, path)``."""
    words = step.split()
    if not words:
        raise ValueError("empty step")
    name, args = words[0], words[1:]
    if name == "tap":
        v = _numbers(step, args, ("X", "Y"), {})
        return TAP_SECONDS, [(0.0, TAP_SECONDS, _line(v["X"], v["Y"], v["X"], v["Y"]))]
    if name == "hold":
        v = _numbers(step, args, ("X", "Y", "SECONDS"), {})
        return v["SECONDS"], [(0.0, v["SECONDS"], _line(v["X"], v["Y"], v["X"], v["Y"]))]
    if name == "drag":
        v = _numbers(step, args, ("X0", "Y0", "X1", "Y1"), {"S": 0.6})
        return v["S"], [(0.0, v["S"], _line(v["X0"], v["Y0"], v["X1"], v["Y1"]))]
    if name == "wait":
        v = _numbers(step, args, ("S",), {})
        return v["S"], []
    if name in ("pinch", "rotate", "pan"):
        if name == "pinch":
            v = _numbers(step, args, ("X", "Y", "D0", "D1"), {"S": 0.8})
            centre = _line(v["X"], v["Y"], v["X"], v["Y"])
            a, b = _pair(centre, lambda u: v["D0"] + (v["D1"] - v["D0"]) * u, lambda u: 0.0,
                         aspect)
        elif name == "rotate":
            v = _numbers(step, args, ("X", "Y", "D", "DEGREES"), {"S": 0.8})
            turn = math.radians(v["DEGREES"])
            centre = _line(v["X"], v["Y"], v["X"], v["Y"])
            a, b = _pair(centre, lambda u: v["D"], lambda u: turn * u, aspect)
        else:
            v = _numbers(step, args, ("X0", "Y0", "X1", "Y1"), {"S": 0.8})
            a, b = _pair(_line(v["X0"], v["Y0"], v["X1"], v["Y1"]), lambda u: PAN_SPREAD,
                         lambda u: 0.0, aspect)
        return v["S"], [(0.0, v["S"], a), (0.0, v["S"], b)]
    raise ValueError(f"step {step!r}: unknown gesture {name!r}; use tap, hold, drag, "
                     f"pinch, rotate, pan or wait")


def script_fingers(steps: Sequence[str], aspect: float = 16 / 9) -> tuple[float, list[Finger]]:
    """Steps (``&`` for side by side) → total duration and every finger on one timeline."""
    fingers: list[Finger] = []
    now = 0.0
    for line in steps:
        longest = 0.0
        for part in line.split("&"):
            duration, parts = parse_step(part.strip(), aspect)
            for _, _, path in parts:
                if any(not (0.0 <= c <= 1.0) for k in range(17) for c in path(k / 16)):
                    raise ValueError(f"step {part.strip()!r}: a finger would leave the surface "
                                     f"(positions must stay within 0–1)")
            longest = max(longest, duration)
            fingers += [Finger(now + start, now + end, path) for start, end, path in parts]
        now += longest
    return now, fingers


def read_script(path: str | Path) -> list[str]:
    """Steps from a script file: one per line, ``#`` comments and blank lines skipped."""
    lines = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            lines.append(line)
    return lines


def cursor_bundle(alive: dict[int, tuple[float, float, float, float]], fseq: int,
                  source: str | None) -> bytes:
    """One ``/tuio/2Dcur`` frame: ``{session id: (x, y, X, Y)}`` → the bundle's bytes."""
    bundle = OscBundleBuilder(IMMEDIATELY)

    def message(*args: object) -> None:
        builder = OscMessageBuilder(address=CURSOR)
        for arg in args:
            builder.add_arg(arg, "s" if isinstance(arg, str) else
                            "i" if isinstance(arg, int) else "f")
        bundle.add_content(builder.build())

    if source:
        message("source", source)
    message("alive", *sorted(alive))
    for sid in sorted(alive):
        x, y, vx, vy = alive[sid]
        message("set", sid, float(x), float(y), float(vx), float(vy), 0.0)
    message("fseq", fseq)
    return bundle.build().dgram


def frames(steps: Sequence[str], fps: float = 60.0, source: str | None = "vizkit-sim",
           first_fseq: int = 1, aspect: float = 16 / 9) -> Iterator[tuple[float, bytes]]:
    """``(t, bundle)`` for every frame of a script, then three empty frames.

    Raises ``ValueError`` naming the step or setting at fault before any frame is made.
    """
    if not (math.isfinite(fps) and 1.0 <= fps <= 1000.0):
        raise ValueError(f"--fps {fps} must be from 1 to 1000")
    if not (math.isfinite(aspect) and 0.1 <= aspect <= 10.0):
        raise ValueError(f"--aspect {aspect} must be a width to height from 0.1 to 10")
    total, fingers = script_fingers(steps, aspect)
    return _frames(total, fingers, fps, source, first_fseq)


def _frames(total: float, fingers: list[Finger], fps: float, source: str | None,
            first_fseq: int) -> Iterator[tuple[float, bytes]]:
    dt = 1.0 / fps
    ids = {id(finger): number for number, finger in enumerate(fingers, start=1)}
    previous: dict[int, tuple[float, float]] = {}
    count = max(1, math.ceil(total * fps - 1e-9))
    fseq = first_fseq
    for k in range(count + 3):
        t = k * dt
        alive: dict[int, tuple[float, float, float, float]] = {}
        for finger in fingers:
            # each finger appears in at least one frame, however short its step
            if finger.start <= t < max(finger.end, finger.start + dt) and k < count:
                sid = ids[id(finger)]
                x, y = finger.at(t)
                px, py = previous.get(sid, (x, y))
                alive[sid] = (x, y, (x - px) / dt, (y - py) / dt)
                previous[sid] = (x, y)
        yield t, cursor_bundle(alive, fseq, source)
        fseq += 1


class Sender:
    """Sends packets over UDP, or over TCP with a 4-byte big-endian length prefix."""

    def __init__(self, host: str, port: int, tcp: bool = False):
        self.tcp = tcp
        if tcp:
            self.socket = socket.create_connection((host, port), timeout=5.0)
        else:
            self.socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            self.socket.connect((host, port))

    def send(self, packet: bytes) -> None:
        if self.tcp:
            self.socket.sendall(struct.pack(">I", len(packet)) + packet)
        else:
            self.socket.send(packet)

    def close(self) -> None:
        self.socket.close()


def play(stream: Iterator[tuple[float, bytes]], send: Callable[[bytes], None], *,
         realtime: bool = True, clock: Callable[[], float] = time.monotonic,
         sleep: Callable[[float], None] = time.sleep) -> int:
    """Send each frame at its time (or as fast as possible); return how many were sent."""
    start = clock()
    sent = 0
    for t, packet in stream:
        if realtime:
            delay = start + t - clock()
            if delay > 0:
                sleep(delay)
        send(packet)
        sent += 1
    return sent


def describe(packet: bytes) -> str:
    """A bundle's messages as text, one per line (for ``--print``)."""
    return "\n".join(f"{m.address} {' '.join(str(a) for a in m.params)}"
                     for m in OscBundle(packet))


def parse_aspect(text: str) -> float:
    """``"16:9"`` or ``"1.78"`` → width / height."""
    width, _, height = text.partition(":")
    try:
        value = float(width) / float(height or 1)
    except (ValueError, ZeroDivisionError):
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"--aspect {text!r}: expected W:H such as 16:9, or a number")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="vizkit tuio-sim", description="Send scripted multi-touch gestures as TUIO 1.1.",
        epilog="steps: tap X Y | hold X Y S | drag X0 Y0 X1 Y1 [S] | pinch X Y D0 D1 [S] | "
               "rotate X Y D DEG [S] | pan X0 Y0 X1 Y1 [S] | wait S | A & B")
    parser.add_argument("steps", nargs="*", help="gesture steps, one quoted argument each")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=3333)
    parser.add_argument("--tcp", action="store_true", help="length-prefixed OSC over TCP")
    parser.add_argument("--fps", type=float, default=60.0)
    parser.add_argument("--aspect", default="16:9", help="surface width:height (or a number)")
    parser.add_argument("--source", default="vizkit-sim", help="TUIO source name")
    parser.add_argument("--script", help="file of steps, one per line")
    parser.add_argument("--print", action="store_true", dest="dry_run",
                        help="print the bundles instead of sending them")
    args = parser.parse_args(argv)
    try:
        steps = list(args.steps) + (read_script(args.script) if args.script else [])
        if not steps:
            raise ValueError("give at least one step (e.g. 'tap 0.5 0.5') or --script")
        if not 0 < args.port <= 65_535:
            raise ValueError(f"--port {args.port} must be 1–65535")
        stream = frames(steps, args.fps, args.source,  # validates every step first
                        aspect=parse_aspect(args.aspect))
        if args.dry_run:
            for t, packet in stream:
                print(f"# t={t:.3f}\n{describe(packet)}")
            return 0
        sender = Sender(args.host, args.port, args.tcp)
    except (ValueError, OSError) as exc:
        print(f"vizkit tuio-sim: {exc}", file=sys.stderr)
        return 2
    try:
        sent = play(stream, sender.send)
    except OSError as exc:
        print(f"vizkit tuio-sim: sending to {args.host}:{args.port} failed: {exc}",
              file=sys.stderr)
        return 1
    finally:
        sender.close()
    print(f"sent {sent} TUIO bundles to {args.host}:{args.port} "
          f"({'tcp' if args.tcp else 'udp'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
