"""The web app's settings, from ``DR_WEB_*`` environment variables."""

from __future__ import annotations

import secrets
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

WEBAPP_DIR = Path(__file__).resolve().parent
DEMO_PEOPLE_FILE = WEBAPP_DIR / "demo_people.toml"
VAR_DIR = WEBAPP_DIR.parent / "var"


class WebSettings(BaseSettings):
    """How the web app runs."""

    model_config = SettingsConfigDict(env_prefix="DR_WEB_", extra="ignore")

    demo_mode: bool = False
    people_file: Path = DEMO_PEOPLE_FILE
    secret_key: str | None = Field(
        default=None, description="Signs session cookies; required outside demo mode."
    )
    secure_cookies: bool = Field(default=False, description="Send cookies over HTTPS only.")
    session_hours: float = Field(default=10, gt=0, le=24 * 7)
    trusted_user_header: str | None = Field(
        default=None,
        description="Header an SSO proxy sets to the signed-in person's id; trusted when set.",
    )
    temporal_ui_url: str = "http://localhost:8233"
    lease_ping_seconds: int | None = Field(
        default=None,
        ge=1,
        le=3600,
        description="How often the review page extends a claim while its person works "
        "(default: a third of the lease, between 30 s and 5 min).",
    )

    def lease_ping(self, lease_minutes: int | None) -> int:
        """Seconds between the review page's extensions of a claim of ``lease_minutes``."""
        if self.lease_ping_seconds is not None:
            return self.lease_ping_seconds
        return max(30, min(300, (lease_minutes or 30) * 20))

    def signing_key(self) -> str:
        """The session signing key; in demo mode one is made once and kept under var/."""
        if self.secret_key:
            return self.secret_key
        if not self.demo_mode:
            raise RuntimeError("DR_WEB_SECRET_KEY must be set outside demo mode")
        path = VAR_DIR / "web_secret_key"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_urlsafe(48))
            path.chmod(0o600)
        return path.read_text().strip()
