"""Operating markets: the time zone people there read dates in, their languages, how long
their records are kept, and the due process their law gives the people we restrict (notice
before a deactivation takes effect, a hearing before a permanent one, the appeal window), with
the law each market's notices cite."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, RootModel, field_validator, model_validator

from review.locales import negotiate
from review.models import AccountRole, Locale, StrictModel
from review.policy_files import POLICY_DIR, PolicyProblem, load_policy_file

MARKETS_FILE = POLICY_DIR / "markets.toml"
ROLES: tuple[AccountRole, ...] = ("rider", "driver")


class Market(StrictModel):
    """One operating market."""

    time_zone: str
    names: dict[Locale, str] = Field(
        default_factory=dict,
        description="What people call the market, per locale; the slug where none is given.",
    )
    record_retention_days: int = Field(
        ge=30,
        le=36500,
        description="How long case records of this market's reviews are kept after closing.",
    )
    languages: list[Locale] = Field(
        min_length=1, description="The languages people there are written to in, most used first."
    )
    appeal_window_days: int = Field(
        ge=1, le=365, description="How long after a restriction takes effect it can be appealed."
    )
    notice_days: int = Field(
        default=0,
        ge=0,
        le=90,
        description="Days of written notice before a deactivation that is not egregious takes "
        "effect, for the roles in protected_roles (0: it takes effect at once).",
    )
    hearing_days: int = Field(
        default=0,
        ge=0,
        le=60,
        description="Days a person in protected_roles has to answer a notice of intent before a "
        "permanent deactivation is decided (0: no hearing).",
    )
    protected_roles: list[AccountRole] = Field(
        default_factory=lambda: list[AccountRole](["driver"]),
        description="Whom notice and hearing protect: the local law's platform workers.",
    )
    legal_basis: dict[Locale, str] = Field(
        default_factory=dict,
        description="The law the market's notices cite, per language; required with notice or "
        "a hearing.",
    )
    redress: dict[AccountRole, dict[Locale, str]] = Field(
        default_factory=dict,
        description="Beyond the appeal in the app, where a rider or a driver there can take a "
        "decision (one sentence per language): the body their law gives them, then the courts. "
        "Empty only in policies recorded before it existed; the file must set both roles.",
    )
    reporters_unmatched: bool = Field(
        default=False,
        description="The platform there never matches a reporter again with the person they "
        "reported; their notice says so.",
    )

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown IANA time zone '{value}'") from None
        return value

    @model_validator(mode="after")
    def _due_process_cites_its_law(self) -> Market:
        if (self.notice_days or self.hearing_days) and not self.legal_basis:
            raise ValueError("legal_basis: required when notice_days or hearing_days is set")
        missing = [
            lang for lang in self.languages if self.legal_basis and lang not in self.legal_basis
        ]
        if missing:
            raise ValueError(f"legal_basis: no text in {', '.join(missing)}")
        return self


class Markets(RootModel[dict[str, Market]]):
    """Every market, by slug (e.g. ``mexico-city``)."""

    def time_zone(self, market: str) -> ZoneInfo:
        """The market's zone; UTC for a market not listed."""
        found = self.root.get(market)
        return ZoneInfo(found.time_zone if found else "UTC")

    def name(self, market: str, locale: str) -> str:
        """The market's name in ``locale`` (same rule as every text: exact, same language,
        English), else its slug."""
        found = self.root.get(market)
        if found is None or not found.names:
            return market
        return found.names[negotiate(locale, found.names, next(iter(found.names)))]

    def retention_days(self, market: str) -> int | None:
        """How many days the market keeps case records; None for a market not listed."""
        found = self.root.get(market)
        return found.record_retention_days if found else None

    def redress(self, market: str, role: AccountRole, locale: str) -> str | None:
        """Where a ``role`` in the market can take a decision beyond the app's appeal, in
        ``locale`` (or its fallback); None for a market that names no route."""
        found = self.root.get(market)
        texts = found.redress.get(role) if found else None
        if not texts:
            return None
        return texts[negotiate(locale, texts, "en" if "en" in texts else next(iter(texts)))]

    def get(self, market: str) -> Market | None:
        """The market's entry; None for a market not listed."""
        return self.root.get(market)


def load_markets(path: Path = MARKETS_FILE) -> Markets:
    """Load and validate the markets file; PolicyFileError names each problem."""
    return load_policy_file(path, Markets, _redress_for_everyone)


def _redress_for_everyone(markets: Markets) -> list[PolicyProblem]:
    """Every market names the redress of both roles in each of its languages."""
    problems: list[PolicyProblem] = []
    for slug, market in markets.root.items():
        for role in ROLES:
            texts = market.redress.get(role, {})
            if not texts:
                problems.append(PolicyProblem(f"{slug}.redress.{role}", "missing"))
                continue
            for language in market.languages:
                if language not in texts:
                    problems.append(
                        PolicyProblem(f"{slug}.redress.{role}", f"no text in {language}")
                    )
    return problems
