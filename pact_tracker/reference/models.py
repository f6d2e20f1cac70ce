"""The common lexicon: SDGs, organisation types, impact dimensions, countries.

Loaded by ``flask pact init`` from ``reference/data`` and pycountry; codes are
the primary keys so that other tables and API clients can use them directly.
"""

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pact_tracker.extensions import db


class Bilingual:
    """Pick the English or French text of a field by locale."""

    def localised(self, field: str, locale: str = "en") -> str:
        value = getattr(self, f"{field}_{locale}", None)
        return value or getattr(self, f"{field}_en")


class SdgGoal(Bilingual, db.Model):
    __tablename__ = "sdg_goal"

    number: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    title_en: Mapped[str] = mapped_column(sa.Text, nullable=False)
    title_fr: Mapped[str] = mapped_column(sa.Text, nullable=False)
    short_en: Mapped[str] = mapped_column(sa.String(80), nullable=False)
    short_fr: Mapped[str] = mapped_column(sa.String(80), nullable=False)
    #: The goal's official colour, ``#RRGGBB``.
    colour: Mapped[str] = mapped_column(sa.String(7), nullable=False)

    targets: Mapped[list["SdgTarget"]] = relationship(
        back_populates="goal", order_by="SdgTarget.position"
    )

    def __repr__(self) -> str:
        return f"<SdgGoal {self.number} {self.short_en!r}>"


class SdgTarget(Bilingual, db.Model):
    __tablename__ = "sdg_target"

    #: Official code, e.g. ``1.1`` or ``17.a``.
    code: Mapped[str] = mapped_column(sa.String(8), primary_key=True)
    goal_number: Mapped[int] = mapped_column(
        sa.ForeignKey("sdg_goal.number"), nullable=False, index=True
    )
    #: Order within the goal as published (numbers first, then letters).
    position: Mapped[int] = mapped_column(nullable=False)
    text_en: Mapped[str] = mapped_column(sa.Text, nullable=False)
    text_fr: Mapped[str] = mapped_column(sa.Text, nullable=False)

    goal: Mapped[SdgGoal] = relationship(back_populates="targets")
    indicators: Mapped[list["SdgIndicator"]] = relationship(
        back_populates="target", order_by="SdgIndicator.position"
    )

    def __repr__(self) -> str:
        return f"<SdgTarget {self.code}>"


class SdgIndicator(Bilingual, db.Model):
    __tablename__ = "sdg_indicator"

    #: Official code, e.g. ``1.1.1``.
    code: Mapped[str] = mapped_column(sa.String(12), primary_key=True)
    target_code: Mapped[str] = mapped_column(
        sa.ForeignKey("sdg_target.code"), nullable=False, index=True
    )
    position: Mapped[int] = mapped_column(nullable=False)
    text_en: Mapped[str] = mapped_column(sa.Text, nullable=False)
    text_fr: Mapped[str] = mapped_column(sa.Text, nullable=False)
    #: UN Statistics Division series code, e.g. ``C010101``.
    unsd_code: Mapped[str | None] = mapped_column(sa.String(16))

    target: Mapped[SdgTarget] = relationship(back_populates="indicators")

    def __repr__(self) -> str:
        return f"<SdgIndicator {self.code}>"


class OrganisationType(Bilingual, db.Model):
    __tablename__ = "organisation_type"

    code: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    position: Mapped[int] = mapped_column(nullable=False)
    label_en: Mapped[str] = mapped_column(sa.String(120), nullable=False)
    label_fr: Mapped[str] = mapped_column(sa.String(120), nullable=False)

    def __repr__(self) -> str:
        return f"<OrganisationType {self.code}>"


class ImpactDimension(Bilingual, db.Model):
    """One of the four things VISES asks an organisation to show."""

    __tablename__ = "impact_dimension"

    code: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    position: Mapped[int] = mapped_column(nullable=False)
    label_en: Mapped[str] = mapped_column(sa.String(120), nullable=False)
    label_fr: Mapped[str] = mapped_column(sa.String(120), nullable=False)
    description_en: Mapped[str] = mapped_column(sa.Text, nullable=False)
    description_fr: Mapped[str] = mapped_column(sa.Text, nullable=False)

    def __repr__(self) -> str:
        return f"<ImpactDimension {self.code}>"


class Country(Bilingual, db.Model):
    __tablename__ = "country"

    #: ISO 3166-1 alpha-2.
    code: Mapped[str] = mapped_column(sa.String(2), primary_key=True)
    alpha3: Mapped[str] = mapped_column(sa.String(3), nullable=False, unique=True)
    name_en: Mapped[str] = mapped_column(sa.String(120), nullable=False)
    name_fr: Mapped[str] = mapped_column(sa.String(120), nullable=False)

    def __repr__(self) -> str:
        return f"<Country {self.code}>"


class Subdivision(db.Model):
    __tablename__ = "subdivision"

    #: ISO 3166-2, e.g. ``FR-IDF``.
    code: Mapped[str] = mapped_column(sa.String(12), primary_key=True)
    country_code: Mapped[str] = mapped_column(
        sa.ForeignKey("country.code"), nullable=False, index=True
    )
    name: Mapped[str] = mapped_column(sa.String(160), nullable=False)
    #: pycountry's category, e.g. ``Region`` or ``Metropolitan department``.
    category: Mapped[str] = mapped_column(sa.String(80), nullable=False)

    def __repr__(self) -> str:
        return f"<Subdivision {self.code}>"
