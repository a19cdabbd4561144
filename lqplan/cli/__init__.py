"""The `lqplan` command: a thin shell over the library, one module per phase of the show.

    app.py     the typer app, consoles, shared options, exceptions -> exit codes (`_guard`)
    before.py  validate, lint, schema, init, plan, render, check, explain, diff
    during.py  replan, live, simulate
    after.py   review, learn

Importing the phase modules registers their commands on `app`.
"""

from lqplan.cli.app import app, main, make_console, plain_text

# isort: off
# In the show's order: `lqplan --help` lists the commands as they were registered.
from lqplan.cli import before, during, after  # noqa: F401  (they register their commands)
# isort: on

__all__ = ["app", "main", "make_console", "plain_text"]
