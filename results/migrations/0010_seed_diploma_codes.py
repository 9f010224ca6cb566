"""Seed the diploma codes (CFD) of the main agricultural diplomas, as Onisep's formation sheets
give them (the current, renovated diplomas). Editable in the admin; the BCN (bcn.depp.education.fr)
is the reference to check them against. Left out on purpose, so that the mapping page lists them:
bac pro "Bio-industries de transformation" (replaced, code not found), BTSA "Technico-commercial"
(one code per option, ARPENT gives none), BTSA "Sciences et technologies des aliments" (one code
per option), BEPA, and the CAPA options without a sheet found.
"""

from django.db import migrations

CAPA = "Certificat d'Aptitude Professionnelle Agricole"
BAC_PRO = "Baccalauréat Professionnel"
BAC_TECHNO = "Baccalauréat Technologique"
BTSA = "Brevet de Technicien Supérieur Agricole"
ONISEP = "Onisep, fiche formation (code scolarité) ; à vérifier dans la BCN"
RENAMED = ONISEP + " ; diplôme rénové sous un autre nom"

CODES = [
    (CAPA, "Jardinier paysagiste", "50321405", ONISEP),
    (CAPA, "Métiers de l'agriculture", "50321130", ONISEP),
    (CAPA, "Services aux personnes et vente en espace rural", "50333003", ONISEP),
    (BAC_PRO, "Conduite et gestion de l'exploitation agricole", "40321004", RENAMED),
    (BAC_PRO, "Aménagements paysagers", "40321405", ONISEP),
    (BAC_PRO, "Services aux personnes et animation dans les territoires", "40333003", ONISEP),
    (BAC_PRO, "Productions horticoles", "40321114", RENAMED),
    (BAC_PRO, "Forêt", "40321303", ONISEP),
    (BAC_PRO, "Agroéquipement", "40321001", ONISEP),
    (BAC_PRO, "Conduite de productions aquacoles", "40321213", ONISEP),
    (BAC_PRO, "Technicien conseil vente en animalerie", "40321203", ONISEP),
    (BAC_PRO, "Conduite et gestion de l'entreprise vitivinicole", "40321113", ONISEP),
    (BAC_PRO, "Conduite et gestion de l'entreprise hippique", "40321211", ONISEP),
    (BAC_TECHNO, "Sciences et technologies de l'agronomie et du vivant", "43321005", ONISEP),
    (BTSA, "Analyse, conduite et stratégie de l'entreprise agricole", "32321014", "BCN"),
    (BTSA, "Viticulture-œnologie", "32321112", ONISEP),
    (BTSA, "Gestion et protection de la nature", "32321308", ONISEP),
    (BTSA, "Aménagements paysagers", "32321401", ONISEP),
    (BTSA, "Productions animales", "32321207", RENAMED),
    (BTSA, "Agronomie et cultures durables", "32321115", ONISEP),
    (BTSA, "Gestion forestière", "32321304", ONISEP),
    (BTSA, "Développement, animation des territoires ruraux", "32334101", RENAMED),
    (BTSA, "Génie des équipements agricoles", "32321007", ONISEP),
    (BTSA, "Aquaculture", "32321206", ONISEP),
]


def seed(apps, schema_editor):
    DiplomaCode = apps.get_model("results", "DiplomaCode")
    for filiere, option, cfd, source in CODES:
        DiplomaCode.objects.get_or_create(
            filiere=filiere, option=option, defaults={"cfd": cfd, "source": source}
        )


def unseed(apps, schema_editor):
    DiplomaCode = apps.get_model("results", "DiplomaCode")
    for filiere, option, cfd, _ in CODES:
        DiplomaCode.objects.filter(filiere=filiere, option=option, cfd=cfd).delete()


class Migration(migrations.Migration):
    dependencies = [("results", "0009_open_data_context")]

    operations = [migrations.RunPython(seed, unseed)]
