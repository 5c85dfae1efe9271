"""Join a value table to region geometry by region code, and say what did not match.

Codes are compared as strings. When codes fail to match only because one side dropped their
leading zeros (SCB's län ``"01"`` against a boundary file's integer ``1``), the report says so
(:attr:`JoinReport.zero_padding`, :meth:`JoinReport.summary`) and ``zfill=2`` — or
``zfill="auto"`` — pads both sides so they match.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterable
from typing import Literal

import pandas as pd

from vizkit.data.errors import DataError
from vizkit.data.provenance import get_provenance

log = logging.getLogger("vizkit.data")


def leading_zero_pairs(codes: Iterable[str], region_codes: Iterable[str]
                       ) -> tuple[tuple[tuple[str, str], ...], int | None]:
    """Unmatched codes that would match once leading zeros are ignored.

    Args:
        codes: Codes of the value table.
        region_codes: Codes of the regions.

    Returns:
        ``(pairs, width)``: sorted ``(value code, region code)`` pairs that differ only by
        leading zeros, and the zero-padding width that makes every pair match (the longest
        code of the pairs), or ``((), None)`` when there are none.
    """
    values, regions = set(codes), set(region_codes)
    only_values, only_regions = values - regions, regions - values
    stripped: dict[str, str] = {}
    for code in only_regions:
        if code.isdigit():
            stripped.setdefault(code.lstrip("0") or "0", code)
    pairs = sorted((code, stripped[key]) for code in only_values if code.isdigit()
                   and (key := code.lstrip("0") or "0") in stripped)
    if not pairs:
        return (), None
    return tuple(pairs), max(max(len(a), len(b)) for a, b in pairs)


@dataclasses.dataclass(frozen=True)
class JoinReport:
    """Which codes matched.

    Attributes:
        matched: Codes present in both, sorted.
        only_in_values: Codes in the value table with no geometry, sorted.
        only_in_regions: Region codes with no values, sorted.
        zero_padding: ``(value code, region code)`` pairs among the unmatched that differ only
            by leading zeros (``("01", "1")``), sorted; empty when there are none.
        suggested_zfill: The ``zfill`` width that makes those pairs match, or None.
    """

    matched: tuple[str, ...]
    only_in_values: tuple[str, ...]
    only_in_regions: tuple[str, ...]
    zero_padding: tuple[tuple[str, str], ...] = ()
    suggested_zfill: int | None = None

    @property
    def complete(self) -> bool:
        """True when every code matched on both sides."""
        return not self.only_in_values and not self.only_in_regions

    def summary(self) -> str:
        """One line: how many codes matched, and what to do when zeros were lost."""
        total = len(self.matched) + len(self.only_in_values)
        text = (f"{len(self.matched)} of {total} value codes matched a region; "
                f"{len(self.only_in_values)} without geometry, {len(self.only_in_regions)} "
                "regions without values")
        if self.zero_padding:
            shown = ", ".join(f"{a!r} ~ {b!r}" for a, b in self.zero_padding[:3])
            more = ", …" if len(self.zero_padding) > 3 else ""
            text += (f"; {len(self.zero_padding)} codes differ only by leading zeros ({shown}"
                     f"{more}): join with zfill={self.suggested_zfill} (or zfill='auto')")
        return text

    def to_dict(self) -> dict[str, object]:
        """JSON-serialisable form."""
        out: dict[str, object] = {k: list(v) for k, v in dataclasses.asdict(self).items()
                                  if k not in ("zero_padding", "suggested_zfill")}
        out["zero_padding"] = [list(p) for p in self.zero_padding]
        out["suggested_zfill"] = self.suggested_zfill
        return out


def join_regions(values: pd.DataFrame, regions: pd.DataFrame, *, code_column: str = "Region",
                 how: Literal["inner", "left", "right", "outer"] = "inner",
                 zfill: int | Literal["auto"] | None = None
                 ) -> tuple[pd.DataFrame, JoinReport]:
    """Join a value table to regions (from :func:`~vizkit.data.read_geojson`) by code.

    Codes are compared as strings (``zfill`` pads them on both sides, e.g. county ids
    ``3`` → ``"03"`` with ``zfill=2``). Without ``zfill``, codes that fail to match only for
    their leading zeros are named in the report and logged (logger ``vizkit.data``) with the
    ``zfill`` that would join them; ``zfill="auto"`` applies it.

    Args:
        values: Tidy values with a region code column.
        regions: Regions indexed by code.
        code_column: The code column of ``values``.
        how: pandas merge mode; rows of ``values`` keep their order.
        zfill: Left-pad codes with zeros to this width before comparing; ``"auto"``: the
            width that makes codes differing only by leading zeros match (none when there
            are no such codes).

    Returns:
        ``(joined, report)``: ``values`` with the region columns added (``geometry``,
        ``centroid_x``, …; the values' provenance kept in ``attrs``), and a :class:`JoinReport`.

    Raises:
        DataError: ``code_column`` is not a column of ``values``.
    """
    if code_column not in values.columns:
        prov = get_provenance(values)
        raise DataError(prov.file if prov else None, code_column, "no such code column",
                        list(values.columns))
    codes = values[code_column].astype(str).str.strip()
    region_codes = pd.Index(regions.index.astype(str).str.strip())
    if zfill == "auto":
        zfill = leading_zero_pairs(codes.unique(), region_codes)[1]
    elif zfill is not None and (not isinstance(zfill, int) or isinstance(zfill, bool)
                                or zfill < 1):
        raise ValueError(f"join_regions: zfill must be a width >= 1, 'auto' or None, got "
                         f"{zfill!r}")
    if zfill:
        codes, region_codes = codes.str.zfill(zfill), region_codes.str.zfill(zfill)
    left = values.copy()
    left["_code"] = codes.to_numpy()
    right = regions.copy()
    right.index = region_codes
    right = right.rename(columns={c: f"region_{c}" for c in right.columns
                                  if c in left.columns})
    joined = left.merge(right, left_on="_code", right_index=True, how=how, sort=False)
    joined = joined.drop(columns="_code")
    joined.attrs = dict(values.attrs)
    value_set, region_set = set(codes.unique()), set(region_codes)
    pairs, width = leading_zero_pairs(value_set, region_set)
    report = JoinReport(tuple(sorted(value_set & region_set)),
                        tuple(sorted(value_set - region_set)),
                        tuple(sorted(region_set - value_set)), pairs, width)
    if pairs:
        log.warning("join_regions on %r: %s", code_column, report.summary())
    joined.attrs["join"] = report.to_dict()
    return joined, report
