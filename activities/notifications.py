"""Render notices and hand them to the notification gateway, exactly once per review and kind."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
from temporalio import activity

from activities.http_errors import raise_for_service_status
from activities.platform import PlatformEndpoints
from notifications.rendering import MessageRenderer
from review.models import SentMessage, UpstreamModel
from review.notices import NoticeJob, dated


class _GatewayAnswer(UpstreamModel):
    id: str


class NotificationActivities:
    """The notice activity, sharing one HTTP client and one template renderer."""

    def __init__(
        self, endpoints: PlatformEndpoints, http: httpx.AsyncClient, renderer: MessageRenderer
    ) -> None:
        self.base = endpoints.service_url("notifications")
        self.timeout = endpoints.http_timeout_seconds
        self.http = http
        self.renderer = renderer

    @activity.defn
    async def send_notice(self, job: NoticeJob) -> SentMessage:
        """Render the notice in the recipient's language and send it.

        The gateway keeps the first message per Idempotency-Key, so a retry after a lost answer
        gets the original message id back instead of sending a second message. A notice of
        intent tells the answer deadline counted from now, and the result says what it told
        (a retry's later one, if the first answer was lost: never less than the person has).
        """
        job = dated(job, datetime.now(UTC))
        message = self.renderer.render(job)
        response = await self.http.post(
            self.base + "/messages",
            json={
                "review_id": job.review_id,
                "kind": job.content.kind,
                "recipient_account_id": job.recipient.account_id,
                "recipient_role": job.recipient.role,
                "locale": message.locale,
                "requested_locale": job.recipient.locale,
                "fallback_from": message.fallback_from,
                "subject": message.subject,
                "body": message.body,
            },
            headers={"Idempotency-Key": job.idempotency_key},
            timeout=self.timeout,
        )
        raise_for_service_status(response, "notification gateway")
        answer = _GatewayAnswer.model_validate(response.json())
        return SentMessage(
            kind=job.content.kind,
            recipient=job.recipient,
            locale=message.locale,
            fallback_from=message.fallback_from,
            subject=message.subject,
            idempotency_key=job.idempotency_key,
            gateway_message_id=answer.id,
            sent_at=datetime.now(UTC),
            answer_due_by=(
                job.content.answer_due_by if job.content.kind == "notice_of_intent" else None
            ),
        )
