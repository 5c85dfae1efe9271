"""Margins and secondary suppression for count *tables* (the pandas side of
:meth:`vizkit.privacy.Policy.protect`).

:func:`with_totals` appends total rows to a 1- or 2-key table (with their cell keys, so noise on a
total is the sum of its cells' keys); :func:`secondary_mask` runs
:func:`vizkit.privacy.secondary.secondary_suppression` slice by slice over all keys but the last
two and maps the result back to the table's rows, totals included.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from vizkit.privacy.secondary import secondary_suppression


def with_totals(
    df: pd.DataFrame, count: str, keys: list[str], ckeys: np.ndarray | None, label: str
) -> tuple[pd.DataFrame, np.ndarray | None]:
    """Append margin rows (each key in turn set to ``label``) and their cell keys."""
    work = df[[*keys, count]].copy()
    if ckeys is not None:
        work["_ck"] = ckeys
    frames = [work]
    agg = {count: "sum", **({"_ck": "sum"} if ckeys is not None else {})}
    for i in range(len(keys)):
        by = [k for j, k in enumerate(keys) if j != i]
        part = (work.groupby(by, sort=False, observed=True).agg(agg).reset_index()
                if by else work.agg(agg).to_frame().T)
        part[keys[i]] = label
        frames.append(part)
    if len(keys) == 2:
        grand = work.agg(agg).to_frame().T
        grand[keys[0]] = label
        grand[keys[1]] = label
        frames.append(grand)
    for f in frames:
        for k in keys:
            f[k] = f[k].astype(object)
    full = pd.concat(frames[1:], ignore_index=True)
    full[count] = full[count].astype(np.int64)
    out = pd.concat([df.astype({k: object for k in keys}), full[[*keys, count]]],
                    ignore_index=True)
    if ckeys is None:
        return out, None
    more = full["_ck"].to_numpy(np.int64) & 0xFFFFFFFF
    return out, np.concatenate([ckeys, more])


def secondary_mask(
    df: pd.DataFrame, raw: np.ndarray, keys: list[str], k: int, totals: bool, label: str
) -> np.ndarray:
    """Hidden mask from secondary suppression, slice by slice over all keys but the last two."""
    hidden = np.zeros(len(df), bool)
    line_keys = keys[-2:]
    lead = keys[:-2]
    groups = (df.groupby(lead, sort=False, observed=True).indices if lead
              else {(): np.arange(len(df))})
    for idx in groups.values():
        sub = df.iloc[idx]
        is_cell = np.ones(len(sub), bool)
        if totals:
            is_cell = ~(sub[line_keys] == label).any(axis=1).to_numpy()
        cells = sub[is_cell]
        vals = raw[idx][is_cell]
        codes = [pd.factorize(cells[c], sort=False) for c in line_keys]
        shape = tuple(len(u) for _, u in codes)
        table = np.zeros(shape)
        table[tuple(c for c, _ in codes)] = vals
        mask = secondary_suppression(table, k=k)
        pos = tuple(c for c, _ in codes)
        cell_mask = mask[:-1, :-1][pos] if len(shape) == 2 else mask[:-1][pos]
        sub_hidden = np.zeros(len(sub), bool)
        sub_hidden[is_cell] = cell_mask
        if totals:
            sub_hidden[~is_cell] = _total_mask(sub[~is_cell], line_keys, codes, mask, label)
        hidden[idx] = sub_hidden
    return hidden


def _total_mask(tot: pd.DataFrame, line_keys: list[str], codes: list, mask: np.ndarray,
                label: str) -> np.ndarray:
    """Map the extended-table mask back to total rows."""
    lookups = [pd.Index(u) for _, u in codes]
    pos = []
    for j, c in enumerate(line_keys):
        col = tot[c].to_numpy(object)
        p = np.where(col == label, len(lookups[j]), lookups[j].get_indexer(col))
        pos.append(p)
    return mask[tuple(pos)]

