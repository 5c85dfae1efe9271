"""Exhibit folders: a scene plus how it is shown, in ``exhibit.toml``.

An exhibit is what a museum installs: a folder with ``exhibit.toml`` and its data. Example::

    title = "Commuting in Uppsala län"
    scene = "../../scenes/flagship.py"     # relative to this folder
    display = "fullscreen"                 # window | fullscreen | dome
    size = [1920, 1080]                    # window / flat frame size in pixels
    quality = "kiosk"                      # kiosk | laptop | draft (default: laptop)
    languages = ["sv", "en"]               # on-screen languages (the scene's string table)
    language = "sv"                        # shown first (default: the first of languages)

    [dome]                                 # the dome it is shown on (display = "dome", --dome)
    size = 4096                            # domemaster pixels, 1024..8192 (default 4096)
    aperture = 180                         # degrees, 180..230 (default 180)
    tilt = 20                              # degrees, 0..30 (default 0)
    gaze = 35                              # degrees above the front spring line (default:
                                           # the content framed on the front sweet spot)

    [input]
    sources = ["mouse", "tuio:3333"]       # "mouse", "touch" (Linux multi-touch devices),
                                           # "tuio:[HOST:]PORT" (TUIO 1.1 over UDP)

    [privacy]
    min_count = 5                          # threshold rule: values below it are not shown

Every field is checked when the folder is loaded; a mistake names the file, the field and the
value, an unknown or misspelt key names the closest valid one, and a field vizkit does not
implement yet (``input.idle_seconds``) is refused as "not supported yet" rather than accepted
and ignored. The dome ranges are those of the command line (:data:`vizkit.fisheye.DOME_RANGES`).
``vizkit render`` and ``vizkit run`` use these settings unless a command-line flag overrides
them; the scene reads them as ``scene.exhibit`` (``None`` outside an exhibit).
"""

from __future__ import annotations

import difflib
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vizkit.fisheye import DOME_RANGES, DomeSpec
from vizkit.look import QUALITIES
from vizkit.text.i18n import StringsError, check_code

MANIFEST = "exhibit.toml"
DISPLAYS = ("window", "fullscreen", "dome")
INPUTS = ("mouse", "touch", "tuio:[HOST:]PORT")

# Every key exhibit.toml may hold, per table ("" is the top level).
KEYS: dict[str, tuple[str, ...]] = {
    "": ("title", "scene", "display", "size", "quality", "dome", "input", "privacy",
         "languages", "language"),
    "dome": tuple(DOME_RANGES),
    "input": ("sources", "idle_seconds"),
    "privacy": ("min_count",),
}
# Keys that are known but not implemented yet: refused with what they will do.
NOT_SUPPORTED_YET = {
    "input.idle_seconds": "returning to the attract loop after idle time",
}


class ExhibitError(ValueError):
    """``exhibit.toml`` is missing, unreadable, or a field has a wrong value."""


@dataclass(frozen=True)
class ExhibitConfig:
    """The settings of one exhibit folder (see the module docstring for the file format).

    Attributes:
        folder: the exhibit folder (its ``assets/`` and itself are searched for data first).
        scene: the scene script.
        title: shown in the window title.
        display: ``window``, ``fullscreen`` or ``dome``.
        size: window / flat frame size in pixels.
        quality: the quality preset (:data:`vizkit.look.QUALITIES`; None: vizkit's default,
            ``"laptop"``), unless ``--quality`` says otherwise.
        dome: the dome the exhibit is shown on (used by ``display = "dome"`` and ``--dome``).
        input_sources: where input comes from: ``"mouse"``, ``"touch"`` (the machine's
            multi-touch devices) and ``"tuio:HOST:PORT"`` (a TUIO 1.1 listener; the host is
            127.0.0.1 unless given), as checked strings.
        min_count: the disclosure threshold of the scene's policy.
        languages: the on-screen languages, each in the scene's string table (None: the
            table's own); language: the one shown first (None: the first of ``languages``).
    """

    folder: Path
    scene: Path
    title: str = ""
    display: str = "window"
    size: tuple[int, int] = (1280, 720)
    quality: str | None = None
    dome: DomeSpec = field(default_factory=DomeSpec)
    input_sources: tuple[str, ...] = ("mouse",)
    min_count: int = 5
    languages: tuple[str, ...] | None = None
    language: str | None = None

    @classmethod
    def load(cls, folder: str | Path) -> ExhibitConfig:
        folder = Path(folder)
        manifest = folder / MANIFEST
        if not manifest.is_file():
            raise ExhibitError(f"{folder}: not an exhibit folder (no {MANIFEST})")
        try:
            raw = tomllib.loads(manifest.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ExhibitError(f"{manifest}: {exc}") from None
        top = _Table(manifest, raw, "")
        scene = top.get("scene", str, required=True)
        display = top.choice("display", DISPLAYS, "window")
        size = top.get("size", list, [1280, 720])
        if len(size) != 2 or not all(isinstance(v, int) and not isinstance(v, bool)
                                     and 1 <= v <= 16384 for v in size):
            top.fail("size", size, "two whole numbers from 1 to 16384, e.g. [1920, 1080]")
        quality = top.choice("quality", tuple(QUALITIES), "") if "quality" in raw else None
        dome = _Table(manifest, top.get("dome", dict, {}), "dome")
        inputs = _Table(manifest, top.get("input", dict, {}), "input")
        sources = _input_sources(inputs)
        privacy = _Table(manifest, top.get("privacy", dict, {}), "privacy")
        languages, language = _languages(top)
        return cls(folder=folder, scene=folder / scene, title=top.get("title", str, ""),
                   display=display, size=(size[0], size[1]), quality=quality,
                   dome=_dome_spec(dome),
                   input_sources=sources,
                   min_count=int(privacy.number("min_count", 5, 1, 1_000, whole=True)),
                   languages=languages, language=language)


def _languages(top: _Table) -> tuple[tuple[str, ...] | None, str | None]:
    """``languages`` (codes Babel knows, no repeats) and ``language`` (one of them)."""
    raw = top.get("languages", list, None)
    languages = None
    if raw is not None:
        if not raw or len(set(map(str, raw))) != len(raw):
            top.fail("languages", raw, "a list of different language codes, e.g. [\"sv\", \"en\"]")
        for code in raw:
            try:
                check_code(code)
            except StringsError:
                top.fail("languages", code, "a language code like \"sv\" or \"en_GB\"")
        languages = tuple(raw)
    language = top.get("language", str, None)
    if language is not None and language not in (languages or (language,)):
        top.fail("language", language, f"one of languages {list(languages or ())}")
    if language is not None and languages is None:
        try:
            check_code(language)
        except StringsError:
            top.fail("language", language, "a language code like \"sv\" or \"en_GB\"")
    return languages, language


def _input_sources(table: _Table) -> tuple[str, ...]:
    """``[input] sources``, checked: each a known kind, TUIO addresses valid and not twice.
    A TUIO source is given back in full form, ``tuio:HOST:PORT``."""
    from vizkit.input.listener import parse_tuio_address

    checked: list[str] = []
    for source in table.get("sources", list, ["mouse"]):
        if isinstance(source, str) and source.startswith("tuio:"):
            try:
                host, port = parse_tuio_address(source)
            except ValueError:
                table.fail("sources", source, "\"tuio:PORT\" or \"tuio:HOST:PORT\" with PORT "
                                              "1–65535, e.g. \"tuio:3333\"")
            if port == 0:
                table.fail("sources", source, "a TUIO port from 1 to 65535")
            source = f"tuio:{host}:{port}"
        elif source not in ("mouse", "touch"):
            table.fail("sources", source, f"one of {INPUTS}")
        if source in checked:
            table.fail("sources", source, "each source once")
        checked.append(source)
    return tuple(checked)


def _dome_spec(table: _Table) -> DomeSpec:
    """The ``[dome]`` table as a :class:`DomeSpec`, checked against the CLI's ranges."""
    default = DomeSpec()
    values = {name: table.table.get(name, getattr(default, name)) for name in DOME_RANGES}
    for name, limits in DOME_RANGES.items():
        if name in table.table and not limits.accepts(values[name]):
            kind = "a whole number" if limits.whole else "a number"
            table.fail(name, values[name], f"{kind} from {limits.low:g} to {limits.high:g} "
                                           f"({limits.unit})")
    return DomeSpec(int(values["size"]), float(values["aperture"]), float(values["tilt"]),
                    None if values["gaze"] is None else float(values["gaze"]))


class _Table:
    """Typed access to one TOML table, with errors that name file, field and value.

    Creating it checks the table's keys: an unknown key is an error naming the closest valid
    one; a key that is not implemented yet is refused as such.
    """

    def __init__(self, manifest: Path, table: dict[str, Any], name: str):
        self.manifest, self.table, self.name = manifest, table, name
        valid = KEYS[name]
        for key in table:
            if key not in valid:
                close = difflib.get_close_matches(key, valid, n=1, cutoff=0.6)
                hint = (f"did you mean '{self.field(close[0])}'?" if close
                        else f"valid fields here: {', '.join(valid)}")
                raise ExhibitError(f"{manifest}: unknown field '{self.field(key)}'; {hint}")
            if self.field(key) in NOT_SUPPORTED_YET:
                self.not_supported(key, table[key], NOT_SUPPORTED_YET[self.field(key)])

    def field(self, key: str) -> str:
        return f"{self.name}.{key}" if self.name else key

    def fail(self, key: str, value: Any, expected: str) -> None:
        raise ExhibitError(f"{self.manifest}: field '{self.field(key)}' = {value!r}: "
                           f"expected {expected}")

    def not_supported(self, key: str, value: Any, what: str) -> None:
        raise ExhibitError(f"{self.manifest}: field '{self.field(key)}' = {value!r}: not "
                           f"supported yet ({what}); remove it")

    def get(self, key: str, kind: type, default: Any = None, required: bool = False) -> Any:
        if key not in self.table:
            if required:
                raise ExhibitError(f"{self.manifest}: field '{self.field(key)}' is missing")
            return default
        value = self.table[key]
        if not isinstance(value, kind):
            expected = f"a table [{self.field(key)}]" if kind is dict else kind.__name__
            self.fail(key, value, expected)
        return value

    def choice(self, key: str, options: tuple[str, ...], default: str) -> str:
        value = self.get(key, str, default)
        if value not in options:
            self.fail(key, value, f"one of {options}")
        return value

    def number(self, key: str, default: float, low: float, high: float,
               whole: bool = False) -> float:
        value = self.table.get(key, default)
        valid = isinstance(value, int) if whole else isinstance(value, (int, float))
        if isinstance(value, bool) or not valid or not low <= value <= high:
            kind = "a whole number" if whole else "a number"
            self.fail(key, value, f"{kind} from {low:g} to {high:g}")
        return value
