"""Stage 2, validate: check every field and every cross-file reference, report all problems at once.

Field checks come from the pydantic models (model.py); this module maps their errors to
file:line:column and adds the rules that span files. Everything downstream trusts ShowInputs.
"""

from __future__ import annotations

import difflib
import itertools
import math
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from pydantic import BaseModel, ValidationError

from lqplan.errors import Diagnostic, DiagnosticList, InputError, Severity, sort_diagnostics
from lqplan.io.collector import collector_paused
from lqplan.io.yamlio import Document
from lqplan.rules import families
from lqplan.show.fields import Model
from lqplan.show.load import RawShow, load_show
from lqplan.show.model import (
    FILE_MODELS,
    Audience,
    Catalog,
    Collab,
    Coupon,
    FlashSale,
    Gift,
    LuckyBag,
    Product,
    SegmentMinutes,
    Show,
    Stock,
    StockItem,
    Window,
    format_clock,
)
from lqplan.words import counted

if TYPE_CHECKING:  # a field's type only: the planner's calibration is not needed to validate
    from lqplan.plan.calibration import Calibration

SHARE_TOLERANCE = 0.001
# "did you mean" compares an unknown SKU with every product (difflib, ~5 µs a pair): a stock file
# of another catalog, 10,000 unknown SKUs against 10,000 products, took minutes to report. The
# search stops suggesting after this many pairs (about a second); on a show of a few hundred
# products every unknown SKU still gets its suggestion, and each SKU is looked up once.
HINT_PAIRS = 200_000
DAY = 24 * 60  # the longest show, in minutes


class SkuHints:
    """hints(sku): ' (did you mean 'X'?)' for the closest of `skus`, '' when none is close or
    HINT_PAIRS pairs have been compared already; each unknown SKU is looked up once."""

    def __init__(self, skus: Iterable[str]) -> None:
        self.skus = list(skus)
        self.hints: dict[str, str] = {}
        self.pairs_left = HINT_PAIRS

    def __call__(self, sku: str) -> str:
        """The hint for `sku` (an unknown SKU)."""
        if sku not in self.hints:
            close: list[str] = []
            if self.pairs_left >= len(self.skus):
                self.pairs_left -= len(self.skus)
                close = difflib.get_close_matches(sku, self.skus, n=1, cutoff=0.8)
            self.hints[sku] = f" (did you mean {close[0]!r}?)" if close else ""
        return self.hints[sku]


@dataclass(frozen=True)
class ShowInputs:
    """A validated show: every later stage reads this and nothing else."""

    show_path: Path
    show: Show
    catalog: Catalog
    audience: Audience
    stock: Stock
    files: dict[str, str] = field(default_factory=dict)  # kind -> path as shown in messages
    paths: dict[str, Path] = field(default_factory=dict)  # kind -> path on disk
    warnings: tuple[Diagnostic, ...] = ()
    # A fitted demand model applied on top of the files (lqplan.learning.apply_model), or None.
    calibration: Calibration | None = None

    @property
    def folder(self) -> Path:
        """The show's folder (where show.yaml is)."""
        return self.show_path.parent

    @cached_property
    def products(self) -> dict[str, Product]:
        """The catalog's products by SKU."""
        return {p.sku: p for p in self.catalog.products}

    @cached_property
    def stock_by_sku(self) -> dict[str, StockItem]:
        """The stock rows by SKU."""
        return {s.sku: s for s in self.stock.stock}

    def segment_minutes(self, product: Product) -> SegmentMinutes:
        """The product's own segment lengths, the show's rule for any it leaves out."""
        return product_segment_minutes(self.show, product)

    def segment_lengths(self, product: Product) -> list[int]:
        """Segment lengths this product may take: multiples of the slot within its min..max."""
        return segment_lengths(self.show, product)

    def share_weights(self) -> list[float]:
        """Audience shares normalised to sum to 1 (validation warns when they did not)."""
        total = sum(s.share for s in self.audience.segments)
        return [s.share / total for s in self.audience.segments]


def product_segment_minutes(show: Show, product: Product) -> SegmentMinutes:
    """The product's own segment lengths, the show's rule for any it leaves out."""
    rule = show.rules.segment_minutes
    return rule if product.segment_minutes is None else product.segment_minutes.over(rule)


def segment_lengths(show: Show, product: Product) -> list[int]:
    """Minutes a segment of `product` may last: multiples of the slot within its min..max."""
    slot = show.slot_minutes
    limits = product_segment_minutes(show, product)
    return [m for m in range(slot, limits.max + 1, slot) if m >= limits.min]


def _vocabulary(model: type[BaseModel], seen: set[type] | None = None) -> set[str]:
    """Every field name (alias) reachable from `model`, for 'did you mean' suggestions."""
    seen = seen if seen is not None else set()
    if model in seen:
        return set()
    seen.add(model)
    names: set[str] = set()
    for name, info in model.model_fields.items():
        names.add(info.alias or name)
        for sub in _models_in(info.annotation):
            names |= _vocabulary(sub, seen)
    return names


def _models_in(annotation: Any) -> Iterable[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        yield from _models_in(arg)
    for meta in getattr(annotation, "__metadata__", ()) or ():
        yield from _models_in(meta)
    origin = getattr(annotation, "__origin__", None)
    if origin is not None and origin is not annotation:
        yield from _models_in(origin)


_VOCABULARY = {kind: sorted(_vocabulary(model)) for kind, model in FILE_MODELS.items()}


def _display(path: Iterable[str | int]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _pydantic_diagnostics(kind: str, doc: Document, exc: ValidationError) -> list[Diagnostic]:
    out = []
    for error in exc.errors(include_input=False, include_url=False):
        path = _data_path(doc.data, error["loc"])
        kind_of = error["type"]
        message = str(error["msg"])
        if message.startswith(("Value error, ", "Assertion failed, ")):
            message = message.split(", ", 1)[1]
        if kind_of == "extra_forbidden":
            key = str(path[-1]) if path else "?"
            message = f"unknown field {key!r}"
            close = difflib.get_close_matches(key, _VOCABULARY[kind], n=1, cutoff=0.7)
            if close:
                message += f" (did you mean {close[0]!r}?)"
            line, column = doc.locate(path, key=True)
        elif kind_of in ("too_long", "too_short", "string_too_long", "string_too_short"):
            subject = _display(path[-1:]) if path and isinstance(path[-1], str) else "it"
            value = _value_at(doc.data, path)
            message = _length_message(subject, value, error.get("ctx", {}), message)
            line, column = doc.locate(path)
        elif kind_of == "missing":
            message = f"missing required field {path[-1]!r}" if path else "missing field"
            line, column = doc.locate(path[:-1])
        else:
            line, column = doc.locate(path)
        out.append(Diagnostic(doc.file, line, column, "error", _display(path), message))
    return out


def _length_message(subject: str, value: Any, ctx: dict[str, Any], fallback: str) -> str:
    """'sku is 200 characters long; at most 64' and 'selling_points has 5 items; at most 3'
    rather than pydantic's 'Value should have at most 64 items after validation, not 200'."""
    if not isinstance(value, str | list | dict):
        return fallback
    n = len(value)
    size = f"is {n} characters long" if isinstance(value, str) else f"has {n} item{'s' * (n != 1)}"
    if "max_length" in ctx:
        return f"{subject} {size}; at most {ctx['max_length']}"
    if "min_length" in ctx:
        return f"{subject} {size}; at least {ctx['min_length']}"
    return fallback


def _value_at(data: Any, path: Iterable[str | int]) -> Any:
    for part in path:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return None
    return data


def _data_path(data: Any, loc: tuple[Any, ...]) -> tuple[str | int, ...]:
    """Drop the parts of a pydantic location that are not keys in the data (union tags...)."""
    path: list[str | int] = []
    node = data
    for part in loc:
        if (isinstance(node, dict) and part in node) or (
            isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        ):
            path.append(part)
            node = node[part]
        elif (
            isinstance(node, dict)
            and isinstance(part, str)
            and part.isidentifier()
            and part not in ("flash_sale", "coupon", "lucky_bag", "gift", "collab")
            and "[" not in part
        ):
            path.append(part)  # a missing field: name it
            node = None
    return tuple(path)


def _parse_models(
    raw: RawShow, problems: DiagnosticList, salvage: dict[str, tuple[list[int], set[str]]]
) -> dict[str, BaseModel]:
    """Validate each file against its model; salvage the valid rows of a catalog or stock file
    so that cross-file checks still run and every problem is reported in one go."""
    parsed: dict[str, BaseModel] = {}
    for kind, doc in raw.documents.items():
        model = FILE_MODELS[kind]
        if not isinstance(doc.data, dict):
            line, column = doc.locate(())
            kind_of = "list" if isinstance(doc.data, list) else type(doc.data).__name__
            problems.add(
                Diagnostic(
                    doc.file,
                    line,
                    column,
                    "error",
                    "",
                    f"expected a mapping of fields at the top of the {kind} file, got a {kind_of}",
                )
            )
            continue
        try:
            parsed[kind] = model.model_validate(doc.data)
        except ValidationError as exc:
            problems.extend(_pydantic_diagnostics(kind, doc, exc))
            salvaged = _salvage(kind, doc.data, salvage)
            if salvaged is not None:
                parsed[kind] = salvaged
    return parsed


_ROWS: dict[str, tuple[str, type[Model]]] = {
    "catalog": ("products", Product),
    "stock": ("stock", StockItem),
}


def _salvage(
    kind: str, data: dict[str, Any], salvage: dict[str, tuple[list[int], set[str]]]
) -> BaseModel | None:
    """The rows of a list file that are valid on their own (their errors are already reported).

    Records in `salvage[kind]` each kept row's index in the file and the SKUs of broken rows, so
    that later messages point at the right row and do not call a broken row's SKU unknown.
    """
    if kind not in _ROWS or not isinstance(data.get(_ROWS[kind][0]), list):
        return None
    key, row_model = _ROWS[kind]
    rows: list[Model] = []
    indices: list[int] = []
    broken: set[str] = set()
    for i, row in enumerate(data[key]):
        try:
            rows.append(row_model.model_validate(row))
            indices.append(i)
        except ValidationError:
            if isinstance(row, dict) and row.get("sku") is not None:
                broken.add(str(row["sku"]))
    salvage[kind] = (indices, broken)
    # None is the default `_fields_set`, given so that the rows can only go to `key`.
    return FILE_MODELS[kind].model_construct(None, **{key: rows})


class CrossCheck:
    """Cross-file rules. Each `_check_*` method looks at one family and reports at a place."""

    def __init__(
        self,
        raw: RawShow,
        show: Show,
        catalog: Catalog,
        audience: Audience,
        stock: Stock,
        problems: DiagnosticList,
        salvage: dict[str, tuple[list[int], set[str]]] | None = None,
    ):
        self.raw, self.show, self.catalog = raw, show, catalog
        self.audience, self.stock, self.problems = audience, stock, problems
        self.salvage = salvage or {}
        self.products = {p.sku: p for p in catalog.products}
        self.units = {s.sku: s.units for s in stock.stock}
        self._closest_sku = SkuHints(self.products)

    def report(
        self, kind: str, path: tuple[str | int, ...], message: str, severity: Severity = "error"
    ) -> None:
        """Report a problem at `path` in the `kind` file (a salvaged row at its own line)."""
        doc = self.raw.documents[kind]
        rows = {"catalog": "products", "stock": "stock"}.get(kind)
        if kind in self.salvage and len(path) > 1 and path[0] == rows and isinstance(path[1], int):
            path = (path[0], self.salvage[kind][0][path[1]], *path[2:])  # row in the file
        line, column = doc.locate(path)
        self.problems.add(
            Diagnostic(
                doc.file,
                line,
                column,
                severity,
                _display(path),
                message,
            )
        )

    def run(self) -> None:
        """Run every `_check_*` method, in name order."""
        for name in sorted(dir(self)):
            if name.startswith("_check_"):
                getattr(self, name)()

    def _check_skus(self) -> None:
        """Stock rows and catalog products match up (needs no show.yaml)."""
        seen: set[str] = set()
        for i, item in enumerate(self.stock.stock):
            if item.sku in seen:
                self.report("stock", ("stock", i, "sku"), f"SKU {item.sku!r} has two stock rows")
            seen.add(item.sku)
            self.sku_known("stock", ("stock", i, "sku"), item.sku, "stock")
        broken_rows = self.salvage.get("stock", ((), set()))[1]
        for i, product in enumerate(self.catalog.products):
            if product.sku not in self.units and product.sku not in broken_rows:
                self.report(
                    "catalog",
                    ("products", i, "sku"),
                    f"no stock for {product.sku!r}: it counts as 0 units and will not air",
                    "warning",
                )

    # --- helpers ---
    def offset(self, clock: int) -> int:
        """Minutes from the show's start to the clock time `clock`."""
        return self.show.offset(clock)

    def inside(self, clock: int, *, end: bool = False) -> bool:
        """Is `clock` inside the show (as an end time: after the start, up to the end)?"""
        off = self.offset(clock)
        return (0 < off <= self.show.minutes) if end else (off < self.show.minutes)

    def sku_known(self, kind: str, path: tuple[str | int, ...], sku: str, what: str) -> bool:
        """Is `sku` in the catalog? Else report it, with the closest SKU as a suggestion."""
        if sku in self.products or sku in self.salvage.get("catalog", ((), set()))[1]:
            return True
        hint = self._closest_sku(sku)
        self.report(kind, path, f"{what} names SKU {sku!r}, which is not in the catalog{hint}")
        return False

    def window(self, path: tuple[str | int, ...], window: Window | None) -> None:
        """A window (a promotion's, a host's shift) starts and ends inside the show, in order."""
        if window is None:
            return
        if not self.inside(window.from_):
            self.report(
                "show",
                (*path, "from"),
                f"window starts at {format_clock(window.from_)}, outside the show",
            )
        elif not self.inside(window.to, end=True) or self.offset(window.to) <= self.offset(
            window.from_
        ):
            self.report(
                "show",
                (*path, "to"),
                f"window ends at {format_clock(window.to)}, before "
                "it starts or after the show ends",
            )

    # --- show shape ---
    def _check_length(self) -> None:
        slot = self.show.slot_minutes
        if self.show.minutes % slot:
            field_ = "duration_minutes" if self.show.duration_minutes else "end"
            self.report(
                "show",
                (field_,),
                f"show lasts {self.show.minutes} min, not a whole number of {slot}-minute slots",
            )
        if self.show.start % slot:
            self.report(
                "show",
                ("start",),
                f"start {format_clock(self.show.start)} is not on the {slot}-minute slot grid",
                "warning",
            )

    def _check_breaks(self) -> None:
        spans = []
        for i, brk in enumerate(self.show.breaks):
            off = self.offset(brk.at)
            if off >= self.show.minutes or off + brk.minutes > self.show.minutes:
                self.report(
                    "show",
                    ("breaks", i, "at"),
                    f"break {format_clock(brk.at)} +{brk.minutes} min is outside the show",
                )
                continue
            if off % self.show.slot_minutes or brk.minutes % self.show.slot_minutes:
                self.report(
                    "show",
                    ("breaks", i),
                    f"break {format_clock(brk.at)} +{brk.minutes} "
                    f"min is not on the {self.show.slot_minutes}-"
                    "minute slot grid",
                )
            spans.append((off, off + brk.minutes, i))
            self._break_cover(i, off, off + brk.minutes)
        spans.sort()
        for (s1, e1, i1), (s2, _e2, i2) in itertools.pairwise(spans):
            if s2 < e1:
                self.report(
                    "show",
                    ("breaks", i2, "at"),
                    f"break overlaps breaks[{i1}] ({self.show.clock(s1)}–{self.show.clock(e1)})",
                )

    def _break_cover(self, i: int, start: int, end: int) -> None:
        """Each host named in breaks[i].covered_by is a host of the show and on shift for some
        of the break (a cover by someone off shift would leave it uncovered, unsaid)."""
        hosts = {h.name: h for h in self.show.hosts}
        at = format_clock(self.show.breaks[i].at)
        for j, name in enumerate(self.show.breaks[i].covered_by):
            host = hosts.get(name)
            if host is None:
                known = ", ".join(repr(n) for n in hosts)
                self.report(
                    "show",
                    ("breaks", i, "covered_by", j),
                    f"{name!r} covers the break at {at} but is not in hosts ({known})",
                )
                continue
            spans = [
                (self.offset(s.from_), self.offset(s.to) or self.show.minutes) for s in host.shifts
            ] or [(0, self.show.minutes)]
            if not any(lo < end and start < hi for lo, hi in spans):
                self.report(
                    "show",
                    ("breaks", i, "covered_by", j),
                    f"{name!r} covers the break at {at} but is off shift for all of it",
                )

    def _check_hosts(self) -> None:
        breaks = sorted(
            (self.offset(b.at), self.offset(b.at) + b.minutes) for b in self.show.breaks
        )
        names = Counter(h.name for h in self.show.hosts)
        for i, host in enumerate(self.show.hosts):
            if names[host.name] > 1:
                self.report("show", ("hosts", i, "name"), f"host {host.name!r} is listed twice")
            for j, shift in enumerate(host.shifts):
                self.window(("hosts", i, "shifts", j), shift)
            spans = [
                (self.offset(s.from_), self.offset(s.to) or self.show.minutes) for s in host.shifts
            ] or [(0, self.show.minutes)]
            longest = max(_longest_stretch(a, b, breaks) for a, b in spans)
            if longest > host.max_stretch_minutes and not self.show.allow_gaps:
                self.report(
                    "show",
                    ("hosts", i, "max_stretch_minutes"),
                    f"host {host.name!r} would be on air {longest} min without a break; "
                    f"the limit is {host.max_stretch_minutes} (add a break or a shift, or "
                    "set allow_gaps so that the plan can pause)",
                )
        if not any(h.role == "host" for h in self.show.hosts):
            self.report("show", ("hosts",), "no host with role 'host'")

    # --- catalog ---
    def _check_catalog(self) -> None:
        """Checks within catalog.yaml alone (they run even when show.yaml is broken)."""
        seen: dict[str, int] = {}
        links: dict[int, int] = {}
        for i, product in enumerate(self.catalog.products):
            if product.sku in seen:
                first = self.raw.documents["catalog"].locate(("products", seen[product.sku], "sku"))
                self.report(
                    "catalog",
                    ("products", i, "sku"),
                    f"duplicate SKU {product.sku!r} (first at line {first[0]})",
                )
            seen.setdefault(product.sku, i)
            if product.cart_link is not None:
                if product.cart_link in links:
                    self.report(
                        "catalog",
                        ("products", i, "cart_link"),
                        f"cart link {product.cart_link} is also products"
                        f"[{links[product.cart_link]}]'s",
                    )
                links.setdefault(product.cart_link, i)
            if product.live_price > product.list_price:
                self.report(
                    "catalog",
                    ("products", i, "live_price"),
                    f"live price {product.live_price:g} is above the list price "
                    f"{product.list_price:g}",
                )
            if product.unit_cost > product.live_price and product.role not in (
                "traffic",
                "welfare",
            ):
                self.report(
                    "catalog",
                    ("products", i, "unit_cost"),
                    f"unit cost {product.unit_cost:g} is above the live price "
                    f"{product.live_price:g} for a {product.role!r} product",
                    "warning",
                )
            if not product.selling_points:
                self.report(
                    "catalog",
                    ("products", i, "selling_points"),
                    "no selling points: host scripts will mark them 未确认/to confirm",
                    "warning",
                )

    def _check_products(self) -> None:
        """Each product fits this show: segment lengths on its grid, contract dates, currency."""
        show_minutes = self.show.minutes
        for i, product in enumerate(self.catalog.products):
            limits = product_segment_minutes(self.show, product)
            if not limits.min <= limits.default <= limits.max:
                self._segment_minutes_order(i, product, limits)
            elif limits.min > show_minutes:
                self.report(
                    "catalog",
                    ("products", i, "segment_minutes", "min"),
                    f"segment of at least {limits.min} min is longer than the show "
                    f"({show_minutes} min)",
                )
            elif not segment_lengths(self.show, product):
                self.report(
                    "catalog",
                    ("products", i, "segment_minutes"),
                    f"no segment length between {limits.min} and {limits.max} min is a "
                    f"multiple of the {self.show.slot_minutes}-minute slot",
                )
            if product.collab:
                self._contract_window(i, product)
        if self.catalog.currency and self.catalog.currency != self.show.currency:
            self.report(
                "catalog",
                ("currency",),
                f"catalog prices are in {self.catalog.currency}, the show in {self.show.currency}",
            )

    def _segment_minutes_order(self, i: int, product: Product, limits: SegmentMinutes) -> None:
        """A product's merged lengths out of order: say which numbers it wrote and where the
        others came from (the show's rule, or lqplan's defaults when the show gives none)."""
        own = product.segment_minutes
        assert own is not None  # the show's own rule is ordered by its model
        rules = self.show.rules
        by_show = (
            rules.segment_minutes.model_fields_set
            if "segment_minutes" in rules.model_fields_set
            else set()
        )
        show_file = self.raw.documents["show"].file
        parts = []
        for key in ("min", "default", "max"):
            value = getattr(limits, key)
            if getattr(own, key) is not None:
                parts.append(f"{key} {value}")
            elif key in by_show:
                parts.append(f"{key} {value} (rules.segment_minutes in {show_file})")
            else:
                parts.append(f"{key} {value} (lqplan's default: {show_file} does not set it)")
        written = [k for k in ("min", "default", "max") if getattr(own, k) is not None]
        path: tuple[str | int, ...] = ("products", i, "segment_minutes")
        self.report(
            "catalog",
            (*path, written[0]) if len(written) == 1 else path,
            "need min <= default <= max, got " + ", ".join(parts),
        )

    def _contract_window(self, i: int, product: Product) -> None:
        collab = product.collab
        assert collab is not None
        day = self.show.date
        if (collab.contract_from and day < collab.contract_from) or (
            collab.contract_to and day > collab.contract_to
        ):
            self.report(
                "catalog",
                ("products", i, "collab"),
                f"the show's date {day} is outside the co-brand contract with {collab.partner}",
                "error",
            )

    # --- audience ---
    def _check_audience(self) -> None:
        total = sum(s.share for s in self.audience.segments)
        if total <= 0:
            self.report("audience", ("segments",), "segment shares add up to 0")
        elif abs(total - 1) > SHARE_TOLERANCE:
            self.report(
                "audience",
                ("segments",),
                f"segment shares add up to {total:.3f}, not 1; lqplan normalises them "
                "(each share is divided by the total)",
                "warning",
            )
        categories = {p.category for p in self.catalog.products}
        for i, segment in enumerate(self.audience.segments):
            if segment.age and segment.age[0] > segment.age[1]:
                self.report("audience", ("segments", i, "age"), "age range is [youngest, oldest]")
            for category in segment.affinity:
                if category not in categories:
                    self.report(
                        "audience",
                        ("segments", i, "affinity", category),
                        f"no product has category {category!r}",
                        "warning",
                    )
        curve = self.audience.viewer_curve
        offsets = [self.offset(p.at) for p in curve]
        for i in range(1, len(curve)):
            if offsets[i] <= offsets[i - 1] and not self.offset(curve[i].at) >= self.show.minutes:
                self.report(
                    "audience",
                    ("viewer_curve", i, "at"),
                    f"{format_clock(curve[i].at)} is not after the previous point",
                )
        if offsets[0] != 0:
            self.report(
                "audience",
                ("viewer_curve", 0, "at"),
                f"the viewer curve starts at {format_clock(curve[0].at)}, after the "
                f"show's start {format_clock(self.show.start)}",
            )
        covered = max((o for o in offsets if o <= self.show.minutes), default=0)
        end = self.show.minutes
        if end == DAY:
            # A 24-hour show ends at its start's clock time, which names its start: no point can
            # be its end. Its curve covers it when it reaches the last slot, held from there.
            end -= self.show.slot_minutes
        if covered < end and len(curve) > 0:
            until = (
                f" ends at {self.show.clock(self.show.minutes)}"
                if end == self.show.minutes
                else f"'s last slot at {self.show.clock(end)} (a 24-hour show ends at its start's "
                "clock time, which names its start: the curve must reach its last slot)"
            )
            self.report(
                "audience",
                ("viewer_curve", len(curve) - 1, "at"),
                f"the viewer curve ends at {self.show.clock(covered)}, before the show{until}",
            )

    # --- rules ---
    def _check_rules(self) -> None:
        for family in families():
            family.validate(self)
        ids = Counter(_rule_ids(self.show))
        for rule_id, count in ids.items():
            if count > 1:
                self.report("show", ("rules",), f"rule id {rule_id!r} is used {count} times")

    # --- promotions ---
    def _check_promotions(self) -> None:
        ids: dict[str, int] = {}
        flash_units: dict[str, int] = defaultdict(int)
        for i, promo in enumerate(self.show.promotions):
            path: tuple[str | int, ...] = ("promotions", i)
            if promo.id in ids:
                self.report(
                    "show",
                    (*path, "id"),
                    f"promotion id {promo.id!r} is also promotions[{ids[promo.id]}]'s",
                )
            ids.setdefault(promo.id, i)
            self.window((*path, "window"), promo.window)
            sku = getattr(promo, "sku", None)
            if sku is not None and not self.sku_known("show", (*path, "sku"), sku, promo.type):
                continue
            product = self.products.get(sku) if sku else None
            if sku is not None and product is None:
                continue  # the product's own row is broken and already reported
            assert product is not None or sku is None
            if isinstance(promo, FlashSale):
                assert product is not None
                flash_units[promo.sku] += promo.units
                if promo.price >= product.live_price:
                    self.report(
                        "show",
                        (*path, "price"),
                        f"flash-sale price {promo.price:g} is not below the live price "
                        f"{product.live_price:g}",
                    )
                if promo.min_minutes > promo.max_minutes:
                    self.report("show", (*path, "min_minutes"), "min_minutes is above max_minutes")
                if flash_units[promo.sku] > self.units.get(promo.sku, 0):
                    self.report(
                        "show",
                        (*path, "units"),
                        f"flash sales of {promo.sku} offer {flash_units[promo.sku]} units; "
                        f"stock has {self.units.get(promo.sku, 0)}",
                    )
            elif isinstance(promo, Coupon):
                if promo.amount >= promo.threshold:
                    self.report(
                        "show",
                        (*path, "amount"),
                        f"coupon takes {promo.amount:g} off orders of "
                        f"{promo.threshold:g}: the amount must be below the threshold",
                    )
                if promo.budget is None and promo.count is None:
                    self.report(
                        "show",
                        (*path,),
                        "coupon has neither a budget nor a count: it is treated as unlimited",
                        "warning",
                    )
                for j, coupon_sku in enumerate(promo.skus or []):
                    self.sku_known("show", (*path, "skus", j), coupon_sku, "coupon")
            elif isinstance(promo, Collab):
                assert product is not None
                if promo.window and self.offset(promo.window.to) - self.offset(
                    promo.window.from_
                ) < min(segment_lengths(self.show, product), default=0):
                    self.report(
                        "show",
                        (*path, "window"),
                        "window is shorter than the product's shortest segment",
                    )
            elif isinstance(promo, LuckyBag) and promo.countdown_minutes > self.show.minutes:
                self.report("show", (*path, "countdown_minutes"), "longer than the show")
            if not isinstance(promo, Collab):
                self._promotion_can_run(path, promo, product)

    def _promotion_can_run(
        self,
        path: tuple[str | int, ...],
        promo: FlashSale | Coupon | Gift | LuckyBag,
        product: Product | None,
    ) -> None:
        """A promotion that no plan could ever run is a mistake in the file, found before any
        solve: a flash sale longer than its product's segments or its window, a window inside a
        break, a gift for a product with no stock, a bag's countdown longer than its window."""
        window = self._free_window(path, promo.window)
        if window is None:
            return  # the whole window is in breaks (reported), or the window is broken
        if isinstance(promo, FlashSale) and product is not None:
            longest = max(segment_lengths(self.show, product), default=0)
            if promo.min_minutes > longest:
                self.report(
                    "show",
                    (*path, "min_minutes"),
                    f"{promo.id} needs {promo.min_minutes} minutes, but {promo.sku}'s segments "
                    f"last at most {longest}",
                )
            elif promo.min_minutes > window:
                self.report(
                    "show",
                    (*path, "min_minutes"),
                    f"{promo.id} needs {promo.min_minutes} minutes, its window has {window}",
                )
        if isinstance(promo, Gift | Coupon) and promo.window is not None:
            # A gift or a coupon holds for the whole segment: one must fit inside the window.
            skus = [promo.sku] if isinstance(promo, Gift) else (promo.skus or [])
            lengths = [
                min(segment_lengths(self.show, self.products[sku]), default=0)
                for sku in skus
                if sku in self.products
            ]
            if lengths and min(lengths) > window:
                self.report(
                    "show",
                    (*path, "window"),
                    f"{promo.id}'s window has {window} minutes; its shortest segment lasts "
                    f"{min(lengths)}",
                )
        if isinstance(promo, Gift) and product is not None:
            units = self.units.get(promo.sku, 0)
            if math.floor(round(units * (1 - self.show.stock_reserve), 6)) <= 0:
                self.report(
                    "show",
                    (*path, "sku"),
                    f"gift {promo.id} is for {promo.sku}, which has no stock to sell "
                    f"(stock {units}, reserve {self.show.stock_reserve:.0%})",
                )
        if isinstance(promo, LuckyBag) and promo.countdown_minutes > window:
            self.report(
                "show",
                (*path, "countdown_minutes"),
                f"{promo.id}'s countdown of {promo.countdown_minutes} minutes is longer than its "
                f"window ({window} minutes)",
            )

    def _free_window(self, path: tuple[str | int, ...], window: Window | None) -> int | None:
        """Minutes of a promotion's window (the whole show without one) outside the breaks;
        None, reported, when the window lies entirely in breaks (or is itself broken)."""
        if window is None:
            low, high = 0, self.show.minutes
        else:
            low, high = self.offset(window.from_), self.offset(window.to) or self.show.minutes
            if not (0 <= low < high <= self.show.minutes):
                return None  # reported by window()
        free = high - low
        for brk in self.show.breaks:
            start = self.offset(brk.at)
            free -= max(0, min(high, start + brk.minutes) - max(low, start))
        if free <= 0 and window is not None:
            self.report(
                "show",
                (*path, "window"),
                f"window {format_clock(window.from_)}–{format_clock(window.to)} lies inside "
                "the show's breaks: the promotion can never run",
            )
            return None
        return free

    def _check_lucky_bag_count(self) -> None:
        """The cadence needs a bag in every max_gap window: enough drops must be on offer."""
        bags = [(i, p) for i, p in enumerate(self.show.promotions) if isinstance(p, LuckyBag)]
        if not bags:
            return
        rule = self.show.rules.lucky_bag_cadence
        slots = self.show.minutes // self.show.slot_minutes
        high = max(1, rule.max_gap_minutes // self.show.slot_minutes)
        needed = math.ceil(max(0, slots - high + 1) / high)
        offered = sum(p.count for _, p in bags)
        if offered < needed:
            self.report(
                "show",
                ("promotions", bags[0][0], "count"),
                f"lucky bags may drop {counted(offered, 'time')} in all, but rule "
                f"{rule.id} (a bag at least every {rule.max_gap_minutes} min) needs "
                f"{needed} over a {self.show.minutes}-minute show; raise the counts",
            )


def _rule_ids(show: Show) -> list[str]:
    rules = show.rules
    ids = [rules.price_ladder.id, rules.role_pacing.id]
    for family in families():
        ids += family.rule_ids(rules)
    return ids


def _longest_stretch(start: int, end: int, breaks: list[tuple[int, int]]) -> int:
    longest, cursor = 0, start
    for b_start, b_end in breaks:
        if b_end <= cursor or b_start >= end:
            continue
        longest = max(longest, b_start - cursor)
        cursor = max(cursor, b_end)
    return max(longest, end - cursor)


def validate(raw: RawShow) -> ShowInputs:
    """Check a loaded show; raise InputError listing every problem (warnings included)."""
    with collector_paused():  # the models of a large catalog hold no cycles (io/collector.py)
        return _validate(raw)


def _validate(raw: RawShow) -> ShowInputs:
    problems = DiagnosticList()
    salvage: dict[str, tuple[list[int], set[str]]] = {}
    parsed = _parse_models(raw, problems, salvage)
    show, catalog = parsed.get("show"), parsed.get("catalog")
    audience, stock = parsed.get("audience"), parsed.get("stock")
    if isinstance(catalog, Catalog) and isinstance(stock, Stock):
        # A broken show.yaml or audience.yaml is None here; then only the checks below that
        # read neither run (or only show.yaml, when it is valid), so None never reaches them.
        checker = CrossCheck(
            raw, cast(Show, show), catalog, cast(Audience, audience), stock, problems, salvage
        )
        if isinstance(show, Show) and isinstance(audience, Audience):
            checker.run()
        else:  # still report what can be checked without the broken file
            checker._check_skus()
            checker._check_catalog()
            if isinstance(show, Show):
                checker._check_rules()
                checker._check_promotions()
    problems.raise_if_errors()
    assert isinstance(show, Show) and isinstance(catalog, Catalog)
    assert isinstance(audience, Audience) and isinstance(stock, Stock)
    return ShowInputs(
        show_path=raw.show_path,
        show=show,
        catalog=catalog,
        audience=audience,
        stock=stock,
        files={kind: doc.file for kind, doc in raw.documents.items()},
        paths=dict(raw.paths),
        warnings=tuple(sort_diagnostics(problems.items)),
    )


def load_and_validate(target: str | Path) -> ShowInputs:
    """Load and validate a show folder (or its show.yaml): the entry point most callers want."""
    return validate(load_show(target))


def check_show(target: str | Path) -> list[Diagnostic]:
    """Every problem in a show, errors and warnings, in reading order; empty when all is well."""
    try:
        return list(load_and_validate(target).warnings)
    except InputError as exc:
        return sort_diagnostics(exc.diagnostics)
