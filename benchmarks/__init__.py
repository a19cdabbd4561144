"""The benchmark ladder of issue 6: a seeded show generator and a runner (see README.md)."""
