"""Origin–destination flows: small flows removed, or pooled into "other destinations" per origin.

Pooling rule (``policy.flows == "merge"``, the default), within each group — an origin, and its
time bin and category when there are any:

1. sort the group's flows ascending (ties by destination code as text);
2. a flow is **pooled** if it is below ``k``, or if the group has a flow below ``k`` and the flows
   before it sum to less than ``k`` — so the pool reaches ``k`` whenever the group's total does,
   and never holds a single small flow alone (the next flow joins it);
3. a pool made only of flows of 1 (its total equals its number of flows, so each could be
   worked out) takes the next flow as well;
4. a pool that holds fewer than two flows or totals less than ``k`` is hidden too.

So what a frame shows — the flows left, the pool, the origin's total — never lets one pooled
flow be worked out: each lies anywhere between 1 and the pool's total minus one per other member.
The pool carries the pooled raw count, then noise and rounding like any flow, so the shown flows
plus the pool equal the group's total up to noise and rounding. ``"remove"`` hides small flows
and shows no sum they belong to.

A **measure** (trips spread over hours with a profile, a rate) rests on counts (``base``): the
rules above run on the base counts, and the shown value is the measure itself, unperturbed (the
pool shows the sum of its flows' measures).

Noise keys on a cell's identity — origin and destination codes, time label, category, as text —
so the same cell gets the same noise in any row order, subset or layer.

Never assume published parts add up to published totals: with noise or rounding they do not.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from vizkit.data.flows import OTHER, FlowCells, FlowsError
from vizkit.privacy.cellkey import MASK32, cell_keys_from_labels
from vizkit.privacy.policy import DEFAULT_POLICY, Policy
from vizkit.privacy.threshold import primary_suppression


def pooled_mask(counts: npt.ArrayLike, group: npt.ArrayLike, ties: npt.ArrayLike,
                k: int) -> npt.NDArray[np.bool_]:
    """Flows pooled into their group's "other destinations" by the rule in the module doc.

    Args:
        counts: (N,) non-negative counts (zeros are never pooled).
        group: (N,) group id of each flow (origin, time bin, category).
        ties: (N,) text that orders equal counts (the destination code).
        k: the threshold.

    Returns:
        (N,) bool, in input order.
    """
    n = np.asarray(counts, np.float64)
    work = pd.DataFrame({"g": np.asarray(group), "n": n, "t": np.asarray(ties).astype(str)})
    w = work.sort_values(["g", "n", "t"], kind="stable")
    small = (w["n"] > 0) & (w["n"] < k)
    by_group = w.groupby("g", sort=False)
    before = by_group["n"].cumsum() - w["n"]
    has_small = small.groupby(w["g"], sort=False).transform("any")
    pooled = (w["n"] > 0) & (small | (has_small & (before < k)))
    # a pool of 1s only (total == members) pins each member at 1: take the next flow too
    stats = pd.DataFrame({"g": w["g"], "s": w["n"].where(pooled, 0.0), "m": pooled})
    sums = stats.groupby("g", sort=False)[["s", "m"]].transform("sum")
    pinned = (sums["m"] > 0) & (sums["s"] == sums["m"])
    if pinned.any():
        candidate = pinned & ~pooled & (w["n"] > 0)
        pooled |= candidate & (candidate.groupby(w["g"], sort=False).cumsum() == 1)
    out = np.zeros(len(n), bool)
    out[w.index.to_numpy()] = pooled.to_numpy()
    return out


@dataclass(frozen=True)
class Pooled:
    """Protected flow cells and their pools (the engine behind both entry points).

    Attributes:
        values: (N,) shown value of each cell; NaN where hidden or pooled.
        hidden: (N,) bool — hidden by the threshold or pooled.
        rule: (N,) ``threshold``, ``merged`` (pooled), ``cell_key``, ``rounding`` or ``""``.
        pool_group: (P,) group id of each pool.
        pool_values: (P,) shown value of each pool; NaN where the pool is hidden.
        pool_hidden: (P,) bool — the pool is hidden (below ``k`` or fewer than two flows).
        pool_rule: (P,) rule names of the pools.
    """

    values: npt.NDArray[np.float64]
    hidden: npt.NDArray[np.bool_]
    rule: npt.NDArray[np.object_]
    pool_group: npt.NDArray[np.int64]
    pool_values: npt.NDArray[np.float64]
    pool_hidden: npt.NDArray[np.bool_]
    pool_rule: npt.NDArray[np.object_]


def protect_cells(counts: npt.ArrayLike, group: npt.ArrayLike, ties: npt.ArrayLike,
                  policy: Policy, *, cell_keys: npt.ArrayLike | None = None,
                  measure: npt.ArrayLike | None = None) -> Pooled:
    """Apply ``policy`` to N flow cells: threshold, pooling per group, noise and rounding.

    Args:
        counts: (N,) raw counts (the base counts of a measure).
        group: (N,) int group id of each cell (origin, time bin, category).
        ties: (N,) destination code of each cell (orders equal counts when pooling).
        policy: an enabled policy.
        cell_keys: (N,) keys for noise and random rounding (counts only).
        measure: (N,) the values to show when they are a measure resting on ``counts``:
            shown unperturbed where the counts may be shown.
    """
    n = np.asarray(counts, np.float64)
    group = np.asarray(group, np.int64)
    k = policy.k
    pooled = (pooled_mask(n, group, ties, k) if policy.flows == "merge"
              else np.zeros(len(n), bool))
    shown_as = n if measure is None else np.asarray(measure, np.float64)
    parts = pd.DataFrame({"g": group[pooled], "n": n[pooled], "v": shown_as[pooled],
                          "key": (np.zeros(int(pooled.sum()), np.int64) if cell_keys is None
                                  else np.asarray(cell_keys, np.int64)[pooled])})
    pools = parts.groupby("g", sort=True).agg(n=("n", "sum"), v=("v", "sum"),
                                              members=("n", "size"), key=("key", "sum"))
    too_few = pools["members"].to_numpy() < 2
    if measure is None:
        keys = None if cell_keys is None else np.concatenate(
            [np.asarray(cell_keys, np.int64), pools["key"].to_numpy(np.int64) & MASK32])
        res = policy.apply(np.concatenate([n, pools["n"].to_numpy(np.float64)]),
                           cell_keys=keys, hidden=np.concatenate([pooled, too_few]))
        values, hidden, rule = res.values, res.suppressed, res.rule
    else:
        hidden = np.concatenate([primary_suppression(n, k) | pooled,
                                 primary_suppression(pools["n"], k) | too_few])
        values = np.where(hidden, np.nan, np.concatenate([shown_as, pools["v"].to_numpy()]))
        rule = np.where(hidden, "threshold", "").astype(object)
    rule[: len(n)][pooled] = "merged"
    cells = slice(0, len(n))
    rest = slice(len(n), None)
    return Pooled(values[cells], hidden[cells], rule[cells], pools.index.to_numpy(np.int64),
                  values[rest], hidden[rest], rule[rest])


def flow_statement(policy: Policy, *, measure: bool = False, per: Sequence[str] = (),
                   secondary: bool = False, other: str = OTHER) -> str:
    """What a flow layer applied, in plain language (the on-screen credits line).

    Args:
        policy: the policy applied.
        measure: the values are a measure resting on counts (no noise or rounding applied).
        per: what pools are made per besides the origin (``["hour", "mode"]``).
        secondary: secondary suppression was applied to the removed flows' totals.
        other: how the pool is named on screen.
    """
    if not policy.enabled:
        return policy.statement
    k = policy.k
    small = f"Flows below {k}" if not measure else f"Flows resting on fewer than {k} counts"
    parts = []
    if policy.flows == "merge":
        groups = ", ".join(["origin", *per][:-1]) + (" and " if per else "") + (
            [*per][-1] if per else "origin")
        parts.append(f"{small} are pooled with the next smallest into '{other}' per {groups}; "
                     f"pools below {k} are hidden.")
    else:
        parts.append(f"{small} are not shown.")
        if secondary:
            parts.append("Some other flows are also hidden, so hidden flows cannot be worked "
                         "out from the totals.")
    if measure:
        parts.append("Shown values are as given.")
        return " ".join(parts)
    if policy.noise is not None:
        parts.append(f"Shown values have small random changes (at most "
                     f"±{policy.noise.max_deviation}) to protect individuals.")
    if policy.rounding and policy.rounding > 1:
        how = "randomly rounded up or down" if policy.random_rounding else "rounded"
        parts.append(f"{'They are' if policy.noise is not None else 'Values are'} {how} to a "
                     f"multiple of {policy.rounding}, so parts need not add up to totals.")
    return " ".join(parts)


@dataclass(frozen=True)
class ProtectedFlows:
    """What a flow layer may draw.

    Attributes:
        cells: the flows to draw: shown flows (hidden bins at 0) and one flow per origin and
            category to its "other destinations" stub, on places that include the stubs.
        hidden: (flow, bin) cells hidden or pooled.
        statement: what was applied (:func:`flow_statement`).
    """

    cells: FlowCells
    hidden: int
    statement: str


def protect_flow_cells(cells: FlowCells, policy: Policy, *, per: Sequence[str] = (),
                       name: str = "Flows") -> ProtectedFlows:
    """Protect a layer's flows × bins (:func:`vizkit.data.flows.flow_cells`) with ``policy``.

    Args:
        cells: raw flow cells; a measure when ``cells.base`` is set.
        policy: the layer's effective policy.
        per: names of the time and category columns, for the statement.
        name: the layer, for the error when nothing is left.

    Raises:
        FlowsError: every flow is hidden.
    """
    measure = cells.base is not None
    if not policy.enabled:
        policy.log_if_off()
        return ProtectedFlows(cells, 0, flow_statement(policy))
    n_flows, n_bins = cells.volumes.shape
    n_cat = max(len(cells.categories), 1)
    flow, step = np.nonzero(cells.volumes > 0)
    values = cells.volumes[flow, step]
    counts = cells.base[flow, step] if measure else values
    group = (cells.origin[flow] * n_cat + cells.category[flow]) * n_bins + step
    codes = cells.places.codes.astype(str).to_numpy()
    keys = None
    if policy.needs_cell_keys and not measure:
        labels = cells.labels().iloc[flow * n_bins + step]
        keys = cell_keys_from_labels(labels.reset_index(drop=True), policy.seed)
    res = protect_cells(counts, group, codes[cells.destination[flow]], policy,
                        cell_keys=keys, measure=values if measure else None)
    shown = np.zeros((n_flows, n_bins))
    visible = ~res.hidden
    shown[flow[visible], step[visible]] = res.values[visible]
    keep = np.flatnonzero(shown.max(axis=1) > 0)
    pool_ok = ~res.pool_hidden & (res.pool_values > 0)
    pool_group = res.pool_group[pool_ok]
    pool_origin = pool_group // n_bins // n_cat
    places, stubs = cells.places.with_pools(pool_origin)
    n_loc = len(places)
    origin = np.concatenate([cells.origin[keep], pool_origin])
    destination = np.concatenate([cells.destination[keep], stubs])
    category = np.concatenate([cells.category[keep], pool_group // n_bins % n_cat])
    key = (origin * n_loc + destination) * n_cat + category
    flow_keys, row_flow = np.unique(key, return_inverse=True)
    if len(flow_keys) == 0:
        raise FlowsError(f"{name}: disclosure control hid every flow ({flow_statement(policy)})")
    volumes = np.zeros((len(flow_keys), n_bins))
    volumes[row_flow[: len(keep)]] = shown[keep]
    np.add.at(volumes, (row_flow[len(keep):], pool_group % n_bins), res.pool_values[pool_ok])
    drawn = FlowCells(places=places, origin=flow_keys // n_cat // n_loc,
                      destination=flow_keys // n_cat % n_loc, category=flow_keys % n_cat,
                      volumes=volumes, base=None, time_bins=cells.time_bins,
                      categories=cells.categories, dropped_rows=cells.dropped_rows)
    return ProtectedFlows(drawn, int(res.hidden.sum()),
                          flow_statement(policy, measure=measure, per=per))


def protect_flows(
    od_df: pd.DataFrame,
    *,
    origin: str = "origin",
    destination: str = "destination",
    count: str = "volume",
    policy: Policy = DEFAULT_POLICY,
    by: Sequence[str] = (),
    cell_key: str | None = "cell_key",
    other: str = OTHER,
) -> pd.DataFrame:
    """Protect an OD table (one row per origin, destination [, time, category]).

    Args:
        od_df: the flows; ``count`` holds raw non-negative counts.
        origin: origin code column.
        destination: destination code column (cast to text when flows are pooled).
        count: flow volume column.
        policy: the disclosure policy; ``policy.flows`` picks remove or merge.
        by: extra key columns, time then category (as a flow layer orders them, so both key
            the same noise on the same cell); pooling happens within each.
        cell_key: cell key column (sum of record keys mod 2**32), used for noise if present;
            else keys come from the cell's codes and labels as text.
        other: destination label of the pooled flow.

    Returns:
        New frame: ``origin, destination, *by, count`` (protected, NaN hidden), ``suppressed``,
        ``rule``; plus one ``other`` row per origin (and ``by`` slice) that pooled flows.
        ``attrs["privacy"]`` holds the statement.
    """
    keys = [origin, destination, *by]
    ckey_col = cell_key if cell_key is not None and cell_key in od_df.columns else None
    flows = od_df[[*keys, count] + ([ckey_col] if ckey_col else [])].reset_index(drop=True)
    if flows.duplicated(keys).any():
        raise ValueError(f"more than one row per flow for keys {keys}; aggregate first")
    if policy.needs_cell_keys and ckey_col is None:
        ckey_col = "_cell_key"
        flows[ckey_col] = cell_keys_from_labels(flows[keys].astype(str), policy.seed)
    statement = flow_statement(policy, per=by,
                               secondary=policy.secondary and policy.flows == "remove")
    if not policy.enabled or policy.flows == "remove":
        out = policy.protect(flows, count=count, keys=keys, cell_key=ckey_col)
        out.attrs["privacy"]["statement"] = statement
        return out
    group = flows.groupby([origin, *by], sort=False, dropna=False).ngroup().to_numpy()
    res = protect_cells(flows[count].to_numpy(np.float64), group,
                        flows[destination].astype(str).to_numpy(), policy,
                        cell_keys=flows[ckey_col].to_numpy(np.int64) if ckey_col else None)
    out = flows[keys].copy()
    out[destination] = out[destination].astype(str)
    first = flows.groupby(group, sort=True)[[origin, *by]].first()
    others = first.loc[res.pool_group].reset_index(drop=True)
    others[destination] = other
    table = pd.concat([out, others[keys]], ignore_index=True)
    table[count] = np.concatenate([res.values, res.pool_values])
    table["suppressed"] = np.concatenate([res.hidden, res.pool_hidden])
    table["rule"] = np.concatenate([res.rule, res.pool_rule])
    table.attrs = {"privacy": {"statement": statement, "policy": policy.params()}}
    return table


__all__ = ["Pooled", "ProtectedFlows", "flow_statement", "pooled_mask", "protect_cells",
           "protect_flow_cells", "protect_flows"]
