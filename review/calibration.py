"""Calibration: a lead picks past cases as a golden set, every specialist decides them blind,
and the team sees how often each agreed with the golden answer and how much they agreed with
one another (Fleiss' kappa), per category. Plain rules; nothing here does I/O or reads a clock.

Fleiss' kappa compares the agreement observed among raters with the agreement chance alone
would give: 1 is full agreement, 0 is what chance gives, below 0 worse than chance. It needs
at least two raters on a case, and counts the cases two or more specialists answered (with the
usual generalization to cases rated by different numbers of people: nobody answers a case they
decided or second-reviewed); agreement with the golden answer counts every answer.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import datetime

from pydantic import Field

from review.models import EnforcementAction, IncidentCategory, NonBlankText, StrictModel


def fleiss_kappa(ratings: Sequence[Counter[str]]) -> float | None:
    """Fleiss' kappa of ``ratings``: for each case, how many raters chose each answer. Cases
    may have different numbers of raters (each at least two): each case's agreement is
    (sum of n_ij squared - n_i) / (n_i (n_i - 1)), the answers' shares are pooled over every
    rating, the usual generalization that equals Fleiss' formula when every case has the same
    raters. None when kappa is undefined: no cases, or one single answer throughout."""
    if not ratings:
        return None
    if any(sum(case.values()) < 2 for case in ratings):
        raise ValueError("every case needs at least two raters")
    per_case = [
        (sum(n * n for n in case.values()) - sum(case.values()))
        / (sum(case.values()) * (sum(case.values()) - 1))
        for case in ratings
    ]
    observed = sum(per_case) / len(ratings)
    totals: Counter[str] = Counter()
    for case in ratings:
        totals.update(case)
    everyone = sum(totals.values())
    by_chance = sum((n / everyone) ** 2 for n in totals.values())
    if by_chance == 1:
        return None
    return (observed - by_chance) / (1 - by_chance)


class CalibrationCase(StrictModel):
    """A past case in a round, with the golden answer the lead set."""

    review_id: str
    case_id: str = Field(description="What specialists see instead of the review id.")
    category: IncidentCategory
    golden_action: EnforcementAction
    took_part: list[str] = Field(
        default_factory=list,
        description="Who decided or second-reviewed it: they are not asked to answer it.",
    )


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
        description="Fleiss' kappa among specialists, over the cases two or more answered."
    )
    kappa_cases: int = Field(description="The cases two or more specialists answered.")


class PersonAgreement(StrictModel):
    """One specialist's answers against the golden ones."""

    person_id: str
    asked: int = Field(description="The cases they are asked: all but those they took part in.")
    answers: int
    matched: int


class CalibrationReport(StrictModel):
    """A round's agreement overall, per category and per specialist."""

    overall: CategoryAgreement
    by_category: dict[IncidentCategory, CategoryAgreement]
    by_person: list[PersonAgreement]


def _agreement(cases: list[CalibrationCase], answers: list[CalibrationAnswer]) -> CategoryAgreement:
    golden = {c.review_id: c.golden_action for c in cases}
    own = [a for a in answers if a.review_id in golden]
    matched = sum(a.action is golden[a.review_id] for a in own)
    by_case: dict[str, Counter[str]] = {c.review_id: Counter() for c in cases}
    for a in own:
        by_case[a.review_id][str(a.action)] += 1
    rated = [counts for counts in by_case.values() if sum(counts.values()) >= 2]
    return CategoryAgreement(
        cases=len(cases),
        answers=len(own),
        golden_agreement=matched / len(own) if own else None,
        kappa=fleiss_kappa(rated),
        kappa_cases=len(rated),
    )


def asked(case: CalibrationCase, raters: Iterable[str]) -> list[str]:
    """Who is asked to answer a case: the round's raters, but not whoever took part in it."""
    return [r for r in raters if r not in case.took_part]


def calibration_report(
    cases: Iterable[CalibrationCase], answers: Iterable[CalibrationAnswer], raters: set[str]
) -> CalibrationReport:
    """The round's agreement: ``raters`` are the specialists asked to decide its cases (each
    but those they took part in); answers of anyone else are not counted."""
    cases = list(cases)
    allowed = {(c.review_id, r) for c in cases for r in asked(c, raters)}
    answers = [a for a in answers if (a.review_id, a.person_id) in allowed]
    golden = {c.review_id: c.golden_action for c in cases}
    categories = sorted({c.category for c in cases}, key=list(IncidentCategory).index)
    return CalibrationReport(
        overall=_agreement(cases, answers),
        by_category={
            category: _agreement([c for c in cases if c.category is category], answers)
            for category in categories
        },
        by_person=[
            PersonAgreement(
                person_id=person,
                asked=sum(person not in c.took_part for c in cases),
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

    case_id: str = Field(
        min_length=1, max_length=40, description="The case, as the round shows it."
    )
    action: EnforcementAction
