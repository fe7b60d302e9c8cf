"""The web app's own text in each language (``webapp/locales/{locale}.toml``)."""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from functools import cache
from pathlib import Path

from review.locales import negotiate

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
