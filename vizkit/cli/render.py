"""``vizkit render``: a scene headless to PNG, a PNG sequence, an MP4 or domemasters."""

from __future__ import annotations

import argparse

from vizkit.cli.common import (
    EXIT_USAGE,
    add_quality,
    checked_settings,
    language_spoken,
    parse_size,
    positive_float,
    positive_int,
    quality_of,
    whole_number,
)


def add_parser(sub: argparse._SubParsersAction) -> None:
    render = sub.add_parser(
        "render", help="render a scene headless to PNG, a PNG sequence or an MP4 video",
        description="Render TARGET (a scene script or exhibit folder) offscreen through EGL. "
                    "Frame i is at time START + i / FPS, so output is frame-exact. A PNG "
                    "sequence resumes where it stopped (existing frames are skipped).")
    render.add_argument("target", help="scene script (.py) or exhibit folder")
    render.add_argument("--out", "-o", required=True,
                        help="output: a .png; for several frames a pattern like "
                             "frames/f_%%04d.png, or a .mp4 (H.264)")
    render.add_argument("--size", type=parse_size, default=None,
                        help="WIDTHxHEIGHT in pixels (default: the exhibit's size, else "
                             "1280x720)")
    render.add_argument("--frames", type=positive_int, default=1,
                        help="number of frames (default 1)")
    render.add_argument("--fps", type=positive_float, default=None,
                        help="frames per second of scene time (default: the scene's, 30)")
    render.add_argument("--start", type=float, default=0.0,
                        help="scene time of the first frame, seconds (default 0)")
    add_quality(render)
    render.add_argument("--samples", type=int, default=None,
                        help="MSAA samples, 0 to switch anti-aliasing off (default: the "
                             "quality's, 4 for laptop)")
    render.add_argument("--dome", type=whole_number, default=None, metavar="SIZE",
                        help="render SIZExSIZE domemaster frames (angular fisheye, zenith at "
                             "the centre, front at the bottom; 1024..8192). An exhibit with "
                             "display = \"dome\" renders domemasters without it")
    render.add_argument("--aperture", type=float, default=None, metavar="DEG",
                        help="dome aperture in degrees, 180..230 (default: the exhibit's "
                             "[dome], else 180)")
    render.add_argument("--tilt", type=float, default=None, metavar="DEG",
                        help="dome tilt in degrees, 0..30 (default: the exhibit's [dome], "
                             "else 0)")
    render.add_argument("--gaze", type=float, default=None, metavar="DEG",
                        help="where the camera's look direction lands, degrees above the "
                             "dome's front spring line (default: the exhibit's [dome], else "
                             "the tilt, i.e. eye level; 35 = the front sweet spot, for scenes "
                             "that look down on their subject)")
    render.add_argument("--lang", default=None, metavar="CODE",
                        help="on-screen language, one the scene or exhibit speaks (sv, en; "
                             "default: the exhibit's language, else the scene's first)")
    render.add_argument("--no-hud", action="store_true",
                        help="leave on-screen text (HUD layers) out of the frames")
    render.add_argument("--workers", type=positive_int, default=1, metavar="N",
                        help="render frame ranges on N local processes (default 1)")
    render.add_argument("--overwrite", action="store_true",
                        help="render every frame of a sequence again (default: resume)")
    render.add_argument("--quiet", "-q", action="store_true", help="no progress bar")


def cmd_render(args: argparse.Namespace) -> int:
    code = checked_settings(args, "render")
    if isinstance(code, int):
        return code
    size, dome = code
    from vizkit.export import RenderJob, is_video, render_to_files
    from vizkit.script import load_target

    target = load_target(args.target)
    if not language_spoken(target, args.lang, "render"):
        return EXIT_USAGE
    fps = args.fps or float(getattr(target.scene_cls, "fps", 30.0))
    job = RenderJob(size=size, frames=args.frames, fps=fps, start=args.start,
                    samples=None if args.samples is None else max(0, args.samples),
                    quality=quality_of(args, target.exhibit), dome=dome, hud=not args.no_hud,
                    language=args.lang)
    report = render_to_files(target, args.out, job, progress=not args.quiet,
                             workers=args.workers, overwrite=args.overwrite)
    paths = report.paths
    if is_video(args.out) or len(paths) == 1:
        print(paths[0])
    else:
        print(f"{len(paths)} frames: {paths[0]} … {paths[-1]}")
    return 0
