"""The live cue view for the control room: what is on air now, what comes next, and when.

`frame(plan, now_minute, marks, lang)` draws one screen from plan.json alone, as a pure function
of its arguments, so it is tested without a terminal; `run_live` (the `lqplan live` command)
redraws it as the clock moves and turns key presses into marks. A mark moves the rest of the
show: `d` ends the current segment now, so every later item starts earlier by the time saved;
`l` runs it one minute longer, so every later item starts one minute later. Each mark is
recorded as the segment's actual start and end in an actuals file (`record_mark`) that review
(and replan) read.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console, Group, RenderableType
from rich.panel import Panel
from rich.progress_bar import ProgressBar
from rich.table import Table
from rich.text import Text

from lqplan.render.actions import team_actions
from lqplan.show.model import clock_after, parse_clock

DONE, LATE = "done", "late"
LATE_STEP = 1  # minutes a `late` mark adds to the current segment
ACTIONS_SHOWN = 6

WORDS = {
    "zh": {
        "now": "当前",
        "next": "下一个",
        "left": "剩余",
        "starts_in": "距开播",
        "over": "直播已结束",
        "break": "休息",
        "points": "卖点",
        "actions": "接下来的动作",
        "none": "无",
        "on_time": "准点",
        "late": "晚 {m} 分钟",
        "early": "早 {m} 分钟",
        "keys": "d 本段提前结束 · l 本段延长 1 分钟 · q 退出",
        "min": "分钟",
        "show": "全场",
        "market": "模拟市场：已售 {units} 件，GMV {gmv}（计划此时 {planned}），在线 {viewers} 人",
    },
    "en": {
        "now": "NOW",
        "next": "NEXT",
        "left": "left",
        "starts_in": "starts in",
        "over": "the show is over",
        "break": "break",
        "points": "talking points",
        "actions": "next actions",
        "none": "none",
        "on_time": "on time",
        "late": "{m} min late",
        "early": "{m} min early",
        "keys": "d done early · l running late (+1 min) · q quit",
        "min": "min",
        "show": "show",
        "market": "simulated market: {units} units sold, GMV {gmv} (plan by now {planned}), "
        "{viewers} viewers",
    },
}

# A 3×5 block font for the countdown, readable across a control room.
_BIG = {
    "0": ("███", "█ █", "█ █", "█ █", "███"),
    "1": (" █ ", "██ ", " █ ", " █ ", "███"),
    "2": ("███", "  █", "███", "█  ", "███"),
    "3": ("███", "  █", "███", "  █", "███"),
    "4": ("█ █", "█ █", "███", "  █", "  █"),
    "5": ("███", "█  ", "███", "  █", "███"),
    "6": ("███", "█  ", "███", "█ █", "███"),
    "7": ("███", "  █", "  █", "  █", "  █"),
    "8": ("███", "█ █", "███", "█ █", "███"),
    "9": ("███", "█ █", "███", "  █", "███"),
    ":": ("   ", " █ ", "   ", " █ ", "   "),
    "-": ("   ", "   ", "███", "   ", "   "),
}


@dataclass(frozen=True)
class Mark:
    """A key pressed in the control room: segment `number` done (early) or late, at `minute`."""

    number: int
    kind: str  # done | late
    minute: float  # minutes from the show's start when it was pressed


@dataclass(frozen=True)
class Item:
    """A segment or a break as it runs, after the marks so far: minutes from the show's start."""

    start: float
    end: float
    segment: dict[str, Any] | None = None
    brk: dict[str, Any] | None = None
    drift: float = 0.0  # minutes later (+) or earlier (−) than planned at its start


def schedule(plan: dict[str, Any], marks: Sequence[Mark]) -> list[Item]:
    """The plan's segments and breaks in time order, moved by the marks."""
    planned: list[tuple[int, int, dict[str, Any] | None, dict[str, Any] | None]] = [
        (s["start_minute"], s["start_minute"] + s["minutes"], s, None) for s in plan["segments"]
    ]
    planned += [(b["minute"], b["minute"] + b["minutes"], None, b) for b in plan["breaks"]]
    planned.sort(key=lambda p: (p[0], p[2] is not None))
    by_number: dict[int, list[Mark]] = {}
    for mark in sorted(marks, key=lambda m: m.minute):
        by_number.setdefault(mark.number, []).append(mark)
    drift = 0.0
    items = []
    for start, end, seg, brk in planned:
        begin, finish, at_start = start + drift, end + drift, drift
        for mark in by_number.get(seg["number"], []) if seg else []:
            if mark.kind == LATE:
                finish += LATE_STEP
            elif mark.kind == DONE:
                finish = max(begin, min(finish, mark.minute))
                break  # a segment ends once
        drift += finish - (end + drift)
        items.append(Item(begin, finish, seg, brk, at_start))
    return items


def drift_at(items: Sequence[Item], planned_minute: float) -> float:
    """How far the schedule has moved for something planned at `planned_minute`: the drift of
    the item it falls in, or the drift after the last item that ended before it."""
    drift = 0.0
    for item in items:
        planned_start = item.start - item.drift
        if planned_start > planned_minute:
            break
        inside = planned_minute < planned_start + _planned_length(item)
        drift = item.drift if inside else item.drift + _moved(item)
    return drift


def _moved(item: Item) -> float:
    """Minutes an item's own marks moved its end (the drift of everything after it)."""
    return (item.end - item.start) - _planned_length(item)


def _planned_length(item: Item) -> float:
    """Minutes the plan gives the item (a segment's or a break's)."""
    planned = item.segment if item.segment is not None else item.brk
    assert planned is not None  # an Item is a segment or a break
    minutes: int = planned["minutes"]  # whole minutes, for segments and breaks (planfile)
    return minutes


def current(items: Sequence[Item], now: float) -> tuple[Item | None, Item | None]:
    """(the item on air at `now`, the next one), either None before the start or after the end."""
    for i, item in enumerate(items):
        if item.start <= now < item.end:
            return item, items[i + 1] if i + 1 < len(items) else None
        if now < item.start:
            return None, item
    return None, None


def upcoming_actions(
    plan: dict[str, Any],
    items: Sequence[Item],
    now: float,
    lang: str,
    actions: list[dict[str, Any]] | None = None,
) -> list[tuple[float, dict[str, Any]]]:
    """The next actions of every team from `now` on, at their moved times."""
    rows = []
    for act in actions if actions is not None else team_actions(plan, lang):
        if act["action"] == "delist_product":
            continue  # the next segment's link-up says the same, at the same moment
        at = act["minute"] + drift_at(items, act["minute"])
        if at >= now - 1e-9:
            rows.append((at, act))
    rows.sort(key=lambda r: r[0])
    return rows[:ACTIONS_SHOWN]


def clock(plan: dict[str, Any], minute: float, seconds: bool = False) -> str:
    """Clock time `minute` minutes after the show's start (HH:MM, or HH:MM:SS)."""
    return clock_after(plan["show"]["start"], minute, seconds)


def big(text: str) -> Text:
    """`text` (digits, ':' and '-') in the block font."""
    rows = [" ".join(_BIG.get(ch, _BIG["-"])[r] for ch in text) for r in range(5)]
    return Text("\n".join(rows), style="bold")


def countdown(minutes: float) -> str:
    """Minutes as MM:SS (rounded up to the second, so 0:00 means it is over)."""
    seconds = max(0, math.ceil(minutes * 60 - 1e-6))
    return f"{seconds // 60:02d}:{seconds % 60:02d}"


def frame(
    plan: dict[str, Any],
    now_minute: float,
    marks: Sequence[Mark] = (),
    lang: str = "en",
    actions: list[dict[str, Any]] | None = None,
    market: dict[str, Any] | None = None,
    height: int | None = None,
) -> RenderableType:
    """One screen of the cue view at `now_minute` (minutes from the show's start).

    `actions` is team_actions(plan, lang), passed in by a caller that redraws many frames.
    `market` is a simulated show (lqplan.learning.simulate's ACTUALS) for a rehearsal: what it
    has sold by now is shown against what the plan expected by now.
    `height` is the terminal's: every line but the next actions is then one row (cut with …)
    and the actions get the rows left, so that the frame fills the screen and no more, and the
    key legend on its last line stays in sight (on 80 × 24 too). Without it, the frame is as
    tall as its content.
    """
    words = WORDS[lang]
    compact = height is not None

    def line(text: str | Text, style: str = "") -> Text:
        """One line of the frame: a single row when compact."""
        shown = text if isinstance(text, Text) else Text(text, style=style)
        if compact:
            shown.no_wrap, shown.overflow = True, "ellipsis"
        return shown

    items = schedule(plan, marks)
    now_item, next_item = current(items, now_minute)
    show = plan["show"]
    end = items[-1].end if items else show["minutes"]
    drift = items[-1].drift + _moved(items[-1]) if items else 0.0
    drift = round(drift)  # whole minutes: the control room does not need seconds here
    if drift == 0:
        state = Text(words["on_time"], style="green")
    elif drift > 0:
        state = Text(words["late"].format(m=_minutes(drift)), style="bold red")
    else:
        state = Text(words["early"].format(m=_minutes(-drift)), style="bold yellow")
    header = line(
        Text.assemble(
            (f"{show['title']} · ", "bold"),
            (f"{clock(plan, now_minute, seconds=True)} · ", "bold cyan"),
            state,
        )
    )

    body: RenderableType
    if now_item is not None:
        title = _label(now_item, words)
        body = Group(line(title, "bold"), big(countdown(now_item.end - now_minute)))
        panel_title = f"{words['now']} {clock(plan, now_item.start)}–{clock(plan, now_item.end)}"
        style = "green"
    elif now_minute < (items[0].start if items else 0):
        body = Group(Text(words["starts_in"]), big(countdown(items[0].start - now_minute)))
        panel_title, style = words["starts_in"], "blue"
    else:
        body = Text(words["over"], style="bold")
        panel_title, style = words["over"], "dim"
    now_panel = Panel(body, title=panel_title, title_align="left", border_style=style)

    if next_item is not None:
        next_text = line(
            f"{clock(plan, next_item.start)}  {_label(next_item, words)}  "
            f"({_minutes(next_item.end - next_item.start)} {words['min']})"
        )
    else:
        next_text = Text(words["none"], style="dim")
    next_panel = Panel(next_text, title=words["next"], title_align="left")

    on_air = now_item or next_item
    points: RenderableType = Text(words["none"], style="dim")
    points_rows = 1
    if on_air is not None and on_air.segment is not None:
        product = plan["products"].get(on_air.segment["sku"], {})
        lines = [
            f"• {p['point']}" + (f" ({p['proof']})" if p.get("proof") else "")
            for p in product.get("selling_points", [])[:3]
        ]
        if lines:
            points, points_rows = Group(*(line(text) for text in lines)), len(lines)
    points_panel = Panel(points, title=words["points"], title_align="left")

    table = Table(box=None, show_header=False, pad_edge=False, expand=True)
    table.add_column("at", no_wrap=True, style="bold")
    table.add_column("team", no_wrap=True, style="cyan")
    table.add_column("action", overflow="fold")
    from lqplan.render.i18n import TEAMS

    for at, act in upcoming_actions(plan, items, now_minute, lang, actions):
        table.add_row(clock(plan, at), TEAMS[lang].get(act["team"], act["team"]), act["text"])
    if not table.rows:
        table.add_row("", "", Text(words["none"], style="dim"))
    rows: list[RenderableType] = [header]
    if market is not None:
        rows.append(line(market_line(plan, market, now_minute, words), "magenta"))
    actions_height = None
    if height is not None:
        # Each panel is its content and two borders; the progress bar and the legend a row each.
        now_rows = 3 if now_item is None and panel_title == words["over"] else 8
        used = len(rows) + now_rows + 3 + (points_rows + 2) + 2
        actions_height = max(3, height - used)
    actions_panel = Panel(table, title=words["actions"], title_align="left", height=actions_height)

    done = min(max(now_minute, 0.0), end)
    bar = Table.grid(expand=True)
    bar.add_column(no_wrap=True)
    bar.add_column(ratio=1)
    bar.add_column(no_wrap=True)
    bar.add_row(
        f"{words['show']} {clock(plan, 0)} ",
        ProgressBar(total=max(end, 1e-9), completed=done),
        f" {clock(plan, end)} · {words['left']} {_minutes(end - done)} {words['min']}",
    )
    return Group(
        *rows,
        now_panel,
        next_panel,
        points_panel,
        actions_panel,
        bar,
        line(words["keys"], "dim"),
    )


def _label(item: Item, words: dict[str, str]) -> str:
    if item.segment is None:
        assert item.brk is not None
        return f"{words['break']} {item.brk.get('label') or ''}".strip()
    seg = item.segment
    link = f"#{seg['cart_link']} " if seg.get("cart_link") else ""
    return f"{seg['number']}. {link}{seg['sku']} {seg['name']}"


def _minutes(value: float) -> str:
    return f"{value:g}" if value == int(value) else f"{value:.1f}"


# --- recording marks as actuals -----------------------------------------------------------------


def market_line(
    plan: dict[str, Any], market: dict[str, Any], minute: float, words: dict[str, str]
) -> str:
    """A rehearsal's market so far: units and GMV sold by `minute`, the plan's expected GMV by
    then (each segment's spread evenly over its minutes), the viewers that minute."""
    from lqplan.render.i18n import money

    start = parse_clock(plan["show"]["start"])

    def offset(at: object) -> int:
        """Show minutes of a sale's or a reading's time (HH:MM, or HH:MM:SS: its minute)."""
        return (parse_clock(str(at)[:5]) - start) % 1440

    sold = [s for s in market.get("sales", []) if offset(s["at"]) < minute]
    planned = 0.0
    for seg in plan["segments"]:
        share = (minute - seg["start_minute"]) / max(1, seg["minutes"])
        planned += seg["expected"]["gmv"] * min(1.0, max(0.0, share))
    readings = [r for r in market.get("viewer_log", []) if offset(r["at"]) <= minute]
    currency, lang = plan["show"]["currency"], plan["show"].get("language", "en")
    return words["market"].format(
        units=f"{sum(s['units'] for s in sold):,.0f}",
        gmv=money(sum(s.get("gmv") or 0.0 for s in sold), currency, lang),
        planned=money(planned, currency, lang),
        viewers=f"{readings[-1]['viewers']:,.0f}" if readings else "—",
    )


def actual_segment(plan: dict[str, Any], items: Sequence[Item], number: int) -> dict[str, Any]:
    """The actuals entry for segment `number` as the schedule stands: its start and end."""
    item = next(i for i in items if i.segment is not None and i.segment["number"] == number)
    seg = item.segment
    assert seg is not None
    return {
        "number": number,
        "sku": seg["sku"],
        "start": clock(plan, item.start),
        "end": clock(plan, item.end),
    }


# The first line of every actuals file lqplan writes: live --record's and simulate's
# (actuals.dump_actuals), and lqplan import actuals' (show/intake.py).
OUR_HEADERS = ("# lqplan actuals", "# Imported by lqplan import actuals")
_HEAD_BYTES = 4096  # enough for the first line; never the whole of a file that may be huge


def check_record_target(path: Path) -> None:
    """Refuse a --record file that lqplan must not write over, before the view starts: anything
    but a new file, an empty one, or an actuals file lqplan wrote (its first line says so) that
    still reads as ACTUALS. A show's own show.yaml, a catalog or a spreadsheet export is the
    team's, and recording marks into it would replace it."""
    import stat

    from lqplan.errors import RefusedError, UsageError, display_path
    from lqplan.live.actuals import read_actuals

    shown = display_path(path)
    try:
        info = path.lstat()
    except FileNotFoundError:
        if not path.parent.is_dir():
            raise UsageError(f"--record {shown}: no folder {display_path(path.parent)}") from None
        return
    if stat.S_ISDIR(info.st_mode):
        raise UsageError(f"--record {shown} is a folder: name the actuals file to write")
    if not stat.S_ISREG(info.st_mode):  # a link, a pipe, a device: never written through
        raise RefusedError(f"--record {shown} is not a regular file: refusing to record over it")
    with path.open("rb") as f:
        head = f.read(_HEAD_BYTES)
    if not head.strip():
        return
    first = head.decode("utf-8", "replace").lstrip("\ufeff").splitlines()[0]
    if not first.startswith(OUR_HEADERS):
        raise RefusedError(
            f"--record {shown} is not an actuals file lqplan wrote: refusing to record over it "
            "(name a new file, or one that lqplan live, simulate or import wrote)"
        )
    read_actuals(path)  # a file of ours edited out of shape: every problem at its line


def record_mark(path: Path, plan: dict[str, Any], marks: Sequence[Mark]) -> None:
    """Write the segments marked so far into the actuals file at `path`: a marked segment's
    start and end replace its entry's (the first entry with its number), a segment marked for
    the first time gets an entry in time order; every other entry, field and comment of the file
    is kept as it was (the YAML is edited, not rewritten)."""
    from lqplan.io.write import atomic_write
    from lqplan.live.actuals import dump_actuals, load_actuals

    items = schedule(plan, marks)
    marked = [actual_segment(plan, items, n) for n in dict.fromkeys(m.number for m in marks)]
    text = path.read_text(encoding="utf-8-sig") if path.exists() else ""
    if not text.strip():
        fresh = {"plan": plan["show"]["title"], "segments": sorted(marked, key=_start)}
        atomic_write(path, dump_actuals(fresh).encode("utf-8"))
        return
    load_actuals(path)  # it reads as ACTUALS (InputError listing every problem otherwise)
    atomic_write(path, _edited(path, text, plan["show"]["title"], marked).encode("utf-8"))


def _start(entry: dict[str, Any]) -> str:
    return str(entry.get("start") or "")


def _edited(path: Path, text: str, title: str, marked: list[dict[str, Any]]) -> str:
    """`text` (an actuals file) with the `marked` segments' entries set, through ruamel.yaml's
    round trip: comments, quotes, flow style and the order of everything else survive."""
    from ruamel.yaml import YAML
    from ruamel.yaml.comments import CommentedMap, CommentedSeq
    from ruamel.yaml.error import YAMLError
    from ruamel.yaml.scalarstring import SingleQuotedScalarString

    from lqplan.errors import InputError, Place

    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 10**6  # one entry a line, as dump_actuals writes them
    yaml.indent(mapping=2, sequence=4, offset=2)
    try:
        data = yaml.load(text)
    except YAMLError as exc:  # what lqplan's reader took and YAML 1.2 does not
        raise InputError([Place(str(path)).diagnostic(f"cannot edit this YAML: {exc}")]) from None
    if "plan" not in data:
        data.insert(0, "plan", title)
    segments = data.get("segments")
    if not isinstance(segments, CommentedSeq):
        segments = data["segments"] = CommentedSeq()
    for entry in marked:
        # Times quoted as dump_actuals quotes them (a YAML 1.1 reader would see 20:05 as 1205).
        values = {
            k: SingleQuotedScalarString(v) if k in ("start", "end") else v for k, v in entry.items()
        }
        mine = next(
            (e for e in segments if isinstance(e, dict) and e.get("number") == entry["number"]),
            None,
        )
        if mine is not None:
            mine.update(values)
            continue
        new = CommentedMap(values)
        new.fa.set_flow_style()
        later = [
            i for i, e in enumerate(segments) if isinstance(e, dict) and _start(e) > _start(entry)
        ]
        segments.insert(later[0] if later else len(segments), new)
    out = io.StringIO()
    yaml.dump(data, out)
    return out.getvalue()


# --- the loop -----------------------------------------------------------------------------------


@dataclass
class LiveClock:
    """Show minutes as a function of wall-clock seconds: `start_minute` at `t0`, `speed` times
    faster than real time."""

    start_minute: float
    t0: float
    speed: float = 1.0

    def minute(self, t: float) -> float:
        """The show minute at wall-clock second `t`."""
        return self.start_minute + (t - self.t0) * self.speed / 60


def run_live(
    plan: dict[str, Any],
    clock_: LiveClock,
    lang: str,
    record: Path | None,
    console: Console,
    read_key: Callable[[float], str | None],
    now: Callable[[], float],
    refresh_seconds: float = 0.25,
    market: dict[str, Any] | None = None,
) -> list[Mark]:
    """Redraw the cue view until `q` or the show's end; return the marks made. With `market`
    (a simulated show) the header follows its sales as a rehearsal."""
    from rich.live import Live

    marks: list[Mark] = []
    actions = team_actions(plan, lang)
    with Live(console=console, screen=True, auto_refresh=False, transient=False) as live:
        while True:
            minute = clock_.minute(now())
            shown = frame(plan, minute, marks, lang, actions, market, console.size.height)
            live.update(shown, refresh=True)
            items = schedule(plan, marks)
            # The show is over when its last item is (a plan with none ends with the show).
            if minute >= (items[-1].end if items else plan["show"]["minutes"]):
                break
            key = read_key(refresh_seconds)
            if key is None:
                continue
            key = key.lower()
            if key == "q":
                break
            on_air, _ = current(items, clock_.minute(now()))
            if key in "dl" and on_air is not None and on_air.segment is not None:
                kind = DONE if key == "d" else LATE
                marks.append(Mark(on_air.segment["number"], kind, clock_.minute(now())))
                if record is not None:
                    record_mark(record, plan, marks)
    return marks
