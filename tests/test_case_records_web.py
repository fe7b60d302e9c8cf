"""The written record in the web app: a closed review links its case report, people whose role
allows it read it (HTML or Markdown) even after Temporal deleted the history, and every look at
a review, report or decoded history lands in the access log that leads and operators read."""

from __future__ import annotations

import base64
import re
from datetime import UTC, datetime
from typing import Any

import httpx

from decision_archive.store import AccessAction, AccessEntry, RecordIndex
from review.models import EnforcementAction, Person, PersonRole
from tests.conftest import CONVERTER
from tests.test_decision_archive import decided_record
from tests.test_web_api import ANA, LUIS, MARCO, claimed, decision
from tests.test_web_pages import select_options, signed_in
from webapp.services import WebServices


async def closed(api: httpx.AsyncClient, **changes: Any) -> dict[str, Any]:
    """A review Ana claimed and decided (a lead approves when it needs it), once closed."""
    review = await claimed(api, **changes)
    url = f"/api/v1/reviews/{review['review_id']}"
    decided = await api.post(f"{url}/decision", json=decision(review), headers=ANA)
    assert decided.status_code == 200, decided.text
    if decided.json()["status"] == "awaiting_second_review":
        approved = await api.post(
            f"{url}/second-review", json={"outcome": "approve", "comment": "Agreed."}, headers=LUIS
        )
        assert approved.status_code == 200, approved.text
    for _ in range(200):
        state = (await api.get(url, headers=ANA)).json()
        if state["status"] == "closed":
            return dict(state)
    raise AssertionError(f"{review['review_id']} did not close")


async def test_a_closed_review_links_its_case_report(api: httpx.AsyncClient) -> None:
    review = await closed(api)
    assert review["links"]["report"] == f"/api/v1/reviews/{review['review_id']}/report"


async def test_an_open_review_has_no_report_link(api: httpx.AsyncClient) -> None:
    review = await claimed(api)
    assert review["links"]["report"] is None


async def test_the_report_reads_as_html_with_a_persons_bearer_token(api: httpx.AsyncClient) -> None:
    review = await closed(api, summary="Rider reports a driver on Reforma ran three red lights.")
    answer = await api.get(review["links"]["report"], headers=ANA)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/html")
    assert answer.headers["cache-control"] == "no-store"
    assert "ran three red lights" in answer.text
    assert review["decision"]["rationale"] in answer.text


async def test_format_md_gives_the_report_as_markdown(api: httpx.AsyncClient) -> None:
    review = await closed(api)
    answer = await api.get(review["links"]["report"], params={"format": "md"}, headers=LUIS)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/markdown")
    assert answer.text.startswith("# Informe del caso")  # in luis's language


async def test_a_download_is_an_attachment_named_for_the_review(api: httpx.AsyncClient) -> None:
    review = await closed(api)
    answer = await api.get(
        review["links"]["report"], params={"format": "md", "download": "true"}, headers=ANA
    )
    expected = f'attachment; filename="case-report-{review["review_id"]}.md"'
    assert answer.headers["content-disposition"] == expected


async def test_an_open_review_has_no_report_yet(api: httpx.AsyncClient) -> None:
    review = await claimed(api)
    answer = await api.get(f"/api/v1/reviews/{review['review_id']}/report", headers=ANA)
    assert answer.status_code == 404
    assert "not closed yet" in answer.json()["error"]


async def test_an_operator_may_not_read_case_reports(api: httpx.AsyncClient) -> None:
    review = await closed(api)
    await signed_in(api, "olga")
    answer = await api.get(review["links"]["report"])
    assert answer.status_code == 403
    assert "an operator may not read reports" in answer.json()["error"]


async def test_the_report_is_read_from_the_archive_after_temporal_forgot_the_review(
    api: httpx.AsyncClient, web_services: WebServices
) -> None:
    # A record whose workflow Temporal no longer has (its retention deleted the history).
    record = decided_record(web_services.policy, EnforcementAction.TEMPORARY_SUSPENSION)
    web_services.archive.write(record, datetime.now(UTC))
    assert (await api.get(f"/api/v1/reviews/{record.review_id}", headers=ANA)).status_code == 404

    answer = await api.get(f"/api/v1/reviews/{record.review_id}/report", headers=ANA)

    assert answer.status_code == 200
    assert record.decision.rationale in answer.text
    assert "Exposición de motivos" in answer.text  # in ana's language


# --- the access log -----------------------------------------------------------------------------


async def access_log(api: httpx.AsyncClient, **params: str) -> list[dict[str, Any]]:
    answer = await api.get("/api/v1/access-log", params=params, headers=LUIS)
    assert answer.status_code == 200, answer.text
    return list(answer.json()["entries"])


async def test_reading_a_review_through_the_api_is_logged(api: httpx.AsyncClient) -> None:
    review = await claimed(api)
    await api.get(f"/api/v1/reviews/{review['review_id']}", headers=MARCO)

    entries = await access_log(api, review_id=review["review_id"], person_id="marco")

    assert [(e["person_id"], e["role"], e["action"], e["channel"]) for e in entries] == [
        ("marco", "specialist", "view_review", "api")
    ]
    assert entries[0]["client_address"] == "127.0.0.1"


async def test_opening_the_review_page_is_logged(api: httpx.AsyncClient) -> None:
    review = await claimed(api)
    await signed_in(api, "sofia")
    assert (await api.get(f"/reviews/{review['review_id']}")).status_code == 200

    entries = await access_log(api, review_id=review["review_id"], person_id="sofia")

    assert [(e["action"], e["channel"]) for e in entries] == [("view_review", "page")]


async def test_reading_a_case_report_is_logged_with_its_format(api: httpx.AsyncClient) -> None:
    review = await closed(api)
    await api.get(review["links"]["report"], params={"format": "md"}, headers=LUIS)

    entries = await access_log(api, review_id=review["review_id"], person_id="luis")

    assert [(e["action"], e["detail"]) for e in entries] == [("view_report", "md")]


async def test_decoding_history_is_logged(api: httpx.AsyncClient) -> None:
    payload = (await CONVERTER.encode([Person(id="witness-7", role=PersonRole.QA)]))[0]
    body = {
        "payloads": [
            {
                "metadata": {k: base64.b64encode(v).decode() for k, v in payload.metadata.items()},
                "data": base64.b64encode(payload.data).decode(),
            }
        ]
    }
    referer = "http://localhost:8233/namespaces/default/workflows/review-INC-77/run-1/history"
    await api.post("/codec/decode", json=body, headers={**LUIS, "Referer": referer})

    entries = await access_log(api, person_id="luis")

    assert [(e["action"], e["review_id"], e["channel"], e["detail"]) for e in entries] == [
        ("decode_history", "review-INC-77", "codec", "1 payload(s)")
    ]


async def test_a_refused_look_is_not_logged_as_a_view(api: httpx.AsyncClient) -> None:
    review = await claimed(api)
    before = await access_log(api, review_id=review["review_id"])

    refused = await api.get(
        f"/api/v1/reviews/{review['review_id']}", headers={"Authorization": "Bearer x"}
    )

    assert refused.status_code == 401
    assert await access_log(api, review_id=review["review_id"]) == before


async def test_a_specialist_may_not_read_the_access_log(api: httpx.AsyncClient) -> None:
    answer = await api.get("/api/v1/access-log", headers=ANA)
    assert answer.status_code == 403


async def test_an_operator_reads_the_access_log_page(api: httpx.AsyncClient) -> None:
    review = await claimed(api)
    await api.get(f"/api/v1/reviews/{review['review_id']}", headers=MARCO)
    await signed_in(api, "olga")  # reads the app in English

    page = await api.get("/access-log", params={"review_id": review["review_id"]})

    assert page.status_code == 200
    assert ">marco</a> (specialist)</td>\n    <td>Viewed the review</td>" in page.text


async def test_the_review_page_offers_the_case_report_to_those_who_may_read_it(
    api: httpx.AsyncClient,
) -> None:
    review = await closed(api)
    await signed_in(api, "sofia")
    page = await api.get(f"/reviews/{review['review_id']}")
    assert 'id="open-report"' in page.text and 'id="who-viewed"' not in page.text

    await signed_in(api, "olga")
    page = await api.get(f"/reviews/{review['review_id']}")
    assert 'id="open-report"' not in page.text and 'id="who-viewed"' in page.text


async def test_only_leads_and_operators_find_the_access_log_in_the_menu(
    api: httpx.AsyncClient,
) -> None:
    await signed_in(api, "sofia")
    assert 'href="/access-log"' not in (await api.get("/queue")).text
    assert (await api.get("/access-log")).status_code == 403

    await signed_in(api, "olga")
    assert 'href="/access-log"' in (await api.get("/queue")).text


async def test_an_operator_gets_no_report_link_for_a_closed_review(api: httpx.AsyncClient) -> None:
    review = await closed(api)
    await signed_in(api, "olga")
    answer = await api.get(f"/api/v1/reviews/{review['review_id']}")
    assert answer.status_code == 200 and answer.json()["links"]["report"] is None


async def test_a_purged_record_takes_the_report_link_with_it(
    api: httpx.AsyncClient, web_services: WebServices
) -> None:
    review = await closed(api)
    web_services.archive.delete([review["review_id"]])
    answer = await api.get(f"/api/v1/reviews/{review['review_id']}", headers=ANA)
    assert answer.json()["status"] == "closed" and answer.json()["links"]["report"] is None


async def test_the_review_a_request_answers_with_is_logged_as_a_view(
    api: httpx.AsyncClient,
) -> None:
    review = await claimed(api)
    await api.post(
        f"/api/v1/reviews/{review['review_id']}/notes",
        json={"text": "Called the rider."},
        headers=MARCO,
    )

    entries = await access_log(api, review_id=review["review_id"], person_id="marco")

    assert [(e["action"], e["detail"]) for e in entries] == [("view_review", "notes")]


async def test_a_refused_decision_form_that_shows_the_review_again_is_logged(
    api: httpx.AsyncClient,
) -> None:
    review = await claimed(api)
    token = await signed_in(api, "marco")

    answer = await api.post(
        f"/reviews/{review['review_id']}/escalate",
        data={"csrf_token": token, "reason": ""},  # no reason
    )

    assert answer.status_code == 422
    entries = await access_log(api, review_id=review["review_id"], person_id="marco")
    assert [(e["action"], e["channel"]) for e in entries] == [("view_review", "page")]


async def test_case_records_are_found_by_account_with_their_report_links(
    api: httpx.AsyncClient, web_services: WebServices
) -> None:
    record = decided_record(web_services.policy, account={"id": "drv_records_1"})
    web_services.archive.write(record, datetime.now(UTC))

    answer = await api.get("/api/v1/records", params={"account_id": "drv_records_1"}, headers=LUIS)

    assert answer.status_code == 200
    assert [(r["review_id"], r["report"]) for r in answer.json()["records"]] == [
        (record.review_id, f"/api/v1/reviews/{record.review_id}/report")
    ]


async def test_the_case_records_page_lists_records_temporal_no_longer_has(
    api: httpx.AsyncClient, web_services: WebServices
) -> None:
    record = decided_record(web_services.policy, account={"id": "drv_records_2"})
    web_services.archive.write(record, datetime.now(UTC))
    await signed_in(api, "sofia")

    page = await api.get("/records", params={"account_id": "drv_records_2"})

    assert page.status_code == 200
    assert f'<tr data-review="{record.review_id}">' in page.text
    assert f'href="/records/{record.review_id}/report"' in page.text


async def test_an_operator_may_not_browse_case_records(api: httpx.AsyncClient) -> None:
    await signed_in(api, "olga")
    assert (await api.get("/records")).status_code == 403
    assert 'href="/records"' not in (await api.get("/queue")).text


# --- finding records and reading the access log, as people type and read ----------------------


def page_rows(page: str) -> list[str]:
    """The body rows of a page's table."""
    body = re.search(r"<tbody>(.*?)</tbody>", page, re.S)
    return re.findall(r"<tr[^>]*>(.*?)</tr>", body.group(1), re.S) if body else []


def written(services: WebServices, **request: Any) -> RecordIndex:
    """A case record in the archive, its review gone from Temporal."""
    record = decided_record(services.policy, **request)
    services.archive.write(record, datetime.now(UTC))
    return services.archive.search(review_id=record.review_id)[0]


def looked(
    services: WebServices,
    person_id: str,
    action: AccessAction,
    review_id: str | None,
    detail: str | None = None,
    at: datetime = datetime(2026, 12, 2, 9, 43, tzinfo=UTC),
) -> None:
    """An access as the app logs it."""
    role = services.people.person(person_id)
    assert role is not None and role.person is not None
    services.archive.record_access(
        AccessEntry(
            at=at,
            person_id=person_id,
            role=str(role.person.role),
            action=action,
            review_id=review_id,
            channel="api",
            client_address="127.0.0.1",
            detail=detail,
        )
    )


async def test_a_report_asked_for_from_a_page_before_the_review_closes_is_a_page_not_json(
    api: httpx.AsyncClient,
) -> None:
    review = await claimed(api)
    await signed_in(api, "marco")  # es-MX

    answer = await api.get(f"/records/{review['review_id']}/report")

    assert answer.status_code == 404
    assert answer.headers["content-type"].startswith("text/html")
    assert "Esta revisión todavía no tiene informe del caso" in answer.text
    assert f'href="/reviews/{review["review_id"]}"' in answer.text


async def test_a_report_opened_from_a_page_is_the_archived_report(
    api: httpx.AsyncClient, web_services: WebServices
) -> None:
    record = written(web_services, account={"id": "drv_records_3"})
    await signed_in(api, "sofia")

    answer = await api.get(
        f"/records/{record.review_id}/report", params={"format": "md", "download": "true"}
    )

    assert answer.status_code == 303
    assert answer.headers["location"] == (
        f"/api/v1/reviews/{record.review_id}/report?format=md&download=true"
    )


async def test_the_records_market_filter_offers_every_configured_market_by_name(
    api: httpx.AsyncClient, web_services: WebServices
) -> None:
    await signed_in(api, "luis")  # es-MX
    markets = web_services.renderer.markets

    page = (await api.get("/records")).text

    assert select_options(page, "market") == {
        "": "Cualquiera",
        **{slug: markets.name(slug, "es-MX") for slug in markets.root},
    }


async def test_a_market_typed_as_the_table_shows_it_finds_its_records(
    api: httpx.AsyncClient, web_services: WebServices
) -> None:
    record = written(web_services, account={"id": "drv_records_4"})  # mexico-city
    await signed_in(api, "sofia")  # en

    page = (await api.get("/records", params={"market": "Mexico City"})).text

    assert f'<tr data-review="{record.review_id}">' in page


async def test_a_record_is_found_by_its_incident_id(
    api: httpx.AsyncClient, web_services: WebServices
) -> None:
    record = written(web_services, account={"id": "drv_records_5"})
    incident_id = record.review_id.removeprefix("review-")
    await signed_in(api, "sofia")

    page = (await api.get("/records", params={"review_id": incident_id})).text

    assert [r for r in page_rows(page) if record.review_id in r]


async def test_spaces_around_a_typed_filter_value_are_ignored(
    api: httpx.AsyncClient, web_services: WebServices
) -> None:
    record = written(web_services, account={"id": "drv_records_6"})
    await signed_in(api, "sofia")

    page = (await api.get("/records", params={"account_id": " drv_records_6 "})).text

    assert f'<tr data-review="{record.review_id}">' in page


async def test_the_records_page_links_each_review_to_its_page(
    api: httpx.AsyncClient, web_services: WebServices
) -> None:
    record = written(web_services, account={"id": "drv_records_7"})
    await signed_in(api, "sofia")

    page = (await api.get("/records", params={"account_id": "drv_records_7"})).text

    assert f'<td><a href="/reviews/{record.review_id}">{record.review_id}</a></td>' in page


async def test_the_filter_forms_leave_checking_typed_values_to_the_server(
    api: httpx.AsyncClient,
) -> None:
    # A browser refuses a value its pattern rejects ("drv_123 ", "Ana Ruiz") in its own words.
    await signed_in(api, "luis")

    for path in ("/records", "/access-log"):
        form = re.search(r'<form class="filters"(.*?)</form>', (await api.get(path)).text, re.S)
        assert form is not None and "pattern=" not in form.group(1), path


async def test_the_access_log_is_found_by_a_persons_name(
    api: httpx.AsyncClient, web_services: WebServices
) -> None:
    looked(web_services, "marco", "view_review", "review-INC-log-1")
    looked(web_services, "ana", "view_review", "review-INC-log-1")
    await signed_in(api, "olga")

    page = (await api.get("/access-log", params={"person_id": "marco díaz "})).text

    rows = page_rows(page)
    assert len(rows) == 1 and 'href="/access-log?person_id=marco"' in rows[0]


async def test_the_access_log_is_found_by_incident_id(
    api: httpx.AsyncClient, web_services: WebServices
) -> None:
    looked(web_services, "marco", "view_review", "review-INC-log-2")
    looked(web_services, "marco", "view_review", "review-INC-log-3")
    await signed_in(api, "olga")

    page = (await api.get("/access-log", params={"review_id": "INC-log-2"})).text

    rows = page_rows(page)
    assert len(rows) == 1 and "review-INC-log-2" in rows[0]


async def test_access_log_times_show_in_the_reviews_market_zone_utc_on_hover(
    api: httpx.AsyncClient, web_services: WebServices
) -> None:
    record = written(web_services, account={"id": "drv_records_8", "market": "los-angeles"})
    looked(web_services, "ana", "view_report", record.review_id, "html")
    await signed_in(api, "olga")  # en

    [row] = page_rows((await api.get("/access-log")).text)

    assert (
        '<time datetime="2026-12-02T09:43:00+00:00" title="2026-12-02 09:43 UTC">'
        "2 Dec 2026, 01:43 Pacific Standard Time</time>"
    ) in row


async def test_access_log_times_without_a_review_show_in_utc(
    api: httpx.AsyncClient, web_services: WebServices
) -> None:
    looked(web_services, "luis", "decode_history", None, "1 payload(s)")
    await signed_in(api, "olga")  # en

    [row] = page_rows((await api.get("/access-log")).text)

    assert "2 Dec 2026, 09:43 Coordinated Universal Time</time>" in row


async def test_the_access_log_says_which_format_a_report_was_read_in(
    api: httpx.AsyncClient, web_services: WebServices
) -> None:
    for second in range(3):
        looked(
            web_services,
            "luis",
            "view_report",
            "review-INC-log-4",
            "md",
            at=datetime(2026, 12, 2, 9, 43, second, tzinfo=UTC),
        )
    await signed_in(api, "luis")  # es-MX

    [row] = page_rows((await api.get("/access-log")).text)

    what = re.sub(r"<[^>]+>", "", row.split("</td>")[2])
    assert " ".join(what.split()) == "Leyó el informe del caso (Markdown) ×3"


async def test_a_note_row_in_the_access_log_reads_as_words_its_id_kept_aside(
    api: httpx.AsyncClient, web_services: WebServices
) -> None:
    note_id = "3f2a9c0d4b5e4f6a8b7c9d0e1f2a3b4c"
    looked(web_services, "sofia", "add_record_note", "review-INC-log-5", note_id)
    await signed_in(api, "olga")  # en

    [row] = page_rows((await api.get("/access-log")).text)

    what = row.split("</td>")[2]
    assert "Added a note to the closed review" in what
    assert re.search(rf'<span class="technical[^"]*"[^>]*>[^<]*{note_id}', what)
    assert f"· {note_id}" not in what
