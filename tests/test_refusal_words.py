"""Every reason a review refuses a request reads in every language the app is written in."""

from __future__ import annotations

from string import Formatter

import pytest

from review.refusals import REFUSALS, ReviewRuleError
from webapp.i18n import catalog, locales, refusal_words, translator


def placeholders(words: str) -> set[str]:
    return {name for _, name, _, _ in Formatter().parse(words) if name}


@pytest.mark.parametrize("locale", locales())
def test_every_refusal_has_words_in_every_locale(locale: str) -> None:
    missing = [reason for reason in REFUSALS if f"refusal_{reason}" not in catalog(locale)]
    assert missing == []


@pytest.mark.parametrize("locale", locales())
def test_a_refusals_words_use_only_what_the_refusal_carries(locale: str) -> None:
    # Some refusals also carry codes the English wording does not use.
    carried = {"justification_required": {"action", "days"}, "role_may_not": {"request"}}
    for reason, english in REFUSALS.items():
        words = catalog(locale)[f"refusal_{reason}"]
        assert placeholders(words) <= placeholders(english) | carried.get(reason, set()), reason


def test_a_refusal_carries_its_reason_and_parameters() -> None:
    err = ReviewRuleError("conflict", "not_open_to_claim", status="closed")
    assert (err.reason, err.params, str(err)) == (
        "not_open_to_claim",
        {"status": "closed"},
        "review is closed, not open to claim",
    )


def test_coded_parameters_are_put_in_words() -> None:
    err = ReviewRuleError("conflict", "not_open_to_claim", status="awaiting_second_review")
    words = refusal_words(err.reason, err.params, str(err), translator("es-MX"))
    assert words == (
        "esta revisión está en estado «En espera de segunda revisión» y no se puede tomar"
    )


def test_a_recommended_suspension_reads_with_its_days() -> None:
    err = ReviewRuleError(
        "invalid",
        "justification_required",
        "justification",
        recommended="temporary_suspension 7 days",
        action="temporary_suspension",
        days=7,
    )
    words = refusal_words(err.reason, err.params, str(err), translator("en"))
    assert words.startswith("the matrix recommends a temporary suspension of 7 days;")


def test_a_refusal_without_a_reason_keeps_its_english_message() -> None:
    assert refusal_words(None, {}, "review is closed", translator("es-MX")) == "review is closed"
