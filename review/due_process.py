"""Due process for the person a decision restricts, by the law of their market.

Plain rules over a market's entry in policy/markets.toml: when a restriction takes effect (a
deactivation that is not egregious waits out the market's notice period), whether a permanent
deactivation needs a hearing first and until when the person may answer, and whether an appeal
is admissible (inside the market's window; once per decision, again only with new
information). These are the one home of those rules; the review workflow applies them with the
markets its policy recorded at intake.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import Field

from review.markets import Market
from review.matrix import ReviewPolicy
from review.models import (
    AccountRef,
    AccountRole,
    EnforcementAction,
    Locale,
    StatementOfReasons,
    StrictModel,
)
from review.refusals import ReviewRuleError


class DueProcess(StrictModel):
    """What the law of one market gives one account: recorded in the review when it is decided,
    so a later change of the markets file never changes a decision already made."""

    market: str
    appeal_window_days: int = Field(ge=1, le=365)
    notice_days: int = Field(
        ge=0, le=90, description="Notice before a deactivation takes effect; 0 when none."
    )
    hearing_days: int = Field(
        ge=0, le=60, description="Days to answer before a permanent deactivation; 0 when none."
    )
    legal_basis: dict[Locale, str] = Field(
        description="The law cited, per language; empty where no local rule is cited."
    )

    @classmethod
    def of(cls, slug: str, market: Market, role: AccountRole) -> DueProcess:
        """The due process ``market`` gives an account of ``role`` (notice and hearing only for
        the roles its law protects)."""
        protected = role in market.protected_roles
        return cls(
            market=slug,
            appeal_window_days=market.appeal_window_days,
            notice_days=market.notice_days if protected else 0,
            hearing_days=market.hearing_days if protected else 0,
            legal_basis=market.legal_basis if protected else {},
        )

    @classmethod
    def for_account(cls, policy: ReviewPolicy, account: AccountRef) -> DueProcess | None:
        """The due process the markets a review recorded give ``account``; None when the
        review recorded no markets (opened before they were policy) or not the account's."""
        market = policy.markets.get(account.market) if policy.markets is not None else None
        return cls.of(account.market, market, account.role) if market is not None else None

    def takes_effect_at(
        self, action: EnforcementAction, egregious: bool, notified_at: datetime
    ) -> datetime:
        """When a decided ``action``, notified at ``notified_at``, takes effect: a permanent
        deactivation that is not egregious after the notice period, anything else at once.
        (The review passes an account already on an interim hold as egregious: it is off the
        platform already, and a notice period would keep it there without a decision.)"""
        if action is EnforcementAction.PERMANENT_DEACTIVATION and not egregious:
            return notified_at + timedelta(days=self.notice_days)
        return notified_at

    def needs_hearing(self, action: EnforcementAction) -> bool:
        """Whether ``action`` must first be put to the person as a notice of intent."""
        return hearing_first(action, self.hearing_days)

    def answer_due_by(self, intent_sent_at: datetime) -> datetime:
        """Until when the person may answer a notice of intent sent at ``intent_sent_at``."""
        return answer_due_by(intent_sent_at, self.hearing_days)

    def appeal_deadline(self, effective_at: datetime) -> datetime:
        """The last moment to appeal a restriction that took effect at ``effective_at``."""
        return effective_at + timedelta(days=self.appeal_window_days)


def hearing_first(action: EnforcementAction, hearing_days: int) -> bool:
    """Whether a decision to ``action`` is first put to the person as a notice of intent, where
    their market gives ``hearing_days`` to answer: a permanent deactivation, egregious or not
    (an egregious case's account stays on its interim hold meanwhile)."""
    return action is EnforcementAction.PERMANENT_DEACTIVATION and hearing_days > 0


def answer_due_by(intent_sent_at: datetime, hearing_days: int) -> datetime:
    """The end of a hearing whose notice of intent went out at ``intent_sent_at``: counted from
    when it actually went out, so a notification outage never shortens it."""
    return intent_sent_at + timedelta(days=hearing_days)


def refuse_appeal(
    action: EnforcementAction,
    told: StatementOfReasons | None,
    submitted_at: datetime,
    new_information: bool,
    earlier_appeals: int,
) -> None:
    """Raise ReviewRuleError (naming the field) unless an appeal of a decision to ``action``,
    whose statement of reasons the person was ``told``, submitted at ``submitted_at``, may be
    heard. The window is the one the statement gave: from the moment the person was told
    (during a notice period too) until its appeal deadline; once per decision, and again only
    with new information."""
    if told is None or not action.restricts_account:
        raise ReviewRuleError("conflict", "not_appealable", action=action)
    if submitted_at < (told.notified_at or told.starts_at):
        raise ReviewRuleError("invalid", "appeal_before_decision", "submitted_at")
    if submitted_at > told.appeal_deadline:
        raise ReviewRuleError(
            "conflict",
            "appeal_window_closed",
            "submitted_at",
            deadline=told.appeal_deadline.isoformat(timespec="minutes"),
            days=told.appeal_window_days,
        )
    if earlier_appeals and not new_information:
        raise ReviewRuleError("conflict", "appealed_already", "new_information")
