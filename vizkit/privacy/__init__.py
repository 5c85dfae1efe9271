"""Statistical disclosure control: what of a count table may be shown.

Safe by default. Every count table passes through a :class:`Policy` before a layer sees it::

    from vizkit.privacy import DEFAULT_POLICY
    shown = policy.protect(df, count="value", keys=["region"])  # the one line layers call
    caption = policy.statement                                  # "Values below 5 are not shown."

* :class:`Policy` — threshold ``k`` (default 5), rounding, cell key noise (:class:`NoiseTable`),
  secondary suppression, flow and grid modes; ``Policy.off(reason)`` is the logged opt-out.
* :func:`protect_flows` — OD tables: small flows removed or merged into "other" per origin.
* :func:`protect_grid` — (H, W) grids: small squares dropped or merged into coarser squares.
* :func:`aggregate_od`, :func:`aggregate_grid` — raw records → protected aggregates with ibis
  (DuckDB by default, Spark too); the policy runs inside the query.
* :func:`disclosure_report`, :func:`format_disclosure_report` — what each rule changed.

Layers call ``policy.protect`` (or ``protect_flows`` / ``protect_grid``) before upload, draw rows
with ``suppressed`` distinctly, and show ``policy.statement``; see docs/privacy.md.

Names are imported on first use (:mod:`vizkit._lazy`): ibis loads only when
:func:`aggregate_od` or :func:`aggregate_grid` is used, never for ``policy.protect``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from vizkit._lazy import lazy_exports

if TYPE_CHECKING:
    from vizkit.privacy.aggregate import aggregate_grid, aggregate_od
    from vizkit.privacy.cellkey import NoiseTable, record_keys
    from vizkit.privacy.columns import infer_keys
    from vizkit.privacy.flows import protect_flows
    from vizkit.privacy.grids import protect_grid
    from vizkit.privacy.policy import DEFAULT_POLICY, Policy, Protected
    from vizkit.privacy.report import disclosure_report, format_disclosure_report
    from vizkit.privacy.rounding import round_to_base
    from vizkit.privacy.secondary import add_totals, secondary_suppression

__all__ = [
    "DEFAULT_POLICY",
    "NoiseTable",
    "Policy",
    "Protected",
    "add_totals",
    "aggregate_grid",
    "aggregate_od",
    "disclosure_report",
    "format_disclosure_report",
    "infer_keys",
    "protect_flows",
    "protect_grid",
    "record_keys",
    "round_to_base",
    "secondary_suppression",
]

__getattr__, __dir__ = lazy_exports(__name__, {
    "aggregate_grid": "vizkit.privacy.aggregate",
    "aggregate_od": "vizkit.privacy.aggregate",
    "NoiseTable": "vizkit.privacy.cellkey",
    "record_keys": "vizkit.privacy.cellkey",
    "infer_keys": "vizkit.privacy.columns",
    "protect_flows": "vizkit.privacy.flows",
    "protect_grid": "vizkit.privacy.grids",
    "DEFAULT_POLICY": "vizkit.privacy.policy",
    "Policy": "vizkit.privacy.policy",
    "Protected": "vizkit.privacy.policy",
    "disclosure_report": "vizkit.privacy.report",
    "format_disclosure_report": "vizkit.privacy.report",
    "round_to_base": "vizkit.privacy.rounding",
    "add_totals": "vizkit.privacy.secondary",
    "secondary_suppression": "vizkit.privacy.secondary",
})
