"""The ``vizkit`` command: render, run, demo, new, check, tuio-sim — one module per command.

Each command module holds its parser (``add_parser(sub)``) next to its handler
(``cmd_<name>(args)``), imports argparse and the standard library only at module level, and
loads what it needs (GL, pandas, the exporter) inside its handler, so ``vizkit --help`` and
``vizkit check`` never load the GL. Settings shared by several commands (exhibit, dome, sizes,
exit codes) live in :mod:`vizkit.cli.common`.

Every command reports problems as one line (``file:line: message`` for scene scripts) and a
non-zero exit code, never as a traceback. ``VIZKIT_DEBUG=1`` shows tracebacks for developers.
"""

from __future__ import annotations

import argparse
import os
import sys

from vizkit.cli import check, demo, new, render, run, tuio_sim
from vizkit.cli.common import (
    EXIT_FAILED,
    EXIT_USAGE,
    checked_settings,
    dome_spec,
    exhibit_settings,
    frame_settings,
)

__all__ = ["COMMANDS", "EXIT_FAILED", "EXIT_USAGE", "ONE_LINE_ERRORS", "build_parser",
           "checked_settings", "dome_spec", "exhibit_settings", "frame_settings", "main",
           "one_line_errors"]

# The commands in the order `vizkit --help` lists them: name → module with add_parser(sub).
PARSERS = {"render": render, "run": run, "demo": demo, "new": new, "check": check,
           tuio_sim.NAME: tuio_sim}

# The handler of each command (looked up when main runs, so a test may replace one).
COMMANDS = {"render": render.cmd_render, "run": run.cmd_run, "demo": demo.cmd_demo,
            "new": new.cmd_new, "check": check.cmd_check, tuio_sim.NAME: tuio_sim.cmd_tuio_sim}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="vizkit",
        description="Open statistics as living 3D exhibits: render scenes headless, run them "
                    "in a window, check data files.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in PARSERS.values():
        module.add_parser(sub)
    return parser


# Errors a command reports as one line (no traceback): module → names of its error classes.
ONE_LINE_ERRORS = {
    "vizkit.script": ("ScriptError",),
    "vizkit.output": ("OutputError",),
    "vizkit.exhibit": ("ExhibitError",),
    "vizkit.fisheye": ("DomeError",),
    "vizkit.gpu.context": ("GpuError",),
    "vizkit.gpu.shaders": ("ShaderError",),
    "vizkit.cli.run": ("InputSourceError",),
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
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == [tuio_sim.NAME]:  # its options are the simulator's own: pass them on whole
        args = argparse.Namespace(command=tuio_sim.NAME, argv=argv[1:])
    else:
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

