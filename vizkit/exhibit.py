"""Exhibit folders: a scene plus how it is shown, in ``exhibit.toml``.

An exhibit is what a museum installs: a folder with ``exhibit.toml`` and its data. Example::

    title = "Commuting in Uppsala län"
    scene = "../../scenes/flagship.py"     # relative to this folder
    display = "fullscreen"                 # window | fullscreen | dome
    size = [1920, 1080]
    languages = ["sv", "en"]

    [dome]                                 # used when display = "dome"
    size = 4096
    aperture = 180
    tilt = 20

    [input]
    sources = ["mouse", "tuio:0.0.0.0:3333"]
    idle_seconds = 90                      # return to the attract loop after this long

    [privacy]
    min_count = 5                          # threshold rule: values below it are not shown

Every field is checked when the folder is loaded; a mistake names the file, the field and the
value. The scene can read its settings as ``scene.exhibit`` (``None`` outside an exhibit).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DISPLAYS = ("window", "fullscreen", "dome")
INPUTS = ("mouse", "touch", "tuio")


class ExhibitError(ValueError):
    """``exhibit.toml`` is missing, unreadable, or a field has a wrong value."""


@dataclass(frozen=True)
class DomeSettings:
    size: int = 2048
    aperture: float = 180.0
    tilt: float = 0.0


@dataclass(frozen=True)
class ExhibitConfig:
    """The settings of one exhibit folder (see the module docstring for the file format)."""

    folder: Path
    scene: Path
    title: str = ""
    display: str = "window"
    size: tuple[int, int] = (1280, 720)
    dome: DomeSettings = field(default_factory=DomeSettings)
    input_sources: tuple[str, ...] = ("mouse",)
    idle_seconds: float = 120.0
    languages: tuple[str, ...] = ("en",)
    min_count: int = 5

    @classmethod
    def load(cls, folder: str | Path) -> ExhibitConfig:
        folder = Path(folder)
        manifest = folder / "exhibit.toml"
        if not manifest.is_file():
            raise ExhibitError(f"{folder}: not an exhibit folder (no exhibit.toml)")
        try:
            raw = tomllib.loads(manifest.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ExhibitError(f"{manifest}: {exc}") from None
        fields = _Fields(manifest, raw)
        scene = fields.get("scene", str, required=True)
        display = fields.choice("display", DISPLAYS, "window")
        size = fields.get("size", list, [1280, 720])
        if len(size) != 2 or not all(isinstance(v, int) and 1 <= v <= 16384 for v in size):
            fields.fail("size", size, "two whole numbers from 1 to 16384, e.g. [1920, 1080]")
        dome = _Fields(manifest, fields.get("dome", dict, {}), "dome.")
        settings = DomeSettings(
            size=dome.number("size", 2048, 512, 8192, whole=True),
            aperture=dome.number("aperture", 180.0, 180.0, 230.0),
            tilt=dome.number("tilt", 0.0, 0.0, 30.0))
        inputs = _Fields(manifest, fields.get("input", dict, {}), "input.")
        sources = tuple(inputs.get("sources", list, ["mouse"]))
        for source in sources:
            if not isinstance(source, str) or source.split(":")[0] not in INPUTS:
                inputs.fail("sources", source, f"one of {INPUTS} (tuio as tuio:HOST:PORT)")
        privacy = _Fields(manifest, fields.get("privacy", dict, {}), "privacy.")
        return cls(folder=folder, scene=(folder / scene), title=fields.get("title", str, ""),
                   display=display, size=(size[0], size[1]), dome=settings,
                   input_sources=sources,
                   idle_seconds=inputs.number("idle_seconds", 120.0, 0.0, 86_400.0),
                   languages=tuple(fields.get("languages", list, ["en"])),
                   min_count=int(privacy.number("min_count", 5, 1, 1_000, whole=True)))


class _Fields:
    """Typed access to one TOML table, with errors that name file, field and value."""

    def __init__(self, manifest: Path, table: dict[str, Any], prefix: str = ""):
        self.manifest, self.table, self.prefix = manifest, table, prefix

    def fail(self, name: str, value: Any, expected: str) -> None:
        raise ExhibitError(f"{self.manifest}: field '{self.prefix}{name}' = {value!r}: "
                           f"expected {expected}")

    def get(self, name: str, kind: type, default: Any = None, required: bool = False) -> Any:
        if name not in self.table:
            if required:
                raise ExhibitError(f"{self.manifest}: field '{self.prefix}{name}' is missing")
            return default
        value = self.table[name]
        if not isinstance(value, kind):
            self.fail(name, value, kind.__name__)
        return value

    def choice(self, name: str, options: tuple[str, ...], default: str) -> str:
        value = self.get(name, str, default)
        if value not in options:
            self.fail(name, value, f"one of {options}")
        return value

    def number(self, name: str, default: float, low: float, high: float,
               whole: bool = False) -> float:
        value = self.table.get(name, default)
        valid = isinstance(value, int) if whole else isinstance(value, (int, float))
        if isinstance(value, bool) or not valid or not low <= value <= high:
            kind = "a whole number" if whole else "a number"
            self.fail(name, value, f"{kind} from {low:g} to {high:g}")
        return value
