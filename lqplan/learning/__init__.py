"""Learning the room's demand from its past shows, and playing plans out in a market.

    shows, skipped = read_history([Path("history")])     # plan.json + actuals per past show
    model = learn_history(shows)                          # MODEL data (a pooled Poisson GLM)
    inputs = with_model(inputs, Path("room.model.json"))  # plan with it
    actuals = simulate(plan, market, seed=7)              # what a plan sells in a market

docs/learn.md describes the model, the file and the commands (`lqplan learn`, `lqplan
simulate`, `lqplan plan --model`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lqplan.errors import Diagnostic, InputError, UsageError, display_path
from lqplan.learning.apply import apply_model
from lqplan.learning.fit import learn
from lqplan.learning.history import PastShow, Skipped, read_history
from lqplan.learning.modelfile import LearnedModel, model_text, read_model
from lqplan.learning.observations import ShowData, history_rows
from lqplan.learning.simulate import actuals_text, simulate
from lqplan.show.validate import ShowInputs


def learn_history(shows: list[PastShow], *, deterministic: bool = False) -> dict[str, Any]:
    """The MODEL (as data) fitted to past shows, oldest first."""
    if not shows:
        raise InputError([Diagnostic("history", message="no past show to learn from")])
    rows = history_rows(shows)
    return learn(rows, deterministic=deterministic)


def learn_data(data: list[ShowData], *, deterministic: bool = False) -> dict[str, Any]:
    """The MODEL fitted to past shows already turned into rows (prefetch.history_data)."""
    return learn(data, deterministic=deterministic)


def model_file(inputs: ShowInputs, given: Path | None) -> Path | None:
    """--model wins; else show.yaml's `model:` (relative to show.yaml); else none."""
    if given is not None:
        path = given
    elif inputs.show.model:
        path = inputs.folder / inputs.show.model
    else:
        return None
    if not path.is_file():
        raise UsageError(f"{display_path(path)}: model file not found")
    return path


def with_model(inputs: ShowInputs, given: Path | None) -> ShowInputs:
    """The show's inputs with its model applied (--model, or show.yaml's `model:`), if any."""
    path = model_file(inputs, given)
    if path is None:
        return inputs
    model, sha256 = read_model(path)
    # The file's name only: a plan must not depend on the folder lqplan ran in.
    return apply_model(inputs, model, path.name, sha256)


def inputs_for_plan(inputs: ShowInputs, plan: dict[str, Any], given: Path | None) -> ShowInputs:
    """The show's inputs as a plan was made with them: with the MODEL it names, given by
    --model or show.yaml's `model:` (a plan records its model's id, not where it is now)."""
    demand = plan.get("demand") or {}
    recorded = demand.get("model") or {}
    if demand.get("source", "files") == "files":
        if given is not None:
            raise UsageError("the plan was made with the show's own files, not with a model")
        return inputs  # even if show.yaml names a model now
    path = model_file(inputs, given)
    if path is None:
        if recorded.get("id"):
            raise UsageError(
                f"the plan was made with the model {recorded['id']} ({recorded.get('file')}): "
                "give it with --model"
            )
        return inputs
    applied = with_model(inputs, path)
    assert applied.calibration is not None
    if recorded.get("id") and recorded["id"] != applied.calibration.model_id:
        raise UsageError(
            f"the plan was made with the model {recorded['id']}, and {display_path(path)} is "
            f"the model {applied.calibration.model_id}"
        )
    return applied


def history_folders(targets: list[Path]) -> list[Path]:
    """HISTORY arguments as folders of past shows: a show folder (or its show.yaml) whose
    show.yaml names `history:` stands for that folder."""
    out = []
    for target in targets:
        show_yaml = target if target.is_file() else target / "show.yaml"
        if show_yaml.is_file() and show_yaml.name.endswith((".yaml", ".yml")):
            from lqplan.show.load import read_yaml

            data = read_yaml(show_yaml).data
            history = data.get("history") if isinstance(data, dict) else None
            if isinstance(history, str) and history:
                out.append(show_yaml.parent / history)
                continue
            if not (target / "plan.json").exists() and target.is_file():
                raise UsageError(f"{display_path(target)}: names no `history:` folder")
        out.append(target)
    return out


__all__ = [
    "LearnedModel",
    "PastShow",
    "Skipped",
    "actuals_text",
    "apply_model",
    "history_folders",
    "inputs_for_plan",
    "learn_data",
    "learn_history",
    "model_text",
    "read_history",
    "read_model",
    "simulate",
    "with_model",
]
