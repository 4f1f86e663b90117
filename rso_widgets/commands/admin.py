"""`rso-workbook admin act-as USER -- COMMAND …`: run one command as another user.

Only an administrator (store.policy) may; the switch is written to the audit log (action
"change", entity "acting_user", by the administrator) before the command runs, and a refusal is
audited too. The command then runs with USER's identity and roles, as if USER had run it.
"""

from __future__ import annotations

import argparse
import os
import sys

from ..cli import main
from ..store import StoreError, open_store


def run(args: argparse.Namespace) -> int:
    command = list(args.command or [])
    if command[:1] == ["--"]:
        command = command[1:]
    if not command:
        print("rso-workbook admin act-as: give the command to run after --, e.g. "
              "rso-workbook admin act-as alice -- export attempts -o a.csv", file=sys.stderr)
        return 2
    if command[0] == "admin":
        print("rso-workbook admin act-as: the command cannot itself be an admin command",
              file=sys.stderr)
        return 2
    try:
        with open_store(create=False, act_as=args.user) as store:
            admin = store.acting_admin
    except StoreError as exc:  # a refusal (audited), or no database
        print(f"rso-workbook admin act-as: {exc}", file=sys.stderr)
        return 2
    if admin is None:
        print(f"rso-workbook admin act-as: you are {args.user} already; run the command "
              "directly", file=sys.stderr)
        return 2
    os.environ["JUPYTERHUB_USER"] = args.user  # the identity every store opened now binds
    os.environ.pop("RSO_GROUPS", None)  # USER's roles: the roles file's, not the admin's groups
    return main(command)
