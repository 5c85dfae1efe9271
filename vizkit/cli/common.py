"""What several commands share: exit codes, argument types, exhibit and dome settings.

GL-free: the settings are read and checked before anything heavy loads, so a wrong
``exhibit.toml`` or dome option costs no GL start-up.
"""

from __future__ import annotations

import argparse
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


def add_quality(parser: argparse.ArgumentParser) -> None:
    """``--quality NAME``: one of the presets of :data:`vizkit.look.QUALITIES`."""
    from vizkit.look import DEFAULT_QUALITY, QUALITIES  # GL-free settings, no imports

    parser.add_argument(
        "--quality", choices=tuple(QUALITIES), default=None,
        help=f"quality preset (default: the exhibit's quality, else {DEFAULT_QUALITY}): kiosk "
             "— MSAA 8, 32-bit float light, bloom, soft shadows and occlusion; laptop — MSAA "
             "4, 16-bit float light, soft light; draft — no MSAA, no shadows or occlusion")


def quality_of(args: argparse.Namespace, exhibit) -> str:
    """The quality preset: ``--quality``, else the exhibit's ``quality``, else the default."""
    from vizkit.look import DEFAULT_QUALITY

    chosen = getattr(args, "quality", None)
    if chosen is None and exhibit is not None:
        chosen = exhibit.quality
    return chosen or DEFAULT_QUALITY


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


def language_spoken(target, code: str | None, command: str) -> bool:
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


def checked_settings(args: argparse.Namespace, command: str):
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
