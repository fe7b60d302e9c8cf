"""Every message template renders in every locale, says what it must, and leaks nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from notifications.rendering import TEMPLATES_DIR, MessageRenderer, RenderedMessage
from review.guidelines import load_guidelines
from review.models import EnforcementAction, IncidentCategory, Recipient
from review.notices import NoticeJob, OutcomeNoticeContent, ReportReviewedContent

RENDERER = MessageRenderer()
LOCALES = RENDERER.locales()
NOW = datetime(2026, 11, 24, 15, tzinfo=UTC)
APPEAL_BY = {"en": "December 24, 2026", "es-MX": "24 de diciembre de 2026"}


def outcome(
    action: EnforcementAction, role: str, locale: str, **changes: object
) -> RenderedMessage:
    suspended = action is EnforcementAction.TEMPORARY_SUSPENSION
    content = OutcomeNoticeContent(
        review_id="review-INC-42",
        account_role=role,  # type: ignore[arg-type]
        market="mexico-city",
        category=IncidentCategory.DANGEROUS_DRIVING,
        action=action,
        suspension_days=7 if suspended else None,
        suspension_ends_at=NOW + timedelta(days=7) if suspended else None,
        guideline_refs=["CG-DRIVING-2"],
        interim_hold_lifted=action is EnforcementAction.NO_ACTION,
        appeal_deadline=NOW + timedelta(days=30) if action.restricts_account else None,
    ).model_copy(update=changes)
    return RENDERER.render(
        NoticeJob(
            review_id="review-INC-42",
            recipient=Recipient(account_id="drv_1", role=role, locale=locale),
            idempotency_key="review-INC-42:outcome_notice",
            content=content,
        )
    )


def reporter(locale: str) -> RenderedMessage:
    return RENDERER.render(
        NoticeJob(
            review_id="review-INC-42",
            recipient=Recipient(account_id="rdr_1", role="rider", locale=locale),
            idempotency_key="review-INC-42:report_reviewed",
            content=ReportReviewedContent(
                review_id="review-INC-42", reporter_role="rider", market="mexico-city"
            ),
        )
    )


def test_every_locale_has_the_same_templates_as_english() -> None:
    def names(locale: str) -> set[str]:
        return {
            str(p.relative_to(TEMPLATES_DIR / locale))
            for p in (TEMPLATES_DIR / locale).rglob("*.j2")
        }

    assert set(LOCALES) >= {"en", "es-MX"}
    for locale in LOCALES:
        assert names(locale) == names("en"), locale


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("role", ["rider", "driver"])
@pytest.mark.parametrize("action", list(EnforcementAction))
def test_every_outcome_template_renders_completely(
    locale: str, role: str, action: EnforcementAction
) -> None:
    message = outcome(action, role, locale)
    assert message.locale == locale and message.fallback_from is None
    assert message.subject.strip()
    assert message.body.rstrip().endswith("review-INC-42")
    assert "{{" not in message.body and "{%" not in message.body and "None" not in message.body


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize(
    "action", [EnforcementAction.TEMPORARY_SUSPENSION, EnforcementAction.PERMANENT_DEACTIVATION]
)
def test_a_restriction_says_a_person_decided_and_how_to_appeal_by_when(
    locale: str, action: EnforcementAction
) -> None:
    body = outcome(action, "driver", locale).body
    assert APPEAL_BY[locale] in body
    assert ("Appeal a decision" if locale == "en" else "Apelar una decisión") in body


@pytest.mark.parametrize("locale", LOCALES)
def test_a_suspension_states_its_length_in_the_subject(locale: str) -> None:
    assert "7" in outcome(EnforcementAction.TEMPORARY_SUSPENSION, "driver", locale).subject


@pytest.mark.parametrize("locale", LOCALES)
def test_the_guideline_is_quoted_in_the_message_language(locale: str) -> None:
    clause = load_guidelines().clause("CG-DRIVING-2")
    body = outcome(EnforcementAction.WARNING, "driver", locale).body
    assert clause.text(locale)[1].title in body
    if locale != "en":
        assert clause.text("en")[1].title not in body


@pytest.mark.parametrize("locale", LOCALES)
def test_the_reporter_never_learns_the_other_persons_outcome(locale: str) -> None:
    body = reporter(locale).body.lower()
    for word in ("suspend", "deactivat", "warning", "desactiv", "advertencia", "7 d"):
        assert word not in body


def test_dates_are_shown_in_the_markets_time_zone() -> None:
    # 03:00 UTC on December 1 is still November 30 in Mexico City.
    ends = datetime(2026, 12, 1, 3, tzinfo=UTC)
    body = outcome(
        EnforcementAction.TEMPORARY_SUSPENSION, "driver", "es-MX", suspension_ends_at=ends
    ).body
    assert "30 de noviembre de 2026" in body


def test_a_missing_translation_falls_back_visibly() -> None:
    message = outcome(EnforcementAction.WARNING, "driver", "pt-BR")
    assert (message.locale, message.fallback_from) == ("en", "pt-BR")
