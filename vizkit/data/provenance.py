"""Where a dataset came from: source, licence, dates and a citation line.

Every reader attaches a :class:`Provenance` to ``DataFrame.attrs["provenance"]``. It is a frozen
dataclass, so pandas (which deep-copies ``attrs`` when it propagates them through selections,
merges, ``concat`` and ``groupby``) keeps it intact; :meth:`Provenance.to_dict` gives the
JSON-serialisable form. Layers copy it, so an exhibit can always credit what it draws with
:meth:`Provenance.attribution`.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import json
from collections.abc import Mapping
from os import PathLike
from pathlib import Path
from typing import Any

import pandas as pd

#: Licences of the open data published by some statistics offices, used when a file does not
#: state one itself (JSON-stat has no licence field). SPDX ids. Pass ``licence=`` to override.
PUBLISHER_LICENCES: dict[str, str] = {
    "scb": "CC0-1.0",
    "statistics sweden": "CC0-1.0",
    "statistiska centralbyrån": "CC0-1.0",
    "statistics norway": "CC-BY-4.0",
    "ssb": "CC-BY-4.0",
    "statistisk sentralbyrå": "CC-BY-4.0",
    "eurostat": "CC-BY-4.0",
}


@dataclasses.dataclass(frozen=True)
class Provenance:
    """Source, licence and dates of one dataset.

    Attributes:
        source: Publisher, e.g. ``"SCB"`` or ``"Statistics Norway"``.
        licence: SPDX licence id such as ``"CC0-1.0"`` or ``"CC-BY-4.0"``; ``None`` if unknown.
        updated: When the publisher last updated the data, ISO 8601 (date or date-time).
        retrieved: When the data was fetched or read, ISO 8601.
        url: Where the data came from (API URL or file path).
        title: Dataset title.
        citation_text: A citation line given by the publisher; :meth:`citation` builds one
            when empty.
        modelled: True for data made by a model rather than measured (vizkit's sample data).
        file: Local file the data was read from, if any.
    """

    source: str = ""
    licence: str | None = None
    updated: str | None = None
    retrieved: str | None = None
    url: str | None = None
    title: str = ""
    citation_text: str = ""
    modelled: bool = False
    file: str | None = None

    def citation(self) -> str:
        """One citation line: ``"Title. Source (updated 2025-02-21), CC0-1.0. url"``."""
        if self.citation_text:
            return self.citation_text
        parts = [self.title.rstrip(".") + "." if self.title else ""]
        who = self.source or "Unknown source"
        if self.modelled:
            who += ", modelled data"
        when = f" (updated {self.updated[:10]})" if self.updated else ""
        parts.append(f"{who}{when}, {self.licence or 'licence unknown'}.")
        if self.url:
            parts.append(self.url)
        return " ".join(p for p in parts if p)

    def attribution(self) -> str:
        """Short on-screen credit: ``"Source: SCB · CC0-1.0 · 2025-02-21"``."""
        bits = [f"Source: {self.source or 'unknown'}"]
        if self.modelled:
            bits.append("modelled")
        bits.append(self.licence or "licence unknown")
        if self.updated:
            bits.append(self.updated[:10])
        return " · ".join(bits)

    def days_since_updated(self, today: _dt.date | None = None) -> int | None:
        """Whole days from :attr:`updated` to ``today`` (default: today, UTC); None if unknown."""
        date = parse_date(self.updated)
        if date is None:
            return None
        today = today or _dt.datetime.now(_dt.UTC).date()
        return (today - date).days

    def replace(self, **changes: Any) -> Provenance:
        """A copy with some fields changed."""
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Provenance:
        """Inverse of :meth:`to_dict`; unknown keys are ignored."""
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})


def parse_date(text: str | None) -> _dt.date | None:
    """The date part of an ISO 8601 date or date-time string, or None if absent or unparsable."""
    if not text:
        return None
    try:
        return _dt.date.fromisoformat(str(text)[:10])
    except ValueError:
        return None


def publisher_licence(source: str | None) -> str | None:
    """The SPDX licence a known publisher applies to its open data, or None."""
    if not source:
        return None
    return PUBLISHER_LICENCES.get(source.strip().lower())


def now_iso() -> str:
    """Current UTC time, ISO 8601 to the second."""
    return _dt.datetime.now(_dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def get_provenance(df: pd.DataFrame | pd.Series) -> Provenance | None:
    """The provenance attached to a frame (also accepts the ``to_dict`` form), or None."""
    prov = df.attrs.get("provenance")
    if isinstance(prov, Provenance):
        return prov
    if isinstance(prov, Mapping):
        return Provenance.from_dict(prov)
    return None


def attach(df: pd.DataFrame, provenance: Provenance) -> pd.DataFrame:
    """Set ``df.attrs["provenance"]`` in place and return ``df``."""
    df.attrs["provenance"] = provenance
    return df


def sidecar_provenance(path: str | PathLike[str]) -> Provenance | None:
    """Provenance from a ``<name>.provenance.json`` file next to ``path``, if there is one.

    Formats without metadata (CSV, GeoJSON, Parquet) can carry their source and licence this
    way; the JSON object has the fields of :class:`Provenance`.
    """
    p = Path(path)
    side = p.with_name(f"{p.stem}.provenance.json")
    if not side.is_file():
        return None
    try:
        data = json.loads(side.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, Mapping):
        return None
    return Provenance.from_dict(data).replace(file=str(p))
