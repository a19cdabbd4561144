"""The paperwork names a collab promotion's partner, prints the show's time zone when it has one,
and never prints ¥0 for a prize whose value show.yaml does not give (issue 16)."""

from __future__ import annotations

from conftest import tiny_show

from lqplan.pipeline import documents, load_and_validate, plan_show
from lqplan.plan.result import SolveSettings

COLLAB = {
    "id": "co-a",
    "type": "collab",
    "sku": "A",
    "partner": "Acme Teas",
    "window": {"from": "20:00", "to": "20:10"},
}


def _docs(tmp_path, promotions, **show):
    folder = tiny_show(
        tmp_path, [{"sku": "A"}, {"sku": "B"}, {"sku": "C"}], promotions=promotions, **show
    )
    inputs = load_and_validate(folder)
    plan = plan_show(inputs, SolveSettings(time_limit=5, deterministic=True)).plan
    return documents(plan)


def test_a_collab_promotions_partner_is_on_the_run_sheet_and_in_the_host_script(tmp_path):
    docs = _docs(tmp_path, [COLLAB])
    row = next(line for line in docs["run_sheet.md"].splitlines() if "<br>A A |" in line)
    assert "Acme Teas" in row
    assert "Acme Teas" in docs["host_script.md"]


def test_a_prize_without_a_value_is_to_confirm_not_zero(tmp_path):
    bag = {"id": "bag", "type": "lucky_bag", "prize": "mystery box", "count": 3}
    rules = {"lucky_bag_cadence": {"min_gap_minutes": 5, "max_gap_minutes": 10}}
    docs = _docs(tmp_path, [bag], rules=rules)
    line = next(li for li in docs["run_sheet.md"].splitlines() if "prize cost" in li)
    assert line.endswith("to confirm") and "$0" not in line


def test_a_time_zone_is_printed_only_when_the_show_names_one(tmp_path):
    named = _docs(tmp_path / "named", [], time_zone="America/New_York")
    assert "- **Time zone**: America/New_York" in named["run_sheet.md"]
    assert "(time zone: America/New_York)" in named["checklists/host.md"]
    plain = _docs(tmp_path / "plain", [])
    assert "Time zone" not in plain["run_sheet.md"]
    assert "time zone" not in plain["checklists/host.md"]
