"""QA audits and the team's numbers over the v1 API on the dev server: a closed decision drawn
for audit is scored, the specialist reads and acknowledges the feedback, a wrongful restriction
opens a correction heard as an appeal is (reinstating the driver and telling them), and leads,
QA and operators read the metrics as JSON, CSV and Prometheus text."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from tests.test_appeals_api import ELENA, closed_deactivation, filed, until
from tests.test_qa_audits import EVERY_ONE
from tests.test_web_api import ANA, INTAKE, LUIS, MARCO, started
from webapp.services import WebServices

SOFIA = {"Authorization": "Bearer demo-sofia-token"}
OLGA = {"Authorization": "Bearer demo-olga-token"}
NONE_SAMPLED = EVERY_ONE.model_copy(
    update={
        "version": "test-none",
        "base_rate": 0.0,
        "new_specialist_rate": 0.0,
        "deviation_rate": 0.0,
        "unreviewed_deactivation_rate": 0.0,
    }
)


def score(**changes: Any) -> dict[str, Any]:
    return {
        "action_correct": True,
        "guidelines_correct": True,
        "rationale_adequate": False,
        "message_appropriate": True,
        "error_type": "documentation",
        "comment": "The rationale does not say which trips the fraud signal covered.",
        **changes,
    }


WRONGFUL = score(
    action_correct=False,
    rationale_adequate=True,
    error_type="false_positive",
    comment="The fraud signal was a known false alarm that week; nothing else supports it.",
)


@pytest.fixture
def audit_everything(web_services: WebServices) -> None:
    web_services.qa_sampling = EVERY_ONE


async def test_a_sampled_decision_is_scored_and_its_specialist_acknowledges_the_feedback(
    api: httpx.AsyncClient, audit_everything: None
) -> None:
    review_id = await closed_deactivation(api, "drv_qa_1", "en")

    queue = (await api.get("/api/v1/qa/queue", headers=SOFIA)).json()
    assert review_id in [i["review_id"] for i in queue["items"]]
    assert queue["sampling"]["overall"] == {"eligible": 1, "sampled": 1, "rate": 1.0}
    scored = await api.post(f"/api/v1/qa/{review_id}/score", json=score(), headers=SOFIA)
    assert scored.status_code == 200, scored.text
    assert scored.json()["agrees_with_decision"] is False
    assert scored.json()["correction_id"] is None  # documentation: the decision stands
    assert scored.json()["correction_state"] is None

    [feedback] = (await api.get("/api/v1/qa/feedback", headers=ANA)).json()["items"]
    assert (feedback["review_id"], feedback["score"]["comment"]) == (review_id, score()["comment"])
    assert (await api.get("/api/v1/qa/feedback", headers=MARCO)).json()["items"] == []
    leads = (await api.get("/api/v1/qa/feedback", headers=LUIS)).json()["items"]
    assert [i["review_id"] for i in leads] == [review_id]
    acknowledged = await api.post(f"/api/v1/qa/{review_id}/acknowledge", headers=ANA)
    assert acknowledged.status_code == 200 and acknowledged.json()["acknowledged_at"]
    not_his = await api.post(f"/api/v1/qa/{review_id}/acknowledge", headers=MARCO)
    assert not_his.status_code == 409
    assert not_his.json()["error"] == "there is no QA feedback on this review for marco"
    assert (await api.get(f"/api/v1/qa/{review_id}", headers=MARCO)).status_code == 403


async def test_a_wrongful_deactivation_found_by_qa_is_corrected_as_an_overturned_appeal(
    api: httpx.AsyncClient, audit_everything: None, demo_platform_url: str
) -> None:
    review_id = await closed_deactivation(api, "drv_qa_2", "en")

    scored = await api.post(f"/api/v1/qa/{review_id}/score", json=WRONGFUL, headers=SOFIA)
    assert scored.status_code == 200, scored.text
    correction_id = scored.json()["correction_id"]
    assert correction_id
    url = f"/api/v1/appeals/{correction_id}"
    await until(api, url, "awaiting_decision")
    # Until it changes the decision, the correction is ours: the driver's records do not list it.
    before = (await api.get("/api/v1/accounts/drv_qa_2/records", headers=INTAKE)).json()
    assert before["appeals"] == []
    assert (await api.post(f"{url}/claim", headers=ANA)).status_code == 403  # decided it
    assert (await api.post(f"{url}/claim", headers=LUIS)).status_code == 403  # approved it
    assert (await api.post(f"{url}/claim", headers=ELENA)).status_code == 200
    page = (await api.get(f"/appeals/{correction_id}", headers=ELENA)).text
    assert "What the quality audit found" in page
    assert (
        "A correction, not the person's appeal: Sofía Castro's audit found False positive" in page
    )
    assert "known false alarm that week" in page
    overturn = {"outcome": "overturn", "rationale": "QA is right: a known false alarm."}
    assert (await api.post(f"{url}/decision", json=overturn, headers=ELENA)).status_code == 200
    await until(api, url, "closed")

    async with httpx.AsyncClient(base_url=demo_platform_url) as platform:
        account = (await platform.get("/account-status/accounts/drv_qa_2")).json()
        sent = (
            await platform.get("/notification-gateway/messages", params={"review_id": review_id})
        ).json()["messages"]
    assert account["status"] == "active"
    [told] = [m for m in sent if m["kind"] == "appeal_outcome"]
    assert told["subject"] == "We reversed our decision on your account"
    assert "As part of our regular quality checks" in told["body"]
    assert "appealing" not in told["body"]
    records = (await api.get("/api/v1/accounts/drv_qa_2/records", headers=INTAKE)).json()
    assert [(a["reference"], a["opened_by"]) for a in records["appeals"]] == [
        (correction_id, "quality_audit")
    ]
    [strike] = [s for s in records["strikes"] if s["reference"] == review_id]
    assert strike["state"]["code"] == "retracted"
    # A correction is not an appeal: the driver's own first appeal would need no new information,
    # and the appeal rate does not count it.
    summary = (await api.get("/api/v1/metrics/summary", headers=LUIS)).json()
    assert summary["appeal_rate"] == {"count": 0, "of": 1, "rate": 0.0}


async def test_the_same_score_sent_twice_answers_the_same_and_opens_one_correction(
    api: httpx.AsyncClient, audit_everything: None
) -> None:
    review_id = await closed_deactivation(api, "drv_qa_3", "en")

    first = await api.post(f"/api/v1/qa/{review_id}/score", json=WRONGFUL, headers=SOFIA)
    again = await api.post(f"/api/v1/qa/{review_id}/score", json=WRONGFUL, headers=SOFIA)

    assert first.status_code == again.status_code == 200
    assert first.json()["correction_id"] == again.json()["correction_id"]
    await until(api, f"/api/v1/appeals/{first.json()['correction_id']}", "awaiting_decision")
    appeals = (await api.get(f"/api/v1/reviews/{review_id}", headers=ANA)).json()["appeals"]
    assert len(appeals) == 1


async def test_a_score_is_refused_naming_the_field_at_fault(
    api: httpx.AsyncClient, audit_everything: None
) -> None:
    review_id = await closed_deactivation(api, "drv_qa_4", "en")
    url = f"/api/v1/qa/{review_id}/score"

    no_error = await api.post(url, json=score(error_type=None), headers=SOFIA)
    no_comment = await api.post(url, json=score(comment="  "), headers=SOFIA)
    unknown = await api.post(url, json=score(error_type="typo"), headers=SOFIA)

    assert no_error.status_code == 422
    assert "error_type: a check failed" in no_error.json()["error"]
    assert no_comment.status_code == 422
    assert [e["field"] for e in no_comment.json()["errors"]] == ["comment"]
    assert [e["field"] for e in unknown.json()["errors"]] == ["error_type"]


async def test_only_qa_scores_and_only_sampled_decisions_of_closed_reviews(
    api: httpx.AsyncClient, web_services: WebServices
) -> None:
    web_services.qa_sampling = NONE_SAMPLED
    review_id = await closed_deactivation(api, "drv_qa_5", "en")
    url = f"/api/v1/qa/{review_id}/score"

    assert (await api.post(url, json=score(), headers=LUIS)).status_code == 403
    unsampled = await api.post(url, json=score(), headers=SOFIA)
    assert unsampled.status_code == 409
    assert unsampled.json()["error"] == "this review was not sampled for audit"
    missing = await api.post("/api/v1/qa/review-nope/score", json=score(), headers=SOFIA)
    assert missing.status_code == 404
    assert (await api.post(url, json=score())).status_code == 401


async def test_metrics_are_for_leads_qa_and_operators(api: httpx.AsyncClient) -> None:
    for who, status in ((LUIS, 200), (SOFIA, 200), (OLGA, 200), (ANA, 403), (INTAKE, 403)):
        answer = await api.get("/api/v1/metrics/summary", headers=who)
        assert answer.status_code == status, (who, answer.text)


async def test_a_backwards_period_or_unknown_market_is_refused_naming_the_parameter(
    api: httpx.AsyncClient,
) -> None:
    answer = await api.get(
        "/api/v1/metrics/summary",
        params={"from": "2026-12-01T00:00:00Z", "to": "2026-11-01T00:00:00Z", "market": "narnia"},
        headers=LUIS,
    )

    assert answer.status_code == 422
    assert [e["field"] for e in answer.json()["errors"]] == ["to", "market"]
    naive = await api.get(
        "/api/v1/metrics/summary", params={"from": "2026-11-01T00:00:00"}, headers=LUIS
    )
    assert [e["field"] for e in naive.json()["errors"]] == ["from"]


async def test_the_summary_exports_as_csv_with_the_same_numbers(api: httpx.AsyncClient) -> None:
    await closed_deactivation(api, "drv_qa_6", "en")
    as_json = (await api.get("/api/v1/metrics/summary", headers=LUIS)).json()

    answer = await api.get("/api/v1/metrics/summary", params={"format": "csv"}, headers=LUIS)

    assert answer.headers["content-type"].startswith("text/csv")
    assert answer.headers["content-disposition"].startswith('attachment; filename="metrics_')
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    closed = next(r for r in rows if r["metric"] == "closed_reviews")
    assert int(closed["count"]) == as_json["closed_reviews"] == 1
    standard = next(
        r for r in rows if r["metric"] == "sla_attainment" and r["dimension"] == "tier=critical"
    )
    assert int(standard["of"]) == as_json["sla_attainment"]["critical"]["of"]


async def test_prometheus_text_has_the_queue_breaches_and_latency_histogram(
    api: httpx.AsyncClient, audit_everything: None
) -> None:
    review_id = await closed_deactivation(api, "drv_qa_7", "en")
    tier = (await api.get(f"/api/v1/reviews/{review_id}", headers=ANA)).json()["sla"]["tier"]

    answer = await api.get("/metrics", headers=OLGA)

    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain")
    text = answer.text
    assert "# TYPE dr_open_reviews gauge" in text
    assert 'dr_open_reviews{sla_state="on_track",tier="high"}' in text
    assert "# TYPE dr_decision_latency_seconds histogram" in text
    assert f'dr_decision_latency_seconds_bucket{{le="+Inf",tier="{tier}"}} 1.0' in text
    assert f'dr_decision_latency_seconds_bucket{{le="3600",tier="{tier}"}} 1.0' in text
    assert f'dr_decision_latency_seconds_count{{tier="{tier}"}} 1.0' in text
    assert f'dr_sla_breaches{{tier="{tier}"}} 0.0' in text
    assert f'dr_closed_reviews{{tier="{tier}"}} 1.0' in text
    assert "dr_qa_queue 1.0" in text  # drawn for QA on the scrape, though nobody looked yet
    assert (await api.get("/metrics")).status_code == 401


async def test_the_review_page_shows_how_closed_reviews_under_its_rule_were_decided(
    api: httpx.AsyncClient, web_services: WebServices
) -> None:
    closed = await closed_deactivation(api, "drv_similar_1", "en")
    rule = (await api.get(f"/api/v1/reviews/{closed}", headers=ANA)).json()["recommendation"]
    review_id = await started(
        api,
        account={"id": "drv_similar_2", "locale": "en", "market": "chicago"},
        category="fraud",
        severity="high",
    )

    page = await api.get(f"/reviews/{review_id}", headers=ANA)

    assert page.status_code == 200
    # Ana reads Spanish.
    assert "Decisiones anteriores con esta regla" in page.text
    assert rule["rule_id"] in page.text
    assert "1 revisión(es) cerrada(s):" in page.text
    assert 'data-action="permanent_deactivation">Desactivación permanente: 1 (100 %)' in page.text


async def test_the_transparency_report_is_json_html_or_csv_in_either_language(
    api: httpx.AsyncClient,
) -> None:
    await closed_deactivation(api, "drv_transparency", "en")
    month = datetime.now(UTC).strftime("%Y-%m")  # it closed just now
    url = "/api/v1/reports/transparency"
    query = {"market": "chicago", "month": month}

    as_json = (await api.get(url, params=query, headers=LUIS)).json()
    html = await api.get(url, params={**query, "format": "html", "lang": "es-MX"}, headers=OLGA)
    as_csv = await api.get(url, params={**query, "format": "csv"}, headers=SOFIA)

    assert (as_json["reviews_closed"], as_json["restrictions"]) == (1, 1)
    assert as_json["by_ground"]["fraud"]["permanent_deactivation"] == 1
    assert html.headers["content-type"].startswith("text/html")
    assert "Cuentas suspendidas o desactivadas" in html.text
    assert as_csv.headers["content-disposition"] == (
        f'attachment; filename="transparency_chicago_{month}_en.csv"'
    )
    assert "Accounts suspended or deactivated,,,1" in as_csv.text
    assert (await api.get(url, params=query, headers=ANA)).status_code == 403


async def test_a_transparency_report_for_an_unknown_market_or_month_is_refused_naming_it(
    api: httpx.AsyncClient,
) -> None:
    url = "/api/v1/reports/transparency"

    unknown = await api.get(url, params={"market": "narnia", "month": "2026-11"}, headers=LUIS)
    bad_month = await api.get(url, params={"market": "chicago", "month": "2026-13"}, headers=LUIS)

    assert unknown.status_code == 422
    assert [e["field"] for e in unknown.json()["errors"]] == ["market"]
    assert [e["field"] for e in bad_month.json()["errors"]] == ["month"]


async def test_a_correction_waits_for_the_persons_open_appeal_and_opens_once_it_closes(
    api: httpx.AsyncClient, audit_everything: None
) -> None:
    review_id = await closed_deactivation(api, "drv_qa_8", "en")
    appeal_id = await filed(api, review_id)

    scored = await api.post(f"/api/v1/qa/{review_id}/score", json=WRONGFUL, headers=SOFIA)
    assert scored.status_code == 200, scored.text
    assert (scored.json()["correction_state"], scored.json()["correction_id"]) == ("pending", None)

    url = f"/api/v1/appeals/{appeal_id}"
    assert (await api.post(f"{url}/claim", headers=ELENA)).status_code == 200
    uphold = {
        "outcome": "uphold",
        "rationale": "The trip data stands.",
        "policy_refs": ["CG-INTEGRITY-1"],
    }
    assert (await api.post(f"{url}/decision", json=uphold, headers=ELENA)).status_code == 200
    await until(api, url, "closed")
    await api.get("/api/v1/qa/queue", headers=SOFIA)  # QA's next look opens what waits

    audit = (await api.get(f"/api/v1/qa/{review_id}", headers=LUIS)).json()
    assert audit["score"]["correction_state"] == "opened"
    correction_id = audit["score"]["correction_id"]
    assert correction_id and correction_id != appeal_id
    await until(api, f"/api/v1/appeals/{correction_id}", "awaiting_decision")


async def test_no_correction_opens_after_an_appeal_overturned_the_decision(
    api: httpx.AsyncClient, audit_everything: None
) -> None:
    review_id = await closed_deactivation(api, "drv_qa_9", "en")
    appeal_id = await filed(api, review_id)
    url = f"/api/v1/appeals/{appeal_id}"
    await api.post(f"{url}/claim", headers=ELENA)
    overturn = {"outcome": "overturn", "rationale": "Another driver used the account."}
    assert (await api.post(f"{url}/decision", json=overturn, headers=ELENA)).status_code == 200
    await until(api, url, "closed")

    scored = await api.post(f"/api/v1/qa/{review_id}/score", json=WRONGFUL, headers=SOFIA)

    assert scored.json()["correction_state"] == "refused"
    assert "overturned this decision already" in scored.json()["correction_note"]
