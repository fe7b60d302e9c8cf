"""Calibration: a lead picks past cases as a golden set, every specialist decides them blind,
and the team sees how often each agreed with the golden answer and how much they agreed with
one another (Fleiss' kappa), per category. Plain rules; nothing here does I/O or reads a clock.

Fleiss' kappa compares the agreement observed among raters with the agreement chance alone
would give: 1 is full agreement, 0 is what chance gives, below 0 worse than chance. It needs
every case rated by the same number of people, so it counts the cases every specialist of the
round answered; agreement with the golden answer counts every answer.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import datetime

from pydantic import Field

from review.models import EnforcementAction, IncidentCategory, NonBlankText, StrictModel


def fleiss_kappa(ratings: Sequence[Counter[str]]) -> float | None:
    """Fleiss' kappa of ``ratings``: for each case, how many raters chose each answer. Every
    case must have the same number of raters (at least two). None when kappa is undefined:
    no cases, or every rater chose the same single answer throughout (chance agreement 1)."""
    if not ratings:
        return None
    raters = sum(ratings[0].values())
    if raters < 2 or any(sum(case.values()) != raters for case in ratings):
        raise ValueError("every case needs the same number of raters, at least two")
    cases = len(ratings)
    per_case = [
        (sum(n * n for n in case.values()) - raters) / (raters * (raters - 1)) for case in ratings
    ]
    observed = sum(per_case) / cases
    totals: Counter[str] = Counter()
    for case in ratings:
        totals.update(case)
    shares = [n / (cases * raters) for n in totals.values()]
    by_chance = sum(p * p for p in shares)
    if by_chance == 1:
        return None
    return (observed - by_chance) / (1 - by_chance)


class CalibrationCase(StrictModel):
    """A past case in a round, with the golden answer the lead set."""

    review_id: str
    category: IncidentCategory
    golden_action: EnforcementAction


class CalibrationAnswer(StrictModel):
    """One specialist's blind decision of one case."""

    review_id: str
    person_id: str
    action: EnforcementAction
    answered_at: datetime


class CategoryAgreement(StrictModel):
    """How a round went for one category (or for all of them)."""

    cases: int
    answers: int
    golden_agreement: float | None = Field(
        description="Share of answers that matched the golden answer."
    )
    kappa: float | None = Field(
        description="Fleiss' kappa among specialists, over the cases all of them answered."
    )
    kappa_cases: int = Field(description="The cases every specialist answered.")


class PersonAgreement(StrictModel):
    """One specialist's answers against the golden ones."""

    person_id: str
    answers: int
    matched: int


class CalibrationReport(StrictModel):
    """A round's agreement overall, per category and per specialist."""

    overall: CategoryAgreement
    by_category: dict[IncidentCategory, CategoryAgreement]
    by_person: list[PersonAgreement]


def _agreement(
    cases: list[CalibrationCase], answers: list[CalibrationAnswer], raters: set[str]
) -> CategoryAgreement:
    golden = {c.review_id: c.golden_action for c in cases}
    own = [a for a in answers if a.review_id in golden]
    matched = sum(a.action is golden[a.review_id] for a in own)
    by_case: dict[str, Counter[str]] = {c.review_id: Counter() for c in cases}
    answered_by: dict[str, set[str]] = {c.review_id: set() for c in cases}
    for a in own:
        by_case[a.review_id][str(a.action)] += 1
        answered_by[a.review_id].add(a.person_id)
    complete = (
        [by_case[rid] for rid in by_case if raters and answered_by[rid] >= raters]
        if len(raters) >= 2
        else []
    )
    return CategoryAgreement(
        cases=len(cases),
        answers=len(own),
        golden_agreement=matched / len(own) if own else None,
        kappa=fleiss_kappa(complete),
        kappa_cases=len(complete),
    )


def calibration_report(
    cases: Iterable[CalibrationCase], answers: Iterable[CalibrationAnswer], raters: set[str]
) -> CalibrationReport:
    """The round's agreement: ``raters`` are the specialists asked to decide every case."""
    cases, answers = list(cases), [a for a in answers if a.person_id in raters]
    golden = {c.review_id: c.golden_action for c in cases}
    categories = sorted({c.category for c in cases}, key=list(IncidentCategory).index)
    return CalibrationReport(
        overall=_agreement(cases, answers, raters),
        by_category={
            category: _agreement([c for c in cases if c.category is category], answers, raters)
            for category in categories
        },
        by_person=[
            PersonAgreement(
                person_id=person,
                answers=sum(a.person_id == person for a in answers),
                matched=sum(
                    a.person_id == person and a.action is golden.get(a.review_id) for a in answers
                ),
            )
            for person in sorted(raters)
        ],
    )


class CalibrationCaseBody(StrictModel):
    """A past case and its golden answer (the decision taken, unless the lead sets another)."""

    review_id: str = Field(min_length=1, max_length=160)
    golden_action: EnforcementAction | None = Field(
        default=None, description="The right answer; null: the decision the review took."
    )


class CalibrationRoundBody(StrictModel):
    """A lead's new round: a name and the golden set (``POST /api/v1/calibration``)."""

    name: NonBlankText = Field(max_length=120)
    cases: list[CalibrationCaseBody] = Field(min_length=2, max_length=100)


class CalibrationAnswerBody(StrictModel):
    """A specialist's blind decision of a case in a round."""

    review_id: str = Field(min_length=1, max_length=160)
    action: EnforcementAction
