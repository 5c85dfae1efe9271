"""Loading scene scripts and reporting their errors as ``file:line: message``.

A scene script is a plain ``.py`` file defining one :class:`vizkit.Scene` subclass (or naming the
one to use in a module-level ``SCENE = MyScene`` when it defines several). It is executed under
its own module name, so an ``if __name__ == "__main__": vizkit.run(...)`` block does not fire.

Errors in the script — a syntax error, an exception while loading, in ``setup`` or in ``update``
— become a :class:`ScriptError` whose message points at the script's own line, not at vizkit's
internals: ``scenes/terrain.py:14: ValueError: Terrain: extent must be ...``.
"""

from __future__ import annotations

import contextlib
import runpy
import sys
import traceback
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from vizkit.assets import Assets
from vizkit.exhibit import ExhibitConfig, ExhibitError
from vizkit.scene import Scene

RUN_NAME = "__vizkit_scene__"


class ScriptError(Exception):
    """A scene script (or exhibit) could not be loaded or failed while running."""


def _location(exc: BaseException, script: Path) -> str:
    """``file:line`` of the deepest traceback frame inside ``script`` (or the deepest frame)."""
    if isinstance(exc, SyntaxError) and exc.filename:
        return f"{exc.filename}:{exc.lineno}"
    frames = traceback.extract_tb(exc.__traceback__)
    target = str(script.resolve())
    inside = [f for f in frames if f.filename and Path(f.filename).resolve() == Path(target)]
    frame = inside[-1] if inside else (frames[-1] if frames else None)
    if frame is None:
        return str(script)
    return f"{_display_path(Path(frame.filename))}:{frame.lineno}"


def _display_path(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def describe(exc: BaseException, script: Path) -> str:
    """One line: ``file:line: ExceptionType: message``."""
    if isinstance(exc, SyntaxError):
        return f"{_location(exc, script)}: SyntaxError: {exc.msg}"
    message = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{_location(exc, script)}: {type(exc).__name__}: {message}".rstrip(": ")


@contextlib.contextmanager
def script_errors(script: str | Path) -> Iterator[None]:
    """Turn any exception raised inside the block into a one-line :class:`ScriptError`."""
    try:
        yield
    except ScriptError:
        raise
    except (Exception, SystemExit) as exc:  # a script calling sys.exit() is an error too
        raise ScriptError(describe(exc, Path(script))) from exc


@dataclass(frozen=True)
class LoadedTarget:
    """A scene class and where it came from (a script, or an exhibit folder's script)."""

    scene_cls: type[Scene]
    script: Path
    exhibit: ExhibitConfig | None = None

    def create(self) -> Scene:
        """A fresh scene instance with assets resolved relative to its script (and, for an
        exhibit, also in the exhibit folder), carrying the exhibit's settings."""
        assets = Assets.for_script(self.script)
        if self.exhibit is not None:
            assets.roots[:0] = [self.exhibit.folder / "assets", self.exhibit.folder]
        with script_errors(self.script):
            scene = self.scene_cls(assets)
        scene.exhibit = self.exhibit
        return scene


def load_scene_class(path: str | Path) -> type[Scene]:
    """Execute a scene script and return its :class:`Scene` subclass."""
    script = Path(path)
    if not script.is_file():
        raise ScriptError(f"{script}: no such scene script")
    sys.path.insert(0, str(script.resolve().parent))  # scripts may import helper modules
    try:
        with script_errors(script):
            namespace = runpy.run_path(str(script), run_name=RUN_NAME)
    finally:
        sys.path.pop(0)
    chosen = namespace.get("SCENE")
    if chosen is not None:
        if isinstance(chosen, type) and issubclass(chosen, Scene):
            return chosen
        raise ScriptError(f"{script}: SCENE must be a vizkit.Scene subclass, got {chosen!r}")
    found = [v for v in namespace.values()
             if isinstance(v, type) and issubclass(v, Scene) and v.__module__ == RUN_NAME]
    if not found:
        raise ScriptError(f"{script}:1: no vizkit.Scene subclass defined in this script")
    if len(found) > 1:
        names = ", ".join(c.__name__ for c in found)
        raise ScriptError(f"{script}:1: several scenes defined ({names}); "
                          f"choose one with SCENE = <name>")
    return found[0]


def load_target(target: str | Path) -> LoadedTarget:
    """A scene script, or an exhibit folder whose ``exhibit.toml`` names its scene."""
    path = Path(target)
    if path.is_dir():
        try:
            config = ExhibitConfig.load(path)
        except ExhibitError as exc:
            raise ScriptError(str(exc)) from None
        return LoadedTarget(load_scene_class(config.scene), config.scene, config)
    return LoadedTarget(load_scene_class(path), path)
