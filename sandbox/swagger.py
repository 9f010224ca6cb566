"""E6: a small Swagger 2 document describing the endpoints the sandbox serves."""

from .referentials import FIRST_SESSION_YEAR

GRAND_PUBLIC = "/api/arpent-resultats/resultats-grand-public"


def _string(*names, nullable=()):
    return {
        name: {"type": "string", **({"x-nullable": True} if name in nullable else {})}
        for name in names
    }


def _array_of(definition):
    return {"type": "array", "items": {"$ref": f"#/definitions/{definition}"}}


def _get(summary, definition, tag, departement=False):
    operation = {
        "tags": [tag],
        "summary": summary,
        "produces": ["application/json"],
        "parameters": [],
        "responses": {"200": {"description": "OK", "schema": _array_of(definition)}},
    }
    if departement:
        operation["parameters"].append(
            {"name": "departement", "in": "query", "required": True, "type": "string"}
        )
    return {"get": operation}


DEFINITIONS = {
    "Calendrier": {
        "type": "object",
        "properties": {
            **_string("filiere", "option", "departement"),
            "nbCandidats": {"type": "integer", "format": "int32"},
            "dateDelib": {"type": "string", "format": "date"},
        },
    },
    "Resultat": {
        "type": "object",
        "properties": _string(
            "filiere",
            "option",
            "specialite",
            "departement",
            "nom",
            "prenoms",
            "resultat",
            nullable=("specialite",),
        ),
    },
    "Identifiants": {"type": "object", "properties": _string("ina", "numGestion")},
    "Diplome": {
        "type": "object",
        "properties": {
            "examenId": {"type": "integer"},
            "filiereId": {"type": "integer"},
            **_string("filiere", "option"),
        },
    },
    "Session": {
        "type": "object",
        "properties": {"id": {"type": "integer"}, **_string("libelle")},
    },
    "Departement": {
        "type": "object",
        "properties": {
            **_string("id", "libelle", "regionId", "region", "autoriteAcademique"),
            "autoriteAcademiqueId": {"type": "integer"},
        },
    },
    "AutoriteAcademique": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            **_string("libelle", "adresse", "codePostal", "bp", "commune", "telephone"),
            **_string("email", "fax"),
            "departements": {"type": "array", "items": {"type": "string"}},
        },
    },
}


def document(host):
    """The Swagger 2 document, as springfox serves it for the group arpent-resultats."""
    return {
        "swagger": "2.0",
        "info": {
            "title": "ARPENT(résultats)",
            "description": f"Bac à sable local (sessions depuis {FIRST_SESSION_YEAR})",
            "version": "1.0",
        },
        "host": host,
        "basePath": "/arpent-resultats-api",
        "tags": [{"name": "resultats-grand-public"}, {"name": "referentiels"}],
        "paths": {
            f"{GRAND_PUBLIC}/calendriers": _get(
                "Calendrier des délibérations", "Calendrier", "resultats-grand-public", True
            ),
            f"{GRAND_PUBLIC}/resultats": _get(
                "Résultats publiés", "Resultat", "resultats-grand-public", True
            ),
            "/api/arpent-resultats/audit-notes/credentials": {
                "post": {
                    "tags": ["audit-notes"],
                    "summary": "Relevé de notes signé (contrat)",
                    "consumes": ["application/json"],
                    "produces": ["application/json"],
                    "parameters": [
                        {
                            "name": "identifiants",
                            "in": "body",
                            "required": True,
                            "schema": {"$ref": "#/definitions/Identifiants"},
                        }
                    ],
                    "responses": {
                        "200": {"description": "OK"},
                        "401": {"description": "Unauthorized"},
                        "404": {"description": "Not Found"},
                    },
                }
            },
            "/api/arpent-resultats/diplomes": _get("Diplômes", "Diplome", "referentiels"),
            "/api/arpent-resultats/sessions": _get("Sessions", "Session", "referentiels"),
            "/api/arpent-resultats/departements": _get(
                "Départements", "Departement", "referentiels"
            ),
            "/api/arpent-resultats/autorites-academiques": _get(
                "Autorités académiques", "AutoriteAcademique", "referentiels"
            ),
        },
        "definitions": DEFINITIONS,
    }
