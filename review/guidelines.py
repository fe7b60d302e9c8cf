"""The community guidelines clauses that decisions cite, in plain words per language."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, RootModel

from review.models import GuidelineRef, Locale, NonBlankText, StrictModel
from review.policy_files import POLICY_DIR, PolicyProblem, load_policy_file

GUIDELINES_FILE = POLICY_DIR / "community_guidelines.toml"
BASE_LOCALE = "en"


class GuidelineText(StrictModel):
    """A clause's title and its plain-language explanation in one language."""

    title: NonBlankText
    summary: NonBlankText = Field(description="What the clause asks, in words anyone understands.")


class Guideline(RootModel[dict[Locale, GuidelineText]]):
    """One clause, keyed by locale; English is required as the fallback."""

    def text(self, locale: str) -> tuple[str, GuidelineText]:
        """The clause in ``locale``, or in English when it has no translation (locale returned)."""
        if locale in self.root:
            return locale, self.root[locale]
        return BASE_LOCALE, self.root[BASE_LOCALE]


class CommunityGuidelines(RootModel[dict[GuidelineRef, Guideline]]):
    """Every clause a decision may cite, by reference (e.g. ``CG-DRIVING-2``)."""

    def __contains__(self, ref: object) -> bool:
        return ref in self.root

    def refs(self) -> list[str]:
        """All clause references, sorted."""
        return sorted(self.root)

    def clause(self, ref: str) -> Guideline:
        """The clause ``ref``; KeyError when unknown."""
        return self.root[ref]


def _check(guidelines: CommunityGuidelines) -> list[PolicyProblem]:
    return [
        PolicyProblem(ref, f"has no '{BASE_LOCALE}' text, which every clause needs as fallback")
        for ref, clause in guidelines.root.items()
        if BASE_LOCALE not in clause.root
    ]


def load_guidelines(path: Path = GUIDELINES_FILE) -> CommunityGuidelines:
    """Load and validate the guidelines file; PolicyFileError names each problem."""
    return load_policy_file(path, CommunityGuidelines, _check)
