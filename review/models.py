"""The review's data at every boundary: what intake sends, what evidence looks like, what the
matrix recommends, what people decide, and the state a review is in.

Every model refuses unknown fields (``extra="forbid"``) so a typo in a field name is an error
naming that field, never a silently ignored value. Evidence coming *from* upstream services is
the exception: those models ignore fields they do not know, so a source adding a field does not
take the review down (tolerant reader).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

# --- vocabularies -------------------------------------------------------------------------------


class IncidentCategory(StrEnum):
    """What kind of safety incident was reported (community guidelines chapters)."""

    PHYSICAL_ASSAULT = "physical_assault"
    SEXUAL_MISCONDUCT = "sexual_misconduct"
    THREATS_HARASSMENT = "threats_harassment"
    DISCRIMINATION = "discrimination"
    DANGEROUS_DRIVING = "dangerous_driving"
    IMPAIRED_DRIVING = "impaired_driving"
    WEAPONS = "weapons"
    FRAUD = "fraud"
    UNSAFE_VEHICLE = "unsafe_vehicle"
    IDENTITY_MISMATCH = "identity_mismatch"
    PROPERTY_DAMAGE = "property_damage"
    OTHER_POLICY_VIOLATION = "other_policy_violation"

    @property
    def concerns_driving(self) -> bool:
        """Whether the conduct is the driver's alone (the driving, the vehicle): a rider cannot
        be reported for it."""
        return self in _DRIVING_CATEGORIES


_DRIVING_CATEGORIES = frozenset(
    {
        IncidentCategory.DANGEROUS_DRIVING,
        IncidentCategory.IMPAIRED_DRIVING,
        IncidentCategory.UNSAFE_VEHICLE,
    }
)


class Severity(StrEnum):
    """How serious the reported incident is, as assessed by intake."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class EnforcementAction(StrEnum):
    """What a review can do to an account, mildest first."""

    NO_ACTION = "no_action"
    EDUCATION = "education"
    WARNING = "warning"
    TEMPORARY_SUSPENSION = "temporary_suspension"
    PERMANENT_DEACTIVATION = "permanent_deactivation"

    @property
    def restricts_account(self) -> bool:
        """True for actions that take the account off the platform for a time or for good."""
        return self in (
            EnforcementAction.TEMPORARY_SUSPENSION,
            EnforcementAction.PERMANENT_DEACTIVATION,
        )


class SlaTier(StrEnum):
    """How fast a review must be decided; targets live in the matrix file."""

    CRITICAL = "critical"
    HIGH = "high"
    STANDARD = "standard"


class ReviewStatus(StrEnum):
    """Where a review is in its lifecycle (the README's "How a review runs")."""

    RECEIVED = "received"
    GATHERING_EVIDENCE = "gathering_evidence"
    AWAITING_DECISION = "awaiting_decision"
    IN_REVIEW = "in_review"
    AWAITING_SECOND_REVIEW = "awaiting_second_review"
    HEARING = "hearing"
    """A permanent deactivation the market's law puts to the person first: the notice of intent
    goes out and the review waits for their answer or the end of the hearing period, then goes
    back to the specialist to decide again."""
    NOTICE_PERIOD = "notice_period"
    """Decided and told; the restriction takes effect when the market's notice period ends."""
    ACTIONING = "actioning"
    CLOSED = "closed"


class PersonRole(StrEnum):
    """Roles of the people who work reviews."""

    SPECIALIST = "specialist"
    LEAD = "lead"
    QA = "qa"
    OPERATOR = "operator"


class EvidenceSource(StrEnum):
    """The systems evidence is gathered from, each its own HTTP service."""

    TRIP_DETAILS = "trip_details"
    INCIDENT_REPORTS = "incident_reports"
    ACCOUNT_HISTORY = "account_history"
    TELEMATICS = "telematics"
    IN_APP_MESSAGES = "in_app_messages"


# --- shared field types -------------------------------------------------------------------------

_LOCALE = re.compile(r"^[a-z]{2,3}(-([A-Z]{2}|[0-9]{3}))?$")


def _check_locale(value: str) -> str:
    if not _LOCALE.fullmatch(value):
        raise ValueError("must be a language tag such as 'en' or 'es-MX'")
    return value


IDENTIFIER_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$"
SLUG_PATTERN = r"^[a-z0-9][a-z0-9_-]*$"

Identifier = Annotated[
    str,
    StringConstraints(pattern=IDENTIFIER_PATTERN, min_length=1, max_length=128),
]
"""Ids of incidents, accounts and people: safe in workflow ids, URLs and search attributes."""

Slug = Annotated[str, StringConstraints(pattern=SLUG_PATTERN, max_length=64)]
Locale = Annotated[str, AfterValidator(_check_locale)]
NonBlankText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
GuidelineRef = Annotated[str, StringConstraints(pattern=r"^CG-[A-Z]+-[0-9]+$")]


class StrictModel(BaseModel):
    """Base for our own boundary models: unknown fields are an error. A validation error
    names the field and the problem, never the value (it may be personal data), so it is safe
    to log before any redaction."""

    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True)


class UpstreamModel(BaseModel):
    """Base for data read from other systems: unknown fields are ignored, and validation
    errors never quote the values."""

    model_config = ConfigDict(extra="ignore", hide_input_in_errors=True)


# --- intake -------------------------------------------------------------------------------------


AccountRole = Literal["rider", "driver"]
"""Whose account a review is about."""


class AccountRef(StrictModel):
    """The rider or driver account under review."""

    id: Identifier
    role: AccountRole
    locale: Locale = Field(description="The account holder's language, e.g. 'es-MX'.")
    market: Slug = Field(description="Operating market, e.g. 'mexico-city'.")


ReporterRole = Literal["rider", "driver", "third_party", "platform"]
"""Who can report an incident."""


class ReporterRef(StrictModel):
    """Who reported the incident. Never shown to the reported account."""

    id: Identifier
    role: ReporterRole
    locale: Locale | None = Field(
        default=None,
        description="Language of the reporter's notice. Without it, the notice is written in "
        "the market's first language: never in the reported account's, which would tell the "
        "reporter something about them.",
    )


EARLIEST_REPORT = datetime(2000, 1, 1, tzinfo=UTC)
"""No incident this tool reviews was reported before this; earlier times are typing errors."""


def _check_reported_at(value: datetime) -> datetime:
    try:
        too_early = value < EARLIEST_REPORT
    except OverflowError:  # e.g. year 1 with a positive offset: not a time on any clock
        too_early = True
    if too_early:
        raise ValueError(f"must be on or after {EARLIEST_REPORT.date().isoformat()}")
    return value


ReportedAt = Annotated[AwareDatetime, AfterValidator(_check_reported_at)]


class ReviewRequest(StrictModel):
    """What an intake system sends to start a review of one incident."""

    incident_id: Identifier
    account: AccountRef
    category: IncidentCategory = Field(
        description="What was reported. dangerous_driving, impaired_driving and unsafe_vehicle "
        "concern the driving or the vehicle: only a driver's account can be reported for them "
        "(422 for a rider)."
    )
    severity: Severity
    summary: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000)]
    reported_at: ReportedAt
    reporter: ReporterRef | None = None
    source: Slug = Field(description="The intake system, e.g. 'safety-hotline'.")

    @property
    def review_id(self) -> str:
        """The review's id, which is also its workflow id: one review per incident."""
        return review_id_for(self.incident_id)


def review_id_for(incident_id: str) -> str:
    """Derive the review (and workflow) id from an incident id."""
    return f"review-{incident_id}"


# --- evidence -----------------------------------------------------------------------------------


class TripDetails(UpstreamModel):
    """The trip the incident happened on."""

    kind: Literal["trip_details"] = "trip_details"
    trip_id: str
    started_at: datetime
    ended_at: datetime | None = None
    pickup_area: str
    dropoff_area: str | None = None
    distance_km: float
    driver_account_id: str
    rider_account_id: str
    fare: str | None = None


class Statement(UpstreamModel):
    """One person's account of what happened."""

    author_role: str
    submitted_at: datetime
    text: str


class IncidentReports(UpstreamModel):
    """The original report and any statements collected since."""

    kind: Literal["incident_reports"] = "incident_reports"
    report_count: int
    statements: list[Statement]


class PriorViolation(UpstreamModel):
    """A confirmed violation from an earlier, closed review of the same account."""

    incident_id: str
    category: str
    action: str
    decided_at: datetime
    retracted: bool = Field(
        default=False, description="Overturned since (on appeal or by QA): it counts for nothing."
    )


StrikeState = Literal["active", "expired", "retracted"]


class Strike(StrictModel):
    """A confirmed violation as the deactivation matrix counts it: active until it expires (by
    its category's strike period), unless it was retracted."""

    incident_id: str
    category: str
    action: str
    decided_at: datetime
    expires_at: datetime
    state: StrikeState


class AccountHistory(UpstreamModel):
    """The account's standing and its confirmed violations."""

    kind: Literal["account_history"] = "account_history"
    account_id: str
    member_since: datetime
    completed_trips: int
    rating: float | None = None
    prior_violations: list[PriorViolation]


class TelematicsEvent(UpstreamModel):
    """A driving event recorded by the phone or vehicle sensors."""

    at: datetime
    kind: str
    value: float
    unit: str
    speed_limit_kmh: float | None = None


class Telematics(UpstreamModel):
    """Sensor data for the trip: speed, braking, route deviations."""

    kind: Literal["telematics"] = "telematics"
    trip_id: str
    max_speed_kmh: float
    hard_brakes: int
    events: list[TelematicsEvent]


class InAppMessage(UpstreamModel):
    """A message exchanged in the app between the trip's participants."""

    at: datetime
    sender_role: str
    text: str


class InAppMessages(UpstreamModel):
    """Messages exchanged around the trip."""

    kind: Literal["in_app_messages"] = "in_app_messages"
    messages: list[InAppMessage]


EvidenceData = Annotated[
    TripDetails | IncidentReports | AccountHistory | Telematics | InAppMessages,
    Field(discriminator="kind"),
]


class EvidenceQuery(StrictModel):
    """What an evidence activity needs to ask one source about one incident."""

    source: EvidenceSource
    review_id: str
    incident_id: str
    account_id: str
    reported_at: datetime


class EvidenceItem(StrictModel):
    """What one source returned, or why it could not be read."""

    source: EvidenceSource
    available: bool
    data: EvidenceData | None = None
    unavailable_reason: str | None = None
    gathered_at: datetime


# --- recommendation -----------------------------------------------------------------------------


class Recommendation(StrictModel):
    """What the deactivation matrix recommends for this incident and account."""

    action: EnforcementAction
    suspension_days: int | None = None
    rule_id: str = Field(description="The matrix entry that produced this recommendation.")
    matrix_version: str
    guideline_refs: list[GuidelineRef]
    prior_violations: int = Field(description="Active strikes: the confirmed violations counted.")
    strikes: list[Strike] = Field(
        default_factory=list,
        description="Every confirmed violation read, with its state when this was recommended "
        "(empty in recommendations from before strikes were listed).",
    )
    history_available: bool = Field(
        description="False when account history could not be read and priors count as zero."
    )
    second_review_required: bool


class IntakeAssessment(StrictModel):
    """What the matrix says at intake, before any evidence: urgency and interim protection."""

    sla_tier: SlaTier
    egregious: bool
    interim_hold: bool
    second_review_required: bool
    matrix_version: str


# --- people and their requests ------------------------------------------------------------------


class Person(StrictModel):
    """A signed-in person acting on a review."""

    id: Identifier
    role: PersonRole


class Skills(StrictModel):
    """What a person can work, for routing "next review" to them; a list left empty means
    any (no skills at all: any review)."""

    languages: list[Locale] = Field(
        default_factory=list, description="Account locales they can read and write."
    )
    markets: list[Slug] = Field(default_factory=list)
    categories: list[IncidentCategory] = Field(default_factory=list)


class ClaimRequest(StrictModel):
    """A specialist takes a review to work it."""

    reviewer: Person


class ReassignBody(StrictModel):
    """A lead gives a review to someone else."""

    to: Identifier = Field(description="The id of the specialist or lead who takes it.")


class ReassignRequest(StrictModel):
    """A lead gives a review to a specialist or lead (``to``, as the directory knows them)."""

    lead: Person
    to: Person


class DecisionBody(StrictModel):
    """A decision as a person submits it."""

    action: EnforcementAction
    suspension_days: int | None = Field(default=None, ge=1, le=365)
    rationale: NonBlankText = Field(max_length=5000)
    policy_refs: list[GuidelineRef] = Field(min_length=1)
    justification: (
        Annotated[str, StringConstraints(strip_whitespace=True, max_length=5000)] | None
    ) = None


class DecisionRequest(DecisionBody):
    """A specialist's decision on a claimed review."""

    reviewer: Person


class SecondReviewBody(StrictModel):
    """A lead's second review as submitted: approve, or return to the specialist."""

    outcome: Literal["approve", "return"]
    comment: NonBlankText = Field(max_length=5000)


class SecondReviewRequest(SecondReviewBody):
    """A lead's second review of a decision."""

    reviewer: Person


class NoteBody(StrictModel):
    """A note as submitted."""

    text: NonBlankText = Field(max_length=5000)


class NoteRequest(NoteBody):
    """A note added to the case file."""

    author: Person


class ReasonBody(StrictModel):
    """A request that only needs a reason: more information, escalation, retry."""

    reason: NonBlankText = Field(max_length=2000)


class MoreInfoRequest(ReasonBody):
    """Send the review back to gathering evidence, with what is missing."""

    reviewer: Person


class EscalationRequest(ReasonBody):
    """Raise a review to the leads' queue by hand."""

    reviewer: Person


class RetryActioningRequest(ReasonBody):
    """An operator or lead asks a review whose actioning was refused to try again."""

    operator: Person


# --- state --------------------------------------------------------------------------------------


ReviewStage = Literal["second_review", "rework", "reconsideration"]
"""A stage after the first decision with its own SLA: a lead's second review, the
specialist's rework after a lead returned the decision, or the specialist's new decision after
the person's hearing."""


class SlaClock(StrictModel):
    """A service-level clock: when it started, when it is at risk, its deadline, and what
    happened."""

    started_at: datetime
    at_risk_at: datetime
    deadline: datetime
    at_risk: bool = False
    breached: bool = False
    met: bool | None = Field(default=None, description="Set once what it times is done.")


class StageClock(SlaClock):
    """The SLA clock of one stage after the first decision."""

    stage: ReviewStage


class SlaState(SlaClock):
    """The review's service-level clock, to the specialist's decision."""

    tier: SlaTier
    stage_hours: dict[ReviewStage, float] = Field(
        default_factory=dict,
        description="Hours the tier allows for each stage after the decision (from the policy).",
    )

    def start_stage(self, stage: ReviewStage, now: datetime) -> StageClock | None:
        """A clock for ``stage`` from ``now``, flagged at risk at the same share of its time
        as the decision's; None when the policy the review started under sets no target."""
        hours = self.stage_hours.get(stage)
        if hours is None:
            return None
        allowed = timedelta(hours=hours)
        share = (self.at_risk_at - self.started_at) / (self.deadline - self.started_at)
        return StageClock(
            stage=stage, started_at=now, at_risk_at=now + allowed * share, deadline=now + allowed
        )


class Decision(StrictModel):
    """A decision as recorded on the review."""

    reviewer: Person
    action: EnforcementAction
    suspension_days: int | None
    rationale: str
    policy_refs: list[str]
    justification: str | None
    deviates_from_recommendation: bool
    decided_at: datetime


class SecondReview(StrictModel):
    """A lead's second review as recorded."""

    reviewer: Person
    outcome: Literal["approve", "return"]
    comment: str
    reviewed_at: datetime


class Note(StrictModel):
    """A note in the case file."""

    author: Person
    text: str
    at: datetime


class TimelineEntry(StrictModel):
    """One thing that happened to the review, in order."""

    at: datetime
    event: str
    actor: str | None = None
    detail: str | None = None


class AccountChange(StrictModel):
    """An account status change the review made (hold, lift, enforcement)."""

    change: Literal["interim_hold", "hold_lifted", "enforcement", "reinstatement"]
    action: EnforcementAction | None = None
    suspension_days: int | None = None
    account_status: str
    applied_at: datetime
    reference: str


class Recipient(StrictModel):
    """Who a message goes to, and in which language they asked to hear from us."""

    account_id: str
    role: str
    locale: str


class SentMessage(StrictModel):
    """A message the notification gateway accepted."""

    kind: Literal[
        "outcome_notice", "report_reviewed", "hold_notice", "appeal_outcome", "notice_of_intent"
    ]
    recipient: Recipient
    locale: str = Field(description="The language the message was written in.")
    fallback_from: str | None = Field(
        default=None, description="The requested locale when no translation existed."
    )
    subject: str
    idempotency_key: str
    gateway_message_id: str
    sent_at: datetime
    answer_due_by: datetime | None = Field(
        default=None,
        description="For a notice of intent: the answer deadline it told the person, counted "
        "from when it was sent.",
    )


class TripReference(StrictModel):
    """The trip a decision is about, as the person can find it in their trip history."""

    trip_id: str
    started_at: datetime


class HeardBefore(StrictModel):
    """What a statement of reasons says of the person's hearing: when the notice of intent went
    out, until when they could answer, and whether they did (never what they said: the record
    of the review keeps that)."""

    notice_sent_at: datetime
    answer_due_by: datetime
    answered_at: datetime | None = Field(description="When their answer arrived; None if none.")


class StatementOfReasons(StrictModel):
    """Why an account was restricted, as the person is told and the record keeps it.

    Shaped after Art. 17(3) of the EU Digital Services Act, the strictest regime we operate
    under: what the restriction is, where and for how long it applies (a); the facts and
    circumstances relied on (b); whether automated means were used (c); the guideline broken (e,
    the texts come from the community guidelines); and how to seek redress (f). The reporter is
    never identified, only their role.
    """

    action: EnforcementAction
    suspension_days: int | None
    account_role: AccountRole
    territorial_scope: Literal["all_markets"] = Field(
        default="all_markets",
        description="An account restriction applies wherever the platform operates.",
    )
    starts_at: datetime
    ends_at: datetime | None = Field(description="None for a permanent deactivation.")
    category: IncidentCategory
    reported_at: datetime
    market: str
    based_on_report_by: ReporterRole | None = Field(
        description="The reporter's role when the review began with a report; never who. "
        "Kept in the record only: the person is never told it (on a two-person trip it "
        "names the reporter)."
    )
    trip: TripReference | None = Field(
        default=None, description="The trip the decision is about, when its details were found."
    )
    evidence_relied_on: list[EvidenceSource] = Field(
        description="The sources the decision rests on: those gathered that the matrix counts "
        "for the category."
    )
    prior_violations: int
    because_of_prior_violations: bool = Field(
        default=False,
        description="The action is harsher than the incident alone calls for in the matrix: "
        "the earlier confirmed violations made it so.",
    )
    detected_automatically: bool = Field(
        default=False,
        description="The incident was detected by the platform's own systems (telematics, "
        "platform alerts), not reported by a person.",
    )
    automated_recommendation: bool = Field(
        description="The deactivation matrix recommended an action before a person decided."
    )
    recommendation_rule: str | None
    matrix_version: str
    followed_recommendation: bool
    second_reviewed: bool = Field(description="A second person checked the decision.")
    guideline_refs: list[str]
    appeal_deadline: datetime
    appeal_window_days: int
    notified_at: datetime | None = Field(
        default=None,
        description="When the person was told, where the market's law has them told before "
        "the restriction takes effect (a notice period); None when it took effect at once.",
    )
    legal_basis: dict[str, str] = Field(
        default_factory=dict,
        description="The local law the market's due process follows, per language; empty "
        "where no local rule is cited.",
    )
    heard: HeardBefore | None = Field(
        default=None,
        description="The hearing the person was given before this decision, where the market's "
        "law gives one; None when there was none.",
    )
    held_since: datetime | None = Field(
        default=None,
        description="When the review put the account on an interim hold, if it did. A "
        "suspension is counted from the decision: the hold does not count towards it.",
    )


class HearingAnswerBody(StrictModel):
    """The person's answer to a notice of intent, as the platform's app sends it."""

    statement: NonBlankText = Field(
        max_length=5000, description="What the person tells us, in their own words."
    )
    submitted_at: AwareDatetime = Field(description="When the person sent it from the app.")


class HearingAnswer(HearingAnswerBody):
    """The person's answer as the review keeps it: part of the evidence the specialist weighs
    when deciding again."""

    received_at: datetime


class Hearing(StrictModel):
    """The person's hearing before a permanent deactivation (where the market's law gives one):
    the decision put to them as a notice of intent, until when they may answer, and what they
    said. Once it ends, the specialist decides again with the answer in front of them."""

    intended: Decision
    intended_second_review: SecondReview | None = Field(
        description="The lead's approval of the intended decision, when it needed one."
    )
    started_at: datetime
    notice_sent_at: datetime | None = Field(
        default=None, description="When the notice of intent went out; None until it has."
    )
    answer_due_by: datetime | None = Field(
        default=None,
        description="The end of the hearing period, counted from when the notice went out.",
    )
    answer: HearingAnswer | None = None
    ended_at: datetime | None = Field(
        default=None, description="When the review went back to the specialist."
    )


class ReviewState(StrictModel):
    """Everything a specialist sees about a review; the workflow's queryable state."""

    review_id: str
    status: ReviewStatus
    request: ReviewRequest
    received_at: datetime
    intake: IntakeAssessment
    sla: SlaState
    stage_clocks: list[StageClock] = Field(
        default_factory=list,
        description="Second review and rework clocks, oldest first; the open one is last.",
    )
    escalated: bool = False
    escalation_reasons: list[str] = Field(default_factory=list)
    assignee: Person | None = None
    evidence: list[EvidenceItem] = Field(default_factory=list)
    recommendation: Recommendation | None = None
    decision: Decision | None = None
    second_review: SecondReview | None = None
    more_info_requests: list[str] = Field(default_factory=list)
    notes: list[Note] = Field(default_factory=list)
    account_changes: list[AccountChange] = Field(default_factory=list)
    messages: list[SentMessage] = Field(default_factory=list)
    timeline: list[TimelineEntry] = Field(default_factory=list)
    statement_of_reasons: StatementOfReasons | None = Field(
        default=None, description="Set when a decision that restricts the account is carried out."
    )
    actioning_blocked: str | None = Field(
        default=None,
        description="Why carrying out the decision stopped; an operator retries once it is fixed.",
    )
    record_started_at: datetime | None = Field(
        default=None,
        description="When the case record began to be written: from then on nothing is added.",
    )
    closed_at: datetime | None = None
    withdrawn_by_appeal: str | None = Field(
        default=None,
        description="The appeal that changed the decision during its notice period: the "
        "restriction it gave notice of never took effect.",
    )
    version: int = Field(
        default=0,
        ge=0,
        description="One more for each change of the review; orders what it publishes.",
    )
    lease_minutes: int | None = Field(
        default=None,
        description="How long a claim lasts without activity (None: reviews opened before "
        "claims were leases keep theirs until decided).",
    )
    lease_until: datetime | None = Field(
        default=None,
        description="When the claim returns to the queue unless the assignee works on.",
    )
    lease_held_by: Person | None = Field(
        default=None, description="The lead who holds the claim past its lease."
    )
    hearing_days: int | None = Field(
        default=None,
        ge=0,
        description="Days the account's market gives the person to answer a notice of intent "
        "before a permanent deactivation (0: no hearing; None: reviews opened before hearings "
        "give none).",
    )
    hearing: Hearing | None = Field(
        default=None, description="The person's hearing, once a decision called for one."
    )


class ReviewAck(StrictModel):
    """What a workflow update answers: the request was accepted, and where the review now is.

    Small on purpose: every update result is stored in the review's history. Read the review
    itself with the ``state`` query."""

    review_id: str
    status: ReviewStatus
    accepted: str = Field(description="The update that was accepted, e.g. 'add_note'.")
    version: int | None = Field(
        default=None,
        description="The review's version after the change (None from older workers): a read "
        "of the published view at this version or later sees it.",
    )
