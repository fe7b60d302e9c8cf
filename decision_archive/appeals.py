"""The appeals book: every appeal as its workflow last wrote it, in the archive's database.

The appeals queue (soonest deadline first), the review's page ("appealed, overturned"), the
person's records and the strike count read it. Each write carries the appeal's version and
never replaces a newer one. The appeal itself (the person's statement, the decision's
rationale) is sealed with the payload key ring, bound to the appeal id.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from decision_archive.store import DecisionArchive, _utc, appeals, upsert_row
from review.appeals import AppealOrigin, AppealOutcome, AppealState, AppealStatus
from review.models import StrictModel
from temporal_runtime.encryption import KeyRing


class AppealSummary(StrictModel):
    """What the queue, the review's page and the records show of an appeal."""

    appeal_id: str
    review_id: str
    account_id: str
    market: str
    sequence: int
    version: int
    status: AppealStatus
    outcome: AppealOutcome | None
    new_information: bool
    received_at: datetime
    sla_deadline: datetime
    sla_state: str
    assignee_id: str | None
    decided_by: str | None
    decided_at: datetime | None
    closed_at: datetime | None
    origin: AppealOrigin = "person"


def sla_state(state: AppealState) -> str:
    """The appeal's clock in one word, as a review's: on_track, at_risk, breached, met, missed."""
    clock = state.sla
    if clock.met is not None:
        return "met" if clock.met else "missed"
    if clock.breached:
        return "breached"
    return "at_risk" if clock.at_risk else "on_track"


class AppealBook:
    """Appeals in the archive's database."""

    def __init__(self, engine: Engine, keys: KeyRing) -> None:
        self.engine = engine
        self.keys = keys

    @classmethod
    def of(cls, archive: DecisionArchive) -> AppealBook:
        """The book in the archive's database, sealed with the archive's keys."""
        if archive.keys is None:
            raise ValueError("the appeals book needs the archive's encryption keys")
        return cls(archive.engine, archive.keys)

    def publish(self, state: AppealState) -> bool:
        """Write the appeal unless its row holds this version or a newer one; whether it was
        written."""
        key_id, blob = self.keys.encrypt(
            state.model_dump_json().encode(), bound_to=_binding(state.appeal_id)
        )
        decision = state.decision
        row: dict[str, Any] = {
            "appeal_id": state.appeal_id,
            "review_id": state.review_id,
            "account_id": state.request.appealed.account.id,
            "market": state.request.appealed.account.market,
            "sequence": state.sequence,
            "version": state.version,
            "status": str(state.status),
            "outcome": decision.outcome if decision else None,
            "new_information": state.request.body.new_information,
            "received_at": state.received_at,
            "sla_deadline": state.sla.deadline,
            "sla_state": sla_state(state),
            "assignee_id": state.assignee.id if state.assignee else None,
            "decided_by": decision.reviewer.id if decision else None,
            "decided_at": decision.decided_at if decision else None,
            "closed_at": state.closed_at,
            "key_id": key_id,
            "sealed_view": blob,
            "origin": state.request.origin,
        }
        with self.engine.begin() as db:
            return upsert_row(db, appeals, row, appeals.c.version < sa.literal(state.version))

    def get(self, appeal_id: str) -> AppealState | None:
        """The appeal as its workflow last wrote it."""
        with self.engine.connect() as db:
            row = db.execute(
                sa.select(appeals.c.key_id, appeals.c.sealed_view).where(
                    appeals.c.appeal_id == appeal_id
                )
            ).first()
        if row is None:
            return None
        plain = self.keys.decrypt(row.key_id, row.sealed_view, bound_to=_binding(appeal_id))
        return AppealState.model_validate_json(plain)

    def of_review(self, review_id: str) -> list[AppealSummary]:
        """The review's appeals, first first."""
        return self._find(appeals.c.review_id == review_id, appeals.c.sequence.asc())

    def of_account(self, account_id: str) -> list[AppealSummary]:
        """The account's appeals, oldest first."""
        return self._find(appeals.c.account_id == account_id, appeals.c.received_at.asc())

    def queue(self, limit: int = 200) -> list[AppealSummary]:
        """Open appeals, soonest deadline first."""
        return self._find(
            appeals.c.status != str(AppealStatus.CLOSED), appeals.c.sla_deadline.asc(), limit
        )

    def _find(
        self,
        where: sa.ColumnElement[bool],
        order: sa.UnaryExpression[object],
        limit: int | None = None,
    ) -> list[AppealSummary]:
        columns: Sequence[sa.Column[Any]] = [
            c for c in appeals.c if c.name not in ("key_id", "sealed_view")
        ]
        query = sa.select(*columns).where(where).order_by(order, appeals.c.appeal_id).limit(limit)
        with self.engine.connect() as db:
            rows = db.execute(query).all()
        return [_summary(r._mapping) for r in rows]


def _summary(row: Any) -> AppealSummary:
    times = ("received_at", "sla_deadline", "decided_at", "closed_at")
    fields = {k: (_utc(v) if k in times and v is not None else v) for k, v in row.items()}
    return AppealSummary.model_validate(fields)


def _binding(appeal_id: str) -> bytes:
    """What a sealed appeal is bound to: its appeal, and being an appeal."""
    return b"appeal:" + appeal_id.encode()
