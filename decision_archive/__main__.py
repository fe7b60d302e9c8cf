"""``python -m decision_archive purge|migrate|schema|facts``, on the archive at ``DR_ARCHIVE_URL``
(default ``var/decision_archive.db``).

- ``purge [--dry-run] [--as-of TIME]``: delete case records older than their market's
  ``record_retention_days`` (policy/markets.toml), printing what it deletes; ``--dry-run``
  prints the same report and deletes nothing.
- ``migrate``: bring the schema to the newest revision (opening the archive does this too).
- ``schema``: print the revision the database is at and the newest one.
- ``facts``: write the decision facts (what metrics and QA sampling count) of records archived
  before schema revision 0007; needs the key ring (``DR_ENCRYPTION_KEYS``) to read them.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

from decision_archive import schema_version
from decision_archive.retention import purge
from decision_archive.store import ArchiveSettings, DecisionArchive
from review.markets import MARKETS_FILE, load_markets
from review.policy_files import PolicyFileError
from temporal_runtime.encryption import KeyRingError, load_key_ring


def _as_of(value: str) -> datetime:
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise argparse.ArgumentTypeError("--as-of needs a time zone offset, e.g. +00:00")
    return moment


def main(argv: list[str] | None = None) -> int:
    """Run the command; returns the exit code."""
    parser = argparse.ArgumentParser(prog="python -m decision_archive")
    commands = parser.add_subparsers(dest="command", required=True)
    purging = commands.add_parser("purge", help="delete case records past their market's retention")
    purging.add_argument("--dry-run", action="store_true", help="report, delete nothing")
    purging.add_argument("--as-of", type=_as_of, help="apply retention as of this RFC 3339 time")
    purging.add_argument("--markets-file", default=str(MARKETS_FILE))
    commands.add_parser("migrate", help="bring the schema to the newest revision")
    commands.add_parser("schema", help="print the schema revision, and the newest one")
    commands.add_parser("facts", help="write decision facts of records archived without them")
    args = parser.parse_args(argv)
    settings = ArchiveSettings()
    if args.command == "schema":
        engine = sa.create_engine(settings.archive_url)
        try:
            print(
                f"schema revision {schema_version.current(engine)}, newest {schema_version.head()}"
            )
        finally:
            engine.dispose()
        return 0
    if args.command == "migrate":
        DecisionArchive.from_settings(keys=None, settings=settings).close()
        print(f"schema at revision {schema_version.head()}")
        return 0
    if args.command == "facts":
        try:
            keys = load_key_ring()
        except KeyRingError as err:
            print(f"facts: not starting, the key ring is invalid:\n{err}", file=sys.stderr)
            return 2
        archive = DecisionArchive.from_settings(keys=keys, settings=settings)
        try:
            written = archive.backfill_facts()
        finally:
            archive.close()
        print(f"wrote the decision facts of {written} case record(s)")
        return 0
    try:
        markets = load_markets(Path(args.markets_file))
    except PolicyFileError as err:
        print(f"purge: not starting, a policy file is invalid:\n{err}", file=sys.stderr)
        return 2
    archive = DecisionArchive.from_settings(keys=None, settings=settings)
    try:
        plan = purge(archive, markets, args.as_of or datetime.now(UTC), dry_run=args.dry_run)
    finally:
        archive.close()
    print(plan.describe())
    return 0


if __name__ == "__main__":
    sys.exit(main())
