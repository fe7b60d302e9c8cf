"""Every message template renders in every locale, says what it must, and leaks nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from notifications.rendering import TEMPLATES_DIR, MessageRenderer, RenderedMessage
from review.guidelines import load_guidelines
from review.models import (
    EnforcementAction,
    EvidenceSource,
    IncidentCategory,
    Recipient,
    StatementOfReasons,
)
from review.notices import (
    HoldNoticeContent,
    NoticeJob,
    OutcomeNoticeContent,
    ReportReviewedContent,
)

RENDERER = MessageRenderer()
LOCALES = RENDERER.locales()
NOW = datetime(2026, 11, 24, 15, tzinfo=UTC)
APPEAL_BY = {"en": "December 24, 2026", "es-MX": "24 de diciembre de 2026"}


def outcome(
    action: EnforcementAction, role: str, locale: str, **changes: object
) -> RenderedMessage:
    suspended = action is EnforcementAction.TEMPORARY_SUSPENSION
    reasons = (
        StatementOfReasons(
            action=action,
            suspension_days=7 if suspended else None,
            account_role=role,  # type: ignore[arg-type]
            starts_at=NOW,
            ends_at=NOW + timedelta(days=7) if suspended else None,
            category=IncidentCategory.DANGEROUS_DRIVING,
            reported_at=NOW - timedelta(days=1),
            market="mexico-city",
            based_on_report_by="rider",
            evidence_relied_on=[EvidenceSource.TRIP_DETAILS, EvidenceSource.TELEMATICS],
            prior_violations=1,
            automated_recommendation=True,
            recommendation_rule="dangerous_driving.high.priors=1",
            matrix_version="2026.11.0",
            followed_recommendation=True,
            second_reviewed=True,
            guideline_refs=["CG-DRIVING-2"],
            appeal_deadline=NOW + timedelta(days=30),
            appeal_window_days=30,
        )
        if action.restricts_account
        else None
    )
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
        reasons=reasons,
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


STATEMENT_OF_REASONS = {
    "en": [
        "Why we made this decision",
        "in every city and country where the app operates",
        "a report made by a rider on November 23, 2026",
        "we never share who reported it",
        "the trip details and the speed and driving data recorded during the trip",
        "1 earlier confirmed violation",
        "suggested an action for this kind of report automatically",
        "A person on our safety team looked at the evidence and made this decision",
        "a second person on the team checked it",
        "out-of-court dispute settlement body or to the courts",
    ],
    "es-MX": [
        "Por qué tomamos esta decisión",
        "en todas las ciudades y países donde opera la app",
        "un reporte que hizo un usuario el 23 de noviembre de 2026",
        "nunca compartimos quién hizo el reporte",
        "los detalles del viaje y los datos de velocidad y manejo registrados durante el viaje",
        "1 falta confirmada anterior",
        "sugirió una acción para este tipo de reporte de forma automática",
        "Una persona de nuestro equipo de seguridad revisó la evidencia y tomó esta decisión",
        "una segunda persona del equipo la verificó",
        "resolución extrajudicial de controversias o ante los tribunales",
    ],
}


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize(
    "action", [EnforcementAction.TEMPORARY_SUSPENSION, EnforcementAction.PERMANENT_DEACTIVATION]
)
def test_a_restriction_carries_a_complete_statement_of_reasons(
    locale: str, action: EnforcementAction
) -> None:
    body = " ".join(outcome(action, "driver", locale).body.split())
    for passage in STATEMENT_OF_REASONS[locale]:
        assert passage in body, passage


@pytest.mark.parametrize("locale", LOCALES)
def test_a_suspension_states_when_it_starts_and_ends(locale: str) -> None:
    body = outcome(EnforcementAction.TEMPORARY_SUSPENSION, "driver", locale).body
    expected = {
        "en": "is suspended from November 24, 2026 until December 1, 2026",
        "es-MX": "está suspendida desde el 24 de noviembre de 2026 hasta el 1 de diciembre de 2026",
    }[locale]
    assert expected in body


@pytest.mark.parametrize("locale", LOCALES)
def test_a_deactivation_says_it_is_permanent_from_when(locale: str) -> None:
    body = outcome(EnforcementAction.PERMANENT_DEACTIVATION, "driver", locale).body
    expected = {
        "en": "is deactivated permanently from November 24, 2026",
        "es-MX": "está desactivada de forma permanente desde el 24 de noviembre de 2026",
    }[locale]
    assert expected in body


@pytest.mark.parametrize("locale", LOCALES)
def test_a_notice_planned_before_statements_of_reasons_still_renders_its_appeal(
    locale: str,
) -> None:
    # An activity scheduled by the previous worker version is retried with its old input.
    old_job = {
        "review_id": "review-INC-42",
        "recipient": {"account_id": "drv_1", "role": "driver", "locale": locale},
        "idempotency_key": "review-INC-42:outcome_notice",
        "content": {
            "kind": "outcome_notice",
            "review_id": "review-INC-42",
            "account_role": "driver",
            "market": "mexico-city",
            "category": "dangerous_driving",
            "action": "temporary_suspension",
            "suspension_days": 7,
            "suspension_ends_at": (NOW + timedelta(days=7)).isoformat(),
            "guideline_refs": ["CG-DRIVING-2"],
            "interim_hold_lifted": False,
            "appeal_deadline": (NOW + timedelta(days=30)).isoformat(),
        },
    }

    body = RENDERER.render(NoticeJob.model_validate(old_job)).body

    assert APPEAL_BY[locale] in body
    assert STATEMENT_OF_REASONS[locale][0] not in body


def hold_notice(locale: str) -> RenderedMessage:
    return RENDERER.render(
        NoticeJob(
            review_id="review-INC-42",
            recipient=Recipient(account_id="drv_1", role="driver", locale=locale),
            idempotency_key="review-INC-42:hold_notice",
            content=HoldNoticeContent(
                review_id="review-INC-42",
                account_role="driver",
                market="mexico-city",
                category=IncidentCategory.WEAPONS,
                reported_at=NOW - timedelta(days=1),
                based_on_report_by="rider",
                held_at=NOW,
                decision_due_by=NOW + timedelta(hours=4),
                guideline_refs=["CG-SAFETY-3"],
            ),
        )
    )


HOLD_NOTICE = {
    "en": [
        "This is not a decision.",
        "is on hold from November 24, 2026, in every city and country where the app operates",
        "We aim to decide by November 24, 2026.",
        "a report made by a rider on November 23, 2026 (we never share who reported it)",
        "the hold was placed automatically",
        "No person has made any decision about your account yet.",
        "Help > Safety",
    ],
    "es-MX": [
        "Esto no es una decisión.",
        "está en pausa desde el 24 de noviembre de 2026, en todas las ciudades y países",
        "Buscamos decidir a más tardar el 24 de noviembre de 2026.",
        "un reporte que hizo un usuario el 23 de noviembre de 2026 (nunca compartimos",
        "la pausa se aplicó de forma automática",
        "Ninguna persona ha tomado todavía una decisión sobre tu cuenta.",
        "Ayuda > Seguridad",
    ],
}


@pytest.mark.parametrize("locale", LOCALES)
def test_an_interim_hold_states_its_reasons_and_that_no_one_has_decided(locale: str) -> None:
    message = hold_notice(locale)
    body = " ".join(message.body.split())
    for passage in HOLD_NOTICE[locale]:
        assert passage in body, passage
    assert load_guidelines().clause("CG-SAFETY-3").text(locale)[1].title in body
    assert message.body.rstrip().endswith("review-INC-42")
