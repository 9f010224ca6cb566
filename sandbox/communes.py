"""A few real communes of each département: the préfecture first, then towns with lycées."""

# Names as the annuaire spells them, with their accents, apostrophes and articles.
_ROWS = """
01 Bourg-en-Bresse|Belley|Oyonnax|Gex|Montluel
02 Laon|Soissons|Saint-Quentin|Chauny|Vervins
03 Moulins|Montluçon|Vichy|Neuvy|Gannat
04 Digne-les-Bains|Manosque|Sisteron|Forcalquier|Barcelonnette
05 Gap|Briançon|Embrun|Laragne-Montéglin
06 Nice|Antibes|Grasse|Cannes|Menton
07 Privas|Aubenas|Annonay|Tournon-sur-Rhône|Largentière
08 Charleville-Mézières|Sedan|Rethel|Vouziers
09 Foix|Pamiers|Saint-Girons|Lavelanet
10 Troyes|Bar-sur-Aube|Nogent-sur-Seine|Romilly-sur-Seine
11 Carcassonne|Narbonne|Limoux|Castelnaudary
12 Rodez|Millau|Villefranche-de-Rouergue|Saint-Affrique|Espalion
13 Marseille|Aix-en-Provence|Arles|Salon-de-Provence|Aubagne
14 Caen|Bayeux|Lisieux|Vire Normandie|Honfleur
15 Aurillac|Saint-Flour|Mauriac|Murat
16 Angoulême|Cognac|Confolens|Barbezieux-Saint-Hilaire|Ruffec
17 La Rochelle|Saintes|Rochefort|Jonzac|Saint-Jean-d'Angély
18 Bourges|Vierzon|Saint-Amand-Montrond|Aubigny-sur-Nère
19 Tulle|Brive-la-Gaillarde|Ussel|Naves|Neuvic
2A Ajaccio|Sartène|Porto-Vecchio|Propriano
2B Bastia|Corte|Calvi|L'Île-Rousse|Borgo
21 Dijon|Beaune|Montbard|Quetigny|Châtillon-sur-Seine
22 Saint-Brieuc|Lannion|Dinan|Guingamp|Loudéac
23 Guéret|Aubusson|Ahun|La Souterraine
24 Périgueux|Bergerac|Sarlat-la-Canéda|Nontron|Coulounieix-Chamiers
25 Besançon|Montbéliard|Pontarlier|Levier|Morteau
26 Valence|Montélimar|Die|Nyons|Romans-sur-Isère
27 Évreux|Les Andelys|Bernay|Vernon
28 Chartres|Dreux|Châteaudun|Nogent-le-Rotrou|Sours
29 Quimper|Brest|Morlaix|Châteaulin|Landerneau|Quimperlé
30 Nîmes|Alès|Le Vigan|Uzès|Rodilhan|Bagnols-sur-Cèze
31 Toulouse|Muret|Saint-Gaudens|Castanet-Tolosan|Ondes
32 Auch|Condom|Mirande|Riscle|Lectoure
33 Bordeaux|Libourne|Blanquefort|Arcachon|Langon|Blaye
34 Montpellier|Béziers|Lodève|Sète|Pézenas
35 Rennes|Saint-Malo|Fougères|Redon|Vitré
36 Châteauroux|Issoudun|Le Blanc|La Châtre
37 Tours|Chinon|Loches|Amboise|Fondettes
38 Grenoble|Vienne|La Tour-du-Pin|Voiron|Saint-Ismier
39 Lons-le-Saunier|Dole|Saint-Claude|Poligny|Montmorot
40 Mont-de-Marsan|Dax|Oeyreluy|Sabres|Aire-sur-l'Adour
41 Blois|Vendôme|Romorantin-Lanthenay|Montoire-sur-le-Loir
42 Saint-Étienne|Roanne|Montbrison|Précieux|Feurs
43 Le Puy-en-Velay|Brioude|Yssingeaux|Monistrol-sur-Loire
44 Nantes|Saint-Nazaire|Châteaubriant|Ancenis-Saint-Géréon|Saint-Herblain
45 Orléans|Montargis|Pithiviers|Gien|Beaune-la-Rolande
46 Cahors|Figeac|Gourdon|Souillac|Gramat
47 Agen|Villeneuve-sur-Lot|Marmande|Nérac|Sainte-Livrade-sur-Lot
48 Mende|Florac-Trois-Rivières|Marvejols|Saint-Chély-d'Apcher|Langogne
49 Angers|Cholet|Saumur|Segré-en-Anjou Bleu|Montreuil-Bellay
50 Saint-Lô|Cherbourg-en-Cotentin|Coutances|Avranches|Granville
51 Châlons-en-Champagne|Reims|Épernay|Vitry-le-François|Avize
52 Chaumont|Saint-Dizier|Langres|Joinville|Fayl-Billot
53 Laval|Château-Gontier-sur-Mayenne|Mayenne|Évron
54 Nancy|Lunéville|Toul|Briey|Malzéville
55 Bar-le-Duc|Verdun|Commercy|Saint-Mihiel|Montmédy
56 Vannes|Lorient|Pontivy|Hennebont|Ploërmel|Auray
57 Metz|Thionville|Sarreguemines|Forbach|Château-Salins|Courcelles-Chaussy
58 Nevers|Cosne-Cours-sur-Loire|Clamecy|Challuy
59 Lille|Douai|Valenciennes|Cambrai|Dunkerque|Avesnes-sur-Helpe|Le Quesnoy|Hazebrouck
60 Beauvais|Compiègne|Senlis|Clermont|Ribécourt-Dreslincourt
61 Alençon|Argentan|Mortagne-au-Perche|Flers|Sées
62 Arras|Boulogne-sur-Mer|Calais|Lens|Saint-Omer|Béthune|Tilloy-lès-Mofflaines
63 Clermont-Ferrand|Riom|Thiers|Issoire|Ambert|Lempdes
64 Pau|Bayonne|Oloron-Sainte-Marie|Orthez|Montardon
65 Tarbes|Lourdes|Bagnères-de-Bigorre|Vic-en-Bigorre
66 Perpignan|Prades|Céret|Rivesaltes|Théza
67 Strasbourg|Haguenau|Saverne|Sélestat|Obernai|Erstein
68 Colmar|Mulhouse|Guebwiller|Rouffach|Altkirch|Wintzenheim
69 Lyon|Villefranche-sur-Saône|Dardilly|Écully|Bron|Saint-Genis-Laval
70 Vesoul|Lure|Gray|Luxeuil-les-Bains
71 Mâcon|Chalon-sur-Saône|Autun|Charolles|Louhans|Fontaines
72 Le Mans|La Flèche|Mamers|Rouillon|Sablé-sur-Sarthe
73 Chambéry|Albertville|Saint-Jean-de-Maurienne|La Motte-Servolex|Aix-les-Bains
74 Annecy|Thonon-les-Bains|Bonneville|Saint-Julien-en-Genevois|Contamine-sur-Arve
75 Paris
76 Rouen|Le Havre|Dieppe|Yvetot|Mont-Saint-Aignan|Neufchâtel-en-Bray
77 Melun|Meaux|Fontainebleau|Provins|Torcy|Brie-Comte-Robert
78 Versailles|Rambouillet|Saint-Germain-en-Laye|Mantes-la-Jolie|Saint-Cyr-l'École
79 Niort|Bressuire|Parthenay|Melle|Thouars
80 Amiens|Abbeville|Péronne|Montdidier|Doullens
81 Albi|Castres|Gaillac|Lavaur|Graulhet
82 Montauban|Castelsarrasin|Moissac|Caussade
83 Toulon|Draguignan|Brignoles|Hyères|Fréjus
84 Avignon|Carpentras|Apt|Orange|Cavaillon
85 La Roche-sur-Yon|Fontenay-le-Comte|Les Sables-d'Olonne|Luçon|Montaigu-Vendée
86 Poitiers|Châtellerault|Montmorillon|Loudun|Civray
87 Limoges|Bellac|Rochechouart|Saint-Yrieix-la-Perche|Magnac-Laval
88 Épinal|Saint-Dié-des-Vosges|Neufchâteau|Mirecourt|Remiremont
89 Auxerre|Sens|Avallon|Joigny|Tonnerre
90 Belfort|Delle|Valdoie|Giromagny
91 Évry-Courcouronnes|Étampes|Palaiseau|Corbeil-Essonnes|Brétigny-sur-Orge
92 Nanterre|Antony|Boulogne-Billancourt|Sèvres
93 Bobigny|Saint-Denis|Montreuil|Le Raincy|Aubervilliers
94 Créteil|Vincennes|Nogent-sur-Marne|L'Haÿ-les-Roses|Saint-Maur-des-Fossés
95 Cergy|Pontoise|Argenteuil|Sarcelles|Montmorency
971 Basse-Terre|Pointe-à-Pitre|Les Abymes|Baie-Mahault|Le Moule
972 Fort-de-France|Le Lamentin|Le Robert|Saint-Pierre|Le François
973 Cayenne|Saint-Laurent-du-Maroni|Kourou|Matoury|Macouria
974 Saint-Denis|Saint-Pierre|Saint-Paul|Saint-Joseph|Le Tampon|Saint-Benoît
976 Mamoudzou|Dzaoudzi|Koungou|Ouangani|Sada
"""


def _parse(rows):
    communes = {}
    for line in rows.strip().splitlines():
        code, names = line.split(" ", 1)
        communes[code] = tuple(names.split("|"))
    return communes


COMMUNES = _parse(_ROWS)
