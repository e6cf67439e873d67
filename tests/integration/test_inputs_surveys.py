"""Survey imports: the three shapes, column mapping, line numbers, nothing written on error."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from est.errors import ValidationError
from est.inputs.summary import other_information
from est.inputs.surveys import import_survey, parse_survey_period
from est.models.inputs import Survey, SurveyResult

DATA = Path(__file__).resolve().parents[1] / "data" / "inputs"


def _surveys(session) -> int:
    return session.scalar(select(func.count()).select_from(Survey))


def test_periods():
    assert parse_survey_period("2025") == (date(2025, 1, 1), date(2025, 12, 31))
    assert parse_survey_period("2024-2025") == (date(2024, 1, 1), date(2025, 12, 31))
    assert parse_survey_period("2025-02") == (date(2025, 2, 1), date(2025, 2, 28))
    assert parse_survey_period("2025-12") == (date(2025, 12, 1), date(2025, 12, 31))
    assert parse_survey_period("2025-01-01..2025-06-30") == (date(2025, 1, 1),
                                                              date(2025, 6, 30))
    for bad in ("", "förra året", "1999", "2025-13", "2026-2025"):
        with pytest.raises(ValidationError) as err:
            parse_survey_period(bad)
        assert "period" in err.value.errors


def test_polisens_trygghetsmatning_with_comparison(db_session, make_area):
    muni = make_area()
    centrum = make_area(code="1861-C", name="Centrum", kind="district", parent=muni)
    import_survey(db_session, DATA / "polisens_trygghetsmatning_2024.csv",
                  kind="polisens_trygghetsmatning", period="2024", area_code="1861")
    result = import_survey(db_session, DATA / "polisens_trygghetsmatning_2025.csv",
                           kind="polisens_trygghetsmatning", period="2025", area_code="1861")
    assert (result.results, result.areas, result.questions, result.matched_areas) == \
        (3, 2, 2, 3)
    rows = list(db_session.scalars(select(SurveyResult)
                                   .where(SurveyResult.survey_id == result.survey_id)
                                   .order_by(SurveyResult.id)))
    assert (rows[0].value, rows[0].response_rate, rows[0].n, rows[0].measure) == \
        (2.1, 0.46, 412, "problem_index")
    assert rows[0].margin_of_error is None  # no margin for an index
    assert rows[2].area_id == centrum.id
    info = other_information(db_session, muni.id, date(2025, 1, 1), date(2025, 12, 31))
    litter = [s for s in info["surveys"] if s["question"] == "Nedskräpning"
              and s["area"] == "Hallsberg"][0]
    assert litter["previous"]["value"] == 2.4 and litter["change"] == -0.3
    vandal = [s for s in info["surveys"] if s["question"] == "Skadegörelse"][0]
    assert vandal["previous"] is None and vandal["change"] is None


def test_ntu_with_given_margin(db_session, make_area):
    make_area()
    result = import_survey(db_session, DATA / "ntu_lpo_2025.csv", kind="ntu", period="2025",
                           area_code="1861")
    rows = list(db_session.scalars(select(SurveyResult)
                                   .where(SurveyResult.survey_id == result.survey_id)))
    assert {(r.value, r.n, r.margin_of_error, r.measure) for r in rows} == {
        (18.4, 1520, 1.9, "share"), (27.0, 1520, 2.2, "share")}
    assert result.matched_areas == 0  # a lokalpolisområde is kept as text


def test_kommun_xlsx_fractions_and_mapping(db_session, make_area):
    make_area()
    result = import_survey(db_session, DATA / "kommun_enkat_2025.xlsx", kind="kommun",
                           period="2025", area_code="1861",
                           columns=["Stadsdel=area", "Svarande=n"], title="Trygghetsenkät")
    survey = db_session.get(Survey, result.survey_id)
    assert survey.title == "Trygghetsenkät" and survey.source_file == "kommun_enkat_2025.xlsx"
    rows = {r.area_label: r for r in survey.results}
    assert rows["Centrum"].value == 62.0 and rows["Centrum"].measure == "share_agree"
    assert rows["Centrum"].margin_of_error == 4.8  # 1.96·sqrt(.62·.38/400), in points


def test_bad_rows_are_named_and_nothing_is_written(db_session, make_area):
    make_area()
    with pytest.raises(ValidationError) as err:
        import_survey(db_session, DATA / "polisens_trygghetsmatning_bad.csv",
                      kind="polisens_trygghetsmatning", period="2025", area_code="1861")
    text = str(err.value)
    assert "line 2: problem index '7,5' is not from 0 to 6" in text
    assert "line 3: area is empty" in text
    assert "line 4: 'hög' is not a number" in text
    assert "line 5: Hallsberg / Nedskräpning is also on line 2" in text
    assert _surveys(db_session) == 0


def test_bad_arguments(db_session, make_area):
    make_area()
    with pytest.raises(ValidationError) as err:
        import_survey(db_session, DATA / "ntu_lpo_2025.csv", kind="enkät", period="2025",
                      area_code="1861")
    assert "kind" in err.value.errors
    with pytest.raises(ValidationError) as err:
        import_survey(db_session, DATA / "ntu_lpo_2025.csv", kind="ntu", period="2025",
                      area_code="1861", columns=["Saknas=area"])
    assert "map" in err.value.errors
    with pytest.raises(ValidationError) as err:
        import_survey(db_session, DATA / "ntu_lpo_2025.csv", kind="ntu", period="2025",
                      area_code="1861", columns=["Indikator=svar"])
    assert "map" in err.value.errors
    with pytest.raises(ValidationError) as err:
        import_survey(db_session, DATA / "saknas.csv", kind="ntu", period="2025",
                      area_code="1861")
    assert "file" in err.value.errors
    assert _surveys(db_session) == 0
