"""What people read says things one way, in whole sentences, in Mexican Spanish and in English:
the rider is a "pasajero", a truncated or calqued phrase is written out, an action inside a
sentence has its article, and a role has one name in the web app and in the case report."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from decision_archive.report import catalog as report_catalog
from decision_archive.report import report_locales
from review.case_record import CaseRecord
from review.models import EnforcementAction, IncidentCategory, Person, PersonRole, TimelineEntry
from review.refusals import ReviewRuleError
from tests.test_case_report import (
    GUIDELINES,
    RENDERER,
    approve,
    close,
    decide,
    readable,
    section,
    timeline_rows,
    worked,
)
from tests.test_templates_every_locale import outcome
from webapp.i18n import catalog as app_catalog
from webapp.i18n import locales, refusal_words, translator

AT = datetime(2026, 11, 23, 16, 5, tzinfo=UTC)


def said(locale: str, event: str, detail: str) -> str:
    """A timeline entry's detail as the review page and the report's words say it."""
    words = RENDERER.words("mexico-city", locale)
    return str(words.detail(TimelineEntry(at=AT, event=event, detail=detail)))


def refused(locale: str, reason: str, field: str | None = None, **params: object) -> str:
    err = ReviewRuleError("invalid", reason, field, **params)
    return refusal_words(err.reason, err.params, str(err), translator(locale))


# --- 1. the rider is a "pasajero" -----------------------------------------------------------


def test_a_rider_is_a_pasajero_on_the_page_and_in_the_report() -> None:
    words = RENDERER.words("mexico-city", "es-MX")
    assert str(words.role("rider")) == "pasajero"
    assert translator("es-MX")("ev_role_rider") == "Pasajero"
    assert said("es-MX", "message_sent", "hold_notice to the rider in es-MX") == (
        "Aviso de pausa, enviado al pasajero en español (México)"
    )


@pytest.mark.parametrize("fmt", ["html", "md"])
def test_a_riders_case_report_calls_the_account_a_pasajero(fmt: str) -> None:
    state = worked(
        account={"id": "rdr_7002", "role": "rider"},
        category="threats_harassment",
        severity="medium",
        reporter={"id": "drv_5", "role": "driver"},
    )
    decide(state)
    text = readable(close(state), fmt, "es-MX")
    shown = {"html": "Cuenta Pasajero rdr_7002, mercado", "md": "| Cuenta | Pasajero `rdr_7002`,"}
    assert shown[fmt] in text
    assert "usuario" not in text.lower()


@pytest.mark.parametrize("fmt", ["html", "md"])
def test_a_report_by_a_rider_is_a_report_by_a_pasajero(fmt: str) -> None:
    state = worked(category="physical_assault", severity="low")
    decide(state)
    approve(state)
    reasons = section(close(state), "Exposición de motivos", fmt, "es-MX")
    assert "con base en un reporte de un pasajero (sin revelar su identidad" in reasons


def test_no_spanish_text_calls_anyone_usuario_but_the_sign_in_username() -> None:
    def about_signing_in(key: str) -> bool:  # the login name, which "usuario" is right for
        return "username" in key or key.startswith("sign_in")

    app = [k for k, v in app_catalog("es-MX").items() if "usuario" in v.lower()]
    assert "username" in app and all(about_signing_in(k) for k in app), app
    report = [k for k, v in report_catalog("es-MX").items() if "usuario" in v.lower()]
    assert report == []


# --- 2. a message sent, in a sentence -------------------------------------------------------


def test_a_sent_message_reads_naturally_in_the_timeline() -> None:
    detail = "report_reviewed to the driver in es-MX"
    assert said("en", "message_sent", detail) == (
        "Report reviewed, sent to the driver in Spanish (Mexico)"
    )
    assert said("es-MX", "message_sent", detail) == (
        "Reporte revisado, enviado al conductor en español (México)"
    )


def test_a_message_sent_in_another_language_says_which_translation_was_missing() -> None:
    detail = "outcome_notice to the rider in en (no pt-BR translation)"
    assert said("en", "message_sent", detail) == (
        "Outcome notice, sent to the rider in English (no Portuguese (Brazil) translation)"
    )
    assert said("es-MX", "message_sent", detail) == (
        "Aviso del resultado, enviado al pasajero en inglés (sin traducción a portugués (Brasil))"
    )


# --- 3. categories and guidelines said in full ----------------------------------------------

IMPAIRED = "Manejo bajo los efectos del alcohol o de drogas"


def test_impaired_driving_is_said_in_full_in_spanish() -> None:
    assert translator("es-MX")("category_impaired_driving") == IMPAIRED
    assert str(RENDERER.words("mexico-city", "es-MX").category("impaired_driving")) == IMPAIRED


def test_a_driver_is_told_the_impaired_driving_guideline_in_full() -> None:
    message = outcome(
        EnforcementAction.WARNING, "driver", "es-MX", IncidentCategory.IMPAIRED_DRIVING
    )
    assert "* Nunca manejes bajo los efectos del alcohol o de drogas (CG-DRIVING-1): " in (
        message.body
    )


def test_every_category_reads_as_a_name_in_spanish() -> None:
    words = RENDERER.words("mexico-city", "es-MX")
    assert str(words.category("identity_mismatch")) == "Discrepancia de identidad"
    assert translator("es-MX")("category_identity_mismatch") == "Discrepancia de identidad"


def test_guideline_texts_are_grammatical() -> None:
    _, weapons = GUIDELINES.clause("CG-SAFETY-3").text("en")
    assert weapons.summary.endswith("while using the app, whether or not local law allows it.")
    _, sexual = GUIDELINES.clause("CG-SAFETY-2").text("es-MX")
    assert sexual.summary.startswith("Ningún comentario, contacto, insinuación ni acercamiento")
    _, threats = GUIDELINES.clause("CG-RESPECT-1").text("es-MX")
    assert threats.title == "Cero amenazas ni acoso"


# --- 4. an action inside a sentence ---------------------------------------------------------

JUSTIFY = {
    "en": "; a different decision needs a justification",
    "es-MX": "; una decisión distinta necesita una justificación",
}
RECOMMENDS = {"en": "the matrix recommends ", "es-MX": "la matriz recomienda "}


@pytest.mark.parametrize(
    ("action", "days", "locale", "words"),
    [
        ("temporary_suspension", 7, "en", "a temporary suspension of 7 days"),
        ("temporary_suspension", 7, "es-MX", "una suspensión temporal de 7 días"),
        ("permanent_deactivation", "", "en", "permanent deactivation"),
        ("permanent_deactivation", "", "es-MX", "la desactivación permanente"),
        ("warning", "", "en", "a warning"),
        ("warning", "", "es-MX", "una advertencia"),
        ("education", "", "es-MX", "una orientación"),
        ("no_action", "", "en", "no action"),
        ("no_action", "", "es-MX", "no tomar ninguna medida"),
    ],
)
def test_a_refusal_says_the_recommended_action_in_a_sentence(
    action: str, days: object, locale: str, words: str
) -> None:
    recommended = f"{action} {days} days" if days else action
    said_by_app = refused(
        locale,
        "justification_required",
        "justification",
        recommended=recommended,
        action=action,
        days=days,
    )
    assert said_by_app == RECOMMENDS[locale] + words + JUSTIFY[locale]


def test_a_refusal_when_the_matrix_recommended_nothing_says_so() -> None:
    params = {"recommended": "none", "action": "none", "days": ""}
    assert refused("en", "justification_required", "justification", **params) == (
        "the matrix made no recommendation, so the decision needs a justification"
    )
    assert refused("es-MX", "justification_required", "justification", **params) == (
        "la matriz no hizo ninguna recomendación, así que la decisión necesita una justificación"
    )


def test_days_for_an_action_without_days_are_refused_in_a_sentence() -> None:
    assert refused("en", "suspension_days_not_applicable", "suspension_days", action="warning") == (
        "only a temporary suspension takes a number of days; you chose a warning"
    )
    assert refused(
        "es-MX", "suspension_days_not_applicable", "suspension_days", action="no_action"
    ) == ("solo una suspensión temporal lleva un número de días; elegiste no tomar ninguna medida")


def permanent_recommended_suspension_decided() -> CaseRecord:
    """Physical assault (medium): the matrix says permanent deactivation; 30 days decided."""
    state = worked(category="physical_assault", severity="medium")
    decide(
        state,
        action=EnforcementAction.TEMPORARY_SUSPENSION,
        suspension_days=30,
        justification="The video shows a shove, not a blow.",
    )
    approve(state)
    return close(state)


@pytest.mark.parametrize("fmt", ["html", "md"])
def test_the_report_says_what_the_matrix_recommended_and_what_was_decided(fmt: str) -> None:
    record = permanent_recommended_suspension_decided()
    spanish = section(record, "Decisión", fmt, "es-MX")
    assert (
        "la matriz recomendaba la desactivación permanente y quien revisó decidió "
        "una suspensión temporal de 30 días." in spanish
    )
    english = section(record, "Decision", fmt)
    assert (
        "the matrix recommended permanent deactivation and the reviewer decided on "
        "a temporary suspension of 30 days." in english
    )
    # A table cell and the timeline still name the action as a label.
    rows = timeline_rows(record, "es-MX")
    assert any(r.endswith("| Suspensión temporal, 30 días (difiere de la matriz) |") for r in rows)


@pytest.mark.parametrize("fmt", ["html", "md"])
def test_a_decision_without_a_recommendation_is_said_in_a_sentence(fmt: str) -> None:
    record = permanent_recommended_suspension_decided()
    record = record.model_copy(update={"recommendation": None})
    spanish = section(record, "Decisión", fmt, "es-MX")
    assert (
        "La matriz no hizo ninguna recomendación, así que la decisión "
        "(una suspensión temporal de 30 días) se trata como distinta a la matriz:" in spanish
    )
    english = section(record, "Decision", fmt)
    assert "so the decision (a temporary suspension of 30 days) counts as a deviation:" in english


def test_the_app_and_the_report_say_an_action_in_a_sentence_alike() -> None:
    # One notion, in each vocabulary: the web app's and the report's texts agree.
    for loc in report_locales():
        report, app = report_catalog(loc), app_catalog(loc)
        keys = [k for k in report if k.startswith("said_action_")]
        assert len(keys) == len(EnforcementAction) + 1, loc  # and a suspension with its days
        for key in keys:
            assert report[key] == app[key], (loc, key)


# --- 5. one name per role -------------------------------------------------------------------

ROLES_ES = {
    "specialist": "especialista",
    "lead": "líder",
    "qa": "calidad",
    "operator": "operaciones",
}


def test_a_role_has_one_name_in_spanish() -> None:
    t = translator("es-MX")
    words = RENDERER.words("mexico-city", "es-MX")
    for role, name in ROLES_ES.items():
        assert t(f"role_{role}") == name
        assert str(words.role(role)) == name
    sofia = words.person(Person(id="sofia", role=PersonRole.QA))
    assert str(sofia) == '<span class="id">sofia</span> (calidad)'
    olga = words.person(Person(id="olga", role=PersonRole.OPERATOR))
    assert str(olga) == '<span class="id">olga</span> (operaciones)'


@pytest.mark.parametrize("locale", locales())
def test_the_app_and_the_report_name_roles_alike(locale: str) -> None:
    report, app = report_catalog(locale), app_catalog(locale)
    for role in PersonRole:
        assert report[f"role_{role}"] == app[f"role_{role}"], (locale, role)


def test_a_role_reads_in_the_refusal_as_on_the_page() -> None:
    params = {"article": "a", "role": "qa", "verb": "claim reviews", "request": "claim"}
    assert refused("es-MX", "role_may_not", **params) == (
        "con el rol de calidad no puedes tomar revisiones"
    )
    assert (
        refused("en", "role_may_not", **params) == "people with the QA role may not claim reviews"
    )


# --- 6. other sentences, read as a Mexican T&S specialist and an English reader read them ----


def test_other_spanish_sentences_read_naturally() -> None:
    report = report_catalog("es-MX")
    assert report["sor_intro"].startswith("Sigue el modelo del artículo 17, apartado 3,")
    assert report["sor_no_second_review"] == "Ninguna otra persona revisó la decisión."
    assert report["sor_c_not_automated"].startswith("No se recomendó ninguna medida")
    t = translator("es-MX")
    assert t("justification") == "Justificación (obligatoria si la decisión difiere de la matriz)"
    assert t("escalate") == "Escalar a los líderes"
    assert t("role_intake") == "sistema de recepción"


def test_other_english_sentences_are_grammatical() -> None:
    t = translator("en")
    assert (
        t("justification") == "Justification (required when the decision differs from the matrix)"
    )
    assert report_catalog("en")["sor_intro"].startswith("Modeled on Article 17(3)")


def test_an_english_refusal_quotes_the_status_it_names() -> None:
    assert refused("en", "not_open_to_claim", status="awaiting_second_review") == (
        "this review's status is “Awaiting second review”, so it cannot be claimed"
    )
    assert refused("en", "nothing_to_escalate", status="closed") == (
        "this review's status is “Closed”; there is nothing left to escalate"
    )
