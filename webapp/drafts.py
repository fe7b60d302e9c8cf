"""Forms a person was refused, kept until they send them again, so nothing typed is lost when
they switch language or reload the review page.

Drafts hold what people wrote about a case (rationales, justifications), so they stay in this
process's memory, never in the session cookie; they go when their session ends or they are
sent successfully.
"""

from __future__ import annotations

import threading
from typing import Any

MAX_DRAFTS = 10_000
"""Drafts kept in all; the oldest go first beyond this."""


class FormDrafts:
    """The last refused form per session, review and form, in memory."""

    def __init__(self, limit: int = MAX_DRAFTS) -> None:
        self._drafts: dict[tuple[str, str, str], dict[str, Any]] = {}
        self._limit = limit
        self._lock = threading.Lock()

    def keep(self, session_id: str, review_id: str, form: str, data: dict[str, Any]) -> None:
        """Remember ``data`` as the draft of ``form`` on this review for this session."""
        with self._lock:
            key = (session_id, review_id, form)
            self._drafts.pop(key, None)
            self._drafts[key] = dict(data)
            while len(self._drafts) > self._limit:
                del self._drafts[next(iter(self._drafts))]

    def draft(self, session_id: str, review_id: str, form: str) -> dict[str, Any] | None:
        """The draft of ``form`` on this review for this session, if one is kept."""
        with self._lock:
            found = self._drafts.get((session_id, review_id, form))
            return dict(found) if found is not None else None

    def drop(self, session_id: str, review_id: str, form: str) -> None:
        """Forget the draft: the form was sent and taken."""
        with self._lock:
            self._drafts.pop((session_id, review_id, form), None)

    def drop_session(self, session_id: str) -> None:
        """Forget every draft of a session that ended."""
        with self._lock:
            for key in [k for k in self._drafts if k[0] == session_id]:
                del self._drafts[key]


FORM_DRAFTS = FormDrafts()
