"""Reading policy files (TOML) into validated models, with errors a policy author can act on.

Every problem is reported as ``FILE: ENTRY: PROBLEM``, e.g.
``policy/deactivation_matrix.toml: categories.fraud.severities.low.ladder[0].days: must be
between 1 and 365``, and all problems in a file are reported at once.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

POLICY_DIR = Path(__file__).resolve().parent.parent / "policy"
"""Where the shipped policy files live."""

ModelT = TypeVar("ModelT", bound=BaseModel)


class PolicyProblem(ValueError):
    """One problem in a policy file, raised by cross-checks with the entry it concerns."""

    def __init__(self, entry: str, problem: str) -> None:
        super().__init__(f"{entry}: {problem}")
        self.entry = entry
        self.problem = problem


class PolicyFileError(Exception):
    """A policy file that cannot be used; lists every problem found in it."""

    def __init__(self, path: Path, problems: list[tuple[str, str]]) -> None:
        self.path = path
        self.problems = problems
        lines = [f"{path}: {entry}: {problem}" for entry, problem in problems]
        super().__init__("\n".join(lines))


def entry_path(loc: tuple[int | str, ...]) -> str:
    """Turn a pydantic error location into a dotted entry path: ``a.b[0].c``."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text or "(file)"


def load_policy_file(
    path: Path,
    model: type[ModelT],
    check: Callable[[ModelT], list[PolicyProblem]] | None = None,
) -> ModelT:
    """Parse ``path`` as TOML into ``model``, then run ``check`` for cross-entry rules.

    Raises PolicyFileError naming the file, each entry and its problem.
    """
    try:
        raw: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PolicyFileError(path, [("(file)", "file not found")]) from None
    except tomllib.TOMLDecodeError as err:
        raise PolicyFileError(path, [("(file)", f"not valid TOML: {err}")]) from None
    try:
        parsed = model.model_validate(raw)
    except ValidationError as err:
        problems = [(entry_path(e["loc"]), _plain(e["msg"])) for e in err.errors()]
        raise PolicyFileError(path, problems) from None
    if check is not None:
        found = check(parsed)
        if found:
            raise PolicyFileError(path, [(p.entry, p.problem) for p in found])
    return parsed


def _plain(message: str) -> str:
    # pydantic prefixes messages raised from our validators with "Value error, ".
    return message.removeprefix("Value error, ")
