"""The ``vizkit`` command: render, run, demo, new, check.

Every command reports problems as one line (``file:line: message`` for scene scripts) and a
non-zero exit code, never as a traceback. ``VIZKIT_DEBUG=1`` shows tracebacks for developers.
"""

from __future__ import annotations

import argparse
import keyword
import os
import re
import sys
from pathlib import Path

EXIT_USAGE = 2
EXIT_FAILED = 1


def parse_size(text: str) -> tuple[int, int]:
    match = re.fullmatch(r"\s*(\d+)\s*[xX×]\s*(\d+)\s*", text)
    if not match:
        raise argparse.ArgumentTypeError(f"size must look like 1280x720, got {text!r}")
    width, height = int(match.group(1)), int(match.group(2))
    if not (1 <= width <= 16384 and 1 <= height <= 16384):
        raise argparse.ArgumentTypeError(f"size {width}x{height} is outside 1..16384")
    return width, height


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a number >= 1, got {value}")
    return value


def positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"expected a number > 0, got {value}")
    return value


def whole_number(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="vizkit",
        description="Open statistics as living 3D exhibits: render scenes headless, run them "
                    "in a window, check data files.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

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
    render.add_argument("--samples", type=int, default=4,
                        help="MSAA samples, 0 to switch anti-aliasing off (default 4)")
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
    run.add_argument("--lang", default=None, metavar="CODE",
                     help="on-screen language to start in (sv, en; l switches while running)")

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
    demo.add_argument("--t", type=float, default=None, dest="t",
                      help="scene time to render headless (default: the scene's showcase time)")

    new = sub.add_parser("new", help="scaffold a scene script that renders at once",
                         description="Write NAME.py (in ./scenes/ when that folder exists) with "
                                     "a working scene to start from.")
    new.add_argument("name", help="scene name, e.g. commuting_flows")
    new.add_argument("--dir", default=None, help="folder to write into (default: scenes/ or .)")

    check = sub.add_parser("check", help="read a data file and print its quality report",
                           description="Read DATA (JSON-stat, PxWeb json, CSV, Parquet, GeoJSON) "
                                       "and report rows, dimensions, missing and flagged cells, "
                                       "duplicates, timeliness and licence.")
    check.add_argument("data", help="data file")
    check.add_argument("--json", action="store_true", help="machine-readable JSON")
    check.add_argument("--min-count", type=int, default=None,
                       help="also report what disclosure control at this threshold changes")
    check.add_argument("--regions", default=None,
                       help="GeoJSON of regions: report codes without geometry")
    return parser


def exhibit_settings(target: str | Path):
    """The exhibit's settings when ``target`` is an exhibit folder, else ``None``.

    Read without executing the scene (and without GL), so exhibit and dome settings are
    checked before anything loads. Raises ``ExhibitError`` naming file, field and value.
    """
    from vizkit.exhibit import ExhibitConfig

    return ExhibitConfig.load(target) if Path(target).is_dir() else None


def dome_spec(args: argparse.Namespace, exhibit=None, *, auto_size: bool = False):
    """The dome to render as a validated DomeSpec, or ``None`` for flat frames.

    A dome is drawn when ``--dome`` is given or the exhibit's display is ``"dome"``. Each of
    ``--dome SIZE``, ``--aperture``, ``--tilt`` and ``--gaze`` overrides the exhibit's ``[dome]``
    setting of the same name; what neither sets takes DomeSpec's default. The ranges are
    :data:`vizkit.fisheye.DOME_RANGES`, the same as exhibit.toml's. ``auto_size`` (``vizkit
    run``) lets ``--dome`` without SIZE mean "the window's shorter side" (size 0).

    Raises ``DomeError`` with a one-line message naming the option and its range.
    """
    from vizkit.fisheye import SIZE_RANGE, DomeError, DomeSpec

    flags = {name: getattr(args, name, None) for name in ("dome", "aperture", "tilt", "gaze")}
    if flags["dome"] is None and (exhibit is None or exhibit.display != "dome"):
        given = [name for name in ("aperture", "tilt", "gaze") if flags[name] is not None]
        if given:
            raise DomeError(f"--{given[0]} needs --dome SIZE (it shapes the dome frame)")
        return None
    base = exhibit.dome if exhibit is not None else DomeSpec()
    spec = DomeSpec(
        base.size if flags["dome"] is None else flags["dome"],
        base.aperture if flags["aperture"] is None else flags["aperture"],
        base.tilt if flags["tilt"] is None else flags["tilt"],
        base.gaze if flags["gaze"] is None else flags["gaze"])
    if auto_size and spec.size == 0:  # `run --dome`: the window's size, checked there
        DomeSpec(SIZE_RANGE[0], spec.aperture, spec.tilt, spec.gaze).validate()
        return spec
    return spec.validate(min_size=SIZE_RANGE[0])


def frame_settings(args: argparse.Namespace, exhibit, command: str):
    """``(size, dome)`` for a render: flags over the exhibit's settings over the defaults.

    Raises ``DomeError`` when ``--size`` asks for a flat frame of a dome (render only).
    """
    from vizkit.fisheye import DomeError

    dome = dome_spec(args, exhibit, auto_size=command == "run")
    if dome is not None and args.size is not None and command != "run":
        if getattr(args, "dome", None) is not None:
            raise DomeError("--size and --dome both set the frame size; a domemaster is "
                            "square: use --dome SIZE alone")
        raise DomeError(f"--size: {exhibit.folder / 'exhibit.toml'} shows on a dome (display "
                        f"= \"dome\"), whose frames are square: use --dome SIZE")
    size = args.size or (exhibit.size if exhibit is not None else (1280, 720))
    return size, dome


def _checked_settings(args: argparse.Namespace, command: str):
    """``(size, dome)`` from the exhibit and the flags, or the exit code after printing one
    line: ``EXIT_FAILED`` for a wrong exhibit.toml, ``EXIT_USAGE`` for wrong dome options.
    GL-free: nothing is loaded before these are checked."""
    from vizkit.exhibit import ExhibitError
    from vizkit.fisheye import DomeError

    try:
        exhibit = exhibit_settings(args.target)
    except ExhibitError as exc:
        print(f"vizkit {command}: {exc}", file=sys.stderr)
        return EXIT_FAILED
    try:
        return frame_settings(args, exhibit, command)
    except DomeError as exc:
        print(f"vizkit {command}: {exc}", file=sys.stderr)
        return EXIT_USAGE


def cmd_render(args: argparse.Namespace) -> int:
    code = _checked_settings(args, "render")
    if isinstance(code, int):
        return code
    size, dome = code
    from vizkit.export import RenderJob, is_video, render_to_files
    from vizkit.script import load_target

    target = load_target(args.target)
    if not _language_spoken(target, args.lang, "render"):
        return EXIT_USAGE
    fps = args.fps or float(getattr(target.scene_cls, "fps", 30.0))
    job = RenderJob(size=size, frames=args.frames, fps=fps, start=args.start,
                    samples=max(0, args.samples), dome=dome, hud=not args.no_hud,
                    language=args.lang)
    report = render_to_files(target, args.out, job, progress=not args.quiet,
                             workers=args.workers, overwrite=args.overwrite)
    paths = report.paths
    if is_video(args.out) or len(paths) == 1:
        print(paths[0])
    else:
        print(f"{len(paths)} frames: {paths[0]} … {paths[-1]}")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    code = _checked_settings(args, "run")
    if isinstance(code, int):
        return code
    size, dome = code
    from vizkit.gpu.context import display_available
    from vizkit.script import load_target, script_errors

    if not display_available():
        print("vizkit run: no display found (DISPLAY is not set); render headless instead: "
              f"vizkit render {args.target} --out frame.png"
              + (f" --dome {dome.size or 4096}" if dome is not None else ""), file=sys.stderr)
        return EXIT_USAGE
    target = load_target(args.target)
    if not _language_spoken(target, args.lang, "run"):
        return EXIT_USAGE
    exhibit = target.exhibit
    fullscreen = args.fullscreen or (exhibit is not None and exhibit.display == "fullscreen")
    return _run_window(target, size=size, fullscreen=fullscreen,
                       max_frames=args.frames, dome=dome, screen=args.screen,
                       script_errors=script_errors, language=args.lang)


def _language_spoken(target, code: str | None, command: str) -> bool:
    """True when ``--lang code`` is absent or one the scene speaks; else says so (one line)."""
    if code is None:
        return True
    from vizkit.text.i18n import StringsError

    scene = target.create()
    try:
        scene.set_language(code)
    except StringsError as exc:
        print(f"vizkit {command}: --lang {code}: {exc}", file=sys.stderr)
        return False
    finally:
        scene.release()
    return True


def _run_window(target, *, script_errors, language: str | None = None, **options) -> int:
    from vizkit.gpu import GpuError
    from vizkit.script import ScriptError
    from vizkit.targets.window import run_window

    scene = target.create()
    if language is not None:
        scene.set_language(language)
    try:
        with script_errors(target.script):
            return run_window(scene, **options)
    except ScriptError as exc:  # the window itself failed, not the script: say so plainly
        if isinstance(exc.__cause__, GpuError):
            raise exc.__cause__ from None
        raise


def cmd_demo(args: argparse.Namespace) -> int:
    from vizkit.demo import DEMO_EXHIBIT, exhibit_folder
    from vizkit.export import RenderJob, render_to_files
    from vizkit.fisheye import DomeError
    from vizkit.gpu.context import display_available
    from vizkit.output import folders_to_create, make_folders
    from vizkit.script import load_target, script_errors

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
        return _run_window(target, size=size, fullscreen=False, dome=dome,
                           script_errors=script_errors)
    make_folders(folders_to_create(args.out, [Path(args.out)], may_create=True))
    t = args.t if args.t is not None else float(getattr(target.scene_cls, "showcase_t", 0.0))
    job = RenderJob(size=size, start=t, dome=dome)
    report = render_to_files(target, args.out, job, progress=False)
    width, height = job.frame_size
    kind = "domemaster" if dome is not None else "frame"
    reason = "--headless" if display_available() else "no display"
    print(f"{reason}: rendered {what} at t={t:g}s as a {width}x{height} {kind} to")
    print(report.paths[0].resolve())
    return 0


def cmd_new(args: argparse.Namespace) -> int:
    name = args.name.removesuffix(".py")
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name) or keyword.iskeyword(name):
        print(f"vizkit new: {name!r} is not a valid scene name (letters, digits, underscores)",
              file=sys.stderr)
        return EXIT_USAGE
    folder = Path(args.dir) if args.dir else (Path("scenes") if Path("scenes").is_dir()
                                               else Path("."))
    path = folder / f"{name}.py"
    if path.exists():
        print(f"vizkit new: {path} already exists; not overwriting it", file=sys.stderr)
        return EXIT_FAILED
    template = Path(__file__).with_name("templates").joinpath("scene.py.tmpl").read_text("utf-8")
    class_name = "".join(part.capitalize() for part in name.split("_") if part) + "Scene"
    title = name.replace("_", " ").capitalize()
    folder.mkdir(parents=True, exist_ok=True)
    path.write_text(template.format(title=title, class_name=class_name, path=path, name=name),
                    encoding="utf-8")
    print(path)
    print(f"render it: vizkit render {path} --out {name}.png")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    try:
        from vizkit.quality import check_command
    except ImportError as exc:
        print(f"vizkit check: the data quality module is not available ({exc})",
              file=sys.stderr)
        return EXIT_FAILED
    return check_command(args.data, as_json=args.json, min_count=args.min_count,
                         regions=args.regions)


COMMANDS = {"render": cmd_render, "run": cmd_run, "demo": cmd_demo, "new": cmd_new,
            "check": cmd_check}


# Errors a command reports as one line (no traceback): module → names of its error classes.
ONE_LINE_ERRORS = {
    "vizkit.script": ("ScriptError",),
    "vizkit.output": ("OutputError",),
    "vizkit.exhibit": ("ExhibitError",),
    "vizkit.fisheye": ("DomeError",),
    "vizkit.gpu.context": ("GpuError",),
    "vizkit.gpu.shaders": ("ShaderError",),
}


def one_line_errors() -> tuple[type[BaseException], ...]:
    """The error classes :func:`main` prints as one line, from the modules already imported.

    A module that was never imported cannot have raised its error, so looking the classes up in
    ``sys.modules`` (when an exception is being handled) catches all of them without importing
    the GL, the exporter or the script loader before every command.
    """
    errors: list[type[BaseException]] = [FileNotFoundError]
    for module_name, names in ONE_LINE_ERRORS.items():
        module = sys.modules.get(module_name)
        if module is not None:
            errors.extend(getattr(module, name) for name in names)
    return tuple(errors)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except one_line_errors() as exc:  # evaluated only when an exception is raised
        if os.environ.get("VIZKIT_DEBUG"):
            raise
        print(f"vizkit {args.command}: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print(f"vizkit {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
