"""What the importers remember between runs: a digest of every source row they applied."""

from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base


class ImportRowDigest(Base):
    """The digest of a source row (plus what it depends on) as last applied without problems.

    A re-import skips a row whose digest is unchanged: the database already holds what it
    would write. Importer-owned; rows with problems get no digest so they are always re-read.
    """

    __tablename__ = "import_row_digests"
    source: Mapped[str] = mapped_column(String(16), primary_key=True)  # roster|partners
    file: Mapped[str] = mapped_column(String(64), primary_key=True)
    sourced_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    digest: Mapped[str] = mapped_column(String(32))  # blake2b-128, hex
