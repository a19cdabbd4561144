"""The `lqplan` command's shared parts: the typer app, consoles, options, and the one place that
maps lqplan's exceptions to exit codes (`_guard`). The commands live by phase of the show in
before.py, during.py and after.py, which register themselves on `app`.

Data goes to stdout (a JSON plan, a schema, diagnostics); messages and progress go to stderr.
Exit codes: 0 ok, 1 bad input, 2 usage, 3 no feasible plan, 4 refused to overwrite or --check
found differences, 130 interrupted.
"""

# No `from __future__ import annotations` in lqplan/cli/: typer reads the annotations of every
# command at each run, even for --help, and one kept as a string it compiles and evaluates
# (3x the time of building the commands; tests/test_startup.py holds them to objects).

import functools
import os
import re
import sys
import time
from collections.abc import Callable, Iterable
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

import typer
import typer.core
from rich import box
from rich.console import Console, ConsoleOptions, RenderableType
from rich.markup import escape
from rich.segment import Segment
from rich.table import Table
from rich.text import Text

from lqplan import __version__
from lqplan.errors import (
    Diagnostic,
    InputError,
    LqplanError,
    UsageError,
    display_path,
    printable,
)

# typer.BadParameter is click's (typer vendors click from 0.20 on): its base class is the
# exception every command-line mistake raises, whichever click this typer carries.
_ClickException: type[Exception] = next(
    c for c in typer.BadParameter.__mro__ if c.__name__ == "ClickException"
)


def summary(help_text: str) -> str:
    """A command's one-line summary for `lqplan --help`: its docstring's first paragraph, whole
    (every command's docstring opens with one short sentence)."""
    return " ".join(help_text.partition("\n\n")[0].split())


class LqplanGroup(typer.core.TyperGroup):
    """The `lqplan` command group: summaries that wrap instead of being cut at a width, and
    command-line mistakes whose message (the user's own words: a path, an option) cannot drive
    the terminal."""

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        """The Commands section of `lqplan --help`: each command with its whole summary."""
        rows = [
            (name, summary(command.help or ""))
            for name in self.list_commands(ctx)
            if (command := self.get_command(ctx, name)) is not None and not command.hidden
        ]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)

    def make_context(self, *args: Any, **kwargs: Any) -> Any:
        """Parse the top-level options (an unknown one is reported escaped)."""
        with _printable_usage_errors():
            return super().make_context(*args, **kwargs)

    def invoke(self, ctx: Any) -> Any:
        """Run the subcommand (its own parsing errors are reported escaped)."""
        with _printable_usage_errors():
            return super().invoke(ctx)


class _printable_usage_errors:
    """A command-line mistake as one line (`Error: Invalid value for '--seed': … (see 'lqplan
    plan -h')`, exit 2) with its control characters escaped, before click prints it."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: object, exc: BaseException | None, tb: object) -> None:
        if not isinstance(exc, _ClickException) or type(exc).__name__ == "NoArgsIsHelpError":
            return  # (`lqplan` alone prints the help, and is left as it is)
        ctx = getattr(exc, "ctx", None)
        hint = f" (see '{ctx.command_path} -h')" if ctx is not None else ""
        words = exc.format_message  # type: ignore[attr-defined]
        # click prints `Error: ` and format_message() (the value quoted in it included), and
        # without a context no usage and hint lines above it: the hint goes on the line.
        exc.format_message = lambda: printable(words(), one_line=True) + hint  # type: ignore[attr-defined]
        exc.ctx = None  # type: ignore[attr-defined]


app = typer.Typer(
    name="lqplan",
    cls=LqplanGroup,
    help="Plan live-commerce shows: validate show files, optimise the run-of-show, write the "
    "paperwork.",
    no_args_is_help=True,
    # typer's own --install-completion and --show-completion (bash, zsh, fish, PowerShell).
    add_completion=True,
    context_settings={"help_option_names": ["-h", "--help"]},
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)


def plain_text() -> bool:
    """NO_COLOR (https://no-color.org): no colours, no styles, no animated progress."""
    return bool(os.environ.get("NO_COLOR"))


class PrintableConsole(Console):
    """A rich console that never passes a control character of the text it prints to the
    terminal: show texts, product names, keys and paths are the user's data, and an escape
    sequence among them would retitle the window or clear the screen. Every renderable (tables,
    panels, the live view) reaches the terminal through `render`, so this is the one place; rich's
    own control segments (cursor moves of the live view) are kept."""

    def render(
        self, renderable: RenderableType, options: ConsoleOptions | None = None
    ) -> Iterable[Segment]:
        """The segments of `renderable`, their text's control characters escaped."""
        for segment in super().render(renderable, options):
            if segment.control is None and segment.text:
                text = printable(segment.text)
                if text != segment.text:
                    segment = Segment(text, segment.style)
            yield segment


def make_console(*, stderr: bool, soft_wrap: bool = True) -> Console:
    """A console that writes plain text under NO_COLOR; rich itself writes plain text when the
    stream is not a terminal. It escapes control characters (PrintableConsole)."""
    return PrintableConsole(
        stderr=stderr,
        highlight=False,
        soft_wrap=soft_wrap,
        color_system=None if plain_text() else "auto",
    )


err = make_console(stderr=True)


# JSON escapes C0 controls itself; DEL, the C1 controls and the bidirectional overrides it writes
# as they are (with ensure_ascii=False), and a terminal showing `--json` would act on them.
_RAW_IN_JSON = re.compile("[\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def write_data(text: str) -> None:
    """Write data (JSON, GitHub annotations) to stdout, with the control characters that JSON
    leaves raw written as JSON's escapes (`\\u009b`): the same data, safe on a terminal."""
    sys.stdout.write(_RAW_IN_JSON.sub(lambda m: f"\\u{ord(m.group()):04x}", text))


out = make_console(stderr=False)


_state: dict[str, Any] = {"debug": False}


F = TypeVar("F", bound=Callable[..., Any])


def _guard(fn: F) -> F:
    """Map lqplan's exceptions to messages on stderr and exit codes; no traceback unless --debug."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            result = fn(*args, **kwargs)
            sys.stdout.flush()  # here, not at exit: a full stdout is an error like any other
            return result
        except OSError as exc:
            if _state["debug"] or not _stream_failed(exc):
                raise
            _stdout_to_devnull()
            err.print(f"[red]error:[/red] cannot write to stdout: {escape(exc.strerror or '')}")
            raise typer.Exit(1) from None
        except InputError as exc:
            if _state["debug"]:
                raise
            for diagnostic in exc.diagnostics:
                _print_diagnostic(diagnostic)
            raise typer.Exit(exc.exit_code) from None
        except LqplanError as exc:
            if _state["debug"]:
                raise
            err.print(f"[red]error:[/red] {escape(str(exc))}")
            for line in getattr(exc, "conflicts", []):
                err.print(f"  • {escape(line)}")
            raise typer.Exit(exc.exit_code) from None
        except KeyboardInterrupt:
            err.print("interrupted")
            raise typer.Exit(130) from None
        except ImportError as exc:
            # Ctrl-C while an extension module (OR-Tools) initialises reaches Python as the
            # import's failure, with the interrupt as its cause: still an interrupt.
            if _state["debug"] or not isinstance(exc.__cause__, KeyboardInterrupt):
                raise
            err.print("interrupted")
            raise typer.Exit(130) from None

    return wrapper  # type: ignore[return-value]


def _stream_failed(exc: OSError) -> bool:
    """Whether an OSError is stdout failing (`> /dev/full`, a closed pipe): such an error
    names no file, and every file lqplan reads or writes is named in its own errors."""
    import errno

    stream_errors = (errno.ENOSPC, errno.EPIPE, errno.EIO, errno.EFBIG, errno.EDQUOT)
    return exc.filename is None and exc.errno in stream_errors


def _stdout_to_devnull() -> None:
    """Point stdout at /dev/null, so that Python's own flush at exit does not fail again and
    print a traceback after lqplan's one-line error."""
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.stdout.fileno())
        os.close(null)
    except (OSError, ValueError, AttributeError):  # CliRunner's stdout has no descriptor
        pass


def read_plan_file(path: Path) -> dict[str, Any]:
    """Read a PLAN.json argument through plan/planfile.py's model: a plan edited by hand
    beyond what lqplan can use is refused there, every problem as file:line:column."""
    from lqplan.pipeline import read_plan

    if not path.is_file():
        raise UsageError(f"{display_path(path)}: no such file")
    return read_plan(path)


def _print_diagnostic(d: Diagnostic) -> None:
    colour = "red" if d.severity == "error" else "yellow"
    text = escape(d.format())
    err.print(text.replace(f": {d.severity}:", f": [{colour}]{d.severity}[/{colour}]:", 1))


def _version(value: bool) -> None:
    if value:
        out.print(f"lqplan {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks for errors.")] = False,
) -> None:
    """Plan live-commerce shows from YAML files."""
    _state["debug"] = debug
    # Each command's own clock (tests run many in one process); the console command's began
    # when the process imported lqplan (main), so that its imports count too.
    _state["started"] = _state.pop("entered", None) or time.perf_counter()


TemplatesOption = Annotated[
    Path | None,
    typer.Option(
        "--templates", help="Folder of .j2 templates that override the built-ins by name."
    ),
]


ShowArg = Annotated[
    Path,
    typer.Argument(metavar="SHOW", help="The show's folder, or its show.yaml.", show_default=False),
]


class Lang(StrEnum):
    """The languages of the paperwork (--lang)."""

    zh = "zh"
    en = "en"


# The bounds of numbers on the command line: what CP-SAT and numpy take (a 32-bit seed, a thread
# count), and what a person can mean (a day of solving, an hour of show a second). A value outside
# is a usage error (exit 2) before any work, not an overflow deep inside a solve.
SEED_MAX = 2**31 - 1
WORKERS_MAX = 1024
TIME_LIMIT_MAX = 86_400.0
SPEED_MAX = 3600.0


SeedOption = Annotated[
    int, typer.Option(min=0, max=SEED_MAX, help="Solver random seed (0 to 2147483647).")
]


MarketSeedOption = Annotated[
    int, typer.Option(min=0, max=SEED_MAX, help="Random seed of the market (0 to 2147483647).")
]


WorkersOption = Annotated[
    int, typer.Option(min=0, max=WORKERS_MAX, help="Solver threads (0: all cores).")
]


TimeLimitOption = Annotated[
    float,
    typer.Option(min=0.1, max=TIME_LIMIT_MAX, help="Solver time limit in seconds (at most a day)."),
]


# Flags have no --no-… twin: each is off unless given, so the twin would only restate the default.
DeterministicOption = Annotated[
    bool,
    typer.Option(
        "--deterministic",
        help="Byte-identical reruns on any machine (one worker, deterministic time).",
    ),
]


ForceOption = Annotated[bool, typer.Option("--force", help="Overwrite files lqplan did not write.")]


LangOption = Annotated[
    Lang | None, typer.Option(help="Language of the paperwork (default: the show's).")
]


ModelOption = Annotated[
    Path | None,
    typer.Option(
        "--model",
        help="Plan with a fitted MODEL from lqplan learn (default: show.yaml's `model:`).",
    ),
]


# The argument style of every command: the files it needs are arguments, in the order PLAN.json,
# SHOW, ACTUALS (or MARKET); what is optional, and where to write, are options. replan and
# simulate once took their inputs as options; that spelling (hidden from --help) still works.
OldShowOption = Annotated[Path | None, typer.Option("--show", hidden=True)]


def one_input(name: str, argument: Path | None, option: str, given: Path | None) -> Path:
    """An input given as the argument NAME or, in the older spelling, as `option`: exactly one."""
    if argument is not None and given is not None:
        raise UsageError(f"give {name} once: as an argument or as {option}, not both")
    value = argument if argument is not None else given
    if value is None:
        raise UsageError(f"missing {name} (an argument; {option} {name} also works)")
    return value


def _print_written(written: list[Path]) -> None:
    for path in written:
        err.print(f"wrote {escape(display_path(path))}")


def _solve_with_progress(
    inputs: Any, settings: Any, plan_show: Any, quiet: bool, findings: Any
) -> Any:
    """Solve, showing incumbent, bound and gap on stderr while it runs in a terminal."""
    if quiet or not err.is_terminal or plain_text():
        return plan_show(inputs, settings, None, findings)
    with err.status("building the options, the baseline and the LP-guided first plan…") as status:

        def progress(seconds: float, incumbent: float, bound: float) -> None:
            if bound == float("inf"):
                status.update(f"solving · {seconds:4.1f} s · incumbent {incumbent / 100:,.0f}")
                return
            gap = max(0.0, (bound - incumbent) / abs(bound) * 100) if bound else 0.0
            status.update(
                f"solving · {seconds:4.1f} s · incumbent {incumbent / 100:,.0f} · "
                f"bound {bound / 100:,.0f} · gap {gap:.2f}%"
            )

        return plan_show(inputs, settings, progress, findings)


def command_started() -> float:
    """When this command began (its imports aside): `plan --time-limit` counts from here."""
    started = _state.get("started")
    return started if isinstance(started, float) else time.perf_counter()


def main() -> None:
    """Console entry point. SIGTERM is treated like Ctrl-C: stop, write nothing, exit 130."""
    import signal

    def terminate(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, terminate)
    _utf8_streams()
    import lqplan

    _state["entered"] = lqplan.IMPORTED_AT
    try:
        app()
    except SystemExit as done:
        _leave(done)


def _leave(done: SystemExit) -> None:
    """End the process with `done`'s exit code once the command is over, without tearing the
    interpreter down: freeing a large show's objects one by one took 0.5 s after the last file
    was written on 300 products × 240 slots (more on larger shows), time that `--time-limit`
    promises not to spend. Everything lqplan writes is complete and closed by now (io/write.py
    renames each file into place); the streams are flushed here, and a helper process still
    running (the LP's) is stopped as Python's own exit would stop it. A message as the exit
    code, or a stream that cannot be flushed (a closed pipe), takes Python's usual way out."""
    code = done.code
    if code is not None and not isinstance(code, int):
        raise done
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        raise done from None
    if "multiprocessing" in sys.modules:
        import multiprocessing

        for child in multiprocessing.active_children():
            child.kill()
            child.join(1.0)
    os._exit(code or 0)


def _utf8_streams() -> None:
    """Under LANG=C with Python's locale coercion turned off, stdout and stderr are ASCII and the
    first Chinese product name would raise UnicodeEncodeError: write UTF-8 instead (plan.json is
    UTF-8 by definition, and so is nearly every terminal). Paths given in UTF-8 on the command
    line come back out as the same bytes. Other encodings are left alone."""
    import codecs

    for stream in (sys.stdout, sys.stderr):
        encoding = getattr(stream, "encoding", None)
        if encoding and codecs.lookup(encoding).name == "ascii" and hasattr(stream, "reconfigure"):
            stream.reconfigure(encoding="utf-8", errors="surrogateescape")


PlanArg = Annotated[Path, typer.Argument(metavar="PLAN.json", help="A plan from lqplan plan.")]
ShowLangOption = Annotated[Lang | None, typer.Option(help="Language (default: the show's).")]


def show_language(plan: dict[str, Any], lang: Lang | None) -> str:
    """--lang, else the language of the plan's show."""
    return lang.value if lang else str(plan["show"]["language"])


# --- plan changes as a table: diff and replan print them ------------------------------------


def change_money(value: float | None, currency: str, *, sign: Literal["-", "+"] = "-") -> str:
    """A change report's money (diff, replan): whole units from cents, "n/a" for a value the
    plan lacks, the terminal's symbols and, unlike the plan summary, no ISO code for another
    currency (an accident kept so that the output does not change); sign="+" for a change."""
    # Imported here: lqplan.money loads Babel, which `lqplan --help` and validate do not need.
    from lqplan.money import TERMINAL_SYMBOLS, money

    return money(
        value,
        currency,
        cents=True,
        whole=True,
        missing="n/a",
        symbols=TERMINAL_SYMBOLS,
        code=False,
        sign=sign,
    )


def _where(ref: Any) -> str:
    """'21:40 10m flash fs-ampoule': start, length, promotion (nothing at the live price)."""
    if ref is None:
        return ""
    offer = f" {ref.mode.replace('_sale', '')} {ref.promotion}" if ref.promotion else ""
    return f"{ref.start} {ref.minutes}m{offer}"


def changes_table(changes: Any, currency: str, title: str) -> Table:
    """Segment changes: kind, product, before, after, change in value (and why, when known)."""
    table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("change", no_wrap=True, min_width=13)
    table.add_column("product", no_wrap=True, overflow="ellipsis", max_width=22)
    for name in ("before", "after"):  # what gives way on a narrow terminal
        table.add_column(name, no_wrap=True, overflow="ellipsis", max_width=30)
    table.add_column("value", justify="right", no_wrap=True, min_width=9)
    for c in changes:
        product = f"{c.sku}" + (f" (airing {c.airing})" if c.airing > 1 else "")
        after = Text(_where(c.b) if c.b else (c.note or ""))
        table.add_row(
            ", ".join(k.replace("_changed", "") for k in c.kinds),
            Text(product),
            Text(_where(c.a)),
            after,
            change_money(c.value_change_cents, currency, sign="+"),
            style="dim" if c.kinds == ("dropped",) else None,
        )
    return table
