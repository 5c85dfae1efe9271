"""``vizkit run``: a scene or exhibit live — in a window, or headless with its inputs.

The window and ``--headless`` share one live loop (:mod:`vizkit.targets.live`): mouse, TUIO
(``--tuio``, or the exhibit's ``tuio:HOST:PORT`` sources) and OS touch (the exhibit's ``touch``
source) become contacts, gestures, camera moves and picks, optionally logged as JSON lines
(``--log-events``). ``--headless --seconds S`` runs that loop offscreen in real time — for
tests and kiosk health checks — and prints what it saw.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from vizkit.cli.common import (
    EXIT_USAGE,
    add_quality,
    checked_settings,
    exhibit_settings,
    language_spoken,
    parse_size,
    positive_float,
    positive_int,
    quality_of,
    whole_number,
)

if TYPE_CHECKING:
    from vizkit.input.eventlog import EventLog


def add_parser(sub: argparse._SubParsersAction) -> None:
    run = sub.add_parser("run", help="run a scene live: in a window, or headless with its "
                                     "inputs (TUIO, touch, mouse)",
                         description="Open TARGET in a window (needs a display). Drag to orbit, "
                                     "scroll to zoom, space pauses, f toggles fullscreen, "
                                     "escape quits. --dome shows the domemaster fisheye for a "
                                     "dome projector (with --fullscreen on its display).")
    run.add_argument("target", help="scene script (.py) or exhibit folder")
    run.add_argument("--size", type=parse_size, default=None,
                     help="window size WxH (default: the exhibit's size, else 1280x720)")
    run.add_argument("--fullscreen", action="store_true", help="fill the screen")
    run.add_argument("--screen", type=whole_number, default=None, metavar="N",
                     help="open on monitor N (0, 1, …): the dome projector's, with --fullscreen")
    run.add_argument("--dome", type=whole_number, nargs="?", const=0, default=None,
                     metavar="SIZE",
                     help="show the domemaster fisheye; SIZE sets the render quality "
                          "(default: the window's shorter side). An exhibit with display = "
                          "\"dome\" shows it without the flag, at its [dome] size")
    run.add_argument("--aperture", type=float, default=None, metavar="DEG",
                     help="dome aperture in degrees, 180..230 (default: the exhibit's [dome], "
                          "else 180)")
    run.add_argument("--tilt", type=float, default=None, metavar="DEG",
                     help="dome tilt in degrees, 0..30 (default: the exhibit's [dome], else 0)")
    run.add_argument("--gaze", type=float, default=None, metavar="DEG",
                     help="where the camera's look direction lands, degrees above the dome's "
                          "front spring line (default: the exhibit's [dome], else the tilt, "
                          "i.e. eye level; 35 = the front sweet spot)")
    run.add_argument("--frames", type=positive_int, default=None,
                     help="close after this many frames (for smoke tests)")
    add_quality(run)
    run.add_argument("--lang", default=None, metavar="CODE",
                     help="on-screen language to start in (sv, en; l switches while running)")
    run.add_argument("--headless", action="store_true",
                     help="run the live loop offscreen (EGL) in real time, with its inputs and "
                          "no window — for tests and kiosk health checks (needs --seconds)")
    run.add_argument("--seconds", type=positive_float, default=None, metavar="S",
                     help="stop after S seconds of wall time")
    run.add_argument("--out", "-o", default=None, metavar="PNG",
                     help="save the last frame there (with --headless, or a window closed by "
                          "--seconds or --frames)")
    run.add_argument("--tuio", action="append", default=[], metavar="[HOST:]PORT",
                     help="listen for TUIO 1.1 over UDP on PORT (host 127.0.0.1 unless "
                          "given, e.g. 0.0.0.0:3333 for a table on the network); repeatable. "
                          "An exhibit's input.sources = [\"tuio:HOST:PORT\"] does the same")
    run.add_argument("--log-events", default=None, metavar="FILE",
                     help="append every input event, gesture, camera move and pick to FILE, "
                          "one JSON object per line (format: README, Touch tables and input)")


def cmd_run(args: argparse.Namespace) -> int:
    code = checked_settings(args, "run")
    if isinstance(code, int):
        return code
    size, dome = code
    inputs = input_settings(args)
    if isinstance(inputs, int):
        return inputs
    from vizkit.gpu.context import display_available
    from vizkit.script import load_target

    if args.headless:
        if args.seconds is None:
            return usage("--headless needs --seconds S (how long to run)")
        if dome is not None:
            return usage("--headless draws flat frames; for domemasters use vizkit render "
                         f"{args.target} --dome SIZE --out dome.png")
        target = load_target(args.target)
        if not language_spoken(target, args.lang, "run"):
            return EXIT_USAGE
        return headless(target, args, size, inputs)
    if not display_available():
        print("vizkit run: no display found (DISPLAY is not set); render headless instead: "
              f"vizkit render {args.target} --out frame.png"
              + (f" --dome {dome.size or 4096}" if dome is not None else ""), file=sys.stderr)
        return EXIT_USAGE
    target = load_target(args.target)
    if not language_spoken(target, args.lang, "run"):
        return EXIT_USAGE
    exhibit = target.exhibit
    fullscreen = args.fullscreen or (exhibit is not None and exhibit.display == "fullscreen")
    with opened_log(args.log_events) as event_log:
        return window_for_target(
            target, size=size, fullscreen=fullscreen, max_frames=args.frames, dome=dome,
            screen=args.screen, seconds=args.seconds, screenshot=args.out, language=args.lang,
            mouse=inputs.mouse, event_log=event_log,
            connect=lambda loop: connect_inputs(loop, inputs),
            quality=quality_of(args, exhibit))


def usage(message: str) -> int:
    print(f"vizkit run: {message}", file=sys.stderr)
    return EXIT_USAGE


class InputSettings:
    """Where a live run's input comes from: the exhibit's sources plus the flags."""

    def __init__(self, mouse: bool, tuio: list[tuple[str, int]], touch: bool):
        self.mouse, self.tuio, self.touch = mouse, tuio, touch


def input_settings(args: argparse.Namespace) -> InputSettings | int:
    """The exhibit's ``input.sources`` and ``--tuio`` flags, checked (one line and exit code 2
    for a bad address). GL-free."""
    from vizkit.input.listener import parse_tuio_address

    exhibit = exhibit_settings(args.target)  # already checked by checked_settings
    sources = exhibit.input_sources if exhibit is not None else ("mouse",)
    tuio = [parse_tuio_address(source) for source in sources if source.startswith("tuio:")]
    for text in args.tuio:
        try:
            address = parse_tuio_address(text)
        except ValueError as exc:
            return usage(f"--tuio: {exc}")
        if address in tuio:
            return usage(f"--tuio {text}: listening there already (the exhibit's "
                         f"input.sources name it)")
        tuio.append(address)
    return InputSettings("mouse" in sources, tuio, "touch" in sources)


class InputSourceError(OSError):
    """An input source could not be opened (a TUIO port taken, no touch device)."""


def connect_inputs(loop, inputs: InputSettings) -> None:
    """Start the TUIO listeners and touch devices of ``inputs`` on ``loop``'s input clock.

    Raises :class:`InputSourceError` (one line) when one cannot be opened."""
    from vizkit.input.listener import TuioListener

    try:
        for host, port in inputs.tuio:
            loop.sources.append(TuioListener(host, port, clock=loop.input_time).start())
        if inputs.touch:
            from vizkit.input.evdev_touch import open_touch_devices

            loop.sources.append(open_touch_devices(clock=loop.input_time))
    except OSError as exc:
        raise InputSourceError(str(exc)) from None


@contextmanager
def opened_log(path: str | None) -> Iterator[EventLog | None]:
    """The ``--log-events`` file, opened for appending (``None`` without the flag)."""
    if path is None:
        yield None
        return
    from vizkit.input.eventlog import EventLog

    try:
        log = EventLog(path)
    except OSError as exc:
        raise FileNotFoundError(f"--log-events {path}: cannot append to it "
                                f"({exc.strerror})") from None
    try:
        yield log
    finally:
        log.close()


def headless(target, args: argparse.Namespace, size: tuple[int, int], inputs) -> int:
    """Run ``target`` offscreen in real time for ``--seconds`` and report what happened."""
    from vizkit.image import Image
    from vizkit.input.listener import TuioListener
    from vizkit.input.tuio import DROP_COUNTERS
    from vizkit.output import folders_to_create, make_folders
    from vizkit.script import script_errors
    from vizkit.targets.headless import HeadlessRunner

    if args.out is not None:
        make_folders(folders_to_create(args.out, [Path(args.out)], may_create=True))
    with opened_log(args.log_events) as event_log:
        scene = target.create()
        if args.lang is not None:
            scene.set_language(args.lang)
        runner = HeadlessRunner(scene, size=size, event_log=event_log,
                                quality=quality_of(args, target.exhibit))
        try:
            with script_errors(target.script):  # data loads before the clock starts
                runner.scene.ensure_setup()
            connect_inputs(runner.loop, inputs)
            listeners = [source for source in runner.loop.sources
                         if isinstance(source, TuioListener)]
            addresses = [listener.address for listener in listeners]
            for host, port in addresses:  # the real port, for --tuio 0 and for health checks
                print(f"listening for TUIO 1.1 on {host}:{port} (udp)", flush=True)
            with script_errors(target.script):
                report = runner.run(args.seconds)
            image: Image = runner.image()
        finally:
            runner.close()
    beat = report.heartbeat
    fps = report.frames / report.seconds if report.seconds > 0 else 0.0
    print(f"ran {args.target} headless for {report.seconds:.1f} s: {report.frames} frames "
          f"({fps:.1f} fps), {beat.events} input events, {beat.gestures} gestures, "
          f"{beat.picks} picks, {beat.errors} errors"
          + (f" (last: {beat.last_error})" if beat.errors else ""))
    for (host, port), listener in zip(addresses, listeners, strict=True):
        counters = listener.counters()
        dropped = sum(counters.get(name, 0) for name in (*DROP_COUNTERS, "rate_limited"))
        print(f"TUIO {host}:{port}: {counters.get('packets', 0)} packets, "
              f"{counters.get('frames', 0)} frames, {dropped} dropped")
    if args.out is not None:
        image.save(args.out)
        print(Path(args.out).resolve())
    return 0


def window_for_target(target, *, language: str | None = None, **options) -> int:
    """Create ``target``'s scene and show it in a window until it is closed.

    A failure of the scene script is reported as ``file:line``; a failure of the window itself
    (no usable GL) as the GPU error it is, not as the script's fault.
    """
    from vizkit.gpu import GpuError
    from vizkit.script import ScriptError, script_errors
    from vizkit.targets.window import run_window

    scene = target.create()
    if language is not None:
        scene.set_language(language)
    try:
        with script_errors(target.script):
            return run_window(scene, **options)
    except ScriptError as exc:  # the window itself failed, not the script: say so plainly
        if isinstance(exc.__cause__, GpuError | InputSourceError):
            raise exc.__cause__ from None
        raise
