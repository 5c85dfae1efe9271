"""Timing protocol and workload registry shared by every benchmark module.

Protocol (the same as ../shared/bench/peers/common.py so numbers compare): a *frame* is the
per-frame update + draw + ``glFinish``; pixel read-back is not included. ``WARMUP`` frames are
drawn first, then ``FRAMES`` timed frames; the median is reported. ``setup_s`` runs from the first
library call until the first frame is finished.

Memory: every row carries ``peak_rss_mb``, the peak resident memory of the process while the
row's implementation ran. The runner resets the peak before each workload (Linux:
``/proc/self/clear_refs``) and stamps rows that do not measure it themselves; a workload with
several implementations calls :func:`reset_peak_rss` / :func:`peak_rss_mb` around each.
"""

from __future__ import annotations

import os
import resource
import statistics
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

FRAMES = int(os.environ.get("FRAMES", "30"))
WARMUP = int(os.environ.get("WARMUP", "5"))

QUICK = False
"""``python -m benchmarks --quick``: tiny sizes and a few frames, to prove every workload still
runs end to end (CI runs it). Timings from a quick run mean nothing; the table says so."""


def sized(full: int, quick: int) -> int:
    """A workload size: ``full`` normally, ``quick`` under ``--quick``."""
    return quick if QUICK else full


def set_quick() -> None:
    """Switch to quick mode; call before the ``bench_*`` modules are imported (they read
    ``FRAMES`` and ``WARMUP`` at import)."""
    global QUICK, FRAMES, WARMUP
    QUICK, FRAMES, WARMUP = True, 2, 1

Row = dict[str, object]
WorkloadFn = Callable[[], Iterable[Row]]


@dataclass(frozen=True)
class Workload:
    name: str
    fn: WorkloadFn
    description: str


WORKLOADS: dict[str, Workload] = {}


def workload(name: str) -> Callable[[WorkloadFn], WorkloadFn]:
    """Register a benchmark workload; the function yields one row per implementation."""

    def register(fn: WorkloadFn) -> WorkloadFn:
        WORKLOADS[name] = Workload(name, fn, (fn.__doc__ or "").strip().splitlines()[0:1][0]
                                   if fn.__doc__ else "")
        return fn

    return register


@dataclass
class FrameTimes:
    """Median wall time per frame and median CPU time spent issuing it (before glFinish)."""

    ms_per_frame_median: float
    cpu_issue_ms_median: float
    ms_p10: float
    ms_p90: float
    frames: int


def time_frames(issue: Callable[[int], None], finish: Callable[[], None],
                frames: int | None = None, warmup: int | None = None) -> FrameTimes:
    """Time ``issue(i)`` (update + draw calls) followed by ``finish()`` (glFinish) per frame.

    ``frames``/``warmup`` default to :data:`FRAMES`/:data:`WARMUP` as they are when called
    (so ``--quick``, set after this module was imported, applies)."""
    frames = FRAMES if frames is None else frames
    warmup = WARMUP if warmup is None else warmup
    for i in range(warmup):
        issue(i)
        finish()
    total: list[float] = []
    cpu: list[float] = []
    for i in range(warmup, warmup + frames):
        t0 = time.perf_counter()
        issue(i)
        t1 = time.perf_counter()
        finish()
        t2 = time.perf_counter()
        total.append((t2 - t0) * 1e3)
        cpu.append((t1 - t0) * 1e3)
    q = statistics.quantiles(total, n=10) if len(total) >= 2 else [total[0]] * 9
    return FrameTimes(statistics.median(total), statistics.median(cpu), q[0], q[-1], len(total))


def time_interleaved(impls: dict[str, tuple[Callable[[int], None], Callable[[], None]]],
                     frames: int | None = None, warmup: int | None = None
                     ) -> dict[str, FrameTimes]:
    """Time several implementations frame by frame in turn (A, B, A, B, …).

    Load on a shared machine drifts over seconds; interleaving exposes every implementation to
    the same drift, so their ratio is steadier than back-to-back runs. ``frames``/``warmup``
    default to :data:`FRAMES`/:data:`WARMUP` at call time.
    """
    frames = FRAMES if frames is None else frames
    warmup = WARMUP if warmup is None else warmup
    for i in range(warmup):
        for issue, finish in impls.values():
            issue(i)
            finish()
    total: dict[str, list[float]] = {name: [] for name in impls}
    cpu: dict[str, list[float]] = {name: [] for name in impls}
    for i in range(warmup, warmup + frames):
        for name, (issue, finish) in impls.items():
            t0 = time.perf_counter()
            issue(i)
            t1 = time.perf_counter()
            finish()
            t2 = time.perf_counter()
            total[name].append((t2 - t0) * 1e3)
            cpu[name].append((t1 - t0) * 1e3)
    out = {}
    for name in impls:
        q = statistics.quantiles(total[name], n=10) if frames >= 2 else [total[name][0]] * 9
        out[name] = FrameTimes(statistics.median(total[name]), statistics.median(cpu[name]),
                               q[0], q[-1], frames)
    return out


def row(workload_name: str, impl: str, times: FrameTimes | None = None, **extra: object) -> Row:
    """One result row in the JSON-lines schema documented in the README."""
    out: Row = {"workload": workload_name, "impl": impl}
    if times is not None:
        out.update(
            ms_per_frame_median=round(times.ms_per_frame_median, 3),
            cpu_issue_ms_median=round(times.cpu_issue_ms_median, 3),
            ms_p10=round(times.ms_p10, 3),
            ms_p90=round(times.ms_p90, 3),
            frames=times.frames,
        )
    out.update(extra)
    return out


SETUP_PEER_FACTOR = 4.0
"""Issue 17.5: every workload's setup must stay at least this many times faster than vispy's."""


def setup_check(workload_name: str, rows: list[Row]) -> Row | None:
    """For a workload with vispy rows, one row putting setup times side by side: each vizkit
    row's ``setup_s`` against the vispy row's (the same picture's), their ratio, and whether
    every ratio reaches :data:`SETUP_PEER_FACTOR`. ``None`` when there is no vispy row with a
    setup time (a peer that was skipped)."""

    def setup_of(r: Row) -> float | None:
        value = r.get("setup_s")
        return float(value) if isinstance(value, (int, float)) and value > 0 else None

    peers = {str(r["impl"]): setup_of(r) for r in rows if str(r["impl"]).startswith("vispy")}
    peers = {k: v for k, v in peers.items() if v is not None}
    ours = {str(r["impl"]): setup_of(r) for r in rows if str(r["impl"]).startswith("vizkit")}
    ours = {k: v for k, v in ours.items() if v is not None}
    if not peers or not ours:
        return None
    peer_name, peer_setup = min(peers.items(), key=lambda item: item[1])   # vispy's best
    ratios = {impl: round(peer_setup / setup, 2) for impl, setup in ours.items()}
    return row(workload_name, "setup-vs-vispy", vispy_impl=peer_name,
               vispy_setup_s=round(peer_setup, 3),
               vizkit_setup_s={impl: round(setup, 3) for impl, setup in ours.items()},
               ratio_setup_vispy_to_vizkit=ratios,
               setup_at_least_4x_faster=all(r >= SETUP_PEER_FACTOR for r in ratios.values()))


def reset_peak_rss() -> bool:
    """Start measuring peak resident memory afresh (Linux: ``/proc/self/clear_refs``); False
    where the peak cannot be reset (then :func:`peak_rss_mb` is the process's lifetime peak)."""
    try:
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")
        return True
    except OSError:
        return False


def peak_rss_mb() -> float:
    """Peak resident memory in MB since the last :func:`reset_peak_rss` (``VmHWM``)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def median_seconds(fn: Callable[[], object], repeat: int = 5) -> float:
    """Median wall seconds of ``fn()`` over ``repeat`` runs (for non-frame workloads); one run
    under ``--quick``."""
    repeat = sized(repeat, 1)
    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - t0)
    return statistics.median(runs)
