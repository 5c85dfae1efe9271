"""Raw records → protected aggregates, written once with ibis (DuckDB by default, Spark too).

The policy runs *inside* the query: the expressions returned here select only protected values,
so what ``.execute()`` (or ``.to_parquet()``, ``.to_pyarrow()``) returns is already safe and the
raw aggregates never leave the engine. Records may be an ibis table (any backend), a pandas
DataFrame or a Parquet path (read out of core by DuckDB, or by ``backend``)::

    od = aggregate_od("trips.parquet", origin="from", destination="to", record_id="trip_id",
                      policy=DEFAULT_POLICY.with_(noise=NoiseTable())).execute()

Everything is integer arithmetic (the record-key hash, sums modulo ``2**32``, the noise table as
integer key thresholds, random rounding as an integer comparison), so DuckDB, Spark and the
pandas path (:meth:`Policy.protect`, :func:`protect_flows`) give identical results.

Secondary suppression is not applied here (it is iterative and needs the whole table in memory):
protect an aggregated table with totals through :meth:`Policy.protect` instead.
"""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Sequence
from typing import Any

import ibis
import ibis.expr.types as ir
import pandas as pd

from vizkit.privacy.cellkey import KEY_RANGE, MASK32, MIX_MULTIPLIER, ROUND_SALT, fold64, seed_salt
from vizkit.privacy.policy import DEFAULT_POLICY, Policy
from vizkit.privacy.rounding import display_floor

log = logging.getLogger("vizkit.privacy")

Records = ir.Table | pd.DataFrame | str | os.PathLike


def _records(records: Records, backend: Any | None) -> ir.Table:
    if isinstance(records, ir.Table):
        return records
    if isinstance(records, pd.DataFrame):
        if backend is None:
            return ibis.memtable(records)
        name = f"vizkit_records_{uuid.uuid4().hex}"
        return backend.create_view(name, ibis.memtable(records), overwrite=True)
    con = backend if backend is not None else ibis.duckdb.connect()
    return con.read_parquet(os.fspath(records))


def _mix32(t: ir.Table, column: str) -> ir.Table:
    """``column = mix32(column)`` in stages, so the SQL stays small (each step reads its input
    twice; inlined, three steps would copy the expression eight times)."""
    for _ in range(2):
        c = t[column]
        t = t.mutate(**{column: ((c >> 16) ^ c) * MIX_MULTIPLIER & MASK32})
    c = t[column]
    return t.mutate(**{column: (c >> 16) ^ c})


def _with_record_keys(
    t: ir.Table, record_key: str | None, record_id: str | None, policy: Policy
) -> tuple[ir.Table, bool]:
    policy.log_if_off()
    if policy.enabled and policy.secondary:
        log.warning("aggregate_*: secondary suppression is not applied inside the query; "
                    "protect a table shown with totals with Policy.protect(..., totals=True)")
    if record_key is not None:
        return t.mutate(_rk=t[record_key].cast("int64") & MASK32), True
    if record_id is not None:
        t = t.mutate(_rk=fold64(t[record_id].cast("int64")) ^ seed_salt(policy.seed))
        return _mix32(t, "_rk"), True
    if policy.needs_cell_keys:
        raise ValueError("this policy uses cell keys (noise or random rounding): pass "
                         "record_key= (a column of keys in [0, 2**32)) or record_id= "
                         "(an integer id column)")
    return t, False


def _count(t: ir.Table, group: Sequence[Any], keyed: bool) -> ir.Table:
    metrics: dict[str, Any] = {"_n": t.count()}
    if keyed:
        metrics["_ck"] = (t._rk.sum() % KEY_RANGE).cast("int64")
    return t.group_by(group).aggregate(**metrics)


def _protect(
    t: ir.Table, policy: Policy, hidden: str | None = None, hidden_rule: str = "merged"
) -> ir.Table:
    """Add protected ``_value`` (NULL where hidden), ``suppressed`` and ``rule`` from ``_n``
    (and ``_ck``), the same arithmetic as :meth:`Policy.apply`, in staged projections."""
    if not policy.enabled:
        return t.mutate(_value=t._n.cast("float64"), suppressed=ibis.literal(False),
                        rule=ibis.literal(""))
    k = policy.k
    t = t.mutate(_primary=(t._n > 0) & (t._n < k))
    t = t.mutate(suppressed=t._primary if hidden is None else t._primary | t[hidden])
    if policy.noise is not None:
        t = t.mutate(_room=ibis.least(t._n - k, policy.noise.max_deviation))
        cases = []
        for r, (v, _p, thr) in enumerate(policy.noise.rows()):
            if r > 0:
                cases += [((t._room == r) & (t._ck < ti), vi)
                          for vi, ti in zip(v.tolist(), thr.tolist(), strict=True)]
        t = t.mutate(_noise=ibis.ifelse(t.suppressed | (t._n < k), 0,
                                        ibis.cases(*cases, else_=0)))
        t = t.mutate(_shown=t._n + t._noise)
    else:
        t = t.mutate(_noise=ibis.literal(0), _shown=t._n)
    if policy.rounding and policy.rounding > 1:
        b = policy.rounding
        if policy.random_rounding:
            t = _mix32(t.mutate(_rr=t._ck ^ ROUND_SALT), "_rr")
        t = t.mutate(_rem=t._shown % b)
        up = t._rr * b < t._rem * KEY_RANGE if policy.random_rounding else t._rem * 2 >= b
        t = t.mutate(_r=ibis.ifelse(up & (t._rem > 0), t._shown - t._rem + b,
                                    t._shown - t._rem))
        t = t.mutate(_r=ibis.ifelse(t._shown > 0, ibis.greatest(t._r, display_floor(k, b)),
                                    t._r))
    else:
        t = t.mutate(_r=t._shown)
    noisy = t._noise != 0
    rounded = (t._r != t._shown) & ~t.suppressed
    first = [] if hidden is None else [(t[hidden], hidden_rule)]  # "merged" before threshold
    rule = ibis.cases(*first, (t._primary, "threshold"), (noisy & rounded, "cell_key+rounding"),
                      (noisy, "cell_key"), (rounded, "rounding"), else_="")
    return t.mutate(_value=ibis.ifelse(t.suppressed, ibis.null("float64"),
                                       t._r.cast("float64")), rule=rule)


def aggregate_od(
    records: Records,
    *,
    origin: str,
    destination: str,
    time: str | None = None,
    category: str | None = None,
    policy: Policy = DEFAULT_POLICY,
    backend: Any | None = None,
    count: str = "volume",
    record_key: str | None = None,
    record_id: str | None = None,
    other: str = "other",
) -> ir.Table:
    """Count records into a protected OD table (one row per trip/person → flows).

    Args:
        records: ibis table, pandas DataFrame or Parquet path; one row per record.
        origin: origin code column.
        destination: destination code column.
        time: optional time-bin column (flows are counted and merged per bin).
        category: optional category column (mode, sex …), likewise.
        policy: the disclosure policy (``policy.flows``: merge into ``other`` or remove).
        backend: ibis backend for DataFrame/Parquet input (default: a new DuckDB connection).
        count: name of the output count column.
        record_key: column of record keys in ``[0, 2**32)`` (for the cell key method).
        record_id: integer record id column; keys are derived with :func:`record_keys`.
        other: destination label of the pooled flow (merge mode; destinations become text).

    Returns:
        Lazy ibis table ``origin, destination[, time][, category], count, suppressed, rule``
        (count float64, NULL where hidden) — the same rows :func:`protect_flows` gives.
    """
    t, keyed = _with_record_keys(_records(records, backend), record_key, record_id, policy)
    by = [c for c in (time, category) if c is not None]
    group = [origin, *by]
    agg = _count(t, [origin, destination, *by], keyed)
    cols = [origin, destination, *by]
    if not policy.enabled or policy.flows == "remove":
        prot = _protect(agg, policy)
        return prot.select(*cols, **{count: prot._value}, suppressed=prot.suppressed,
                           rule=prot.rule)
    k = policy.k
    dest = agg[destination].cast("string")
    n = agg._n
    small = (n > 0) & (n < k)
    before = n.sum().over(ibis.window(group_by=group, order_by=[n, dest], rows=(None, -1)))
    has_small = small.cast("int8").max().over(ibis.window(group_by=group)) == 1
    merged = (n > 0) & (small | (has_small & (before.fill_null(0) < k)))
    # a pool of 1s only (total == members) pins each member at 1: the next flow joins it
    step = agg.mutate(_dest=dest, _m=merged)
    whole = ibis.window(group_by=group)
    pooled_n = (step._m.cast("int64") * step._n).sum().over(whole)
    step = step.mutate(_pinned=(pooled_n == step._m.cast("int64").sum().over(whole))
                       & step._m.any().over(whole), _cand=~step._m & (step._n > 0))
    step = step.mutate(_seen=step._cand.cast("int64").sum().over(
        ibis.window(group_by=group, order_by=[step._n, step._dest], rows=(None, 0))))
    marked = step.mutate(**{destination: step._dest},
                         _merged=step._m | (step._pinned & step._cand & (step._seen == 1)))
    pooled = marked.filter(marked._merged)
    metrics: dict[str, Any] = {"_n": pooled._n.sum()}
    if keyed:
        metrics["_ck"] = (pooled._ck.sum() % KEY_RANGE).cast("int64")
    others = pooled.group_by(group).aggregate(**metrics).mutate(
        **{destination: ibis.literal(other)}, _merged=ibis.literal(False))
    keep = [*cols, "_n", *(["_ck"] if keyed else []), "_merged"]
    table = marked.select(*keep).union(others.select(*keep))
    prot = _protect(table, policy, "_merged", "merged")
    return prot.select(*cols, **{count: prot._value}, suppressed=prot.suppressed, rule=prot.rule)


def aggregate_grid(
    records: Records,
    *,
    x: str,
    y: str,
    cell_size: float,
    policy: Policy = DEFAULT_POLICY,
    backend: Any | None = None,
    factor: int = 5,
    count: str = "value",
    record_key: str | None = None,
    record_id: str | None = None,
) -> ir.Table:
    """Count records into protected grid squares.

    Args:
        records: ibis table, pandas DataFrame or Parquet path with projected coordinates.
        x: easting column (metres, or any unit of ``cell_size``).
        y: northing column.
        cell_size: square size; a record at ``(x, y)`` counts in the square with lower-left
            corner ``(floor(x / cell_size) * cell_size, floor(y / cell_size) * cell_size)``.
        policy: the disclosure policy; ``policy.grid == "coarsen"`` merges every
            ``factor × factor`` block holding a small square into one coarse square.
        backend: ibis backend for DataFrame/Parquet input (default DuckDB).
        factor: coarsening factor (1 km → 5 km for 5).
        count: name of the output count column.
        record_key: column of record keys in ``[0, 2**32)``.
        record_id: integer record id column (keys derived with :func:`record_keys`).

    Returns:
        Lazy ibis table ``x, y, size, count, suppressed, rule`` (lower-left corner, square
        size; count float64, NULL where hidden; coarse squares have rule ``coarsened`` unless
        hidden).
    """
    t, keyed = _with_record_keys(_records(records, backend), record_key, record_id, policy)
    t = t.mutate(_ix=(t[x] / cell_size).floor().cast("int64"),
                 _iy=(t[y] / cell_size).floor().cast("int64"))
    agg = _count(t, ["_ix", "_iy"], keyed)

    def out(tab: ir.Table, scale: float, rule: str | None = None) -> ir.Table:
        prot = _protect(tab, policy)
        if rule is not None:
            prot = prot.mutate(rule=ibis.ifelse(prot.suppressed, prot.rule, rule))
        return prot.select(x=(prot._ix * scale).cast("float64"),
                           y=(prot._iy * scale).cast("float64"),
                           size=ibis.literal(float(scale)), **{count: prot._value},
                           suppressed=prot.suppressed, rule=prot.rule)

    if not policy.enabled or policy.grid == "drop":
        return out(agg, cell_size)
    k = policy.k
    agg = agg.mutate(_bx=(agg._ix / factor).floor().cast("int64"),
                     _by=(agg._iy / factor).floor().cast("int64"))
    small = ((agg._n > 0) & (agg._n < k)).cast("int8")
    agg = agg.mutate(_block_small=small.max().over(ibis.window(group_by=["_bx", "_by"])) == 1)
    fine = agg.filter(~agg._block_small)
    blocks = agg.filter(agg._block_small)
    metrics: dict[str, Any] = {"_n": blocks._n.sum()}
    if keyed:
        metrics["_ck"] = (blocks._ck.sum() % KEY_RANGE).cast("int64")
    coarse = blocks.group_by(_ix="_bx", _iy="_by").aggregate(**metrics)
    return out(fine, cell_size).union(out(coarse, cell_size * factor, "coarsened"))
