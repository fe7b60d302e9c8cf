"""The policy in force: the files in this folder (the deactivation matrix, the community
guidelines, the markets, QA's sampling rules) and the message templates, loaded and validated
together.

The worker serves this policy to every review it starts; the web app loads the same files for
its previews and reports. An invalid file raises PolicyFileError naming the file, the entry and
the problem.
"""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

from notifications.rendering import MessageRenderer
from review.guidelines import GUIDELINES_FILE, load_guidelines
from review.markets import MARKETS_FILE, Markets, load_markets
from review.matrix import MATRIX_FILE, ReviewPolicy, load_matrix
from review.qa_sampling import QA_SAMPLING_FILE


class PolicySettings(BaseSettings):
    """Which policy files the worker serves; the shipped ones unless overridden."""

    model_config = SettingsConfigDict(env_prefix="DR_", extra="ignore")

    matrix_file: Path = MATRIX_FILE
    guidelines_file: Path = GUIDELINES_FILE
    markets_file: Path = MARKETS_FILE
    qa_sampling_file: Path = QA_SAMPLING_FILE


def load_policy(settings: PolicySettings) -> tuple[ReviewPolicy, MessageRenderer]:
    """Load and validate every policy file; raises PolicyFileError naming what is wrong."""
    guidelines = load_guidelines(settings.guidelines_file)
    matrix = load_matrix(settings.matrix_file, guidelines)
    markets = load_markets(settings.markets_file)
    renderer = MessageRenderer(
        guidelines=guidelines,
        markets=markets,
        guidelines_file=settings.guidelines_file,
        markets_file=settings.markets_file,
    )
    policy = ReviewPolicy(matrix=matrix, guideline_refs=guidelines.refs(), markets=markets)
    return policy, renderer


def configured_markets() -> Markets:
    """The markets file in force (``DR_MARKETS_FILE``, else the shipped one), for intake."""
    return load_markets(PolicySettings().markets_file)
