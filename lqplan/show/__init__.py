"""Before the show, step 1: a show folder read, checked and linted.

`load` finds and parses the files, `model` says what each file may contain, `validate` checks
every field and cross-file reference (each rule family adds its own checks, lqplan/rules/),
`schema` publishes the JSON Schemas, `lint` finds what a host must not say, `scaffold` starts a
folder from a sample.
"""
