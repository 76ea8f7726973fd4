"""The team server's library: accounts, roles and sessions (``accounts``), the shared bank's review queue
(``review``) and the interviewer's tools (``interviewer``). Every function takes a ``Store`` first.

The public API is what ``__all__`` lists. Names are imported on first use, so the importer can ask
``is_team`` without loading the validator.
"""

import importlib as _importlib
from typing import TYPE_CHECKING as _TYPE_CHECKING
from typing import Any as _Any

if _TYPE_CHECKING:
    from archqa.team.accounts import (
        LOCAL_USER,
        PERMISSIONS,
        ROLES,
        AccessDenied,
        Account,
        account_by_name,
        assign,
        authenticate,
        candidates_of,
        create_account,
        disable,
        end_session,
        get_account,
        is_assigned,
        is_team,
        list_accounts,
        may,
        require_assigned,
        session_account,
        set_password,
        set_role,
        start_session,
        unassign,
    )
    from archqa.team.interviewer import (
        CandidateSet,
        Exposure,
        RecordedScorecard,
        build_set,
        candidate_sets,
        exposure,
        get_set,
        pack,
        record_scorecard,
        scorecards_of,
        set_questions,
    )
    from archqa.team.review import (
        QueueItem,
        Version,
        VersionFinding,
        add_questions,
        approve,
        check,
        edit,
        history,
        queue,
        reject,
    )

_MODULES = {
    "archqa.team.accounts": (
        "LOCAL_USER",
        "PERMISSIONS",
        "ROLES",
        "AccessDenied",
        "Account",
        "account_by_name",
        "assign",
        "authenticate",
        "candidates_of",
        "create_account",
        "disable",
        "end_session",
        "get_account",
        "is_assigned",
        "is_team",
        "list_accounts",
        "may",
        "require_assigned",
        "session_account",
        "set_password",
        "set_role",
        "start_session",
        "unassign",
    ),
    "archqa.team.review": (
        "QueueItem",
        "Version",
        "VersionFinding",
        "add_questions",
        "approve",
        "check",
        "edit",
        "history",
        "queue",
        "reject",
    ),
    "archqa.team.interviewer": (
        "CandidateSet",
        "Exposure",
        "RecordedScorecard",
        "build_set",
        "candidate_sets",
        "exposure",
        "get_set",
        "pack",
        "record_scorecard",
        "scorecards_of",
        "set_questions",
    ),
}
_LAZY: dict[str, str] = {name: module for module, names in _MODULES.items() for name in names}

__all__ = [
    "AccessDenied",
    "Account",
    "CandidateSet",
    "Exposure",
    "LOCAL_USER",
    "PERMISSIONS",
    "QueueItem",
    "ROLES",
    "RecordedScorecard",
    "Version",
    "VersionFinding",
    "account_by_name",
    "add_questions",
    "approve",
    "assign",
    "authenticate",
    "build_set",
    "candidate_sets",
    "candidates_of",
    "check",
    "create_account",
    "disable",
    "edit",
    "end_session",
    "exposure",
    "get_account",
    "get_set",
    "history",
    "is_assigned",
    "is_team",
    "list_accounts",
    "may",
    "pack",
    "queue",
    "record_scorecard",
    "reject",
    "require_assigned",
    "scorecards_of",
    "session_account",
    "set_password",
    "set_questions",
    "set_role",
    "start_session",
    "unassign",
]


def __getattr__(name: str) -> _Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'archqa.team' has no attribute {name!r}")
    value = getattr(_importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
