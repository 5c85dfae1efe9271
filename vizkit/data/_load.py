"""Load a JSON document from a path or take an in-memory one, with errors that name the file."""

from __future__ import annotations

import json
from collections.abc import Mapping
from os import PathLike
from pathlib import Path
from typing import Any

from vizkit.data.errors import DataError

Source = str | PathLike[str] | Mapping[str, Any]


def load_json(source: Source) -> tuple[Any, str | None]:
    """Parse ``source`` (a path, or an already parsed mapping).

    Returns:
        ``(document, file)`` where ``file`` is the path as a string, or None for a mapping.

    Raises:
        DataError: the file is missing, not UTF-8, or not valid (e.g. truncated) JSON.
    """
    if isinstance(source, Mapping):
        return source, None
    path = Path(source)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DataError(path, "(file)", f"cannot open: {exc.strerror or exc}") from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataError(path, "(encoding)", f"not UTF-8 at byte {exc.start}") from exc
    if not text.strip():
        raise DataError(path, "(json)", "the file is empty")
    try:
        return json.loads(text), str(path)
    except json.JSONDecodeError as exc:
        hint = "; the file looks truncated" if exc.pos >= len(text.rstrip()) - 1 else ""
        raise DataError(path, "(json)", f"invalid JSON: {exc.msg} at line {exc.lineno} column "
                        f"{exc.colno}{hint}") from exc
