"""A scene's languages: which it speaks, which one is shown, and its string table.

The table is ``<script>.strings.toml`` next to the scene script (or the file a scene class names
in ``strings_file``). The languages spoken are the exhibit's ``languages`` when run from an
exhibit folder, else the table's, else vizkit's own (Swedish and English). The language shown
first is, in order: ``--lang``, the exhibit's ``language``, the scene's ``default_language``,
the first language spoken. Every language spoken must be in the table — a missing one is an
error naming the table and the language, when the scene starts.
"""

from __future__ import annotations

import types
from collections.abc import Sequence
from pathlib import Path

from vizkit.text.i18n import (
    Language,
    Msg,
    Strings,
    StringsError,
    builtin_strings,
    check_code,
    scene_strings_path,
)


def defining_file(cls: type) -> Path | None:
    """The source file of the first class in ``cls``'s MRO that defines a function (a scene
    script run with runpy has no module in ``sys.modules``; its functions know their file)."""
    for klass in cls.__mro__:
        if klass.__module__.startswith("vizkit."):
            return None
        for value in vars(klass).values():
            code = getattr(value, "__code__", None)
            if isinstance(value, types.FunctionType) and code is not None:
                path = Path(code.co_filename)
                return path if path.is_file() else None
    return None


class SceneWords:
    """The languages and string table of one scene instance.

    Args:
        table: the scene's string table file (None: the scene has none).
        spoken: the exhibit's languages (None: the table's, else vizkit's own).
        first: the language to show first (None: see the module docstring).
    """

    def __init__(self, table: Path | None, spoken: Sequence[str] | None = None,
                 first: str | None = None, *, where: str = "exhibit.toml"):
        self.table_path = table if table is not None and table.is_file() else None
        self.strings = Strings.load(self.table_path) if self.table_path else None
        own = self.strings.languages if self.strings else builtin_strings().languages
        self.languages = tuple(spoken) if spoken else tuple(own)
        for code in self.languages:
            check_code(code, f"{where}: languages")
            if self.strings is not None and code not in self.strings.languages:
                raise StringsError(f"{self.table_path}: no [{code}] table, but the exhibit "
                                   f"speaks {code} ({where}: languages)")
        self._cache: dict[str, Language] = {}
        self.current = self.language(self.choose(first))

    def choose(self, wanted: str | None) -> str:
        if wanted is None:
            return self.languages[0]
        check_code(wanted, "language")
        if wanted not in self.languages:
            raise StringsError(f"language {wanted!r}: this scene speaks "
                               f"{', '.join(self.languages)}")
        return wanted

    def language(self, code: str) -> Language:
        if code not in self._cache:
            self._cache[code] = Language(code, self.strings)
        return self._cache[code]

    def set(self, code: str) -> Language:
        self.current = self.language(self.choose(code))
        return self.current

    def next(self) -> Language:
        """Switch to the next language spoken (wrapping round)."""
        i = self.languages.index(self.current.code)
        return self.set(self.languages[(i + 1) % len(self.languages)])

    def message(self, key: str, **params: object) -> Msg:
        """A message of the scene's table; an unknown key is an error naming the table."""
        if self.strings is None:
            raise StringsError(f"no string table for key {key!r}: write "
                               f"<script>.strings.toml next to the scene (docs/text.md)")
        if key not in self.strings:
            raise StringsError(f"{self.table_path}: no key {key!r}")
        return Msg(key, **params)


def words_for(cls: type, strings_file: str | None, spoken: Sequence[str] | None,
              first: str | None, where: str) -> SceneWords:
    """The :class:`SceneWords` of a scene class (its table found next to its script)."""
    script = defining_file(cls)
    table = None
    if strings_file is not None:
        base = script.parent if script is not None else Path.cwd()
        table = base / strings_file
        if not table.is_file():
            raise StringsError(f"strings_file {strings_file!r}: no such file ({table})")
    elif script is not None:
        table = scene_strings_path(script)
    return SceneWords(table, spoken, first, where=where)
