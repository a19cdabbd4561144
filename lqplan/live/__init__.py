"""During the show: what happened so far (ACTUALS), replanning the rest, the cue view.

`actuals` reads what aired and sold, `past` puts it in the show's own terms, `rest` builds the
rest of the show as a show of its own, `replan` re-optimises it and `stitch` joins past and
rest into one plan; `cue` is the live cue view.
"""
