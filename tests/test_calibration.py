"""Calibration: Fleiss' kappa and the round's agreement as plain functions (checked against a
published worked example and hand counts), and rounds over the API on the dev server: a lead
makes one from closed reviews, specialists answer blind, the report says how it went."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import httpx
import pytest

from review.calibration import (
    CalibrationAnswer,
    CalibrationCase,
    calibration_report,
    fleiss_kappa,
)
from review.models import EnforcementAction, IncidentCategory
from tests.test_appeals_api import closed_deactivation
from tests.test_quality_api import SOFIA
from tests.test_web_api import ANA, LUIS, MARCO

AT = datetime(2026, 12, 1, tzinfo=UTC)
W, S, P = (
    EnforcementAction.WARNING,
    EnforcementAction.TEMPORARY_SUSPENSION,
    EnforcementAction.PERMANENT_DEACTIVATION,
)


def test_fleiss_kappa_matches_the_published_worked_example() -> None:
    # Fleiss (1971), as worked on Wikipedia: 10 subjects, 14 raters, 5 categories: 0.210.
    table = [
        [0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0], [2, 2, 8, 1, 1],
        [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2], [6, 5, 2, 1, 0], [0, 2, 2, 3, 7],
    ]  # fmt: skip
    ratings = [Counter({str(k): n for k, n in enumerate(row) if n}) for row in table]

    assert fleiss_kappa(ratings) == pytest.approx(0.20993, abs=1e-5)


def test_full_agreement_on_varied_answers_is_kappa_one() -> None:
    assert fleiss_kappa([Counter(w=3), Counter(s=3), Counter(p=3)]) == pytest.approx(1.0)


def test_kappa_is_undefined_when_everyone_always_gives_the_same_answer() -> None:
    assert fleiss_kappa([Counter(w=3), Counter(w=3)]) is None
    assert fleiss_kappa([]) is None


def test_kappa_needs_the_same_raters_on_every_case() -> None:
    with pytest.raises(ValueError, match="same number of raters"):
        fleiss_kappa([Counter(w=2), Counter(w=1, s=2)])


def answer(review_id: str, person: str, action: EnforcementAction) -> CalibrationAnswer:
    return CalibrationAnswer(review_id=review_id, person_id=person, action=action, answered_at=AT)


def test_the_report_counts_golden_agreement_and_kappa_per_category() -> None:
    fraud, driving = IncidentCategory.FRAUD, IncidentCategory.DANGEROUS_DRIVING
    cases = [
        CalibrationCase(review_id="c1", category=fraud, golden_action=P),
        CalibrationCase(review_id="c2", category=fraud, golden_action=W),
        CalibrationCase(review_id="c3", category=driving, golden_action=S),
    ]
    answers = [
        answer("c1", "ana", P), answer("c1", "marco", P),
        answer("c2", "ana", W), answer("c2", "marco", S),
        answer("c3", "ana", S),  # marco has not answered c3 yet
        answer("c3", "luis", W),  # not asked: not counted
    ]  # fmt: skip

    report = calibration_report(cases, answers, {"ana", "marco"})

    # Fraud: 3 of 4 answers match. Kappa over c1 {P: 2} and c2 {W: 1, S: 1}: observed
    # (1 + 0) / 2 = 0.5; shares P 2/4, W 1/4, S 1/4 give chance 0.375; (0.5-0.375)/0.625 = 0.2.
    assert report.by_category[fraud].golden_agreement == 0.75
    assert report.by_category[fraud].kappa == pytest.approx(0.2)
    assert report.by_category[fraud].kappa_cases == 2
    # Driving: one answer, right; no case both answered, so no kappa.
    assert report.by_category[driving].golden_agreement == 1.0
    assert (report.by_category[driving].kappa, report.by_category[driving].kappa_cases) == (None, 0)
    assert report.overall.answers == 5
    assert [(p.person_id, p.answers, p.matched) for p in report.by_person] == [
        ("ana", 3, 3),
        ("marco", 2, 1),
    ]


async def test_a_round_is_made_answered_blind_and_reported(api: httpx.AsyncClient) -> None:
    first = await closed_deactivation(api, "drv_cal_1", "en")
    second = await closed_deactivation(api, "drv_cal_2", "en")
    body = {
        "name": "Fraud, December",
        "cases": [{"review_id": first}, {"review_id": second, "golden_action": "warning"}],
    }

    made = await api.post("/api/v1/calibration", json=body, headers=LUIS)
    assert made.status_code == 201, made.text
    round_id = made.json()["round_id"]
    assert [c["golden_action"] for c in made.json()["cases"]] == [
        "permanent_deactivation",
        "warning",
    ]
    assert made.json()["raters"] == ["ana", "marco"]

    blind = (await api.get(f"/api/v1/calibration/{round_id}/cases", headers=MARCO)).json()
    assert [c["review_id"] for c in blind["cases"]] == [first, second]
    assert "decision" not in blind["cases"][0] and "golden_action" not in blind["cases"][0]
    assert "The trip data is clear" not in str(blind)  # the second review's comment
    url = f"/api/v1/calibration/{round_id}/answers"
    for who, review_id, action in (
        (ANA, first, "permanent_deactivation"),
        (ANA, second, "permanent_deactivation"),
        (MARCO, first, "permanent_deactivation"),
        (MARCO, second, "warning"),
    ):
        given = await api.post(url, json={"review_id": review_id, "action": action}, headers=who)
        assert given.status_code == 200, given.text
    again = await api.post(url, json={"review_id": second, "action": "education"}, headers=MARCO)
    assert again.status_code == 409

    report = (await api.get(f"/api/v1/calibration/{round_id}/report", headers=SOFIA)).json()
    assert report["overall"]["golden_agreement"] == 0.75
    # Case 1 {P: 2}, case 2 {P: 1, W: 1}: observed 0.5, chance (3/4)^2 + (1/4)^2 = 0.625.
    assert report["overall"]["kappa"] == pytest.approx((0.5 - 0.625) / (1 - 0.625))
    assert [(p["person_id"], p["matched"]) for p in report["by_person"]] == [
        ("ana", 1),
        ("marco", 2),
    ]


async def test_a_round_of_reviews_not_closed_is_refused_naming_each_case(
    api: httpx.AsyncClient,
) -> None:
    closed = await closed_deactivation(api, "drv_cal_3", "en")
    body = {"name": "Bad", "cases": [{"review_id": closed}, {"review_id": "review-nope"}]}

    refused = await api.post("/api/v1/calibration", json=body, headers=LUIS)
    too_few = await api.post(
        "/api/v1/calibration", json={"name": "One", "cases": [{"review_id": closed}]}, headers=LUIS
    )

    assert refused.status_code == 422
    assert [e["field"] for e in refused.json()["errors"]] == ["cases[1].review_id"]
    assert too_few.status_code == 422
    assert [e["field"] for e in too_few.json()["errors"]] == ["cases"]


async def test_only_leads_and_qa_make_rounds_and_only_specialists_answer(
    api: httpx.AsyncClient,
) -> None:
    first = await closed_deactivation(api, "drv_cal_4", "en")
    second = await closed_deactivation(api, "drv_cal_5", "en")
    body = {"name": "Roles", "cases": [{"review_id": first}, {"review_id": second}]}

    assert (await api.post("/api/v1/calibration", json=body, headers=ANA)).status_code == 403
    round_id = (await api.post("/api/v1/calibration", json=body, headers=LUIS)).json()["round_id"]
    lead_answers = await api.post(
        f"/api/v1/calibration/{round_id}/answers",
        json={"review_id": first, "action": "warning"},
        headers=LUIS,
    )
    assert lead_answers.status_code == 403
    assert (await api.get(f"/api/v1/calibration/{round_id}/report", headers=ANA)).status_code == 403
    assert (await api.get("/api/v1/calibration/nope/report", headers=LUIS)).status_code == 404
