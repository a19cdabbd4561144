"""Before the show, step 2: from checked inputs to a plan.

`demand` values every option (what a product would sell when, for how long, how), `baseline`
builds the careful hand-made plan, `optimise` (the only package that imports OR-Tools) chooses
the options with CP-SAT, `assemble` turns the choice into plan.json's data, `planfile` is that
file's typed model; `summary` and `explain` tell a person what the plan is and why.
"""
