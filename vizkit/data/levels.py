"""Tell apart the levels of a region dimension that mixes them.

SCB tables put the country, the counties (län) and the municipalities (kommuner) in one
``Region`` dimension. Swedish region codes tell the level by their length: ``"00"`` is the whole
country (Riket), other 2-digit codes are län (``"03"`` Uppsala län), 4-digit codes are kommuner
(``"0380"`` Uppsala kommun, whose first two digits are its län).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import numpy.typing as npt
import pandas as pd

from vizkit.data.errors import DataError

COUNTRY, COUNTY, MUNICIPALITY, OTHER = "country", "county", "municipality", "other"
_ALIASES = {
    "country": COUNTRY, "riket": COUNTRY, "national": COUNTRY,
    "county": COUNTY, "lan": COUNTY, "län": COUNTY, "region": COUNTY,
    "municipality": MUNICIPALITY, "kommun": MUNICIPALITY, "kommuner": MUNICIPALITY,
}


def region_level(codes: Iterable[str] | pd.Series) -> npt.NDArray[np.str_]:
    """Level of each Swedish region code, vectorised.

    Args:
        codes: (N,) region codes as strings.

    Returns:
        (N,) array of ``"country"`` ("00"), ``"county"`` (other 2-digit codes),
        ``"municipality"`` (4-digit codes) or ``"other"``.
    """
    s = pd.Series(list(codes) if not isinstance(codes, pd.Series) else codes).astype(str)
    digits = s.str.fullmatch(r"\d+").to_numpy(dtype=bool)
    length = s.str.len().to_numpy()
    return np.select(
        [digits & (s.to_numpy() == "00"), digits & (length == 2), digits & (length == 4)],
        [COUNTRY, COUNTY, MUNICIPALITY], default=OTHER)


def select_level(df: pd.DataFrame, level: str | int, column: str | None = None) -> pd.DataFrame:
    """Rows of ``df`` whose region code is at one level.

    Args:
        df: A tidy frame, e.g. from :func:`~vizkit.data.read_jsonstat`.
        level: ``"country"``/``"riket"``, ``"county"``/``"län"``/``"lan"``,
            ``"municipality"``/``"kommun"``, or an int code length.
        column: The region code column. Default: the dimension with role ``geo`` in
            ``df.attrs["role"]``, else ``"Region"``.

    Returns:
        The matching rows (a copy); unused categories of the code column are removed.

    Raises:
        DataError: the column does not exist or the level is unknown.
    """
    column = column or _geo_column(df)
    if column not in df.columns:
        raise DataError(df.attrs.get("provenance") and df.attrs["provenance"].file, column,
                        "no such region column", list(df.columns))
    codes = df[column].astype(str)
    if isinstance(level, int):
        mask = codes.str.len().to_numpy() == level
    else:
        name = _ALIASES.get(level.lower())
        if name is None:
            raise DataError(None, "level", f"unknown region level; use one of {sorted(_ALIASES)}",
                            level)
        mask = region_level(codes) == name
    out = df.loc[mask].copy()
    if isinstance(out[column].dtype, pd.CategoricalDtype):
        out[column] = out[column].cat.remove_unused_categories()
    return out


def _geo_column(df: pd.DataFrame) -> str:
    geo = (df.attrs.get("role") or {}).get("geo") or []
    return geo[0] if geo else "Region"
