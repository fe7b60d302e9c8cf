"""Who may sign in and what each role may do, without a server."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from review import actions
from review.locales import negotiate
from review.models import Person, PersonRole
from review.policy_files import PolicyFileError
from tests.conftest import free_port
from webapp.access import PERSON_PERMISSIONS, Permission, allowed, may
from webapp.i18n import catalog, locales, translator
from webapp.people import (
    Caller,
    DemoDirectoryRefused,
    hash_password,
    load_directory,
    password_matches,
    token_digest,
)
from webapp.settings import DEMO_PEOPLE_FILE

ROOT = Path(__file__).resolve().parent.parent


def test_a_password_hash_verifies_only_its_password() -> None:
    stored = hash_password("correct horse")
    assert password_matches("correct horse", stored)
    assert not password_matches("Correct horse", stored)
    assert "correct horse" not in stored


def test_the_demo_people_file_is_refused_outside_demo_mode() -> None:
    with pytest.raises(DemoDirectoryRefused):
        load_directory(DEMO_PEOPLE_FILE, demo_mode=False)


def test_the_demo_file_stores_no_password_or_token_in_clear() -> None:
    text = DEMO_PEOPLE_FILE.read_text()
    assert 'password = "demo"' not in text
    for token in ("demo-intake-token", "demo-ana-token", "demo-marco-token", "demo-luis-token"):
        assert token not in text
        assert token_digest(token) in text


def test_demo_people_sign_in_with_the_demo_password() -> None:
    people = load_directory(DEMO_PEOPLE_FILE, demo_mode=True)
    for name, role in [
        ("ana", "specialist"),
        ("marco", "specialist"),
        ("luis", "lead"),
        ("sofia", "qa"),
        ("olga", "operator"),
    ]:
        caller = people.sign_in(name, "demo")
        assert caller is not None and caller.person is not None and caller.person.role == role
    assert people.sign_in("ana", "wrong") is None
    assert people.sign_in("nobody", "demo") is None


def test_demo_tokens_map_to_their_callers() -> None:
    people = load_directory(DEMO_PEOPLE_FILE, demo_mode=True)
    intake = people.bearer("demo-intake-token")
    assert intake is not None and intake.kind == "intake" and intake.person_records
    for token, person in [
        ("demo-ana-token", "ana"),
        ("demo-marco-token", "marco"),
        ("demo-luis-token", "luis"),
        ("demo-sofia-token", "sofia"),
        ("demo-olga-token", "olga"),
    ]:
        caller = people.bearer(token)
        assert caller is not None and caller.name == person
    assert people.bearer("demo-nobody-token") is None


def test_a_token_for_an_unknown_person_is_named_in_the_error(tmp_path: Path) -> None:
    path = tmp_path / "people.toml"
    path.write_text(
        '[people.ana]\nrole = "specialist"\ndisplay_name = "Ana"\n\n'
        f'[[tokens]]\nname = "t"\nkind = "person"\nperson = "zed"\nsha256 = "{token_digest("x")}"\n'
    )
    with pytest.raises(PolicyFileError) as raised:
        load_directory(path, demo_mode=False)
    assert f"{path}: tokens[0].person: unknown person 'zed'" in str(raised.value)


def test_an_intake_token_fetches_person_records_only_when_its_entry_says_so(
    tmp_path: Path,
) -> None:
    path = tmp_path / "people.toml"
    path.write_text(
        f'[people.ana]\nrole = "specialist"\ndisplay_name = "Ana"\n\n'
        f'[[tokens]]\nname = "hotline"\nkind = "intake"\nsha256 = "{token_digest("h")}"\n\n'
        f'[[tokens]]\nname = "app"\nkind = "intake"\nperson_records = true\n'
        f'sha256 = "{token_digest("a")}"\n'
    )
    people = load_directory(path, demo_mode=False)
    hotline, app = people.bearer("h"), people.bearer("a")
    assert hotline is not None and not allowed(hotline, Permission.READ_PERSON_RECORDS)
    assert app is not None and allowed(app, Permission.READ_PERSON_RECORDS)


def test_a_persons_token_with_person_records_is_refused_naming_the_field(tmp_path: Path) -> None:
    path = tmp_path / "people.toml"
    path.write_text(
        '[people.ana]\nrole = "specialist"\ndisplay_name = "Ana"\n\n'
        f'[[tokens]]\nname = "t"\nkind = "person"\nperson = "ana"\nperson_records = true\n'
        f'sha256 = "{token_digest("x")}"\n'
    )
    with pytest.raises(PolicyFileError) as raised:
        load_directory(path, demo_mode=False)
    assert "person_records: only an intake client's token may fetch them" in str(raised.value)


def test_intake_clients_may_only_start_reviews() -> None:
    intake = Caller(kind="intake", name="hotline")
    assert [p for p in Permission if allowed(intake, p)] == [Permission.START_REVIEW]


def test_the_platform_app_may_also_give_people_their_records_and_send_their_appeals_and_answers() -> None:
    app = Caller(kind="intake", name="rider app", person_records=True)
    assert [p for p in Permission if allowed(app, p)] == [
        Permission.START_REVIEW,
        Permission.READ_PERSON_RECORDS,
        Permission.FILE_APPEALS,
        Permission.ANSWER_NOTICES,
    ]


def test_no_person_files_an_appeal_for_someone() -> None:
    assert PERSON_PERMISSIONS[Permission.FILE_APPEALS] == frozenset()


def test_no_person_answers_a_notice_of_intent_for_someone() -> None:
    assert PERSON_PERMISSIONS[Permission.ANSWER_NOTICES] == frozenset()


def test_no_person_may_fetch_an_account_holders_own_records() -> None:
    assert PERSON_PERMISSIONS[Permission.READ_PERSON_RECORDS] == frozenset()


def test_only_leads_give_second_reviews() -> None:
    assert actions.SECOND_REVIEW.roles == {PersonRole.LEAD}


def test_the_app_offers_each_action_as_the_review_rules_allow_it() -> None:
    for action in actions.ACTIONS:
        for role in PersonRole:
            caller = Caller(kind="person", name="p", person=Person(id="p", role=role))
            assert may(caller, action.update) == (role in action.roles), (action.update, role)
    assert not may(Caller(kind="intake", name="hotline"), actions.CLAIM.update)


def test_every_locale_has_every_app_string() -> None:
    keys = {loc: set(catalog(loc)) for loc in locales()}
    assert set(keys) >= {"en", "es-MX"}
    for loc, found in keys.items():
        assert found == keys["en"], f"{loc} differs from en: {found ^ keys['en']}"


def test_an_unknown_app_locale_falls_back_by_language_then_to_english() -> None:
    assert translator("es-AR")("nav_queue") == "Cola"
    assert translator("fr-FR")("nav_queue") == "Queue"


@pytest.mark.parametrize(
    ("requested", "chosen"),
    [
        ("es-MX", "es-MX"),
        ("es-mx", "es-MX"),
        ("es-AR", "es-MX"),
        ("es", "es-MX"),
        ("en-GB", "en"),
        ("pt-BR", "en"),
        ("", "en"),
        (None, "en"),
    ],
)
def test_one_locale_rule_for_the_app_and_the_messages(requested: str | None, chosen: str) -> None:
    assert negotiate(requested, ["en", "es-MX"], "en") == chosen


def test_the_web_app_refuses_to_start_on_an_invalid_people_file_naming_it(
    tmp_path: Path,
) -> None:
    people = tmp_path / "people.toml"
    people.write_text("not toml [")
    env = {
        **os.environ,
        "DR_WEB_PEOPLE_FILE": str(people),
        "DR_WEB_DEMO_MODE": "1",
        "DR_ENCRYPTION_KEY_FILE": str(ROOT / "tests" / "histories" / "replay_keys.toml"),
    }

    answer = subprocess.run(
        [sys.executable, "-m", "webapp", "--port", str(free_port())],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert answer.returncode == 2
    assert f"webapp: not starting, a setting is invalid:\n{people}: (file): not valid TOML" in (
        answer.stderr
    )
