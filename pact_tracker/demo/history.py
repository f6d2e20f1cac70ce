"""A commitment's life as rows: workflow steps, a year of progress reports, corrections.

The denormalised dates of the commitment (``last_reported_at``,
``report_due_at``...) are derived here from the history just generated, with
the same :func:`report_schedule` the services use, so the two always agree.
"""

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from pact_tracker.commitments.reporting import report_schedule

CLOSED = frozenset({"achieved", "partially_achieved", "not_achieved", "withdrawn"})
_CLOSINGS = ("achieved", "partially_achieved", "not_achieved")
#: How often a signatory actually reports, in days, whatever its cadence asks.
_RHYTHMS = (7, 14, 14, 21, 30, 30, 30, 45)
_BEHAVIOURS = (("regular", 74), ("lagging", 12), ("quiet", 9), ("silent", 5))
_SOURCES = (("web", 55), ("reminder_link", 25), ("api", 12), ("import", 8))
_EVIDENCE_KINDS = ("testimony", "case_study", "survey", "photo", "document")
_NARRATIVES = {
    "en": {
        "not_started": (
            "Preparations are under way; the team is being put together.",
            "Partners have been contacted and the work plan is being finalised.",
        ),
        "on_track": (
            "Work is progressing as planned: {pct}% of the way.",
            "Good progress this period, with new partners joining ({pct}% done).",
            "The action plan is on schedule; figures updated below.",
        ),
        "delayed": (
            "Progress is slower than planned ({pct}%): recruitment took longer.",
            "Some delays due to funding arriving late; we expect to catch up.",
        ),
        "blocked": ("Work is on hold while we wait for the authorisation we applied for.",),
        "completed": ("The commitment is fulfilled: every target has been met.",),
    },
    "fr": {
        "not_started": (
            "Les préparatifs sont en cours ; l'équipe se constitue.",
            "Les partenaires ont été contactés et le plan de travail se finalise.",
        ),
        "on_track": (
            "Le travail avance comme prévu : {pct} % du chemin parcouru.",
            "Bonne période, avec de nouveaux partenaires ({pct} % réalisé).",
            "Le plan d'action est dans les temps ; chiffres mis à jour ci-dessous.",
        ),
        "delayed": (
            "Les progrès sont plus lents que prévu ({pct} %) : le recrutement a pris du retard.",
            "Quelques retards dus à des financements arrivés tard ; nous "
            "prévoyons de les rattraper.",
        ),
        "blocked": ("Le travail est suspendu en attendant l'autorisation demandée.",),
        "completed": ("L'engagement est tenu : tous les objectifs sont atteints.",),
    },
}
_EVIDENCE_TITLES = {
    "en": {
        "testimony": "Testimony of a participant",
        "case_study": "Case study",
        "survey": "Survey of the people involved",
        "photo": "Photos of the activity",
        "document": "Activity report",
    },
    "fr": {
        "testimony": "Témoignage d'une participante",
        "case_study": "Étude de cas",
        "survey": "Enquête auprès des personnes accompagnées",
        "photo": "Photos de l'activité",
        "document": "Rapport d'activité",
    },
}
_EVIDENCE_TEXT = {
    "en": "What changed for the people and the territory, in their own words.",
    "fr": "Ce qui a changé pour les personnes et le territoire, avec leurs mots.",
}
_CORRECTION_REASONS = {
    "en": ("A figure was typed wrongly.", "Updated after the annual accounts were closed."),
    "fr": ("Un chiffre avait été mal saisi.", "Mis à jour après la clôture des comptes annuels."),
}
_REVIEW_COMMENTS = {
    "changes_requested": "Please add a measurable target and at least one SDG target.",
    "approved": "Approved by the secretariat.",
    "achieved": "Closed as achieved after the final report.",
    "partially_achieved": "Closed as partially achieved.",
    "not_achieved": "Closed: the targets were not reached.",
    "withdrawn": "Withdrawn at the signatory's request.",
}


def _pairs(pairs):
    return tuple(p[0] for p in pairs), tuple(p[1] for p in pairs)


class History:
    """Draws the dated life of one commitment at a time."""

    def __init__(self, rng, ids, now: datetime):
        self.rng = rng
        self.ids = ids
        self.now = now
        self.secretariat_id: int | None = None
        self.behaviours = _pairs(_BEHAVIOURS)
        self.sources = _pairs(_SOURCES)

    def _ago(self, low_days: float, high_days: float) -> datetime:
        return self.now - self._span(low_days, high_days)

    def _span(self, low_days: float, high_days: float) -> timedelta:
        return timedelta(seconds=self.rng.randint(int(low_days * 86400), int(high_days * 86400)))

    def timeline(self, status: str) -> dict:
        """The workflow steps leading to ``status``: ``[(from, to, at)]`` and key dates."""
        rng = self.rng
        stage = status
        if status == "withdrawn":
            stage = rng.choices(("draft", "submitted", "approved"), (3, 2, 5))[0]
        steps = []
        approved = closed = None
        if stage in ("approved", *_CLOSINGS):
            if stage == "approved" and status == "approved":
                approved = self.now - timedelta(days=30 + 335 * rng.random() ** 0.5)
            else:
                approved = self._ago(200, 365)
            approved = approved.replace(microsecond=0)
            submitted = approved - self._span(3, 30)
            if rng.random() < 0.2:
                requested = submitted - self._span(2, 15)
                first = requested - self._span(2, 10)
                steps += [
                    ("draft", "submitted", first),
                    ("submitted", "changes_requested", requested),
                    ("changes_requested", "submitted", submitted),
                ]
            else:
                steps.append(("draft", "submitted", submitted))
            steps.append(("submitted", "approved", approved))
            if status != "approved":
                closed = approved + self._span(120, (self.now - approved).days - 3)
                steps.append(("approved", status, closed))
        elif stage == "submitted":
            submitted = self._ago(2, 40 if status == "submitted" else 200)
            steps.append(("draft", "submitted", submitted))
            if status == "withdrawn":
                closed = submitted + self._span(1, (self.now - submitted).days)
                steps.append(("submitted", "withdrawn", closed))
        elif stage == "changes_requested":
            requested = self._ago(1, 30)
            submitted = requested - self._span(2, 10)
            steps += [
                ("draft", "submitted", submitted),
                ("submitted", "changes_requested", requested),
            ]
        elif status == "withdrawn":
            closed = self._ago(1, 120)
            steps.append(("draft", "withdrawn", closed))
        created = steps[0][2] - self._span(1, 30) if steps else self._ago(1, 90)
        if approved is not None:
            start = (approved - self._span(0, 60)).date()
            if rng.random() < 0.1:
                start = (approved + self._span(1, 60)).date()
        else:
            start = (created + self._span(0, 90)).date()
        if closed is not None and status != "withdrawn":
            due = max(start + timedelta(days=90), closed.date() + timedelta(rng.randint(-60, 120)))
        else:
            due = date(max(start.year, rng.choice((2027, 2027, 2028, 2028, 2029, 2030))), 12, 31)
        return {
            "status": status,
            "steps": steps,
            "created": created,
            "approved": approved,
            "closed": closed,
            "start": start,
            "due": due,
        }

    def write(
        self,
        commitment_id,
        status,
        timeline,
        cadence,
        member,
        indicators,
        dimensions,
        domain,
        french,
        batch,
    ) -> dict:
        """Write the steps, reports and assessment of one commitment; return its dates."""
        rng, ids = self.rng, self.ids
        language = "fr" if french else "en"
        changes = batch["commitment_status_change"]
        changes.append(
            (
                ids("commitment_status_change"),
                commitment_id,
                None,
                "draft",
                timeline["created"],
                member,
                "",
            )
        )
        submitted_at = None
        for from_status, to_status, at in timeline["steps"]:
            reviewer = to_status in _REVIEW_COMMENTS and to_status != "withdrawn"
            actor = self.secretariat_id if reviewer else member
            changes.append(
                (
                    ids("commitment_status_change"),
                    commitment_id,
                    from_status,
                    to_status,
                    at,
                    actor,
                    _REVIEW_COMMENTS.get(to_status, ""),
                )
            )
            if to_status == "submitted":
                submitted_at = at
        approved = timeline["approved"]
        closed = timeline["closed"]
        dated = {
            "submitted_at": submitted_at,
            "approved_at": approved,
            "published_at": None,
            "closed_at": closed,
            "last_reported_at": None,
            "report_due_at": None,
            "inactive_at": None,
            "updated_at": max([timeline["created"]] + [s[2] for s in timeline["steps"]]),
        }
        if approved is None:
            return dated
        if rng.random() < 0.85:
            dated["published_at"] = approved
        clock = max(approved, datetime.combine(timeline["start"], time.min, tzinfo=UTC))
        end = closed or self.now
        last, last_recorded, percent = self._reports(
            commitment_id,
            status,
            timeline,
            cadence,
            clock,
            end,
            member,
            indicators,
            dimensions,
            domain,
            language,
            batch,
        )
        dated["last_reported_at"] = last
        dated["report_due_at"], dated["inactive_at"] = report_schedule(
            cadence, approved, timeline["start"], last
        )
        if last_recorded is not None:
            dated["updated_at"] = max(dated["updated_at"], last_recorded)
            if rng.random() < 0.12:
                self._assess(commitment_id, percent, last_recorded, batch)
        return dated

    def _reports(
        self,
        commitment_id,
        status,
        timeline,
        cadence,
        clock,
        end,
        member,
        indicators,
        dimensions,
        domain,
        language,
        batch,
    ):
        rng, ids = self.rng, self.ids
        cadence_days = cadence * 30.4
        stop = end - timedelta(days=1)
        if status == "approved":
            behaviour = rng.choices(*self.behaviours)[0]
            if behaviour == "silent":
                return None, None, 0
            if behaviour == "lagging":
                stop = self.now - timedelta(days=cadence_days * rng.uniform(1.05, 1.9))
            elif behaviour == "quiet":
                stop = self.now - timedelta(days=cadence_days * rng.uniform(2.1, 3.5))
        rhythm = min(cadence_days, rng.choice(_RHYTHMS))
        moments = []
        at = clock + timedelta(days=rhythm * rng.uniform(0.5, 1.0))
        while at <= stop:
            moments.append(at.replace(microsecond=0))
            at += timedelta(days=rhythm * rng.uniform(0.7, 1.05))
        if not moments:
            return None, None, 0
        start, due = timeline["start"], timeline["due"]
        length = max((due - start).days, 1)
        pace = rng.uniform(0.5, 1.3)
        final = {
            "achieved": 100,
            "partially_achieved": rng.randint(50, 90),
            "not_achieved": rng.randint(10, 45),
        }.get(status)
        updates, values, evidence = (
            batch["progress_update"],
            batch["indicator_value"],
            batch["evidence"],
        )
        sources, weights = self.sources
        narratives = _NARRATIVES[language]
        percent = 0
        last_recorded = None
        count = len(moments)
        for index, reported in enumerate(moments):
            elapsed = (reported.date() - start).days / length
            guess = int(100 * elapsed * pace + rng.uniform(-4, 4))
            if final is not None:
                guess = int(final * (index + 1) / count)
            percent = min(max(percent, guess, 0), 100 if final == 100 else 99)
            if percent >= 100:
                progress = "completed"
            elif index == 0 and percent < 3:
                progress = "not_started"
            elif rng.random() < 0.03:
                progress = "blocked"
            elif pace < 0.8 and rng.random() < 0.5:
                progress = "delayed"
            else:
                progress = "on_track"
            recorded = reported
            if rng.random() < 0.2:
                recorded = min(reported + self._span(0.01, 3), stop)
                recorded = max(recorded, reported)
            update_id = ids("progress_update")
            narrative = rng.choice(narratives[progress]).format(pct=percent)
            updates.append(
                (
                    update_id,
                    commitment_id,
                    member,
                    reported,
                    recorded,
                    progress,
                    percent,
                    narrative,
                    rng.choices(sources, weights)[0],
                    None,
                    None,
                )
            )
            shown = rng.random() < 0.85
            if shown:
                for indicator_id, _name, _target, row in indicators:
                    values.append(
                        (ids("indicator_value"), update_id, indicator_id, _value(row, percent, rng))
                    )
            if rng.random() < 0.12:
                kind = rng.choice(_EVIDENCE_KINDS)
                url = None
                if kind in ("photo", "document", "survey"):
                    url = f"https://{domain}/impact/{update_id}"
                evidence.append(
                    (
                        ids("evidence"),
                        update_id,
                        kind,
                        rng.choice(dimensions) if dimensions else None,
                        _EVIDENCE_TITLES[language][kind],
                        _EVIDENCE_TEXT[language],
                        url,
                    )
                )
            last_recorded = max(last_recorded or recorded, recorded)
            if rng.random() < 0.04:
                corrected = self._correct(updates[-1], shown, indicators, end, language, batch)
                last_recorded = max(last_recorded, corrected)
        return moments[-1], last_recorded, percent

    def _correct(self, original, shown, indicators, end, language, batch) -> datetime:
        """A correction (now and then corrected again); returns when the last was recorded."""
        rng, ids = self.rng, self.ids
        limit = end - timedelta(minutes=1)
        while True:
            update_id, commitment_id, author, reported, recorded, progress, percent = original[:7]
            corrected_at = min(recorded + self._span(0.05, 7), limit)
            percent = min(
                max(percent + rng.randint(-5, 5), 0), 100 if progress == "completed" else 99
            )
            correction = (
                ids("progress_update"),
                commitment_id,
                author,
                reported,
                corrected_at,
                progress,
                percent,
                original[7],
                "web",
                update_id,
                rng.choice(_CORRECTION_REASONS[language]),
            )
            batch["progress_update"].append(correction)
            if shown:
                for indicator_id, _name, _target, row in indicators:
                    batch["indicator_value"].append(
                        (
                            ids("indicator_value"),
                            correction[0],
                            indicator_id,
                            _value(row, percent, rng),
                        )
                    )
            if corrected_at >= limit or rng.random() >= 0.15:
                return corrected_at
            original = correction

    def _assess(self, commitment_id, percent, after: datetime, batch) -> None:
        rng = self.rng
        if percent >= 100:
            level = "complete"
        elif percent >= 60:
            level = "substantial"
        elif percent >= 10:
            level = "limited"
        else:
            level = rng.choice(("not_started", "no_evidence"))
        assessed = min(after + self._span(1, 30), self.now)
        batch["assessment"].append(
            (
                self.ids("assessment"),
                commitment_id,
                self.secretariat_id,
                level,
                "Reviewed against the evidence provided.",
                assessed,
            )
        )

    def milestone(self, commitment_id, title, timeline, index, count, batch) -> None:
        start, due = timeline["start"], timeline["due"]
        day = start + (due - start) * (index + 1) / (count + 1)
        done_on = None
        reached = timeline["closed"] or (self.now if timeline["approved"] else None)
        if reached is not None and day <= reached.date() and self.rng.random() < 0.85:
            done_on = min(day + timedelta(days=self.rng.randint(-20, 20)), reached.date())
        batch["milestone"].append((self.ids("milestone"), commitment_id, title, day, done_on))


def _value(row, percent: int, rng) -> Decimal:
    _unit, _dimension, _sdg, baseline, target, direction = row
    if direction == "maintain":
        value = float(baseline) + rng.uniform(-2, 2)
    else:
        value = float(baseline) + float(target - baseline) * percent / 100 * rng.uniform(0.9, 1.1)
    return Decimal(f"{max(value, 0):.2f}")
