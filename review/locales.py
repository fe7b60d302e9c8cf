"""Which of the languages we write in to use for a person: one rule for the app and messages."""

from __future__ import annotations

from collections.abc import Iterable

from babel import negotiate_locale


def negotiate(requested: str | None, available: Iterable[str], default: str) -> str:
    """The available locale for ``requested``: an exact match (any case), then the same
    language (``es-AR`` -> ``es-MX``, the first such locale by name), else ``default``."""
    choices = sorted(available)
    canonical = {c.lower(): c for c in choices}
    first_of_language: dict[str, str] = {}
    for choice in choices:
        first_of_language.setdefault(choice.split("-")[0].lower(), choice)
    wanted = [requested, requested.split("-")[0]] if requested else []
    found = negotiate_locale(wanted, choices, sep="-", aliases=first_of_language)
    return canonical.get(found.lower(), default) if found else default
