"""Compare two plans: which segments moved, were dropped or added, changed length or promotion,
and what that does to the expected value. Plain data in, plain data out (no I/O).

    d = diff_plans(old, new)     # Diff: segment changes, lucky-bag and promotion changes, totals
    plans_equal(old, new)        # True when only wall-clock fields differ (for --check)

Segments are matched by SKU and airing (1 = first airing, 2+ = encores), the way a team names
them ("the foundation's encore"), not by number: one insertion renumbers everything after it.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

# Fields that differ between two runs of the same plan for reasons other than the plan: the
# time a solve took, the threads it ran on, the lqplan and OR-Tools versions that wrote it.
VOLATILE: tuple[tuple[str, ...], ...] = (
    ("generator",),
    ("solver", "seconds"),
    ("solver", "build_seconds"),
    ("solver", "workers"),
    ("solver", "ortools"),
)
MOVED, DROPPED, ADDED = "moved", "dropped", "added"
LENGTH, PROMOTION = "length_changed", "promotion_changed"
MAX_FIELDS = 20  # differing fields listed when the segments match but the plans do not


@dataclass(frozen=True)
class SegmentRef:
    """Where and how a segment airs in one plan."""

    number: int | None
    start: str
    start_minute: int
    minutes: int
    mode: str
    promotion: str | None
    value_cents: int

    @property
    def offer(self) -> str:
        """The promotion in words: 'flash_sale fs-x', or 'normal'."""
        return f"{self.mode} {self.promotion}" if self.promotion else self.mode


@dataclass(frozen=True)
class SegmentChange:
    """One segment that differs: `a` in the first plan, `b` in the second (None when absent)."""

    sku: str
    airing: int
    kinds: tuple[str, ...]  # dropped | added | some of moved, length_changed, promotion_changed
    a: SegmentRef | None
    b: SegmentRef | None
    note: str | None = None  # why, when the caller knows (replan: "pulled: supplier problem")

    @property
    def value_change_cents(self) -> int:
        """The second plan's value of the segment less the first's, in cents (0 when absent)."""
        return (self.b.value_cents if self.b else 0) - (self.a.value_cents if self.a else 0)


@dataclass(frozen=True)
class PromotionChange:
    """A promotion that runs elsewhere: uses as 'SKU@HH:MM' in each plan."""

    promotion: str
    kind: str  # moved | dropped | added
    a: tuple[str, ...]
    b: tuple[str, ...]


@dataclass(frozen=True)
class BagChange:
    """A lucky-bag drop in one plan and not the other, at its clock time."""

    id: str
    kind: str  # dropped | added
    at: str


@dataclass(frozen=True)
class Diff:
    """What differs between two plans: segments, promotions, lucky bags, totals, other fields."""

    segments: tuple[SegmentChange, ...] = ()
    promotions: tuple[PromotionChange, ...] = ()
    lucky_bags: tuple[BagChange, ...] = ()
    totals: dict[str, dict[str, float | None]] = field(default_factory=dict)
    fields: tuple[str, ...] = ()  # other differing fields (paths), when segments tell nothing
    equal: bool = True

    @property
    def value_change_cents(self) -> int | None:
        """The second plan's value less the first's, in cents; None when one gives none."""
        value = self.totals.get("value_cents", {})
        delta = value.get("change")
        return None if delta is None else int(delta)

    def counts(self) -> dict[str, int]:
        """How many segments of each kind of change (a moved segment may also change length)."""
        return dict(Counter(kind for change in self.segments for kind in change.kinds))


def segment_ref(segment: dict[str, Any]) -> SegmentRef:
    """The facts of a plan.json segment that a diff compares (missing keys read as empty)."""
    expected = segment.get("expected") or {}
    return SegmentRef(
        number=segment.get("number"),
        start=str(segment.get("start", "")),
        start_minute=int(segment.get("start_minute", 0)),
        minutes=int(segment.get("minutes", 0)),
        mode=str(segment.get("mode", "normal")),
        promotion=segment.get("promotion"),
        value_cents=int(expected.get("value_cents", 0)),
    )


def _keyed(segments: list[dict[str, Any]]) -> dict[tuple[str, int, int], dict[str, Any]]:
    """Segments by (SKU, airing, k): k tells apart two segments a hand-edited plan gave the same
    airing number."""
    seen: Counter[tuple[str, int]] = Counter()
    out = {}
    for seg in sorted(segments, key=lambda s: s.get("start_minute", 0)):
        key = (str(seg.get("sku")), int(seg.get("airing", 1)))
        out[(*key, seen[key])] = seg
        seen[key] += 1
    return out


def diff_segments(a: list[dict[str, Any]], b: list[dict[str, Any]]) -> list[SegmentChange]:
    """Segment-by-segment changes from `a` to `b`, in the order they air (dropped ones where
    they were)."""
    ka, kb = _keyed(a), _keyed(b)
    changes = []
    for key in ka.keys() | kb.keys():
        sa, sb = ka.get(key), kb.get(key)
        ra = segment_ref(sa) if sa else None
        rb = segment_ref(sb) if sb else None
        if ra is None:
            kinds: tuple[str, ...] = (ADDED,)
        elif rb is None:
            kinds = (DROPPED,)
        else:
            kinds = tuple(
                kind
                for kind, differs in (
                    (MOVED, ra.start_minute != rb.start_minute),
                    (LENGTH, ra.minutes != rb.minutes),
                    (PROMOTION, (ra.mode, ra.promotion) != (rb.mode, rb.promotion)),
                )
                if differs
            )
            if not kinds:
                continue
        changes.append(SegmentChange(key[0], key[1], kinds, ra, rb))
    changes.sort(key=_where)
    return changes


def _where(change: SegmentChange) -> tuple[int, str, int]:
    """Changes in show order: by the second plan's start of the segment, else the first's."""
    ref = change.b or change.a
    assert ref is not None  # a change has the segment in one plan at least
    return ref.start_minute, change.sku, change.airing


def diff_promotions(a: list[dict[str, Any]], b: list[dict[str, Any]]) -> list[PromotionChange]:
    """Flash sales, gifts and coupons that run on other products or at other times."""

    def uses(segments: list[dict[str, Any]]) -> dict[str, tuple[str, ...]]:
        out: dict[str, list[str]] = defaultdict(list)
        for seg in sorted(segments, key=lambda s: s.get("start_minute", 0)):
            if seg.get("promotion"):
                out[seg["promotion"]].append(f"{seg.get('sku')}@{seg.get('start')}")
        return {k: tuple(v) for k, v in out.items()}

    ua, ub = uses(a), uses(b)
    changes = []
    for promotion in sorted(ua.keys() | ub.keys()):
        pa, pb = ua.get(promotion, ()), ub.get(promotion, ())
        if pa == pb:
            continue
        kind = DROPPED if not pb else ADDED if not pa else MOVED
        changes.append(PromotionChange(promotion, kind, pa, pb))
    return changes


def diff_bags(a: list[dict[str, Any]], b: list[dict[str, Any]]) -> list[BagChange]:
    """Lucky-bag drops of plan `a` not in `b` (dropped) and of `b` not in `a` (added), by time."""
    drops_a = Counter((d.get("id"), d.get("minute"), d.get("at")) for d in a)
    drops_b = Counter((d.get("id"), d.get("minute"), d.get("at")) for d in b)
    out = [BagChange(str(i), DROPPED, str(at)) for (i, _m, at) in drops_a - drops_b]
    out += [BagChange(str(i), ADDED, str(at)) for (i, _m, at) in drops_b - drops_a]
    return sorted(out, key=lambda c: (c.at, c.kind, c.id))


def _totals(a: dict[str, Any], b: dict[str, Any]) -> dict[str, dict[str, float | None]]:
    ta, tb = a.get("totals") or {}, b.get("totals") or {}
    out = {}
    for key in ("value_cents", "gmv", "profit", "units"):
        va, vb = ta.get(key), tb.get(key)
        change = None if va is None or vb is None else round(vb - va, 2)
        out[key] = {"a": va, "b": vb, "change": change}
    return out


def normalised(plan: dict[str, Any]) -> dict[str, Any]:
    """The plan without its volatile fields (a deep copy of what is compared)."""
    import copy

    out = copy.deepcopy(plan)
    for path in VOLATILE:
        node: Any = out
        for part in path[:-1]:
            node = node.get(part) if isinstance(node, dict) else None
        if isinstance(node, dict):
            node.pop(path[-1], None)
    return out


def plans_equal(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Whether two plans are the same plan: every field equal but the wall-clock ones (solver
    seconds, build seconds, workers) and the generator's and OR-Tools' versions."""
    return normalised(a) == normalised(b)


def differing_fields(a: Any, b: Any, path: str = "", limit: int = MAX_FIELDS) -> list[str]:
    """Paths of the leaves that differ (at most `limit`), e.g. 'show.inputs.catalog.sha256'."""
    out: list[str] = []

    def walk(x: Any, y: Any, where: str) -> None:
        if len(out) >= limit or x == y:
            return
        if isinstance(x, dict) and isinstance(y, dict):
            for key in list(x) + [k for k in y if k not in x]:
                walk(x.get(key), y.get(key), f"{where}.{key}" if where else str(key))
        elif isinstance(x, list) and isinstance(y, list) and len(x) == len(y):
            for i, (u, v) in enumerate(zip(x, y, strict=True)):
                walk(u, v, f"{where}[{i}]")
        else:
            out.append(where or "(plan)")

    walk(a, b, path)
    return out


def diff_plans(a: dict[str, Any], b: dict[str, Any]) -> Diff:
    """Everything that differs from plan `a` to plan `b` (plan.json data), wall-clock fields
    aside."""
    sa, sb = a.get("segments") or [], b.get("segments") or []
    segments = diff_segments(sa, sb)
    promotions = diff_promotions(sa, sb)
    bags = diff_bags(a.get("lucky_bags") or [], b.get("lucky_bags") or [])
    equal = plans_equal(a, b)
    fields: list[str] = []
    if not equal and not segments and not bags:
        fields = differing_fields(normalised(a), normalised(b))
    return Diff(
        tuple(segments), tuple(promotions), tuple(bags), _totals(a, b), tuple(fields), equal
    )


def diff_json(diff: Diff) -> dict[str, Any]:
    """The diff as JSON-ready data (`lqplan diff --json`)."""
    from dataclasses import asdict

    return {
        "equal": diff.equal,
        "counts": diff.counts(),
        "segments": [
            {**asdict(c), "kinds": list(c.kinds), "value_change_cents": c.value_change_cents}
            for c in diff.segments
        ],
        "promotions": [asdict(p) for p in diff.promotions],
        "lucky_bags": [asdict(b) for b in diff.lucky_bags],
        "totals": diff.totals,
        "fields": list(diff.fields),
    }


__all__ = ["Diff", "SegmentChange", "diff_json", "diff_plans", "plans_equal"]
