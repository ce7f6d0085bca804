"""The report's section on appointment notices (issue 15): the visits' headline and the benefit
table.

Pipeline position: tests of ``simulate -> etj_sim.report.write_result_report`` (HTML only, no
browser: the layout tests of the report are in tests/test_report.py).
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from etj_sim.experiments.benefit import BENEFITS, benefit_of_runs
from etj_sim.report import write_result_report
from etj_sim.scenario import Scenario
from etj_sim.simulation import simulate

SMALL = Scenario(name="fallback", duration_days=30).with_overrides(
    {
        "population.size": 2_000,
        "clinics.count": 1,
        "outreach.appointment_notices_per_person_per_year": 6.0,
        "notices.fallback_after_hours": 48.0,
    }
)


def _benefit() -> pl.DataFrame:
    runs = pl.DataFrame(
        {
            "design_point": [0, 0, 1, 1],
            "replication": [0, 1, 0, 1],
            **{b.column: [100.0, 110.0, 140.0, 150.0] for b in BENEFITS.values()},
        }
    )
    return benefit_of_runs(runs)


def test_the_notices_section_shows_the_visits_and_the_benefit_table(tmp_path: Path) -> None:
    result = simulate(SMALL, 1)
    for lang, words in (
        ("en", ("Missed visits", "Letters saved")),
        ("sv", ("Uteblivna besök", "Sparade brev")),
    ):
        path = write_result_report(
            result, tmp_path / lang, png=False, lang=lang, benefit=_benefit()
        )
        html = path.read_text(encoding="utf-8")
        section = html.split("data-focus='notices'", 1)[1].split("</section>\n", 1)[0]
        for word in words:
            assert word in section
        assert "data-benefit='notices'" in html
    without = write_result_report(result, tmp_path / "plain", png=False)
    assert "data-benefit" not in without.read_text(encoding="utf-8")
