from datetime import datetime
from typing import Optional

from sqlalchemy import (JSON, Boolean, CheckConstraint, Column, ForeignKey, String, Table,
                        UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.models.base import Base, UTCDateTime, enum_check, utcnow
from tracker.models.school import School

ROLES = ("admin", "central_team", "school_lead", "project_lead", "viewer")

user_schools = Table(
    "user_schools",
    Base.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("school_id", ForeignKey("schools.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class User(Base):
    __tablename__ = "users"
    __table_args__ = (CheckConstraint(enum_check("role", ROLES), name="role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Stored lower-cased, so sign-in is case-insensitive.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    #: None for a person who signed in through single sign-on and waits for an admin to
    #: give them a role (tracker.sso); they cannot sign in until then.
    role: Mapped[Optional[str]] = mapped_column(String(20), index=True)
    #: An unusable marker (never a valid Argon2 hash) for people who only sign in through SSO.
    password_hash: Mapped[str] = mapped_column(String(255))
    #: A deactivated person keeps their records but can no longer sign in or use a token.
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    #: Bumped at sign-out and deactivation: sessions that carry an older value are void.
    session_generation: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    anonymised_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    #: Which nudges and digests this person wants, and how often (see tracker.notifications).
    notification_prefs: Mapped[dict] = mapped_column(JSON, default=dict)
    version: Mapped[int] = mapped_column(default=1)

    schools: Mapped[list[School]] = relationship(secondary=user_schools, order_by=School.name)

    __mapper_args__ = {"version_id_col": version}

    @property
    def school_ids(self):
        return [s.id for s in self.schools]

    # Flask-Login's protocol: the id carries the session generation, so bumping it
    # signs out every session of this person on every web host at once.
    is_authenticated = True
    is_anonymous = False

    @property
    def is_active(self):
        return self.active

    def get_id(self):
        return f"{self.id}:{self.session_generation}"

    def __repr__(self):
        return f"<User {self.email} {self.role}>"


class SsoIdentity(Base):
    """The link between an account and one identity provider's subject (``sub``).

    Once linked, the provider's subject finds the account even after the person's email
    changes at the provider, so a new email never opens a second account.
    """

    __tablename__ = "sso_identities"
    __table_args__ = (UniqueConstraint("provider", "subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: The provider's name in the SSO_PROVIDERS setting (e.g. "microsoft", "google").
    provider: Mapped[str] = mapped_column(String(50))
    #: The provider's ``sub`` claim: stable and never reassigned for that provider.
    subject: Mapped[str] = mapped_column(String(255))
    #: The email the provider vouched for when the link was made or last used.
    email: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class ApiToken(Base):
    """A bearer token for the API. Only a SHA-256 digest of the secret is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100), default="api")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_used_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    revoked_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class PasswordReset(Base):
    """A single-use link an admin issues so a person can choose a new password.

    Only a SHA-256 digest of the secret is stored; the link dies when used or expired.
    """

    __tablename__ = "password_resets"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: The admin who issued it (null when issued from the command line).
    issued_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
