"""Where the platform services are: the worker reads these from the environment.

Defaults point at the demo platform that ``make run`` starts on 127.0.0.1:8100; a real
deployment sets ``DR_*`` variables to its own services. The worker never knows which it has.
"""

from __future__ import annotations

import httpx
from pydantic import AnyHttpUrl, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from review.models import EvidenceSource

DEMO_PLATFORM = "http://127.0.0.1:8100"


class PlatformEndpoints(BaseSettings):
    """Base URLs of the services the activities call, and how long to wait for them."""

    model_config = SettingsConfigDict(env_prefix="DR_", extra="ignore")

    trip_details_url: AnyHttpUrl = AnyHttpUrl(f"{DEMO_PLATFORM}/evidence")
    incident_reports_url: AnyHttpUrl = AnyHttpUrl(f"{DEMO_PLATFORM}/evidence")
    account_history_url: AnyHttpUrl = AnyHttpUrl(f"{DEMO_PLATFORM}/evidence")
    telematics_url: AnyHttpUrl = AnyHttpUrl(f"{DEMO_PLATFORM}/evidence")
    in_app_messages_url: AnyHttpUrl = AnyHttpUrl(f"{DEMO_PLATFORM}/evidence")
    accounts_url: AnyHttpUrl = AnyHttpUrl(f"{DEMO_PLATFORM}/account-status")
    notifications_url: AnyHttpUrl = AnyHttpUrl(f"{DEMO_PLATFORM}/notification-gateway")
    http_timeout_seconds: float = Field(default=5.0, gt=0, le=60)
    http_connections: int = Field(default=200, ge=1, le=10_000)
    """Connections the worker keeps open to the platform. Each review gathers five sources at
    once, so httpx's default of 20 kept alive would close and reopen most of them."""

    @classmethod
    def all_at(cls, base: str, **overrides: str) -> PlatformEndpoints:
        """Every service under one base URL laid out like the demo platform, with overrides."""
        urls: dict[str, str] = {f"{source}_url": f"{base}/evidence" for source in EvidenceSource}
        urls["accounts_url"] = f"{base}/account-status"
        urls["notifications_url"] = f"{base}/notification-gateway"
        urls.update(overrides)
        return cls.model_validate(urls)

    def client(self) -> httpx.AsyncClient:
        """The HTTP client the activities share, keeping ``http_connections`` alive."""
        return httpx.AsyncClient(
            limits=httpx.Limits(
                max_connections=self.http_connections,
                max_keepalive_connections=self.http_connections,
            )
        )

    def evidence_url(self, source: EvidenceSource) -> str:
        """The base URL of one evidence source, without a trailing slash."""
        url: AnyHttpUrl = getattr(self, f"{source}_url")
        return str(url).rstrip("/")

    def service_url(self, name: str) -> str:
        """The base URL of ``accounts`` or ``notifications``, without a trailing slash."""
        url: AnyHttpUrl = getattr(self, f"{name}_url")
        return str(url).rstrip("/")
