"""``vizkit new``: scaffold a scene script that renders at once."""

from __future__ import annotations

import argparse
import keyword
import re
import sys
from pathlib import Path

from vizkit.cli.common import EXIT_FAILED, EXIT_USAGE

TEMPLATE = Path(__file__).resolve().parent.parent / "templates" / "scene.py.tmpl"


def add_parser(sub: argparse._SubParsersAction) -> None:
    new = sub.add_parser("new", help="scaffold a scene script that renders at once",
                         description="Write NAME.py (in ./scenes/ when that folder exists) with "
                                     "a working scene to start from.")
    new.add_argument("name", help="scene name, e.g. commuting_flows")
    new.add_argument("--dir", default=None, help="folder to write into (default: scenes/ or .)")


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
    template = TEMPLATE.read_text("utf-8")
    class_name = "".join(part.capitalize() for part in name.split("_") if part) + "Scene"
    title = name.replace("_", " ").capitalize()
    folder.mkdir(parents=True, exist_ok=True)
    path.write_text(template.format(title=title, class_name=class_name, path=path, name=name),
                    encoding="utf-8")
    print(path)
    print(f"render it: vizkit render {path} --out {name}.png")
    return 0
