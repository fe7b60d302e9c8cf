"""Calibration rounds in the archive's database: a lead's golden set of closed reviews, the
specialists' blind answers, and the round's agreement (review/calibration.py counts it).

A round is made from closed reviews the archive holds; each case's golden answer is the action
the lead gives, or else the decision the review took. A specialist answers each case once, and
sees the case as it was put to its decider (the request, the evidence, the matrix
recommendation) under an id of the round's, never its review id, its decision, the golden
answer or anyone else's answer; nobody is asked a case they decided or second-reviewed.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime

import sqlalchemy as sa
from pydantic import Field
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from decision_archive.store import (
    DecisionArchive,
    _utc,
    calibration_answers,
    calibration_cases,
    calibration_rounds,
)
from review.calibration import (
    CalibrationAnswer,
    CalibrationAnswerBody,
    CalibrationCase,
    CalibrationReport,
    CalibrationRoundBody,
    calibration_report,
)
from review.case_record import EvidenceSummary
from review.models import (
    EnforcementAction,
    IncidentCategory,
    Recommendation,
    Severity,
    StrictModel,
)
from review.refusals import ReviewRuleError


class CalibrationRound(StrictModel):
    """A round as the leads see it."""

    round_id: str
    name: str
    created_by: str
    created_at: datetime
    raters: list[str]
    cases: list[CalibrationCase]
    answers: int = Field(description="Answers given so far, by everyone.")


class BlindCase(StrictModel):
    """A case as a specialist decides it in a round: what its decider had, not what they did,
    nor which review it was."""

    case_id: str
    category: IncidentCategory
    severity: Severity
    account_role: str
    market: str
    summary: str
    evidence: list[EvidenceSummary]
    recommendation: Recommendation | None
    answer: EnforcementAction | None = Field(description="This specialist's answer, if given.")


def case_key(round_id: str, review_id: str) -> str:
    """The id specialists see for a case: stable within the round, telling nothing of the
    review."""
    return hashlib.sha256(f"{round_id}/{review_id}".encode()).hexdigest()[:10]


class NoRound(LookupError):
    """No calibration round with this id."""


class CalibrationBook:
    """Calibration rounds, their cases and answers."""

    def __init__(self, archive: DecisionArchive) -> None:
        self.archive = archive
        self.engine: Engine = archive.engine

    def create(
        self, body: CalibrationRoundBody, lead_id: str, raters: list[str], now: datetime
    ) -> CalibrationRound:
        """A new round of closed reviews; ReviewRuleError naming the case that is not a closed
        review in the archive, or that is listed twice."""
        problems: list[ReviewRuleError] = []
        cases: list[CalibrationCase] = []
        seen: set[str] = set()
        for i, case in enumerate(body.cases):
            field = f"cases[{i}].review_id"
            if case.review_id in seen:
                problems.append(ReviewRuleError("invalid", "case_listed_twice", field))
                continue
            seen.add(case.review_id)
            record = self.archive.read(case.review_id)
            if record is None:
                problems.append(
                    ReviewRuleError("invalid", "no_closed_review", field, review=case.review_id)
                )
                continue
            second = record.second_review
            cases.append(
                CalibrationCase(
                    review_id=case.review_id,
                    case_id="",  # set once the round has its id
                    category=record.request.category,
                    golden_action=case.golden_action or record.decision.action,
                    took_part=sorted(
                        {record.decision.reviewer.id} | ({second.reviewer.id} if second else set())
                    ),
                )
            )
        if not raters:
            problems.append(ReviewRuleError("conflict", "no_raters"))
        if problems:
            raise ReviewRuleError.all_of(problems)
        round_id = uuid.uuid4().hex[:12]
        cases = [c.model_copy(update={"case_id": case_key(round_id, c.review_id)}) for c in cases]
        with self.engine.begin() as db:
            db.execute(
                calibration_rounds.insert().values(
                    round_id=round_id,
                    name=body.name,
                    created_by=lead_id,
                    created_at=_utc(now),
                    raters=",".join(sorted(raters)),
                )
            )
            db.execute(
                calibration_cases.insert(),
                [
                    {
                        "round_id": round_id,
                        "review_id": c.review_id,
                        "position": n,
                        "category": str(c.category),
                        "golden_action": str(c.golden_action),
                        "case_id": c.case_id,
                        "took_part": ",".join(c.took_part),
                    }
                    for n, c in enumerate(cases)
                ],
            )
        return self.get(round_id)

    def rounds(self, rater: str | None = None) -> list[CalibrationRound]:
        """Every round, newest first; with ``rater``, only those they are asked to answer."""
        with self.engine.connect() as db:
            ids = db.execute(
                sa.select(calibration_rounds.c.round_id, calibration_rounds.c.raters).order_by(
                    calibration_rounds.c.created_at.desc()
                )
            ).all()
        return [self.get(rid) for rid, raters in ids if rater is None or rater in raters.split(",")]

    def get(self, round_id: str) -> CalibrationRound:
        """One round; NoRound when there is none."""
        with self.engine.connect() as db:
            row = (
                db.execute(
                    sa.select(calibration_rounds).where(calibration_rounds.c.round_id == round_id)
                )
                .mappings()
                .first()
            )
            if row is None:
                raise NoRound(round_id)
            cases = (
                db.execute(
                    sa.select(calibration_cases)
                    .where(calibration_cases.c.round_id == round_id)
                    .order_by(calibration_cases.c.position)
                )
                .mappings()
                .all()
            )
            answers = db.execute(
                sa.select(sa.func.count())
                .select_from(calibration_answers)
                .where(calibration_answers.c.round_id == round_id)
            ).scalar_one()
        return CalibrationRound(
            round_id=round_id,
            name=row["name"],
            created_by=row["created_by"],
            created_at=_utc(row["created_at"]),
            raters=row["raters"].split(","),
            cases=[
                CalibrationCase(
                    review_id=c["review_id"],
                    case_id=c["case_id"],
                    category=IncidentCategory(c["category"]),
                    golden_action=EnforcementAction(c["golden_action"]),
                    took_part=[p for p in c["took_part"].split(",") if p],
                )
                for c in cases
            ],
            answers=int(answers),
        )

    def answers(self, round_id: str, person_id: str | None = None) -> list[CalibrationAnswer]:
        """The round's answers (one person's, with ``person_id``)."""
        a = calibration_answers.c
        query = sa.select(calibration_answers).where(a.round_id == round_id)
        if person_id is not None:
            query = query.where(a.person_id == person_id)
        with self.engine.connect() as db:
            rows = db.execute(query).mappings().all()
        return [
            CalibrationAnswer(
                review_id=r["review_id"],
                person_id=r["person_id"],
                action=EnforcementAction(r["action"]),
                answered_at=_utc(r["answered_at"]),
            )
            for r in rows
        ]

    def blind_cases(self, round_id: str, person_id: str) -> list[BlindCase]:
        """The round's cases as ``person_id`` decides them, with their own answers so far;
        ReviewRuleError when they are not asked to answer this round."""
        found = self.get(round_id)
        if person_id not in found.raters:
            raise ReviewRuleError("forbidden", "not_a_rater", person=person_id)
        own = {a.review_id: a.action for a in self.answers(round_id, person_id)}
        cases = []
        for case in found.cases:
            if person_id in case.took_part:
                continue  # theirs: not a blind judgement
            record = self.archive.read(case.review_id)
            if record is None:
                continue  # purged by retention since the round was made
            request = record.request
            cases.append(
                BlindCase(
                    case_id=case.case_id,
                    category=request.category,
                    severity=request.severity,
                    account_role=str(request.account.role),
                    market=request.account.market,
                    summary=request.summary,
                    evidence=record.evidence,
                    recommendation=record.recommendation,
                    answer=own.get(case.review_id),
                )
            )
        return cases

    def answer(
        self, round_id: str, person_id: str, body: CalibrationAnswerBody, now: datetime
    ) -> CalibrationAnswer:
        """Record a specialist's answer; the same answer again is the same answer, another one
        is refused (409): a round measures first judgements."""
        found = self.get(round_id)
        if person_id not in found.raters:
            raise ReviewRuleError("forbidden", "not_a_rater", person=person_id)
        case = next((c for c in found.cases if c.case_id == body.case_id), None)
        if case is None:
            raise ReviewRuleError("invalid", "not_in_round", "case_id", review=body.case_id)
        if person_id in case.took_part:
            raise ReviewRuleError("forbidden", "took_part_in_case", person=person_id)
        row = {
            "round_id": round_id,
            "review_id": case.review_id,
            "person_id": person_id,
            "action": str(body.action),
            "answered_at": _utc(now),
        }
        try:
            with self.engine.begin() as db:
                db.execute(calibration_answers.insert().values(**row))
        except IntegrityError:
            pass
        [given] = [a for a in self.answers(round_id, person_id) if a.review_id == case.review_id]
        if given.action is not body.action:
            raise ReviewRuleError("conflict", "calibration_answered", action=given.action)
        return given

    def report(self, round_id: str) -> CalibrationReport:
        """Agreement with the golden answers and among the specialists, per category."""
        found = self.get(round_id)
        return calibration_report(found.cases, self.answers(round_id), set(found.raters))
