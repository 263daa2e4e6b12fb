"""Wrong link codes counted in the database, so every web process shares the count."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base


class LinkThrottle(Base):
    """Wrong link codes within one hour from one source (a chat or number), or for one code.

    `key` is an HMAC (keyed with SECRET_KEY), never the address or the code itself; the
    hour starts with the first wrong code (`window_start`).
    """

    __tablename__ = "link_throttle"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(index=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
