"""Search attributes that make review queues visibility queries.

Temporal stores these in plaintext, so they carry ids, enums and times only: never names,
summaries or statements.
"""

from __future__ import annotations

from typing import Any

from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest
from temporalio.client import Client
from temporalio.common import (
    SearchAttributeIndexedValueType,
    SearchAttributeKey,
    SearchAttributePair,
    SearchAttributeUpdate,
    TypedSearchAttributes,
)

from review import lifecycle
from review.models import ReviewRequest, ReviewState, ReviewStatus

REVIEW_STATUS = SearchAttributeKey.for_keyword("ReviewStatus")
INCIDENT_CATEGORY = SearchAttributeKey.for_keyword("IncidentCategory")
INCIDENT_SEVERITY = SearchAttributeKey.for_keyword("IncidentSeverity")
SLA_TIER = SearchAttributeKey.for_keyword("SlaTier")
SLA_DEADLINE = SearchAttributeKey.for_datetime("SlaDeadline")
SLA_STATE = SearchAttributeKey.for_keyword("SlaState")
ASSIGNEE = SearchAttributeKey.for_keyword("Assignee")
ACCOUNT_ID = SearchAttributeKey.for_keyword("AccountId")
MARKET = SearchAttributeKey.for_keyword("Market")
ESCALATED = SearchAttributeKey.for_bool("Escalated")

ALL_KEYS: tuple[SearchAttributeKey[Any], ...] = (
    REVIEW_STATUS,
    INCIDENT_CATEGORY,
    INCIDENT_SEVERITY,
    SLA_TIER,
    SLA_DEADLINE,
    SLA_STATE,
    ASSIGNEE,
    ACCOUNT_ID,
    MARKET,
    ESCALATED,
)

_CLI_TYPE = {
    SearchAttributeIndexedValueType.KEYWORD: "Keyword",
    SearchAttributeIndexedValueType.DATETIME: "Datetime",
    SearchAttributeIndexedValueType.BOOL: "Bool",
    SearchAttributeIndexedValueType.TEXT: "Text",
    SearchAttributeIndexedValueType.INT: "Int",
    SearchAttributeIndexedValueType.DOUBLE: "Double",
    SearchAttributeIndexedValueType.KEYWORD_LIST: "KeywordList",
}


def dev_server_flags() -> list[str]:
    """``temporal server start-dev`` flags that register every attribute."""
    flags: list[str] = []
    for key in ALL_KEYS:
        flags += ["--search-attribute", f"{key.name}={_CLI_TYPE[key.indexed_value_type]}"]
    return flags


async def register(client: Client) -> None:
    """Register every attribute on a server started without them (e.g. the test server)."""
    await client.operator_service.add_search_attributes(
        AddSearchAttributesRequest(
            namespace=client.namespace,
            search_attributes={
                key.name: IndexedValueType.ValueType(key.indexed_value_type) for key in ALL_KEYS
            },
        )
    )


def at_intake(request: ReviewRequest) -> TypedSearchAttributes:
    """What is known when a review is started, so it is findable at once."""
    pairs: list[SearchAttributePair[Any]] = [
        SearchAttributePair(REVIEW_STATUS, str(ReviewStatus.RECEIVED)),
        SearchAttributePair(INCIDENT_CATEGORY, str(request.category)),
        SearchAttributePair(INCIDENT_SEVERITY, str(request.severity)),
        SearchAttributePair(ACCOUNT_ID, request.account.id),
        SearchAttributePair(MARKET, request.account.market),
        SearchAttributePair(ESCALATED, False),
    ]
    return TypedSearchAttributes(pairs)


def for_state(state: ReviewState) -> list[SearchAttributeUpdate[Any]]:
    """Every attribute's value for the review's current state."""
    deadline = lifecycle.sla_deadline(state)
    return [
        REVIEW_STATUS.value_set(str(state.status)),
        INCIDENT_CATEGORY.value_set(str(state.request.category)),
        INCIDENT_SEVERITY.value_set(str(state.request.severity)),
        SLA_TIER.value_set(str(state.sla.tier)),
        SLA_DEADLINE.value_set(deadline),
        SLA_STATE.value_set(lifecycle.sla_state(state)),
        ASSIGNEE.value_set(state.assignee.id) if state.assignee else ASSIGNEE.value_unset(),
        ACCOUNT_ID.value_set(state.request.account.id),
        MARKET.value_set(state.request.account.market),
        ESCALATED.value_set(state.escalated),
    ]


def changed(
    current: TypedSearchAttributes, updates: list[SearchAttributeUpdate[Any]]
) -> list[SearchAttributeUpdate[Any]]:
    """The updates that would change a value: each upsert is an event in the history."""
    return [update for update in updates if current.get(update.key) != update.value]
