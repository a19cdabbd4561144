"""Counted nouns in lqplan's English messages (lqplan/words.py): CLDR's English rule, no '(s)'."""

from __future__ import annotations

import pytest

from lqplan.words import counted


@pytest.mark.parametrize(
    ("n", "one", "other", "expected"),
    [
        (0, "segment", "", "0 segments"),
        (1, "segment", "", "1 segment"),
        (2, "segment", "", "2 segments"),
        (1, "traffic item", "", "1 traffic item"),
        (12_000, "option", "", "12,000 options"),
        (1.5, "minute", "", "1.5 minutes"),
        (1, "box", "boxes", "1 box"),
        (3, "box", "boxes", "3 boxes"),
    ],
)
def test_counted(n, one, other, expected):
    assert counted(n, one, other) == expected
