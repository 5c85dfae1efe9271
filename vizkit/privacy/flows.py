"""Origin–destination flows: small flows removed, or merged into an "other" flow per origin.

Merge rule (per origin, and per time bin / category when given): sort the origin's flows
ascending (ties by destination code as text); a flow is **merged** if it is below ``k``, or if the
origin has a flow below ``k`` and the flows before it sum to less than ``k`` — so the pooled
"other" flow reaches ``k`` whenever the origin's total does, and never holds a single small flow
alone. The "other" flow carries the pooled raw count (then noise/rounding like any flow), so
``sum(shown flows) + other`` equals the origin's total up to the policy's noise and rounding. If
the whole origin is below ``k`` the "other" flow is hidden too. Merged and removed flows stay in
the result, marked ``suppressed`` (rule ``merged`` / ``threshold``), so layers can draw them
distinctly.

Never assume published parts add up to published totals: with noise or rounding they do not.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from vizkit.privacy.cellkey import MASK32, cell_keys_from_labels
from vizkit.privacy.policy import DEFAULT_POLICY, Policy


def merge_mask(frame: pd.DataFrame, group: list[str], destination: str, count: str,
               k: int) -> np.ndarray:
    """Bool mask (in ``frame`` order) of flows pooled into "other" by the merge rule."""
    n = frame[count].to_numpy(np.int64)
    work = pd.DataFrame({"_n": n, "_d": frame[destination].astype(str).to_numpy()})
    for g in group:
        work[g] = frame[g].to_numpy()
    order = work.sort_values([*group, "_n", "_d"], kind="stable").index.to_numpy()
    w = work.loc[order]
    small = (w["_n"] > 0) & (w["_n"] < k)
    gb = w.groupby(group, sort=False, observed=True, dropna=False)
    cum_excl = gb["_n"].cumsum() - w["_n"]
    has_small = small.groupby([w[g] for g in group], sort=False, observed=True,
                              dropna=False).transform("any")
    merged = (w["_n"] > 0) & (small | (has_small & (cum_excl < k)))
    out = np.zeros(len(frame), bool)
    out[order] = merged.to_numpy()
    return out


def protect_flows(
    od_df: pd.DataFrame,
    *,
    origin: str = "origin",
    destination: str = "destination",
    count: str = "volume",
    policy: Policy = DEFAULT_POLICY,
    by: Sequence[str] = (),
    cell_key: str | None = "cell_key",
    other: str = "other",
) -> pd.DataFrame:
    """Protect an OD table (one row per origin, destination [, time, category]).

    Args:
        od_df: the flows; ``count`` holds raw non-negative counts.
        origin: origin code column.
        destination: destination code column (cast to text when flows are merged).
        count: flow volume column.
        policy: the disclosure policy; ``policy.flows`` picks remove or merge.
        by: extra key columns (time bin, mode …); merging happens within each.
        cell_key: cell key column (sum of record keys mod 2**32), used for noise if present.
        other: destination label of the pooled flow.

    Returns:
        New frame: ``origin, destination, *by, count`` (protected, NaN hidden), ``suppressed``,
        ``rule``; plus one ``other`` row per origin (and ``by`` slice) that pooled flows.
        ``attrs["privacy"]`` holds the statement.
    """
    keys = [origin, destination, *by]
    group = [origin, *by]
    ckey_col = cell_key if cell_key is not None and cell_key in od_df.columns else None
    cols = [*keys, count] + ([ckey_col] if ckey_col else [])
    flows = od_df[cols].reset_index(drop=True)
    if flows.duplicated(keys).any():
        raise ValueError(f"more than one row per flow for keys {keys}; aggregate first")
    if not policy.enabled or policy.flows == "remove":
        out = policy.protect(flows, count=count, keys=keys, cell_key=ckey_col)
        out.attrs["privacy"]["statement"] = policy.flow_statement(other)
        return out
    if policy.needs_cell_keys and ckey_col is None:
        ckey_col = "_cell_key"
        flows[ckey_col] = cell_keys_from_labels(flows[keys], policy.seed)
        cols = [*cols, ckey_col]
    merged = merge_mask(flows, group, destination, count, policy.k)
    flows[destination] = flows[destination].astype(str)
    pooled = flows[merged]
    agg = {count: "sum", **({ckey_col: "sum"} if ckey_col else {})}
    others = pooled.groupby(group, sort=False, observed=True, dropna=False).agg(agg).reset_index()
    others[destination] = other
    if ckey_col:
        others[ckey_col] = others[ckey_col].to_numpy(np.int64) & MASK32
    table = pd.concat([flows, others[cols]], ignore_index=True)
    hidden = np.concatenate([merged, np.zeros(len(others), bool)])
    ckeys = table[ckey_col].to_numpy(np.int64) if ckey_col else None
    res = policy.apply(table[count].to_numpy(np.float64), cell_keys=ckeys, hidden=hidden)
    out = table[keys].copy()
    out[count] = res.values
    out["suppressed"] = res.suppressed
    rule = res.rule.astype(str)
    rule[hidden] = "merged"
    out["rule"] = rule
    out.attrs = {"privacy": {"statement": policy.flow_statement(other),
                             "policy": policy.params()}}
    return out
