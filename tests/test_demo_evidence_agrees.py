"""The demo platform's evidence agrees with the incident it is about, so a specialist can trust
it: the trip is in the review's market and priced in its currency, the reporter was on it, it
ends shortly before the report with statements in between, and the statements describe that
kind of incident in their authors' languages.

Every property is checked for each demo review (its request in ``demo_reviews.jsonl``) and for
many incidents the platform invents from an id (it never sees other reviews' requests).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from demo_platform import synthetic, texts
from demo_platform.synthetic import Incident
from review.markets import load_markets
from review.models import (
    InAppMessages,
    IncidentCategory,
    IncidentReports,
    ReviewRequest,
    TripDetails,
)

DEMO_REQUESTS = [
    ReviewRequest.model_validate_json(line)
    for line in synthetic.DEMO_REVIEWS.read_text().splitlines()
    if line.strip()
]
DEMO = [synthetic.incident(request.incident_id) for request in DEMO_REQUESTS]
INVENTED = [synthetic.incident(f"INC-GEN-{n}") for n in range(300)]
INCIDENTS = DEMO + INVENTED
MARKET_OF_AREA = {area: slug for slug, m in synthetic.MARKETS.items() for area in m.areas}


def trip_of(found: Incident) -> TripDetails:
    """The trip, asked about the account under review (as the review asks)."""
    return TripDetails.model_validate(synthetic.trip_details(found.incident_id, found.account.id))


def reports_of(found: Incident) -> IncidentReports:
    return IncidentReports.model_validate(synthetic.incident_reports(found.incident_id))


def messages_of(found: Incident) -> InAppMessages:
    return InAppMessages.model_validate(synthetic.in_app_messages(found.incident_id))


def ended(trip: TripDetails) -> datetime:
    assert trip.ended_at is not None
    return trip.ended_at


# --- what the platform knows ---------------------------------------------------------------------


def test_every_configured_market_has_its_places_currency_and_time_zone() -> None:
    configured = load_markets().root
    assert set(synthetic.MARKETS) == set(configured)
    for slug, market in synthetic.MARKETS.items():
        assert market.time_zone == configured[slug].time_zone, slug
        assert len(market.areas) >= 5, slug
        mexican = market.time_zone in (
            "America/Mexico_City",
            "America/Monterrey",
            "America/Tijuana",
        )
        assert market.currency == ("MXN" if mexican else "USD"), slug


def test_no_two_markets_share_a_place() -> None:
    areas = [area for market in synthetic.MARKETS.values() for area in market.areas]
    assert len(areas) == len(set(areas))


def test_a_demo_incident_is_its_review_request() -> None:
    for request, found in zip(DEMO_REQUESTS, DEMO, strict=True):
        assert found.account.model_dump() == request.account.model_dump(), request.incident_id
        assert found.category == request.category, request.incident_id
        assert found.reported_at == request.reported_at, request.incident_id
        reporter = request.reporter.model_dump() if request.reporter else None
        assert (found.reporter.model_dump() if found.reporter else None) == reporter


def test_every_category_has_statements_for_each_role_in_each_language() -> None:
    assert set(texts.STATEMENTS) == {str(c) for c in IncidentCategory}
    for category, lines in texts.STATEMENTS.items():
        for language in texts.LANGUAGES:
            # Up to three reporter statements, two witnesses and one answer per incident.
            assert len(set(lines.reporter[language])) >= 3, (category, language)
            assert len(set(lines.witness[language])) >= 2, (category, language)
            assert lines.reported_account[language], (category, language)


def test_each_demo_review_is_against_whom_its_category_is_reported() -> None:
    for found in DEMO:
        assert found.account.role == texts.STATEMENTS[found.category].reviewed_role, found


# --- the trip -----------------------------------------------------------------------------------


def test_the_trip_is_between_two_places_of_the_review_market() -> None:
    for found in INCIDENTS:
        trip = trip_of(found)
        places = synthetic.MARKETS[found.account.market].areas
        assert trip.pickup_area in places, (found.incident_id, trip.pickup_area)
        assert trip.dropoff_area in places, (found.incident_id, trip.dropoff_area)
        assert trip.pickup_area != trip.dropoff_area, found.incident_id


def test_the_fare_is_in_the_review_market_currency() -> None:
    for found in INCIDENTS:
        fare = trip_of(found).fare
        assert fare is not None
        assert fare.split()[0] == synthetic.MARKETS[found.account.market].currency, fare


def test_a_rider_reporter_is_the_trip_rider_and_a_driver_reporter_its_driver() -> None:
    reported_by_someone_on_the_trip = 0
    for found in INCIDENTS:
        trip = trip_of(found)
        if found.reporter is None or found.reporter.role not in ("rider", "driver"):
            continue
        reported_by_someone_on_the_trip += 1
        on_trip = (
            trip.rider_account_id if found.reporter.role == "rider" else trip.driver_account_id
        )
        assert on_trip == found.reporter.id, found.incident_id
    assert reported_by_someone_on_the_trip > len(INCIDENTS) // 2


def test_the_account_under_review_is_the_other_party_on_the_trip() -> None:
    for found in INCIDENTS:
        trip = trip_of(found)
        parties = {"driver": trip.driver_account_id, "rider": trip.rider_account_id}
        assert parties[found.account.role] == found.account.id, found.incident_id
        assert trip.driver_account_id != trip.rider_account_id, found.incident_id


def test_the_trip_ends_shortly_before_the_report() -> None:
    for found in INCIDENTS:
        trip = trip_of(found)
        assert ended(trip) < found.reported_at, found.incident_id
        assert found.reported_at - trip.started_at <= timedelta(hours=3), found.incident_id


def test_the_trip_and_its_statements_are_on_the_report_day_in_the_market() -> None:
    for found in INCIDENTS:
        zone = ZoneInfo(synthetic.MARKETS[found.account.market].time_zone)
        day = found.reported_at.astimezone(zone).date()
        trip = trip_of(found)
        times = [trip.started_at, *(s.submitted_at for s in reports_of(found).statements)]
        assert {at.astimezone(zone).date() for at in times} == {day}, found.incident_id


# --- statements and messages --------------------------------------------------------------------


def test_statements_come_after_the_trip_and_by_the_report() -> None:
    for found in INCIDENTS:
        trip = trip_of(found)
        for statement in reports_of(found).statements:
            assert ended(trip) <= statement.submitted_at <= found.reported_at, found.incident_id


def test_in_app_messages_are_sent_during_the_trip_before_the_report() -> None:
    for found in INCIDENTS:
        trip = trip_of(found)
        for message in messages_of(found).messages:
            assert trip.started_at <= message.at <= ended(trip) < found.reported_at, found


def every_line_of(category: str) -> set[str]:
    lines = texts.STATEMENTS[category]
    tables = [lines.reporter, lines.reported_account, lines.witness, lines.detected or {}]
    return {line for table in tables for language in table.values() for line in language}


def test_no_statement_is_told_of_two_categories() -> None:
    seen: dict[str, str] = {}
    for category in texts.STATEMENTS:
        for line in every_line_of(category):
            assert seen.setdefault(line, category) == category, line


def test_statements_describe_the_incident_category() -> None:
    for found in INCIDENTS:
        own = every_line_of(found.category) | {
            line for lines in texts.PLATFORM_NOTE.values() for line in lines
        }
        for statement in reports_of(found).statements:
            assert statement.text in own, (found.incident_id, found.category, statement.text)


def test_impaired_driving_statements_talk_about_drinking_or_drifting() -> None:
    # One category read as a specialist would: the QA walkthrough's 1002 had a witness
    # "heard the other person shouting" on a drunk-driving report.
    words = ("alcohol", "drink", "drift", "tomado", "tomar", "carril", "impaired", "efectos")
    for found in INCIDENTS:
        if found.category != "impaired_driving":
            continue
        for statement in reports_of(found).statements:
            assert any(w in statement.text.lower() for w in words), statement.text


def words(text: str) -> list[str]:
    return re.findall(r"[a-záéíóúñü]+", text.lower())


SPANISH = set(
    words(
        "el la los las que de del y por para un una mi se en con al lo le su muy pero nunca ya "
        "cuando hay otra otro"
    )
)
ENGLISH = set(
    words("the i to and was my of with they it in not on for is at you we are this but when there")
)


def language_of(text: str) -> str:
    """Spanish ("es") or English ("en"): whichever language's common words (and, for Spanish,
    accented letters and inverted marks) the text has more of."""
    found = words(text)
    spanish = sum(w in SPANISH for w in found) + sum(c in "áéíóúñ¿¡" for c in text.lower())
    return "es" if spanish > sum(w in ENGLISH for w in found) else "en"


def test_every_line_is_in_the_language_it_is_filed_under() -> None:
    for category, lines in texts.STATEMENTS.items():
        for table in (lines.reporter, lines.reported_account, lines.witness, lines.detected or {}):
            for language, written in table.items():
                for line in written:
                    assert language_of(line) == language, (category, line)
    for message in [*texts.MESSAGES, texts.SLOW_DOWN]:
        for language, line in message.text.items():
            assert language_of(line) == language, line


def language_for(locale: str | None, found: Incident) -> str:
    """What a person writes in: Spanish or English as they speak it, else the market's
    language (there are no synthetic lines in, say, Portuguese)."""
    spoken = (locale or "").split("-")[0]
    return spoken if spoken in ("es", "en") else synthetic.MARKETS[found.account.market].language


def test_each_statement_is_in_its_author_language() -> None:
    for found in INCIDENTS:
        market_language = synthetic.MARKETS[found.account.market].language
        # A person reporting writes in their language; the platform's own note in the market's.
        by_person = found.reporter is not None and found.reporter.role != "platform"
        reporter_language = (
            language_for(found.reporter.locale, found)
            if found.reporter is not None and by_person
            else market_language
        )
        expected = {
            "reporter": reporter_language,
            "reported_account": language_for(found.account.locale, found),
            "witness": market_language,
        }
        for statement in reports_of(found).statements:
            wanted = expected[statement.author_role]
            assert language_of(statement.text) == wanted, (found.incident_id, statement)


def test_spanish_speakers_write_their_statements_in_spanish() -> None:
    # The walkthrough's case in point: es-MX reporters on the demo reviews in Mexico.
    for found in DEMO:
        if found.reporter is not None and found.reporter.locale == "es-MX":
            statements = reports_of(found).statements
            reports = [s for s in statements if s.author_role == "reporter"]
            assert reports and all(language_of(s.text) == "es" for s in reports), found


def test_each_in_app_message_is_in_its_sender_language() -> None:
    for found in INCIDENTS:
        locales: dict[str, str | None] = {found.account.role: found.account.locale}
        if found.reporter is not None and found.reporter.role in ("rider", "driver"):
            locales[found.reporter.role] = found.reporter.locale
        for message in messages_of(found).messages:
            wanted = language_for(locales.get(message.sender_role), found)
            assert language_of(message.text) == wanted, (found.incident_id, message)


def test_invented_incidents_keep_their_variety() -> None:
    assert {f.account.market for f in INVENTED} == set(synthetic.MARKETS)
    assert {f.category for f in INVENTED} == set(texts.STATEMENTS)
    assert {f.reporter is None for f in INVENTED} == {True, False}
    assert {language_of(s.text) for f in INVENTED for s in reports_of(f).statements} == {
        "en",
        "es",
    }
