"""French surnames and given names, and how a candidate's name is drawn from them."""

# Upper case with accents, as civil-status lists print them; the tricky ones are on purpose
# (apostrophes, particles, Œ, diaereses), since the newsroom must sort and print them right.
SURNAMES = """
MARTIN BERNARD THOMAS PETIT ROBERT RICHARD DURAND DUBOIS MOREAU LAURENT SIMON MICHEL LEFEBVRE
LEROY ROUX DAVID BERTRAND MOREL FOURNIER GIRARD BONNET DUPONT LAMBERT FONTAINE ROUSSEAU VINCENT
LEFÈVRE FAURE ANDRÉ MERCIER BLANC GUÉRIN BOYER GARNIER CHEVALIER FRANÇOIS LEGRAND GAUTHIER
GARCIA PERRIN ROBIN CLÉMENT MORIN NICOLAS HENRY ROUSSEL MATHIEU MASSON MARCHAND DUVAL DENIS
DUMONT LEMAIRE NOËL DUFOUR MEUNIER BRUN BLANCHARD GIRAUD JOLY RIVIÈRE LUCAS BRUNET GAILLARD
BARBIER ARNAUD MARTINEZ GÉRARD ROCHE RENARD ROY LEROUX COLIN VIDAL CARON PICARD ROGER AUBERT
LEMOINE RENAUD DUMAS LACROIX OLIVIER PHILIPPE BOURGEOIS BENOÎT REY LECLERC ROLLAND LECLERCQ
GUILLAUME LECOMTE LOPEZ DUPUY GUILLOT HUBERT BERGER CARPENTIER DUPUIS MOULIN DESCHAMPS HUET
VASSEUR BOUCHER FLEURY ROYER JACQUET POIRIER MARTY AUBRY GUYOT CARRÉ RENAULT CHARPENTIER MÉNARD
MAILLARD BARON BERTIN BAILLY HERVÉ HÉBERT COLLET LÉGER BOUVIER PRÉVOST PERROT COUSIN GERMAIN
BRETON BESSON LANGLOIS RÉMY PELLETIER LÉVÊQUE PERRIER LEBRUN MALLET HAMON BOULANGER MONNIER
MICHAUD GUICHARD ÉTIENNE TESSIER CHAUVIN GRANGER MOÏSE CŒURDEROY BŒUF NGUYEN TRAN DIALLO TRAORÉ
KONATÉ DA_SILVA DOS_SANTOS DE_OLIVEIRA N'DIAYE N'GUESSAN D'ALMEIDA D'ANGELO DE_LA_FONTAINE
DU_PONT VAN_DER_BERG LE_GALL LE_CŒUR DE_SAINT-EXUPÉRY MARTIN-DUBOIS EL_AMRANI BEN_SAÏD
"""

# A region's own surnames, drawn more often there (ids as in departements.REGIONS).
REGIONAL_SURNAMES = {
    "53": "LE_GALL LE_BIHAN KERMARREC LE_ROUX TANGUY LE_GOFF GUÉGUEN LE_BRIS QUÉRÉ MORVAN",
    "94": "ALBERTINI SANTONI LUCIANI ORSINI PAOLI GIACOMETTI MATTEI CASANOVA",
    "44": "MULLER SCHMITT KLEIN WEBER MEYER SCHNEIDER HOFFMANN WAGNER ZIMMERMANN KŒHLER",
    "76": "ROUQUETTE CAUSSE ESTÈVE FABRE VIDAL MAS SALLES BARTHÈS AZÉMA",
    "04": "PAYET HOARAU GRONDIN FONTAINE RIVIÈRE TECHER LEBON HOAREAU",
    "06": "ATTOUMANI MADI SAÏD ALI ABDALLAH AHAMADA MOHAMED COMBO",
    "01": "JEAN-BAPTISTE LOUISY MARIE-SAINTE THÉODORE CÉLESTINE JOSEPH ALEXANDRE",
    "02": "JEAN-BAPTISTE LOUISY MARIE-SAINTE THÉODORE CÉLESTINE JOSEPH ALEXANDRE",
    "03": "JEAN-BAPTISTE LOUISY MARIE-SAINTE THÉODORE CÉLESTINE JOSEPH ALEXANDRE",
}

FEMALE = """
Marie Emma Léa Chloé Manon Camille Inès Jade Louise Zoé Lola Lina Léna Sarah Clara Juliette
Alice Anaïs Maëlys Océane Noémie Héloïse Élise Éva Ève Margaux Mathilde Pauline Romane Justine
Laure Célia Julie Hermione Cœline Gaëlle Maëlle Nolwenn Solène Maïwenn Clémence Apolline
Bérénice Capucine Charlotte Anne Anne-Sophie Marie-Ève Anne-Charlotte Marie-Bernadette
Françoise Hélène Bénédicte Séverine Agathe Elsa Lou Rose Ambre Victoire Joséphine Léonie
Aurélie Amélie Émilie Mélanie Cécile Adèle Aïcha Fatoumata Anaëlle Thaïs Naïs Yasmine Ophélie
Coralie Estelle Lætitia Marine Sixtine Eugénie Gwenaëlle Rozenn Marie-Clémentine
"""

MALE = """
Jean Pierre Paul Louis Lucas Hugo Gabriel Arthur Jules Léo Raphaël Adam Nathan Maël Noah Théo
Tom Enzo Mathis Nolan Clément Baptiste Antoine Maxime Alexandre Thomas Nicolas Julien Quentin
Romain Valentin Corentin Kévin Loïc Yannick Gaël Joël Noël Benoît Jérôme Cédric Sébastien
François Frédéric Stéphane Grégoire Évan Éloi Côme Timothée Anatole Aurélien Killian Erwan
Ronan Yanis Mohamed Ibrahima Moussa Mamadou Karim Jean-Baptiste Jean-Marie Jean-Christophe
Pierre-Louis Paul-Henri Marc-Antoine Jean-Philippe Maximilien Barthélémy Thibault Gauthier
Étienne Hervé Régis René Aloïs Zacharie Ismaël Elouan Matthieu Florian Dylan Hippolyte
"""


def _words(text):
    # "_" stands for a space inside one surname, so the lists stay one word per entry.
    return tuple(word.replace("_", " ") for word in text.split())


SURNAME_LIST = _words(SURNAMES)
REGIONAL = {region: _words(text) for region, text in REGIONAL_SURNAMES.items()}
FEMALE_LIST = _words(FEMALE)
MALE_LIST = _words(MALE)
# How many given names a candidate has: 1 to 4, most have one or two.
GIVEN_COUNTS = (1, 2, 3, 4)
GIVEN_WEIGHTS = (35, 35, 20, 10)
# Lower-cased in mixed-case rows; "LE", "LA" only after one of them ("de la", but "Le Gall").
PARTICLES = {"DE", "DU", "DES", "VAN", "DER", "DA", "DOS"}


def surname(rng, region_id):
    """One surname; sometimes double-barrelled, sometimes regional."""
    regional = REGIONAL.get(region_id)
    if regional and rng.random() < 0.3:
        return rng.choice(regional)
    if rng.random() < 0.03:
        first, second = rng.sample(SURNAME_LIST, 2)
        return f"{first}-{second}"
    return rng.choice(SURNAME_LIST)


def given_names(rng):
    """1 to 4 distinct given names of one gender, space-separated as ARPENT sends them."""
    names = FEMALE_LIST if rng.random() < 0.5 else MALE_LIST
    count = rng.choices(GIVEN_COUNTS, GIVEN_WEIGHTS)[0]
    return " ".join(rng.sample(names, count))


def mixed_case(nom):
    """'DE LA FONTAINE' -> 'de la Fontaine', "N'DIAYE" -> "N'Diaye": some rows come so."""
    words = []
    for word in nom.split(" "):
        after_particle = bool(words) and words[-1].islower()
        if word in PARTICLES or (word in ("LA", "LE") and after_particle):
            words.append(word.lower())
        else:
            words.append("-".join(_capitalize(part) for part in word.split("-")))
    return " ".join(words)


def _capitalize(part):
    if len(part) > 2 and part[1] == "'":
        return part[:2] + part[2:].capitalize()
    return part.capitalize()
