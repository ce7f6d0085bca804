"""Tests of the scenario stage: loading, every kind of bad file, overrides, hashing, shipped files.

Pipeline position: ``scenarios/*.toml -> Scenario`` (the first stage).
"""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from etj_sim.scenario import Scenario, ScenarioError, ScenarioProblem

SCENARIOS_DIR = Path(__file__).resolve().parent.parent / "scenarios"
SHIPPED = (
    "baseline",
    "region-stockholm",
    "alert-nudge",
    "staff-shortage",
    "flu-campaign",
    "teen-transition",
    "digital-notices",
)


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def problems_of(path: Path) -> ScenarioError:
    with pytest.raises(ScenarioError) as caught:
        Scenario.load(path)
    return caught.value


def only_problem(error: ScenarioError) -> ScenarioProblem:
    assert len(error.problems) == 1, str(error)
    return error.problems[0]


# -- bad files, one kind at a time ------------------------------------------------------------


def test_toml_syntax_error_has_file_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path, "broken.toml", 'name = "x"\nduration_days = = 3\n')
    error = problems_of(path)
    problem = only_problem(error)
    assert problem.line == 2
    assert problem.column is not None
    assert problem.column > 1
    assert str(error).startswith(f"{path}:2:{problem.column}: TOML syntax error")
    assert "at line" not in str(error)  # the position moved into FILE:LINE:COL


def test_unknown_top_level_key_hints_the_close_one(tmp_path: Path) -> None:
    path = write(tmp_path, "typo.toml", "duraton_days = 30\n")
    problem = only_problem(error := problems_of(path))
    assert problem.path == "duraton_days"
    assert "did you mean 'duration_days'?" in problem.message
    assert str(error) == f"{path}: duraton_days: {problem.message}"


def test_unknown_key_without_a_close_match_lists_the_keys(tmp_path: Path) -> None:
    path = write(tmp_path, "unknown.toml", "[outreach]\nzebra = 1\n")
    problem = only_problem(problems_of(path))
    assert problem.path == "outreach.zebra"
    assert "did you mean" not in problem.message
    assert "digital_notice_share" in problem.message


@pytest.mark.parametrize(
    ("text", "expected_path", "message_fragments"),
    [
        pytest.param(
            "[clinics]\nstaf_per_clinic = 3\n",
            "clinics.staf_per_clinic",
            ("did you mean 'staff_per_clinic'?",),
            id="unknown nested key hints the close one",
        ),
        pytest.param(
            "[behavior]\nform_completion_share = 0.5\n",
            "behavior",
            ("did you mean 'behaviour'?",),
            id="misspelt section name is hinted",
        ),
        pytest.param(
            "[alerts]\nopt_in_nudge_share = 0.2\n",
            "alerts.opt_in_nudge_share",
            ("'behaviour.opt_in_nudge_share'",),
            id="key in the wrong section names its section",
        ),
        pytest.param(
            '[[campaigns]]\nname = "a"\nday = 1\nmin_agee = 65\n',
            "campaigns[0].min_agee",
            ("did you mean 'min_age'?",),
            id="unknown key inside a campaign",
        ),
        pytest.param(
            '[clinics]\ncount = "5"\n',
            "clinics.count",
            ("valid integer", "(got '5')"),
            id="wrong type is not coerced",
        ),
        pytest.param(
            'start_date = "2026-01-05"\n',
            "start_date",
            ("without quotes",),
            id="quoted date says how to write a date",
        ),
        pytest.param(
            "[alerts]\nopt_in_share = 1.5\n",
            "alerts.opt_in_share",
            ("less than or equal to 1", "1.5"),
            id="out of range share",
        ),
        pytest.param(
            "[clinics.staff_per_clinic]\nnurse = -1\nphysician = 1\nadministrator = 1\n",
            "clinics.staff_per_clinic.nurse",
            ("greater than or equal to 0",),
            id="out of range value inside a table",
        ),
        pytest.param(
            "[clinics]\nopen_weekdays = [0, 7]\n",
            "clinics.open_weekdays[1]",
            (),
            id="out of range list item has its index",
        ),
    ],
)
def test_one_bad_value_is_one_problem_at_its_path(
    tmp_path: Path, text: str, expected_path: str, message_fragments: tuple[str, ...]
) -> None:
    problem = only_problem(problems_of(write(tmp_path, "bad.toml", text)))
    assert problem.path == expected_path
    for fragment in message_fragments:
        assert fragment in problem.message


def test_section_level_inconsistency_points_at_the_section(tmp_path: Path) -> None:
    text = "[clinics]\nshift_start_hour = 18.0\nshift_end_hour = 9.0\n"
    error = problems_of(write(tmp_path, "shift.toml", text))
    problem = only_problem(error)
    assert problem.path == "clinics"
    assert problem.message.startswith("shift_end_hour: ")
    assert "end after it starts" in problem.message
    assert f"{error.source}: clinics: shift_end_hour: " in str(error)


def test_unknown_and_missing_table_keys(tmp_path: Path) -> None:
    text = "[clinics.staff_per_clinic]\nnurses = 1\nphysician = 1\n"
    error = problems_of(write(tmp_path, "roles.toml", text))
    messages = [problem.message for problem in error.problems]
    assert {problem.path for problem in error.problems} == {"clinics.staff_per_clinic"}
    assert any("unknown role 'nurses'; did you mean 'nurse'?" in m for m in messages)
    assert any("missing role(s) nurse, administrator" in m for m in messages)


def test_unknown_age_band_is_hinted(tmp_path: Path) -> None:
    text = "[demand.age_multiplier]\n" + "".join(
        f'"{band}" = 1.0\n' for band in ("0-12", "13-17", "18-29", "30-49", "50-64", "65-80", "80+")
    )
    error = problems_of(write(tmp_path, "bands.toml", text))
    assert any(
        problem.path == "demand.age_multiplier" and "did you mean '65-79'?" in problem.message
        for problem in error.problems
    )


def test_shares_that_do_not_sum_to_one(tmp_path: Path) -> None:
    text = "[alerts.channel_split]\nsms = 0.5\nemail = 0.2\n"
    problem = only_problem(problems_of(write(tmp_path, "split.toml", text)))
    assert problem.path == "alerts.channel_split"
    assert "sum to 0.7" in problem.message


def test_share_table_may_leave_out_zero_keys() -> None:
    scenario = Scenario.loads("[alerts.channel_split]\nsms = 1.0\n")
    assert scenario.alerts.channel_split == {"sms": 1.0, "email": 0.0, "both": 0.0}


def test_campaign_outside_the_run(tmp_path: Path) -> None:
    text = 'duration_days = 30\n[[campaigns]]\nname = "flu"\nday = 30\n'
    error = problems_of(write(tmp_path, "late.toml", text))
    problem = only_problem(error)
    assert problem.path == "campaigns[0].day"
    assert "outside the run of 30 days" in problem.message


def test_every_problem_is_reported_with_the_file_name(tmp_path: Path) -> None:
    text = """
duraton_days = 30
[[campaigns]]
name = "flu"
day = 200
min_age = 70
max_age = 60
[alerts]
opt_in_share = 2.0
[clinics]
count = 0
staf_per_clinic = 1
[demand]
weekday_weights = [1.0, 1.0]
"""
    path = write(tmp_path, "many.toml", text)
    error = problems_of(path)
    paths = [problem.path for problem in error.problems]
    assert sorted(paths) == sorted(
        [
            "duraton_days",
            "campaigns[0]",  # min_age/max_age, the campaign's own check
            "campaigns[0].day",  # outside the default 90-day run, found despite other errors
            "alerts.opt_in_share",
            "clinics.count",
            "clinics.staf_per_clinic",
            "demand.weekday_weights",
        ]
    )
    lines = str(error).splitlines()
    assert len(lines) == len(error.problems)
    assert all(line.startswith(f"{path}: ") for line in lines)


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.toml"
    error = problems_of(path)
    assert str(error) == f"{path}: file not found"


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.toml"
    path.write_bytes('name = "Växjö"\n'.encode("latin-1"))
    assert "not UTF-8" in str(problems_of(path))


def test_loads_names_its_source() -> None:
    with pytest.raises(ScenarioError, match=r"^notebook cell: population.size: "):
        Scenario.loads("[population]\nsize = 0\n", source="notebook cell")


def test_scenario_error_is_a_value_error_and_pickles() -> None:
    with pytest.raises(ScenarioError) as caught:
        Scenario.loads("[alerts]\nopt_in_share = -1\n", source="x.toml")
    assert isinstance(caught.value, ValueError)
    copy = pickle.loads(pickle.dumps(caught.value))
    assert str(copy) == str(caught.value)
    assert copy.problems == caught.value.problems


# -- overrides -------------------------------------------------------------------------------


def test_override_returns_a_validated_copy() -> None:
    base = Scenario()
    changed = base.with_overrides(
        {"alerts.opt_in_share": 0.8, "clinics.staff_per_clinic.nurse": 4, "duration_days": 30}
    )
    assert changed.alerts.opt_in_share == 0.8
    assert changed.clinics.staff_per_clinic == {"nurse": 4, "physician": 1, "administrator": 1}
    assert changed.duration_days == 30
    assert base.alerts.opt_in_share == Scenario().alerts.opt_in_share  # original untouched
    assert changed.content_hash != base.content_hash


def test_override_into_a_list_of_campaigns() -> None:
    flu = Scenario.load(SCENARIOS_DIR / "flu-campaign.toml")
    assert flu.with_overrides({"campaigns[0].day": 20}).campaigns[0].day == 20
    assert flu.with_overrides({"campaigns.0.min_age": 70}).campaigns[0].min_age == 70


def test_override_with_a_bad_value() -> None:
    with pytest.raises(ScenarioError) as caught:
        Scenario().with_overrides({"behaviour.form_completion_share": 1.2})
    problem = only_problem(caught.value)
    assert problem.path == "behaviour.form_completion_share"
    assert str(caught.value).startswith("overrides: behaviour.form_completion_share: ")


def test_override_with_an_unknown_key_hints_the_dotted_key() -> None:
    with pytest.raises(ScenarioError) as caught:
        Scenario().with_overrides({"alerts.opt_in_shar": 0.6}, source="sweep")
    problem = only_problem(caught.value)
    assert problem.path == "alerts.opt_in_shar"
    assert "did you mean 'alerts.opt_in_share'?" in problem.message
    assert str(caught.value).startswith("sweep: ")


def test_override_reports_bad_keys_and_bad_values_together() -> None:
    with pytest.raises(ScenarioError) as caught:
        Scenario().with_overrides(
            {
                "clinic.count": 3,
                "population.size.total": 5,
                "outreach.form_share": -0.1,
            }
        )
    by_path = {problem.path: problem.message for problem in caught.value.problems}
    assert "did you mean 'clinics'?" in by_path["clinic.count"]
    assert "single value" in by_path["population.size.total"]
    assert "greater than or equal to 0" in by_path["outreach.form_share"]


def test_override_is_checked_across_sections() -> None:
    flu = Scenario.load(SCENARIOS_DIR / "flu-campaign.toml")
    with pytest.raises(ScenarioError) as caught:
        flu.with_overrides({"duration_days": 10})
    assert only_problem(caught.value).path == "campaigns[0].day"


# -- identity ----------------------------------------------------------------------------------


def test_hash_ignores_key_order_formatting_and_explicit_defaults() -> None:
    first = Scenario.loads(
        'name = "a"\n[alerts]\nopt_in_share = 0.7\ndelay_minutes = 2\n'
        "[clinics.staff_per_clinic]\nnurse = 3\nphysician = 1\nadministrator = 1\n"
    )
    second = Scenario.loads(
        '# the same, written differently\nname = "a"\nduration_days = 90  # a default\n'
        "[clinics]\nstaff_per_clinic = { administrator = 1, physician = 1, nurse = 3 }\n"
        "count = 5\n"
        "[alerts]\ndelay_minutes = 2.0\nopt_in_share = 0.70\n"
        "[behaviour]\n"
    )
    assert first == second
    assert first.content_hash == second.content_hash
    assert len(first.content_hash) == 64
    int(first.content_hash, 16)  # hexadecimal
    assert first.short_hash == first.content_hash[:12]


def test_hash_changes_with_any_value() -> None:
    base = Scenario()
    changes: list[dict[str, object]] = [
        {"name": "other"},
        {"alerts.opt_in_share": 0.56},
        {"demand.hour_weights": [1.0] * 24},
        {"population.bankid_share_by_age.80+": 0.5},
    ]
    hashes = {base.with_overrides(change).content_hash for change in changes}
    assert len(hashes) == len(changes)
    assert base.content_hash not in hashes


# -- writing -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", SHIPPED)
def test_to_toml_reads_back_equal(name: str) -> None:
    scenario = Scenario.load(SCENARIOS_DIR / f"{name}.toml")
    assert Scenario.loads(scenario.to_toml()) == scenario


def test_to_toml_of_awkward_text() -> None:
    scenario = Scenario(name='quote " backslash \\ tab \t åäö', description="line\nbreak")
    assert Scenario.loads(scenario.to_toml()) == scenario


def test_scenario_json_loads_back(tmp_path: Path) -> None:
    flu = Scenario.load(SCENARIOS_DIR / "flu-campaign.toml")
    path = tmp_path / "scenario.json"
    path.write_text(flu.model_dump_json(indent=2), encoding="utf-8")
    assert Scenario.load(path) == flu
    broken = write(tmp_path, "broken.json", '{"name": "x",\n "duration_days": }')
    problem = only_problem(problems_of(broken))
    assert problem.line == 2


# -- shipped scenarios -------------------------------------------------------------------------


def test_all_shipped_scenarios_are_there() -> None:
    assert {path.stem for path in SCENARIOS_DIR.glob("*.toml")} == set(SHIPPED)


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_scenario_loads_with_its_name_and_a_description(name: str) -> None:
    scenario = Scenario.load(SCENARIOS_DIR / f"{name}.toml")
    assert scenario.name == name
    assert len(scenario.description) > 80


def test_baseline_is_the_defaults() -> None:
    baseline = Scenario.load(SCENARIOS_DIR / "baseline.toml")
    assert baseline == Scenario(name="baseline", description=baseline.description)
    assert baseline.population.size == 50_000
    assert baseline.duration_days == 90


@pytest.mark.parametrize(
    ("name", "changes"),
    [
        ("alert-nudge", {"behaviour.opt_in_nudge_share": 0.15}),
        ("digital-notices", {"outreach.digital_notice_share": 0.9}),
        ("staff-shortage", {"clinics.staff_per_clinic.nurse": 1}),
        ("teen-transition", {"duration_days": 365, "alerts.guardian_contacts_share": 0.8}),
    ],
)
def test_variant_differs_from_baseline_only_where_it_says(
    name: str, changes: dict[str, object]
) -> None:
    variant = Scenario.load(SCENARIOS_DIR / f"{name}.toml")
    baseline = Scenario.load(SCENARIOS_DIR / "baseline.toml")
    expected = baseline.with_overrides(
        {"name": variant.name, "description": variant.description, **changes}
    )
    assert variant == expected


def test_region_and_flu_scenarios() -> None:
    region = Scenario.load(SCENARIOS_DIR / "region-stockholm.toml")
    assert (region.population.size, region.duration_days) == (2_400_000, 365)
    assert region.population.profile == "stockholm_county"
    assert region.clinics.count == 240
    flu = Scenario.load(SCENARIOS_DIR / "flu-campaign.toml")
    (campaign,) = flu.campaigns
    assert campaign.min_age == 65
    assert 0 <= campaign.day < flu.duration_days


def test_json_dump_is_plain_data() -> None:
    dumped = json.loads(Scenario().model_dump_json())
    assert dumped["start_date"] == "2026-01-05"


@settings(max_examples=50, deadline=None)
@given(
    share=st.floats(min_value=0.0, max_value=1.0),
    minutes=st.floats(min_value=1e-9, max_value=1e9, exclude_min=True),
    name=st.text(min_size=1, max_size=30),
)
def test_to_toml_and_hash_survive_any_valid_values(share: float, minutes: float, name: str) -> None:
    scenario = Scenario().with_overrides(
        {"name": name, "alerts.opt_in_share": share, "alerts.delay_minutes": minutes}
    )
    again = Scenario.loads(scenario.to_toml())
    assert again == scenario
    assert again.content_hash == scenario.content_hash


def test_demand_scale_is_one_multiplier_for_all_demand() -> None:
    assert Scenario().demand.scale == 1.0
    doubled = Scenario().with_overrides({"demand.scale": 2.0})
    assert doubled.demand.cases_per_person_per_year == Scenario().demand.cases_per_person_per_year
    with pytest.raises(ScenarioError, match=r"demand\.scale"):
        Scenario().with_overrides({"demand.scale": -1.0})
