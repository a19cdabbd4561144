"""Plain data that crosses the optimiser's boundary: settings in, a Solution out (no ortools)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from enum import StrEnum


class SolveStatus(StrEnum):
    """How a solve ended: an infeasible show is a status the plan reports, not an exception."""

    OPTIMAL = "optimal"
    FEASIBLE = "feasible"
    INFEASIBLE = "infeasible"
    NO_SOLUTION = "no solution in time"  # the solver stopped before finding any plan


@dataclass(frozen=True)
class SolveSettings:
    """How to solve (time limit, seed, workers, determinism), from the command line or the API."""

    time_limit: float = 10.0
    seed: int = 0
    workers: int = 0  # 0: all cores
    deterministic: bool = False
    relative_gap_limit: float = 1e-4
    use_hint: bool = True
    shortlist: bool = True  # offer the optimiser only the products a plan can use (demand.py)
    start_stride: int | None = None  # starts every k slots; None: every 2 minutes at least
    # Above this many options the plan is improved window by window (optimise/lns.py).
    window_search_from: int = 5_000
    # --robust: value options on the mean over this many sampled markets (0: the point estimate).
    robust: int = 0
    # When the time limit's clock started (a time.perf_counter() reading): `lqplan plan` starts
    # it before reading the show, so that the limit is the whole command's; None: when planning
    # starts. A deterministic run ignores it (its budget is deterministic time).
    started: float | None = None

    @property
    def worker_count(self) -> int:
        """Threads CP-SAT uses; one when deterministic (results then do not depend on cores)."""
        if self.deterministic:
            return 1
        return self.workers or os.cpu_count() or 1


@dataclass(frozen=True)
class Solution:
    """What the optimiser chose, as option and bag-drop indices into the Demand."""

    status: SolveStatus
    options: tuple[int, ...] = ()
    drops: tuple[int, ...] = ()
    objective: int | None = None  # cents, value plus soft-rule preference
    bound: int | None = None
    seconds: float = 0.0
    build_seconds: float = 0.0
    model_size: dict[str, int] = field(default_factory=dict)
    conflicts: tuple[str, ...] = ()  # rule ids and words, when infeasible
    from_hint: bool = False  # the solver returned the baseline unchanged
    # Each option's value in the LP relaxation, when one was solved (lp_guided_plan): where the
    # LP puts value that the plan does not is where window search looks first.
    guide: tuple[float, ...] = field(default=(), repr=False, compare=False)
    # And each option's reduced cost there (≤ 0 for an option the LP leaves out): no plan with
    # option i is worth more than the LP's optimum plus its reduced cost (restricted.py).
    reduced: tuple[float, ...] = field(default=(), repr=False, compare=False)

    @property
    def gap(self) -> float | None:
        """Relative distance to the bound, in percent."""
        if self.objective is None or self.bound is None:
            return None
        if self.bound == 0:
            return 0.0
        return max(0.0, (self.bound - self.objective) / abs(self.bound) * 100)


@dataclass(frozen=True)
class Conflict:
    """One rule that, with others, leaves no feasible plan: its id and its words."""

    rule_id: str
    text: str
