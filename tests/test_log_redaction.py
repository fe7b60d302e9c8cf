"""Logs never contain personal data: the redacting filter on log handlers.

Each test names one behaviour of ``observability.redaction``. Records are logged through a
dedicated logger into an ``io.StringIO`` handler carrying the filter (pytest's caplog handler
would not have it), and every handler a test adds is removed again.
"""

from __future__ import annotations

import io
import logging
import uuid
from collections.abc import Iterator
from typing import Any

import pydantic
import pytest
from pydantic import ValidationError

from observability.redaction import (
    RedactingFilter,
    configure_logging,
    install_redaction,
    redact,
)
from review.models import ReviewRequest
from tests.conftest import review_request

# --- helpers ------------------------------------------------------------------------------------


class Captured:
    """A dedicated logger writing through a redacting StringIO handler."""

    def __init__(self, logger: logging.Logger, stream: io.StringIO) -> None:
        self.log = logger
        self.stream = stream

    @property
    def text(self) -> str:
        return self.stream.getvalue()


@pytest.fixture
def captured() -> Iterator[Captured]:
    logger = logging.getLogger(f"test_log_redaction.{uuid.uuid4().hex}")
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    stream = io.StringIO()
    handler = install_redaction(logging.StreamHandler(stream))
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
    logger.addHandler(handler)
    try:
        yield Captured(logger, stream)
    finally:
        logger.removeHandler(handler)
        handler.close()


def intake_payload(**overrides: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "incident_id": "INC-1001",
        "account": {
            "id": "drv_123",
            "role": "driver",
            "locale": "es-MX",
            "market": "mexico-city",
        },
        "category": "dangerous_driving",
        "severity": "high",
        "summary": "The driver shouted at María López",
        "reported_at": "2025-03-01T10:00:00Z",
        "source": "safety-hotline",
    }
    payload.update(overrides)
    return payload


def raise_and_catch(exc: BaseException) -> BaseException:
    try:
        raise exc
    except BaseException as caught:
        return caught


# --- rule 1: pydantic input_value ---------------------------------------------------------------


def test_pydantic_input_value_is_redacted_up_to_input_type() -> None:
    line = (
        "  Field required [type=missing, input_value={'summary': 'He hit me', "
        "'incident_id': 'INC-1001'}, input_type=dict]"
    )
    assert (
        redact(line) == "  Field required [type=missing, input_value=[redacted], input_type=dict]"
    )


def test_pydantic_input_value_is_redacted_even_when_pydantic_truncated_the_repr() -> None:
    line = "[type=missing, input_value={'summary': 'Maria said... 'INC-1001'}, input_type=dict]"
    assert redact(line) == "[type=missing, input_value=[redacted], input_type=dict]"


def test_pydantic_input_value_without_whitespace_is_redacted_too() -> None:
    assert "Lopez" not in redact("[type=enum, input_value='Lopez', input_type=str]")


# --- rule 2: quoted strings ---------------------------------------------------------------------


def test_single_quoted_full_name_is_redacted() -> None:
    assert redact("reported by 'María López' today") == "reported by '[redacted]' today"


def test_double_quoted_sentence_is_redacted() -> None:
    assert redact('ValueError("he threatened me at the airport")') == 'ValueError("[redacted]")'


def test_quoted_string_with_escaped_quote_is_redacted_whole() -> None:
    assert redact(r"'it\'s María López'") == "'[redacted]'"


def test_quoted_ids_enum_values_and_field_names_stay() -> None:
    text = "Input should be 'warning' or 'permanent_deactivation' for 'review-INC-1001' ('drv_123')"
    assert redact(text) == text


def test_apostrophes_in_plain_text_are_not_taken_for_quotes() -> None:
    text = "the driver's car wasn't checked for 'review-INC-1001'"
    assert redact(text) == text


def test_http_status_and_request_lines_stay_quoted() -> None:
    text = (
        "Server error '503 Service Unavailable' for url 'http://127.0.0.1:8100/trips/trp_9'\n"
        'HTTP Request: GET http://127.0.0.1:8100/trips/trp_9 "HTTP/1.1 200 OK"\n'
        '127.0.0.1:5000 - "GET /reviews/review-INC-1001 HTTP/1.1" 200'
    )
    assert redact(text) == text


# --- rule 3: free-text keys ---------------------------------------------------------------------


def test_json_free_text_values_are_redacted() -> None:
    text = '{"incident_id": "INC-1001", "summary": "Ana", "subject": "Aviso"}'
    assert (
        redact(text)
        == '{"incident_id": "INC-1001", "summary": "[redacted]", "subject": "[redacted]"}'
    )


def test_dict_repr_free_text_values_are_redacted() -> None:
    text = "{'name': 'Ana', 'holder_name': 'Pérez', 'display_name': 'Ana P', 'role': 'driver'}"
    assert redact(text) == (
        "{'name': '[redacted]', 'holder_name': '[redacted]', 'display_name': '[redacted]', "
        "'role': 'driver'}"
    )


def test_key_equals_values_are_redacted() -> None:
    text = "ReviewRequest(incident_id='INC-1001', rationale='rude', reason=seemed drunk, notes=x)"
    assert redact(text) == (
        "ReviewRequest(incident_id='INC-1001', rationale='[redacted]', reason=[redacted], "
        "notes=[redacted])"
    )


def test_unquoted_value_stops_at_the_next_key() -> None:
    assert redact("comment=Ana Pérez agrees review_id=review-INC-1001") == (
        "comment=[redacted] review_id=review-INC-1001"
    )


def test_list_and_dict_values_of_free_text_keys_are_redacted_whole() -> None:
    text = '{"statements": ["Ana", "I was scared"], "messages": [{"text": "hola"}], "count": 2}'
    assert redact(text) == '{"statements": [redacted], "messages": [redacted], "count": 2}'


def test_prefixed_free_text_keys_are_redacted() -> None:
    assert redact("error_message='Ana' in_app_messages=['hola']") == (
        "error_message='[redacted]' in_app_messages=[redacted]"
    )


def test_null_values_of_free_text_keys_stay() -> None:
    assert redact('{"reason": null, "notes": None}') == '{"reason": null, "notes": None}'


def test_keys_that_merely_start_like_free_text_keys_stay() -> None:
    text = "{'namespace': 'default', 'activity_type': 'gather_evidence', 'textile': 'x'}"
    assert redact(text) == text


# --- rule 4: e-mail addresses and phone numbers -------------------------------------------------


def test_email_addresses_are_redacted() -> None:
    assert redact("notice bounced for ana.lopez+mx@example.com.") == (
        "notice bounced for [redacted]."
    )


@pytest.mark.parametrize("phone", ["+52 55 1234 5678", "555-123-4567", "(555) 123-4567"])
def test_phone_numbers_are_redacted(phone: str) -> None:
    assert redact(f"call {phone} now") == "call [redacted] now"


def test_dates_ip_addresses_and_run_ids_are_not_taken_for_phone_numbers() -> None:
    text = "at 2025-03-01 10:00:00 from 127.0.0.1:8000 run 4f1c2a3b-1234-5678-9abc-def012345678"
    assert redact(text) == text


# --- what survives ------------------------------------------------------------------------------


def test_ids_names_and_statuses_survive() -> None:
    text = (
        "Completing activity as failed ({'activity_id': '3', 'activity_type': 'gather_evidence', "
        "'workflow_id': 'review-INC-1001', 'workflow_type': 'ReviewWorkflow'}) for drv_123: "
        "HTTP 503 from telematics"
    )
    assert redact(text) == text


def test_traceback_structure_survives() -> None:
    err = raise_and_catch(ValueError("rider 'María López' was rude"))
    traceback = logging.Formatter().formatException((ValueError, err, err.__traceback__))

    redacted = redact(traceback)

    assert "María" not in redacted
    assert redacted.startswith("Traceback (most recent call last):")
    assert f'File "{__file__}", line ' in redacted
    assert ", in raise_and_catch" in redacted
    assert redacted.endswith("ValueError: rider '[redacted]' was rude")


# --- idempotence --------------------------------------------------------------------------------

SAMPLES = [
    "reported by 'María López' with summary='x y' and reason=seemed drunk, ok",
    '{"statements": ["Ana", "I was scared"], "name": "Ana", "id": "drv_123"}',
    "[type=missing, input_value={'summary': 'He... 'x'}, input_type=dict]",
    "name=[unbalanced 'x'\ncall +52 55 1234 5678 or ana@example.com",
    'comment=Ana Pérez agrees review_id=review-INC-1001 "trailing',
]


@pytest.mark.parametrize("text", SAMPLES)
def test_redact_is_idempotent(text: str) -> None:
    once = redact(text)
    assert redact(once) == once


def test_a_record_through_two_filtered_handlers_is_the_same(captured: Captured) -> None:
    second = io.StringIO()
    handler = install_redaction(logging.StreamHandler(second))
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
    captured.log.addHandler(handler)
    try:
        try:
            raise ValueError("summary='María López'")
        except ValueError:
            captured.log.exception("review %s failed: %r", "review-INC-1001", {"name": "Ana"})
    finally:
        captured.log.removeHandler(handler)
        handler.close()

    assert captured.text == second.getvalue()
    assert "review-INC-1001" in captured.text
    assert "Ana" not in captured.text
    assert "María" not in captured.text


def test_install_redaction_adds_the_filter_once() -> None:
    handler = logging.NullHandler()
    install_redaction(install_redaction(handler))
    assert sum(isinstance(f, RedactingFilter) for f in handler.filters) == 1


# --- the filter on records ----------------------------------------------------------------------


class ForeignModel(pydantic.BaseModel):
    """A model of some library's, which does not hide inputs in its errors as ours do."""

    summary: str
    source: str


def test_pydantic_validation_error_is_logged_without_the_payload(captured: Captured) -> None:
    marker = f"MRK{uuid.uuid4().hex[:8]}"
    summary = f"{marker} María López said the driver threatened her"
    # Summary first (pydantic truncates long reprs in the middle) and "source" missing: the
    # error quotes the whole input dict.
    rest = {k: v for k, v in intake_payload().items() if k not in ("summary", "source")}
    payload = {"summary": summary, **rest}
    with pytest.raises(pydantic.ValidationError) as raised:
        ForeignModel.model_validate(payload)
    err = raised.value
    assert marker in str(err)

    try:
        raise err
    except pydantic.ValidationError:
        captured.log.exception("intake rejected for %s", "INC-1001")

    assert marker not in captured.text
    assert "ValidationError" in captured.text
    assert "validation error for ForeignModel" in captured.text
    assert "intake rejected for INC-1001" in captured.text
    assert "input_value=[redacted], input_type=dict" in captured.text


def test_args_are_applied_before_redaction(captured: Captured) -> None:
    captured.log.warning("failed for %r", "María López")
    captured.log.warning("payload %s", {"summary": "pegó", "incident_id": "INC-1001"})

    assert "María" not in captured.text
    assert "pegó" not in captured.text
    assert "failed for '[redacted]'" in captured.text
    assert "'incident_id': 'INC-1001'" in captured.text


def test_filter_replaces_msg_and_clears_args() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "hi %s", ("'Ana Pérez'",), None)

    assert RedactingFilter().filter(record) is True
    assert record.msg == "hi '[redacted]'"
    assert record.args == ()


def test_filter_renders_records_whose_args_do_not_match_the_format() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "%s and %s", ("'Ana Pérez'",), None)

    assert RedactingFilter().filter(record) is True
    assert "Ana" not in record.getMessage()


def test_exc_text_set_earlier_by_another_formatter_is_redacted() -> None:
    err = raise_and_catch(ValueError("name='Ana'"))
    record = logging.LogRecord(
        "x", logging.ERROR, __file__, 1, "boom", (), (ValueError, err, err.__traceback__)
    )
    record.exc_text = logging.Formatter().formatException((ValueError, err, err.__traceback__))

    RedactingFilter().filter(record)

    assert record.exc_text is not None
    assert "Ana" not in record.exc_text
    assert "ValueError: name='[redacted]'" in record.exc_text


def test_stack_info_is_redacted(captured: Captured) -> None:
    captured.log.info("reason=%s", "he was rude", stack_info=True)

    assert "Stack (most recent call last):" in captured.text
    assert "he was rude" not in captured.text


def test_keep_args_redacts_each_string_arg_and_keeps_the_template() -> None:
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", "/search?email=ana@example.com", "1.1", 200),
        None,
    )

    RedactingFilter(keep_args=True).filter(record)

    assert record.msg == '%s - "%s %s HTTP/%s" %d'
    assert record.args == ("127.0.0.1:5000", "GET", "/search?email=[redacted]", "1.1", 200)


# --- configure_logging --------------------------------------------------------------------------


@pytest.fixture
def restored_logging() -> Iterator[None]:
    """Detach the root's handlers (pytest's own) so configure_logging cannot close them, and
    put them, the root's level and uvicorn's handler lists back afterwards."""
    root = logging.getLogger()
    saved_handlers, saved_level = list(root.handlers), root.level
    uvicorn_loggers = [logging.getLogger(n) for n in ("uvicorn", "uvicorn.error", "uvicorn.access")]
    saved_uvicorn = [list(logger.handlers) for logger in uvicorn_loggers]
    saved_httpx = logging.getLogger("httpx").level
    for handler in saved_handlers:
        root.removeHandler(handler)
    try:
        yield
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
            handler.close()
        for handler in saved_handlers:
            root.addHandler(handler)
        root.setLevel(saved_level)
        for logger, handlers in zip(uvicorn_loggers, saved_uvicorn, strict=True):
            logger.handlers[:] = handlers
        logging.getLogger("httpx").setLevel(saved_httpx)


def test_configure_logging_installs_one_redacting_stderr_handler(restored_logging: None) -> None:
    configure_logging(logging.DEBUG)
    configure_logging(logging.DEBUG)

    root = logging.getLogger()
    assert len(root.handlers) == 1
    (handler,) = root.handlers
    assert isinstance(handler, logging.StreamHandler)
    assert any(isinstance(f, RedactingFilter) for f in handler.filters)
    assert handler.formatter is not None
    assert handler.formatter._fmt == "%(asctime)s %(levelname)s %(name)s %(message)s"
    assert root.level == logging.DEBUG


def test_configure_logging_filters_uvicorn_handlers(restored_logging: None) -> None:
    access, error = logging.NullHandler(), logging.NullHandler()
    logging.getLogger("uvicorn.access").handlers[:] = [access]
    logging.getLogger("uvicorn.error").handlers[:] = [error]

    configure_logging()

    assert [type(f) for f in error.filters] == [RedactingFilter]
    (access_filter,) = access.filters
    assert isinstance(access_filter, RedactingFilter)
    assert access_filter.keep_args


def test_configure_logging_leaves_out_each_request_httpx_sends(restored_logging: None) -> None:
    configure_logging()

    assert not logging.getLogger("httpx").isEnabledFor(logging.INFO)
    assert logging.getLogger("httpx").isEnabledFor(logging.WARNING)
    assert logging.getLogger("worker").isEnabledFor(logging.INFO)


def test_a_password_in_a_database_url_is_redacted() -> None:
    text = "Could not parse SQLAlchemy URL from string 'postgresql+psycopg://dr:s3cr%21t@db:5432/r'"
    assert redact(text) == (
        "Could not parse SQLAlchemy URL from string 'postgresql+psycopg://dr:[redacted]@db:5432/r'"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"fullName": "Juan"}', '{"fullName": "[redacted]"}'),
        ("{'author': 'Juan'}", "{'author': '[redacted]'}"),
        ("pickup_area=Roma Norte, x=1", "pickup_area=[redacted], x=1"),
        ("{'pickupArea': 'Condesa'}", "{'pickupArea': '[redacted]'}"),
        ("address: Calle Reforma 222", "address: [redacted]"),
    ],
)
def test_camel_case_names_authors_and_places_are_redacted(text: str, expected: str) -> None:
    assert redact(text) == expected


def test_validation_errors_of_our_models_never_quote_the_values() -> None:
    body = review_request().model_dump(mode="json")
    body["account"]["locale"] = "Ana López, +52 55 1234 5678"

    with pytest.raises(ValidationError) as invalid:
        ReviewRequest.model_validate(body)

    assert "account.locale" in str(invalid.value).replace("\n  ", ".")
    assert "Ana" not in str(invalid.value) and "5678" not in str(invalid.value)
