"""lqplan: a show planner for live-stream e-commerce.

The library API follows the pipeline; the `lqplan` command is a thin shell over it:

    from lqplan import load_and_validate, plan_show
    inputs = load_and_validate("samples/minimal")   # load + validate
    result = plan_show(inputs)                      # demand, optimise, assemble, check

Names are imported on first use, so that `lqplan --help` starts without building the data
model or loading OR-Tools.
"""

from __future__ import annotations

import os
import time
from typing import Any

# When lqplan was first imported: the console command's clock starts here, so that
# `plan --time-limit` counts the command's own imports too (cli.app.main).
IMPORTED_AT = time.perf_counter()

# lqplan's numpy work is on small matrices (learn's regression, the forecast bands): BLAS threads
# only fight over the cores, with each other and with CP-SAT (learn on 60 shows took 48 s with
# them on a busy 2-core machine, 6 s without). Set before numpy loads; a user's setting wins.
for _variable in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

__version__ = "0.1.0"

_EXPORTS = {
    "Diagnostic": "lqplan.errors",
    "InputError": "lqplan.errors",
    "LqplanError": "lqplan.errors",
    "ShowInputs": "lqplan.show.validate",
    "check_show": "lqplan.show.validate",
    "load_and_validate": "lqplan.show.validate",
    "plan_show": "lqplan.pipeline",
    "documents": "lqplan.pipeline",
    "read_plan": "lqplan.pipeline",
    "SolveSettings": "lqplan.plan.result",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        import importlib

        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'lqplan' has no attribute {name!r}")
