"""``vizkit run``: a scene or exhibit in an interactive window."""

from __future__ import annotations

import argparse
import sys

from vizkit.cli.common import (
    EXIT_USAGE,
    checked_settings,
    parse_size,
    positive_int,
    whole_number,
)


def add_parser(sub: argparse._SubParsersAction) -> None:
    run = sub.add_parser("run", help="open a scene in an interactive window",
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


def cmd_run(args: argparse.Namespace) -> int:
    code = checked_settings(args, "run")
    if isinstance(code, int):
        return code
    size, dome = code
    from vizkit.gpu.context import display_available
    from vizkit.script import load_target

    if not display_available():
        print("vizkit run: no display found (DISPLAY is not set); render headless instead: "
              f"vizkit render {args.target} --out frame.png"
              + (f" --dome {dome.size or 4096}" if dome is not None else ""), file=sys.stderr)
        return EXIT_USAGE
    target = load_target(args.target)
    exhibit = target.exhibit
    fullscreen = args.fullscreen or (exhibit is not None and exhibit.display == "fullscreen")
    return window_for_target(target, size=size, fullscreen=fullscreen,
                             max_frames=args.frames, dome=dome, screen=args.screen)


def window_for_target(target, **options) -> int:
    """Create ``target``'s scene and show it in a window until it is closed.

    A failure of the scene script is reported as ``file:line``; a failure of the window itself
    (no usable GL) as the GPU error it is, not as the script's fault.
    """
    from vizkit.gpu import GpuError
    from vizkit.script import ScriptError, script_errors
    from vizkit.targets.window import run_window

    scene = target.create()
    try:
        with script_errors(target.script):
            return run_window(scene, **options)
    except ScriptError as exc:  # the window itself failed, not the script: say so plainly
        if isinstance(exc.__cause__, GpuError):
            raise exc.__cause__ from None
        raise
