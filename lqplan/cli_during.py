"""Commands for during the show (replan from actuals, diff plans): registered on lqplan's app."""

from __future__ import annotations
