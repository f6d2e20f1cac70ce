"""The demo's thematic programmes and their commitment proposals, in English and French.

Each proposal carries what the generator needs to turn it into commitments:
indicators with plausible baselines and gains, a title pattern (``{n}`` is the
first indicator's target, ``{place}`` the territory, ``{year}`` the due year)
and milestones.
"""

E, S, T, X = (
    "economic_performance",
    "social_performance",
    "territorial_anchoring",
    "societal_transformation",
)
PUBLIC = ("state", "local_authority", "international_institution")
SSE = ("association", "cooperative", "mutual")
FUNDERS = ("foundation", "solidarity_finance")


def _proposal(title, text, types, targets, dimensions, indicators, pattern, milestones):
    return {
        "title": title,
        "text": text,
        "types": types,
        "targets": targets,
        "dimensions": dimensions,
        "indicators": indicators,
        "pattern": pattern,
        "milestones": milestones,
    }


PROGRAMMES = (
    {
        "code": "SSE-FIN",
        "name": (
            "Financing the social and solidarity economy",
            "Financer l'économie sociale et solidaire",
        ),
        "description": (
            "Mobilise patient, solidarity and public finance so that social and solidarity economy "
            "enterprises can start, grow and last.",
            "Mobiliser une finance patiente, solidaire et publique pour que les entreprises de "
            "l'économie sociale et solidaire puissent naître, grandir et durer.",
        ),
        "goals": (8, 10, 17),
        "proposals": (
            _proposal(
                ("Open a solidarity investment fund", "Créer un fonds d'investissement solidaire"),
                (
                    "Set up a fund that takes equity or quasi-equity in SSE enterprises.",
                    "Créer un fonds qui entre au capital ou en quasi-fonds propres d'entreprises "
                    "de l'ESS.",
                ),
                FUNDERS + ("state", "federation"),
                ("8.3", "8.10", "17.3"),
                (E, X),
                (
                    (
                        "SSE enterprises financed",
                        "Entreprises de l'ESS financées",
                        "enterprises",
                        "increase",
                        E,
                        (0, 10),
                        (20, 150),
                    ),
                    (
                        "Amount invested",
                        "Montant investi",
                        "kEUR",
                        "increase",
                        E,
                        (0, 200),
                        (500, 5000),
                    ),
                ),
                (
                    "Finance {n} social economy enterprises in {place} by {year}",
                    "Financer {n} entreprises de l'ESS {place} d'ici {year}",
                ),
                (
                    ("Investment committee set up", "Comité d'investissement constitué"),
                    ("First investments made", "Premiers investissements réalisés"),
                    ("Impact report published", "Rapport d'impact publié"),
                ),
            ),
            _proposal(
                ("Guarantee loans to cooperatives", "Garantir les prêts aux coopératives"),
                (
                    "Offer guarantees so that banks lend to cooperatives and associations.",
                    "Offrir des garanties pour que les banques prêtent aux coopératives et "
                    "associations.",
                ),
                FUNDERS + ("state", "local_authority"),
                ("8.10", "8.3"),
                (E, T),
                (
                    (
                        "Loans guaranteed",
                        "Prêts garantis",
                        "loans",
                        "increase",
                        E,
                        (0, 20),
                        (30, 300),
                    ),
                ),
                (
                    "Guarantee {n} loans to cooperatives in {place} by {year}",
                    "Garantir {n} prêts aux coopératives {place} d'ici {year}",
                ),
                (
                    ("Agreement signed with partner banks", "Convention signée avec les banques"),
                    ("Guarantee scheme launched", "Dispositif de garantie lancé"),
                ),
            ),
            _proposal(
                (
                    "Mobilise citizen savings for local projects",
                    "Mobiliser l'épargne citoyenne pour les projets locaux",
                ),
                (
                    "Collect solidarity savings and lend them to projects of the territory.",
                    "Collecter une épargne solidaire et la prêter aux projets du territoire.",
                ),
                ("solidarity_finance", "mutual", "cooperative", "association"),
                ("8.10", "10.2"),
                (E, T),
                (
                    (
                        "Solidarity savers",
                        "Épargnants solidaires",
                        "people",
                        "increase",
                        T,
                        (50, 500),
                        (200, 3000),
                    ),
                    (
                        "Savings collected",
                        "Épargne collectée",
                        "kEUR",
                        "increase",
                        E,
                        (10, 300),
                        (200, 2000),
                    ),
                ),
                (
                    "Bring {n} citizens to invest in local projects in {place} by {year}",
                    "Amener {n} citoyens à investir dans les projets locaux {place} d'ici {year}",
                ),
                (
                    ("Savings product launched", "Produit d'épargne lancé"),
                    ("First projects financed", "Premiers projets financés"),
                ),
            ),
            _proposal(
                (
                    "Adopt a national SSE financing strategy",
                    "Adopter une stratégie nationale de financement de l'ESS",
                ),
                (
                    "Write and fund a national strategy with dedicated instruments for the SSE.",
                    "Élaborer et financer une stratégie nationale dotée d'instruments dédiés à "
                    "l'ESS.",
                ),
                ("state", "international_institution"),
                ("17.14", "8.3"),
                (X, E),
                (
                    (
                        "Public budget committed",
                        "Budget public engagé",
                        "MEUR",
                        "increase",
                        E,
                        (0, 5),
                        (10, 100),
                    ),
                ),
                (
                    "Commit {n} million to a national SSE financing strategy by {year}",
                    "Consacrer {n} millions à une stratégie nationale de financement de l'ESS "
                    "d'ici {year}",
                ),
                (
                    ("Consultation of stakeholders", "Concertation des acteurs"),
                    ("Strategy adopted", "Stratégie adoptée"),
                    ("First calls for projects", "Premiers appels à projets"),
                ),
            ),
        ),
    },
    {
        "code": "INCL-WORK",
        "name": ("Social inclusion through work", "L'inclusion sociale par le travail"),
        "description": (
            "Create quality jobs for people far from employment, with training and support.",
            "Créer des emplois de qualité pour les personnes éloignées de l'emploi, avec formation "
            "et accompagnement.",
        ),
        "goals": (8, 10, 1),
        "proposals": (
            _proposal(
                (
                    "Create jobs for people far from employment",
                    "Créer des emplois pour les personnes éloignées de l'emploi",
                ),
                (
                    "Hire and train people who have been out of work for a long time.",
                    "Embaucher et former des personnes longtemps privées d'emploi.",
                ),
                SSE + ("committed_company", "local_authority"),
                ("8.5", "10.2"),
                (S, E),
                (
                    (
                        "Inclusive jobs created",
                        "Emplois d'insertion créés",
                        "jobs",
                        "increase",
                        S,
                        (0, 15),
                        (10, 120),
                    ),
                    (
                        "People back in lasting work",
                        "Sorties vers l'emploi durable",
                        "%",
                        "increase",
                        S,
                        (20, 40),
                        (15, 30),
                    ),
                ),
                (
                    "Create {n} inclusive jobs in {place} by {year}",
                    "Créer {n} emplois d'insertion {place} d'ici {year}",
                ),
                (
                    ("Support staff recruited", "Encadrants recrutés"),
                    ("First cohort hired", "Première cohorte embauchée"),
                    ("Mid-term review", "Bilan à mi-parcours"),
                ),
            ),
            _proposal(
                (
                    "Reserve jobs for people with disabilities",
                    "Réserver des emplois aux personnes en situation de handicap",
                ),
                (
                    "Adapt workstations and recruit people with disabilities.",
                    "Adapter les postes de travail et recruter des personnes en situation de "
                    "handicap.",
                ),
                ("committed_company", "cooperative", "mutual", "local_authority", "state"),
                ("8.5", "10.2"),
                (S,),
                (
                    (
                        "Employees with disabilities",
                        "Salariés en situation de handicap",
                        "people",
                        "increase",
                        S,
                        (0, 10),
                        (5, 60),
                    ),
                ),
                (
                    "Employ {n} people with disabilities in {place} by {year}",
                    "Employer {n} personnes en situation de handicap {place} d'ici {year}",
                ),
                (
                    ("Workstations adapted", "Postes adaptés"),
                    ("Recruitment campaign", "Campagne de recrutement"),
                ),
            ),
            _proposal(
                (
                    "Fund territories with zero long-term unemployment",
                    "Financer des territoires zéro chômeur de longue durée",
                ),
                (
                    "Redirect the cost of unemployment to fund useful jobs on a territory.",
                    "Réorienter le coût du chômage pour financer des emplois utiles sur un "
                    "territoire.",
                ),
                ("state", "local_authority", "federation", "foundation"),
                ("8.5", "1.2", "10.2"),
                (S, T, X),
                (
                    (
                        "Long-term unemployed hired",
                        "Chômeurs de longue durée embauchés",
                        "people",
                        "increase",
                        S,
                        (0, 20),
                        (30, 200),
                    ),
                    (
                        "Long-term unemployment rate",
                        "Taux de chômage de longue durée",
                        "%",
                        "decrease",
                        T,
                        (8, 15),
                        (2, 6),
                    ),
                ),
                (
                    "Hire {n} long-term unemployed people in {place} by {year}",
                    "Embaucher {n} chômeurs de longue durée {place} d'ici {year}",
                ),
                (
                    ("Territorial committee formed", "Comité local pour l'emploi constitué"),
                    ("Employment enterprise opened", "Entreprise à but d'emploi ouverte"),
                ),
            ),
        ),
    },
    {
        "code": "CIRC-ECO",
        "name": ("Circular economy", "Économie circulaire"),
        "description": (
            "Repair, reuse and recycle close to home, and turn waste into jobs.",
            "Réparer, réemployer et recycler au plus près, et faire des déchets des emplois.",
        ),
        "goals": (12, 11, 13),
        "proposals": (
            _proposal(
                (
                    "Open repair and reuse centres",
                    "Ouvrir des ressourceries et ateliers de réparation",
                ),
                (
                    "Collect objects, repair them and sell them at fair prices.",
                    "Collecter les objets, les réparer et les revendre à prix solidaires.",
                ),
                SSE + ("local_authority", "committed_company"),
                ("12.5", "11.6"),
                (T, E),
                (
                    (
                        "Tonnes diverted from landfill",
                        "Tonnes détournées de l'enfouissement",
                        "t",
                        "increase",
                        T,
                        (0, 50),
                        (50, 800),
                    ),
                    (
                        "Objects repaired",
                        "Objets réparés",
                        "objects",
                        "increase",
                        E,
                        (0, 500),
                        (500, 8000),
                    ),
                ),
                (
                    "Divert {n} tonnes of waste from landfill in {place} by {year}",
                    "Détourner {n} tonnes de déchets de l'enfouissement {place} d'ici {year}",
                ),
                (
                    ("Premises secured", "Local trouvé"),
                    ("Centre opened", "Ressourcerie ouverte"),
                    ("Second collection point", "Second point de collecte"),
                ),
            ),
            _proposal(
                ("Collect and recycle textiles", "Collecter et recycler les textiles"),
                (
                    "Organise collection, sorting and recycling of clothing with inclusive jobs.",
                    "Organiser la collecte, le tri et le recyclage des vêtements avec des "
                    "emplois d'insertion.",
                ),
                ("cooperative", "association", "committed_company", "federation"),
                ("12.5", "8.4"),
                (T, S),
                (
                    (
                        "Textiles collected",
                        "Textiles collectés",
                        "t",
                        "increase",
                        T,
                        (0, 100),
                        (100, 1500),
                    ),
                ),
                (
                    "Collect {n} tonnes of textiles in {place} by {year}",
                    "Collecter {n} tonnes de textiles {place} d'ici {year}",
                ),
                (
                    ("Sorting line installed", "Chaîne de tri installée"),
                    ("Recycling partner found", "Partenaire de recyclage trouvé"),
                ),
            ),
            _proposal(
                (
                    "Cut single-use plastics in public buildings",
                    "Supprimer le plastique à usage unique dans les bâtiments publics",
                ),
                (
                    "Replace single-use plastics with reusable alternatives in canteens and "
                    "offices.",
                    "Remplacer le plastique jetable par du réutilisable dans les cantines et "
                    "bureaux.",
                ),
                PUBLIC + ("research_centre",),
                ("12.5", "14.1"),
                (X,),
                (
                    (
                        "Single-use plastic items bought",
                        "Articles plastiques jetables achetés",
                        "thousand items",
                        "decrease",
                        X,
                        (100, 500),
                        (80, 400),
                    ),
                ),
                (
                    "Cut single-use plastic purchases to {n} thousand items in {place} by {year}",
                    "Réduire les achats de plastique jetable à {n} milliers d'articles {place} "
                    "d'ici {year}",
                ),
                (
                    ("Inventory of purchases", "Inventaire des achats"),
                    (
                        "Reusable alternatives in every canteen",
                        "Alternatives réutilisables dans chaque cantine",
                    ),
                ),
            ),
        ),
    },
    {
        "code": "FOOD-SYS",
        "name": ("Sustainable food systems", "Systèmes alimentaires durables"),
        "description": (
            "Short supply chains, fair prices for farmers and healthy food for all.",
            "Circuits courts, prix justes pour les producteurs et une alimentation saine pour "
            "tous.",
        ),
        "goals": (2, 12, 3),
        "proposals": (
            _proposal(
                (
                    "Source school meals from local farmers",
                    "Approvisionner la restauration scolaire auprès des producteurs locaux",
                ),
                (
                    "Buy a growing share of school meals from local and organic farms.",
                    "Acheter une part croissante des repas scolaires à des fermes locales et bio.",
                ),
                ("local_authority", "state", "cooperative"),
                ("2.3", "12.7", "2.4"),
                (T, E),
                (
                    (
                        "Local products in school meals",
                        "Produits locaux dans les repas scolaires",
                        "%",
                        "increase",
                        T,
                        (5, 25),
                        (20, 50),
                    ),
                ),
                (
                    "Serve {n}% local food in school meals in {place} by {year}",
                    "Servir {n} % de produits locaux dans les cantines {place} d'ici {year}",
                ),
                (
                    ("Supplier mapping", "Cartographie des producteurs"),
                    ("New procurement contract", "Nouveau marché d'approvisionnement"),
                ),
            ),
            _proposal(
                ("Open solidarity groceries", "Ouvrir des épiceries solidaires"),
                (
                    "Give households on low incomes access to quality food at low prices.",
                    "Donner aux ménages modestes l'accès à une alimentation de qualité à petit "
                    "prix.",
                ),
                ("association", "mutual", "foundation", "cooperative"),
                ("2.1", "1.4"),
                (S, T),
                (
                    (
                        "Households served",
                        "Ménages accompagnés",
                        "households",
                        "increase",
                        S,
                        (0, 100),
                        (100, 1500),
                    ),
                ),
                (
                    "Serve {n} households through solidarity groceries in {place} by {year}",
                    "Accueillir {n} ménages dans des épiceries solidaires {place} d'ici {year}",
                ),
                (
                    ("First grocery opened", "Première épicerie ouverte"),
                    ("Volunteers trained", "Bénévoles formés"),
                ),
            ),
            _proposal(
                ("Support farmers' cooperatives", "Soutenir les coopératives de producteurs"),
                (
                    "Help small farmers organise to sell and process together.",
                    "Aider les petits producteurs à s'organiser pour vendre et transformer "
                    "ensemble.",
                ),
                (
                    "international_institution",
                    "federation",
                    "solidarity_finance",
                    "state",
                    "research_centre",
                ),
                ("2.3", "2.4", "17.17"),
                (E, T),
                (
                    (
                        "Farmers in cooperatives",
                        "Producteurs en coopérative",
                        "farmers",
                        "increase",
                        E,
                        (50, 500),
                        (200, 3000),
                    ),
                    ("Farm income", "Revenu agricole", "% change", "increase", E, (0, 0), (10, 40)),
                ),
                (
                    "Bring {n} farmers into cooperatives in {place} by {year}",
                    "Réunir {n} producteurs en coopératives {place} d'ici {year}",
                ),
                (
                    ("Baseline survey", "Enquête de référence"),
                    (
                        "Training of cooperative leaders",
                        "Formation des responsables de coopératives",
                    ),
                ),
            ),
        ),
    },
    {
        "code": "CITY-INNO",
        "name": ("Social innovation in cities", "Innovation sociale dans les villes"),
        "description": (
            "Cities and local actors experiment together with new answers to social needs.",
            "Les villes et les acteurs locaux expérimentent ensemble de nouvelles réponses aux "
            "besoins sociaux.",
        ),
        "goals": (11, 10, 17),
        "proposals": (
            _proposal(
                ("Open a social innovation lab", "Ouvrir un laboratoire d'innovation sociale"),
                (
                    "Host and support projects that test new answers to local social needs.",
                    "Accueillir et accompagner des projets qui testent de nouvelles réponses aux "
                    "besoins locaux.",
                ),
                ("local_authority", "research_centre", "federation", "foundation"),
                ("11.3", "17.17"),
                (X, T),
                (
                    (
                        "Projects supported",
                        "Projets accompagnés",
                        "projects",
                        "increase",
                        X,
                        (0, 5),
                        (10, 80),
                    ),
                ),
                (
                    "Support {n} social innovation projects in {place} by {year}",
                    "Accompagner {n} projets d'innovation sociale {place} d'ici {year}",
                ),
                (
                    ("Lab opened", "Laboratoire ouvert"),
                    ("First call for projects", "Premier appel à projets"),
                    ("Public demo day", "Journée de restitution publique"),
                ),
            ),
            _proposal(
                (
                    "Entrust public spaces to citizen initiatives",
                    "Confier des lieux publics à des initiatives citoyennes",
                ),
                (
                    "Lend vacant public buildings to associations and cooperatives.",
                    "Prêter des bâtiments publics vacants à des associations et coopératives.",
                ),
                ("local_authority", "state"),
                ("11.3", "11.7"),
                (T, X),
                (
                    (
                        "Square metres entrusted",
                        "Mètres carrés confiés",
                        "m²",
                        "increase",
                        T,
                        (0, 500),
                        (500, 8000),
                    ),
                ),
                (
                    "Entrust {n} m² of public space to citizen initiatives in {place} by {year}",
                    "Confier {n} m² de lieux publics à des initiatives citoyennes {place} d'ici "
                    "{year}",
                ),
                (
                    ("Inventory of vacant buildings", "Inventaire des bâtiments vacants"),
                    ("First agreements signed", "Premières conventions signées"),
                ),
            ),
            _proposal(
                ("Build housing cooperatives", "Construire des coopératives d'habitants"),
                (
                    "Develop affordable housing owned and run by its residents.",
                    "Développer des logements abordables détenus et gérés par leurs habitants.",
                ),
                ("cooperative", "association", "solidarity_finance", "local_authority"),
                ("11.1", "11.3"),
                (S, T),
                (
                    (
                        "Homes delivered",
                        "Logements livrés",
                        "homes",
                        "increase",
                        S,
                        (0, 10),
                        (10, 120),
                    ),
                ),
                (
                    "Deliver {n} cooperative homes in {place} by {year}",
                    "Livrer {n} logements coopératifs {place} d'ici {year}",
                ),
                (
                    ("Land secured", "Foncier sécurisé"),
                    ("Building permit", "Permis de construire"),
                    ("First residents move in", "Emménagement des premiers habitants"),
                ),
            ),
        ),
    },
    {
        "code": "PUB-PROC",
        "name": ("Responsible public procurement", "Commande publique responsable"),
        "description": (
            "Use public purchasing to buy from social enterprises and include social clauses.",
            "Utiliser la commande publique pour acheter aux entreprises sociales et inclure des "
            "clauses sociales.",
        ),
        "goals": (12, 8, 16),
        "proposals": (
            _proposal(
                (
                    "Reserve contracts for social enterprises",
                    "Réserver des marchés aux entreprises de l'ESS",
                ),
                (
                    "Reserve a share of public contracts for inclusion and disability enterprises.",
                    "Réserver une part des marchés publics aux structures d'insertion et du "
                    "handicap.",
                ),
                ("state", "local_authority", "international_institution"),
                ("12.7", "8.5"),
                (E, X),
                (
                    (
                        "Share of purchases from the SSE",
                        "Part des achats auprès de l'ESS",
                        "%",
                        "increase",
                        E,
                        (1, 8),
                        (5, 20),
                    ),
                ),
                (
                    "Buy {n}% of public purchases from social enterprises in {place} by {year}",
                    "Réaliser {n} % des achats publics auprès de l'ESS {place} d'ici {year}",
                ),
                (
                    ("Purchasing policy adopted", "Schéma d'achats responsables adopté"),
                    ("Buyers trained", "Acheteurs formés"),
                ),
            ),
            _proposal(
                (
                    "Add social clauses to large contracts",
                    "Intégrer des clauses sociales aux grands marchés",
                ),
                (
                    "Require inclusive hours of work in construction and service contracts.",
                    "Exiger des heures d'insertion dans les marchés de travaux et de services.",
                ),
                ("local_authority", "state", "committed_company"),
                ("12.7", "8.5", "10.2"),
                (S,),
                (
                    (
                        "Inclusion hours",
                        "Heures d'insertion",
                        "hours",
                        "increase",
                        S,
                        (0, 5000),
                        (5000, 60000),
                    ),
                ),
                (
                    "Generate {n} inclusion hours through public contracts in {place} by {year}",
                    "Générer {n} heures d'insertion par la commande publique {place} d'ici {year}",
                ),
                (
                    ("Clause facilitator hired", "Facilitateur des clauses recruté"),
                    ("Clauses in every major contract", "Clauses dans chaque grand marché"),
                ),
            ),
        ),
    },
    {
        "code": "EDU-YOUTH",
        "name": ("Education and youth", "Éducation et jeunesse"),
        "description": (
            "Teach the social economy at school and help young people start cooperative projects.",
            "Enseigner l'économie sociale à l'école et aider les jeunes à lancer des projets "
            "coopératifs.",
        ),
        "goals": (4, 8),
        "proposals": (
            _proposal(
                ("Run school cooperatives", "Animer des coopératives scolaires"),
                (
                    "Let pupils create and run a small cooperative during the school year.",
                    "Permettre aux élèves de créer et gérer une petite coopérative pendant "
                    "l'année scolaire.",
                ),
                ("association", "federation", "state", "local_authority", "research_centre"),
                ("4.4", "4.7"),
                (X, S),
                (
                    (
                        "Pupils involved",
                        "Élèves impliqués",
                        "pupils",
                        "increase",
                        X,
                        (0, 200),
                        (200, 3000),
                    ),
                ),
                (
                    "Involve {n} pupils in school cooperatives in {place} by {year}",
                    "Impliquer {n} élèves dans des coopératives scolaires {place} d'ici {year}",
                ),
                (
                    ("Teachers trained", "Enseignants formés"),
                    ("Cooperatives created", "Coopératives créées"),
                ),
            ),
            _proposal(
                ("Train young social entrepreneurs", "Former de jeunes entrepreneurs sociaux"),
                (
                    "An incubator for young people creating social enterprises.",
                    "Un incubateur pour les jeunes qui créent une entreprise sociale.",
                ),
                (
                    "foundation",
                    "cooperative",
                    "solidarity_finance",
                    "research_centre",
                    "committed_company",
                ),
                ("4.4", "8.6"),
                (E, X),
                (
                    (
                        "Young people trained",
                        "Jeunes formés",
                        "people",
                        "increase",
                        S,
                        (0, 30),
                        (30, 400),
                    ),
                    (
                        "Enterprises created",
                        "Entreprises créées",
                        "enterprises",
                        "increase",
                        E,
                        (0, 3),
                        (5, 60),
                    ),
                ),
                (
                    "Train {n} young social entrepreneurs in {place} by {year}",
                    "Former {n} jeunes entrepreneurs sociaux {place} d'ici {year}",
                ),
                (("Incubator opened", "Incubateur ouvert"), ("First cohort", "Première promotion")),
            ),
        ),
    },
    {
        "code": "WOMEN-ENT",
        "name": ("Women's entrepreneurship", "Entrepreneuriat des femmes"),
        "description": (
            "Finance, train and connect women who create and lead social economy enterprises.",
            "Financer, former et mettre en réseau les femmes qui créent et dirigent des "
            "entreprises "
            "de l'ESS.",
        ),
        "goals": (5, 8, 1),
        "proposals": (
            _proposal(
                (
                    "Finance women-led enterprises",
                    "Financer les entreprises dirigées par des femmes",
                ),
                (
                    "Microcredit and guarantees dedicated to women entrepreneurs.",
                    "Microcrédit et garanties dédiés aux femmes entrepreneures.",
                ),
                ("solidarity_finance", "foundation", "state", "international_institution"),
                ("5.a", "8.3", "1.4"),
                (E, S),
                (
                    (
                        "Women entrepreneurs financed",
                        "Femmes entrepreneures financées",
                        "women",
                        "increase",
                        E,
                        (0, 100),
                        (100, 2000),
                    ),
                ),
                (
                    "Finance {n} women-led enterprises in {place} by {year}",
                    "Financer {n} entreprises dirigées par des femmes {place} d'ici {year}",
                ),
                (
                    ("Credit line opened", "Ligne de crédit ouverte"),
                    ("Mentoring network launched", "Réseau de marraines lancé"),
                ),
            ),
            _proposal(
                ("Reach parity in governance", "Atteindre la parité dans la gouvernance"),
                (
                    "Make boards and management teams equal between women and men.",
                    "Rendre les conseils d'administration et les équipes de direction paritaires.",
                ),
                SSE + ("federation", "committed_company", "foundation"),
                ("5.5",),
                (S, X),
                (
                    (
                        "Women on the board",
                        "Femmes au conseil d'administration",
                        "%",
                        "increase",
                        S,
                        (15, 35),
                        (10, 25),
                    ),
                    (
                        "Gender pay gap",
                        "Écart de rémunération femmes-hommes",
                        "%",
                        "decrease",
                        S,
                        (8, 20),
                        (3, 8),
                    ),
                ),
                (
                    "Reach {n}% women on the board by {year}",
                    "Atteindre {n} % de femmes au conseil d'administration d'ici {year}",
                ),
                (
                    ("Governance audit", "Audit de gouvernance"),
                    ("Statutes amended", "Statuts modifiés"),
                ),
            ),
        ),
    },
)

#: Commitments written from scratch: (English, French) titles with ``{place}`` and ``{year}``.
CUSTOM_TITLES = (
    ("Map the social economy of {place} by {year}", "Cartographier l'ESS {place} d'ici {year}"),
    (
        "Publish an annual social impact report from {year}",
        "Publier un rapport annuel d'impact social à partir de {year}",
    ),
    (
        "Set up a local SSE council in {place} by {year}",
        "Créer un conseil local de l'ESS {place} d'ici {year}",
    ),
    (
        "Pilot a community energy project in {place} by {year}",
        "Piloter un projet d'énergie citoyenne {place} d'ici {year}",
    ),
    (
        "Measure our impact with the VISES framework by {year}",
        "Mesurer notre impact avec le référentiel VISES d'ici {year}",
    ),
)
#: Indicators for custom commitments.
CUSTOM_INDICATORS = (
    (
        "Partners involved",
        "Partenaires impliqués",
        "organisations",
        "increase",
        T,
        (0, 10),
        (10, 80),
    ),
    ("People reached", "Personnes touchées", "people", "increase", S, (0, 200), (200, 5000)),
    ("Volunteer hours", "Heures de bénévolat", "hours", "increase", X, (0, 500), (500, 6000)),
    ("Staff retention", "Fidélisation des salariés", "%", "maintain", S, (80, 95), (0, 0)),
)
