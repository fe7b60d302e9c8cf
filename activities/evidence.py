"""Gather evidence from the platform's evidence sources over HTTP."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import httpx
from pydantic import TypeAdapter, ValidationError
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.http_errors import raise_for_service_status
from activities.platform import PlatformEndpoints
from activities.steps import EVIDENCE_SERVICE, failure_message
from decision_archive.store import DecisionArchive
from review.models import (
    AccountHistory,
    EvidenceData,
    EvidenceItem,
    EvidenceQuery,
    EvidenceSource,
)
from review.policy_files import entry_path

_EVIDENCE = TypeAdapter[EvidenceData](EvidenceData)


def evidence_path(query: EvidenceQuery) -> str:
    """The path of one source's answer about one incident (the evidence source contract)."""
    match query.source:
        case EvidenceSource.TRIP_DETAILS:
            return f"/incidents/{query.incident_id}/trip?account_id={query.account_id}"
        case EvidenceSource.INCIDENT_REPORTS:
            return f"/incidents/{query.incident_id}/reports"
        case EvidenceSource.ACCOUNT_HISTORY:
            return f"/accounts/{query.account_id}/history"
        case EvidenceSource.TELEMATICS:
            return f"/incidents/{query.incident_id}/telematics"
        case EvidenceSource.IN_APP_MESSAGES:
            return f"/incidents/{query.incident_id}/messages"


class EvidenceActivities:
    """Evidence activities sharing one HTTP client, the configured source URLs, and the
    decision archive (our own record of the account's earlier decisions)."""

    def __init__(
        self, endpoints: PlatformEndpoints, http: httpx.AsyncClient, archive: DecisionArchive
    ) -> None:
        self.endpoints = endpoints
        self.http = http
        self.archive = archive

    @activity.defn
    async def gather_evidence(self, query: EvidenceQuery) -> EvidenceItem:
        """Read one source's evidence about the incident.

        Transient failures raise so Temporal retries; a malformed answer or a refusal raises a
        non-retryable error, and the workflow records the source as unavailable.
        """
        service = f"{EVIDENCE_SERVICE}{query.source}"
        url = self.endpoints.evidence_url(query.source) + evidence_path(query)
        response = await self.http.get(
            url,
            headers={"X-Review-Id": query.review_id},
            timeout=self.endpoints.http_timeout_seconds,
        )
        raise_for_service_status(response, service)
        try:
            payload = response.json()
            if isinstance(payload, dict):
                payload.setdefault("kind", str(query.source))
            data = _EVIDENCE.validate_python(payload)
        except (ValueError, ValidationError) as err:
            fields = (
                ", ".join(entry_path(e["loc"]) for e in err.errors())
                if isinstance(err, ValidationError)
                else "body is not JSON"
            )
            raise ApplicationError(
                failure_message("malformed_evidence", service=service, fields=fields),
                type="MalformedEvidence",
                non_retryable=True,
            ) from None
        if data.kind != query.source:
            raise ApplicationError(
                failure_message("wrong_evidence", service=service, kind=data.kind),
                type="MalformedEvidence",
                non_retryable=True,
            )
        if isinstance(data, AccountHistory):
            data = await self._with_archived_decisions(data, query)
        return EvidenceItem(
            source=query.source,
            available=True,
            data=data,
            gathered_at=datetime.now(UTC),
        )

    async def _with_archived_decisions(
        self, history: AccountHistory, query: EvidenceQuery
    ) -> AccountHistory:
        """Add the account's confirmed violations from our own archive that the upstream
        history does not list yet, so a second incident sees the first; and mark retracted
        those an appeal overturned here, wherever they are listed."""
        archived = await asyncio.to_thread(
            self.archive.prior_violations, query.account_id, query.review_id
        )
        overturned = {v.incident_id for v in archived if v.retracted}
        upstream = [
            v.model_copy(update={"retracted": True}) if v.incident_id in overturned else v
            for v in history.prior_violations
        ]
        known = {v.incident_id for v in upstream}
        added = [v for v in archived if v.incident_id not in known]
        if not added and not overturned:
            return history
        merged = sorted([*upstream, *added], key=lambda v: v.decided_at)
        return history.model_copy(update={"prior_violations": merged})
