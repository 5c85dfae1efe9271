"""Join a value table to region geometry by region code, and say what did not match."""

from __future__ import annotations

import dataclasses
from typing import Literal

import pandas as pd

from vizkit.data.errors import DataError
from vizkit.data.provenance import get_provenance


@dataclasses.dataclass(frozen=True)
class JoinReport:
    """Which codes matched.

    Attributes:
        matched: Codes present in both, sorted.
        only_in_values: Codes in the value table with no geometry, sorted.
        only_in_regions: Region codes with no values, sorted.
    """

    matched: tuple[str, ...]
    only_in_values: tuple[str, ...]
    only_in_regions: tuple[str, ...]

    @property
    def complete(self) -> bool:
        """True when every code matched on both sides."""
        return not self.only_in_values and not self.only_in_regions

    def to_dict(self) -> dict[str, list[str]]:
        """JSON-serialisable form."""
        return {k: list(v) for k, v in dataclasses.asdict(self).items()}


def join_regions(values: pd.DataFrame, regions: pd.DataFrame, *, code_column: str = "Region",
                 how: Literal["inner", "left", "right", "outer"] = "inner",
                 zfill: int | None = None) -> tuple[pd.DataFrame, JoinReport]:
    """Join a value table to regions (from :func:`~vizkit.data.read_geojson`) by code.

    Codes are compared as strings (``zfill`` pads them on both sides, e.g. county ids
    ``3`` → ``"03"`` with ``zfill=2``).

    Args:
        values: Tidy values with a region code column.
        regions: Regions indexed by code.
        code_column: The code column of ``values``.
        how: pandas merge mode; rows of ``values`` keep their order.
        zfill: Left-pad codes with zeros to this width before comparing.

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
    report = JoinReport(tuple(sorted(value_set & region_set)),
                        tuple(sorted(value_set - region_set)),
                        tuple(sorted(region_set - value_set)))
    joined.attrs["join"] = report.to_dict()
    return joined, report
