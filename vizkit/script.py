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
from dataclasses import dataclass, replace
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
    """A scene class and everything it was loaded with: its script, the exhibit settings (size,
    dome, privacy threshold) and the folders its data files are found in.

    It pickles by reference — script path, exhibit settings and asset folders, all absolute — so
    a render farm's workers (local processes or Dask) rebuild exactly this target: they execute
    the script again and create scenes with the same exhibit, policy and assets as this process.

    Attributes:
        scene_cls: the :class:`Scene` subclass the script defines.
        script: the scene script.
        exhibit: the exhibit's settings when loaded from an exhibit folder.
        asset_roots: where ``assets.path(name)`` looks, in order (see :meth:`assets`).
    """

    scene_cls: type[Scene]
    script: Path
    exhibit: ExhibitConfig | None = None
    asset_roots: tuple[Path, ...] = ()

    def assets(self) -> Assets:
        """The exhibit folder's ``assets/`` and the folder itself (for an exhibit), then the
        script's folders and ``./assets`` (:meth:`Assets.for_script`) — fixed at load time."""
        if self.asset_roots:
            return Assets(*self.asset_roots)
        return _asset_roots_for(self.script, self.exhibit)

    def create(self) -> Scene:
        """A fresh scene instance with its assets, carrying the exhibit's settings."""
        with script_errors(self.script):
            scene = self.scene_cls(self.assets())
        scene.exhibit = self.exhibit
        return scene

    def __reduce__(self) -> tuple[object, tuple[object, ...]]:
        exhibit = self.exhibit
        if exhibit is not None:
            exhibit = replace(exhibit, folder=exhibit.folder.resolve(),
                              scene=exhibit.scene.resolve())
        roots = tuple(root.resolve() for root in self.assets().roots)
        return (_reload, (self.script.resolve(), exhibit, roots))


def _asset_roots_for(script: Path, exhibit: ExhibitConfig | None) -> Assets:
    assets = Assets.for_script(script)
    if exhibit is not None:
        assets.roots[:0] = [exhibit.folder / "assets", exhibit.folder]
    return assets


def _reload(script: Path, exhibit: ExhibitConfig | None,
            asset_roots: tuple[Path, ...]) -> LoadedTarget:
    """Unpickle a :class:`LoadedTarget`: execute its script again in this process."""
    return LoadedTarget(load_scene_class(script), script, exhibit, asset_roots)


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
    config = None
    if path.is_dir():
        try:
            config = ExhibitConfig.load(path)
        except ExhibitError as exc:
            raise ScriptError(str(exc)) from None
        path = config.scene
    roots = tuple(root.resolve() for root in _asset_roots_for(path, config).roots)
    return LoadedTarget(load_scene_class(path), path, config, roots)
