"""Model mixins shared by the domains."""

from datetime import datetime

from sqlalchemy.orm import Mapped, mapped_column

from pact_tracker.core.types import UTCDateTime, utcnow


class TimestampMixin:
    """``created_at`` and ``updated_at``, set by the database session, in UTC."""

    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), default=utcnow, onupdate=utcnow, nullable=False
    )
