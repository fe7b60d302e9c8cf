"""Every message template renders in every locale, says what it must, and leaks nothing."""

from __future__ import annotations

import re
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from notifications.catalogue import NOW, SampleCases, render
from notifications.rendering import (
    TEMPLATES_DIR,
    MessageRenderer,
    MessageSetError,
    RenderedMessage,
    language_name,
)
from review.guidelines import GUIDELINES_FILE, load_guidelines
from review.markets import MARKETS_FILE
from review.matrix import load_matrix
from review.models import (
    EnforcementAction,
    HeardBefore,
    IncidentCategory,
)
from review.notices import (
    NoticeContent,
    NoticeJob,
)
from review.policy_files import PolicyFileError

RENDERER = MessageRenderer()
MATRIX = load_matrix()
CASES = SampleCases(MATRIX)
LOCALES = RENDERER.locales()
APPEAL_BY = {
    "en": "December 24, 2026",
    "es-MX": "24 de diciembre de 2026",
    "pt-BR": "24 de dezembro de 2026",
}


def outcome(
    action: EnforcementAction,
    role: str,
    locale: str,
    category: IncidentCategory = IncidentCategory.DANGEROUS_DRIVING,
    reasons_changes: dict[str, object] | None = None,
    **changes: object,
) -> RenderedMessage:
    content = outcome_content(action, role, category, reasons_changes, **changes)
    return render_content(content, role, locale)


def render_content(content: NoticeContent, role: str, locale: str) -> RenderedMessage:
    """The message ``content`` makes for its recipient reading ``locale``."""
    return render(RENDERER, content, locale)


outcome_content = CASES.outcome
held_content = CASES.hold


def reporter(locale: str) -> RenderedMessage:
    return render_content(CASES.reporter(), "rider", locale)


def test_every_locale_has_the_same_templates_as_english() -> None:
    def names(locale: str) -> set[str]:
        return {
            str(p.relative_to(TEMPLATES_DIR / locale))
            for p in (TEMPLATES_DIR / locale).rglob("*.j2")
        }

    assert set(LOCALES) >= {"en", "es-MX", "pt-BR"}
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
    appeal_path = {
        "en": "Appeal a decision",
        "es-MX": "Apelar una decisión",
        "pt-BR": "Recorrer de uma decisão",
    }
    assert appeal_path[locale] in body


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
    for word in (
        "suspend",
        "deactivat",
        "warning",
        "desactiv",
        "advertencia",
        "suspens",
        "desativ",
        "advertência",
        "7 d",
    ):
        assert word not in body


def test_dates_are_shown_in_the_markets_time_zone() -> None:
    # 03:00 UTC on December 1 is still November 30 in Mexico City.
    ends = datetime(2026, 12, 1, 3, tzinfo=UTC)
    body = outcome(
        EnforcementAction.TEMPORARY_SUSPENSION, "driver", "es-MX", suspension_ends_at=ends
    ).body
    assert "30 de noviembre de 2026" in body


STATEMENT_OF_REASONS = {
    "en": [
        "Why we made this decision",
        "in every city and country where the app operates",
        "What we relied on: a report about your trip on November 22, 2026 (trip trp_8841), "
        "received on November 23, 2026. We never share who reported an incident.",
        "We reviewed the trip details, the report and the statements we collected, your account "
        "history and the speed and driving data recorded during the trip.",
        "one earlier confirmed violation",
        "Automated tools: the speed and driving data was recorded automatically by the app "
        "during the trip. Our enforcement guide suggested an action for this kind of incident "
        "automatically, but it does not decide.",
        "A person on our safety team looked at the evidence and made this decision",
        "a second person on the team checked it",
        "You can also take this decision to a labour conciliation centre and, after that, to "
        "the labour courts",
    ],
    "es-MX": [
        "Por qué tomamos esta decisión",
        "en todas las ciudades y países donde opera la app",
        "En qué nos basamos: un reporte sobre tu viaje del 22 de noviembre de 2026 (viaje "
        "trp_8841), que recibimos el 23 de noviembre de 2026. Nunca compartimos quién hizo un "
        "reporte.",
        "Revisamos los detalles del viaje, el reporte y las declaraciones que reunimos, el "
        "historial de tu cuenta y los datos de velocidad y manejo registrados durante el viaje.",
        "que tu cuenta ya tenía un incumplimiento confirmado de nuestras guías",
        "Herramientas automatizadas: la app registró de forma automática los datos de "
        "velocidad y manejo durante el viaje. Nuestra guía de medidas propuso de forma "
        "automática una medida para este tipo de incidente, pero no decide.",
        "Una persona de nuestro equipo de seguridad revisó la evidencia y tomó esta decisión",
        "una segunda persona del equipo la verificó",
        "También puedes llevar esta decisión ante un centro de conciliación laboral y, después, "
        "ante los tribunales laborales",
    ],
    "pt-BR": [
        "Por que tomamos esta decisão",
        "em todas as cidades e países onde o app está disponível",
        "Em que nos baseamos: um relato sobre sua viagem de 22 de novembro de 2026 (viagem "
        "trp_8841), recebido em 23 de novembro de 2026. Nunca compartilhamos quem fez um relato.",
        "Analisamos os detalhes da viagem, o relato e os depoimentos que coletamos, o histórico "
        "da sua conta e os dados de velocidade e direção registrados durante a viagem.",
        "que sua conta já tinha um descumprimento confirmado das nossas diretrizes",
        "Ferramentas automatizadas: os dados de velocidade e direção foram registrados "
        "automaticamente pelo app durante a viagem. Nosso guia de aplicação das regras sugeriu "
        "automaticamente uma medida para este tipo de incidente, mas não é ele quem decide.",
        "Uma pessoa da nossa equipe de segurança examinou as evidências e tomou esta decisão",
        "uma segunda pessoa da equipe a revisou",
        "Você também pode levar esta decisão a um centro de conciliação trabalhista e, depois, "
        "aos tribunais trabalhistas",
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
        "en": "is suspended from November 24, 2026, 9:00 AM until December 1, 2026, 9:00 AM "
        "(Mexico City time)",
        "es-MX": "está suspendida desde el 24 de noviembre de 2026 a las 9:00 a.m. hasta el 1 de "
        "diciembre de 2026 a las 9:00 a.m. (hora de Ciudad de México)",
        "pt-BR": "está suspensa de 24 de novembro de 2026, às 09:00, até 1º de dezembro de 2026, "
        "às 09:00 (horário da Cidade do México)",
    }[locale]
    assert expected in body


@pytest.mark.parametrize("locale", LOCALES)
def test_a_deactivation_says_it_is_permanent_from_when(locale: str) -> None:
    body = outcome(EnforcementAction.PERMANENT_DEACTIVATION, "driver", locale).body
    expected = {
        "en": "is deactivated permanently from November 24, 2026, 9:00 AM (Mexico City time)",
        "es-MX": "está desactivada de forma permanente desde el 24 de noviembre de 2026 a las "
        "9:00 a.m. (hora de Ciudad de México)",
        "pt-BR": "está desativada permanentemente desde 24 de novembro de 2026, às 09:00 "
        "(horário da Cidade do México)",
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
    # It cannot know what tools were used, so it claims none were: it says what always holds.
    for claim in (
        "not made automatically",
        "no se tomó de forma automática",
        "não foi tomada automaticamente",
        "não foi tomada de forma automática",
    ):
        assert claim not in body
    assert OLD_NOTICE_SAYS[locale] in prose(body)


OLD_NOTICE_SAYS = {
    "en": "our tools can flag reports and suggest an action, but they do not decide.",
    "es-MX": "nuestras herramientas pueden detectar reportes y proponer una medida, pero no "
    "deciden.",
    "pt-BR": "nossas ferramentas podem sinalizar relatos e sugerir uma medida, mas não decidem.",
}


def hold_notice(
    locale: str,
    role: str = "driver",
    category: IncidentCategory = IncidentCategory.WEAPONS,
) -> RenderedMessage:
    return render_content(held_content(role, category), role, locale)


HOLD_NOTICE = {
    "en": [
        "as our rules require for every report of this kind and severity.",
        "This is not a decision.",
        "is on hold from November 24, 2026, 9:00 AM (Mexico City time), in every city and "
        "country where the app operates",
        "We expect to decide by November 24, 2026, 1:00 PM (Mexico City time).",
        "What we relied on: a report we received on November 23, 2026 (we never share who "
        "reported an incident).",
        "the hold was placed automatically",
        "No person has made any decision about your account yet.",
        "go to Help > Safety in the app and quote the reference below; send it before "
        "November 24, 2026, 1:00 PM (Mexico City time) so the person reviewing the report can "
        "read it before deciding.",
        "If we then suspend or deactivate your account, we will tell you why and you can appeal "
        "in the app within 30 days; a different person from our safety team will look at your "
        "appeal. If we do not, the hold is lifted at once.",
    ],
    "es-MX": [
        "como lo exigen nuestras reglas para todo reporte de este tipo y gravedad.",
        "Esto no es una decisión.",
        "está en pausa desde el 24 de noviembre de 2026 a las 9:00 a.m. (hora de Ciudad de "
        "México), en todas las ciudades y países",
        "Esperamos tener una decisión a más tardar el 24 de noviembre de 2026 a la 1:00 p.m. "
        "(hora de Ciudad de México).",
        "En qué nos basamos: un reporte que recibimos el 23 de noviembre de 2026 (nunca "
        "compartimos quién hizo un reporte).",
        "la pausa se aplicó de forma automática",
        "Ninguna persona ha tomado todavía una decisión sobre tu cuenta.",
        "entra a Ayuda > Seguridad en la app y menciona la referencia de abajo; envíala antes "
        "del 24 de noviembre de 2026 a la 1:00 p.m. (hora de Ciudad de México) para que la "
        "persona que revise el reporte la lea antes de decidir.",
        "Si entonces suspendemos o desactivamos tu cuenta, te diremos por qué y podrás apelar "
        "en la app dentro de los 30 días siguientes; otra persona de nuestro equipo de "
        "seguridad revisará tu apelación. Si no, quitaremos la pausa de inmediato.",
    ],
    "pt-BR": [
        "como nossas regras exigem para todo relato deste tipo e gravidade.",
        "Isto não é uma decisão.",
        "está em pausa desde 24 de novembro de 2026, às 09:00 (horário da Cidade do México), em "
        "todas as cidades e países onde o app está disponível",
        "Esperamos decidir até 24 de novembro de 2026, às 13:00 (horário da Cidade do México).",
        "Em que nos baseamos: um relato que recebemos em 23 de novembro de 2026 (nunca "
        "compartilhamos quem fez um relato).",
        "a pausa foi aplicada automaticamente",
        "Até agora, nenhuma pessoa tomou qualquer decisão sobre sua conta.",
        "acesse Ajuda > Segurança no app e informe a referência abaixo; envie antes de 24 de "
        "novembro de 2026, às 13:00 (horário da Cidade do México), para que a pessoa responsável "
        "pela análise leia sua versão antes de decidir.",
        "Se suspendermos ou desativarmos sua conta, vamos explicar o motivo, e você poderá "
        "recorrer no app em até 30 dias; outra pessoa da nossa equipe de segurança vai analisar "
        "seu recurso. Caso contrário, a pausa será retirada imediatamente.",
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
        "weapons": "hubo portación o exhibición de un arma",
        "fraud": "la cuenta se usó para cometer fraude",
        "unsafe_vehicle": "el vehículo no estaba en condiciones seguras",
        "identity_mismatch": "una persona distinta a la titular estaba usando la cuenta",
        "property_damage": "hubo daños a la propiedad",
        "other_policy_violation": "hubo una conducta que nuestras guías comunitarias no permiten",
    },
    "pt-BR": {
        "physical_assault": "houve violência física",
        "sexual_misconduct": "houve conduta sexual inadequada",
        "threats_harassment": "houve ameaças ou assédio",
        "discrimination": "houve discriminação",
        "dangerous_driving": "o veículo foi dirigido de forma perigosa",
        "impaired_driving": "o veículo foi dirigido sob efeito de álcool ou drogas",
        "weapons": "uma arma foi portada ou exibida",
        "fraud": "a conta foi usada para cometer fraude",
        "unsafe_vehicle": "o veículo não estava em condições seguras",
        "identity_mismatch": "uma pessoa que não é a titular estava usando a conta",
        "property_damage": "houve danos materiais",
        "other_policy_violation": "houve uma conduta que nossas diretrizes da comunidade não "
        "permitem",
    },
}
FOUND = {
    "en": "We reviewed a report about your trip on November 22, 2026 (trip trp_8841) and found "
    "that {}. Our community guidelines say:",
    "es-MX": "Revisamos un reporte sobre tu viaje del 22 de noviembre de 2026 (viaje trp_8841) "
    "y encontramos que {}. Esto dicen nuestras guías comunitarias:",
    "pt-BR": "Analisamos um relato sobre sua viagem de 22 de novembro de 2026 (viagem trp_8841) "
    "e constatamos que {}. Nossas diretrizes da comunidade dizem:",
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
    "pt-BR": {
        "physical_assault": "violência física",
        "sexual_misconduct": "conduta sexual inadequada",
        "threats_harassment": "ameaças ou assédio",
        "discrimination": "discriminação",
        "dangerous_driving": "direção perigosa",
        "impaired_driving": "direção sob efeito de álcool ou drogas",
        "weapons": "o porte ou a exibição de uma arma",
        "fraud": "fraude",
        "unsafe_vehicle": "as condições de segurança do veículo",
        "identity_mismatch": "o uso da conta por uma pessoa que não é a titular",
        "property_damage": "danos materiais",
        "other_policy_violation": "uma conduta que nossas diretrizes da comunidade não permitem",
    },
}
HELD_ABOUT = {
    "en": "We received a report about {} on a recent trip.",
    "es-MX": "Recibimos un reporte sobre {} en un viaje reciente.",
    "pt-BR": "Recebemos um relato sobre {} em uma viagem recente.",
}
REMINDED_ABOUT = {
    "en": "We reviewed a report about {} on a recent trip.",
    "es-MX": "Revisamos un reporte sobre {} en un viaje reciente.",
    "pt-BR": "Analisamos um relato sobre {} em uma viagem recente.",
}
PAYMENTS_KEPT = {
    "en": "Payments you are owed for trips you have already made are not affected.",
    "es-MX": "Los pagos que te debemos por los viajes que ya hiciste no se ven afectados.",
    "pt-BR": "Os pagamentos que você tem a receber pelas viagens que já fez não serão afetados.",
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
    for owed in ("owed", "te debemos", "a receber"):
        assert owed not in body


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
        named = ("community guidelines", "guías comunitarias", "diretrizes da comunidade")
        if sum(lower.count(name) for name in named) > 1:
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
    # As policy/markets.toml words it, the ordinance's name included.
    "pt-BR": "Código Municipal de Seattle, capítulo 8.40 (App-Based Worker Deactivation Rights "
    "Ordinance, a lei municipal sobre os direitos de trabalhadores de aplicativos em caso de "
    "desativação)",
}
NOTICE_GIVEN = {
    "notified_at": NOW,
    "starts_at": NOW + timedelta(days=14),
    "legal_basis": SEATTLE_LAW,
}
NOTICE_SAYS = {
    "en": [
        "Because of what we found, your account will be permanently deactivated on December 8, "
        "2026, "
        "9:00 AM (Mexico City time). Until then you can keep using the app as usual; from then on you will no longer "
        "be able to go online and drive with the app.",
        "your driver account will be deactivated permanently from December 8, 2026, 9:00 AM",
        "We are telling you 14 days in advance. Legal basis: Seattle Municipal Code chapter 8.40.",
    ],
    "es-MX": [
        "Por lo que encontramos, tu cuenta será desactivada de forma permanente el 8 de diciembre de "
        "2026 a las 9:00 a.m. (hora de Ciudad de México). Hasta entonces puedes seguir usando la app como "
        "siempre; a partir de ese momento ya no podrás conectarte para hacer viajes en la app.",
        "será desactivada de forma permanente a partir del 8 de diciembre de 2026 a las 9:00",
        "Te avisamos con 14 días de anticipación. Fundamento legal: Código Municipal de "
        "Seattle, capítulo 8.40.",
    ],
    "pt-BR": [
        "Pelo que constatamos, sua conta será desativada permanentemente em 8 de dezembro de 2026, "
        "às 09:00 "
        "(horário da Cidade do México). Até lá, você pode continuar usando o app normalmente; a "
        "partir dessa data, não poderá mais ficar online e fazer viagens pelo app.",
        "sua conta de motorista será desativada permanentemente a partir de 8 de dezembro de "
        "2026, às 09:00",
        "Estamos avisando você com 14 dias de antecedência. Base legal: Código Municipal de "
        "Seattle, capítulo 8.40 (App-Based Worker Deactivation Rights Ordinance, a lei municipal "
        "sobre os direitos de trabalhadores de aplicativos em caso de desativação).",
    ],
}
NOTICE_SUBJECT = {
    "en": "Your account will be deactivated",
    "es-MX": "Tu cuenta será desactivada",
    "pt-BR": "Sua conta será desativada",
}


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
    already = {
        "en": "has been permanently deactivated",
        "es-MX": "fue desactivada",
        "pt-BR": "foi desativada",
    }
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
    content = CASES.appeal(outcome, role, category, original, action, took_effect, correction)  # type: ignore[arg-type]
    return render_content(content, role, locale)


APPEAL_SAYS = {
    "en": {
        "opening": "Thank you for appealing our decision about {} on your trip on November 22, "
        "2026 (trip trp_8841). A member of "
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
        "opening": "Gracias por apelar nuestra decisión sobre {} en tu viaje del 22 de noviembre "
        "de 2026 (viaje trp_8841). Una "
        "persona de nuestro equipo de seguridad que no participó en la decisión original la "
        "revisó de nuevo, junto con lo que nos contaste,",
        "overturn": ("Aceptamos tu apelación", "Lamentamos las molestias que te causó."),
        "uphold": ("La decisión sobre tu cuenta se mantiene", "decidió mantenerla"),
        "modify": ("Cambiamos la decisión sobre tu cuenta", "Lo lamentamos."),
        "redress": "Con esto termina tu apelación en la app.",
        "reinstated": "Tu cuenta ya está activa otra vez: puedes {} como antes.",
        "never": "La desactivación de la que te avisamos no se aplicará",
    },
    "pt-BR": {
        "opening": "Obrigado por recorrer da nossa decisão sobre {} na sua viagem de 22 de "
        "novembro de 2026 (viagem trp_8841). Uma "
        "pessoa da nossa equipe de segurança que não participou da decisão original analisou o "
        "caso novamente, junto com o que você nos contou,",
        "overturn": (
            "Seu recurso foi aprovado",
            "Pedimos desculpas pelo transtorno que isso causou a você.",
        ),
        "uphold": ("A decisão sobre sua conta foi mantida", "decidiu manter a decisão"),
        "modify": ("Mudamos a decisão sobre sua conta", "Pedimos desculpas por isso."),
        "redress": "Este foi o seu recurso dentro do app.",
        "reinstated": "Sua conta está ativa novamente: você pode {} como antes.",
        "never": "A desativação que informamos não vai acontecer",
    },
}
USE_APP = {
    "en": {"driver": "go online and drive with the app", "rider": "request trips with the app"},
    "es-MX": {
        "driver": "conectarte para hacer viajes en la app",
        "rider": "pedir viajes en la app",
    },
    "pt-BR": {"driver": "ficar online e fazer viagens pelo app", "rider": "pedir viagens pelo app"},
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
        "for 7 days, until December 1, 2026, 9:00 AM (Mexico City time), instead.",
        EnforcementAction.WARNING: "What applies now: a warning instead. Your account is active",
        EnforcementAction.EDUCATION: "What applies now: a reminder of our guidelines instead",
    },
    "es-MX": {
        EnforcementAction.TEMPORARY_SUSPENSION: "La medida ahora: en lugar de eso, tu cuenta "
        "queda suspendida por 7 días, hasta el 1 de diciembre de 2026 a las 9:00 a.m. (hora de "
        "Ciudad de México).",
        EnforcementAction.WARNING: "La medida ahora: una advertencia, en lugar de eso. Tu cuenta "
        "está activa",
        EnforcementAction.EDUCATION: "La medida ahora: un recordatorio de nuestras guías, en lugar "
        "de eso. Tu cuenta está activa",
    },
    "pt-BR": {
        EnforcementAction.TEMPORARY_SUSPENSION: "A medida agora: em vez disso, sua conta fica "
        "suspensa por 7 dias, até 1º de dezembro de 2026, às 09:00 (horário da Cidade do "
        "México).",
        EnforcementAction.WARNING: "A medida agora: uma advertência, em vez disso. Sua conta está "
        "ativa",
        EnforcementAction.EDUCATION: "A medida agora: um lembrete das nossas diretrizes, em vez "
        "disso. Sua conta está ativa",
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
        "no part in the original decision looked again at our decision about {} on your trip "
        "on November 22, 2026 (trip trp_8841), and found that",
        "overturn": "We reversed our decision on your account",
        "modify": "We changed the decision on your account",
        "redress": "If you think this decision is still wrong, you can appeal it until",
    },
    "es-MX": {
        "opening": "Como parte de nuestras revisiones de calidad, una persona de nuestro equipo "
        "de seguridad que no participó en la decisión original volvió a revisar nuestra "
        "decisión sobre {} en tu viaje del 22 de noviembre de 2026 (viaje trp_8841) y concluyó que",
        "overturn": "Revertimos nuestra decisión sobre tu cuenta",
        "modify": "Cambiamos la decisión sobre tu cuenta",
        "redress": "Si crees que esta decisión sigue siendo incorrecta, puedes apelarla hasta el",
    },
    "pt-BR": {
        "opening": "Como parte das nossas verificações de qualidade de rotina, uma pessoa da "
        "nossa equipe de segurança que não participou da decisão original revisou nossa decisão "
        "sobre {} na sua viagem de 22 de novembro de 2026 (viagem trp_8841) e concluiu que",
        "overturn": "Revertemos nossa decisão sobre sua conta",
        "modify": "Mudamos a decisão sobre sua conta",
        "redress": "Se você ainda acha que esta decisão está errada, pode recorrer dela até",
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
    assert (MEXICO_REDRESS[locale][role] in body) is (outcome == "modify")
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


# Beyond the app's appeal, the route Mexico's law gives each role (policy/markets.toml).
MEXICO_REDRESS = {
    "en": {
        "driver": "You can also take this decision to a labour conciliation centre and, after "
        "that, to the labour courts, as Mexico's Federal Labour Law provides",
        "rider": "You can also file a complaint with Mexico's consumer protection agency "
        "(PROFECO, Procuraduría Federal del Consumidor) or take this decision to the courts.",
    },
    "es-MX": {
        "driver": "También puedes llevar esta decisión ante un centro de conciliación laboral "
        "y, después, ante los tribunales laborales, como lo prevé la Ley Federal del Trabajo",
        "rider": "También puedes presentar una queja ante la Procuraduría Federal del "
        "Consumidor (PROFECO) o llevar esta decisión ante los tribunales.",
    },
    "pt-BR": {
        "driver": "Você também pode levar esta decisão a um centro de conciliação trabalhista "
        "e, depois, aos tribunais trabalhistas, como prevê a Lei Federal do Trabalho do México",
        "rider": "Você também pode registrar uma reclamação no órgão de defesa do consumidor do "
        "México (PROFECO, Procuraduría Federal del Consumidor) ou levar esta decisão aos "
        "tribunais.",
    },
}


# --- the hearing ----------------------------------------------------------------------------------


def notice_of_intent(
    locale: str,
    role: str = "driver",
    category: IncidentCategory = IncidentCategory.FRAUD,
    **changes: object,
) -> RenderedMessage:
    content = CASES.notice_of_intent(role, category, **changes)  # type: ignore[arg-type]
    return render_content(content, role, locale)


INTENT_SAYS = {
    "en": {
        "subject": "Before we decide: we intend to deactivate your account",
        "found": "We reviewed a report about your trip on November 22, 2026 (trip trp_8841). "
        "What we found indicates that {}. Our community guidelines say:",
        "no_trip": "We reviewed a report we received on November 23, 2026 about one of your "
        "trips. What we found indicates that",
        "intent": "Because of this, we intend to deactivate your account permanently. We have "
        "not decided yet: before we do, you have the right to tell us your side.",
        "law": "Legal basis: Mexico's Federal Labour Law, chapter IX Bis (work through digital "
        "platforms).",
        "relied": "What we relied on: we reviewed the trip details, the report and the "
        "statements we collected",
        "never_share": "We never share who reported an incident. We also took into account 2 "
        "earlier confirmed violations of our guidelines on your account.",
        "answer": "How to answer: by November 29, 2026, 9:00 AM (Mexico City time), go to "
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
        "found": "Revisamos un reporte sobre tu viaje del 22 de noviembre de 2026 (viaje "
        "trp_8841). Lo que encontramos indica que {}. Esto dicen nuestras guías comunitarias:",
        "no_trip": "Revisamos un reporte que recibimos el 23 de noviembre de 2026 sobre uno de "
        "tus viajes. Lo que encontramos indica que",
        "intent": "Por eso tenemos la intención de desactivar tu cuenta de forma permanente. "
        "Todavía no lo hemos decidido: antes de hacerlo, tienes derecho a darnos tu versión "
        "de los hechos.",
        "law": "Fundamento legal: Ley Federal del Trabajo, capítulo IX Bis (trabajo en "
        "plataformas digitales).",
        "relied": "En qué nos basamos: revisamos los detalles del viaje, el reporte y las "
        "declaraciones que reunimos",
        "never_share": "Nunca compartimos quién hizo un reporte. También tomamos en cuenta que tu "
        "cuenta ya tenía 2 incumplimientos confirmados de nuestras guías.",
        "answer": "Cómo responder: a más tardar el 29 de noviembre de 2026 a las 9:00 a.m. "
        "(hora de Ciudad de México), entra a Ayuda > Cuenta > Responder un aviso en la app y "
        "menciona la referencia de abajo. Cuéntanos qué pasó y todo lo que respalde tu versión.",
        "decide_again": "Una persona de nuestro equipo de seguridad leerá tu respuesta antes de "
        "decidir. Si no recibimos tu respuesta para entonces, decidiremos con la información que "
        "tenemos.",
        "free": "Mientras decidimos, tu cuenta no cambia: puedes seguir usando la app como "
        "siempre.",
        "held": "Tu cuenta sigue en pausa hasta que decidamos.",
        "appeal": "Sea cual sea nuestra decisión, te escribiremos con nuestras razones; si "
        "suspendemos o desactivamos tu cuenta, podrás apelar.",
    },
    "pt-BR": {
        "subject": "Antes de decidirmos: pretendemos desativar sua conta",
        "found": "Analisamos um relato sobre sua viagem de 22 de novembro de 2026 (viagem "
        "trp_8841). O que encontramos indica que {}. Nossas diretrizes da comunidade dizem:",
        "no_trip": "Analisamos um relato que recebemos em 23 de novembro de 2026 sobre uma das "
        "suas viagens. O que encontramos indica que",
        "intent": "Por isso, pretendemos desativar sua conta permanentemente. Ainda não "
        "decidimos: antes disso, você tem o direito de nos contar sua versão dos fatos.",
        "law": "Base legal: Lei Federal do Trabalho do México, capítulo IX Bis (trabalho em "
        "plataformas digitais).",
        "relied": "Em que nos baseamos: analisamos os detalhes da viagem, o relato e os "
        "depoimentos que coletamos",
        "never_share": "Nunca compartilhamos quem fez um relato. Também levamos em conta que sua "
        "conta já tinha 2 descumprimentos confirmados das nossas diretrizes.",
        "answer": "Como responder: até 29 de novembro de 2026, às 09:00 (horário da Cidade do "
        "México), acesse Ajuda > Conta > Responder a um aviso no app e informe a referência "
        "abaixo. Conte o que aconteceu e tudo o que possa apoiar sua versão.",
        "decide_again": "Uma pessoa da nossa equipe de segurança vai ler sua resposta antes de "
        "decidir. Se não recebermos sua resposta até lá, vamos decidir com base nas informações "
        "que temos.",
        "free": "Nada muda na sua conta até decidirmos: você pode continuar usando o app "
        "normalmente.",
        "held": "Sua conta continua em pausa até decidirmos.",
        "appeal": "Seja qual for a decisão, vamos escrever para você explicando os motivos; se "
        "suspendermos ou desativarmos sua conta, você poderá recorrer.",
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
    for part in (
        "intent",
        "law",
        "relied",
        "never_share",
        "answer",
        "decide_again",
        "free",
        "appeal",
    ):
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
    for who in (
        "a rider",
        "a driver",
        "un pasajero",
        "un conductor",
        "um passageiro",
        "uma passageira",
        "um motorista",
        "uma motorista",
        "rdr_",
        "drv_",
    ):
        assert who not in body


@pytest.mark.parametrize("locale", LOCALES)
def test_a_notice_of_intent_to_a_held_account_says_the_hold_stays(locale: str) -> None:
    body = prose(notice_of_intent(locale, on_hold=True).body)
    assert INTENT_SAYS[locale]["held"] in body
    assert INTENT_SAYS[locale]["free"] not in body


@pytest.mark.parametrize("locale", LOCALES)
def test_a_notice_of_intent_without_a_law_to_cite_cites_none(locale: str) -> None:
    body = prose(notice_of_intent(locale, legal_basis={}).body)
    for cited in ("Legal basis", "Fundamento legal", "Base legal"):
        assert cited not in body
    assert INTENT_SAYS[locale]["intent"] in body


HEARD = HeardBefore(
    notice_sent_at=NOW - timedelta(days=6),
    answer_due_by=NOW - timedelta(days=1),
    answered_at=NOW - timedelta(days=3),
)
HEARD_SAYS = {
    "en": {
        "asked": "Before deciding, we wrote to you on November 18, 2026 that we intended to "
        "deactivate your account, and asked for your side by November 23, 2026, 9:00 AM "
        "(Mexico City time).",
        True: "We read your answer, received on November 21, 2026, before making this decision.",
        False: "We did not receive an answer by then, so we decided on the information we had.",
        "not_deactivated": "We have finished the review and we will not deactivate your "
        "account: we are not taking any action on it.",
    },
    "es-MX": {
        "asked": "Antes de decidir, el 18 de noviembre de 2026 te escribimos para avisarte que "
        "teníamos la intención de desactivar tu cuenta y te pedimos tu versión de los hechos "
        "a más tardar el 23 de noviembre de 2026 a las 9:00 a.m. (hora de Ciudad de México).",
        True: "Leímos tu respuesta, que recibimos el 21 de noviembre de 2026, antes de tomar "
        "esta decisión.",
        False: "Como no recibimos respuesta en ese plazo, decidimos con la información que "
        "teníamos.",
        "not_deactivated": "Ya terminamos la revisión y no desactivaremos tu cuenta: no "
        "tomaremos ninguna medida sobre ella.",
    },
    "pt-BR": {
        "asked": "Antes de decidir, em 18 de novembro de 2026, escrevemos para você avisando que "
        "pretendíamos desativar sua conta e pedimos sua versão dos fatos até 23 de novembro de "
        "2026, às 09:00 (horário da Cidade do México).",
        True: "Lemos sua resposta, recebida em 21 de novembro de 2026, antes de tomar esta "
        "decisão.",
        False: "Como não recebemos resposta dentro desse prazo, decidimos com base nas "
        "informações que tínhamos.",
        "not_deactivated": "Concluímos a análise e não vamos desativar sua conta: não tomaremos "
        "nenhuma medida sobre ela.",
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
    assert (
        message.subject
        == {
            "en": "We are not taking any action on your account",
            "es-MX": "No tomaremos ninguna medida sobre tu cuenta",
            "pt-BR": "Não vamos tomar nenhuma medida sobre sua conta",
        }[locale]
    )
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
    assert "a más tardar el 29 de noviembre de 2026 a la 1:00 p.m." in body


@pytest.mark.parametrize("locale", LOCALES)
def test_a_decision_after_a_hearing_says_what_applies_before_how_the_hearing_went(
    locale: str,
) -> None:
    # Read the other way round, "we decided on what we had. Because of this, ..." would make
    # the restriction sound like the price of not answering.
    silent = HEARD.model_copy(update={"answered_at": None})
    body = prose(
        outcome(EnforcementAction.TEMPORARY_SUSPENSION, "driver", locale, heard=silent).body
    )
    applies = {
        "en": "Because of this, your account is suspended",
        "es-MX": "Por esta razón, tu cuenta está suspendida",
        "pt-BR": "Por isso, sua conta está suspensa",
    }
    assert body.index(applies[locale]) < body.index(HEARD_SAYS[locale]["asked"])


# --- issue: the right content for the right person ------------------------------------------


def every_message(locale: str, role: str, category: IncidentCategory) -> list[RenderedMessage]:
    """Every message the reported account can get about ``category``, with the variants that
    change what one says (the catalogue a lead reads: ``python -m notifications.catalogue``)."""
    return [render_content(c, role, locale) for _, c in CASES.every_message(role, category)]  # type: ignore[arg-type]


def rider_categories() -> list[IncidentCategory]:
    return [c for c in CATEGORIES if not c.concerns_driving]


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("category", CATEGORIES)
def test_no_message_says_whether_a_rider_or_a_driver_reported_the_person(
    category: IncidentCategory, locale: str
) -> None:
    def bodies(reported_by: str) -> list[str]:
        messages = [
            outcome(
                a, "driver", locale, category, reasons_changes={"based_on_report_by": reported_by}
            )
            for a in EnforcementAction
        ]
        content = held_content("driver", category).model_copy(
            update={"based_on_report_by": reported_by}
        )
        messages.append(render_content(content, "driver", locale))
        return [m.body for m in messages]

    assert bodies("rider") == bodies("driver") == bodies("third_party")


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("category", rider_categories())
def test_a_rider_is_never_told_to_drive_or_to_look_after_a_vehicle(
    category: IncidentCategory, locale: str
) -> None:
    for message in every_message(locale, "rider", category):
        body = message.body.lower()
        for driving in DRIVING_WORDS[locale]:
            assert driving not in body, (driving, message.subject)


DRIVING_WORDS = {
    "en": ["drive with", "go online", "driving data", "your vehicle", "keep the vehicle"],
    "es-MX": ["conectarte", "manejo registrados", "tu vehículo", "mantén el vehículo"],
    "pt-BR": [
        "ficar online",
        "fazer viagens pelo app",
        "velocidade e direção",
        "seu veículo",
        "mantenha o veículo",
    ],
}


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("category", CATEGORIES)
def test_a_deactivation_the_earlier_violations_brought_says_so_not_how_serious_it_was(
    category: IncidentCategory, locale: str
) -> None:
    history = prose(
        outcome(
            EnforcementAction.PERMANENT_DEACTIVATION,
            "driver",
            locale,
            category,
            reasons_changes={"because_of_prior_violations": True, "prior_violations": 2},
        ).body
    )
    serious = prose(
        outcome(EnforcementAction.PERMANENT_DEACTIVATION, "driver", locale, category).body
    )
    assert PRIORS_SAY[locale]["history"] in history
    assert PRIORS_SAY[locale]["serious"] not in history
    assert PRIORS_SAY[locale]["serious"] in serious
    assert PRIORS_SAY[locale]["history"] not in serious


PRIORS_SAY = {
    "en": {
        "history": "Because of what we found, and because you already had 2 confirmed violations of our "
        "guidelines, your account has been permanently deactivated",
        "serious": "Because of how serious this is",
    },
    "es-MX": {
        "history": "Por lo que encontramos, y porque ya tenías 2 incumplimientos confirmados de nuestras "
        "guías, tu cuenta fue desactivada de forma permanente",
        "serious": "Por la gravedad de lo ocurrido",
    },
    "pt-BR": {
        "history": "Pelo que constatamos, e porque você já tinha 2 descumprimentos confirmados das nossas "
        "diretrizes, sua conta foi desativada permanentemente",
        "serious": "Pela gravidade do ocorrido",
    },
}


@pytest.mark.parametrize("locale", LOCALES)
def test_a_suspension_after_a_hold_says_the_hold_does_not_count_towards_it(locale: str) -> None:
    body = prose(
        outcome(
            EnforcementAction.TEMPORARY_SUSPENSION,
            "driver",
            locale,
            reasons_changes={"held_since": NOW - timedelta(hours=4)},
        ).body
    )
    assert HOLD_NOT_COUNTED[locale] in body
    plain = prose(outcome(EnforcementAction.TEMPORARY_SUSPENSION, "driver", locale).body)
    assert HOLD_NOT_COUNTED[locale] not in plain


HOLD_NOT_COUNTED = {
    "en": "Your account was on hold from November 24, 2026, 5:00 AM while we reviewed the "
    "report; that time does not count towards the suspension, which runs from this decision.",
    "es-MX": "Tu cuenta estuvo en pausa desde el 24 de noviembre de 2026 a las 5:00 a.m. "
    "mientras revisábamos el reporte; ese tiempo no se descuenta de la suspensión, que corre a "
    "partir de esta decisión.",
    "pt-BR": "Sua conta ficou em pausa a partir de 24 de novembro de 2026, às 05:00, enquanto "
    "analisávamos o relato; esse tempo não é descontado da suspensão, que conta a partir desta "
    "decisão.",
}


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("market", ["mexico-city", "seattle", "chicago"])
@pytest.mark.parametrize(
    "action", [EnforcementAction.TEMPORARY_SUSPENSION, EnforcementAction.PERMANENT_DEACTIVATION]
)
def test_a_restriction_names_the_redress_the_persons_market_gives_their_role(
    action: EnforcementAction, market: str, role: str, locale: str
) -> None:
    body = prose(outcome(action, role, locale, IncidentCategory.FRAUD, market=market).body)
    route = RENDERER.markets.redress(market, role, locale)  # type: ignore[arg-type]
    assert route and route in body
    assert "certified" not in body and "certificado" not in body


def test_mexico_sends_drivers_to_labour_conciliation_and_riders_to_profeco() -> None:
    for locale in LOCALES:
        driver = prose(outcome(EnforcementAction.PERMANENT_DEACTIVATION, "driver", locale).body)
        rider = prose(
            outcome(
                EnforcementAction.PERMANENT_DEACTIVATION, "rider", locale, IncidentCategory.FRAUD
            ).body
        )
        assert "PROFECO" in rider and "PROFECO" not in driver, locale
        assert MEXICO_REDRESS.get(locale, MEXICO_REDRESS["en"])["driver"][:20] not in rider


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize(
    "action", [EnforcementAction.TEMPORARY_SUSPENSION, EnforcementAction.PERMANENT_DEACTIVATION]
)
def test_an_incident_our_systems_detected_is_declared_as_automated_detection(
    action: EnforcementAction, locale: str
) -> None:
    body = prose(
        outcome(
            action,
            "driver",
            locale,
            reasons_changes={"detected_automatically": True, "based_on_report_by": "platform"},
            detected_automatically=True,
        ).body
    )
    for sentence in DETECTED_SAYS[locale]:
        assert sentence in body
    assert NEVER_SHARE[locale] not in body
    assert REPORT_WORD[locale] not in body.split(".")[0].lower()  # "We reviewed an alert ..."
    relied = next(p for p in body.split(". ") if p.startswith(RELIED_ON[locale]))
    assert REPORT_WORD[locale] not in relied.lower()
    assert ALERT_EVIDENCE[locale] in body


RELIED_ON = {
    "en": "What we relied on:",
    "es-MX": "En qué nos basamos:",
    "pt-BR": "Em que nos baseamos:",
}
ALERT_EVIDENCE = {
    "en": "the alert and the information we collected",
    "es-MX": "la alerta y la información que reunimos",
    "pt-BR": "o alerta e as informações que coletamos",
}


@pytest.mark.parametrize("locale", LOCALES)
def test_a_hold_our_systems_raised_says_they_detected_it(locale: str) -> None:
    content = held_content("driver", IncidentCategory.WEAPONS).model_copy(
        update={"based_on_report_by": "platform"}
    )
    body = prose(render_content(content, "driver", locale).body)
    assert HELD_DETECTED[locale] in body
    assert NEVER_SHARE[locale] not in body
    # Nobody reported it: the notice speaks of an alert, never of a report.
    message = render_content(content, "driver", locale)
    assert REPORT_WORD[locale] not in (message.subject + message.body).lower()


REPORT_WORD = {"en": "report", "es-MX": "reporte", "pt-BR": "relato"}


DETECTED_SAYS = {
    "en": [
        "What we relied on: an alert our safety systems raised on November 23, 2026.",
        "Automated tools: our safety systems detected this incident automatically. The speed and "
        "driving data was recorded automatically by the app during the trip.",
    ],
    "es-MX": [
        "En qué nos basamos: una alerta que nuestros sistemas de seguridad emitieron el 23 de "
        "noviembre de 2026.",
        "Herramientas automatizadas: nuestros sistemas de seguridad detectaron este incidente de "
        "forma automática. La app registró de forma automática los datos de velocidad y manejo "
        "durante el viaje.",
    ],
    "pt-BR": [
        "Em que nos baseamos: um alerta que nossos sistemas de segurança emitiram em 23 de "
        "novembro de 2026.",
        "Ferramentas automatizadas: nossos sistemas de segurança detectaram este incidente "
        "automaticamente. Os dados de velocidade e direção foram registrados automaticamente "
        "pelo app durante a viagem.",
    ],
}
HELD_DETECTED = {
    "en": "Automated tools: our safety systems detected this incident automatically, and the "
    "hold was placed automatically",
    "es-MX": "Herramientas automatizadas: nuestros sistemas de seguridad detectaron este "
    "incidente de forma automática, y la pausa se aplicó de forma automática",
    "pt-BR": "Ferramentas automatizadas: nossos sistemas de segurança detectaram este incidente "
    "automaticamente, e a pausa foi aplicada automaticamente",
}
NEVER_SHARE = {
    # Without "never"/"nunca": the statement of reasons opens the sentence with a capital.
    "en": "share who reported",
    "es-MX": "compartimos quién hizo",
    "pt-BR": "compartilhamos quem fez",
}


@pytest.mark.parametrize("locale", LOCALES)
def test_the_reporter_is_told_how_to_get_support_and_that_they_will_not_be_matched_again(
    locale: str,
) -> None:
    body = prose(reporter(locale).body)
    for sentence in REPORTER_SAYS[locale]:
        assert sentence in body


@pytest.mark.parametrize("locale", LOCALES)
def test_the_reporter_is_not_told_that_anything_was_done(locale: str) -> None:
    # "Taken the steps our guidelines call for" would tell them there was a sanction.
    body = prose(reporter(locale).body)
    assert REPORTER_NOT_TOLD[locale][0] in body
    for claim in REPORTER_NOT_TOLD[locale][1:]:
        assert claim not in body.lower()


REPORTER_NOT_TOLD = {
    "en": [
        "Our safety team has finished reviewing your report under our community guidelines. To "
        "protect everyone's privacy, we cannot share the outcome",
        "taken the steps",
        "action",
    ],
    "es-MX": [
        "Nuestro equipo de seguridad terminó de revisar tu reporte conforme a nuestras guías "
        "comunitarias. Para proteger la privacidad de todas las personas, no podemos compartir "
        "el resultado",
        "medidas",
        "tomó",
    ],
    "pt-BR": [
        "Nossa equipe de segurança concluiu a análise do seu relato de acordo com as nossas "
        "diretrizes da comunidade. Para proteger a privacidade de todas as pessoas, não podemos "
        "compartilhar o resultado",
        "providências",
        "medidas",
    ],
}


REPORTER_SAYS = {
    "en": [
        "Whatever the outcome, you will not be matched with that person on a trip again.",
        "If you want to talk to us about what happened, or need support, you can reach our "
        "safety team at any time from the app, in Help > Safety",
    ],
    "es-MX": [
        "Sea cual sea el resultado, la app no volverá a asignarte un viaje con esa persona.",
        "Si quieres hablar con nosotros sobre lo que pasó o necesitas apoyo, puedes contactar a "
        "nuestro equipo de seguridad en cualquier momento desde la app, en Ayuda > Seguridad",
    ],
    "pt-BR": [
        "Seja qual for o resultado, o app não vai mais colocar você em uma viagem com essa pessoa.",
        "Se quiser falar com a gente sobre o que aconteceu ou precisar de apoio, você pode entrar "
        "em contato com nossa equipe de segurança a qualquer momento pelo app, em Ajuda > "
        "Segurança",
    ],
}


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("days", [1, 7])
def test_a_suspension_of_one_day_says_one_in_words(days: int, locale: str) -> None:
    message = outcome(
        EnforcementAction.TEMPORARY_SUSPENSION,
        "driver",
        locale,
        suspension_days=days,
        suspension_ends_at=NOW + timedelta(days=days),
    )
    assert message.subject == SUSPENDED_FOR[locale][days]
    assert SUSPENDED_FOR[locale][days].split(" ")[-2] in message.body


SUSPENDED_FOR = {
    "en": {1: "Your account is suspended for one day", 7: "Your account is suspended for 7 days"},
    "es-MX": {1: "Tu cuenta está suspendida por un día", 7: "Tu cuenta está suspendida por 7 días"},
    "pt-BR": {1: "Sua conta está suspensa por um dia", 7: "Sua conta está suspensa por 7 dias"},
}


# --- issue: a language we do not write in, and a language we add ------------------------------


@pytest.mark.parametrize("asked", ["fr-CA", "de", "ja"])
def test_a_message_in_a_language_we_lack_says_so_in_english_in_an_english_market(
    asked: str,
) -> None:
    message = outcome(EnforcementAction.WARNING, "driver", asked, market="chicago")
    named = language_name(asked, "en")
    assert (message.locale, message.fallback_from) == ("en", asked)
    assert f"We cannot write to you in {named} yet, so this message is in English." in message.body


@pytest.mark.parametrize("asked", ["fr-CA", "de", "ja"])
def test_a_message_in_a_language_we_lack_says_so_in_spanish_in_a_spanish_market(
    asked: str,
) -> None:
    message = outcome(EnforcementAction.WARNING, "driver", asked, market="mexico-city")
    named = language_name(asked, "es-MX")
    assert (message.locale, message.fallback_from) == ("es-MX", asked)
    assert (
        f"Todavía no podemos escribirte en {named}, así que te escribimos en español."
        in message.body
    )


def test_another_region_of_the_persons_language_is_their_language() -> None:
    message = outcome(EnforcementAction.WARNING, "driver", "es-AR", market="chicago")
    assert (message.locale, message.fallback_from) == ("es-MX", "es-AR")
    assert "Todavía no podemos escribirte" not in message.body


def test_a_message_in_its_own_language_says_nothing_about_languages() -> None:
    for locale in LOCALES:
        body = outcome(EnforcementAction.WARNING, "driver", locale).body
        for said in ("We cannot write to you", "Todavía no podemos", "Ainda não conseguimos"):
            assert said not in body


def test_a_language_missing_a_template_is_refused_at_load_naming_the_file(tmp_path: Path) -> None:
    copy = tmp_path / "templates"
    shutil.copytree(TEMPLATES_DIR, copy)
    (copy / "es-MX" / "reported_account" / "warning.txt.j2").unlink()
    with pytest.raises(MessageSetError) as refused:
        MessageRenderer(templates_dir=copy)
    assert f"{copy / 'es-MX'}: reported_account/warning.txt.j2: missing" in refused.value.lines


def test_an_incomplete_language_stops_the_worker_as_an_invalid_policy_file_does(
    tmp_path: Path,
) -> None:
    copy = tmp_path / "templates"
    shutil.copytree(TEMPLATES_DIR, copy)
    (copy / "en" / "reporter" / "report_reviewed.txt.j2").unlink()
    with pytest.raises(PolicyFileError) as refused:  # what worker.py and the web app catch
        MessageRenderer(templates_dir=copy)
    assert "reporter/report_reviewed.txt.j2: not in en" in str(refused.value)


def test_a_language_the_guidelines_do_not_speak_is_refused_at_load(tmp_path: Path) -> None:
    copy = tmp_path / "templates"
    shutil.copytree(TEMPLATES_DIR, copy)
    shutil.copytree(copy / "en", copy / "fr-CA")
    with pytest.raises(MessageSetError) as refused:
        MessageRenderer(templates_dir=copy)
    assert f"{GUIDELINES_FILE}: CG-SAFETY-1: no fr-CA text" in refused.value.lines
    assert f"{MARKETS_FILE}: mexico-city.redress.driver: no fr-CA text" in refused.value.lines


# --- issue: the es-MX style guide, followed everywhere ----------------------------------------

STYLE_GUIDE = Path(__file__).resolve().parent.parent / "docs" / "es-MX-style.md"


def avoided_terms() -> list[str]:
    """The "Not" column of the style guide's table of preferred terms."""
    rows = [line for line in STYLE_GUIDE.read_text().splitlines() if line.startswith("| ")]
    return [row.split("|")[2].strip() for row in rows[2:]]


def test_the_style_guide_lists_the_terms_to_avoid() -> None:
    assert {"teléfono", "Qué se aplica", "1 día", "manejar con la app"} <= set(avoided_terms())


# A rider is never reported for the driving or the vehicle: intake refuses it.
ACCOUNTS_REPORTED = [
    (category, role)
    for category in CATEGORIES
    for role in ROLES
    if role == "driver" or not category.concerns_driving
]


@pytest.mark.parametrize(("category", "role"), ACCOUNTS_REPORTED)
def test_every_spanish_message_follows_the_style_guide(
    category: IncidentCategory, role: str
) -> None:
    messages = every_message("es-MX", role, category)
    messages.append(reporter("es-MX"))
    for message in messages:
        text = message.subject + "\n" + prose(message.body)
        for term in avoided_terms():
            assert term.lower() not in text.lower(), (term, message.subject)


@pytest.mark.parametrize("locale", LOCALES)
def test_an_upheld_appeal_says_until_what_hour_it_can_be_appealed_once_more(locale: str) -> None:
    body = prose(appeal_outcome("uphold", "driver", locale, IncidentCategory.FRAUD).body)
    assert APPEAL_ONCE_MORE[locale] in body


APPEAL_ONCE_MORE = {
    "en": "you can appeal once more until December 14, 2026, 9:00 AM (Mexico City time):",
    "es-MX": "puedes apelar una vez más hasta el 14 de diciembre de 2026 a las 9:00 a.m. (hora "
    "de Ciudad de México):",
    "pt-BR": "pode recorrer mais uma vez até 14 de dezembro de 2026, às 09:00 (horário da "
    "Cidade do México):",
}


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("action", list(EnforcementAction))
def test_no_message_about_an_alert_our_systems_raised_calls_it_a_report(
    action: EnforcementAction, locale: str
) -> None:
    messages = [
        outcome(
            action,
            "driver",
            locale,
            IncidentCategory.FRAUD,
            reasons_changes={"detected_automatically": True, "based_on_report_by": "platform"},
            detected_automatically=True,
        ),
        render_content(
            CASES.notice_of_intent("driver", IncidentCategory.FRAUD, detected_automatically=True),
            "driver",
            locale,
        ),
        render_content(
            CASES.notice_of_intent(
                "driver", IncidentCategory.FRAUD, detected_automatically=True, trip_started_at=None
            ),
            "driver",
            locale,
        ),
    ]
    for message in messages:
        # Nothing speaks of a report, nor of anyone who made one.
        said = prose(message.subject + " " + message.body).lower()
        assert REPORT_WORD[locale] not in said, message.subject


@pytest.mark.parametrize("locale", LOCALES)
def test_an_appeal_outcome_from_before_trips_were_recorded_speaks_of_a_recent_trip(
    locale: str,
) -> None:
    content = CASES.appeal("uphold", "driver", IncidentCategory.FRAUD).model_copy(
        update={"trip": None}
    )
    body = prose(render_content(content, "driver", locale).body)
    assert {"en": "on a recent trip", "es-MX": "en un viaje reciente"}.get(
        locale, "em uma viagem recente"
    ) in body
    assert "trp_8841" not in body
