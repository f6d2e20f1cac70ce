"""The fixed parts of the lexicon that are ours rather than the UN's or ISO's."""

#: Organisation types: (code, English label, French label), in display order.
ORGANISATION_TYPES = (
    ("state", "State", "État"),
    ("international_institution", "International institution", "Institution internationale"),
    ("local_authority", "Local or regional authority", "Collectivité locale ou régionale"),
    ("association", "Association", "Association"),
    ("cooperative", "Cooperative", "Coopérative"),
    ("mutual", "Mutual", "Mutuelle"),
    ("foundation", "Foundation", "Fondation"),
    ("committed_company", "Committed company", "Entreprise engagée"),
    ("federation", "Federation or network", "Fédération ou réseau"),
    ("research_centre", "Research centre", "Centre de recherche"),
    ("solidarity_finance", "Solidarity finance institution", "Institution de finance solidaire"),
)

#: The four things VISES asks an organisation to show about its social impact.
IMPACT_DIMENSIONS = (
    (
        "economic_performance",
        "Economic performance",
        "Performance économique",
        "Jobs, turnover, financial sustainability and the economic value created.",
        "Emplois, chiffre d'affaires, pérennité financière et valeur économique créée.",
    ),
    (
        "social_performance",
        "Social performance",
        "Performance sociale",
        "Quality of jobs, inclusion, governance and the people served.",
        "Qualité des emplois, inclusion, gouvernance et personnes accompagnées.",
    ),
    (
        "territorial_anchoring",
        "Territorial anchoring",
        "Ancrage territorial",
        "Local partnerships, short circuits and activity that stays in the territory.",
        "Partenariats locaux, circuits courts et activité qui reste sur le territoire.",
    ),
    (
        "societal_transformation",
        "Social and societal transformation",
        "Transformation sociale et sociétale",
        "Innovation, advocacy and changes in practices and public policies.",
        "Innovation, plaidoyer et évolution des pratiques et des politiques publiques.",
    ),
)
