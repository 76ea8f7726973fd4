"""The team server's library: accounts, roles and sessions (``accounts``), the shared bank's review queue
(``review``) and the interviewer's tools (``interviewer``). Every function takes a ``Store`` first.

The public API is what ``__all__`` lists.
"""

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

__all__ = [
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
]
