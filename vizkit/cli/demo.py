"""``vizkit demo``: the flagship exhibit in a window, or headless to a PNG without a display."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from vizkit.cli.common import EXIT_USAGE, add_quality, frame_settings, parse_size, quality_of
from vizkit.cli.run import window_for_target


def add_parser(sub: argparse._SubParsersAction) -> None:
    demo = sub.add_parser(
        "demo", help="the flagship exhibit: a window when there is a display, else a PNG",
        description="Show vizkit's flagship exhibit (packaged with vizkit) at its exhibit.toml "
                    "size, dome and privacy settings, in a window (f toggles fullscreen). "
                    "Without a display (or with --headless) it is rendered offscreen to a PNG "
                    "file; what was rendered and the file's path are printed.")
    demo.add_argument("--out", "-o", default="out/demo.png",
                      help="PNG path when headless (default out/demo.png; its folder is "
                           "created inside an existing one)")
    demo.add_argument("--size", type=parse_size, default=None,
                      help="WxH (default: the exhibit's size)")
    demo.add_argument("--headless", action="store_true", help="render to a file even with a "
                      "display")
    add_quality(demo)
    demo.add_argument("--t", type=float, default=None, dest="t",
                      help="scene time to render headless (default: the scene's showcase time)")


def cmd_demo(args: argparse.Namespace) -> int:
    from vizkit.demo import DEMO_EXHIBIT, exhibit_folder
    from vizkit.export import RenderJob, render_to_files
    from vizkit.fisheye import DomeError
    from vizkit.gpu.context import display_available
    from vizkit.output import folders_to_create, make_folders
    from vizkit.script import load_target

    target = load_target(exhibit_folder())
    exhibit = target.exhibit
    try:
        size, dome = frame_settings(args, exhibit, "demo")
    except DomeError as exc:
        print(f"vizkit demo: {exc}", file=sys.stderr)
        return EXIT_USAGE
    what = (f"the {DEMO_EXHIBIT} exhibit ({exhibit.title}; scene {target.script.name}, "
            f"privacy threshold {exhibit.min_count})")
    if display_available() and not args.headless:  # a window, even for a fullscreen exhibit
        print(f"showing {what} in a window (f: fullscreen, escape: quit)")
        return window_for_target(target, size=size, fullscreen=False, dome=dome,
                                 quality=quality_of(args, exhibit))
    make_folders(folders_to_create(args.out, [Path(args.out)], may_create=True))
    t = args.t if args.t is not None else float(getattr(target.scene_cls, "showcase_t", 0.0))
    job = RenderJob(size=size, start=t, dome=dome, quality=quality_of(args, exhibit))
    report = render_to_files(target, args.out, job, progress=False)
    width, height = job.frame_size
    kind = "domemaster" if dome is not None else "frame"
    reason = "--headless" if display_available() else "no display"
    print(f"{reason}: rendered {what} at t={t:g}s as a {width}x{height} {kind} to")
    print(report.paths[0].resolve())
    return 0
