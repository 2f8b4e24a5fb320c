"""The gateway owns who may log in, with which roles, over which projects/units -- and the
portal's read model (``portal_*``), kept from the owners' state-carrying events."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ForeignKey, Index, Integer, String, Text, event, select
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from kernel.clock import ensure_aware
from kernel.db import UtcDateTime, new_base
from kernel.idempotency import idempotency_table
from kernel.messaging import kernel_tables

Base = new_base()
#: the inbox makes the read model's event handlers reliable (kernel.entrypoints.event_handler);
#: the gateway publishes nothing (its Database has no relay), the outbox stays empty
OutboxMessage, InboxRecord = kernel_tables(Base)
#: the replies of the gateway's own writes (a staff account deactivated, ``gateway.staff``), per caller
#: and Idempotency-Key (``kernel.idempotency``); the services keep those of the writes they own
IdempotencyRecord = idempotency_table(Base)


class User(Base):
    """A staff member or a resident with a portal account."""

    __tablename__ = "users"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(10))            # staff | resident
    group_id: Mapped[str] = mapped_column(String(36), index=True)
    roles: Mapped[str] = mapped_column(String(400))          # comma-separated
    all_projects: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    token_version: Mapped[int] = mapped_column(Integer, default=1)   # bump to revoke tokens
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())

    scopes: Mapped[list["UserScope"]] = relationship(
        back_populates="user", lazy="selectin", cascade="all, delete-orphan")

    @property
    def role_set(self) -> frozenset:
        return frozenset(r for r in self.roles.split(",") if r)


class UserScope(Base):
    """A project a staff member works in, or a unit a resident lives in -- for as long as the
    household it was granted for (``household_id``) lives there (``gateway.scopes``): when that
    household moves out (迁出, or the old owners of a transfer 过户) the scope ends (``ended_at``,
    ``ended_reason``; the row stays as the record of who could read the unit, and when).
    ``household_id`` is null for staff, and for a resident scope granted while the gateway did not
    yet know the unit's household (bound -- or ended -- when it does: ``scopes.settle``)."""

    __tablename__ = "user_scopes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    project_id: Mapped[str] = mapped_column(String(36))
    unit_id: Mapped[str | None] = mapped_column(String(36))
    household_id: Mapped[str | None] = mapped_column(String(36))
    granted_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    ended_reason: Mapped[str | None] = mapped_column(String(40))

    user: Mapped[User] = relationship(back_populates="scopes")

    # no unique constraint: a unit granted again (a household back, a revocation undone) is a new
    # row and the ended ones stay as the trail; ``scopes.grant`` does not add a current duplicate
    __table_args__ = (Index("ix_user_scopes_household", "household_id"),
                      Index("ix_user_scopes_unit", "unit_id"))

    @property
    def current(self) -> bool:
        return self.ended_at is None


class LoginFailure(Base):
    """A failed login: counted per account and per address to throttle password guessing."""

    __tablename__ = "login_failures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(80))
    address: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UtcDateTime())

    __table_args__ = (Index("ix_login_failure_username", "username", "at"),
                      Index("ix_login_failure_address", "address", "at"),
                      Index("ix_login_failure_at", "at"))


class RevokedToken(Base):
    """A token given back at logout (by its ``jti``); kept until it would have expired anyway."""

    __tablename__ = "revoked_tokens"

    jti: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(36))
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    revoked_at: Mapped[datetime] = mapped_column(UtcDateTime())


# -- the portal's read model (gateway/readmodel): one row per aggregate, each part with the
# -- version of the owner's snapshot it holds; a snapshot applies only if newer ------------

class PortalUnit(Base):
    """A unit for the portal: archive's unit, its current household, billing's account (JSON
    documents as the owners published them; phones masked when read, never ID numbers)."""

    __tablename__ = "portal_units"

    unit_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    group_id: Mapped[str] = mapped_column(String(36))
    project_id: Mapped[str] = mapped_column(String(36), index=True)
    unit: Mapped[str | None] = mapped_column(Text)
    unit_version: Mapped[int] = mapped_column(Integer, default=0)
    household_id: Mapped[str | None] = mapped_column(String(36))
    household: Mapped[str | None] = mapped_column(Text)
    household_version: Mapped[int] = mapped_column(Integer, default=0)
    account: Mapped[str | None] = mapped_column(Text)
    account_version: Mapped[int] = mapped_column(Integer, default=0)


class PortalTicket(Base):
    """A ticket for the portal: indexed columns + the ticket document (``ticket.changed``)."""

    __tablename__ = "portal_tickets"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    group_id: Mapped[str] = mapped_column(String(36))
    project_id: Mapped[str] = mapped_column(String(36))
    unit_id: Mapped[str | None] = mapped_column(String(36))
    status: Mapped[str] = mapped_column(String(20))
    number: Mapped[str] = mapped_column(String(40))
    recorded_at: Mapped[str] = mapped_column(String(40))      # ISO-8601 UTC as published: sorts
    document: Mapped[str] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer)

    __table_args__ = (Index("ix_portal_tickets_unit", "unit_id", "status", "recorded_at"),
                      Index("ix_portal_tickets_project", "project_id", "status", "recorded_at"))


class PortalHousehold(Base):
    """The newest version of every household seen (snapshot versions only): a late snapshot of a
    household that has since moved out cannot put it back on its unit."""

    __tablename__ = "portal_households"

    household_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    unit_id: Mapped[str] = mapped_column(String(36))
    version: Mapped[int] = mapped_column(Integer)


class PortalNotification(Base):
    """A unit's notification for the portal (``notification.changed``), newest first."""

    __tablename__ = "portal_notifications"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    group_id: Mapped[str] = mapped_column(String(36))
    project_id: Mapped[str] = mapped_column(String(36))
    unit_id: Mapped[str] = mapped_column(String(36))
    #: the household the message was addressed to (notify's ``household_id``); None: nobody in
    #: particular (the unit had no household then, or projected before notify published it). A
    #: resident reads only their household's and None -- never an earlier household's
    household_id: Mapped[str | None] = mapped_column(String(36))
    created_at: Mapped[str] = mapped_column(String(40))
    document: Mapped[str] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer)

    __table_args__ = (Index("ix_portal_notifications_unit", "unit_id", "created_at"),)


class PortalGoodsRelease(Base):
    """A goods release (物品放行单) for the portal and the gate (``goods_release.changed``): indexed
    columns + the release as tickets answers it (the mover's and checked person's ID numbers masked
    at the source, no phones). ``number`` (FX-YYYYMMDD-NNNN: the project's local day of issue) is
    how the gate finds a pass and a day's passes."""

    __tablename__ = "portal_goods_releases"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    group_id: Mapped[str] = mapped_column(String(36))
    project_id: Mapped[str] = mapped_column(String(36))
    unit_id: Mapped[str] = mapped_column(String(36))
    #: the household that asked (a resident reads only their household's, and their own requests)
    household_id: Mapped[str | None] = mapped_column(String(36))
    requester_user_id: Mapped[str | None] = mapped_column(String(36))
    number: Mapped[str | None] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20))
    recorded_at: Mapped[str] = mapped_column(String(40))      # ISO-8601 UTC as published: sorts
    document: Mapped[str] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer)

    __table_args__ = (Index("ix_portal_goods_releases_unit", "unit_id", "recorded_at"),
                      Index("ix_portal_goods_releases_number", "project_id", "number"))


class PortalKey(Base):
    """A key of the front desk's register (钥匙, ``key.changed``): indexed columns (its state, an
    open loan's due time) + the key document (the loan's party phone and ID number masked at the
    source)."""

    __tablename__ = "portal_keys"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    group_id: Mapped[str] = mapped_column(String(36))
    project_id: Mapped[str] = mapped_column(String(36))
    unit_id: Mapped[str] = mapped_column(String(36))
    state: Mapped[str] = mapped_column(String(30))
    #: an approved loan's due time (ISO-8601 UTC as published: compares); None: no loan out
    due_back_at: Mapped[str | None] = mapped_column(String(40))
    document: Mapped[str] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer)

    __table_args__ = (Index("ix_portal_keys_unit", "unit_id"),
                      Index("ix_portal_keys_project", "project_id", "state", "due_back_at"))


# -- the revocation stamp -------------------------------------------------------
# A gateway process caches each user with the (token_version, active, updated_at) it
# was loaded with (gateway.authcache) and checks that triple on every request. So a
# change of a user's roles, scopes or name MUST move ``updated_at``: every ORM flush
# that touches a user or one of its scopes stamps the user with a strictly later
# ``updated_at`` (also when the platform clock stands still). Code that writes these
# tables without the ORM sets ``updated_at`` itself.

def _stamp(session: Session, user: User) -> None:
    history = sa_inspect(user).attrs.updated_at.history
    if history.deleted or history.unchanged:
        old = (history.deleted or history.unchanged)[0]
    else:
        old = session.execute(select(User.updated_at).where(User.id == user.id)).scalar()
    # the time the change set, else the platform clock of the session (kernel.db.Database puts it
    # in session.info), else just after the old stamp (a bare session: the CLI sets it itself)
    clock = session.info.get("clock")
    new = history.added[0] if history.added else (clock.now() if clock is not None else None)
    if new is None and old is not None:
        new = ensure_aware(old) + timedelta(microseconds=1)
    if old is not None and new is not None and ensure_aware(new) <= ensure_aware(old):
        new = ensure_aware(old) + timedelta(microseconds=1)
    user.updated_at = new


@event.listens_for(Session, "before_flush")
def _stamp_changed_users(session: Session, _flush_context, _instances) -> None:
    touched: dict[int, User] = {}
    new = set(map(id, session.new))
    with session.no_autoflush:
        for obj in (*session.dirty, *session.deleted, *session.new):
            if isinstance(obj, User):
                if id(obj) not in new and obj not in session.deleted and session.is_modified(obj):
                    touched[id(obj)] = obj
            elif isinstance(obj, UserScope):
                owner = obj.user
                if owner is None and obj.user_id is not None:
                    owner = session.get(User, obj.user_id)
                if owner is not None and id(owner) not in new and owner not in session.deleted:
                    touched[id(owner)] = owner
        for user in touched.values():
            _stamp(session, user)
