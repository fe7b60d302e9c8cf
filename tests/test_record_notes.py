"""QA and leads add notes to closed reviews: the notes live in an annex beside the archived case
record (which never changes), sealed like it; the API and the review page take them from QA and
leads only, once per idempotency key; and the case report lists them after the record, in the
reader's language."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from decision_archive.report import CaseReportRenderer
from decision_archive.store import DecisionArchive, NoCaseRecord, RecordNote, record_notes
from review.case_record import CaseRecord
from review.guidelines import load_guidelines
from review.matrix import ReviewPolicy
from review.models import NoteBody, Person, PersonRole
from temporal_runtime.encryption import KeyRingError
from tests.conftest import TEST_KEYS, fresh_database
from tests.test_case_records_web import closed
from tests.test_decision_archive import NOW, decided_record
from tests.test_web_api import ANA, LUIS
from tests.test_web_pages import signed_in
from webapp.services import WebServices

SOFIA = Person(id="sofia", role=PersonRole.QA)
ELENA = Person(id="elena", role=PersonRole.LEAD)
LATER = NOW + timedelta(days=2)  # 2026-11-27 12:00 UTC, 06:00 in Mexico City
FINDING = "QA sample 2026-W48: the rationale cites the trace; decision consistent."


@pytest.fixture(params=["sqlite", "postgresql"])
def archive_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[DecisionArchive]:
    """A fresh archive on SQLite and on PostgreSQL (the web tests use conftest's ``archive``)."""
    store = DecisionArchive(fresh_database(request, tmp_path, request.param), TEST_KEYS)
    yield store
    store.close()


@pytest.fixture
def record(archive_db: DecisionArchive, shipped_policy: tuple[ReviewPolicy, object]) -> CaseRecord:
    """A closed review's record, in the archive."""
    written = decided_record(shipped_policy[0])
    archive_db.write(written, NOW)
    return written


def note(text: str = FINDING) -> NoteBody:
    return NoteBody(text=text)


# --- the archive --------------------------------------------------------------------------------


def test_a_note_reads_back_with_its_author_role_and_time(
    archive_db: DecisionArchive, record: CaseRecord
) -> None:
    added = archive_db.add_note(record.review_id, SOFIA, note(), LATER)

    assert archive_db.notes(record.review_id) == [added]
    assert (added.review_id, added.author, added.at, added.text) == (
        record.review_id,
        SOFIA,
        LATER,
        FINDING,
    )


def test_notes_read_back_oldest_first(archive_db: DecisionArchive, record: CaseRecord) -> None:
    archive_db.add_note(record.review_id, ELENA, note("second"), LATER + timedelta(hours=1))
    archive_db.add_note(record.review_id, SOFIA, note("first"), LATER)

    assert [n.text for n in archive_db.notes(record.review_id)] == ["first", "second"]


def test_a_note_leaves_the_archived_record_as_it_was(
    archive_db: DecisionArchive, record: CaseRecord
) -> None:
    archive_db.add_note(record.review_id, SOFIA, note(), LATER)

    assert archive_db.read(record.review_id) == record


def test_a_note_on_a_review_without_a_case_record_is_refused(archive_db: DecisionArchive) -> None:
    with pytest.raises(NoCaseRecord, match="no case record for review review-INC-nope"):
        archive_db.add_note("review-INC-nope", SOFIA, note(), LATER)

    assert archive_db.notes("review-INC-nope") == []


def test_the_same_idempotency_key_adds_one_note(
    archive_db: DecisionArchive, record: CaseRecord
) -> None:
    first = archive_db.add_note(record.review_id, SOFIA, note(), LATER, "form-key-123")

    again = archive_db.add_note(
        record.review_id, SOFIA, note(), LATER + timedelta(seconds=5), "form-key-123"
    )

    assert again == first
    assert archive_db.notes(record.review_id) == [first]


def test_another_authors_same_key_is_another_note(
    archive_db: DecisionArchive, record: CaseRecord
) -> None:
    archive_db.add_note(record.review_id, SOFIA, note(), LATER, "form-key-123")

    archive_db.add_note(
        record.review_id, ELENA, note("Agreed."), LATER + timedelta(minutes=1), "form-key-123"
    )

    assert [n.author for n in archive_db.notes(record.review_id)] == [SOFIA, ELENA]


def test_purging_a_record_takes_its_notes_with_it(
    archive_db: DecisionArchive, record: CaseRecord
) -> None:
    archive_db.add_note(record.review_id, SOFIA, note(), LATER)

    archive_db.delete([record.review_id])

    with archive_db.engine.connect() as db:
        left = db.execute(sa.select(sa.func.count()).select_from(record_notes)).scalar_one()
    assert left == 0


def test_the_note_text_is_not_in_the_database_file_in_clear(
    tmp_path: Path, shipped_policy: tuple[ReviewPolicy, object]
) -> None:
    archive = DecisionArchive(f"sqlite:///{tmp_path / 'archive.db'}", TEST_KEYS)
    written = decided_record(shipped_policy[0])
    archive.write(written, NOW)
    archive.add_note(written.review_id, SOFIA, note("Marker-9ZK the driver's reply"), LATER)
    archive.close()  # the last connection's close moves the WAL's pages into the file

    raw = b"".join(p.read_bytes() for p in tmp_path.glob("archive.db*"))

    assert b"sofia" in raw  # the author is a plaintext column: these are the note's bytes
    assert b"Marker-9ZK" not in raw


def test_a_note_does_not_decrypt_when_moved_to_another_note(
    archive_db: DecisionArchive, record: CaseRecord
) -> None:
    first = archive_db.add_note(record.review_id, SOFIA, note("first"), LATER)
    second = archive_db.add_note(record.review_id, SOFIA, note("second"), LATER)
    with archive_db.engine.begin() as db:
        sealed = db.execute(
            sa.select(record_notes.c.sealed_text).where(record_notes.c.note_id == first.id)
        ).scalar_one()
        db.execute(
            record_notes.update()
            .where(record_notes.c.note_id == second.id)
            .values(sealed_text=sealed)
        )

    with pytest.raises(KeyRingError, match="does not decrypt"):
        archive_db.notes(record.review_id)


# --- the API ------------------------------------------------------------------------------------


async def archived(web_services: WebServices) -> str:
    """A closed review's record in the archive (its workflow long gone); its notes' URL."""
    written = decided_record(web_services.policy, closed_at=NOW)
    web_services.archive.write(written, NOW)
    return f"/api/v1/reviews/{written.review_id}/record-notes"


async def test_qa_adds_a_note_and_gets_it_back(
    api: httpx.AsyncClient, web_services: WebServices
) -> None:
    url = await archived(web_services)
    token = await signed_in(api, "sofia")

    answer = await api.post(url, json={"text": FINDING}, headers={"X-CSRF-Token": token})

    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert body["author"] == {"id": "sofia", "role": "qa"} and body["text"] == FINDING
    assert set(body) == {"id", "review_id", "author", "at", "text"}
    review_id = url.split("/")[-2]
    assert [n.model_dump(mode="json") for n in web_services.archive.notes(review_id)] == [body]


async def test_a_lead_adds_a_note_with_a_bearer_token(
    api: httpx.AsyncClient, web_services: WebServices
) -> None:
    url = await archived(web_services)

    answer = await api.post(url, json={"text": "Reviewed with the team."}, headers=LUIS)

    assert answer.status_code == 201, answer.text
    assert answer.json()["author"] == {"id": "luis", "role": "lead"}


async def test_a_specialist_may_not_add_a_note_to_a_closed_review(
    api: httpx.AsyncClient, web_services: WebServices
) -> None:
    url = await archived(web_services)

    answer = await api.post(url, json={"text": FINDING}, headers=ANA)

    assert answer.status_code == 403
    assert answer.json()["error"] == "a specialist may not add notes to closed reviews"
    assert web_services.archive.notes(url.split("/")[-2]) == []


async def test_an_operator_may_not_add_a_note_to_a_closed_review(
    api: httpx.AsyncClient, web_services: WebServices
) -> None:
    url = await archived(web_services)
    token = await signed_in(api, "olga")

    answer = await api.post(url, json={"text": FINDING}, headers={"X-CSRF-Token": token})

    assert answer.status_code == 403
    assert answer.json()["error"] == "an operator may not add notes to closed reviews"


@pytest.mark.parametrize("text", ["", "   "])
async def test_an_empty_note_is_refused_naming_text(
    api: httpx.AsyncClient, web_services: WebServices, text: str
) -> None:
    url = await archived(web_services)

    answer = await api.post(url, json={"text": text}, headers=LUIS)

    assert answer.status_code == 422
    assert [e["field"] for e in answer.json()["errors"]] == ["text"]


async def test_a_note_longer_than_an_open_reviews_note_may_be_is_refused(
    api: httpx.AsyncClient, web_services: WebServices
) -> None:
    url = await archived(web_services)

    answer = await api.post(url, json={"text": "x" * 5001}, headers=LUIS)

    assert answer.status_code == 422
    assert [e["field"] for e in answer.json()["errors"]] == ["text"]
    assert "5000" in answer.json()["error"]


async def test_a_note_on_an_unknown_review_is_not_found(api: httpx.AsyncClient) -> None:
    answer = await api.post(
        "/api/v1/reviews/review-INC-nope/record-notes", json={"text": FINDING}, headers=LUIS
    )

    assert answer.status_code == 404
    assert "no case record for review review-INC-nope" in answer.json()["error"]


async def test_a_retry_with_the_same_idempotency_key_adds_no_second_note(
    api: httpx.AsyncClient, web_services: WebServices
) -> None:
    url = await archived(web_services)
    headers = {**LUIS, "Idempotency-Key": "retry-of-note-1"}
    first = await api.post(url, json={"text": FINDING}, headers=headers)

    again = await api.post(url, json={"text": FINDING}, headers=headers)

    assert again.status_code == 201 and again.json() == first.json()
    assert len(web_services.archive.notes(url.split("/")[-2])) == 1


async def test_adding_a_note_is_written_to_the_access_log(
    api: httpx.AsyncClient, web_services: WebServices
) -> None:
    url = await archived(web_services)
    added = (await api.post(url, json={"text": FINDING}, headers=LUIS)).json()

    log = await api.get(
        "/api/v1/access-log",
        params={"review_id": added["review_id"], "person_id": "luis"},
        headers=LUIS,
    )

    assert [(e["action"], e["channel"], e["detail"]) for e in log.json()["entries"]] == [
        ("add_record_note", "api", added["id"])
    ]


async def test_those_who_read_reports_list_the_notes(
    api: httpx.AsyncClient, web_services: WebServices
) -> None:
    url = await archived(web_services)
    added = (await api.post(url, json={"text": FINDING}, headers=LUIS)).json()

    answer = await api.get(url, headers=ANA)  # a specialist reads, though may not add

    assert answer.status_code == 200 and answer.json() == {"notes": [added]}


async def test_the_case_report_shows_the_note_in_its_annex(
    api: httpx.AsyncClient, web_services: WebServices
) -> None:
    url = await archived(web_services)
    await api.post(url, json={"text": FINDING}, headers=LUIS)

    report = await api.get(
        url.replace("/record-notes", "/report"), params={"lang": "en"}, headers=ANA
    )

    annex = report.text.split('<h2 id="s-annex">')[1]
    assert annex.startswith("Notes added after closing</h2>") and FINDING in annex


# --- the review page ----------------------------------------------------------------------------


def record_note_form(page: str, review_id: str) -> dict[str, str]:
    """The page's QA notes form as it stands: its fields and their values, the textarea's too."""
    found = re.search(
        rf'<form method="post" action="/reviews/{review_id}/record-notes">(.*?)</form>', page, re.S
    )
    assert found is not None, "the page has no QA notes form"
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', found[1]))
    for name, value in re.findall(
        r'<textarea name="([^"]+)"[^>]*>(.*?)</textarea>', found[1], re.S
    ):
        fields[name] = html.unescape(value)
    return fields


async def test_a_lead_sending_the_form_empty_gets_the_problem_next_to_the_note_in_spanish(
    api: httpx.AsyncClient, web_services: WebServices
) -> None:
    review = await closed(api)
    review_id = review["review_id"]
    await signed_in(api, "luis")  # es-MX
    form = record_note_form((await api.get(f"/reviews/{review_id}")).text, review_id)
    assert form["text"] == ""

    refused = await api.post(f"/reviews/{review_id}/record-notes", data=form)

    assert refused.status_code == 422
    field_error = re.search(
        r'id="record-note-text">.*?id="error-text">([^<]+)<', refused.text, re.S
    )
    assert field_error is not None and field_error[1] == "Nota: este campo es obligatorio"
    assert web_services.archive.notes(review_id) == []


async def test_qa_adds_a_note_from_the_review_page_and_sees_it_there(
    api: httpx.AsyncClient, web_services: WebServices
) -> None:
    review = await closed(api)
    review_id = review["review_id"]
    await signed_in(api, "sofia")  # en
    page = (await api.get(f"/reviews/{review_id}")).text
    assert "<h2>QA notes</h2>" in page and "No notes since the review closed." in page
    form = {**record_note_form(page, review_id), "text": FINDING}

    sent = await api.post(f"/reviews/{review_id}/record-notes", data=form)
    again = await api.post(f"/reviews/{review_id}/record-notes", data=form)  # a double click

    assert sent.status_code == again.status_code == 303
    shown = re.findall(
        r'<p class="record-note">(.*?)</p>', (await api.get(f"/reviews/{review_id}")).text, re.S
    )
    assert len(shown) == 1, shown
    assert (
        shown[0].startswith('<strong title="sofia">Sofía Castro</strong> (') and FINDING in shown[0]
    )


async def test_a_specialist_reads_the_qa_notes_but_gets_no_form(
    api: httpx.AsyncClient, web_services: WebServices
) -> None:
    review = await closed(api)
    review_id = review["review_id"]
    web_services.archive.add_note(review_id, SOFIA, note(), LATER)
    await signed_in(api, "ana")

    page = (await api.get(f"/reviews/{review_id}")).text

    assert "<h2>Notas de calidad</h2>" in page and FINDING in page
    assert f'action="/reviews/{review_id}/record-notes"' not in page


# --- the case report ----------------------------------------------------------------------------

RENDERER = CaseReportRenderer(load_guidelines())


def annex(record: CaseRecord, notes: list[RecordNote], fmt: str, locale: str) -> str:
    """The report's annex as written, from its heading to the footer."""
    if fmt == "html":
        document = RENDERER.html(record, locale, notes)
        return document.split('<h2 id="s-annex">')[1].split("<footer>")[0]
    document = RENDERER.markdown(record, locale, notes)
    return document.split("\n## ")[-1].split("\n---\n")[0]


@pytest.fixture
def noted(shipped_policy: tuple[ReviewPolicy, object]) -> tuple[CaseRecord, list[RecordNote]]:
    """A record and the note QA added to it two days after closing."""
    written = decided_record(shipped_policy[0])
    return written, [
        RecordNote(id="n1", review_id=written.review_id, author=SOFIA, at=LATER, text=FINDING)
    ]


@pytest.mark.parametrize("fmt", ["html", "md"])
def test_the_report_lists_notes_added_after_closing_in_an_annex(
    noted: tuple[CaseRecord, list[RecordNote]], fmt: str
) -> None:
    text = annex(*noted, fmt, "en")

    assert text.startswith("Notes added after closing")
    who = {"html": '<span class="id">sofia</span> (QA)', "md": "`sofia` (QA)"}[fmt]
    assert f"{who}, " in text and "27 Nov 2026, 06:00 Central Standard Time" in text
    assert FINDING in text


@pytest.mark.parametrize("fmt", ["html", "md"])
def test_the_annex_reads_in_the_readers_language(
    noted: tuple[CaseRecord, list[RecordNote]], fmt: str
) -> None:
    text = annex(*noted, fmt, "es-MX")

    assert text.startswith("Notas agregadas después del cierre")
    who = {"html": '<span class="id">sofia</span> (calidad)', "md": "`sofia` (calidad)"}[fmt]
    assert f"{who}, " in text and "27 nov 2026, 06:00 hora estándar central" in text
    assert FINDING in text  # what a person wrote stays as written


@pytest.mark.parametrize("fmt", ["html", "md"])
def test_a_report_without_notes_after_closing_has_no_annex(
    noted: tuple[CaseRecord, list[RecordNote]], fmt: str
) -> None:
    record, _ = noted
    document = RENDERER.html(record) if fmt == "html" else RENDERER.markdown(record)
    assert "Notes added after closing" not in document


def test_the_annex_escapes_what_the_note_says(
    noted: tuple[CaseRecord, list[RecordNote]],
) -> None:
    record, notes = noted
    hostile = [notes[0].model_copy(update={"text": '<img src=x onerror="alert(1)">'})]

    text = annex(record, hostile, "html", "en")

    assert "<img" not in text and "&lt;img src=x" in text
