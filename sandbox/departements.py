"""The 101 French départements and the agricultural-education authority of each region."""

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Region:
    id: str
    name: str
    authority_id: int
    authority: str
    commune: str
    postal_code: str
    phone_zone: str


@dataclass(frozen=True, slots=True)
class Departement:
    code: str
    name: str
    region: Region
    # Population in thousands (rounded, INSEE order of magnitude): it only sizes the cohorts.
    population: int


# The autorité académique of agricultural education is the regional agriculture directorate
# (DRAAF, DRIAAF in Île-de-France, DAAF overseas). Region ids are the INSEE region codes;
# an authority's id is its line number here: append, never reorder.
_REGION_ROWS = """
84|Auvergne-Rhône-Alpes|DRAAF Auvergne-Rhône-Alpes|Lyon|69003|4
27|Bourgogne-Franche-Comté|DRAAF Bourgogne-Franche-Comté|Dijon|21000|3
53|Bretagne|DRAAF Bretagne|Rennes|35000|2
24|Centre-Val de Loire|DRAAF Centre-Val de Loire|Orléans|45000|2
94|Corse|DRAAF de Corse|Ajaccio|20090|4
44|Grand Est|DRAAF Grand Est|Châlons-en-Champagne|51000|3
32|Hauts-de-France|DRAAF Hauts-de-France|Lille|59000|3
11|Île-de-France|DRIAAF Île-de-France|Cachan|94230|1
28|Normandie|DRAAF Normandie|Caen|14000|2
75|Nouvelle-Aquitaine|DRAAF Nouvelle-Aquitaine|Bordeaux|33000|5
76|Occitanie|DRAAF Occitanie|Toulouse|31000|5
52|Pays de la Loire|DRAAF Pays de la Loire|Nantes|44000|2
93|Provence-Alpes-Côte d'Azur|DRAAF Provence-Alpes-Côte d'Azur|Marseille|13000|4
01|Guadeloupe|DAAF de la Guadeloupe|Basse-Terre|97100|590
02|Martinique|DAAF de la Martinique|Fort-de-France|97200|596
03|Guyane|DAAF de la Guyane|Cayenne|97300|594
04|La Réunion|DAAF de La Réunion|Saint-Denis|97400|262
06|Mayotte|DAAF de Mayotte|Mamoudzou|97600|269
"""


def _parse_regions(rows):
    regions = {}
    for number, line in enumerate(rows.strip().splitlines(), start=1):
        id, name, authority, commune, postal_code, zone = line.split("|")
        regions[id] = Region(id, name, number, authority, commune, postal_code, zone)
    return regions


REGIONS = _parse_regions(_REGION_ROWS)

_ROWS = """
01 Ain 84 652
02 Aisne 32 531
03 Allier 84 335
04 Alpes-de-Haute-Provence 93 165
05 Hautes-Alpes 93 141
06 Alpes-Maritimes 93 1094
07 Ardèche 84 328
08 Ardennes 44 270
09 Ariège 76 153
10 Aube 44 310
11 Aude 76 374
12 Aveyron 76 279
13 Bouches-du-Rhône 93 2043
14 Calvados 28 694
15 Cantal 84 144
16 Charente 75 352
17 Charente-Maritime 75 651
18 Cher 24 302
19 Corrèze 75 240
2A Corse-du-Sud 94 158
2B Haute-Corse 94 181
21 Côte-d'Or 27 534
22 Côtes-d'Armor 53 600
23 Creuse 75 116
24 Dordogne 75 413
25 Doubs 27 543
26 Drôme 84 516
27 Eure 28 599
28 Eure-et-Loir 24 431
29 Finistère 53 915
30 Gard 76 748
31 Haute-Garonne 76 1400
32 Gers 76 191
33 Gironde 75 1623
34 Hérault 76 1175
35 Ille-et-Vilaine 53 1079
36 Indre 24 219
37 Indre-et-Loire 24 610
38 Isère 84 1271
39 Jura 27 259
40 Landes 75 413
41 Loir-et-Cher 24 329
42 Loire 84 765
43 Haute-Loire 84 227
44 Loire-Atlantique 52 1429
45 Loiret 24 680
46 Lot 76 174
47 Lot-et-Garonne 75 331
48 Lozère 76 76
49 Maine-et-Loire 52 818
50 Manche 28 496
51 Marne 44 566
52 Haute-Marne 44 172
53 Mayenne 52 307
54 Meurthe-et-Moselle 44 733
55 Meuse 44 184
56 Morbihan 53 759
57 Moselle 44 1046
58 Nièvre 27 204
59 Nord 32 2608
60 Oise 32 829
61 Orne 28 280
62 Pas-de-Calais 32 1466
63 Puy-de-Dôme 84 662
64 Pyrénées-Atlantiques 75 682
65 Hautes-Pyrénées 76 229
66 Pyrénées-Orientales 76 479
67 Bas-Rhin 44 1140
68 Haut-Rhin 44 767
69 Rhône 84 1883
70 Haute-Saône 27 235
71 Saône-et-Loire 27 551
72 Sarthe 52 566
73 Savoie 84 436
74 Haute-Savoie 84 826
75 Paris 11 2166
76 Seine-Maritime 28 1255
77 Seine-et-Marne 11 1421
78 Yvelines 11 1448
79 Deux-Sèvres 75 375
80 Somme 32 570
81 Tarn 76 389
82 Tarn-et-Garonne 76 260
83 Var 93 1076
84 Vaucluse 93 561
85 Vendée 52 685
86 Vienne 75 438
87 Haute-Vienne 75 372
88 Vosges 44 364
89 Yonne 27 335
90 Territoire de Belfort 27 141
91 Essonne 11 1301
92 Hauts-de-Seine 11 1624
93 Seine-Saint-Denis 11 1644
94 Val-de-Marne 11 1407
95 Val-d'Oise 11 1249
971 Guadeloupe 01 384
972 Martinique 02 361
973 Guyane 03 286
974 La Réunion 04 863
976 Mayotte 06 256
"""


def _parse(rows):
    departements = []
    for line in rows.strip().splitlines():
        code, rest = line.split(" ", 1)
        name, region_id, population = rest.rsplit(" ", 2)
        departements.append(Departement(code, name, REGIONS[region_id], int(population)))
    return tuple(departements)


DEPARTEMENTS = _parse(_ROWS)
BY_CODE = {d.code: d for d in DEPARTEMENTS}
# A département's position in DEPARTEMENTS; stable, since credentials encode it.
INDEX = {d.code: i for i, d in enumerate(DEPARTEMENTS)}
