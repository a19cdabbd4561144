"""Stage 1, load: find a show's files and parse them into located documents (no checking yet)."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lqplan.errors import (
    Diagnostic,
    DiagnosticList,
    InputError,
    Place,
    UsageError,
    display_path,
)
from lqplan.io.yamlio import MAX_BYTES, Document, decode, parse_yaml

if TYPE_CHECKING:  # the CSV reader is imported when a show has a stock.csv (open_csv)
    from lqplan.io.sheets import Row, Table

KINDS = ("show", "catalog", "audience", "stock")
STOCK_COLUMNS = ("sku", "units", "per_buyer_limit", "batch_size")


@dataclass
class RawShow:
    """The parsed files of one show, keyed by kind (show, catalog, audience, stock)."""

    show_path: Path
    documents: dict[str, Document] = field(default_factory=dict)
    paths: dict[str, Path] = field(default_factory=dict)

    @property
    def folder(self) -> Path:
        """The show's folder: the other files' paths are relative to it."""
        return self.show_path.parent


def resolve_show_path(target: str | Path) -> Path:
    """A show is named by its folder or by its show.yaml; return the show.yaml path."""
    path = Path(target)
    if path.is_dir():
        path = path / "show.yaml"
        if not path.is_file():
            raise UsageError(f"{display_path(path.parent)}: no show.yaml in this folder")
        return path
    if not path.exists():
        raise UsageError(f"{display_path(path)}: no such file or folder")
    if not path.is_file():
        raise UsageError(f"{display_path(path)}: not a file or folder")
    return path


def read_bytes(path: Path) -> bytes:
    """A file's bytes, bounded: only a regular file is read (a pipe would block, a device never
    end), and its size is judged before anything is read (a 6 GB sparse file costs nothing);
    InputError naming the file otherwise."""
    name = display_path(path)
    try:
        # O_NONBLOCK: opening a named pipe for reading waits for a writer; this does not.
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise InputError([Diagnostic(name, message=f"cannot read file: {exc.strerror}")]) from None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise InputError([Diagnostic(name, message="cannot read file: not a regular file")])
        if info.st_size > MAX_BYTES:
            limit = MAX_BYTES // (1024 * 1024)
            message = f"file is {info.st_size / 1e6:.0f} MB; the limit is {limit} MiB"
            raise InputError([Diagnostic(name, message=message)])
        try:
            raw = handle.read(MAX_BYTES + 1)  # a file that grew since: decode() refuses it
        except OSError as exc:
            message = f"cannot read file: {exc.strerror}"
            raise InputError([Diagnostic(name, message=message)]) from None
    return raw


def read_text(path: Path) -> str:
    """Read a file as UTF-8 text; unreadable, huge or non-UTF-8 files raise InputError."""
    return decode(read_bytes(path), display_path(path))


def read_yaml(path: Path) -> Document:
    """Parse a YAML file into a located Document; InputError when unreadable, invalid or empty."""
    name = display_path(path)
    doc = parse_yaml(read_text(path), name)
    if doc.data is None:
        raise InputError([Diagnostic(name, 1, 1, message="file is empty")])
    return doc


def open_csv(path: Path) -> tuple[Table, list[str]]:
    """A CSV file's table (encoding and separator detected, every cell placed) and its header's
    columns in lower case; InputError naming the file when it is unreadable, empty or not CSV."""
    from lqplan.io.sheets import parse_text_table

    name = display_path(path)
    table = parse_text_table(read_bytes(path), name)
    if not table.rows:
        raise InputError([*table.problems, Diagnostic(name, 1, 1, message="file is empty")])
    if table.problems and len(table.rows) == 1:
        raise InputError(list(table.problems))  # not even the header reads
    return table, [str(c).strip().lower() for c in table.rows[0].cells]


def read_stock_csv(path: Path) -> Document:
    """stock.csv (as warehouse systems export it) -> the same shape as stock.yaml."""
    table, columns = open_csv(path)
    name, header = table.file, table.rows[0]
    doc = Document(name, None)
    problems = DiagnosticList()
    for i, column in enumerate(columns):
        if column not in STOCK_COLUMNS:
            line, col = header.place(i)
            problems.add(
                Diagnostic(
                    name,
                    line,
                    col,
                    "error",
                    "",
                    f"unknown column {column!r}; expected {', '.join(STOCK_COLUMNS)}",
                )
            )
    for required in ("sku", "units"):
        if required not in columns:
            problems.add(Diagnostic(name, 1, 1, "error", "", f"missing column {required!r}"))
    problems.raise_if_errors()
    rows: list[dict[str, Any]] = []
    doc.value_marks[("stock",)] = (2, 1)
    for record in csv_rows(table, len(columns), problems):
        row: dict[str, Any] = {}
        index = len(rows)
        for i, (column, cell) in enumerate(zip(columns, record.cells, strict=True)):
            cell = str(cell).strip()
            doc.value_marks[("stock", index, column)] = record.place(i)
            if cell == "":
                continue
            row[column] = int(cell) if column != "sku" and _is_int(cell) else cell
        doc.value_marks[("stock", index)] = (record.line, 1)
        rows.append(row)
    problems.raise_if_errors()
    doc.data = {"stock": rows}
    return doc


def csv_rows(table: Table, width: int, problems: DiagnosticList) -> Iterator[Row]:
    """The non-blank rows after the header with as many cells as the header; rows of another
    width, and the table's syntax errors, are reported with their line."""
    problems.extend(table.problems)
    for row in table.rows[1:]:
        if row.blank:
            continue  # spreadsheets leave blank rows at the end
        if len(row.cells) != width:
            problems.add(
                Diagnostic(
                    table.file,
                    row.line,
                    1,
                    "error",
                    "",
                    f"row has {len(row.cells)} cells; the header has {width}",
                )
            )
            continue
        yield row


def _is_int(cell: str) -> bool:
    return cell.lstrip("+-").isdigit() and len(cell) < 20


def load_show(target: str | Path) -> RawShow:
    """Read show.yaml and the files it names; report every unreadable file at once."""
    show_path = resolve_show_path(target)
    raw = RawShow(show_path)
    show_doc = read_yaml(show_path)
    raw.documents["show"] = show_doc
    raw.paths["show"] = show_path
    files = show_doc.data.get("files") if isinstance(show_doc.data, dict) else None
    files = files if isinstance(files, dict) else {}
    problems = DiagnosticList()
    for kind in ("catalog", "audience", "stock"):
        given = files.get(kind)
        if given is not None and not isinstance(given, str):
            continue  # the model check reports the wrong type at its place
        path = _find(raw.folder, kind, given)
        field_path = f"files.{kind}" if given else ""
        outside = outside_message(path, raw.folder) if path is not None else ""
        # Before "not found": a show must not probe what exists outside it. (Only a path found
        # can be outside.)
        if outside and path is not None:
            # catalog.yaml itself a symbolic link out of the show is named by its own path.
            place = _place(show_doc, ("files", kind)) if given else Place(display_path(path))
            name = given or path.name
            problems.add(place.diagnostic(f"{kind} file {name} {outside}", field_path))
            continue
        if path is None or not path.is_file():
            wanted = given or ("stock.yaml or stock.csv" if kind == "stock" else f"{kind}.yaml")
            place = _place(show_doc, ("files", kind)) if given else Place(show_doc.file, 0, 0)
            problems.add(place.diagnostic(f"{kind} file not found: {wanted}", field_path))
            continue
        try:
            doc = read_stock_csv(path) if path.suffix.lower() == ".csv" else read_yaml(path)
        except InputError as exc:
            problems.extend(exc.diagnostics)
            continue
        raw.documents[kind] = doc
        raw.paths[kind] = path
    templates = show_doc.data.get("templates") if isinstance(show_doc.data, dict) else None
    if isinstance(templates, str) and templates:
        outside = outside_message(raw.folder / templates, raw.folder)
        if outside:
            place = _place(show_doc, ("templates",))
            problems.add(place.diagnostic(f"templates folder {templates} {outside}", "templates"))
    # The learned model and the history folder are read by plan and learn: the same boundary,
    # and a model that is not there is a mistake at its line, not at planning time.
    for key, what in (("model", "model file"), ("history", "history folder")):
        given = show_doc.data.get(key) if isinstance(show_doc.data, dict) else None
        if not isinstance(given, str) or not given:
            continue
        outside = outside_message(raw.folder / given, raw.folder)
        if outside:
            problems.add(_place(show_doc, (key,)).diagnostic(f"{what} {given} {outside}", key))
        elif key == "model" and not (raw.folder / given).is_file():
            problems.add(_place(show_doc, (key,)).diagnostic(f"model file not found: {given}", key))
    problems.raise_if_errors()
    return raw


def _place(doc: Document, path: tuple[str, ...]) -> Place:
    """Where `path` is in `doc`, looked up only for a problem to report: a parsed file's
    positions are read when first asked for (lqplan.io.yamlio.Document)."""
    line, column = doc.locate(path)
    return Place(doc.file, line, column)


def boundary(folder: Path) -> Path:
    """How far a show's files may reach: the enclosing git repository (the nearest folder above
    with a `.git`, so that shows in one repository can share a catalog), else the show's folder."""
    folder = folder.resolve()
    for candidate in (folder, *folder.parents):
        if (candidate / ".git").exists():
            return candidate
    return folder


def outside_message(path: Path, folder: Path) -> str:
    """'' when `path` (symlinks followed) stays inside the show's boundary; else why it may not
    be read. A show's files are edited by anyone on a team: they must not read /etc/passwd."""
    root = boundary(folder)
    if path.resolve().is_relative_to(root):
        return ""
    kind = "repository" if (root / ".git").exists() else "folder"
    target = path.resolve()
    lexical = Path(os.path.normpath(path.absolute()))
    via = " through a symbolic link" if lexical.is_relative_to(root) else ""
    return f"is outside the show's {kind}{via}: {display_path(target)}"


def _find(folder: Path, kind: str, given: str | None) -> Path | None:
    if given:
        return folder / given
    if kind == "stock":
        for name in ("stock.yaml", "stock.yml", "stock.csv"):
            if (folder / name).is_file():
                return folder / name
        return None
    return folder / f"{kind}.yaml"
