"""Hand the worker's validated policy to a review, so its history records the policy used."""

from __future__ import annotations

from temporalio import activity

from review.matrix import ReviewPolicy


class PolicyActivities:
    """Serves the policy the worker loaded and validated at start."""

    def __init__(self, policy: ReviewPolicy) -> None:
        self.policy = policy

    @activity.defn
    async def load_review_policy(self) -> ReviewPolicy:
        """The deactivation matrix and guideline references in force now."""
        return self.policy
