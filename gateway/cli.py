"""``wuye-user``: manage gateway accounts (the gateway owns users, roles, scopes).

    wuye-user create --username desk1 --name 王前台 --kind staff --group G \\
                     --role front_desk --project P1 [--project P2] [--password ...]
    wuye-user create --username zhangwei --name 张伟 --kind resident --group G --unit U1 [--household H]
    wuye-user grant --username zhangwei --unit U2 [--household H]   (a resident: one more unit,
                                                   or the unit again for a household that moved back in)
    wuye-user revoke --username zhangwei --unit U2                  (the desk ends a resident's unit)
    wuye-user password --username desk1          (prompts; revokes existing tokens)
    wuye-user deactivate --username desk1        (revokes existing tokens; tells tickets)
    wuye-user activate --username desk1          (active again; tells tickets)
    wuye-user list

A resident's unit is theirs while the household living there when it was granted stays
(``gateway.scopes``): when that household moves out or the unit is transferred, the account loses
the unit. A unit the gateway knows to be vacant is refused (``unit_vacant``).

The database is ``GATEWAY_DB_URL`` (default ``var/gateway.db``), migrated first.
"""
from __future__ import annotations

import argparse
import getpass
import sys

from sqlalchemy import select
from sqlalchemy.orm import Session

from kernel.clock import SystemClock
from kernel.config import default_db_url, migrations_dir
from kernel.db import make_engine, upgrade
from kernel.errors import WuyeError

from . import accounts, scopes, staff
from .models import User

MIGRATIONS = migrations_dir("gateway")


def _session(url: str) -> Session:
    upgrade(MIGRATIONS, url)
    return Session(make_engine(url), expire_on_commit=False)


def _tell_tickets(user: User) -> bool:
    """Tell tickets a staff account is deactivated (or active again): the patrol plan assigns a
    deactivated steward nothing (tickets' ``set_staff_active``; the route
    ``POST /api/v1/staff-accounts/{id}/deactivate|activate`` tells it the same way). The broker not answering is said, not hidden: running the
    command again (it is idempotent) tells tickets once the platform runs."""
    from kernel.rpc import local_pool
    from kernel.tenancy import Caller
    pool = local_pool(size=1, timeout=15)
    try:
        pool.call(Caller.system(user.group_id, "gateway"), "tickets", "set_staff_active", user.id, user.active,
                  user.display_name)
        return True
    except Exception as exc:        # noqa: BLE001 -- any failure: the account stays off, tickets not told
        plan = "may still assign" if not user.active else "still assigns nothing to"
        print(f"warning: tickets was not told ({type(exc).__name__}): its patrol plan {plan} "
              f"{user.username}; run the command again once the platform runs", file=sys.stderr)
        return False
    finally:
        pool.close()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="wuye-user", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    create = sub.add_parser("create", help="create a staff or resident account")
    create.add_argument("--username", required=True)
    create.add_argument("--name", required=True, help="display name")
    create.add_argument("--kind", choices=["staff", "resident"], required=True)
    create.add_argument("--group", required=True, help="property group id")
    create.add_argument("--role", action="append", default=[], help="staff role (repeatable)")
    create.add_argument("--project", action="append", default=[], help="project id (staff; repeatable)")
    create.add_argument("--unit", action="append", default=[], help="unit id (resident; repeatable)")
    create.add_argument("--household", help="the household of the (one) unit, if the gateway does not know it yet")
    create.add_argument("--password", help="omit to be prompted")
    grant = sub.add_parser("grant", help="grant a resident a unit (bound to the household living there)")
    grant.add_argument("--username", required=True)
    grant.add_argument("--unit", required=True)
    grant.add_argument("--household", help="the unit's household, if the gateway does not know it yet")
    revoke = sub.add_parser("revoke", help="end a resident's unit (kept in the list as ended)")
    revoke.add_argument("--username", required=True)
    revoke.add_argument("--unit", required=True)
    pw = sub.add_parser("password", help="set a new password (revokes tokens)")
    pw.add_argument("--username", required=True)
    pw.add_argument("--password")
    off = sub.add_parser("deactivate", help="disable an account (revokes tokens)")
    off.add_argument("--username", required=True)
    on = sub.add_parser("activate", help="enable a deactivated account again (it logs in anew)")
    on.add_argument("--username", required=True)
    sub.add_parser("list", help="list accounts")
    parser.add_argument("--db-url", default=None, help="default: GATEWAY_DB_URL or var/gateway.db")
    args = parser.parse_args(argv)

    session = _session(args.db_url or default_db_url("gateway"))
    now = SystemClock().now()
    try:
        if args.command == "create":
            if args.household and len(set(args.unit)) != 1:
                print("error: --household goes with exactly one --unit", file=sys.stderr)
                return 2
            password = args.password or getpass.getpass("password: ")
            user = accounts.create_user(session, username=args.username, password=password,
                                        display_name=args.name, kind=args.kind, group_id=args.group,
                                        roles=args.role, project_ids=args.project, unit_ids=args.unit,
                                        unit_households={args.unit[0]: args.household} if args.household else None,
                                        now=now)
            session.commit()
            print(f"created {user.kind} {user.username} ({user.id}) roles={user.roles}")
            for scope in user.scopes:
                if scope.unit_id:
                    print(f"  unit {scope.unit_id}: {_bound(scope)}")
        elif args.command in ("grant", "revoke"):
            user = session.scalars(select(User).where(User.username == args.username)).first()
            if user is None:
                print(f"no user {args.username}", file=sys.stderr)
                return 1
            if args.command == "grant":
                scope = scopes.grant(session, user, args.unit, household_id=args.household, now=now)
                session.commit()
                print(f"{args.username}: unit {args.unit} {_bound(scope)}")
            else:
                count = scopes.revoke(session, user, args.unit, now)
                session.commit()
                print(f"{args.username}: unit {args.unit} ended ({count} scope(s))" if count
                      else f"{args.username} has no current scope of unit {args.unit}")
        elif args.command == "password":
            accounts.set_password(session, args.username, args.password or getpass.getpass("new password: "),
                                  now)
            session.commit()
            print(f"password changed for {args.username}; existing tokens revoked")
        elif args.command in ("deactivate", "activate"):
            user = session.scalars(select(User).where(User.username == args.username)).first()
            if user is None:
                print(f"no user {args.username}", file=sys.stderr)
                return 1
            changed = staff.set_active(user, args.command == "activate", now)
            session.commit()
            print(f"{args.command}d {args.username}" if changed else f"{args.username} was {args.command}d already")
            if user.kind == "staff" and not _tell_tickets(user):
                return 3
        else:
            for user in session.scalars(select(User).order_by(User.username)):
                scopes_text = ",".join((sc.unit_id or sc.project_id) + ("(ended)" if sc.ended_at else "")
                                       for sc in user.scopes)
                print(f"{user.username:20} {user.kind:8} {'active' if user.active else 'off':6} "
                      f"{user.roles:30} {scopes_text}")
    except WuyeError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 2
    finally:
        session.close()
    return 0


def _bound(scope) -> str:
    if scope.household_id:
        return f"bound to household {scope.household_id} (ends when it moves out)"
    return "not bound yet: the gateway has not seen the unit's household (bound when it does)"


if __name__ == "__main__":
    sys.exit(main())
