"""Commitments, their indicators and milestones, and the append-only progress log."""

from datetime import date, datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from pact_tracker.core.models import TimestampMixin
from pact_tracker.core.types import StrEnum, UTCDateTime, enum_type, utcnow
from pact_tracker.extensions import db
from pact_tracker.programmes.models import Direction


class CommitmentStatus(StrEnum):
    draft = "draft"
    submitted = "submitted"
    changes_requested = "changes_requested"
    approved = "approved"
    achieved = "achieved"
    partially_achieved = "partially_achieved"
    not_achieved = "not_achieved"
    withdrawn = "withdrawn"


CLOSED_STATUSES = frozenset(
    {
        CommitmentStatus.achieved,
        CommitmentStatus.partially_achieved,
        CommitmentStatus.not_achieved,
        CommitmentStatus.withdrawn,
    }
)
_OPEN = frozenset(CommitmentStatus) - CLOSED_STATUSES
_CLOSINGS = CLOSED_STATUSES - {CommitmentStatus.withdrawn}

#: The workflow: which status may follow which. Closed statuses are final.
COMMITMENT_TRANSITIONS: dict[CommitmentStatus, frozenset[CommitmentStatus]] = {
    CommitmentStatus.draft: frozenset({CommitmentStatus.submitted, CommitmentStatus.withdrawn}),
    CommitmentStatus.submitted: frozenset(
        {
            CommitmentStatus.approved,
            CommitmentStatus.changes_requested,
            CommitmentStatus.withdrawn,
        }
    ),
    CommitmentStatus.changes_requested: frozenset(
        {CommitmentStatus.submitted, CommitmentStatus.withdrawn}
    ),
    CommitmentStatus.approved: _CLOSINGS | {CommitmentStatus.withdrawn},
    **{status: frozenset() for status in CLOSED_STATUSES},
}
assert set(COMMITMENT_TRANSITIONS) == set(CommitmentStatus)  # checked at import  # nosec B101
assert all(COMMITMENT_TRANSITIONS[s] for s in _OPEN)  # checked at import  # nosec B101

#: Statuses in which a commitment is expected to report progress.
REPORTING_STATUSES = frozenset({CommitmentStatus.approved})
#: Statuses the signatory may still edit.
EDITABLE_STATUSES = frozenset({CommitmentStatus.draft, CommitmentStatus.changes_requested})


class Scope(StrEnum):
    international = "international"
    national = "national"
    subnational = "subnational"


class Visibility(StrEnum):
    public = "public"
    private = "private"


class ReportingState(StrEnum):
    on_time = "on_time"
    due = "due"
    overdue = "overdue"
    inactive = "inactive"


class ProgressStatus(StrEnum):
    not_started = "not_started"
    on_track = "on_track"
    delayed = "delayed"
    blocked = "blocked"
    completed = "completed"


class UpdateSource(StrEnum):
    web = "web"
    api = "api"
    reminder_link = "reminder_link"
    import_ = "import"


class EvidenceKind(StrEnum):
    testimony = "testimony"
    case_study = "case_study"
    survey = "survey"
    photo = "photo"
    document = "document"


class AssessmentLevel(StrEnum):
    no_evidence = "no_evidence"
    not_started = "not_started"
    limited = "limited"
    substantial = "substantial"
    complete = "complete"


commitment_target = sa.Table(
    "commitment_target",
    db.metadata,
    sa.Column(
        "commitment_id", sa.ForeignKey("commitment.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("target_code", sa.ForeignKey("sdg_target.code"), primary_key=True, index=True),
)

commitment_dimension = sa.Table(
    "commitment_dimension",
    db.metadata,
    sa.Column(
        "commitment_id", sa.ForeignKey("commitment.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column(
        "dimension_code", sa.ForeignKey("impact_dimension.code"), primary_key=True, index=True
    ),
)


def reporting_state_at(
    status: CommitmentStatus,
    report_due_at: datetime | None,
    inactive_at: datetime | None,
    now: datetime,
    due_window: timedelta,
) -> ReportingState | None:
    """The traffic light of a commitment at ``now``; None when it need not report."""
    if status not in REPORTING_STATUSES or report_due_at is None or inactive_at is None:
        return None
    if now >= inactive_at:
        return ReportingState.inactive
    if now >= report_due_at:
        return ReportingState.overdue
    if now >= report_due_at - due_window:
        return ReportingState.due
    return ReportingState.on_time


def due_window() -> timedelta:
    """How long before its due date a report shows as due (``REPORT_DUE_WINDOW_DAYS``)."""
    return timedelta(days=current_app.config["REPORT_DUE_WINDOW_DAYS"])


#: The SDG goals, numbered 1 to 17.
GOALS = 17


def goal_bit(number: int) -> int:
    """The bit of SDG goal ``number`` in ``Commitment.goal_mask``."""
    return 1 << (number - 1)


def has_goal(number: int) -> sa.ColumnElement[bool]:
    """True for a commitment aiming at goal ``number``.

    The bit is written as a literal, not a parameter, so that the planner can
    match the condition with the goal's partial index.
    """
    return sa.text(f"commitment.goal_mask & {goal_bit(number)} <> 0")


def _published_with_goal_index(number: int) -> sa.Index:
    condition = sa.text(
        f"visibility = 'public' AND published_at IS NOT NULL "
        f"AND goal_mask & {goal_bit(number)} <> 0"
    )
    return sa.Index(
        f"ix_commitment_published_goal_{number}",
        "published_at",
        "id",
        postgresql_include=["signatory_id"],
        postgresql_where=condition,
        sqlite_where=condition,
    )


class Commitment(TimestampMixin, db.Model):
    __tablename__ = "commitment"
    __table_args__ = (
        sa.CheckConstraint("cadence_months BETWEEN 1 AND 24", name="cadence_range"),
        sa.CheckConstraint("due_date >= start_date", name="due_after_start"),
        sa.CheckConstraint(
            "funding_amount IS NULL OR funding_amount >= 0", name="funding_not_negative"
        ),
        sa.Index("ix_commitment_status_report_due", "status", "report_due_at"),
        # The organiser overview keys its cached figures on the next moment a traffic
        # light changes: the first ``inactive_at`` to come, read from this index.
        sa.Index("ix_commitment_status_inactive", "status", "inactive_at"),
        sa.Index("ix_commitment_signatory_status", "signatory_id", "status"),
        # The review queue pages through the submitted commitments, the longest waiting
        # first: a walk down this index, not a sort of them all (260 ms for 11,000).
        sa.Index("ix_commitment_status_submitted", "status", "submitted_at", "id"),
        # The API lists published commitments newest first: a walk down this index rather
        # than a sort of them all (or a walk past the newest, unpublished, ones).
        sa.Index(
            "ix_commitment_public_created",
            "created_at",
            "id",
            postgresql_where=sa.text("visibility = 'public' AND published_at IS NOT NULL"),
            sqlite_where=sa.text("visibility = 'public' AND published_at IS NOT NULL"),
        ),
        # Public lists count and page through published commitments, filtered by goal on
        # the way: an index-only scan.
        sa.Index(
            "ix_commitment_public",
            "visibility",
            "published_at",
            postgresql_include=["id", "signatory_id", "goal_mask"],
        ),
        # One small index per goal of its published commitments, in publication order: a
        # goal's list walks only its own commitments (a rare goal's page otherwise read
        # the whole index above to find 25 of its 900).
        *(_published_with_goal_index(number) for number in range(1, GOALS + 1)),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    signatory_id: Mapped[int] = mapped_column(sa.ForeignKey("signatory.id"), nullable=False)
    programme_id: Mapped[int] = mapped_column(
        sa.ForeignKey("programme.id"), nullable=False, index=True
    )
    #: The proposal it was adopted from; None for a commitment written from scratch.
    proposal_id: Mapped[int | None] = mapped_column(sa.ForeignKey("proposal.id"), index=True)
    title: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    description: Mapped[str] = mapped_column(sa.Text, default="", nullable=False)
    #: Language the signatory wrote it in (``en`` or ``fr``).
    language: Mapped[str] = mapped_column(sa.String(5), default="en", nullable=False)
    status: Mapped[CommitmentStatus] = mapped_column(
        enum_type(CommitmentStatus), default=CommitmentStatus.draft, nullable=False, index=True
    )
    scope: Mapped[Scope] = mapped_column(enum_type(Scope), default=Scope.national, nullable=False)
    country_code: Mapped[str | None] = mapped_column(sa.ForeignKey("country.code"), index=True)
    subdivision_code: Mapped[str | None] = mapped_column(sa.ForeignKey("subdivision.code"))
    start_date: Mapped[date] = mapped_column(sa.Date, nullable=False)
    due_date: Mapped[date] = mapped_column(sa.Date, nullable=False)
    #: Months between two progress reports.
    cadence_months: Mapped[int] = mapped_column(default=6, nullable=False)
    funding_amount: Mapped[Decimal | None] = mapped_column(sa.Numeric(18, 2))
    #: ISO 4217 code; set exactly when ``funding_amount`` is.
    funding_currency: Mapped[str | None] = mapped_column(sa.String(3))
    visibility: Mapped[Visibility] = mapped_column(
        enum_type(Visibility), default=Visibility.public, nullable=False
    )
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: When it became public; None while held back (embargo) or never approved.
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    #: Held back until this event starts, then published by the worker (an embargo).
    embargo_event_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("event.id", ondelete="SET NULL"), index=True
    )
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: ``reported_at`` of the latest live progress update (denormalised for listing).
    last_reported_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: When the next report is due: one cadence after the last report (or approval).
    report_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Two cadences without a report: the commitment has gone quiet.
    inactive_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: The SDG goals of its targets, bit ``n - 1`` for goal ``n`` (``goal_bit``), kept on
    #: every flush: lists filter by goal on the commitment's own row. Through
    #: ``commitment_target`` a rare goal made PostgreSQL probe that table for every
    #: published commitment it walked past, 50-100 ms a page on a large coalition.
    goal_mask: Mapped[int] = mapped_column(default=0, server_default="0", nullable=False)
    #: The SMART check's score (0..100) and whether it passed, as of the last change to
    #: what it reads (kept by the authoring and workflow services), so that the review
    #: queue lists scores without re-checking every row. None: written by a bulk loader,
    #: or accepted before the score was kept.
    smart_score: Mapped[int | None] = mapped_column(sa.SmallInteger)
    smart_passed: Mapped[bool | None] = mapped_column(sa.Boolean)

    signatory = relationship("Signatory", lazy="joined", innerjoin=True)
    programme = relationship("Programme")
    proposal = relationship("Proposal")
    country = relationship("Country")
    subdivision = relationship("Subdivision")
    targets = relationship("SdgTarget", secondary=commitment_target, order_by="SdgTarget.code")
    dimensions = relationship(
        "ImpactDimension", secondary=commitment_dimension, order_by="ImpactDimension.position"
    )
    indicators: Mapped[list["Indicator"]] = relationship(
        back_populates="commitment", cascade="all, delete-orphan", order_by="Indicator.id"
    )
    milestones: Mapped[list["Milestone"]] = relationship(
        back_populates="commitment", cascade="all, delete-orphan", order_by="Milestone.due_date"
    )
    updates: Mapped[list["ProgressUpdate"]] = relationship(
        back_populates="commitment",
        order_by="ProgressUpdate.recorded_at",
        foreign_keys="ProgressUpdate.commitment_id",
    )
    status_changes: Mapped[list["StatusChange"]] = relationship(
        back_populates="commitment", order_by="StatusChange.changed_at"
    )
    assessments: Mapped[list["Assessment"]] = relationship(
        back_populates="commitment", order_by="Assessment.assessed_at"
    )

    @property
    def is_closed(self) -> bool:
        return self.status in CLOSED_STATUSES

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE_STATUSES

    @hybrid_property
    def is_published(self) -> bool:
        return (
            self.published_at is not None
            and self.published_at <= utcnow()
            and self.visibility == Visibility.public
        )

    @is_published.inplace.expression
    @classmethod
    def _is_published_expression(cls):
        return sa.and_(
            cls.published_at.is_not(None),
            cls.published_at <= utcnow(),
            cls.visibility == Visibility.public,
        )

    @hybrid_property
    def reporting_state(self) -> ReportingState | None:
        return reporting_state_at(
            self.status, self.report_due_at, self.inactive_at, utcnow(), due_window()
        )

    @reporting_state.inplace.expression
    @classmethod
    def _reporting_state_expression(cls):
        return cls.reporting_state_then(utcnow())

    @classmethod
    def reporting_state_then(cls, now: datetime) -> sa.Case:
        """``reporting_state`` at a given ``now``, in SQL: a query and its cache key share it."""
        return sa.case(
            (cls.status.not_in(list(REPORTING_STATUSES)), sa.null()),
            (cls.inactive_at <= now, ReportingState.inactive.value),
            (cls.report_due_at <= now, ReportingState.overdue.value),
            (cls.report_due_at <= now + due_window(), ReportingState.due.value),
            else_=ReportingState.on_time.value,
        )

    @classmethod
    def has_reporting_state(cls, state: ReportingState | str) -> sa.ColumnElement[bool]:
        """A filter on the traffic light that an index can serve.

        The same rule as ``reporting_state``, written as ranges on the stored
        dates: the hybrid's CASE expression is for reading the state, this is
        for filtering lists by it.
        """
        state = ReportingState(state)
        now = utcnow()
        reporting = cls.status.in_(list(REPORTING_STATUSES))
        if state == ReportingState.inactive:
            return sa.and_(reporting, cls.report_due_at.is_not(None), cls.inactive_at <= now)
        active = sa.and_(reporting, cls.report_due_at.is_not(None), cls.inactive_at > now)
        if state == ReportingState.overdue:
            return sa.and_(active, cls.report_due_at <= now)
        soon = now + due_window()
        if state == ReportingState.due:
            return sa.and_(active, cls.report_due_at > now, cls.report_due_at <= soon)
        return sa.and_(active, cls.report_due_at > soon)

    def __repr__(self) -> str:
        return f"<Commitment {self.id} signatory={self.signatory_id} {self.status}>"


def goal_mask_of(target_codes) -> int:
    """``Commitment.goal_mask`` for targets with these codes ("8.2", "14.a"...)."""
    mask = 0
    for code in target_codes:
        mask |= goal_bit(int(code.split(".", 1)[0]))
    return mask


def _targets_changed(commitment: Commitment) -> bool:
    return sa.inspect(commitment).attrs.targets.history.has_changes()


@sa.event.listens_for(Session, "before_flush")
def _keep_goal_masks(session, _flush_context, _instances) -> None:
    """Recompute the goal mask of each commitment whose targets are new or changed."""
    for instance in session.new:
        if isinstance(instance, Commitment):
            instance.goal_mask = goal_mask_of(target.code for target in instance.targets)
    for instance in session.dirty:
        if isinstance(instance, Commitment) and _targets_changed(instance):
            instance.goal_mask = goal_mask_of(target.code for target in instance.targets)


class Indicator(db.Model):
    __tablename__ = "indicator"

    id: Mapped[int] = mapped_column(primary_key=True)
    commitment_id: Mapped[int] = mapped_column(
        sa.ForeignKey("commitment.id", ondelete="CASCADE"), nullable=False, index=True
    )
    name: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    unit: Mapped[str] = mapped_column(sa.String(40), nullable=False)
    dimension_code: Mapped[str | None] = mapped_column(sa.ForeignKey("impact_dimension.code"))
    #: The official SDG indicator it contributes to, if any.
    sdg_indicator_code: Mapped[str | None] = mapped_column(sa.ForeignKey("sdg_indicator.code"))
    baseline: Mapped[Decimal | None] = mapped_column(sa.Numeric(20, 4))
    target: Mapped[Decimal | None] = mapped_column(sa.Numeric(20, 4))
    direction: Mapped[Direction] = mapped_column(
        enum_type(Direction), default=Direction.increase, nullable=False
    )

    commitment: Mapped[Commitment] = relationship(back_populates="indicators")
    #: Every value reported for it, superseded ones included; see ``current_value``.
    values: Mapped[list["IndicatorValue"]] = relationship(
        viewonly=True, order_by="IndicatorValue.id"
    )

    @property
    def current_value(self) -> Decimal | None:
        """The latest value from an update that no correction has replaced."""
        live = [value for value in self.values if value.update.superseded_by is None]
        if not live:
            return None
        latest = max(live, key=lambda v: (v.update.reported_at, v.update.recorded_at, v.update_id))
        return latest.value

    def progress(self, current: Decimal | None) -> float | None:
        """Share of the way from baseline to target, 0..100; None where it means nothing.

        ``maintain`` indicators and equal baseline and target have no distance to
        cover, so they get no percentage rather than a misleading one.
        """
        if current is None or self.baseline is None or self.target is None:
            return None
        if self.direction == Direction.maintain or self.target == self.baseline:
            return None
        share = (Decimal(current) - self.baseline) / (self.target - self.baseline)
        return float(min(max(share * 100, Decimal(0)), Decimal(100)))

    def __repr__(self) -> str:
        return f"<Indicator {self.id} {self.name!r}>"


class Milestone(db.Model):
    __tablename__ = "milestone"

    id: Mapped[int] = mapped_column(primary_key=True)
    commitment_id: Mapped[int] = mapped_column(
        sa.ForeignKey("commitment.id", ondelete="CASCADE"), nullable=False, index=True
    )
    title: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    due_date: Mapped[date] = mapped_column(sa.Date, nullable=False)
    #: Date the deliverable was done; None while it is not.
    done_on: Mapped[date | None] = mapped_column(sa.Date)

    commitment: Mapped[Commitment] = relationship(back_populates="milestones")

    def __repr__(self) -> str:
        return f"<Milestone {self.id} {self.title!r}>"


class ProgressUpdate(db.Model):
    """One report of progress. Never edited: a correction is a new row.

    Two instants: ``recorded_at`` is when we learnt it (the server's clock),
    ``reported_at`` is the moment the report speaks for. A correction keeps the
    ``reported_at`` of the update it supersedes, so that it takes that update's
    place in the history instead of jumping ahead of later reports.
    """

    __tablename__ = "progress_update"
    __table_args__ = (
        sa.CheckConstraint(
            "percent_complete IS NULL OR percent_complete BETWEEN 0 AND 100",
            name="percent_range",
        ),
        sa.CheckConstraint("reported_at <= recorded_at", name="reported_not_after_recorded"),
        sa.Index("ix_progress_update_commitment_recorded", "commitment_id", "recorded_at"),
        # The update in force of a commitment at an instant is the first live one walking
        # back from the instant in this order: one or two index entries per commitment,
        # its percentage read from the index itself (PostgreSQL), not the whole history.
        sa.Index(
            "ix_progress_update_commitment_reported",
            "commitment_id",
            "reported_at",
            "recorded_at",
            "id",
            postgresql_include=["percent_complete"],
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    commitment_id: Mapped[int] = mapped_column(
        sa.ForeignKey("commitment.id", ondelete="CASCADE"), nullable=False
    )
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    status: Mapped[ProgressStatus] = mapped_column(enum_type(ProgressStatus), nullable=False)
    percent_complete: Mapped[int | None] = mapped_column()
    #: Markdown as the author wrote it; sanitised when rendered.
    narrative: Mapped[str] = mapped_column(sa.Text, default="", nullable=False)
    source: Mapped[UpdateSource] = mapped_column(
        enum_type(UpdateSource), default=UpdateSource.web, nullable=False
    )
    #: The update this one corrects. Unique: an update is corrected at most once,
    #: so corrections form a chain and the newest link is the one that counts.
    supersedes_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("progress_update.id"), unique=True
    )
    correction_reason: Mapped[str | None] = mapped_column(sa.Text)

    commitment: Mapped[Commitment] = relationship(
        back_populates="updates", foreign_keys=[commitment_id]
    )
    author = relationship("User")
    supersedes: Mapped["ProgressUpdate | None"] = relationship(
        remote_side=[id], back_populates="superseded_by"
    )
    superseded_by: Mapped["ProgressUpdate | None"] = relationship(back_populates="supersedes")
    values: Mapped[list["IndicatorValue"]] = relationship(
        back_populates="update",
        cascade="all, delete-orphan",
        order_by="IndicatorValue.indicator_id",
    )
    evidence: Mapped[list["Evidence"]] = relationship(
        back_populates="update", cascade="all, delete-orphan", order_by="Evidence.id"
    )

    @property
    def is_superseded(self) -> bool:
        return self.superseded_by is not None

    def __repr__(self) -> str:
        return f"<ProgressUpdate {self.id} commitment={self.commitment_id} {self.status}>"


class IndicatorValue(db.Model):
    __tablename__ = "indicator_value"
    __table_args__ = (sa.UniqueConstraint("update_id", "indicator_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    update_id: Mapped[int] = mapped_column(
        sa.ForeignKey("progress_update.id", ondelete="CASCADE"), nullable=False
    )
    indicator_id: Mapped[int] = mapped_column(
        sa.ForeignKey("indicator.id", ondelete="CASCADE"), nullable=False, index=True
    )
    value: Mapped[Decimal] = mapped_column(sa.Numeric(20, 4), nullable=False)

    update: Mapped[ProgressUpdate] = relationship(back_populates="values")
    indicator: Mapped[Indicator] = relationship()

    def __repr__(self) -> str:
        return f"<IndicatorValue update={self.update_id} indicator={self.indicator_id}>"


class Evidence(db.Model):
    """Qualitative evidence of impact: stories and practices as much as numbers (VISES)."""

    __tablename__ = "evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    update_id: Mapped[int] = mapped_column(
        sa.ForeignKey("progress_update.id", ondelete="CASCADE"), nullable=False, index=True
    )
    kind: Mapped[EvidenceKind] = mapped_column(enum_type(EvidenceKind), nullable=False)
    dimension_code: Mapped[str | None] = mapped_column(sa.ForeignKey("impact_dimension.code"))
    title: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    description: Mapped[str] = mapped_column(sa.Text, default="", nullable=False)
    url: Mapped[str | None] = mapped_column(sa.String(500))

    update: Mapped[ProgressUpdate] = relationship(back_populates="evidence")

    def __repr__(self) -> str:
        return f"<Evidence {self.id} {self.kind}>"


class Assessment(db.Model):
    """A reviewer's view of completion, beside the self-declared progress."""

    __tablename__ = "assessment"

    id: Mapped[int] = mapped_column(primary_key=True)
    commitment_id: Mapped[int] = mapped_column(
        sa.ForeignKey("commitment.id", ondelete="CASCADE"), nullable=False, index=True
    )
    assessor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    level: Mapped[AssessmentLevel] = mapped_column(enum_type(AssessmentLevel), nullable=False)
    comment: Mapped[str] = mapped_column(sa.Text, default="", nullable=False)
    assessed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)

    commitment: Mapped[Commitment] = relationship(back_populates="assessments")
    assessor = relationship("User")

    def __repr__(self) -> str:
        return f"<Assessment {self.id} commitment={self.commitment_id} {self.level}>"


class StatusChange(db.Model):
    """One step of a commitment's workflow, kept so its status can be read as of any instant."""

    __tablename__ = "commitment_status_change"
    __table_args__ = (
        sa.Index("ix_status_change_commitment_changed", "commitment_id", "changed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    commitment_id: Mapped[int] = mapped_column(
        sa.ForeignKey("commitment.id", ondelete="CASCADE"), nullable=False
    )
    from_status: Mapped[CommitmentStatus | None] = mapped_column(enum_type(CommitmentStatus))
    to_status: Mapped[CommitmentStatus] = mapped_column(enum_type(CommitmentStatus), nullable=False)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    #: The reviewer's message when changes are requested, or the reason for closing.
    comment: Mapped[str] = mapped_column(sa.Text, default="", nullable=False)

    commitment: Mapped[Commitment] = relationship(back_populates="status_changes")
    actor = relationship("User")

    def __repr__(self) -> str:
        return f"<StatusChange {self.commitment_id} {self.from_status}->{self.to_status}>"
