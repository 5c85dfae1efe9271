"""Languages: string tables, translatable messages and locale formatting (Babel).

**String tables** are TOML files, one table per language, keys to text::

    # scenes/flagship.strings.toml — the words of scenes/flagship.py
    [sv]
    title = "Uppsala län — var människor bor och hur de pendlar"
    [en]
    title = "Uppsala län — where people live and how they commute"

A scene's table sits next to its script as ``<script>.strings.toml``; vizkit's own words
(legend, credits, info card) are in ``vizkit/text/strings.toml`` under ``vizkit.*`` keys. Every
language of a table must have every key — a missing one is an error naming the file, the
language and the key, when the table is loaded. Text may hold ``{name}`` placeholders.

**Messages** (:class:`Msg`) are a key plus parameters, resolved when drawn, so switching the
language at run time changes every string on screen. Numbers and dates given as parameters are
formatted for the language by Babel (Swedish: ``12 345,6``, ``21 nov. 2026``), never by hand.
"""

from __future__ import annotations

import datetime as _dt
import math
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_time
from babel.numbers import format_decimal

BUILTIN = Path(__file__).with_name("strings.toml")
DEFAULT_LANGUAGE = "en"
CODE = re.compile(r"^[a-z]{2,3}(_[A-Z]{2})?$")


class StringsError(ValueError):
    """A string table that is missing, unreadable, or lacks a key in one of its languages."""


@dataclass(frozen=True)
class Msg:
    """A translatable message: a string-table key and its parameters, resolved when drawn.

    ``Msg("title")``, ``Msg("vizkit.legend.below", k=5)``. Parameters that are numbers or
    dates are formatted for the language shown; other parameters may be messages themselves.
    """

    key: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def __init__(self, key: str, /, **params: Any):
        object.__setattr__(self, "key", key)
        object.__setattr__(self, "params", dict(params))

    def __hash__(self) -> int:
        return hash((self.key, tuple(sorted((k, repr(v)) for k, v in self.params.items()))))


class Joined(Msg):
    """Parts shown joined by ``separator`` (`` · `` or a line break), each translated or
    formatted on its own."""

    def __init__(self, parts: Sequence[Any], separator: str = " · "):
        super().__init__("", parts=tuple(parts), separator=separator)

    @property
    def parts(self) -> tuple[Any, ...]:
        return tuple(self.params["parts"])


class Quantity(Msg):
    """A value with units, formatted for the language when shown: ``12 345 persons`` (sv) /
    ``12,345 persons`` (en) — whole numbers without decimals, others with one (two below 10);
    ``signed`` puts a plus on positive changes."""

    def __init__(self, value: float, units: str = "", signed: bool = False):
        super().__init__("", value=float(value), units=units, signed=signed)


Text = str | Msg


def check_code(code: str, where: str = "language") -> str:
    """``code`` if it is a language code Babel knows (``sv``, ``en``, ``en_GB``), else a clear
    ``StringsError``."""
    if not isinstance(code, str) or not CODE.match(code):
        raise StringsError(f"{where}: {code!r} is not a language code like 'sv' or 'en_GB'")
    try:
        Locale.parse(code)
    except (UnknownLocaleError, ValueError):
        raise StringsError(f"{where}: {code!r} is not a language Babel knows") from None
    return code


def _flatten(table: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in table.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            out.update(_flatten(value, f"{name}."))
        else:
            out[name] = value
    return out


class Strings:
    """String tables of several languages: ``{language: {key: text}}``.

    Args:
        tables: per language code, its keys and texts (nested tables become dotted keys).
        source: where the tables came from, for error messages.
    """

    def __init__(self, tables: Mapping[str, Mapping[str, Any]], source: str = "strings"):
        self.source = source
        self.tables: dict[str, dict[str, str]] = {}
        for code, table in tables.items():
            check_code(code, f"{source}: [{code}]")
            if not isinstance(table, Mapping):
                raise StringsError(f"{source}: [{code}] must be a table of key = \"text\"")
            flat = _flatten(table)
            for key, text in flat.items():
                if not isinstance(text, str):
                    raise StringsError(f"{source}: [{code}] {key} = {text!r}: expected text")
            self.tables[code] = flat
        keys = set().union(*(t.keys() for t in self.tables.values())) if self.tables else set()
        for code, table in self.tables.items():
            missing = sorted(keys - table.keys())
            if missing:
                raise StringsError(f"{source}: [{code}] lacks key(s) {', '.join(missing)} "
                                   f"(every language needs every key)")

    @classmethod
    def load(cls, path: str | Path) -> Strings:
        path = Path(path)
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise StringsError(f"{path}: cannot read the string table ({exc.strerror})") from None
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise StringsError(f"{path}: {exc}") from None
        return cls(raw, str(path))

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(self.tables)

    def __contains__(self, key: str) -> bool:
        return any(key in t for t in self.tables.values())

    def merged(self, other: Strings) -> Strings:
        """These tables with ``other``'s keys added (``other`` wins); languages of both."""
        out = Strings({}, f"{self.source} + {other.source}")
        for code in dict.fromkeys((*self.languages, *other.languages)):
            out.tables[code] = {**self.tables.get(code, {}), **other.tables.get(code, {})}
        return out

    def text(self, key: str, language: str) -> str:
        table = self.tables.get(language) or self.tables.get(language.split("_")[0])
        if table is None:
            raise StringsError(f"{self.source}: no [{language}] table (it has "
                               f"{', '.join(self.languages) or 'none'})")
        try:
            return table[key]
        except KeyError:
            raise StringsError(f"{self.source}: [{language}] has no key {key!r}") from None


@lru_cache(maxsize=1)
def builtin_strings() -> Strings:
    """vizkit's own words (``vizkit.*`` keys), Swedish and English."""
    return Strings.load(BUILTIN)


def scene_strings_path(script: str | Path) -> Path:
    """Where a scene script's string table lives: ``<script>.strings.toml`` beside it."""
    script = Path(script)
    return script.with_name(f"{script.stem}.strings.toml")


class Language:
    """One language in use: translates messages and formats numbers and dates (Babel).

    Args:
        code: ``"sv"``, ``"en"``, ``"en_GB"`` …
        strings: the tables to translate from (vizkit's own words are always included).
    """

    def __init__(self, code: str = DEFAULT_LANGUAGE, strings: Strings | None = None):
        self.code = check_code(code)
        self.locale = Locale.parse(code)
        base = builtin_strings()
        self.strings = base if strings is None else base.merged(strings)

    def __repr__(self) -> str:
        return f"Language({self.code!r})"

    @property
    def name(self) -> str:
        """The language's own name (``svenska``, ``English``)."""
        return str(self.locale.get_display_name(self.locale) or self.code)

    def __call__(self, text: Text | None) -> str:
        """The text shown for a message (plain strings are shown as they are)."""
        if text is None:
            return ""
        if isinstance(text, Joined):
            return str(text.params["separator"]).join(self.value(p) for p in text.parts)
        if isinstance(text, Quantity):
            return self.quantity(**text.params)
        if isinstance(text, Msg):
            template = self.strings.text(text.key, self.code)
            params = {k: self.value(v) for k, v in text.params.items()}
            try:
                return template.format(**params)
            except (KeyError, IndexError, ValueError) as exc:
                raise StringsError(f"{self.strings.source}: [{self.code}] {text.key} = "
                                   f"{template!r}: placeholder {exc} has no value") from None
        return str(text)

    def value(self, value: Any) -> str:
        """A parameter as text: messages translated, numbers and dates formatted."""
        if isinstance(value, Msg):
            return self(value)
        if isinstance(value, bool) or value is None:
            return str(value)
        if isinstance(value, int):
            return self.number(value)
        if isinstance(value, float):
            return self.number(value, 0 if value.is_integer() and abs(value) < 1e15 else None)
        if isinstance(value, _dt.datetime):
            return f"{self.date(value.date())} {self.time(value.time())}"
        if isinstance(value, _dt.date):
            return self.date(value)
        if isinstance(value, _dt.time):
            return self.time(value)
        return str(value)

    def number(self, value: float, decimals: int | None = None, *,
               grouping: bool = True) -> str:
        """``value`` with the language's separators (sv ``12 345,6``); ``decimals`` fixes the
        number of decimals (None: up to 3 after the point); ``grouping=False`` leaves out the
        thousands separator (years, codes)."""
        if isinstance(value, float) and math.isnan(value):
            return "–"
        whole = "#,##0" if grouping else "0"
        if decimals is None:
            return format_decimal(value, format=whole + ".###", locale=self.locale)
        pattern = whole + ("." + "0" * decimals if decimals > 0 else "")
        return format_decimal(round(value, decimals), format=pattern, locale=self.locale)

    def quantity(self, value: float, units: str = "", signed: bool = False) -> str:
        """See :class:`Quantity`."""
        if math.isnan(value):
            return "–"
        magnitude = abs(value)
        decimals = 0 if float(value).is_integer() or magnitude >= 100 else (
            1 if magnitude >= 10 else 2)
        text = self.number(value, decimals)
        if signed and value > 0:
            text = "+" + text
        return f"{text} {self(units)}".strip()

    def date(self, value: _dt.date | str, style: str = "medium") -> str:
        """A date in the language's style (sv ``21 nov. 2026``, en ``Nov 21, 2026``)."""
        if isinstance(value, str):
            value = _dt.date.fromisoformat(value[:10])
        return format_date(value, style, locale=self.locale)

    def time(self, value: _dt.time, style: str = "short") -> str:
        """A clock time in the language's style (sv ``07:30``, en ``7:30 AM``)."""
        return format_time(value, style, locale=self.locale)

    def hours(self, hours: float) -> str:
        """A time of day given in hours since midnight (7.5 → ``07:30`` / ``7:30 AM``)."""
        minutes = round(hours * 60) % (24 * 60)
        return self.time(_dt.time(minutes // 60, minutes % 60))


def pick_language(wanted: str | None, available: Sequence[str], *,
                  where: str = "--lang") -> str:
    """``wanted`` if it is one of ``available`` (else a clear error), or the first available."""
    if wanted is None:
        return available[0] if available else DEFAULT_LANGUAGE
    check_code(wanted, where)
    if available and wanted not in available:
        raise StringsError(f"{where} {wanted}: this exhibit speaks {', '.join(available)}")
    return wanted
