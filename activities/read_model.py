"""Publish a review's change to the read model: its queue summary and its sealed full view."""

from __future__ import annotations

import asyncio
from datetime import datetime

from temporalio import activity

from decision_archive.read_model import ReviewReadModel, summary_of
from review.models import ReviewState, StrictModel


class ReviewPublication(StrictModel):
    """A review as it stood after a change, and when the change happened (workflow time)."""

    state: ReviewState
    changed_at: datetime


class ReadModelActivities:
    """Read model activities (run as local activities: short, in the worker, in order)."""

    def __init__(self, read_model: ReviewReadModel) -> None:
        self.read_model = read_model

    @activity.defn
    async def publish_review(self, publication: ReviewPublication) -> bool:
        """Write the review's summary and view unless a newer version is already there;
        whether this one was written (a retry after a lost answer finds it written)."""
        summary = summary_of(publication.state, publication.changed_at)
        return await asyncio.to_thread(self.read_model.publish, summary, publication.state)
