"""Commands for the control room and after the show (live, explain, review): registered on
lqplan's app."""

from __future__ import annotations
