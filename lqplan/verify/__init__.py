"""The independent checker: every plan verified against its inputs by a second reading of the rules.

It shares no code with the rule families or the solver (tests/test_layout.py asserts it), so a
bug in one is caught by the other.
"""
