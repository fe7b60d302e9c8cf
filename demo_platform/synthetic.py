"""Deterministic synthetic evidence: the same ids always give the same data.

Nothing here is real: names are absent, places are generic city areas, and every number is
derived from a hash of the incident or account id so demos and tests are repeatable.
"""

from __future__ import annotations

import hashlib
import random
from datetime import UTC, datetime, timedelta
from typing import Any

AREAS = [
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
    "Mission District",
    "SoMa",
]
PLATFORM_EPOCH = datetime(2026, 11, 1, tzinfo=UTC)


def _rng(*parts: str) -> random.Random:
    seed = hashlib.sha256("|".join(parts).encode()).digest()
    return random.Random(int.from_bytes(seed[:8], "big"))


def _trip_start(incident_id: str) -> datetime:
    rng = _rng("trip-start", incident_id)
    return PLATFORM_EPOCH + timedelta(days=rng.randint(0, 20), minutes=rng.randint(0, 1439))


def _is_driver(account_id: str) -> bool:
    return account_id.startswith("drv")


def trip_details(incident_id: str, account_id: str) -> dict[str, Any]:
    """The trip an incident happened on; the account under review is one of its parties."""
    rng = _rng("trip", incident_id)
    started = _trip_start(incident_id)
    minutes = rng.randint(8, 55)
    other = f"{'rdr' if _is_driver(account_id) else 'drv'}_{rng.randint(1000, 9999)}"
    driver, rider = (account_id, other) if _is_driver(account_id) else (other, account_id)
    return {
        "trip_id": f"trip_{hashlib.sha256(incident_id.encode()).hexdigest()[:10]}",
        "started_at": started.isoformat(),
        "ended_at": (started + timedelta(minutes=minutes)).isoformat(),
        "pickup_area": rng.choice(AREAS),
        "dropoff_area": rng.choice(AREAS),
        "distance_km": round(minutes * rng.uniform(0.3, 0.6), 1),
        "driver_account_id": driver,
        "rider_account_id": rider,
        "fare": f"MXN {rng.randint(60, 420)}.00",
    }


STATEMENT_LINES = [
    "The trip felt unsafe from the start and I asked to stop.",
    "I reported it from the app as soon as I got out of the car.",
    "The other person raised their voice several times during the trip.",
    "I do not agree with what was reported; the trip was normal on my side.",
    "There were two people with me who saw what happened.",
]


def incident_reports(incident_id: str) -> dict[str, Any]:
    """The original report and statements collected since."""
    rng = _rng("reports", incident_id)
    started = _trip_start(incident_id)
    count = rng.randint(1, 3)
    statements = [
        {
            "author_role": "reporter" if i == 0 else rng.choice(["reported_account", "witness"]),
            "submitted_at": (started + timedelta(hours=1 + i * 5)).isoformat(),
            "text": rng.choice(STATEMENT_LINES),
        }
        for i in range(count)
    ]
    return {"report_count": count, "statements": statements}


def account_history(account_id: str) -> dict[str, Any]:
    """Standing and confirmed violations: 0, 1 or 2 priors depending on the account id."""
    rng = _rng("history", account_id)
    priors = rng.choice([0, 0, 0, 1, 2])
    violations = [
        {
            "incident_id": f"INC-PAST-{rng.randint(100, 999)}",
            "category": rng.choice(["dangerous_driving", "threats_harassment", "fraud"]),
            "action": rng.choice(["warning", "education"]),
            "decided_at": (PLATFORM_EPOCH - timedelta(days=rng.randint(30, 500))).isoformat(),
        }
        for _ in range(priors)
    ]
    return {
        "account_id": account_id,
        "member_since": (PLATFORM_EPOCH - timedelta(days=rng.randint(60, 2500))).isoformat(),
        "completed_trips": rng.randint(12, 4800),
        "rating": round(rng.uniform(4.3, 4.99), 2),
        "prior_violations": violations,
    }


def telematics(incident_id: str) -> dict[str, Any]:
    """Speed and braking events recorded during the trip."""
    rng = _rng("telematics", incident_id)
    started = _trip_start(incident_id)
    events = []
    for i in range(rng.randint(0, 4)):
        limit = rng.choice([40, 50, 60, 80])
        events.append(
            {
                "at": (started + timedelta(minutes=3 + i * 4)).isoformat(),
                "kind": rng.choice(["speeding", "hard_brake", "rapid_acceleration"]),
                "value": float(limit + rng.randint(5, 70)),
                "unit": "km/h",
                "speed_limit_kmh": float(limit),
            }
        )
    return {
        "trip_id": trip_details(incident_id, "drv_0")["trip_id"],
        "max_speed_kmh": float(rng.randint(45, 125)),
        "hard_brakes": rng.randint(0, 6),
        "events": events,
    }


MESSAGE_LINES = [
    ("rider", "I'm at the main entrance."),
    ("driver", "On my way, 3 minutes."),
    ("rider", "Please slow down."),
    ("driver", "Traffic is bad, I am taking another route."),
    ("rider", "Can you stop here please?"),
]


def in_app_messages(incident_id: str) -> dict[str, Any]:
    """Messages the trip's parties exchanged in the app."""
    rng = _rng("messages", incident_id)
    started = _trip_start(incident_id)
    picked = rng.sample(MESSAGE_LINES, rng.randint(0, len(MESSAGE_LINES)))
    return {
        "messages": [
            {
                "at": (started - timedelta(minutes=5 - i)).isoformat(),
                "sender_role": role,
                "text": text,
            }
            for i, (role, text) in enumerate(picked)
        ]
    }
