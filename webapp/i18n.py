"""The web app's own text in each language (``webapp/locales/{locale}.toml``)."""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Mapping
from functools import cache
from pathlib import Path

from decision_archive.report import said_action_key
from review.locales import negotiate
from review.refusals import NO_RECOMMENDATION

LOCALES_DIR = Path(__file__).resolve().parent / "locales"
BASE_LOCALE = "en"


@cache
def catalog(locale: str) -> dict[str, str]:
    """All strings of one locale."""
    with (LOCALES_DIR / f"{locale}.toml").open("rb") as f:
        return {str(k): str(v) for k, v in tomllib.load(f).items()}


def locales() -> list[str]:
    """Locales the app is written in."""
    return sorted(p.stem for p in LOCALES_DIR.glob("*.toml"))


def app_locale(requested: str | None) -> str:
    """The app locale for a person's preference: exact, same language, else English."""
    return negotiate(requested, locales(), BASE_LOCALE)


def translator(locale: str) -> Callable[[str], str]:
    """``t(key)`` in ``locale``, falling back to English, then to the key itself."""
    own, base = catalog(app_locale(locale)), catalog(BASE_LOCALE)
    return lambda key: own.get(key) or base.get(key) or key


# Refusal parameters that are codes, and the key prefix that puts each in words.
_CODED_PARAMS = {"status": "status_", "role": "role_", "request": "verb_"}


def refusal_words(
    reason: str | None, params: Mapping[str, str], message: str, t: Callable[[str], str]
) -> str:
    """Why the review refused a request, in the reader's language: the wording of
    ``refusal_<reason>`` with coded parameters (statuses, roles, requests) in words, and an
    action (with a suspension's days) as said inside a sentence ("una suspensión temporal de
    7 días"). Where the matrix recommended nothing, ``refusal_<reason>_no_recommendation`` says
    so when the app has it. A refusal without a code (from an older worker) keeps its English
    message."""
    key = f"refusal_{reason}"
    variant = f"{key}_no_recommendation"
    if params.get("action") == NO_RECOMMENDATION and t(variant) != variant:
        key = variant
    words = t(key) if reason else key
    if words == key:
        return message
    shown = {
        name: t(_CODED_PARAMS[name] + value) if name in _CODED_PARAMS else value
        for name, value in params.items()
    }
    if "action" in params:
        days = params.get("days")
        said = t(said_action_key(params["action"], days))
        shown["action"] = said.format_map(_Blank(days=f"{days} {t('days')}"))
    return words.format_map(_Blank(shown))


class _Blank(dict[str, str]):
    """Format parameters where one the words use but the refusal lacks reads as empty."""

    def __missing__(self, key: str) -> str:
        return ""
