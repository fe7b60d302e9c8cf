"""Write a closed review's case record to the decision archive, once per review."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from temporalio import activity

from decision_archive.store import DecisionArchive
from review.case_record import ArchivedRecord, CaseRecord


class RecordActivities:
    """Decision archive activities."""

    def __init__(self, archive: DecisionArchive) -> None:
        self.archive = archive

    @activity.defn
    async def archive_case_record(self, record: CaseRecord) -> ArchivedRecord:
        """Store the record; a retry after a lost answer finds it stored and keeps the one."""
        return await asyncio.to_thread(self.archive.write, record, datetime.now(UTC))
