"""Build the demo coalition as rows: programmes, signatories, members and commitments.

Everything is drawn from one ``random.Random(seed)`` and dated against the
fixed :data:`DEMO_NOW`, never the clock, so the same seed gives the same
coalition on any day and any database.
"""

import hashlib
import random
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from pact_tracker.commitments.models import goal_mask_of
from pact_tracker.demo import activity_log, catalogue, history, vocabulary
from pact_tracker.demo.rows import Batch, Ids

#: The instant the demo's history runs up to.
DEMO_NOW = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
SECRETARIAT_EMAIL = "secretariat@demo.pact-impact.org"
ORGANISER_EMAIL = "organiser@demo.pact-impact.org"

_SIGNATORY_STATUSES = (
    ("approved", 86),
    ("applied", 5),
    ("suspended", 3),
    ("withdrawn", 3),
    ("rejected", 3),
)
_COMMITMENT_STATUSES = (
    ("draft", 6),
    ("submitted", 5),
    ("changes_requested", 4),
    ("approved", 64),
    ("achieved", 7),
    ("partially_achieved", 5),
    ("not_achieved", 3),
    ("withdrawn", 6),
)
_CADENCES = ((1, 40), (2, 12), (3, 33), (6, 12), (12, 3))
_STATUS_REASONS = {
    "rejected": "The application does not show a link with the social and solidarity economy.",
    "suspended": "Suspended while the secretariat reviews the organisation's commitments.",
    "withdrawn": "The organisation asked to leave the coalition.",
}
#: Share of commitments of a signatory per its status, relative to an approved one.
_COMMITMENT_SHARE = {
    "approved": 1.0,
    "suspended": 1.0,
    "withdrawn": 0.8,
    "applied": 0.4,
    "rejected": 0.0,
}
_SPREAD = (0.2, 0.5, 0.8, 1.0, 1.0, 1.2, 1.5, 1.8)
#: Share of organisations with a second member (a colleague of the first, not an admin):
#: with them the demo's campaign reaches about as many people as there are signatories.
COLLEAGUE_SHARE = 0.2
COLLEAGUE_SEED = 7_919


@dataclass(frozen=True)
class Reference:
    """What the generator needs to know of the lexicon in the database."""

    subdivisions: frozenset[str]
    targets_by_goal: dict[int, tuple[str, ...]]
    indicators_by_target: dict[str, tuple[str, ...]]


def slugify(text: str, max_length: int = 80) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:max_length].strip("-")


#: The longest label a domain name may have (RFC 1035): a longer one makes an address
#: that no email validator accepts, so its owner could never sign in.
MAX_DOMAIN_LABEL = 63


def demo_domain(slug: str) -> str:
    """The signatory's made-up domain: its slug, shortened to a valid label when too long.

    A shortened slug ends with a few characters of its hash, so that two long
    slugs sharing their first 54 characters keep different domains.
    """
    if len(slug) <= MAX_DOMAIN_LABEL:
        label = slug
    else:
        suffix = hashlib.sha256(slug.encode()).hexdigest()[:8]
        label = f"{slug[: MAX_DOMAIN_LABEL - len(suffix) - 1].rstrip('-')}-{suffix}"
    return f"{label}.example.org"


def _de(name: str) -> str:
    """French ``de`` before a place name, elided before a vowel."""
    return f"d'{name}" if name[:1] in "AEIOUYÉÈÎ" else f"de {name}"


def _weighted(pairs):
    values, weights = zip(*pairs, strict=True)
    return values, weights


class Generator:
    """Draws the coalition chunk by chunk; every row goes into a :class:`Batch`."""

    def __init__(self, seed: int, reference: Reference, ids: Ids, password_hash: str | None):
        self.rng = random.Random(seed)  # noqa: S311 - demo data, not security  # nosec B311
        # Colleagues are drawn apart, so that the rest of the coalition is the same with them.
        self.colleague_rng = random.Random(seed + COLLEAGUE_SEED)  # noqa: S311  # nosec B311
        self.reference = reference
        self.ids = ids
        self.password_hash = password_hash
        self.slugs: set[str] = set()
        self.countries = list(vocabulary.COUNTRIES)
        self.country_weights = [c[1] for c in self.countries]
        self.types, self.type_weights = _weighted(vocabulary.ORGANISATION_TYPE_WEIGHTS.items())
        self.signatory_statuses = _weighted(_SIGNATORY_STATUSES)
        self.commitment_statuses = _weighted(_COMMITMENT_STATUSES)
        self.cadences = _weighted(_CADENCES)
        self.secretariat_id: int | None = None
        self.organiser_id: int | None = None
        #: Filled by :meth:`catalogue`: proposals adapted to each organisation type.
        self.proposals_by_type: dict[str, list[dict]] = {}
        self.programmes: list[dict] = []
        self.history = history.History(self.rng, ids, DEMO_NOW)
        # The first signatories and commitments take each type and status in turn, so that
        # even a small coalition shows every one of them.
        self.types_to_show = list(vocabulary.ORGANISATION_TYPE_WEIGHTS)
        self.signatory_statuses_to_show = ["applied", "suspended", "withdrawn", "rejected"]
        self.commitment_statuses_to_show = [status for status, _ in _COMMITMENT_STATUSES]

    def staff(self, existing: dict[str, int], batch: Batch) -> None:
        """The secretariat and organiser accounts, unless they exist already."""
        for email, name, role in (
            (SECRETARIAT_EMAIL, "Secrétariat Pact for Impact", "secretariat"),
            (ORGANISER_EMAIL, "Event Organiser", "organiser"),
        ):
            user_id = existing.get(email)
            if user_id is None:
                user_id = self.ids("user")
                created = DEMO_NOW - timedelta(days=800)
                batch["user"].append(
                    (
                        user_id,
                        email,
                        name,
                        "fr" if role == "secretariat" else "en",
                        role,
                        True,
                        self.password_hash,
                        False,
                        created,
                        created,
                    )
                )
            if role == "secretariat":
                self.secretariat_id = user_id
            else:
                self.organiser_id = user_id
        self.history.secretariat_id = self.secretariat_id

    def catalogue(self, batch: Batch) -> None:
        """The thematic programmes and their proposals."""
        created = DEMO_NOW - timedelta(days=900)
        for programme in catalogue.PROGRAMMES:
            programme_id = self.ids("programme")
            batch["programme"].append(
                (
                    programme_id,
                    programme["code"],
                    *programme["name"],
                    *programme["description"],
                    True,
                    created,
                    created,
                )
            )
            batch["programme_goal"].extend((programme_id, goal) for goal in programme["goals"])
            info = {"id": programme_id, "goals": programme["goals"], "proposals": []}
            self.programmes.append(info)
            for spec in programme["proposals"]:
                proposal_id = self.ids("proposal")
                batch["proposal"].append(
                    (
                        proposal_id,
                        programme_id,
                        *spec["title"],
                        *spec["text"],
                        True,
                        created,
                        created,
                    )
                )
                batch["proposal_organisation_type"].extend((proposal_id, t) for t in spec["types"])
                batch["proposal_target"].extend((proposal_id, t) for t in spec["targets"])
                batch["proposal_dimension"].extend((proposal_id, d) for d in spec["dimensions"])
                for name_en, name_fr, unit, direction, dimension, *_ranges in spec["indicators"]:
                    batch["proposal_indicator"].append(
                        (
                            self.ids("proposal_indicator"),
                            proposal_id,
                            name_en,
                            name_fr,
                            unit,
                            direction,
                            dimension,
                        )
                    )
                proposal = {**spec, "id": proposal_id, "programme": info}
                info["proposals"].append(proposal)
                for organisation_type in spec["types"]:
                    self.proposals_by_type.setdefault(organisation_type, []).append(proposal)

    def signatories(self, count: int, commitments_per_signatory: float, batch: Batch) -> None:
        """``count`` signatories with their member, their commitments and their activity log."""
        since = activity_log.marks(batch)
        for _ in range(count):
            signatory = self._signatory(batch)
            share = _COMMITMENT_SHARE[signatory["status"]]
            if share:
                wanted = commitments_per_signatory * share * self.rng.choice(_SPREAD)
                for _ in range(int(wanted + self.rng.random())):
                    self._commitment(signatory, batch)
        activity_log.log_chunk(batch, since, self.ids, self.secretariat_id)

    def _place(self, organisation_type: str):
        rng = self.rng
        if organisation_type == "international_institution":
            # Headquarters in the cities that host such bodies.
            country = rng.choice(
                [
                    c
                    for c in self.countries
                    if c[0] in ("FR", "BE", "CH", "SN", "CI", "CA", "KE", "ES")
                ]
            )
        else:
            country = rng.choices(self.countries, self.country_weights)[0]
        code, _weight, country_en, of_country, currency, places = country
        city, subdivision, region, language = rng.choice(places)
        if subdivision not in self.reference.subdivisions:
            subdivision = None
        return {
            "country": code,
            "country_name": country_en,
            "of_country": of_country or "",
            "currency": currency,
            "city": city,
            "subdivision": subdivision,
            "region": region,
            "language": language,
        }

    def _name(self, organisation_type: str, place: dict) -> str:
        rng = self.rng
        language = place["language"]
        french = language == "fr"
        pick = lambda pairs: rng.choice(pairs)[1 if french else 0]  # noqa: E731
        theme = rng.choice(vocabulary.THEMES)
        fields = {
            "city": place["city"],
            "de_city": _de(place["city"]),
            "region": place["region"],
            "de_region": _de(place["region"]),
            "country": place["country_name"],
            "of_country": place["of_country"],
            "theme": theme[1 if french else 0],
            "theme_du": theme[2],
            "adjective": pick(vocabulary.ADJECTIVES),
            "activity": pick(vocabulary.ACTIVITIES),
            "cause": pick(vocabulary.CAUSES),
            "field": pick(vocabulary.FIELDS),
            "portfolio": pick(vocabulary.PORTFOLIOS),
            "institution": pick(vocabulary.INSTITUTIONS),
            "surname": rng.choice(vocabulary.SURNAMES),
            "brand": rng.choice(vocabulary.BRAND_HEADS) + rng.choice(vocabulary.BRAND_TAILS),
        }
        pattern = rng.choice(vocabulary.NAME_PATTERNS[organisation_type][language])
        return pattern.format(**fields)[:200]

    def _unique_slug(self, name: str) -> str:
        base = slugify(name) or "signatory"
        slug, number = base, 1
        while slug in self.slugs:
            number += 1
            slug = f"{base}-{number}"
        self.slugs.add(slug)
        return slug

    def _signatory(self, batch: Batch) -> dict:
        rng, ids = self.rng, self.ids
        organisation_type = rng.choices(self.types, self.type_weights)[0]
        status = rng.choices(*self.signatory_statuses)[0]
        if self.types_to_show:
            organisation_type, status = self.types_to_show.pop(0), "approved"
        elif self.signatory_statuses_to_show:
            status = self.signatory_statuses_to_show.pop(0)
        place = self._place(organisation_type)
        name = self._name(organisation_type, place)
        slug = self._unique_slug(name)
        created = DEMO_NOW - timedelta(days=rng.randint(400, 1100), seconds=rng.randint(0, 86399))
        if status == "applied":
            created = DEMO_NOW - timedelta(days=rng.randint(2, 60), seconds=rng.randint(0, 86399))
        signed_on = None
        if status in ("approved", "suspended", "withdrawn"):
            signed_on = (created + timedelta(days=rng.randint(5, 40))).date()
        words = [w for w in re.split(r"[\s'’–-]+", name) if len(w) > 3 and w[0].isupper()]
        acronym = "".join(w[0] for w in words).upper() if len(words) >= 3 else None
        language = place["language"]
        sentences = vocabulary.SIGNATORY_DESCRIPTIONS[language]
        description = " ".join(rng.sample(sentences, 2)).format(
            year=rng.randint(1975, 2022),
            city=place["city"],
            people=rng.randint(20, 5000),
            region=place["region"],
        )
        signatory_id = ids("signatory")
        batch["signatory"].append(
            (
                signatory_id,
                name,
                acronym,
                slug,
                organisation_type,
                place["country"],
                place["subdivision"],
                place["city"],
                f"https://{demo_domain(slug)}",
                description,
                status,
                signed_on,
                _STATUS_REASONS.get(status),
                created,
                created,
            )
        )
        user_id = ids("user")
        first = rng.choice(vocabulary.FIRST_NAMES[language])
        person = f"{first} {rng.choice(vocabulary.SURNAMES)}"
        batch["user"].append(
            (
                user_id,
                f"contact@{demo_domain(slug)}",
                person,
                language,
                "member",
                True,
                self.password_hash,
                rng.random() < 0.03,
                created,
                created,
            )
        )
        batch["membership"].append(
            (ids("membership"), user_id, signatory_id, True, created, created)
        )
        if self.colleague_rng.random() < COLLEAGUE_SHARE:
            self._colleague(signatory_id, slug, language, created, batch)
        return {
            "id": signatory_id,
            "type": organisation_type,
            "status": status,
            "place": place,
            "member_id": user_id,
            "slug": slug,
            "created": created,
        }

    def _colleague(self, signatory_id: int, slug: str, language: str, created, batch) -> None:
        """A second member of the organisation (not its admin), drawn from a random of its own."""
        rng = self.colleague_rng
        first = rng.choice(vocabulary.FIRST_NAMES[language])
        surname = rng.choice(vocabulary.SURNAMES)
        user_id = self.ids("user")
        joined = created + timedelta(days=rng.randint(10, 300))
        email = f"{slugify(first)}.{slugify(surname)}@{demo_domain(slug)}"
        batch["user"].append(
            (user_id, email, f"{first} {surname}", language, "member", True,
             self.password_hash, False, joined, joined)
        )  # fmt: skip
        batch["membership"].append(
            (self.ids("membership"), user_id, signatory_id, False, joined, joined)
        )

    def _commitment(self, signatory: dict, batch: Batch) -> None:
        rng, ids = self.rng, self.ids
        status = rng.choices(*self.commitment_statuses)[0]
        if signatory["status"] == "approved" and self.commitment_statuses_to_show:
            status = self.commitment_statuses_to_show.pop(0)
        elif signatory["status"] == "applied":
            status = rng.choice(("draft", "submitted"))
        elif signatory["status"] == "withdrawn" and status not in history.CLOSED:
            status = "withdrawn"
        place, language = signatory["place"], signatory["place"]["language"]
        french = language == "fr"
        proposals = self.proposals_by_type.get(signatory["type"])
        if proposals and rng.random() < 0.82:
            proposal = rng.choice(proposals)
            programme = proposal["programme"]
            indicator_specs = proposal["indicators"]
            targets = list(proposal["targets"])
            if len(targets) > 1 and rng.random() < 0.3:
                targets = rng.sample(targets, len(targets) - 1)
            dimensions = proposal["dimensions"]
            intro = proposal["text"][1 if french else 0]
        else:
            proposal = None
            programme = rng.choice(self.programmes)
            indicator_specs = rng.sample(catalogue.CUSTOM_INDICATORS, rng.randint(1, 2))
            goal_targets = self.reference.targets_by_goal.get(rng.choice(programme["goals"]), ())
            targets = rng.sample(goal_targets, min(len(goal_targets), rng.randint(1, 2)))
            dimensions = tuple(dict.fromkeys(spec[4] for spec in indicator_specs))
            intro = ""
        timeline = self.history.timeline(status)
        start, due = timeline["start"], timeline["due"]
        indicators = [self._indicator(spec, targets, french) for spec in indicator_specs]
        if proposal:
            pattern = proposal["pattern"][1 if french else 0]
        else:
            pattern = rng.choice(catalogue.CUSTOM_TITLES)[1 if french else 0]
        where = self._where(place, signatory["type"], french)
        title = pattern.format(n=_plain(indicators[0][2]), place=where, year=due.year)[:200]
        description = _description(intro, title, place, french, rng, short=status == "draft")
        if signatory["type"] == "international_institution":
            scope, country, subdivision = "international", None, None
        elif signatory["type"] in ("state", "federation"):
            scope, country, subdivision = "national", place["country"], None
        else:
            scope, country, subdivision = "subnational", place["country"], place["subdivision"]
        cadence = rng.choices(*self.cadences)[0]
        funding = currency = None
        if rng.random() < 0.3:
            funding = Decimal(rng.randint(5, 2000) * 1000)
            currency = place["currency"]
        visibility = "private" if rng.random() < 0.05 else "public"
        commitment_id = ids("commitment")
        member = signatory["member_id"]
        dated = self.history.write(
            commitment_id,
            status,
            timeline,
            cadence,
            member,
            indicators,
            dimensions,
            demo_domain(signatory["slug"]),
            french,
            batch,
        )
        batch["commitment"].append(
            (
                commitment_id,
                signatory["id"],
                programme["id"],
                proposal and proposal["id"],
                title,
                description,
                language,
                status,
                scope,
                country,
                subdivision,
                start,
                due,
                cadence,
                funding,
                currency,
                visibility,
                member,
                dated["submitted_at"],
                dated["approved_at"],
                dated["published_at"],
                dated["closed_at"],
                dated["last_reported_at"],
                dated["report_due_at"],
                dated["inactive_at"],
                goal_mask_of(targets),
                timeline["created"],
                dated["updated_at"],
            )
        )
        batch["commitment_target"].extend((commitment_id, t) for t in targets)
        batch["commitment_dimension"].extend((commitment_id, d) for d in dimensions)
        for indicator_id, name, _target, spec_row in indicators:
            batch["indicator"].append((indicator_id, commitment_id, name, *spec_row))
        milestones = proposal["milestones"] if proposal else ()
        for index, title_pair in enumerate(milestones):
            self.history.milestone(
                commitment_id,
                title_pair[1 if french else 0],
                timeline,
                index,
                len(milestones),
                batch,
            )

    def _indicator(self, spec, targets, french: bool):
        rng = self.rng
        name_en, name_fr, unit, direction, dimension, (low, high), (gain_low, gain_high) = spec
        baseline = rng.randint(low, high)
        gain = rng.randint(gain_low, gain_high)
        if direction == "increase":
            target = baseline + gain
        elif direction == "decrease":
            target = max(baseline - gain, baseline // 5)
        else:
            target = baseline
        sdg_indicator = None
        if rng.random() < 0.4:
            candidates = self.reference.indicators_by_target.get(targets[0] if targets else "", ())
            sdg_indicator = candidates[0] if candidates else None
        name = name_fr if french else name_en
        row = (unit, dimension, sdg_indicator, Decimal(baseline), Decimal(target), direction)
        return (self.ids("indicator"), name, target, row)

    def _where(self, place: dict, organisation_type: str, french: bool) -> str:
        if organisation_type in ("state", "federation", "international_institution"):
            if not french:
                return place["country_name"]
            of = place["of_country"]
            if place["country"] == "FR":
                return "en France"
            for prefix, replacement in (
                ("du ", "au "),
                ("de la ", "en "),
                ("d'", "en "),
                ("de ", "en "),
            ):
                if of.startswith(prefix):
                    return replacement + of[len(prefix) :]
            return of
        return f"à {place['city']}" if french else place["city"]


def _plain(number: int) -> str:
    return f"{number:,}".replace(",", " ") if number >= 10000 else str(number)


def _description(intro, title, place, french, rng, short=False) -> str:
    if french:
        parts = [
            intro,
            f"Notre engagement : {title[0].lower()}{title[1:]}.",
            f"Nous travaillerons avec les acteurs locaux de {place['region']} et rendrons "
            "compte de nos progrès à chaque échéance, chiffres et témoignages à l'appui.",
            "Un comité de suivi réunissant salariés, bénévoles et partenaires se réunit "
            "chaque trimestre pour ajuster le plan d'action.",
        ]
    else:
        parts = [
            intro,
            f"Our commitment: {title[0].lower()}{title[1:]}.",
            f"We will work with local partners in {place['region']} and report our progress "
            "at every deadline, with figures and stories from the people involved.",
            "A follow-up committee of staff, volunteers and partners meets every quarter to "
            "adjust the action plan.",
        ]
    if short:
        return " ".join(p for p in parts[:2] if p)
    return " ".join(p for p in parts if p)
