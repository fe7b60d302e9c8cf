"""Deterministic synthetic evidence: the same ids always give the same data.

Nothing here is real: names are absent, places are generic city areas, and every number is
derived from a hash of the incident or account id so demos and tests are repeatable.

The sources agree with each other for one incident, as real systems recording the same trip
would: telematics events happen during the trip and its top speed is at least every event's
speed, only events above their speed limit are speeding, the trip's average speed follows
from its distance and duration, statements come after the trip, in-app messages during it, and
an account's confirmed violations fall between joining the platform and this incident.
"""

from __future__ import annotations

import hashlib
import math
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

AREAS_BY_CITY: dict[str, tuple[str, ...]] = {
    "mexico-city": (
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
    "san-francisco": ("Mission District", "SoMa", "Noe Valley", "Nob Hill", "Marina"),
}
AREAS = [area for areas in AREAS_BY_CITY.values() for area in areas]
"""Every area a trip can start or end in, all cities together."""

PLATFORM_EPOCH = datetime(2026, 11, 1, tzinfo=UTC)
"""Trips happen in the three weeks from here; account history lies before it."""

# How each city prices a trip: currency, base fare, per km, per minute, minimum fare.
FARES: dict[str, tuple[str, float, float, float, float]] = {
    "mexico-city": ("MXN", 30.0, 6.5, 2.0, 60.0),
    "san-francisco": ("USD", 2.5, 1.2, 0.35, 7.0),
}

SPEED_LIMITS_KMH = (40, 50, 60, 80)
"""Speed limits on the roads trips use; the highest is the fastest legal speed."""

SPEEDING = "speeding"
EVENT_KINDS = (SPEEDING, "hard_brake", "rapid_acceleration")


def _rng(*parts: str) -> random.Random:
    seed = hashlib.sha256("|".join(parts).encode()).digest()
    return random.Random(int.from_bytes(seed[:8], "big"))


def _trip_start(incident_id: str) -> datetime:
    rng = _rng("trip-start", incident_id)
    return PLATFORM_EPOCH + timedelta(days=rng.randint(0, 20), minutes=rng.randint(0, 1439))


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


def _trip(incident_id: str) -> _Trip:
    # Its own stream, so trip details, telematics, reports and messages all see the same trip.
    rng = _rng("trip-shape", incident_id)
    started = _trip_start(incident_id)
    minutes = rng.randint(8, 55)
    # City traffic: 15 to 42 km/h on average, below the lowest top speed telematics records.
    distance = round(minutes * rng.uniform(0.25, 0.7), 1)
    return _Trip(started, started + timedelta(minutes=minutes), distance)


def _is_driver(account_id: str) -> bool:
    return account_id.startswith("drv")


def _fare(city: str, trip: _Trip) -> str:
    currency, base, per_km, per_minute, minimum = FARES[city]
    amount = max(minimum, base + per_km * trip.distance_km + per_minute * trip.seconds / 60)
    return f"{currency} {amount:.2f}"


def trip_details(incident_id: str, account_id: str) -> dict[str, Any]:
    """The trip an incident happened on; the account under review is one of its parties."""
    rng = _rng("trip", incident_id)
    trip = _trip(incident_id)
    other = f"{'rdr' if _is_driver(account_id) else 'drv'}_{rng.randint(1000, 9999)}"
    driver, rider = (account_id, other) if _is_driver(account_id) else (other, account_id)
    # Most demo trips are in Mexico City; both ends of a trip are in the same city.
    city = rng.choices(list(AREAS_BY_CITY), weights=[5, 1])[0]
    pickup, dropoff = rng.sample(AREAS_BY_CITY[city], 2)
    return {
        "trip_id": f"trip_{hashlib.sha256(incident_id.encode()).hexdigest()[:10]}",
        "started_at": trip.started.isoformat(),
        "ended_at": trip.ended.isoformat(),
        "pickup_area": pickup,
        "dropoff_area": dropoff,
        "distance_km": trip.distance_km,
        "driver_account_id": driver,
        "rider_account_id": rider,
        "fare": _fare(city, trip),
    }


# Each role says what that role would say: a reported account does not claim to have reported.
REPORTER_LINES = [
    "The trip felt unsafe from the start and I asked to stop.",
    "I reported it from the app as soon as the trip ended.",
    "The other person raised their voice several times during the trip.",
    "There were two people with me who saw what happened.",
]
REPORTED_ACCOUNT_LINES = [
    "I do not agree with what was reported; the trip was normal on my side.",
    "I remember the trip, and nothing unusual happened on my side.",
]
WITNESS_LINES = [
    "I was in the car and saw the argument.",
    "I was with them and heard the other person shouting.",
]
STATEMENT_LINES = REPORTER_LINES + REPORTED_ACCOUNT_LINES + WITNESS_LINES
"""Every statement text, all roles together."""


def incident_reports(incident_id: str) -> dict[str, Any]:
    """The original report and statements collected since, in the order they came in.

    The first statement is the report itself, sent shortly after the trip ended; each later
    one comes hours after the one before. ``report_count`` counts the reporters' statements.
    """
    rng = _rng("reports", incident_id)
    trip = _trip(incident_id)
    count = rng.randint(1, 3)
    roles = ["reporter"]
    for _ in range(count - 1):
        # Later statements come from a second reporter, a witness, or the reported account,
        # which answers once.
        choices = ["reporter", "witness"]
        if "reported_account" not in roles:
            choices += ["reported_account", "reported_account"]
        roles.append(rng.choice(choices))
    pools = {
        "reporter": rng.sample(REPORTER_LINES, len(REPORTER_LINES)),
        "reported_account": rng.sample(REPORTED_ACCOUNT_LINES, len(REPORTED_ACCOUNT_LINES)),
        "witness": rng.sample(WITNESS_LINES, len(WITNESS_LINES)),
    }
    submitted = trip.ended + timedelta(minutes=rng.randint(2, 45))
    statements = []
    for role in roles:
        statements.append(
            {"author_role": role, "submitted_at": submitted.isoformat(), "text": pools[role].pop()}
        )
        submitted += timedelta(hours=rng.randint(1, 12), minutes=rng.randint(0, 59))
    return {"report_count": roles.count("reporter"), "statements": statements}


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
        "trip_id": trip_details(incident_id, "drv_0")["trip_id"],
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


# Lines that make sense at any point of the ride, in any order.
MESSAGE_LINES = [
    ("driver", "Traffic is bad, I am taking another route."),
    ("rider", "Can you stop here please?"),
    ("rider", "Why are we going this way?"),
    ("rider", "Please turn the music down."),
]
SLOW_DOWN = ("rider", "Please slow down.")
"""Sent only on trips with a speeding event, shortly after it."""


def in_app_messages(incident_id: str) -> dict[str, Any]:
    """Messages the trip's parties exchanged in the app during the trip, in time order."""
    rng = _rng("messages", incident_id)
    trip = _trip(incident_id)
    speeding = [e for e in _events(incident_id, trip) if e.kind == SPEEDING]
    lines = MESSAGE_LINES + ([SLOW_DOWN] if speeding else [])
    picked = rng.sample(lines, rng.randint(0, len(lines)))
    plain = [line for line in picked if line != SLOW_DOWN]
    # Half a minute from either end of the trip, so every message is sent during it.
    times = sorted(rng.sample(range(30, trip.seconds - 30), len(plain)))
    messages = [
        (trip.started + timedelta(seconds=t), role, text)
        for t, (role, text) in zip(times, plain, strict=True)
    ]
    if SLOW_DOWN in picked:
        # Shortly after the car sped; events end a minute before the trip, so still during it.
        at = rng.choice(speeding).at + timedelta(seconds=rng.randint(10, 50))
        messages.append((at, *SLOW_DOWN))
    messages.sort()
    return {
        "messages": [
            {"at": at.isoformat(), "sender_role": role, "text": text} for at, role, text in messages
        ]
    }
