"""The review page shows evidence as cards people read, in their language, and puts the
recommendation and the decision form above the fold.

Demo reviews read their evidence from the demo platform over HTTP; each test picks an incident
(and account) whose synthetic evidence has what the test looks at, then checks the page against
the evidence the review itself holds.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import TypeVar

import httpx
import pytest
from playwright.async_api import Browser, expect

from demo_platform import synthetic
from review.models import (
    AccountHistory,
    EvidenceSource,
    InAppMessages,
    IncidentReports,
    ReviewState,
    ReviewStatus,
    Telematics,
    TripDetails,
)
from tests.conftest import SCREENSHOTS, review_request, sign_in
from tests.review_steps import wait_for_status
from tests.test_web_pages import signed_in, started
from webapp.services import WebServices

# --- reading the page ---------------------------------------------------------------------------

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


@dataclass
class Node:
    """An element of the page: enough of a DOM to find cards and read their text."""

    tag: str
    attrs: dict[str, str]
    children: list[Node | str] = field(default_factory=list)

    def text(self) -> str:
        """The element's text as a person reads it, whitespace collapsed."""
        parts = [c if isinstance(c, str) else c.text() for c in self.children]
        return re.sub(r"\s+", " ", " ".join(parts)).strip()

    def has_class(self, name: str) -> bool:
        return name in self.attrs.get("class", "").split()

    def all(self, tag: str | None = None, cls: str | None = None, **attrs: str) -> list[Node]:
        """Descendants with ``tag``, class ``cls`` and attributes ``attrs`` (``data_source``
        for ``data-source``), in document order."""
        found = []
        for child in self.children:
            if isinstance(child, str):
                continue
            wanted = attrs.items()
            if (
                (tag is None or child.tag == tag)
                and (cls is None or child.has_class(cls))
                and all(child.attrs.get(k.replace("_", "-")) == v for k, v in wanted)
            ):
                found.append(child)
            found.extend(child.all(tag, cls, **attrs))
        return found

    def one(self, tag: str | None = None, cls: str | None = None, **attrs: str) -> Node:
        found = self.all(tag, cls, **attrs)
        assert len(found) == 1, f"expected one {tag or ''}.{cls or ''} {attrs}, found {len(found)}"
        return found[0]


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {})
        self.open: list[Node] = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: v or "" for k, v in attrs})
        self.open[-1].children.append(node)
        if tag not in VOID:
            self.open.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.open[-1].children.append(Node(tag, {k: v or "" for k, v in attrs}))

    def handle_endtag(self, tag: str) -> None:
        for depth in range(len(self.open) - 1, 0, -1):
            if self.open[depth].tag == tag:
                del self.open[depth:]
                return

    def handle_data(self, data: str) -> None:
        self.open[-1].children.append(data)


def parsed(html: str) -> Node:
    builder = _TreeBuilder()
    builder.feed(html)
    builder.close()
    return builder.root


def card(page: Node, source: EvidenceSource) -> Node:
    """The evidence card of one source."""
    return page.one(id="evidence").one("details", data_source=str(source))


# --- demo reviews with the evidence a test needs -------------------------------------------------


def incident_where(wanted: Callable[[str], bool], suffix: str = "") -> str:
    """A fresh incident id whose synthetic evidence is as ``wanted``."""
    while True:
        incident = f"INC-{uuid.uuid4().hex[:10]}{suffix}"
        if wanted(incident):
            return incident


def account_where(wanted: Callable[[str], bool]) -> str:
    """A fresh driver account id whose synthetic history is as ``wanted``."""
    while True:
        account = f"drv_{uuid.uuid4().hex[:10]}"
        if wanted(account):
            return account


def eventful(incident: str) -> bool:
    """Speeding and at least one other event, two statements or more, a few messages."""
    kinds = [e["kind"] for e in synthetic.telematics(incident)["events"]]
    return (
        "speeding" in kinds
        and len(kinds) >= 3
        and len(synthetic.incident_reports(incident)["statements"]) >= 2
        and len(synthetic.in_app_messages(incident)["messages"]) >= 2
    )


def with_priors(account: str) -> bool:
    return len(synthetic.account_history(account)["prior_violations"]) >= 1


def without_priors(account: str) -> bool:
    return not synthetic.account_history(account)["prior_violations"]


async def demo_review(services: WebServices, incident: str, account: str) -> ReviewState:
    """Start a review of ``incident`` about ``account`` and wait for it to await a decision."""
    review = await services.reviews.start(
        review_request(incident_id=incident, account={"id": account})
    )
    return await wait_for_status(services.reviews, review.review_id, ReviewStatus.AWAITING_DECISION)


D = TypeVar("D")


def evidence_of(state: ReviewState, source: EvidenceSource, kind: type[D]) -> D:
    item = next(e for e in state.evidence if e.source is source)
    assert item.available and isinstance(item.data, kind), item
    return item.data


async def page_of(api: httpx.AsyncClient, review_id: str) -> Node:
    answer = await api.get(f"/reviews/{review_id}")
    assert answer.status_code == 200, answer.text
    return parsed(answer.text)


# --- cards --------------------------------------------------------------------------------------


async def test_the_trip_card_shows_route_times_distance_duration_and_fare(
    api: httpx.AsyncClient, web_services: WebServices
) -> None:
    await signed_in(api, "sofia")  # en
    state = await demo_review(web_services, incident_where(eventful), "drv_123")
    trip = evidence_of(state, EvidenceSource.TRIP_DETAILS, TripDetails)

    shown = card(await page_of(api, state.review_id), EvidenceSource.TRIP_DETAILS)

    assert shown.one("h3").text() == "Trip details"
    assert shown.one(cls="route").text() == f"{trip.pickup_area} → {trip.dropoff_area}"
    facts = dict(
        zip(
            [dt.text() for dt in shown.all("dt")],
            [dd.text() for dd in shown.all("dd")],
            strict=True,
        )
    )
    assert facts["Distance"] == f"{trip.distance_km:.1f} km"
    assert trip.ended_at is not None and trip.fare is not None
    minutes = round((trip.ended_at - trip.started_at).total_seconds() / 60)
    assert facts["Duration"] == f"{minutes} min"
    assert facts["Fare"] == trip.fare
    # Start and end as the market's clock reads them, UTC on hover.
    times = [t.attrs["datetime"] for t in shown.all("time")]
    assert trip.started_at.isoformat() in times and trip.ended_at.isoformat() in times
    assert "Central Standard Time" in facts["Started"]


async def test_the_telematics_card_charts_each_event_against_the_speed_limit(
    api: httpx.AsyncClient, web_services: WebServices
) -> None:
    await signed_in(api, "olga")  # en
    state = await demo_review(web_services, incident_where(eventful), "drv_123")
    telematics = evidence_of(state, EvidenceSource.TELEMATICS, Telematics)

    shown = card(await page_of(api, state.review_id), EvidenceSource.TELEMATICS)

    assert shown.one("h3").text() == "Telematics"
    chart = shown.one("svg")
    assert chart.all("path", cls="limit-line"), "no speed limit line"
    markers = chart.all("g", cls="event-marker")
    assert [m.attrs["data-kind"] for m in markers] == [e.kind for e in telematics.events]
    assert "km/h" in [t.text() for t in chart.all("text", cls="axis-label")]
    assert "minutes since the trip started" in chart.text()
    # Every event is listed too, in words, with its speed against the limit.
    listed = shown.one("ol", cls="events").all("li")
    assert len(listed) == len(telematics.events)
    speeding = next(e for e in telematics.events if e.kind == "speeding")
    row = listed[telematics.events.index(speeding)].text()
    assert row.startswith(f"{telematics.events.index(speeding) + 1} Speeding")
    assert f"{speeding.value:g} km/h" in row
    assert f"Speed limit {speeding.speed_limit_kmh:g} km/h" in row and "over the limit" in row
    assert f"Top speed {telematics.max_speed_kmh:g} km/h" in shown.text()


async def test_statements_and_in_app_messages_read_as_a_conversation_in_order(
    api: httpx.AsyncClient, web_services: WebServices
) -> None:
    await signed_in(api, "sofia")  # en
    state = await demo_review(web_services, incident_where(eventful), "drv_123")
    reports = evidence_of(state, EvidenceSource.INCIDENT_REPORTS, IncidentReports)
    messages = evidence_of(state, EvidenceSource.IN_APP_MESSAGES, InAppMessages)
    page = await page_of(api, state.review_id)

    roles = {
        "reporter": "Reporter",
        "witness": "Witness",
        "reported_account": "Account under review",
    }
    statements = card(page, EvidenceSource.INCIDENT_REPORTS).one("ol", cls="conversation")
    turns = statements.all("li", cls="turn")
    in_order = sorted(reports.statements, key=lambda s: s.submitted_at)
    assert [t.one("p", cls="text").text() for t in turns] == [s.text for s in in_order]
    assert [t.one("strong").text() for t in turns] == [roles[s.author_role] for s in in_order]
    assert [t.one("time").attrs["datetime"] for t in turns] == [
        s.submitted_at.isoformat() for s in in_order
    ]

    chat = card(page, EvidenceSource.IN_APP_MESSAGES).one("ol", cls="conversation")
    turns = chat.all("li", cls="turn")
    assert [t.one("p", cls="text").text() for t in turns] == [m.text for m in messages.messages]
    assert [t.one("strong").text() for t in turns] == [
        m.sender_role.capitalize() for m in messages.messages
    ]
    # The account under review (a driver here) speaks from its own side.
    assert [t.has_class("subject") for t in turns] == [
        m.sender_role == "driver" for m in messages.messages
    ]


async def test_account_history_lists_the_prior_violations(
    api: httpx.AsyncClient, web_services: WebServices
) -> None:
    await signed_in(api, "sofia")  # en
    state = await demo_review(web_services, incident_where(eventful), account_where(with_priors))
    history = evidence_of(state, EvidenceSource.ACCOUNT_HISTORY, AccountHistory)

    shown = card(await page_of(api, state.review_id), EvidenceSource.ACCOUNT_HISTORY)

    priors = shown.one("ul", cls="priors").all("li", cls="prior")
    newest_first = sorted(history.prior_violations, key=lambda p: p.decided_at, reverse=True)
    categories = {
        "dangerous_driving": "Dangerous driving",
        "threats_harassment": "Threats or harassment",
        "fraud": "Fraud",
    }
    actions = {"warning": "Warning", "education": "Education"}
    assert state.recommendation is not None
    strikes = {strike.incident_id: strike for strike in state.recommendation.strikes}
    strike_words = {"active": "A strike: counts until", "expired": "No longer counts: expired"}
    for li, prior in zip(priors, newest_first, strict=True):
        assert li.text().startswith(f"{categories[prior.category]} · {actions[prior.action]}")
        decided, expires = li.all("time")
        assert decided.attrs["datetime"] == prior.decided_at.isoformat()
        assert prior.incident_id in li.text()
        strike = strikes[prior.incident_id]
        said = li.one("span", cls=f"strike-{strike.state}").text()
        assert said.startswith(strike_words[strike.state])
        assert expires.attrs["datetime"] == strike.expires_at.isoformat()
    assert not shown.all(cls="no-priors")


async def test_an_account_without_priors_says_so(
    api: httpx.AsyncClient, web_services: WebServices
) -> None:
    await signed_in(api, "olga")  # en
    state = await demo_review(web_services, incident_where(eventful), account_where(without_priors))

    shown = card(await page_of(api, state.review_id), EvidenceSource.ACCOUNT_HISTORY)

    assert shown.one(cls="no-priors").text() == "No prior violations."
    assert not shown.all("li", cls="prior")


@pytest.mark.parametrize("username", ["sofia", "marco"])
async def test_no_raw_json_is_left_in_the_evidence(
    api: httpx.AsyncClient, web_services: WebServices, username: str
) -> None:
    await signed_in(api, username)
    review_id = await started(web_services)

    evidence = (await page_of(api, review_id)).one(id="evidence")

    assert len(evidence.all("details", cls="evidence")) == len(EvidenceSource)
    assert '{"' not in evidence.text() and '":' not in evidence.text()
    assert not evidence.all("pre")


@pytest.mark.parametrize(
    ("username", "title", "reason", "badge"),
    [
        (
            "sofia",
            "Telematics",
            "the Telematics source answered with HTTP error 503.",
            "Unavailable",
        ),
        (
            "marco",
            "Telemetría",
            "la fuente «Telemetría» respondió con el error HTTP 503.",
            "No disponible",
        ),
    ],
)
async def test_an_unavailable_source_says_why_in_the_persons_language(
    api: httpx.AsyncClient,
    web_services: WebServices,
    username: str,
    title: str,
    reason: str,
    badge: str,
) -> None:
    await signed_in(api, username)
    incident = incident_where(lambda _: True, suffix="-outage-telematics")
    state = await demo_review(web_services, incident, "drv_123")
    item = next(e for e in state.evidence if e.source is EvidenceSource.TELEMATICS)
    assert not item.available and item.unavailable_reason

    shown = card(await page_of(api, state.review_id), EvidenceSource.TELEMATICS)

    assert shown.has_class("gap")
    assert shown.one("summary").text() == f"{title} {badge}"
    assert shown.one(cls="unavailable-reason").text().endswith(reason)
    assert item.unavailable_reason in shown.one(cls="technical").text()  # the detail, as it came
    assert not shown.all("svg")


async def test_the_cards_speak_spanish_to_a_spanish_speaker(
    api: httpx.AsyncClient, web_services: WebServices
) -> None:
    await signed_in(api, "marco")  # es-MX
    state = await demo_review(web_services, incident_where(eventful), account_where(with_priors))
    trip = evidence_of(state, EvidenceSource.TRIP_DETAILS, TripDetails)
    history = evidence_of(state, EvidenceSource.ACCOUNT_HISTORY, AccountHistory)
    page = await page_of(api, state.review_id)

    titles = {s: card(page, s).one("h3").text() for s in EvidenceSource}
    assert titles == {
        EvidenceSource.TRIP_DETAILS: "Detalles del viaje",
        EvidenceSource.INCIDENT_REPORTS: "Reportes y declaraciones",
        EvidenceSource.ACCOUNT_HISTORY: "Historial de la cuenta",
        EvidenceSource.TELEMATICS: "Telemetría",
        EvidenceSource.IN_APP_MESSAGES: "Mensajes en la app",
    }
    trip_card = card(page, EvidenceSource.TRIP_DETAILS)
    labels = [dt.text() for dt in trip_card.all("dt")]
    assert labels[:4] == ["Inicio", "Fin", "Distancia", "Duración"]
    assert "hora estándar central" in trip_card.text()
    assert trip_card.one(cls="route").text() == f"{trip.pickup_area} → {trip.dropoff_area}"

    telematics = card(page, EvidenceSource.TELEMATICS)
    assert "minutos desde el inicio del viaje" in telematics.one("svg").text()
    assert "Exceso de velocidad" in telematics.one("ol", cls="events").text()
    assert "Límite de velocidad" in telematics.text()

    speakers = card(page, EvidenceSource.INCIDENT_REPORTS).all("strong")
    assert speakers[0].text() == "Quien reporta"

    categories = {
        "dangerous_driving": "Manejo peligroso",
        "threats_harassment": "Amenazas o acoso",
        "fraud": "Fraude",
    }
    priors = card(page, EvidenceSource.ACCOUNT_HISTORY).all("li", cls="prior")
    assert len(priors) == len(history.prior_violations)
    newest = max(history.prior_violations, key=lambda p: p.decided_at)
    assert priors[0].text().startswith(categories[newest.category])


# --- above the fold, in a real browser ----------------------------------------------------------


async def test_the_recommendation_and_the_decision_form_are_above_the_fold(
    web_url: str, web_services: WebServices, browser: Browser
) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    state = await demo_review(web_services, incident_where(eventful), account_where(with_priors))
    page = await browser.new_page(viewport={"width": 1280, "height": 800})

    # Marco works in Spanish, the longer of the two languages; he claims the review.
    review_path = f"/reviews/{state.review_id}"
    await sign_in(page, web_url, "marco", review_path)
    await page.click("#claim")
    await page.wait_for_url(f"{web_url}{review_path}")
    await expect(page.locator("#submit-decision")).to_be_visible()
    await expect(page.locator("#evidence svg .event-marker")).to_have_count(
        len(evidence_of(state, EvidenceSource.TELEMATICS, Telematics).events)
    )

    await page.screenshot(path=str(SCREENSHOTS / "review_evidence.png"))
    await page.screenshot(path=str(SCREENSHOTS / "review_evidence_full.png"), full_page=True)

    for selector in ("#recommendation", "#recommendation .rec", "#submit-decision"):
        box = await page.locator(selector).bounding_box()
        assert box is not None, selector
        assert box["y"] + box["height"] <= 800, f"{selector} ends at {box['y'] + box['height']}"
    assert state.recommendation is not None
    await expect(page.locator("#recommendation")).to_contain_text(state.recommendation.rule_id)
    # The SLA header and the evidence beside the form start in the first screen too.
    for selector in (".review-head .sla", "#evidence"):
        box = await page.locator(selector).bounding_box()
        assert box is not None and box["y"] < 800, selector
