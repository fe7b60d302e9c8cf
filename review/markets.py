"""Operating markets and the time zone people there read dates in."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, RootModel, field_validator

from review.locales import negotiate
from review.models import Locale, StrictModel
from review.policy_files import POLICY_DIR, load_policy_file

MARKETS_FILE = POLICY_DIR / "markets.toml"


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

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown IANA time zone '{value}'") from None
        return value


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


def load_markets(path: Path = MARKETS_FILE) -> Markets:
    """Load and validate the markets file; PolicyFileError names each problem."""
    return load_policy_file(path, Markets)
