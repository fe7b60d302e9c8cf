"""Keep personal data out of logs: a redacting filter for logging handlers.

Temporal's SDK logs activity and workflow failures with their tracebacks, and an exception's
message can quote payload data: a pydantic ``ValidationError`` quotes whole input dicts
(``input_value={'summary': ..., ...}``), other errors quote the value they refused. Those
summaries, statements and names must never reach a log file, so every handler gets a
:class:`RedactingFilter` that rewrites the rendered message, traceback and stack before any
formatter sees them.

Redaction keeps what an operator needs: ids (``review-INC-1001``, ``drv_123``), activity and
workflow names, enum values, HTTP statuses and request lines, exception class names and the
file/line structure of tracebacks. It only sees text, so it is a net for data that is quoted or
labelled (see :func:`redact`); a bare name in an unquoted sentence is not recognisable and must
not be logged in the first place.
"""

from __future__ import annotations

import http
import logging
import re
import sys
from collections.abc import Mapping

__all__ = ["REDACTED", "RedactingFilter", "configure_logging", "install_redaction", "redact"]

REDACTED = "[redacted]"

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"

# Every pattern below is linear: negated or disjoint character classes, possessive quantifiers,
# bounded repetitions and lookbehinds that only let a match start at the beginning of a run.

# 1. pydantic: "[type=..., input_value=<repr of the input>, input_type=dict]". The repr may be
# truncated (unbalanced), so everything up to the line's last ", input_type=" goes.
_INPUT_VALUE = re.compile(r"input_value=[^\n]*+")
_INPUT_TYPE = ", input_type="

# 2. Quoted strings. A single quote right after a letter is an apostrophe, not an opening quote.
_QUOTED = re.compile(r"\"(?:[^\"\\\n]|\\.)*+\"|(?<!\w)'(?:[^'\\\n]|\\.)*+'")
_WHITESPACE = re.compile(r"\s")
_HTTP_REQUEST_LINE = re.compile(r"[A-Z]{3,7} \S++ HTTP/\d(?:\.\d)?")
_HTTP_STATUS = re.compile(r"(?:HTTP/\d(?:\.\d)? )?(\d{3} [A-Za-z' -]{1,40})")
_HTTP_STATUS_TEXTS = frozenset(f"{s.value} {s.phrase}".lower() for s in http.HTTPStatus)

# 3. Free-text keys: "key": value, 'key': value, key=value, key: value.
_FREE_TEXT_KEY = re.compile(
    r"(?<![\w.\-'\"])(?P<q>[\"']?)"
    r"(?P<key>"
    r"(?:[a-z0-9]++_)*+(?:summary|text|body|subject|rationale|justification|comments?|reason"
    r"|statements?|messages?|notes?|description)"
    r"|(?:display|holder|full|first|last|given|family|legal|user)_?name|name|author"
    r"|e-?mail(?:_?address)?|phone(?:_?number)?"
    r"|[a-z0-9_]{0,40}?(?:address|location|area)"
    r")(?![\w-])(?P=q)"
    r"(?:[ \t]*+=|[ \t]*+:(?=[ \t]|$))[ \t]*+",
    re.IGNORECASE | re.MULTILINE,
)
_KEEP_LITERAL = re.compile(r"(?:None|null|True|true|False|false)(?![\w-])")
_SINGLE_QUOTED = re.compile(r"'(?:[^'\\\n]|\\.)*+'")
_DOUBLE_QUOTED = re.compile(r"\"(?:[^\"\\\n]|\\.)*+\"")
_STRUCTURE_TOKEN = re.compile(r"\"(?:[^\"\\\n]|\\.)*+\"|'(?:[^'\\\n]|\\.)*+'|[\[\]{}()]")
_OPENERS = "[{("
# An unquoted value ends at a delimiter or where the next "key=" / "key: " begins.
_UNQUOTED_END = re.compile(r"[,;)\]}&\"\n]|(?<![ \t])[ \t]++(?=[a-z_][\w.-]*+(?:=|:[ \t]))")

# 0. Passwords in URLs (database URLs in connection errors): scheme://user:password@host.
_URL_PASSWORD = re.compile(r"(?<=://)([^/\s:@'\"]++):[^/\s@'\"]++@")

# 4. E-mail addresses and phone numbers.
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]++@[\w-]++(?:\.[\w-]++)++")
_PHONE = re.compile(
    r"(?<![\w+.-])"
    r"(?:\+\d[\d \t().-]{6,20}\d"
    r"|(?:\(\d{2,4}\)[ \t]?|\d{2,4}[ \t-])\d{3,4}[ \t-]\d{4})"
    r"(?!\w|[.-]\d)"
)


def redact(text: str) -> str:
    """Return ``text`` with personal data replaced by ``[redacted]``.

    Pure and idempotent. First the password in a URL (``scheme://user:password@host``) goes;
    then, in order:

    1. pydantic's ``input_value=...`` (up to ``, input_type=``) becomes ``input_value=[redacted]``;
    2. values of free-text keys (summary, text, body, subject, rationale, justification, comment,
       reason, name, display_name, holder_name, statement(s), message(s), notes, ... also with a
       prefix such as ``error_message``) in ``"key": value``, ``'key': value``, ``key=value`` and
       ``key: value`` form become ``[redacted]`` (quoted values keep their quotes, lists, dicts
       and tuples go whole);
    3. quoted strings whose content contains whitespace become ``'[redacted]'`` /
       ``"[redacted]"``; quoted strings without whitespace (ids, enum values, field names, file
       paths) and HTTP request/status lines stay;
    4. e-mail addresses and phone numbers become ``[redacted]``.
    """
    text = _URL_PASSWORD.sub(rf"\1:{REDACTED}@", text)
    text = _INPUT_VALUE.sub(_redact_input_value, text)
    text = _redact_free_text_values(text)
    text = _QUOTED.sub(_redact_quoted, text)
    text = _EMAIL.sub(REDACTED, text)
    return _PHONE.sub(_redact_phone, text)


def _redact_input_value(match: re.Match[str]) -> str:
    found = match[0]
    tail = found.rfind(_INPUT_TYPE)
    return f"input_value={REDACTED}" + (found[tail:] if tail >= 0 else "")


def _redact_quoted(match: re.Match[str]) -> str:
    quoted = match[0]
    content = quoted[1:-1]
    if not _WHITESPACE.search(content) or _is_http_line(content):
        return quoted
    return f"{quoted[0]}{REDACTED}{quoted[0]}"


def _is_http_line(content: str) -> bool:
    if _HTTP_REQUEST_LINE.fullmatch(content):
        return True
    status = _HTTP_STATUS.fullmatch(content)
    return status is not None and status[1].lower() in _HTTP_STATUS_TEXTS


def _redact_phone(match: re.Match[str]) -> str:
    digits = sum(char.isdigit() for char in match[0])
    return REDACTED if digits >= 8 else match[0]


def _redact_free_text_values(text: str) -> str:
    parts: list[str] = []
    pos = 0
    while (key := _FREE_TEXT_KEY.search(text, pos)) is not None:
        start = key.end()
        end = _value_end(text, start)
        parts.append(text[pos:start])
        if end > start:
            value = text[start:end]
            closed = len(value) > 1 and value[0] in "'\"" and value[-1] == value[0]
            quote = value[0] if closed else ""
            parts.append(f"{quote}{REDACTED}{quote}")
        pos = max(end, start)
    parts.append(text[pos:])
    return "".join(parts)


def _value_end(text: str, start: int) -> int:
    """Where the value that begins at ``start`` ends (``start`` itself: nothing to redact)."""
    line_end = text.find("\n", start)
    if line_end < 0:
        line_end = len(text)
    if start >= line_end:
        return start
    first = text[start]
    if first in "'\"":
        quoted = (_SINGLE_QUOTED if first == "'" else _DOUBLE_QUOTED).match(text, start, line_end)
        return quoted.end() if quoted else line_end
    if first in _OPENERS:
        depth = 0
        for token in _STRUCTURE_TOKEN.finditer(text, start, line_end):
            bracket = token[0]
            if len(bracket) != 1 or bracket in "'\"":
                continue
            depth += 1 if bracket in _OPENERS else -1
            if depth == 0:
                return token.end()
        return line_end  # unbalanced on this line: the rest of the line goes
    if _KEEP_LITERAL.match(text, start, line_end):
        return start
    end = _UNQUOTED_END.search(text, start, line_end)
    return end.start() if end else line_end


class RedactingFilter(logging.Filter):
    """A handler filter that redacts a record's message, traceback and stack in place.

    Attach it to handlers, not loggers: a logger's filters do not see records propagated from
    child loggers. It renders the message with its args, redacts it and stores it as
    ``record.msg`` with ``record.args = ()``; a traceback is formatted and redacted into
    ``record.exc_text``, which the standard :class:`logging.Formatter` prints instead of
    formatting ``exc_info`` again. Idempotent, so a record may pass several filtered handlers.

    ``keep_args=True`` is for formatters that need the args themselves (uvicorn's access log
    unpacks ``(client_addr, method, path, http_version, status)``): each string arg is redacted
    on its own and the message template is left as it is.
    """

    def __init__(self, name: str = "", *, keep_args: bool = False) -> None:
        super().__init__(name)
        self.keep_args = keep_args

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact ``record`` in place; always returns True (nothing is dropped)."""
        if self.keep_args and record.args:
            record.args = _redact_args(record.args)
        else:
            try:
                message = record.getMessage()
            except Exception:  # args not matching the format: logging would print them raw
                message = f"{record.msg!s} {record.args!r}"
            record.msg = redact(message)
            record.args = ()
        if record.exc_info and not record.exc_text:
            record.exc_text = _FORMATTER.formatException(record.exc_info)
        if record.exc_text:
            # Also when set earlier by another handler's formatter: never trusted as redacted.
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


_FORMATTER = logging.Formatter()


def _redact_args(
    args: tuple[object, ...] | Mapping[str, object],
) -> tuple[object, ...] | Mapping[str, object]:
    if isinstance(args, Mapping):
        return {k: redact(v) if isinstance(v, str) else v for k, v in args.items()}
    return tuple(redact(arg) if isinstance(arg, str) else arg for arg in args)


def install_redaction(handler: logging.Handler, *, keep_args: bool = False) -> logging.Handler:
    """Add a :class:`RedactingFilter` to ``handler`` (once) and return the handler."""
    if not any(isinstance(f, RedactingFilter) for f in handler.filters):
        handler.addFilter(RedactingFilter(keep_args=keep_args))
    return handler


def configure_logging(level: int = logging.INFO) -> None:
    """Log to stderr through a redacting handler, like ``logging.basicConfig(force=True)``.

    Replaces the root logger's handlers with one ``StreamHandler`` (format
    ``%(asctime)s %(levelname)s %(name)s %(message)s``) carrying a :class:`RedactingFilter`,
    and adds the filter to the handlers uvicorn's loggers already have (call it after uvicorn
    configured its logging, or run uvicorn with ``log_config=None`` so its records propagate
    to the root handler). Idempotent.
    """
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
        old.close()
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    root.addHandler(install_redaction(handler))
    root.setLevel(level)
    # httpx logs each request it sends at INFO: eight a review from the worker, in every log
    # line's redaction. A failed call reaches Temporal and the log as the activity's failure.
    logging.getLogger("httpx").setLevel(max(level, logging.WARNING))
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        for uvicorn_handler in logging.getLogger(name).handlers:
            install_redaction(uvicorn_handler, keep_args=name == "uvicorn.access")
