"""Change an account's status through the account status service, exactly once per review."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
from temporalio import activity

from activities.http_errors import raise_for_service_status
from activities.platform import PlatformEndpoints
from review.models import AccountChange, EnforcementAction, StrictModel, UpstreamModel


class HoldOrder(StrictModel):
    """Hold an account while an egregious report is reviewed."""

    review_id: str
    account_id: str
    category: str
    idempotency_key: str


class EnforcementOrder(StrictModel):
    """Apply a final decision; it always releases any interim hold the review placed."""

    review_id: str
    account_id: str
    action: EnforcementAction
    suspension_days: int | None
    release_hold: bool
    idempotency_key: str


class ReinstatementOrder(StrictModel):
    """Give an account back what a decision took, after an appeal overturned it."""

    review_id: str
    appeal_id: str
    account_id: str
    idempotency_key: str


class _ServiceAnswer(UpstreamModel):
    account_id: str
    status: str
    reference: str


class AccountActivities:
    """Account status activities sharing one HTTP client."""

    def __init__(self, endpoints: PlatformEndpoints, http: httpx.AsyncClient) -> None:
        self.base = endpoints.service_url("accounts")
        self.timeout = endpoints.http_timeout_seconds
        self.http = http

    async def _post(self, path: str, key: str, body: dict[str, object]) -> _ServiceAnswer:
        response = await self.http.post(
            self.base + path,
            json=body,
            headers={"Idempotency-Key": key},
            timeout=self.timeout,
        )
        raise_for_service_status(response, "account status service")
        return _ServiceAnswer.model_validate(response.json())

    @activity.defn
    async def place_interim_hold(self, order: HoldOrder) -> AccountChange:
        """Hold the account until the review decides (idempotent per review)."""
        answer = await self._post(
            f"/accounts/{order.account_id}/holds",
            order.idempotency_key,
            {"review_id": order.review_id, "reason": order.category},
        )
        return AccountChange(
            change="interim_hold",
            account_status=answer.status,
            applied_at=datetime.now(UTC),
            reference=answer.reference,
        )

    @activity.defn
    async def apply_enforcement(self, order: EnforcementOrder) -> AccountChange:
        """Apply the decided action to the account (idempotent per review)."""
        answer = await self._post(
            f"/accounts/{order.account_id}/enforcements",
            order.idempotency_key,
            {
                "review_id": order.review_id,
                "action": str(order.action),
                "suspension_days": order.suspension_days,
                "release_hold": order.release_hold,
            },
        )
        return AccountChange(
            change="enforcement",
            action=order.action,
            suspension_days=order.suspension_days,
            account_status=answer.status,
            applied_at=datetime.now(UTC),
            reference=answer.reference,
        )

    @activity.defn
    async def reinstate_account(self, order: ReinstatementOrder) -> AccountChange:
        """Make the account active again after an overturned appeal (idempotent per appeal)."""
        answer = await self._post(
            f"/accounts/{order.account_id}/reinstatements",
            order.idempotency_key,
            {"review_id": order.review_id, "appeal_id": order.appeal_id},
        )
        return AccountChange(
            change="reinstatement",
            account_status=answer.status,
            applied_at=datetime.now(UTC),
            reference=answer.reference,
        )
