"""QA audits in the archive's database: each closed review's sampling draw, the QA queue, the
scores, and the feedback specialists read and acknowledge.

Draws are made from the decision facts with review/qa_sampling.py's rules and kept with the
policy version that made them, so a review drawn once stays drawn (or not) when the rules
change later, and the sample's rate can be reported as it was drawn. A score's comment is
sealed with the payload key ring, bound to the review id; the rest is plaintext for metrics.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from decision_archive.store import (
    DecisionArchive,
    _utc,
    decision_facts,
    qa_samples,
    qa_scores,
)
from review.models import EnforcementAction, IncidentCategory, StrictModel
from review.qa_audit import QaErrorType, QaScore, QaScoreBody, opens_correction, refuse_audit
from review.qa_sampling import (
    AuditCandidate,
    QaSamplingPolicy,
    SampleDraw,
    SamplingReason,
    SamplingReport,
    count_draws,
    draw_for_audit,
)
from review.refusals import ReviewRuleError
from temporal_runtime.encryption import KeyRing

StartedOn = Callable[[str], date | None]
"""When a person started, from the people directory (None: unknown)."""


class AuditItem(StrictModel):
    """A sampled decision in the QA queue, or its audit."""

    review_id: str
    market: str
    category: IncidentCategory
    action: EnforcementAction
    recommended_action: EnforcementAction | None
    rule_id: str | None
    decided_by: str
    second_reviewer: str | None
    closed_at: datetime
    reasons: list[SamplingReason]
    rate: float
    policy_version: str
    sampled: bool
    score: QaScore | None = None


class NotAudited(LookupError):
    """The review has no decision facts: it is not closed, or not in this archive."""


def _binding(review_id: str) -> bytes:
    return f"{review_id}/qa".encode()


class QaBook:
    """QA draws, scores and feedback in the archive's database."""

    def __init__(self, engine: Engine, keys: KeyRing) -> None:
        self.engine = engine
        self.keys = keys

    @classmethod
    def of(cls, archive: DecisionArchive) -> QaBook:
        """The book in the archive's database, sealed with the archive's keys."""
        if archive.keys is None:
            raise ValueError("the QA book needs the archive's encryption keys")
        return cls(archive.engine, archive.keys)

    def draw_pending(self, policy: QaSamplingPolicy, started_on: StartedOn, now: datetime) -> int:
        """Draw every review closed in the policy's lookback and not drawn yet; how many were
        drawn now. Safe to run at once from two places: a review's first draw is kept."""
        f = decision_facts.c
        pending = (
            sa.select(
                f.review_id,
                f.decided_by,
                f.decided_at,
                f.action,
                f.deviated,
                f.second_reviewed,
            )
            .where(
                f.closed_at >= _utc(now - timedelta(days=policy.lookback_days)),
                ~sa.exists().where(qa_samples.c.review_id == f.review_id),
            )
            .order_by(f.closed_at)
        )
        drawn = 0
        with self.engine.connect() as db:
            rows = db.execute(pending).all()
        for chunk in range(0, len(rows), 500):
            batch = []
            for row in rows[chunk : chunk + 500]:
                draw = draw_for_audit(
                    AuditCandidate(
                        review_id=row.review_id,
                        decided_by=row.decided_by,
                        decided_at=_utc(row.decided_at),
                        action=EnforcementAction(row.action),
                        deviated=row.deviated,
                        second_reviewed=row.second_reviewed,
                        decider_started_on=started_on(row.decided_by),
                    ),
                    policy,
                )
                batch.append(_draw_row(draw, now))
            try:
                with self.engine.begin() as db:
                    db.execute(qa_samples.insert(), batch)
                drawn += len(batch)
            except IntegrityError:
                drawn += self._insert_each(batch)
        return drawn

    def _insert_each(self, batch: list[dict[str, object]]) -> int:
        """Insert the draws one by one, keeping any another process drew first."""
        inserted = 0
        for row in batch:
            try:
                with self.engine.begin() as db:
                    db.execute(qa_samples.insert().values(**row))
                inserted += 1
            except IntegrityError:
                pass
        return inserted

    def report(self, start: datetime | None = None, end: datetime | None = None) -> SamplingReport:
        """How much of what closed in [start, end) was sampled, overall and per rule (counted
        in SQL by the rules that applied, then per rule)."""
        f, s = decision_facts.c, qa_samples.c
        query = (
            sa.select(s.reasons, s.sampled, sa.func.count())
            .join(decision_facts, f.review_id == s.review_id)
            .group_by(s.reasons, s.sampled)
        )
        if start is not None:
            query = query.where(f.closed_at >= _utc(start))
        if end is not None:
            query = query.where(f.closed_at < _utc(end))
        with self.engine.connect() as db:
            groups = db.execute(query).all()
        return count_draws(
            ([SamplingReason(x) for x in reasons.split(",")], bool(sampled), int(n))
            for reasons, sampled, n in groups
        )

    def queue(self, auditor_id: str, limit: int = 200) -> list[AuditItem]:
        """Sampled decisions nobody has scored yet, oldest closed first, without those the
        auditor decided or second-reviewed."""
        f, s = decision_facts.c, qa_samples.c
        query = (
            self._items()
            .where(
                s.sampled.is_(True),
                qa_scores.c.review_id.is_(None),  # outer-joined: no score yet
                f.decided_by != auditor_id,
                sa.or_(f.second_reviewer.is_(None), f.second_reviewer != auditor_id),
            )
            .order_by(f.closed_at, f.review_id)
            .limit(limit)
        )
        return self._found(query)

    def item(self, review_id: str) -> AuditItem:
        """A closed review's draw and audit; NotAudited when it has no decision facts, or was
        not drawn yet."""
        found = self._found(self._items().where(decision_facts.c.review_id == review_id))
        if not found:
            raise NotAudited(review_id)
        return found[0]

    def feedback_for(self, person_id: str, limit: int = 200) -> list[AuditItem]:
        """Audits that disagreed with this person's decisions, unacknowledged first, newest
        first."""
        q = qa_scores.c
        query = (
            self._items()
            .where(q.decided_by == person_id, q.agrees.is_(False))
            .order_by(q.acknowledged_at.is_not(None), q.scored_at.desc())
            .limit(limit)
        )
        return self._found(query)

    def disagreements(self, limit: int = 200) -> list[AuditItem]:
        """Every audit that disagreed with a decision, newest first (for leads)."""
        q = qa_scores.c
        query = self._items().where(q.agrees.is_(False)).order_by(q.scored_at.desc()).limit(limit)
        return self._found(query)

    def score(
        self,
        review_id: str,
        auditor_id: str,
        body: QaScoreBody,
        now: datetime,
    ) -> tuple[QaScore, bool]:
        """Score a sampled decision; the score and whether this call stored it. The same
        auditor sending the same score again gets the first back; ReviewRuleError when it was
        not sampled, is the auditor's own work, or someone scored it already."""
        item = self.item(review_id)
        if item.score is not None:
            same = item.score.model_dump(include=set(QaScoreBody.model_fields))
            if item.score.auditor_id == auditor_id and same == body.model_dump():
                return item.score, False
            raise ReviewRuleError("conflict", "audited_already", auditor=item.score.auditor_id)
        refuse_audit(auditor_id, item.decided_by, item.second_reviewer, sampled=item.sampled)
        key_id, sealed = self.keys.encrypt(body.comment.encode(), bound_to=_binding(review_id))
        row = {
            "review_id": review_id,
            "auditor_id": auditor_id,
            "scored_at": _utc(now),
            "decided_by": item.decided_by,
            "action_correct": body.action_correct,
            "guidelines_correct": body.guidelines_correct,
            "rationale_adequate": body.rationale_adequate,
            "message_appropriate": body.message_appropriate,
            "error_type": str(body.error_type) if body.error_type else None,
            "agrees": body.agrees,
            "key_id": key_id,
            "sealed_comment": sealed,
            # Kept with the score, so a correction that cannot open now is opened later.
            "correction_state": "pending" if opens_correction(body, item.action) else None,
        }
        try:
            with self.engine.begin() as db:
                db.execute(qa_scores.insert().values(**row))
        except IntegrityError:
            # Scored a moment ago by another request: answer as if it came first.
            return self.score(review_id, auditor_id, body, now)
        scored = self.item(review_id).score
        assert scored is not None
        return scored, True

    def acknowledge(self, review_id: str, person_id: str, now: datetime) -> QaScore:
        """The specialist read the feedback on their decision; the first acknowledgement's time
        is kept. ReviewRuleError when there is no disagreement on a decision of theirs."""
        q = qa_scores.c
        with self.engine.begin() as db:
            found = db.execute(
                sa.select(q.review_id).where(
                    q.review_id == review_id, q.decided_by == person_id, q.agrees.is_(False)
                )
            ).first()
            if found is None:
                raise ReviewRuleError("conflict", "no_feedback", person=person_id)
            db.execute(
                qa_scores.update()
                .where(q.review_id == review_id, q.acknowledged_at.is_(None))
                .values(acknowledged_at=_utc(now))
            )
        score = self.item(review_id).score
        assert score is not None
        return score

    def pending_corrections(self) -> list[QaScore]:
        """Scores whose correction is still to be opened, oldest first."""
        q = qa_scores.c
        query = self._items().where(q.correction_state == "pending").order_by(q.scored_at)
        return [item.score for item in self._found(query) if item.score is not None]

    def set_correction(self, review_id: str, correction_id: str) -> None:
        """Record the appeal opened to correct the decision QA found wrong."""
        self._correction(review_id, correction_id=correction_id, correction_state="opened")

    def refuse_correction(self, review_id: str, why: str) -> None:
        """Record why the correction will not be opened (the decision was overturned, or no
        longer restricts the account)."""
        self._correction(review_id, correction_state="refused", correction_note=why[:200])

    def _correction(self, review_id: str, **values: str) -> None:
        with self.engine.begin() as db:
            db.execute(
                qa_scores.update()
                .where(
                    qa_scores.c.review_id == review_id, qa_scores.c.correction_state == "pending"
                )
                .values(**values)
            )

    def _items(self) -> sa.Select[tuple[object, ...]]:
        f, s = decision_facts.c, qa_samples.c
        return (
            sa.select(
                f.review_id,
                f.market,
                f.category,
                f.action,
                f.recommended_action,
                f.rule_id,
                f.decided_by,
                f.second_reviewer,
                f.closed_at,
                s.reasons,
                s.rate,
                s.draw,
                s.sampled,
                s.policy_version,
                *[c.label(f"score_{c.name}") for c in qa_scores.c],
            )
            .select_from(decision_facts)
            .join(qa_samples, s.review_id == f.review_id)
            .outerjoin(qa_scores, qa_scores.c.review_id == f.review_id)
        )

    def _found(self, query: sa.Select[tuple[object, ...]]) -> list[AuditItem]:
        with self.engine.connect() as db:
            rows = db.execute(query).mappings().all()
        return [self._item(row) for row in rows]

    def _item(self, row: sa.RowMapping) -> AuditItem:
        score = None
        if row["score_review_id"] is not None:
            comment = self.keys.decrypt(
                row["score_key_id"],
                row["score_sealed_comment"],
                bound_to=_binding(row["review_id"]),
            ).decode()
            score = QaScore(
                review_id=row["review_id"],
                auditor_id=row["score_auditor_id"],
                decided_by=row["score_decided_by"],
                scored_at=_utc(row["score_scored_at"]),
                action_correct=row["score_action_correct"],
                guidelines_correct=row["score_guidelines_correct"],
                rationale_adequate=row["score_rationale_adequate"],
                message_appropriate=row["score_message_appropriate"],
                error_type=QaErrorType(row["score_error_type"])
                if row["score_error_type"]
                else None,
                comment=comment,
                agrees_with_decision=row["score_agrees"],
                acknowledged_at=(
                    _utc(row["score_acknowledged_at"]) if row["score_acknowledged_at"] else None
                ),
                correction_id=row["score_correction_id"],
                correction_state=row["score_correction_state"],
                correction_note=row["score_correction_note"],
            )
        return AuditItem(
            review_id=row["review_id"],
            market=row["market"],
            category=IncidentCategory(row["category"]),
            action=EnforcementAction(row["action"]),
            recommended_action=(
                EnforcementAction(row["recommended_action"]) if row["recommended_action"] else None
            ),
            rule_id=row["rule_id"],
            decided_by=row["decided_by"],
            second_reviewer=row["second_reviewer"],
            closed_at=_utc(row["closed_at"]),
            reasons=[SamplingReason(x) for x in row["reasons"].split(",")],
            rate=row["rate"],
            policy_version=row["policy_version"],
            sampled=row["sampled"],
            score=score,
        )


def _draw_row(draw: SampleDraw, now: datetime) -> dict[str, object]:
    return {
        "review_id": draw.review_id,
        "policy_version": draw.policy_version,
        "rate": draw.rate,
        "reasons": ",".join(draw.reasons),
        "draw": draw.draw,
        "sampled": draw.sampled,
        "drawn_at": _utc(now),
    }
