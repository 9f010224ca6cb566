# The audit trail is append-only in the database on every vendor, whoever writes to it (the ORM,
# its bulk paths, raw SQL, a shell):
# - PostgreSQL: migration 0008's row trigger refuses UPDATE and DELETE (an INSERT … ON CONFLICT
#   DO UPDATE fires it too); a statement trigger now refuses TRUNCATE as well.
# - SQLite: triggers refuse UPDATE (upserts included) and DELETE.
# One way round, for test databases only: Django's test runner empties every table after a
# transactional test (TRUNCATE on PostgreSQL, DELETE on SQLite), which the triggers let through
# while a table named RESETTABLE exists. tests/conftest.py creates it in the test database; no
# migration ever does, and creating it in production takes the same rights as dropping the
# triggers, which nothing guards against anyway.

from django.db import migrations

RESETTABLE = "results_auditevent_resettable"
TRUNCATE_FUNCTION = "results_auditevent_no_truncate"

POSTGRESQL = [
    f"""
CREATE OR REPLACE FUNCTION {TRUNCATE_FUNCTION}() RETURNS trigger AS $$
BEGIN
    IF to_regclass('{RESETTABLE}') IS NULL THEN
        RAISE EXCEPTION 'results_auditevent is append-only: TRUNCATE refused'
            USING HINT = 'The audit trail keeps every event; add a new one instead.';
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql
""",
    f"""
CREATE TRIGGER {TRUNCATE_FUNCTION}
    BEFORE TRUNCATE ON results_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION {TRUNCATE_FUNCTION}()
""",
]
POSTGRESQL_REVERSE = [
    f"DROP TRIGGER IF EXISTS {TRUNCATE_FUNCTION} ON results_auditevent",
    f"DROP FUNCTION IF EXISTS {TRUNCATE_FUNCTION}()",
]

SQLITE = [
    """
CREATE TRIGGER results_auditevent_no_update BEFORE UPDATE ON results_auditevent
BEGIN
    SELECT RAISE(ABORT, 'results_auditevent is append-only: UPDATE refused');
END
""",
    f"""
CREATE TRIGGER results_auditevent_no_delete BEFORE DELETE ON results_auditevent
WHEN NOT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '{RESETTABLE}')
BEGIN
    SELECT RAISE(ABORT, 'results_auditevent is append-only: DELETE refused');
END
""",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS results_auditevent_no_update",
    "DROP TRIGGER IF EXISTS results_auditevent_no_delete",
]


def _run(schema_editor, statements):
    for sql in statements.get(schema_editor.connection.vendor, []):
        # No parameters: the "%" and quotes must reach the database as they are.
        schema_editor.execute(sql, params=None)


def create_triggers(apps, schema_editor):
    _run(schema_editor, {"postgresql": POSTGRESQL, "sqlite": SQLITE})


def drop_triggers(apps, schema_editor):
    _run(schema_editor, {"postgresql": POSTGRESQL_REVERSE, "sqlite": SQLITE_REVERSE})


class Migration(migrations.Migration):

    dependencies = [
        ("results", "0014_objections"),
    ]

    operations = [
        migrations.RunPython(create_triggers, drop_triggers),
    ]
