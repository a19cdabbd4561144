"""`lqplan init DIR --from FILE`: a new show folder whose catalog (and stock) come from a
product sheet, and whose show.yaml and audience.yaml are a sample's, less the sample's products."""

from __future__ import annotations

from pathlib import Path

from lqplan.io.sheets import Table, cell_text, read_table
from lqplan.show.headers import aliases, find_header, normal_header, read_map
from lqplan.show.intake import dump_yaml, import_table


def starter_files(
    path: Path, map_file: Path | None = None, sheet: str | None = None, language: str | None = None
) -> dict[str, str]:
    """{relative path: text} of a new show folder whose catalog (and stock, when the sheet has a
    stock column) comes from a product sheet; show.yaml and audience.yaml are a sample's, less
    what names the sample's products (`lqplan init DIR --from FILE`)."""
    from lqplan.show.scaffold import DEFAULT_SAMPLE, scaffold_files

    catalog_map = read_map(map_file, "catalog") if map_file is not None else {}
    stock_map = read_map(map_file, "stock") if map_file is not None else {}
    table = read_table(path, sheet)
    catalog = import_table("catalog", table, catalog_map)
    header = find_header(table, "stock", stock_map)
    has_stock = header is not None and any(
        {**aliases("stock"), **stock_map}.get(normal_header(cell_text(c))) == "units"
        for c in header.cells
    )
    language = language or ("zh" if _has_cjk(table) else "en")
    sample = DEFAULT_SAMPLE[language]
    files = scaffold_files(sample, language)
    files.pop("stock.csv", None)
    files["catalog.yaml"] = catalog.files["catalog.yaml"]
    if has_stock:
        files["stock.yaml"] = import_table("stock", table, stock_map).files["stock.yaml"]
    else:
        files["stock.yaml"] = (
            f"# {Path(table.file).name} has no stock column: give each product's units here,\n"
            "# as `- {sku: SKU, units: 100}`; a product without stock does not air.\n"
            "stock: []\n"
        )
    files["show.yaml"] = _starter_show(files["show.yaml"], sample, Path(table.file).name)
    files["audience.yaml"] = _starter_audience(files["audience.yaml"], sample)
    return files


def _has_cjk(table: Table) -> bool:
    """Whether the sheet's first rows hold Chinese: its show's paperwork is then in Chinese."""
    for row in table.rows[:5]:
        for cell in row.cells:
            if any("\u4e00" <= char <= "\u9fff" for char in cell_text(cell)):
                return True
    return False


def _starter_show(text: str, sample: str, source: str) -> str:
    """The sample's show.yaml without its rules and promotions that name its products."""
    from lqplan.io.yamlio import parse_yaml

    data = parse_yaml(text, "show.yaml").data
    # The rules that are lists each name products (the sample's); the others are about roles,
    # categories and lengths, and hold for any catalog.
    data["rules"] = {k: v for k, v in data.get("rules", {}).items() if not isinstance(v, list)}
    data["promotions"] = [
        p for p in data.get("promotions", []) if "sku" not in p and "skus" not in p
    ]
    return (
        f"# yaml-language-server: $schema=.schemas/show.schema.json\n"
        f"# Started by lqplan init --from {source}: the title, date, times, hosts, team,\n"
        f"# rules and promotions are the {sample} sample's; make them this show's.\n"
        + dump_yaml(data, flow=False)
    )


def _starter_audience(text: str, sample: str) -> str:
    """The sample's audience.yaml without the affinities for the sample's categories and tags."""
    from lqplan.io.yamlio import parse_yaml

    data = parse_yaml(text, "audience.yaml").data
    for segment in data.get("segments", []):
        segment.pop("affinity", None)
        segment.pop("tag_affinity", None)
    return (
        "# yaml-language-server: $schema=.schemas/audience.schema.json\n"
        f"# The {sample} sample's viewers and curve: make them this room's (lqplan learn can).\n"
        + dump_yaml(data, flow=False)
    )


def init_from_sheet(
    target: Path,
    path: Path,
    map_file: Path | None = None,
    sheet: str | None = None,
    language: str | None = None,
) -> list[Path]:
    """Write a show folder started from a product sheet; refuse (exit 4) if a file exists."""
    from lqplan.io.write import write_files

    return write_files(starter_files(path, map_file, sheet, language), target, manifest=False)
