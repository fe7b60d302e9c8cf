"""Who may sign in or call the API: people with roles, and bearer tokens.

The directory is a TOML file. Passwords are stored as scrypt hashes and tokens as SHA-256
digests, never in clear. A file marked ``demo = true`` is refused unless the app runs in demo
mode, so demo credentials can never reach a real deployment.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import date
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from review.models import Identifier, Locale, Person, PersonRole, Skills, StrictModel
from review.policy_files import PolicyProblem, load_policy_file

_SCRYPT_N, _SCRYPT_R, _SCRYPT_P = 2**14, 8, 1


def hash_password(password: str, salt: bytes | None = None) -> str:
    """An scrypt hash in the form ``scrypt$N$r$p$salt$hash`` (base64)."""
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_SCRYPT_N, r=_SCRYPT_R, p=_SCRYPT_P)
    b64 = base64.b64encode
    return f"scrypt${_SCRYPT_N}${_SCRYPT_R}${_SCRYPT_P}${b64(salt).decode()}${b64(digest).decode()}"


def password_matches(password: str, stored: str) -> bool:
    """Check a password against a stored scrypt hash in constant time."""
    try:
        _, n, r, p, salt, digest = stored.split("$")
        expected = base64.b64decode(digest)
        actual = hashlib.scrypt(
            password.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p)
        )
    except ValueError:
        return False
    return hmac.compare_digest(actual, expected)


def token_digest(token: str) -> str:
    """The SHA-256 digest a token is stored as."""
    return hashlib.sha256(token.encode()).hexdigest()


class PersonEntry(StrictModel):
    """A person who works reviews."""

    role: PersonRole
    display_name: str = Field(min_length=1, max_length=80)
    locale: Locale = "en"
    skills: Skills = Field(
        default_factory=Skills, description="What they can work (languages, markets, categories)."
    )
    started_on: date | None = Field(
        default=None,
        description="When they started reviewing here: QA samples a new specialist's decisions "
        "more often (policy/qa_sampling.toml).",
    )
    password_scrypt: str | None = Field(
        default=None, pattern=r"^scrypt\$\d+\$\d+\$\d+\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$"
    )


class TokenEntry(StrictModel):
    """A bearer token: an intake system's, or a person's for API use."""

    name: str = Field(min_length=1, max_length=80)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    kind: Literal["intake", "person"]
    person: Identifier | None = None
    person_records: bool = Field(
        default=False,
        description="An intake client that may also fetch account holders' own records for "
        "them (the platform's app); other intake clients only start reviews.",
    )

    @model_validator(mode="after")
    def _person_tokens_name_a_person(self) -> TokenEntry:
        if (self.kind == "person") != (self.person is not None):
            raise ValueError("a 'person' token names its person; an 'intake' token does not")
        if self.kind == "person" and self.person_records:
            raise ValueError("person_records: only an intake client's token may fetch them")
        return self


class Directory(StrictModel):
    """Everyone who may use the app."""

    demo: bool = False
    people: dict[Identifier, PersonEntry]
    tokens: list[TokenEntry] = Field(default_factory=list)


class Caller(StrictModel):
    """Who is calling: a person (signed in, by token or via SSO) or an intake system."""

    kind: Literal["person", "intake"]
    name: str
    person: Person | None = None
    person_records: bool = Field(
        default=False, description="An intake client allowed account holders' own records."
    )
    display_name: str | None = None
    locale: str = "en"

    def as_person(self) -> Person:
        """The person calling; only people pass authorization for people's requests."""
        if self.person is None:
            raise ValueError(f"{self.name} is not a person")
        return self.person


class PeopleDirectory:
    """Looks people and tokens up; built from a validated Directory."""

    def __init__(self, directory: Directory) -> None:
        self.directory = directory
        self._tokens = {t.sha256: t for t in directory.tokens}

    def ids_with_role(self, role: PersonRole) -> set[str]:
        """Everyone who has ``role``."""
        return {pid for pid, entry in self.directory.people.items() if entry.role is role}

    def named(self, person_id: str) -> Person | None:
        """The person with this id (id and role), or None."""
        caller = self.person(person_id)
        return caller.person if caller else None

    def started_on(self, person_id: str) -> date | None:
        """When this person started (None: unknown, or no such person)."""
        entry = self.directory.people.get(person_id)
        return entry.started_on if entry else None

    def skills(self, person_id: str) -> Skills:
        """What this person can work (no entry: any review)."""
        entry = self.directory.people.get(person_id)
        return entry.skills if entry else Skills()

    def deciders(self) -> list[Caller]:
        """Everyone who can take a review (specialists and leads), by name."""
        found = [
            self.person(pid)
            for pid, entry in self.directory.people.items()
            if entry.role in (PersonRole.SPECIALIST, PersonRole.LEAD)
        ]
        return sorted((c for c in found if c), key=lambda c: c.display_name or c.name)

    def person(self, person_id: str) -> Caller | None:
        """The person with this id, as a caller."""
        entry = self.directory.people.get(person_id)
        if entry is None:
            return None
        return Caller(
            kind="person",
            name=person_id,
            person=Person(id=person_id, role=entry.role),
            display_name=entry.display_name,
            locale=entry.locale,
        )

    def sign_in(self, person_id: str, password: str) -> Caller | None:
        """The person, if the password is theirs."""
        entry = self.directory.people.get(person_id)
        # Hash even for unknown people so timing does not reveal who exists.
        stored = entry.password_scrypt if entry and entry.password_scrypt else _UNUSABLE
        if not password_matches(password, stored) or entry is None:
            return None
        return self.person(person_id)

    def bearer(self, token: str) -> Caller | None:
        """The caller a bearer token belongs to."""
        entry = self._tokens.get(token_digest(token))
        if entry is None:
            return None
        if entry.kind == "intake":
            return Caller(kind="intake", name=entry.name, person_records=entry.person_records)
        assert entry.person is not None
        return self.person(entry.person)


_UNUSABLE = hash_password(secrets.token_hex(16))


class DemoDirectoryRefused(Exception):
    """A demo people file outside demo mode."""


def load_directory(path: Path, demo_mode: bool) -> PeopleDirectory:
    """Load and validate the people file; a demo file is refused outside demo mode."""

    def check(directory: Directory) -> list[PolicyProblem]:
        return [
            PolicyProblem(f"tokens[{i}].person", f"unknown person '{t.person}'")
            for i, t in enumerate(directory.tokens)
            if t.person is not None and t.person not in directory.people
        ]

    directory = load_policy_file(path, Directory, check)
    if directory.demo and not demo_mode:
        raise DemoDirectoryRefused(
            f"{path} holds demo credentials and is refused outside demo mode "
            "(set DR_WEB_DEMO_MODE=1 only on a demo machine)"
        )
    return PeopleDirectory(directory)
