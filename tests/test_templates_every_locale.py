"""Every message template renders in every locale, says what it must, and leaks nothing."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from notifications.rendering import TEMPLATES_DIR, MessageRenderer, RenderedMessage
from review.guidelines import load_guidelines
from review.matrix import load_matrix
from review.models import (
    EnforcementAction,
    EvidenceSource,
    HeardBefore,
    IncidentCategory,
    Recipient,
    StatementOfReasons,
)
from review.notices import (
    AppealOutcomeContent,
    HoldNoticeContent,
    NoticeJob,
    NoticeOfIntentContent,
    OutcomeNoticeContent,
    ReportReviewedContent,
)

RENDERER = MessageRenderer()
MATRIX = load_matrix()
LOCALES = RENDERER.locales()
NOW = datetime(2026, 11, 24, 15, tzinfo=UTC)
APPEAL_BY = {"en": "December 24, 2026", "es-MX": "24 de diciembre de 2026"}


def outcome(
    action: EnforcementAction,
    role: str,
    locale: str,
    category: IncidentCategory = IncidentCategory.DANGEROUS_DRIVING,
    reasons_changes: dict[str, object] | None = None,
    **changes: object,
) -> RenderedMessage:
    refs = list(MATRIX.categories[category].guidelines)
    suspended = action is EnforcementAction.TEMPORARY_SUSPENSION
    reasons = (
        StatementOfReasons(
            action=action,
            suspension_days=7 if suspended else None,
            account_role=role,  # type: ignore[arg-type]
            starts_at=NOW,
            ends_at=NOW + timedelta(days=7) if suspended else None,
            category=category,
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
            guideline_refs=refs,
            appeal_deadline=NOW + timedelta(days=30),
            appeal_window_days=30,
        )
        if action.restricts_account
        else None
    )
    if reasons is not None and reasons_changes:
        reasons = reasons.model_copy(update=reasons_changes)
    content = OutcomeNoticeContent(
        review_id="review-INC-42",
        account_role=role,  # type: ignore[arg-type]
        market="mexico-city",
        category=category,
        action=action,
        suspension_days=7 if suspended else None,
        suspension_ends_at=NOW + timedelta(days=7) if suspended else None,
        guideline_refs=refs,
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
        "un reporte que hizo un pasajero el 23 de noviembre de 2026",
        "nunca compartimos quién hizo el reporte",
        "los detalles del viaje y los datos de velocidad y manejo registrados durante el viaje",
        "1 incumplimiento de nuestras guías ya confirmado en tu cuenta",
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


def hold_notice(
    locale: str,
    role: str = "driver",
    category: IncidentCategory = IncidentCategory.WEAPONS,
) -> RenderedMessage:
    return RENDERER.render(
        NoticeJob(
            review_id="review-INC-42",
            recipient=Recipient(account_id="drv_1", role=role, locale=locale),
            idempotency_key="review-INC-42:hold_notice",
            content=HoldNoticeContent(
                review_id="review-INC-42",
                account_role=role,  # type: ignore[arg-type]
                market="mexico-city",
                category=category,
                reported_at=NOW - timedelta(days=1),
                based_on_report_by="rider",
                held_at=NOW,
                decision_due_by=NOW + timedelta(hours=4),
                guideline_refs=list(MATRIX.categories[category].guidelines),
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
        "un reporte que hizo un pasajero el 23 de noviembre de 2026 (nunca compartimos",
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


# --- every category x action x role x locale, read as a person reads it ----------------------

FINDING = {
    "en": {
        "physical_assault": "there was physical violence",
        "sexual_misconduct": "there was sexual misconduct",
        "threats_harassment": "there were threats or harassment",
        "discrimination": "there was discrimination",
        "dangerous_driving": "the vehicle was driven dangerously",
        "impaired_driving": "the vehicle was driven under the influence of alcohol or drugs",
        "weapons": "a weapon was carried or shown",
        "fraud": "the account was used for fraud",
        "unsafe_vehicle": "the vehicle was not in a safe condition",
        "identity_mismatch": "someone other than the account holder was using the account",
        "property_damage": "property was damaged",
        "other_policy_violation": "there was conduct our community guidelines do not allow",
    },
    "es-MX": {
        "physical_assault": "hubo violencia física",
        "sexual_misconduct": "hubo conducta sexual inapropiada",
        "threats_harassment": "hubo amenazas o acoso",
        "discrimination": "hubo discriminación",
        "dangerous_driving": "se manejó de forma peligrosa",
        "impaired_driving": "se manejó bajo los efectos del alcohol o de drogas",
        "weapons": "se portó o se mostró un arma",
        "fraud": "la cuenta se usó para cometer fraude",
        "unsafe_vehicle": "el vehículo no estaba en condiciones seguras",
        "identity_mismatch": "una persona distinta a la titular estaba usando la cuenta",
        "property_damage": "hubo daños a la propiedad",
        "other_policy_violation": "hubo una conducta que nuestras guías comunitarias no permiten",
    },
}
FOUND = {
    "en": "We reviewed a report about a recent trip and found that {}. Our community guidelines say:",
    "es-MX": "Revisamos un reporte sobre un viaje reciente y encontramos que {}. "
    "Esto dicen nuestras guías comunitarias:",
}
TOPIC = {
    "en": {
        "physical_assault": "physical violence",
        "sexual_misconduct": "sexual misconduct",
        "threats_harassment": "threats or harassment",
        "discrimination": "discrimination",
        "dangerous_driving": "dangerous driving",
        "impaired_driving": "driving under the influence of alcohol or drugs",
        "weapons": "a weapon being carried or shown",
        "fraud": "fraud",
        "unsafe_vehicle": "the safety of the vehicle",
        "identity_mismatch": "someone other than the account holder using the account",
        "property_damage": "damage to property",
        "other_policy_violation": "conduct our community guidelines do not allow",
    },
    "es-MX": {
        "physical_assault": "violencia física",
        "sexual_misconduct": "conducta sexual inapropiada",
        "threats_harassment": "amenazas o acoso",
        "discrimination": "discriminación",
        "dangerous_driving": "manejo peligroso",
        "impaired_driving": "manejo bajo los efectos del alcohol o de drogas",
        "weapons": "la portación o exhibición de un arma",
        "fraud": "fraude",
        "unsafe_vehicle": "las condiciones de seguridad del vehículo",
        "identity_mismatch": "el uso de la cuenta por una persona distinta a la titular",
        "property_damage": "daños a la propiedad",
        "other_policy_violation": "una conducta que nuestras guías comunitarias no permiten",
    },
}
HELD_ABOUT = {
    "en": "We received a report about {} on a recent trip.",
    "es-MX": "Recibimos un reporte sobre {} en un viaje reciente.",
}
REMINDED_ABOUT = {
    "en": "We reviewed a report about {} on a recent trip.",
    "es-MX": "Revisamos un reporte sobre {} en un viaje reciente.",
}
PAYMENTS_KEPT = {
    "en": "Payments you are owed for trips you have already made are not affected.",
    "es-MX": "Los pagos que te debemos por los viajes que ya hiciste no se ven afectados.",
}
CATEGORIES = list(IncidentCategory)
ROLES = ["rider", "driver"]
FOUND_ACTIONS = [
    EnforcementAction.WARNING,
    EnforcementAction.TEMPORARY_SUSPENSION,
    EnforcementAction.PERMANENT_DEACTIVATION,
]


def test_every_category_has_a_finding_and_a_topic_in_every_locale() -> None:
    for table in (FINDING, TOPIC):
        assert set(table) == set(LOCALES)
        for locale in LOCALES:
            assert set(table[locale]) == {c.value for c in CATEGORIES}, locale


def prose(body: str) -> str:
    return " ".join(body.split())


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", FOUND_ACTIONS)
@pytest.mark.parametrize("category", CATEGORIES)
def test_a_decision_against_the_account_says_what_was_found(
    category: IncidentCategory, action: EnforcementAction, role: str, locale: str
) -> None:
    body = prose(outcome(action, role, locale, category).body)
    assert FOUND[locale].format(FINDING[locale][category.value]) in body


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("category", CATEGORIES)
def test_a_hold_notice_says_what_the_report_is_about_without_a_finding(
    category: IncidentCategory, role: str, locale: str
) -> None:
    body = prose(hold_notice(locale, role, category).body)
    assert HELD_ABOUT[locale].format(TOPIC[locale][category.value]) in body
    assert FINDING[locale][category.value] not in body


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("category", CATEGORIES)
def test_a_reminder_says_what_the_report_was_about_without_a_finding(
    category: IncidentCategory, role: str, locale: str
) -> None:
    body = prose(outcome(EnforcementAction.EDUCATION, role, locale, category).body)
    assert REMINDED_ABOUT[locale].format(TOPIC[locale][category.value]) in body
    assert FINDING[locale][category.value] not in body


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("category", CATEGORIES)
def test_a_deactivated_driver_is_told_their_earnings_are_kept(
    category: IncidentCategory, locale: str
) -> None:
    body = prose(outcome(EnforcementAction.PERMANENT_DEACTIVATION, "driver", locale, category).body)
    assert PAYMENTS_KEPT[locale] in body


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("action", list(EnforcementAction))
@pytest.mark.parametrize("category", CATEGORIES)
def test_a_rider_is_never_told_about_payments_owed(
    category: IncidentCategory, action: EnforcementAction, locale: str
) -> None:
    body = prose(outcome(action, "rider", locale, category).body)
    assert "owed" not in body and "te debemos" not in body


# Mistakes that slot-filled sentences make: an infinitive after "hubo", a doubled word, a
# space before punctuation, an internal code, the guidelines named twice in one sentence.
FAULTS = [
    (
        r"\bhubo (?:un|una|\w+(?:ar|er|ir))\b(?! conducta)",
        "'hubo' before an article or an infinitive",
    ),
    (r"\b(\w+) \1\b", "a doubled word"),
    (r" [,.:;]", "a space before punctuation"),
    (r"\.\.|,,|::", "doubled punctuation"),
    (r"\b[a-z]+_[a-z_]+\b", "an internal code"),
    (r"\bNone\b|\{\{|\{%", "a template left unfilled"),
]


def faults(text: str) -> list[str]:
    found = [why for pattern, why in FAULTS if re.search(pattern, text)]
    paragraphs = [prose(p) for p in text.split("\n\n")]
    for sentence in (s for p in paragraphs for s in re.split(r"(?<=[.:!?])\s", p)):
        lower = sentence.lower()
        if lower.count("community guidelines") + lower.count("guías comunitarias") > 1:
            found.append(f"the guidelines named twice in one sentence: {sentence!r}")
    return found


def test_the_fault_checks_catch_what_they_look_for() -> None:
    assert faults("encontramos que hubo manejar bajo los efectos")
    assert faults("encontramos que hubo un vehículo en condiciones inseguras")
    assert faults(
        "found that it involved a breach of our community guidelines, which goes against our community guidelines."
    )
    assert faults("a report about dangerous_driving")
    assert faults("the the trip")
    assert not faults(
        "encontramos que hubo una conducta que nuestras guías comunitarias no permiten."
    )


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("category", CATEGORIES)
def test_every_message_about_a_category_reads_without_slot_filling_faults(
    category: IncidentCategory, role: str, locale: str
) -> None:
    messages = [outcome(action, role, locale, category) for action in EnforcementAction]
    messages.append(hold_notice(locale, role, category))
    for message in messages:
        assert faults(message.subject + "\n\n" + message.body) == [], message.subject


def test_a_message_keeps_its_own_languages_dates_whatever_was_rendered_before() -> None:
    first = hold_notice("en").body
    hold_notice("es-MX")
    assert hold_notice("en").body == first
    assert "November 24, 2026" in first


SEATTLE_LAW = {
    "en": "Seattle Municipal Code chapter 8.40",
    "es-MX": "Código Municipal de Seattle, capítulo 8.40",
}
NOTICE_GIVEN = {
    "notified_at": NOW,
    "starts_at": NOW + timedelta(days=14),
    "legal_basis": SEATTLE_LAW,
}
NOTICE_SAYS = {
    "en": [
        "Your account will be permanently deactivated on December 8, 2026. Until then you can "
        "keep using the app as usual; from then on you will no longer be able to drive with "
        "the app.",
        "your driver account will be deactivated permanently from December 8, 2026",
        "We are telling you 14 days in advance. Legal basis: Seattle Municipal Code chapter 8.40.",
    ],
    "es-MX": [
        "Tu cuenta será desactivada de forma permanente el 8 de diciembre de 2026. Hasta "
        "entonces puedes seguir usando la app como siempre; a partir de esa fecha ya no podrás "
        "manejar con la app.",
        "será desactivada de forma permanente a partir del 8 de diciembre de 2026",
        "Te avisamos con 14 días de anticipación. Fundamento legal: Código Municipal de "
        "Seattle, capítulo 8.40.",
    ],
}
NOTICE_SUBJECT = {"en": "Your account will be deactivated", "es-MX": "Tu cuenta será desactivada"}


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("category", CATEGORIES)
def test_a_deactivation_with_notice_says_when_it_takes_effect_and_the_law_behind_it(
    category: IncidentCategory, locale: str
) -> None:
    message = outcome(
        EnforcementAction.PERMANENT_DEACTIVATION,
        "driver",
        locale,
        category,
        reasons_changes=NOTICE_GIVEN,
    )
    body = prose(message.body)
    assert message.subject == NOTICE_SUBJECT[locale]
    for sentence in NOTICE_SAYS[locale]:
        assert sentence in body
    assert FOUND[locale].format(FINDING[locale][category.value]) in body
    assert PAYMENTS_KEPT[locale] in body
    already = {"en": "has been permanently deactivated", "es-MX": "fue desactivada"}
    assert already[locale] not in body


# --- appeal outcomes ------------------------------------------------------------------------------


def appeal_outcome(
    outcome: str,
    role: str,
    locale: str,
    category: IncidentCategory,
    original: EnforcementAction = EnforcementAction.PERMANENT_DEACTIVATION,
    action: EnforcementAction | None = None,
    took_effect: bool = True,
    correction: bool = False,
) -> RenderedMessage:
    days = 7 if action is EnforcementAction.TEMPORARY_SUSPENSION else None
    return RENDERER.render(
        NoticeJob(
            review_id="review-INC-42",
            recipient=Recipient(account_id="drv_1", role=role, locale=locale),
            idempotency_key="appeal-INC-42-1:appeal_outcome",
            content=AppealOutcomeContent(
                review_id="review-INC-42",
                appeal_id="appeal-INC-42-1",
                account_role=role,  # type: ignore[arg-type]
                market="mexico-city",
                category=category,
                outcome=outcome,  # type: ignore[arg-type]
                original_action=original,
                action=action,
                suspension_days=days,
                suspension_ends_at=NOW + timedelta(days=7) if days else None,
                took_effect=took_effect,
                guideline_refs=list(MATRIX.categories[category].guidelines),
                correction=correction,
                appeal_again_by=NOW + timedelta(days=20),
            ),
        )
    )


APPEAL_SAYS = {
    "en": {
        "opening": "Thank you for appealing our decision about {} on a recent trip. A member of "
        "our safety team who had no part in the original decision looked at it again, together "
        "with what you told us,",
        "overturn": ("Your appeal was successful", "We are sorry for the trouble it caused you."),
        "uphold": ("The decision on your account stands", "decided that it stands"),
        "modify": ("We changed the decision on your account", "We are sorry for that."),
        "redress": "This was your appeal within the app.",
        "reinstated": "Your account is active again: you can {} as before.",
        "never": "The deactivation we told you about will not take effect",
    },
    "es-MX": {
        "opening": "Gracias por apelar nuestra decisión sobre {} en un viaje reciente. Una "
        "persona de nuestro equipo de seguridad que no participó en la decisión original la "
        "revisó de nuevo, junto con lo que nos contaste,",
        "overturn": ("Tu apelación procedió", "Lamentamos las molestias que te causó."),
        "uphold": ("La decisión sobre tu cuenta se mantiene", "decidió mantenerla"),
        "modify": ("Cambiamos la decisión sobre tu cuenta", "Lo lamentamos."),
        "redress": "Esta fue tu apelación dentro de la app.",
        "reinstated": "Tu cuenta ya está activa otra vez: puedes {} como antes.",
        "never": "La desactivación de la que te avisamos no se aplicará",
    },
}
USE_APP = {
    "en": {"driver": "drive with the app", "rider": "request trips with the app"},
    "es-MX": {"driver": "manejar con la app", "rider": "pedir viajes con la app"},
}
OUTCOMES = ["overturn", "uphold", "modify"]


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("outcome", OUTCOMES)
@pytest.mark.parametrize("category", CATEGORIES)
def test_every_appeal_outcome_reads_whole_in_every_locale(
    category: IncidentCategory, outcome: str, role: str, locale: str
) -> None:
    action = EnforcementAction.WARNING if outcome == "modify" else None
    message = appeal_outcome(outcome, role, locale, category, action=action)
    body = prose(message.body)
    says = APPEAL_SAYS[locale]
    subject, sentence = says[outcome]
    assert message.subject == subject
    assert says["opening"].format(TOPIC[locale][category.value]) in body
    assert sentence in body
    assert (says["redress"] in body) is (outcome != "overturn")
    assert "{{" not in body and "None" not in body


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("role", ROLES)
def test_an_overturn_says_the_account_is_active_again_or_never_changed(
    role: str, locale: str
) -> None:
    category = IncidentCategory.FRAUD
    reinstated = prose(appeal_outcome("overturn", role, locale, category).body)
    assert APPEAL_SAYS[locale]["reinstated"].format(USE_APP[locale][role]) in reinstated
    never = prose(appeal_outcome("overturn", role, locale, category, took_effect=False).body)
    assert APPEAL_SAYS[locale]["never"] in never
    assert APPEAL_SAYS[locale]["reinstated"].format(USE_APP[locale][role]) not in never


MODIFIED = {
    "en": {
        EnforcementAction.TEMPORARY_SUSPENSION: "What applies now: your account is suspended "
        "for 7 days, until December 1, 2026, instead.",
        EnforcementAction.WARNING: "What applies now: a warning instead: your account is active",
        EnforcementAction.EDUCATION: "What applies now: a reminder of our guidelines instead",
    },
    "es-MX": {
        EnforcementAction.TEMPORARY_SUSPENSION: "Lo que se aplica ahora: en lugar de eso, tu "
        "cuenta queda suspendida por 7 días, hasta el 1 de diciembre de 2026.",
        EnforcementAction.WARNING: "Lo que se aplica ahora: en lugar de eso, una advertencia",
        EnforcementAction.EDUCATION: "Lo que se aplica ahora: en lugar de eso, un recordatorio",
    },
}


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("action", list(MODIFIED["en"]))
def test_a_modified_decision_says_what_applies_now(action: EnforcementAction, locale: str) -> None:
    body = prose(
        appeal_outcome("modify", "driver", locale, IncidentCategory.FRAUD, action=action).body
    )
    assert MODIFIED[locale][action] in body


CORRECTION_SAYS = {
    "en": {
        "opening": "As part of our regular quality checks, a member of our safety team who had "
        "no part in the original decision looked again at our decision about {} on a recent "
        "trip, and found that",
        "overturn": "We reversed our decision on your account",
        "modify": "We changed the decision on your account",
        "redress": "If you think this decision is still wrong, you can appeal it until",
        "external": "If you think this decision is still wrong, you can take it to a certified",
    },
    "es-MX": {
        "opening": "Como parte de nuestras revisiones de calidad, una persona de nuestro equipo "
        "de seguridad que no participó en la decisión original volvió a revisar nuestra "
        "decisión sobre {} en un viaje reciente y concluyó que",
        "overturn": "Revertimos nuestra decisión sobre tu cuenta",
        "modify": "Cambiamos la decisión sobre tu cuenta",
        "redress": "Si crees que esta decisión sigue siendo incorrecta, puedes apelarla hasta el",
        "external": "Si crees que esta decisión sigue siendo incorrecta, puedes llevarla ante",
    },
}


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("outcome", ["overturn", "modify"])
@pytest.mark.parametrize("category", CATEGORIES)
def test_a_correction_our_quality_checks_made_never_thanks_the_person_for_appealing(
    category: IncidentCategory, outcome: str, role: str, locale: str
) -> None:
    action = EnforcementAction.WARNING if outcome == "modify" else None
    message = appeal_outcome(outcome, role, locale, category, action=action, correction=True)
    body = prose(message.body)
    says = CORRECTION_SAYS[locale]
    assert message.subject == says[outcome]
    assert says["opening"].format(TOPIC[locale][category.value]) in body
    # Made a warning, it can no longer be appealed: only the external route is left.
    assert says["redress"] not in body
    assert (says["external"] in body) is (outcome == "modify")
    assert APPEAL_SAYS[locale]["opening"].format(TOPIC[locale][category.value]) not in body
    assert APPEAL_SAYS[locale]["redress"] not in body
    assert "{{" not in body and "None" not in body


@pytest.mark.parametrize("locale", LOCALES)
def test_a_correction_that_leaves_a_shorter_suspension_says_until_when_to_appeal_it(
    locale: str,
) -> None:
    message = appeal_outcome(
        "modify",
        "driver",
        locale,
        IncidentCategory.FRAUD,
        action=EnforcementAction.TEMPORARY_SUSPENSION,
        correction=True,
    )
    assert CORRECTION_SAYS[locale]["redress"] in prose(message.body)


# --- the hearing ----------------------------------------------------------------------------------

MEXICO_LAW = {
    "es-MX": "Ley Federal del Trabajo, capítulo IX Bis (trabajo en plataformas digitales)",
    "en": "Mexico's Federal Labour Law, chapter IX Bis (work through digital platforms)",
}


def notice_of_intent(
    locale: str,
    role: str = "driver",
    category: IncidentCategory = IncidentCategory.FRAUD,
    **changes: object,
) -> RenderedMessage:
    content = NoticeOfIntentContent(
        review_id="review-INC-42",
        account_role=role,  # type: ignore[arg-type]
        market="mexico-city",
        category=category,
        reported_at=NOW - timedelta(days=1),
        trip_started_at=NOW - timedelta(days=2),
        evidence_relied_on=[EvidenceSource.TRIP_DETAILS, EvidenceSource.TELEMATICS],
        prior_violations=2,
        answer_due_by=NOW + timedelta(days=5),
        on_hold=False,
        guideline_refs=list(MATRIX.categories[category].guidelines),
        legal_basis=MEXICO_LAW,
    ).model_copy(update=changes)
    return RENDERER.render(
        NoticeJob(
            review_id="review-INC-42",
            recipient=Recipient(account_id="drv_1", role=role, locale=locale),
            idempotency_key="review-INC-42:notice_of_intent",
            content=content,
        )
    )


INTENT_SAYS = {
    "en": {
        "subject": "Before we decide: we intend to deactivate your account",
        "found": "We reviewed a report about your trip on November 22, 2026. What we found "
        "indicates that {}. Our community guidelines say:",
        "no_trip": "We reviewed a report we received on November 23, 2026 about one of your "
        "trips. What we found indicates that",
        "intent": "Because of this, we intend to deactivate your account permanently. We have "
        "not decided yet: before we do, you have the right to tell us your side.",
        "law": "Legal basis: Mexico's Federal Labour Law, chapter IX Bis (work through digital "
        "platforms).",
        "relied": "What we relied on: we reviewed the trip details and the speed and driving "
        "data recorded during the trip (we never share who reported it). We also took into "
        "account 2 earlier confirmed violations of our guidelines on your account.",
        "answer": "How to answer: by 9:00 AM on November 29, 2026 (Mexico City time), go to "
        "Help > Account > Answer a notice in the app and quote the reference below. Tell us "
        "what happened and anything that supports your side.",
        "decide_again": "A person on our safety team will read your answer before deciding. "
        "If we do not hear from you by then, we will decide on the information we have.",
        "free": "Nothing changes on your account until we decide: you can keep using the app "
        "as usual.",
        "held": "Your account stays on hold until we decide.",
        "appeal": "Whatever we decide, we will write to you with our reasons; if we suspend or "
        "deactivate your account, you will be able to appeal.",
    },
    "es-MX": {
        "subject": "Antes de decidir: tenemos la intención de desactivar tu cuenta",
        "found": "Revisamos un reporte sobre tu viaje del 22 de noviembre de 2026. Lo que "
        "encontramos indica que {}. Esto dicen nuestras guías comunitarias:",
        "no_trip": "Revisamos un reporte que recibimos el 23 de noviembre de 2026 sobre uno de "
        "tus viajes. Lo que encontramos indica que",
        "intent": "Por eso tenemos la intención de desactivar tu cuenta de forma permanente. "
        "Todavía no lo hemos decidido: antes de hacerlo, tienes derecho a darnos tu versión "
        "de los hechos.",
        "law": "Fundamento legal: Ley Federal del Trabajo, capítulo IX Bis (trabajo en "
        "plataformas digitales).",
        "relied": "En qué nos basamos: revisamos los detalles del viaje y los datos de "
        "velocidad y manejo registrados durante el viaje (nunca compartimos quién hizo el "
        "reporte). También tomamos en cuenta 2 incumplimientos de nuestras guías ya "
        "confirmados en tu cuenta.",
        "answer": "Cómo responder: a más tardar a las 9:00 a.m. del 29 de noviembre de 2026 "
        "(hora de Ciudad de México), entra a Ayuda > Cuenta > Responder un aviso en la app y "
        "menciona la referencia de abajo. Cuéntanos qué pasó y todo lo que respalde tu versión.",
        "decide_again": "Una persona de nuestro equipo de seguridad leerá tu respuesta antes de "
        "decidir. Si no sabemos de ti para entonces, decidiremos con la información que "
        "tenemos.",
        "free": "Mientras decidimos, tu cuenta no cambia: puedes seguir usando la app como "
        "siempre.",
        "held": "Tu cuenta sigue en pausa hasta que decidamos.",
        "appeal": "Sea cual sea nuestra decisión, te escribiremos con nuestras razones; si "
        "suspendemos o desactivamos tu cuenta, podrás apelar.",
    },
}


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("category", CATEGORIES)
def test_every_notice_of_intent_states_the_facts_the_intent_and_how_to_answer_by_when(
    category: IncidentCategory, role: str, locale: str
) -> None:
    message = notice_of_intent(locale, role, category)
    body = prose(message.body)
    says = INTENT_SAYS[locale]
    assert message.subject == says["subject"]
    assert says["found"].format(FINDING[locale][category.value]) in body
    for part in ("intent", "law", "relied", "answer", "decide_again", "free", "appeal"):
        assert says[part] in body, part
    assert says["held"] not in body
    assert faults(message.subject + "\n\n" + message.body) == []


@pytest.mark.parametrize("locale", LOCALES)
def test_a_notice_of_intent_without_the_trips_details_dates_the_report(locale: str) -> None:
    body = prose(notice_of_intent(locale, trip_started_at=None).body)
    assert INTENT_SAYS[locale]["no_trip"] in body


@pytest.mark.parametrize("locale", LOCALES)
def test_a_notice_of_intent_never_names_who_reported_it(locale: str) -> None:
    body = prose(notice_of_intent(locale).body)
    for who in ("a rider", "a driver", "un pasajero", "un conductor", "rdr_", "drv_"):
        assert who not in body


@pytest.mark.parametrize("locale", LOCALES)
def test_a_notice_of_intent_to_a_held_account_says_the_hold_stays(locale: str) -> None:
    body = prose(notice_of_intent(locale, on_hold=True).body)
    assert INTENT_SAYS[locale]["held"] in body
    assert INTENT_SAYS[locale]["free"] not in body


@pytest.mark.parametrize("locale", LOCALES)
def test_a_notice_of_intent_without_a_law_to_cite_cites_none(locale: str) -> None:
    body = prose(notice_of_intent(locale, legal_basis={}).body)
    assert "Legal basis" not in body and "Fundamento legal" not in body
    assert INTENT_SAYS[locale]["intent"] in body


HEARD = HeardBefore(
    notice_sent_at=NOW - timedelta(days=6),
    answer_due_by=NOW - timedelta(days=1),
    answered_at=NOW - timedelta(days=3),
)
HEARD_SAYS = {
    "en": {
        "asked": "Before deciding, we wrote to you on November 18, 2026 that we intended to "
        "deactivate your account, and asked for your side by November 23, 2026.",
        True: "We read your answer, received on November 21, 2026, before making this decision.",
        False: "We did not receive an answer by then, so we decided on the information we had.",
        "not_deactivated": "We have finished the review and we will not deactivate your "
        "account: we are not taking any action on it.",
    },
    "es-MX": {
        "asked": "Antes de decidir, el 18 de noviembre de 2026 te escribimos para avisarte que "
        "teníamos la intención de desactivar tu cuenta y te pedimos tu versión de los hechos "
        "a más tardar el 23 de noviembre de 2026.",
        True: "Leímos tu respuesta, que recibimos el 21 de noviembre de 2026, antes de tomar "
        "esta decisión.",
        False: "Como no recibimos respuesta en ese plazo, decidimos con la información que "
        "teníamos.",
        "not_deactivated": "Ya terminamos la revisión y no desactivaremos tu cuenta: no "
        "tomaremos ninguna medida sobre ella.",
    },
}


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("answered", [True, False])
@pytest.mark.parametrize("action", list(EnforcementAction))
def test_every_decision_after_a_hearing_says_whether_the_answer_was_read(
    action: EnforcementAction, answered: bool, locale: str
) -> None:
    heard = HEARD if answered else HEARD.model_copy(update={"answered_at": None})
    message = outcome(action, "driver", locale, heard=heard, interim_hold_lifted=False)
    body = prose(message.body)
    says = HEARD_SAYS[locale]
    assert says["asked"] in body
    assert says[answered] in body
    assert says[not answered] not in body
    assert faults(message.subject + "\n\n" + message.body) == []


@pytest.mark.parametrize("locale", LOCALES)
def test_no_action_after_a_hearing_says_the_account_stays_and_mentions_no_hold(
    locale: str,
) -> None:
    message = outcome(
        EnforcementAction.NO_ACTION, "driver", locale, heard=HEARD, interim_hold_lifted=False
    )
    body = prose(message.body)
    assert message.subject == {
        "en": "We are not taking any action on your account",
        "es-MX": "No tomaremos ninguna medida sobre tu cuenta",
    }[locale]
    assert HEARD_SAYS[locale]["not_deactivated"] in body
    assert "hold" not in body and "pausa" not in body


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("action", list(EnforcementAction))
def test_a_decision_without_a_hearing_says_nothing_of_one(
    action: EnforcementAction, locale: str
) -> None:
    body = prose(outcome(action, "driver", locale).body)
    assert HEARD_SAYS[locale]["asked"][:20] not in body


def test_a_notice_of_intent_due_at_one_oclock_says_a_la_una() -> None:
    body = prose(notice_of_intent("es-MX", answer_due_by=NOW + timedelta(days=5, hours=4)).body)
    assert "a más tardar a la 1:00 p.m. del 29 de noviembre de 2026" in body


@pytest.mark.parametrize("locale", LOCALES)
def test_a_decision_after_a_hearing_says_what_applies_before_how_the_hearing_went(
    locale: str,
) -> None:
    # Read the other way round, "we decided on what we had. Because of this, ..." would make
    # the restriction sound like the price of not answering.
    silent = HEARD.model_copy(update={"answered_at": None})
    body = prose(outcome(EnforcementAction.TEMPORARY_SUSPENSION, "driver", locale, heard=silent).body)
    applies = {"en": "Because of this, your account is suspended", "es-MX": "Por esta razón, tu cuenta está suspendida"}
    assert body.index(applies[locale]) < body.index(HEARD_SAYS[locale]["asked"])
