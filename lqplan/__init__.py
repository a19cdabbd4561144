"""lqplan: a show planner for live-stream e-commerce.

The library API follows the pipeline; the `lqplan` command is a thin shell over it:

    inputs = lqplan.load_and_validate("samples/minimal")   # load + validate
"""

from lqplan.errors import Diagnostic, InputError, LqplanError
from lqplan.validate import ShowInputs, check_show, load_and_validate

__version__ = "0.1.0"

__all__ = [
    "Diagnostic",
    "InputError",
    "LqplanError",
    "ShowInputs",
    "__version__",
    "check_show",
    "load_and_validate",
]
