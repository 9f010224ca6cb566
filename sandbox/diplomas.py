"""The diplomas of agricultural education: filières, options, spécialités, rates and exams."""

from dataclasses import dataclass

ADMITTED = "Admission"
SECOND_GROUP = "Admis au second groupe"
FAILED = "Ajourné"


@dataclass(frozen=True, slots=True)
class Filiere:
    id: int
    label: str
    # Share of candidates who pass at the first group (PRINT.md: 80–92 %).
    pass_rate: float
    # Share sent to the second group (oral "rattrapage"); only the baccalauréats have one.
    second_group_rate: float
    # Share who opted in to press publication (PRINT.md: 49 % bac techno, 89 % bac pro).
    consent_rate: float
    # Relative size of one section of this filière, to split a département's candidates.
    size: float
    exams: tuple[tuple[str, int], ...]


@dataclass(frozen=True, slots=True)
class Option:
    # Position in OPTIONS; stable, since credentials encode it: append, never reorder.
    index: int
    filiere: Filiere
    label: str
    specialites: tuple[str, ...] = ()

    @property
    def examen_id(self):
        return 1000 + self.index


_GENERAL = (
    ("Français, littérature et histoire-géographie", 3),
    ("Langue vivante", 1),
    ("Éducation physique et sportive", 1),
    ("Mathématiques", 2),
)

CAPA = Filiere(
    id=1,
    label="Certificat d'Aptitude Professionnelle Agricole",
    pass_rate=0.90,
    second_group_rate=0.0,
    consent_rate=0.86,
    size=0.7,
    exams=(
        ("Agir dans des situations de la vie courante", 2),
        ("Insertion professionnelle", 2),
        ("Réalisation de travaux professionnels", 4),
    ),
)
BEPA = Filiere(
    id=2,
    label="Brevet d'Études Professionnelles Agricoles",
    pass_rate=0.92,
    second_group_rate=0.0,
    consent_rate=0.84,
    size=0.6,
    exams=(
        ("Culture générale", 2),
        ("Sciences et techniques", 2),
        ("Pratiques professionnelles", 3),
    ),
)
BAC_PRO = Filiere(
    id=3,
    label="Baccalauréat Professionnel",
    pass_rate=0.84,
    second_group_rate=0.05,
    consent_rate=0.90,
    size=1.6,
    exams=_GENERAL
    + (
        ("Culture scientifique et technologique", 2),
        ("Choix techniques", 4),
        ("Expérience en milieu professionnel", 3),
        ("Pilotage de l'entreprise", 3),
    ),
)
BAC_TECHNO = Filiere(
    id=4,
    label="Baccalauréat Technologique",
    pass_rate=0.86,
    second_group_rate=0.06,
    consent_rate=0.55,
    size=2.0,
    exams=_GENERAL
    + (
        ("Philosophie", 2),
        ("Gestion des ressources et de l'alimentation", 4),
        ("Territoires et sociétés", 3),
        ("Technologie", 3),
    ),
)
BTSA = Filiere(
    id=5,
    label="Brevet de Technicien Supérieur Agricole",
    pass_rate=0.80,
    second_group_rate=0.0,
    consent_rate=0.75,
    size=1.0,
    exams=(
        ("Expression, communication, culture", 3),
        ("Langue vivante", 1),
        ("Traitement de données", 2),
        ("Épreuve professionnelle", 6),
        ("Module d'initiative locale", 2),
    ),
)
FILIERES = (CAPA, BEPA, BAC_PRO, BAC_TECHNO, BTSA)

CGEA_SPECIALITES = (
    "Vigne et vin",
    "Productions animales",
    "Grandes cultures",
    "Polyculture-élevage",
)
SPECIALITE_PREFIX = "Spécialité : "

_OPTIONS = (
    (CAPA, "Jardinier paysagiste"),
    (CAPA, "Métiers de l'agriculture"),
    (CAPA, "Services aux personnes et vente en espace rural"),
    (CAPA, "Travaux forestiers"),
    (CAPA, "Palefrenier soigneur"),
    (BEPA, "Travaux en aménagements paysagers"),
    (BEPA, "Travaux en exploitation de polyculture-élevage"),
    (BEPA, "Services aux personnes"),
    (BEPA, "Travaux de la vigne et du vin"),
    (BAC_PRO, "Conduite et gestion de l'exploitation agricole"),
    (BAC_PRO, "Aménagements paysagers"),
    (BAC_PRO, "Services aux personnes et animation dans les territoires"),
    (BAC_PRO, "Productions horticoles"),
    (BAC_PRO, "Forêt"),
    (BAC_PRO, "Agroéquipement"),
    (BAC_PRO, "Conduite de productions aquacoles"),
    (BAC_PRO, "Technicien conseil vente en animalerie"),
    (BAC_PRO, "Bio-industries de transformation"),
    (BAC_TECHNO, "Sciences et technologies de l'agronomie et du vivant"),
    (BTSA, "Analyse, conduite et stratégie de l'entreprise agricole"),
    (BTSA, "Viticulture-œnologie"),
    (BTSA, "Gestion et protection de la nature"),
    (BTSA, "Aménagements paysagers"),
    (BTSA, "Productions animales"),
    (BTSA, "Agronomie et cultures durables"),
    (BTSA, "Technico-commercial"),
    (BTSA, "Gestion forestière"),
    (BTSA, "Développement, animation des territoires ruraux"),
    (BTSA, "Génie des équipements agricoles"),
    (BTSA, "Sciences et technologies des aliments"),
    (BTSA, "Aquaculture"),
)

OPTIONS = tuple(
    Option(i, filiere, label, CGEA_SPECIALITES if i == 9 else ())
    for i, (filiere, label) in enumerate(_OPTIONS)
)
CGEA = OPTIONS[9]
STAV = OPTIONS[18]
