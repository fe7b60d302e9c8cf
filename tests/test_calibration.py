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
from tests.test_appeals_api import ELENA, closed_deactivation, until
from tests.test_quality_api import SOFIA
from tests.test_web_api import ANA, LUIS, MARCO, decision, started

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


def test_kappa_needs_two_raters_on_every_case() -> None:
    with pytest.raises(ValueError, match="at least two raters"):
        fleiss_kappa([Counter(w=2), Counter(w=1)])


def test_kappa_takes_cases_rated_by_different_numbers_of_people() -> None:
    # Case 1 {w: 2}: agreement 1; case 2 {w: 1, s: 2}: (1 + 4 - 3) / (3 * 2) = 1/3. Observed
    # 2/3; answers pooled w 3/5, s 2/5: chance 0.52; kappa (2/3 - 0.52) / 0.48.
    assert fleiss_kappa([Counter(w=2), Counter(w=1, s=2)]) == pytest.approx((2 / 3 - 0.52) / 0.48)


def answer(review_id: str, person: str, action: EnforcementAction) -> CalibrationAnswer:
    return CalibrationAnswer(review_id=review_id, person_id=person, action=action, answered_at=AT)


def test_the_report_counts_golden_agreement_and_kappa_per_category() -> None:
    fraud, driving = IncidentCategory.FRAUD, IncidentCategory.DANGEROUS_DRIVING
    cases = [
        CalibrationCase(review_id="c1", case_id="k1", category=fraud, golden_action=P),
        CalibrationCase(review_id="c2", case_id="k2", category=fraud, golden_action=W),
        CalibrationCase(
            review_id="c3", case_id="k3", category=driving, golden_action=S, took_part=["sam"]
        ),
    ]
    answers = [
        answer("c1", "ana", P), answer("c1", "marco", P),
        answer("c2", "ana", W), answer("c2", "marco", S),
        answer("c3", "ana", S),  # marco has not answered c3 yet
        answer("c3", "luis", W),  # not asked: not counted
        answer("c3", "sam", W),  # decided it: not counted
    ]  # fmt: skip

    report = calibration_report(cases, answers, {"ana", "marco", "sam"})

    # Fraud: 3 of 4 answers match. Kappa over c1 {P: 2} and c2 {W: 1, S: 1}: observed
    # (1 + 0) / 2 = 0.5; shares P 2/4, W 1/4, S 1/4 give chance 0.375; (0.5-0.375)/0.625 = 0.2.
    assert report.by_category[fraud].golden_agreement == 0.75
    assert report.by_category[fraud].kappa == pytest.approx(0.2)
    assert report.by_category[fraud].kappa_cases == 2
    # Driving: one answer, right; no case both answered, so no kappa.
    assert report.by_category[driving].golden_agreement == 1.0
    assert (report.by_category[driving].kappa, report.by_category[driving].kappa_cases) == (None, 0)
    assert report.overall.answers == 5
    assert [(p.person_id, p.asked, p.answers, p.matched) for p in report.by_person] == [
        ("ana", 3, 3, 3),
        ("marco", 3, 2, 1),
        ("sam", 2, 0, 0),
    ]


async def closed_by_a_lead(api: httpx.AsyncClient, account_id: str) -> str:
    """A Chicago driver's fraud deactivation decided by luis (a lead) and approved by elena:
    a case neither specialist took part in."""
    review_id = await started(
        api,
        account={"id": account_id, "locale": "en", "market": "chicago"},
        category="fraud",
        severity="high",
    )
    url = f"/api/v1/reviews/{review_id}"
    await api.post(f"{url}/claim", headers=LUIS)
    state = (await api.get(url, headers=LUIS)).json()
    assert (await api.post(f"{url}/decision", json=decision(state), headers=LUIS)).is_success
    approval = {"outcome": "approve", "comment": "The trip data is clear."}
    assert (await api.post(f"{url}/second-review", json=approval, headers=ELENA)).is_success
    return await until(api, url, "closed")


async def test_a_round_is_made_answered_blind_and_reported(api: httpx.AsyncClient) -> None:
    first = await closed_by_a_lead(api, "drv_cal_1")
    second = await closed_by_a_lead(api, "drv_cal_2")
    body = {
        "name": "Fraud, December",
        "cases": [{"review_id": first}, {"review_id": second, "golden_action": "warning"}],
    }

    made = await api.post("/api/v1/calibration", json=body, headers=SOFIA)
    assert made.status_code == 201, made.text
    round_id = made.json()["round_id"]
    assert [c["golden_action"] for c in made.json()["cases"]] == [
        "permanent_deactivation",
        "warning",
    ]
    assert made.json()["raters"] == ["ana", "marco"]

    blind = (await api.get(f"/api/v1/calibration/{round_id}/cases", headers=MARCO)).json()
    keys = [c["case_id"] for c in blind["cases"]]
    assert len(keys) == 2 and first not in str(blind) and second not in str(blind)
    assert "decision" not in blind["cases"][0] and "golden_action" not in blind["cases"][0]
    assert "The trip data is clear" not in str(blind)  # the second review's comment
    url = f"/api/v1/calibration/{round_id}/answers"
    for who, key, action in (
        (ANA, keys[0], "permanent_deactivation"),
        (ANA, keys[1], "permanent_deactivation"),
        (MARCO, keys[0], "permanent_deactivation"),
        (MARCO, keys[1], "warning"),
    ):
        given = await api.post(url, json={"case_id": key, "action": action}, headers=who)
        assert given.status_code == 200, given.text
    again = await api.post(url, json={"case_id": keys[1], "action": "education"}, headers=MARCO)
    assert again.status_code == 409

    report = (await api.get(f"/api/v1/calibration/{round_id}/report", headers=LUIS)).json()
    assert report["overall"]["golden_agreement"] == 0.75
    # Case 1 {P: 2}, case 2 {P: 1, W: 1}: observed 0.5, chance (3/4)^2 + (1/4)^2 = 0.625.
    assert report["overall"]["kappa"] == pytest.approx((0.5 - 0.625) / (1 - 0.625))
    assert [(p["person_id"], p["matched"]) for p in report["by_person"]] == [
        ("ana", 1),
        ("marco", 2),
    ]


async def test_nobody_is_asked_a_case_they_decided(api: httpx.AsyncClient) -> None:
    anas = await closed_deactivation(api, "drv_cal_6", "en")  # ana decided, luis approved
    leads = await closed_by_a_lead(api, "drv_cal_7")
    body = {"name": "Mixed", "cases": [{"review_id": anas}, {"review_id": leads}]}
    made = (await api.post("/api/v1/calibration", json=body, headers=SOFIA)).json()
    round_id = made["round_id"]
    anas_key = made["cases"][0]["case_id"]

    ana_sees = (await api.get(f"/api/v1/calibration/{round_id}/cases", headers=ANA)).json()
    refused = await api.post(
        f"/api/v1/calibration/{round_id}/answers",
        json={"case_id": anas_key, "action": "warning"},
        headers=ANA,
    )

    assert [c["case_id"] for c in ana_sees["cases"]] == [made["cases"][1]["case_id"]]
    assert refused.status_code == 403
    report = (await api.get(f"/api/v1/calibration/{round_id}/report", headers=LUIS)).json()
    assert [(p["person_id"], p["asked"]) for p in report["by_person"]] == [("ana", 1), ("marco", 2)]


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
        json={"case_id": "any", "action": "warning"},
        headers=LUIS,
    )
    assert lead_answers.status_code == 403
    assert (await api.get(f"/api/v1/calibration/{round_id}/report", headers=ANA)).status_code == 403
    assert (await api.get("/api/v1/calibration/nope/report", headers=LUIS)).status_code == 404
