"""Deterministic synthetic evidence: the same ids always give the same data.

Nothing here is real: names are absent, places are generic city areas, and every number is
derived from a hash of the incident or account id so demos and tests are repeatable.

The evidence agrees with the incident it is about. For a demo review (one of
``demo_reviews.jsonl``) that is the review request itself: its market, category, reporter and
report time. The platform never sees any other review's request (the evidence contracts carry
only ids), so for any other incident id it invents a request from the id (``incident``) and
the evidence agrees with that one. Either way:

- the trip is in the incident's market: two of its areas, priced in its currency;
- the reporter is on the trip (a rider reporter is its rider, a driver reporter its driver) and
  the account under review is the other party;
- the trip ends shortly before the report (on the report's day in the market, when the report
  leaves room for a trip since midnight); statements come after the trip and by the report,
  in-app messages during the trip;
- statements describe that category of incident, each in its author's language.

The sources also agree with each other for one incident, as real systems recording the same
trip would: telematics events happen during the trip and its top speed is at least every
event's speed, only events above their speed limit are speeding, the trip's average speed
follows from its distance and duration, and an account's confirmed violations fall between
joining the platform and this incident.
"""

from __future__ import annotations

import hashlib
import math
import random
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from functools import cache, lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import AwareDatetime, BaseModel, ConfigDict

from demo_platform import texts
from demo_platform.texts import Language, Role


@dataclass(frozen=True)
class Market:
    """What trips in one market look like: where they go, what they cost, who is there."""

    time_zone: str
    """The market's IANA zone, as in ``policy/markets.toml``."""
    language: Language
    """What people there write in when their own language has no synthetic lines."""
    locales: tuple[str, ...]
    """Locales of the people invented incidents put there, repeated by how common each is."""
    areas: tuple[str, ...]
    """Neighbourhoods trips start and end in; no two markets share one."""
    currency: str
    base_fare: float
    per_km: float
    per_minute: float
    minimum_fare: float


_MX = ("es-MX", "es-MX", "es-MX", "es-MX", "en")
_US = ("en", "en", "en", "es-MX")

MARKETS: dict[str, Market] = {
    "mexico-city": Market(
        "America/Mexico_City",
        "es",
        _MX,
        (
            "Roma Norte",
            "Condesa",
            "Polanco",
            "Centro Histórico",
            "Coyoacán",
            "Del Valle",
            "Narvarte",
            "Santa Fe",
            "Juárez",
            "Escandón",
        ),
        "MXN",
        30.0,
        6.5,
        2.0,
        60.0,
    ),
    "guadalajara": Market(
        "America/Mexico_City",
        "es",
        _MX,
        (
            "Providencia",
            "Americana",
            "Chapalita",
            "Ciudad del Sol",
            "Jardines del Bosque",
            "Santa Tere",
            "Zapopan Centro",
        ),
        "MXN",
        28.0,
        6.0,
        1.8,
        55.0,
    ),
    "monterrey": Market(
        "America/Monterrey",
        "es",
        _MX,
        (
            "Barrio Antiguo",
            "Obispado",
            "Valle Oriente",
            "Cumbres",
            "Contry",
            "Mitras Centro",
            "San Jerónimo",
        ),
        "MXN",
        30.0,
        6.8,
        2.0,
        60.0,
    ),
    "tijuana": Market(
        "America/Tijuana",
        "es",
        _MX,
        ("Zona Río", "Playas de Tijuana", "Otay Centenario", "Hipódromo", "Zona Centro", "Cacho"),
        "MXN",
        32.0,
        7.0,
        1.9,
        60.0,
    ),
    "los-angeles": Market(
        "America/Los_Angeles",
        "en",
        _US,
        (
            "Echo Park",
            "Silver Lake",
            "Koreatown",
            "Downtown LA",
            "Hollywood",
            "Boyle Heights",
            "Venice",
        ),
        "USD",
        2.0,
        1.1,
        0.3,
        7.0,
    ),
    "san-francisco": Market(
        "America/Los_Angeles",
        "en",
        _US,
        ("Mission District", "SoMa", "Noe Valley", "Nob Hill", "Marina", "Hayes Valley"),
        "USD",
        2.5,
        1.2,
        0.35,
        7.0,
    ),
    "seattle": Market(
        "America/Los_Angeles",
        "en",
        _US,
        ("Capitol Hill", "Ballard", "Fremont", "Queen Anne", "Beacon Hill", "Columbia City"),
        "USD",
        2.7,
        1.3,
        0.4,
        7.5,
    ),
    "chicago": Market(
        "America/Chicago",
        "en",
        _US,
        ("Wicker Park", "Lincoln Park", "Pilsen", "Logan Square", "River North", "Hyde Park"),
        "USD",
        2.0,
        1.0,
        0.3,
        6.0,
    ),
    "new-york": Market(
        "America/New_York",
        "en",
        _US,
        ("Williamsburg", "Harlem", "Astoria", "Chelsea", "Upper West Side", "Park Slope"),
        "USD",
        3.0,
        1.5,
        0.5,
        10.0,
    ),
}
"""Every configured market (``policy/markets.toml``), by its slug."""

# Invented incidents are mostly in Mexico City, as the demo's own reviews are.
_INVENTED_MARKET_WEIGHTS = {slug: 4 if slug == "mexico-city" else 1 for slug in MARKETS}

PLATFORM_EPOCH = datetime(2026, 11, 1, tzinfo=UTC)
"""Invented incidents are reported in the three weeks from here; account history lies before
it."""

REPORT_WINDOW = timedelta(hours=3)
"""The longest time from the start of a trip to the report of it."""

SPEED_LIMITS_KMH = (40, 50, 60, 80)
"""Speed limits on the roads trips use; the highest is the fastest legal speed."""

SPEEDING = "speeding"
EVENT_KINDS = (SPEEDING, "hard_brake", "rapid_acceleration")

DEMO_REVIEWS = Path(__file__).with_name("demo_reviews.jsonl")

_PREFIX: dict[Role, str] = {"driver": "drv", "rider": "rdr"}


def _rng(*parts: str) -> random.Random:
    seed = hashlib.sha256("|".join(parts).encode()).digest()
    return random.Random(int.from_bytes(seed[:8], "big"))


def _opposite(role: Role) -> Role:
    return "rider" if role == "driver" else "driver"


def _is_driver(account_id: str) -> bool:
    return account_id.startswith("drv")


# --- the incident ------------------------------------------------------------------------------


class _Tolerant(BaseModel):
    # Read from the demo reviews file: only the fields the evidence needs, the rest ignored.
    model_config = ConfigDict(extra="ignore", frozen=True)


class Account(_Tolerant):
    """The account under review."""

    id: str
    role: Role
    locale: str
    market: str


class Reporter(_Tolerant):
    """Who reported the incident (``role`` rider, driver, third_party or platform)."""

    id: str
    role: str
    locale: str | None = None


class Incident(_Tolerant):
    """What the evidence has to agree with: a review request's facts about its incident."""

    incident_id: str
    account: Account
    category: str
    reported_at: AwareDatetime
    reporter: Reporter | None = None

    @property
    def market(self) -> Market:
        """The market the incident happened in."""
        return MARKETS[self.account.market]

    @property
    def trip_reporter(self) -> Reporter | None:
        """The reporter when they were the trip's other party (a rider reporting a driver or a
        driver reporting a rider), else None."""
        reporter = self.reporter
        if reporter is not None and reporter.role == _opposite(self.account.role):
            return reporter
        return None


@cache
def demo_incidents() -> dict[str, Incident]:
    """The demo reviews' incidents (``demo_reviews.jsonl``), by incident id."""
    lines = DEMO_REVIEWS.read_text(encoding="utf-8").splitlines()
    found = (Incident.model_validate_json(line) for line in lines if line.strip())
    return {incident.incident_id: incident for incident in found}


@lru_cache(maxsize=4096)
def incident(incident_id: str) -> Incident:
    """The incident the evidence of ``incident_id`` agrees with: the demo review's request for a
    demo incident, else one invented from the id."""
    return demo_incidents().get(incident_id) or _invented(incident_id)


def _invented(incident_id: str) -> Incident:
    rng = _rng("incident", incident_id)
    slug = rng.choices(list(_INVENTED_MARKET_WEIGHTS), list(_INVENTED_MARKET_WEIGHTS.values()))[0]
    market = MARKETS[slug]
    category = rng.choice(list(texts.STATEMENTS))
    lines = texts.STATEMENTS[category]
    reviewed = lines.reviewed_role
    account = Account(
        id=f"{_PREFIX[reviewed]}_{rng.randint(100, 9999)}",
        role=reviewed,
        locale=rng.choice(market.locales),
        market=slug,
    )
    other = _opposite(reviewed)
    # The platform's monitoring finds some incidents of the kinds it watches for (no person
    # reported them); the other party on the trip reports the rest.
    reporter = (
        None
        if lines.detected is not None and rng.random() < 0.5
        else Reporter(
            id=f"{_PREFIX[other]}_{rng.randint(10, 9999)}",
            role=other,
            locale=rng.choice(market.locales),
        )
    )
    zone = ZoneInfo(market.time_zone)
    day = (PLATFORM_EPOCH + timedelta(days=rng.randint(1, 21))).date()
    # Awake hours in the market, so the whole story fits in the report's local day.
    local = datetime.combine(day, time(rng.randint(7, 23), rng.randint(0, 59)), tzinfo=zone)
    return Incident(
        incident_id=incident_id,
        account=account,
        category=category,
        reported_at=local.astimezone(UTC),
        reporter=reporter,
    )


def writes_in(locale: str | None, market: Market) -> Language:
    """The language a person with ``locale`` writes statements and messages in: their own when
    there are synthetic lines in it, else the market's (a pt-BR driver in Mexico City writes to
    riders in Spanish)."""
    language = (locale or "").split("-")[0]
    for known in texts.LANGUAGES:
        if language == known:
            return known
    return market.language


def _locale_of(found: Incident, role: Role) -> str | None:
    """The locale of the trip's ``role`` party, when the request tells."""
    if role == found.account.role:
        return found.account.locale
    reporter = found.trip_reporter
    return reporter.locale if reporter is not None else None


# --- the trip ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Trip:
    """What every source agrees on about an incident's trip: when and how far."""

    started: datetime
    ended: datetime
    distance_km: float

    @property
    def seconds(self) -> int:
        return int((self.ended - self.started).total_seconds())

    @property
    def average_kmh(self) -> float:
        return self.distance_km / (self.seconds / 3600)


def _time_for_the_trip(found: Incident) -> timedelta:
    """How long before the report the trip may start: up to ``REPORT_WINDOW``, and no earlier
    than the report's local midnight when that leaves room for a trip and its statements."""
    local = found.reported_at.astimezone(ZoneInfo(found.market.time_zone))
    since_midnight = local - local.replace(hour=0, minute=0, second=0, microsecond=0)
    if since_midnight < timedelta(minutes=30):
        return REPORT_WINDOW  # too soon after midnight: the trip was the evening before
    return min(REPORT_WINDOW, since_midnight)


@lru_cache(maxsize=4096)
def _trip(incident_id: str) -> _Trip:
    # Its own stream, so trip details, telematics, reports and messages all see the same trip.
    found = incident(incident_id)
    rng = _rng("trip-shape", incident_id)
    available = int(_time_for_the_trip(found).total_seconds())
    # From the trip's start to the report; at least ten minutes of it after the trip ends.
    span = rng.randint(min(40 * 60, available), available)
    minutes = rng.randint(8, min(55, (span - 600) // 60))
    started = found.reported_at.astimezone(UTC) - timedelta(seconds=span)
    # City traffic: 15 to 42 km/h on average, below the lowest top speed telematics records.
    distance = round(minutes * rng.uniform(0.25, 0.7), 1)
    return _Trip(started, started + timedelta(minutes=minutes), distance)


def _trip_id(incident_id: str) -> str:
    return f"trip_{hashlib.sha256(incident_id.encode()).hexdigest()[:10]}"


def _fare(market: Market, trip: _Trip) -> str:
    amount = max(
        market.minimum_fare,
        market.base_fare + market.per_km * trip.distance_km + market.per_minute * trip.seconds / 60,
    )
    return f"{market.currency} {amount:.2f}"


def trip_details(incident_id: str, account_id: str) -> dict[str, Any]:
    """The trip an incident happened on, in its market; ``account_id`` is one of its parties,
    and the reporter, when they were on the trip, is the other."""
    found = incident(incident_id)
    rng = _rng("trip", incident_id)
    trip = _trip(incident_id)
    role: Role = (
        found.account.role
        if account_id == found.account.id
        else ("driver" if _is_driver(account_id) else "rider")
    )
    reporter = found.trip_reporter
    if reporter is not None and reporter.role == _opposite(role):
        other = reporter.id
    else:
        other = f"{_PREFIX[_opposite(role)]}_{_rng('other-party', incident_id).randint(1000, 9999)}"
    driver, rider = (account_id, other) if role == "driver" else (other, account_id)
    pickup, dropoff = rng.sample(found.market.areas, 2)
    return {
        "trip_id": _trip_id(incident_id),
        "started_at": trip.started.isoformat(),
        "ended_at": trip.ended.isoformat(),
        "pickup_area": pickup,
        "dropoff_area": dropoff,
        "distance_km": trip.distance_km,
        "driver_account_id": driver,
        "rider_account_id": rider,
        "fare": _fare(found.market, trip),
    }


# --- statements --------------------------------------------------------------------------------


def statement_lines(found: Incident, author_role: str) -> tuple[str, ...]:
    """Every text an author in ``author_role`` may write about ``found``, in their language."""
    lines = texts.STATEMENTS[found.category]
    market = found.market
    if author_role == "reported_account":
        return lines.reported_account[writes_in(found.account.locale, market)]
    if author_role == "witness":
        return lines.witness[market.language]
    reporter = found.reporter
    if found.trip_reporter is not None and reporter is not None:
        return lines.reporter[writes_in(reporter.locale, market)]
    if reporter is not None and reporter.role == "third_party":
        # Someone off the platform who saw it: they tell it as a witness would.
        return lines.witness[writes_in(reporter.locale, market)]
    return (lines.detected or texts.PLATFORM_NOTE)[market.language]


def _shuffled(rng: random.Random, lines: tuple[str, ...]) -> list[str]:
    return rng.sample(lines, len(lines))


def incident_reports(incident_id: str) -> dict[str, Any]:
    """The original report and statements collected since, in the order they came in.

    The first statement is the report itself, sent shortly after the trip ended; the later ones
    come in before the incident is reported for review. ``report_count`` counts the reporters'
    statements.
    """
    found = incident(incident_id)
    rng = _rng("reports", incident_id)
    trip = _trip(incident_id)
    by_person = found.trip_reporter is not None
    count = rng.randint(1, 3 if by_person else 2)
    roles = ["reporter"]
    for _ in range(count - 1):
        # Later statements come from a second reporter (a companion on the trip), a witness,
        # or the reported account, which answers once. A report no one on the trip made has
        # only the reported account's answer to follow it.
        choices = ["reporter", "witness"] if by_person else []
        if "reported_account" not in roles:
            choices += ["reported_account", "reported_account"]
        roles.append(rng.choice(choices))
    # The reporter's lines tell one story in order (the report, then follow-ups); the report
    # is one of the first two, so it reads on its own.
    told = statement_lines(found, "reporter")
    start = rng.randrange(min(2, len(told)))
    pools = {
        "reporter": list(reversed(told[start:] + told[:start])),
        "reported_account": _shuffled(rng, statement_lines(found, "reported_account")),
        "witness": _shuffled(rng, statement_lines(found, "witness")),
    }
    window = int((found.reported_at - trip.ended).total_seconds())
    first = rng.randint(60, min(20 * 60, window // 3))
    offsets = [first, *sorted(rng.randint(first + 60, window) for _ in roles[1:])]
    statements = [
        {
            "author_role": role,
            "submitted_at": (trip.ended + timedelta(seconds=offset)).isoformat(),
            "text": pools[role].pop(),
        }
        for role, offset in zip(roles, offsets, strict=True)
    ]
    return {"report_count": roles.count("reporter"), "statements": statements}


# --- account history and telematics ------------------------------------------------------------

HISTORY_CATEGORIES = {
    "driver": ["dangerous_driving", "threats_harassment", "fraud"],
    # A rider never drove, so a rider's priors are never about driving.
    "rider": ["threats_harassment", "fraud", "property_damage"],
}


def account_history(account_id: str) -> dict[str, Any]:
    """Standing and confirmed violations: 0, 1 or 2 priors depending on the account id.

    Priors are decided after the account joined and before any demo trip, oldest first, and
    the number of completed trips fits how long the account has been a member.
    """
    rng = _rng("history", account_id)
    # Drawn first, as it always was, so each account keeps its number of priors (and so the
    # recommendations tests and demos expect for their accounts).
    priors = rng.choice([0, 0, 0, 1, 2])
    member_days = rng.randint(60, 2500)
    driver = _is_driver(account_id)
    # A driver completes a few to a dozen trips a day; a rider one every few days.
    per_day = rng.uniform(2.0, 12.0) if driver else rng.uniform(0.1, 0.7)
    categories = HISTORY_CATEGORIES["driver" if driver else "rider"]
    # A violation needs a trip first and takes time to decide: two weeks after joining at the
    # earliest, and within the matrix's look-back window of the demo trips.
    days_ago = sorted(rng.sample(range(30, min(500, member_days - 14) + 1), priors), reverse=True)
    numbers = rng.sample(range(100, 1000), priors)
    violations = [
        {
            "incident_id": f"INC-PAST-{number}",
            "category": rng.choice(categories),
            "action": rng.choice(["warning", "education"]),
            "decided_at": (PLATFORM_EPOCH - timedelta(days=days)).isoformat(),
        }
        for number, days in zip(numbers, days_ago, strict=True)
    ]
    return {
        "account_id": account_id,
        "member_since": (PLATFORM_EPOCH - timedelta(days=member_days)).isoformat(),
        "completed_trips": max(12, round(member_days * per_day)),
        "rating": round(rng.uniform(4.3, 4.99), 2),
        "prior_violations": violations,
    }


@dataclass(frozen=True)
class _Event:
    at: datetime
    kind: str
    speed_kmh: int
    limit_kmh: int


def _events(incident_id: str, trip: _Trip) -> list[_Event]:
    rng = _rng("telematics", incident_id)
    # At least a minute from either end of the trip, so every event is inside it.
    offsets = sorted(rng.sample(range(60, trip.seconds - 60), rng.randint(0, 5)))
    events = []
    for offset in offsets:
        kind = rng.choice(EVENT_KINDS)
        limit = rng.choice(SPEED_LIMITS_KMH)
        # Speeding means above the limit; braking and accelerating are recorded within it.
        speed = limit + rng.randint(5, 50) if kind == SPEEDING else rng.randint(15, limit)
        events.append(_Event(trip.started + timedelta(seconds=offset), kind, speed, limit))
    return events


def telematics(incident_id: str) -> dict[str, Any]:
    """Speed and braking events recorded during the trip, in time order.

    The top speed is at least every event's speed and above the trip's average; it exceeds
    the highest speed limit only when a speeding event recorded it. ``hard_brakes`` counts the
    hard-brake events.
    """
    trip = _trip(incident_id)
    events = _events(incident_id, trip)
    rng = _rng("telematics-peak", incident_id)
    # The fastest moment within the limits: well above the average, at most the top limit.
    cruising = rng.randint(max(45, math.ceil(trip.average_kmh * 1.3)), max(SPEED_LIMITS_KMH))
    return {
        "trip_id": _trip_id(incident_id),
        "max_speed_kmh": float(max([cruising, *(e.speed_kmh for e in events)])),
        "hard_brakes": sum(e.kind == "hard_brake" for e in events),
        "events": [
            {
                "at": e.at.isoformat(),
                "kind": e.kind,
                "value": float(e.speed_kmh),
                "unit": "km/h",
                "speed_limit_kmh": float(e.limit_kmh),
            }
            for e in events
        ],
    }


# --- in-app messages ---------------------------------------------------------------------------


def message_text(found: Incident, message: texts.Message) -> str:
    """``message`` as its sender on ``found``'s trip writes it, in their language."""
    return message.text[writes_in(_locale_of(found, message.sender_role), found.market)]


def in_app_messages(incident_id: str) -> dict[str, Any]:
    """Messages the trip's parties exchanged in the app during the trip, in time order, each in
    its sender's language."""
    found = incident(incident_id)
    rng = _rng("messages", incident_id)
    trip = _trip(incident_id)
    speeding = [e for e in _events(incident_id, trip) if e.kind == SPEEDING]
    lines = list(texts.MESSAGES) + ([texts.SLOW_DOWN] if speeding else [])
    picked = rng.sample(lines, rng.randint(0, len(lines)))
    plain = [line for line in picked if line != texts.SLOW_DOWN]
    # Half a minute from either end of the trip, so every message is sent during it.
    times = sorted(rng.sample(range(30, trip.seconds - 30), len(plain)))
    messages = [
        (trip.started + timedelta(seconds=t), line) for t, line in zip(times, plain, strict=True)
    ]
    if texts.SLOW_DOWN in picked:
        # Shortly after the car sped; events end a minute before the trip, so still during it.
        at = rng.choice(speeding).at + timedelta(seconds=rng.randint(10, 50))
        messages.append((at, texts.SLOW_DOWN))
    messages.sort(key=lambda sent: sent[0])
    return {
        "messages": [
            {
                "at": at.isoformat(),
                "sender_role": line.sender_role,
                "text": message_text(found, line),
            }
            for at, line in messages
        ]
    }
