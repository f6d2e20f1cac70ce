"""Events (summits) and the progress snapshots frozen for them."""

from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pact_tracker.commitments.models import (
    AssessmentLevel,
    CommitmentStatus,
    ProgressStatus,
    ReportingState,
)
from pact_tracker.core.models import TimestampMixin
from pact_tracker.core.types import StrEnum, UTCDateTime, enum_type, utcnow
from pact_tracker.extensions import db
from pact_tracker.reference.models import Bilingual

#: Reminder waves of a new event: days before its cutoff.
DEFAULT_WAVE_DAYS = (42, 21, 7)
#: A new event's cutoff: days before it starts.
DEFAULT_CUTOFF_DAYS = 14


class EventSeries(TimestampMixin, db.Model):
    """A recurring event, e.g. the yearly summit: a recurrence rule in a timezone."""

    __tablename__ = "event_series"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    slug: Mapped[str] = mapped_column(sa.String(200), nullable=False, unique=True)
    description: Mapped[str] = mapped_column(sa.Text, default="", nullable=False)
    #: An RFC 5545 RRULE value, e.g. ``FREQ=YEARLY;BYMONTH=6;BYMONTHDAY=10``.
    rrule: Mapped[str] = mapped_column(sa.String(500), nullable=False)
    #: IANA timezone the rule and the local times are in, e.g. ``Europe/Paris``.
    timezone: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    #: Start of the first occurrence (UTC); the rule's DTSTART.
    first_starts_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    #: Length of each occurrence, in hours.
    duration_hours: Mapped[int] = mapped_column(default=8, nullable=False)
    place: Mapped[str] = mapped_column(sa.String(200), default="", nullable=False)

    events: Mapped[list["Event"]] = relationship(
        back_populates="series", order_by="Event.starts_at"
    )

    def __repr__(self) -> str:
        return f"<EventSeries {self.id} {self.slug}>"


class EventStatus(StrEnum):
    scheduled = "scheduled"
    cancelled = "cancelled"


class EventState(StrEnum):
    """What an event is now, as shown: its stored status, or ``held`` once a scheduled one ended."""

    scheduled = "scheduled"
    held = "held"
    cancelled = "cancelled"


class Event(TimestampMixin, db.Model):
    """One occurrence: where commitments are measured (its cutoff) and presented."""

    __tablename__ = "event"
    __table_args__ = (sa.Index("ix_event_status_cutoff_at", "status", "cutoff_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    series_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("event_series.id", ondelete="SET NULL"), index=True
    )
    name: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    slug: Mapped[str] = mapped_column(sa.String(200), nullable=False, unique=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    timezone: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    place: Mapped[str] = mapped_column(sa.String(200), default="", nullable=False)
    #: The instant progress is measured at: the snapshot is taken as of it.
    cutoff_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    status: Mapped[EventStatus] = mapped_column(
        enum_type(EventStatus), default=EventStatus.scheduled, nullable=False
    )
    #: The worker publishes the event's snapshot when the event starts (no Publish click).
    publish_snapshot_at_start: Mapped[bool] = mapped_column(
        default=False, server_default=sa.false(), nullable=False
    )

    series: Mapped[EventSeries | None] = relationship(back_populates="events")
    waves: Mapped[list["ReminderWave"]] = relationship(
        back_populates="event", order_by="ReminderWave.send_at", cascade="all, delete-orphan"
    )

    @property
    def state(self) -> EventState:
        """Derived rather than stored, so that no tick has to turn events into "held"."""
        if self.status == EventStatus.cancelled:
            return EventState.cancelled
        if self.ends_at <= utcnow():
            return EventState.held
        return EventState.scheduled

    def __repr__(self) -> str:
        return f"<Event {self.id} {self.slug}>"


class WaveStatus(StrEnum):
    #: Waiting for ``send_at``.
    pending = "pending"
    #: Its campaign was created (``campaign_id``).
    planned = "planned"
    #: Nobody was due or overdue when its time came: no campaign was needed.
    skipped = "skipped"
    #: The event was cancelled, or the cutoff passed before the wave could go out.
    cancelled = "cancelled"


class ReminderWave(db.Model):
    """Reminders before an event's cutoff: a campaign to those due or overdue, at ``send_at``."""

    __tablename__ = "reminder_wave"
    __table_args__ = (
        sa.UniqueConstraint("event_id", "days_before_cutoff"),
        sa.Index("ix_reminder_wave_status_send_at", "status", "send_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(
        sa.ForeignKey("event.id", ondelete="CASCADE"), nullable=False
    )
    days_before_cutoff: Mapped[int] = mapped_column(nullable=False)
    send_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    status: Mapped[WaveStatus] = mapped_column(
        enum_type(WaveStatus), default=WaveStatus.pending, nullable=False
    )
    campaign_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("campaign.id", ondelete="SET NULL")
    )

    event: Mapped[Event] = relationship(back_populates="waves")
    campaign = relationship("Campaign")

    def __repr__(self) -> str:
        return f"<ReminderWave {self.event_id} -{self.days_before_cutoff}d {self.status}>"


class SnapshotStatus(StrEnum):
    draft = "draft"
    published = "published"


#: How a snapshot's content is hashed: 1 for those taken before labels were frozen with
#: them (their published hashes must keep verifying), 2 since (labels and the recorded
#: instants are content too).
DIGEST_VERSION = 2


class Snapshot(db.Model):
    """Every commitment as it stood at ``cutoff_at``, frozen; immutable once published."""

    __tablename__ = "snapshot"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The event it measures (one snapshot per event), or None for one taken by hand.
    event_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("event.id", ondelete="SET NULL"), unique=True
    )
    title: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    cutoff_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, index=True)
    status: Mapped[SnapshotStatus] = mapped_column(
        enum_type(SnapshotStatus), default=SnapshotStatus.draft, nullable=False
    )
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    taken_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: SHA-256 of the canonical JSON of its entries, indicator values and aggregates.
    content_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    #: The same of its public part only: the hash the public sees and can check.
    public_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    #: Which rows and columns the hashes cover (``DIGEST_VERSION`` when it was taken).
    digest_version: Mapped[int] = mapped_column(default=DIGEST_VERSION, nullable=False)
    entry_count: Mapped[int] = mapped_column(default=0, nullable=False)
    #: Entries of its public part (what the public is told it holds).
    public_entry_count: Mapped[int] = mapped_column(default=0, nullable=False)

    event: Mapped[Event | None] = relationship()

    def __repr__(self) -> str:
        return f"<Snapshot {self.id} {self.cutoff_at:%Y-%m-%d} {self.status}>"


class SnapshotEntry(db.Model):
    """One commitment as of the cutoff."""

    __tablename__ = "snapshot_entry"
    __table_args__ = (
        sa.Index("ix_snapshot_entry_snapshot_signatory", "snapshot_id", "signatory_id"),
    )

    snapshot_id: Mapped[int] = mapped_column(
        sa.ForeignKey("snapshot.id", ondelete="CASCADE"), primary_key=True
    )
    commitment_id: Mapped[int] = mapped_column(
        sa.ForeignKey("commitment.id", ondelete="CASCADE"), primary_key=True
    )
    signatory_id: Mapped[int] = mapped_column(sa.ForeignKey("signatory.id"), nullable=False)
    programme_id: Mapped[int] = mapped_column(sa.ForeignKey("programme.id"), nullable=False)
    organisation_type_code: Mapped[str] = mapped_column(sa.String(40), nullable=False)
    #: The signatory's country (the commitment's own scope may differ).
    country_code: Mapped[str] = mapped_column(sa.String(2), nullable=False)
    title: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    #: The signatory's name and slug, and the programme's code, when it was taken: a
    #: published snapshot shows them as they were, whatever is renamed later.
    signatory_name: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    signatory_slug: Mapped[str] = mapped_column(sa.String(120), nullable=False)
    programme_code: Mapped[str] = mapped_column(sa.String(32), nullable=False)
    status: Mapped[CommitmentStatus] = mapped_column(enum_type(CommitmentStatus), nullable=False)
    #: Public: the public sees, counts and exports only these (``services.public_part``).
    is_published: Mapped[bool] = mapped_column(nullable=False)
    #: The update in force at the cutoff, and what it said (self-declared progress).
    update_id: Mapped[int | None] = mapped_column()
    #: The period that update speaks for (its ``reported_at``).
    last_reported_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: When the latest update known at the cutoff was recorded (a late report or a
    #: correction included): what "reported since the last event" is decided by.
    last_recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    progress_status: Mapped[ProgressStatus | None] = mapped_column(enum_type(ProgressStatus))
    percent_complete: Mapped[int | None] = mapped_column()
    #: The secretariat's latest assessment at the cutoff.
    assessed_level: Mapped[AssessmentLevel | None] = mapped_column(enum_type(AssessmentLevel))
    reporting_state: Mapped[ReportingState | None] = mapped_column(enum_type(ReportingState))


class SnapshotIndicatorValue(db.Model):
    """An indicator's value in force at the cutoff."""

    __tablename__ = "snapshot_indicator_value"

    snapshot_id: Mapped[int] = mapped_column(
        sa.ForeignKey("snapshot.id", ondelete="CASCADE"), primary_key=True
    )
    indicator_id: Mapped[int] = mapped_column(
        sa.ForeignKey("indicator.id", ondelete="CASCADE"), primary_key=True
    )
    commitment_id: Mapped[int] = mapped_column(nullable=False)
    update_id: Mapped[int] = mapped_column(nullable=False)
    value: Mapped[Decimal] = mapped_column(sa.Numeric(20, 4), nullable=False)


class Breakdown(StrEnum):
    overall = "overall"
    programme = "programme"
    goal = "goal"
    organisation_type = "organisation_type"
    country = "country"
    dimension = "dimension"
    status = "status"
    reporting_state = "reporting_state"


class SnapshotAggregate(db.Model):
    """Figures of one group of entries (e.g. goal 8, or the cooperatives)."""

    __tablename__ = "snapshot_aggregate"

    snapshot_id: Mapped[int] = mapped_column(
        sa.ForeignKey("snapshot.id", ondelete="CASCADE"), primary_key=True
    )
    #: Figures of the public entries only (what the public sees), or of every entry.
    public: Mapped[bool] = mapped_column(primary_key=True)
    breakdown: Mapped[Breakdown] = mapped_column(enum_type(Breakdown), primary_key=True)
    #: The group's key: a programme id, goal number, type or country code, status...
    key: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    commitments: Mapped[int] = mapped_column(nullable=False)
    #: Entries with an update in force at the cutoff.
    reported: Mapped[int] = mapped_column(nullable=False)
    #: Sum and count of ``percent_complete`` (the average is their ratio).
    percent_sum: Mapped[int] = mapped_column(sa.BigInteger, nullable=False)
    percent_count: Mapped[int] = mapped_column(nullable=False)
    achieved: Mapped[int] = mapped_column(nullable=False)

    @property
    def average_percent(self) -> float | None:
        return self.percent_sum / self.percent_count if self.percent_count else None


class SnapshotLabel(Bilingual, db.Model):
    """A group's label in both languages (a programme's name, a country's...), as taken.

    Frozen with the snapshot so that its page, charts and exports never change
    when a programme is renamed or the lexicon is revised.
    """

    __tablename__ = "snapshot_label"

    snapshot_id: Mapped[int] = mapped_column(
        sa.ForeignKey("snapshot.id", ondelete="CASCADE"), primary_key=True
    )
    breakdown: Mapped[Breakdown] = mapped_column(enum_type(Breakdown), primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    label_en: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    label_fr: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    #: Groups are listed by position, then by label (countries all have 0).
    position: Mapped[int] = mapped_column(nullable=False)
    #: ``#RRGGBB`` for SDG goals, None otherwise.
    colour: Mapped[str | None] = mapped_column(sa.String(7))


class ArtefactVariant(StrEnum):
    #: What everyone may see: the entries public at the cutoff.
    public = "public"
    #: Every entry: for organisers and the secretariat only.
    full = "full"


class SnapshotArtefact(db.Model):
    """A file of a published snapshot (a chart, an export, the comparison), rendered once.

    A published snapshot never changes, so what is drawn from it never does
    either: the first request renders it and keeps the bytes here, every later
    one serves them (``services.artefacts``). Drafts are never stored.
    """

    __tablename__ = "snapshot_artefact"

    snapshot_id: Mapped[int] = mapped_column(
        sa.ForeignKey("snapshot.id", ondelete="CASCADE"), primary_key=True
    )
    #: ``pdf``, ``xlsx``, ``chart-goal``...; what is drawn with a comparison names the
    #: snapshot compared with (``pdf:12``, ``comparison:12``), since that may change.
    kind: Mapped[str] = mapped_column(sa.String(60), primary_key=True)
    variant: Mapped[ArtefactVariant] = mapped_column(enum_type(ArtefactVariant), primary_key=True)
    #: The language of its labels, or ``""`` for a file without any (CSV, JSON, XLSX).
    language: Mapped[str] = mapped_column(sa.String(8), primary_key=True)
    content_type: Mapped[str] = mapped_column(sa.String(120), nullable=False)
    #: SHA-256 of ``body`` (the ETag); None while the process that claimed it renders it.
    sha256: Mapped[str | None] = mapped_column(sa.String(64))
    body: Mapped[bytes | None] = mapped_column(sa.LargeBinary, deferred=True)
    size: Mapped[int] = mapped_column(default=0, nullable=False)
    rendered_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)

    def __repr__(self) -> str:
        return f"<SnapshotArtefact {self.snapshot_id} {self.kind} {self.variant} {self.language}>"


# The files are already compressed or sent whole: PostgreSQL's own compression of the
# column would only make reading a piece of a large file cost more the further in it
# lies. The migration sets this; a database made by ``create_all`` (tests, benchmarks)
# gets the same.
sa.event.listen(
    SnapshotArtefact.__table__,
    "after_create",
    sa.DDL("ALTER TABLE snapshot_artefact ALTER COLUMN body SET STORAGE EXTERNAL").execute_if(
        dialect="postgresql"
    ),
)
