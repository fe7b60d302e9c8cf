"""Every message a rider or driver can get, rendered for a lead to read and sign off.

``python -m notifications.catalogue OUT_DIR`` writes one Markdown file per locale: for each
incident category and account role (a rider is never reported for the driving or the vehicle),
every outcome, the hold notice, the notice of intent and the appeal outcomes, with the variants
that change what a message says (an incident the platform detected, a deactivation earlier
violations brought, a suspension after a hold, notice before a deactivation), and the reporter's
notice. The sample cases are one trip in Mexico City; the template tests render the same ones.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Literal

from notifications.rendering import MessageRenderer, RenderedMessage
from review.markets import ROLES, Markets, load_markets
from review.matrix import DeactivationMatrix, load_matrix
from review.models import (
    AccountRole,
    EnforcementAction,
    IncidentCategory,
    Recipient,
    StatementOfReasons,
    TripReference,
)
from review.notices import (
    AppealOutcomeContent,
    HoldNoticeContent,
    NoticeContent,
    NoticeJob,
    NoticeOfIntentContent,
    OutcomeNoticeContent,
    ReportReviewedContent,
)

NOW = datetime(2026, 11, 24, 15, tzinfo=UTC)
"""When the sample decisions are made: 09:00 in Mexico City."""
REVIEW_ID = "review-INC-42"
MARKET = "mexico-city"
TRIP = TripReference(trip_id="trp_8841", started_at=NOW - timedelta(days=2, hours=6))


class SampleCases:
    """Sample content for each message kind, under the matrix in force."""

    def __init__(
        self, matrix: DeactivationMatrix | None = None, markets: Markets | None = None
    ) -> None:
        self.matrix = matrix if matrix is not None else load_matrix()
        self.markets = markets if markets is not None else load_markets()

    def outcome(
        self,
        action: EnforcementAction,
        role: AccountRole,
        category: IncidentCategory = IncidentCategory.DANGEROUS_DRIVING,
        reasons_changes: dict[str, object] | None = None,
        **changes: object,
    ) -> OutcomeNoticeContent:
        """A decision on a trip reported by the other person: a 7-day suspension when
        suspended, one earlier violation, a second person's check."""
        policy = self.matrix.categories[category]
        refs = list(policy.guidelines)
        suspended = action is EnforcementAction.TEMPORARY_SUSPENSION
        reasons = None
        if action.restricts_account:
            reasons = StatementOfReasons(
                action=action,
                suspension_days=7 if suspended else None,
                account_role=role,
                starts_at=NOW,
                ends_at=NOW + timedelta(days=7) if suspended else None,
                category=category,
                reported_at=NOW - timedelta(days=1),
                market=MARKET,
                based_on_report_by="rider",
                trip=TRIP,
                evidence_relied_on=list(policy.evidence or []),
                prior_violations=1,
                automated_recommendation=True,
                recommendation_rule=f"{category}.high.priors=1",
                matrix_version=self.matrix.version,
                followed_recommendation=True,
                second_reviewed=True,
                guideline_refs=refs,
                appeal_deadline=NOW + timedelta(days=30),
                appeal_window_days=30,
            ).model_copy(update=reasons_changes or {})
        return OutcomeNoticeContent(
            review_id=REVIEW_ID,
            account_role=role,
            market=MARKET,
            category=category,
            action=action,
            suspension_days=7 if suspended else None,
            suspension_ends_at=NOW + timedelta(days=7) if suspended else None,
            guideline_refs=refs,
            interim_hold_lifted=action is EnforcementAction.NO_ACTION,
            appeal_deadline=NOW + timedelta(days=30) if action.restricts_account else None,
            trip=TRIP,
            reasons=reasons,
        ).model_copy(update=changes)

    def hold(
        self, role: AccountRole, category: IncidentCategory, **changes: object
    ) -> HoldNoticeContent:
        """An interim hold at intake, a decision due in four hours."""
        return HoldNoticeContent(
            review_id=REVIEW_ID,
            account_role=role,
            market=MARKET,
            category=category,
            reported_at=NOW - timedelta(days=1),
            based_on_report_by="rider",
            held_at=NOW,
            decision_due_by=NOW + timedelta(hours=4),
            guideline_refs=list(self.matrix.categories[category].guidelines),
            appeal_window_days=30,
        ).model_copy(update=changes)

    def notice_of_intent(
        self, role: AccountRole, category: IncidentCategory, **changes: object
    ) -> NoticeOfIntentContent:
        """A hearing under Mexico's law (as the markets file cites it): five days to answer,
        two earlier violations."""
        policy = self.matrix.categories[category]
        mexico = self.markets.get(MARKET)
        return NoticeOfIntentContent(
            review_id=REVIEW_ID,
            account_role=role,
            market=MARKET,
            category=category,
            reported_at=NOW - timedelta(days=1),
            trip_started_at=NOW - timedelta(days=2),
            trip_id=TRIP.trip_id,
            evidence_relied_on=list(policy.evidence or []),
            prior_violations=2,
            answer_due_by=NOW + timedelta(days=5),
            on_hold=False,
            guideline_refs=list(policy.guidelines),
            legal_basis=dict(mexico.legal_basis) if mexico else {},
        ).model_copy(update=changes)

    def appeal(
        self,
        outcome: Literal["uphold", "overturn", "modify"],
        role: AccountRole,
        category: IncidentCategory,
        original: EnforcementAction = EnforcementAction.PERMANENT_DEACTIVATION,
        action: EnforcementAction | None = None,
        took_effect: bool = True,
        correction: bool = False,
    ) -> AppealOutcomeContent:
        """An appeal (or a correction QA opened) decided: ``outcome`` is uphold, overturn or
        modify (to ``action``)."""
        days = 7 if action is EnforcementAction.TEMPORARY_SUSPENSION else None
        return AppealOutcomeContent(
            review_id=REVIEW_ID,
            appeal_id="appeal-INC-42-1",
            account_role=role,
            market=MARKET,
            category=category,
            outcome=outcome,
            original_action=original,
            action=action,
            suspension_days=days,
            suspension_ends_at=NOW + timedelta(days=7) if days else None,
            took_effect=took_effect,
            guideline_refs=list(self.matrix.categories[category].guidelines),
            correction=correction,
            appeal_again_by=NOW + timedelta(days=20),
            trip=TRIP,
        )

    def reporter(self) -> ReportReviewedContent:
        """The reporter's notice: it carries no outcome at all."""
        return ReportReviewedContent(review_id=REVIEW_ID, reporter_role="rider", market=MARKET)

    def every_message(
        self, role: AccountRole, category: IncidentCategory
    ) -> Iterator[tuple[str, NoticeContent]]:
        """Each message the reported account can get about ``category``, with its title (the
        hold's only where the matrix holds the category at some severity)."""
        severities = self.matrix.categories[category].severities.values()
        held = any(rule.needs_interim_hold for rule in severities)
        for action in EnforcementAction:
            if action is EnforcementAction.NO_ACTION and not held:
                continue  # no action on an account never held nor heard: nothing is sent
            yield str(action), self.outcome(action, role, category)
        raised = (
            EnforcementAction.WARNING,
            EnforcementAction.TEMPORARY_SUSPENSION,
            EnforcementAction.PERMANENT_DEACTIVATION,
        )
        for action in raised:
            yield (
                f"{action}, detected by our systems",
                self.outcome(
                    action,
                    role,
                    category,
                    {"detected_automatically": True, "based_on_report_by": "platform"},
                    detected_automatically=True,
                ),
            )
        yield (
            "permanent_deactivation, brought by earlier violations",
            self.outcome(
                EnforcementAction.PERMANENT_DEACTIVATION,
                role,
                category,
                {"because_of_prior_violations": True, "prior_violations": 2},
            ),
        )
        seattle = self.markets.get("seattle")
        if role == "driver" and seattle is not None and seattle.notice_days:
            yield (
                f"permanent_deactivation, with {seattle.notice_days} days' notice (Seattle)",
                self.outcome(
                    EnforcementAction.PERMANENT_DEACTIVATION,
                    role,
                    category,
                    {
                        "market": "seattle",
                        "notified_at": NOW,
                        "starts_at": NOW + timedelta(days=seattle.notice_days),
                        # The appeal window runs from when the deactivation takes effect.
                        "appeal_deadline": NOW
                        + timedelta(days=seattle.notice_days + seattle.appeal_window_days),
                        "legal_basis": dict(seattle.legal_basis),
                    },
                    market="seattle",
                ),
            )
        yield (
            "temporary_suspension, one day",
            self.outcome(
                EnforcementAction.TEMPORARY_SUSPENSION,
                role,
                category,
                {"suspension_days": 1, "ends_at": NOW + timedelta(days=1)},
                suspension_days=1,
                suspension_ends_at=NOW + timedelta(days=1),
            ),
        )
        if held:
            yield (
                "temporary_suspension, after an interim hold",
                self.outcome(
                    EnforcementAction.TEMPORARY_SUSPENSION,
                    role,
                    category,
                    {"held_since": NOW - timedelta(hours=4)},
                ),
            )
            yield "hold_notice", self.hold(role, category)
            yield (
                "hold_notice, raised by our systems",
                self.hold(role, category, based_on_report_by="platform"),
            )
        if role == "driver":
            yield "notice_of_intent", self.notice_of_intent(role, category)
        yield "appeal upheld", self.appeal("uphold", role, category)
        yield "appeal overturned", self.appeal("overturn", role, category)
        yield (
            "appeal: made a warning",
            self.appeal("modify", role, category, action=EnforcementAction.WARNING),
        )
        yield "correction: overturned", self.appeal("overturn", role, category, correction=True)


def render(renderer: MessageRenderer, content: NoticeContent, locale: str) -> RenderedMessage:
    """``content`` as its recipient reading ``locale`` gets it."""
    role = getattr(content, "account_role", "rider")
    return renderer.render(
        NoticeJob(
            review_id=REVIEW_ID,
            recipient=Recipient(account_id="acct_1", role=role, locale=locale),
            idempotency_key=f"{REVIEW_ID}:{content.kind}",
            content=content,
        )
    )


def catalogue(renderer: MessageRenderer, cases: SampleCases, locale: str) -> tuple[str, int]:
    """Every message in ``locale`` as one Markdown document, and how many it holds."""
    lines = [f"# Every message, {locale}", ""]
    count = 0
    for category in IncidentCategory:
        for role in ROLES:
            if role == "rider" and category.concerns_driving:
                continue  # refused at intake
            lines += [f"## {category}, {role}", ""]
            for title, content in cases.every_message(role, category):
                message = render(renderer, content, locale)
                lines += [f"### {title}", "", f"**{message.subject}**", "", "```text"]
                lines += [message.body.rstrip(), "```", ""]
                count += 1
    message = render(renderer, cases.reporter(), locale)
    lines += ["## The reporter", "", f"**{message.subject}**", "", "```text"]
    lines += [message.body.rstrip(), "```", ""]
    return "\n".join(lines), count + 1


def main(argv: list[str] | None = None) -> int:
    """Write the catalogue of every locale (or those asked for) into a folder."""
    parser = argparse.ArgumentParser(prog="python -m notifications.catalogue", description=__doc__)
    parser.add_argument("out", type=Path, help="the folder to write {locale}.md into")
    parser.add_argument("--locale", action="append", help="only this locale (repeatable)")
    args = parser.parse_args(argv)
    renderer = MessageRenderer()
    cases = SampleCases()
    locales = args.locale or renderer.locales()
    unknown = sorted(set(locales) - set(renderer.locales()))
    if unknown:
        print(
            f"no templates for {', '.join(unknown)}; we write in {', '.join(renderer.locales())}",
            file=sys.stderr,
        )
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    for locale in locales:
        text, count = catalogue(renderer, cases, locale)
        path = args.out / f"{locale}.md"
        path.write_text(text, encoding="utf-8")
        print(f"{path}: {count} messages")
    return 0


if __name__ == "__main__":
    sys.exit(main())
