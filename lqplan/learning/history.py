"""A room's past shows: one folder each, with the plan that was followed and what it sold.

    shows, skipped = read_history([Path("history")])

Each subfolder of a HISTORY folder (or the folder itself, when it holds the files) is one past
show: its `plan.json` (as `lqplan plan` wrote it, or a replan's) and its ACTUALS (`actuals.yaml`,
`actuals.yml` or `actuals.csv`, docs/actuals.md). The show's own files may sit beside them but are
not needed: plan.json carries the product facts and the prior the plan was made with. Shows are
ordered by the plan's date and start, not by folder name; a folder that cannot be used is
skipped with one line saying why (`skipped`), never silently.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from lqplan.errors import InputError, LqplanError, display_path
from lqplan.live.actuals import ActualsFile, read_actuals

ACTUALS_NAMES = ("actuals.yaml", "actuals.yml", "actuals.csv")


@dataclass(frozen=True)
class PastShow:
    """One past show: the plan it followed and its actuals."""

    folder: Path
    plan: dict[str, Any]
    actuals: ActualsFile
    label: str = ""  # "history/show-01": the HISTORY folder's name and the show's, for the MODEL

    @property
    def name(self) -> str:
        """The show's name in the MODEL: its label, else its folder's name."""
        # Not the path as typed: a MODEL must not depend on the folder learn ran in.
        return self.label or self.folder.resolve().name

    @property
    def order(self) -> tuple[str, str, str]:
        """Where the show falls in the history: by date, then start, then folder."""
        show = self.plan["show"]
        return (str(show["date"]), str(show["start"]), str(self.folder))


@dataclass(frozen=True)
class Skipped:
    """A folder of the history that learn could not use, and why."""

    folder: str
    reason: str

    def format(self) -> str:
        """The line learn prints for it."""
        return f"{self.folder}: skipped: {self.reason}"


def read_history(folders: Sequence[Path]) -> tuple[list[PastShow], list[Skipped]]:
    """Every usable past show under `folders`, oldest first, and the folders skipped."""
    candidates, skipped = show_folders(folders)
    shows, unusable = read_shows(candidates)
    return sorted(shows, key=lambda s: s.order), skipped + unusable


def show_folders(folders: Sequence[Path]) -> tuple[list[tuple[Path, str]], list[Skipped]]:
    """The folders that may hold a past show, each with its label, and those that cannot."""
    candidates: list[tuple[Path, str]] = []
    skipped: list[Skipped] = []
    seen: set[Path] = set()
    for folder in folders:
        if not folder.is_dir():
            skipped.append(Skipped(display_path(folder), "not a folder"))
            continue
        inside = [folder] if (folder / "plan.json").is_file() else []
        if not inside:
            inside = sorted(p for p in folder.iterdir() if p.is_dir())
            if not inside:
                skipped.append(Skipped(display_path(folder), "no show folders inside"))
        top = folder.resolve().name
        for candidate in inside:
            key = candidate.resolve()
            if key not in seen:
                seen.add(key)
                label = top if candidate == folder else f"{top}/{candidate.name}"
                candidates.append((candidate, label))
    return candidates, skipped


def read_shows(candidates: Sequence[tuple[Path, str]]) -> tuple[list[PastShow], list[Skipped]]:
    """The past shows of `candidates` (show_folders), in their order, and those unusable."""
    shows: list[PastShow] = []
    skipped: list[Skipped] = []
    for candidate, label in candidates:
        show = _read_one(candidate, skipped)
        if show is not None:
            shows.append(replace(show, label=label))
    return shows, skipped


def _read_one(folder: Path, skipped: list[Skipped]) -> PastShow | None:
    from lqplan.live.actuals import check_actuals_against_plan
    from lqplan.plan.planfile import read_plan

    name = display_path(folder)
    plan_path = folder / "plan.json"
    if not plan_path.is_file():
        skipped.append(Skipped(name, "no plan.json"))
        return None
    found = [folder / n for n in ACTUALS_NAMES if (folder / n).is_file()]
    if not found:
        skipped.append(Skipped(name, "no actuals (actuals.yaml or actuals.csv)"))
        return None
    if len(found) > 1:
        names = " and ".join(p.name for p in found)
        skipped.append(Skipped(name, f"both {names}: keep one"))
        return None
    try:
        plan = read_plan(plan_path)
        problem = _unusable(plan)
        if problem:
            skipped.append(Skipped(name, f"plan.json: {problem}"))
            return None
        actuals = read_actuals(found[0])
        check_actuals_against_plan(actuals, plan)
    except InputError as exc:
        errors = [d for d in exc.diagnostics if d.severity == "error"]
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        first = errors[0].format() if errors else str(exc)
        skipped.append(Skipped(name, first + more))
        return None
    except LqplanError as exc:
        skipped.append(Skipped(name, str(exc)))
        return None
    return PastShow(folder, plan, actuals)


def _unusable(plan: dict[str, Any]) -> str | None:
    """What makes a plan.json useless as history, if anything (plan.json is trusted otherwise:
    lqplan wrote it, and the actuals are checked against it)."""
    for key in ("show", "segments", "products", "promotions", "viewer_curve"):
        if key not in plan:
            return f"no {key!r}"
    demand = plan.get("demand")
    if not isinstance(demand, dict) or "conversion" not in demand:
        return (
            "no 'demand' section (made by an older lqplan, which did not record the "
            "coefficients it planned with): plan it again with this lqplan to learn from it"
        )
    return None
