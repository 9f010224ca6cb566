# The audit trail is append-only in the database too, on PostgreSQL: a trigger refuses any
# UPDATE or DELETE of its rows, whoever sends it (the ORM, raw SQL, a psql session). TRUNCATE
# stays possible (row triggers do not fire on it): the test runner empties tables with it, and
# the database owner keeps a way to reset a development database. SQLite has no equivalent
# worth its complexity here; the model and the admin guard the trail there.

from django.db import migrations

FUNCTION = "results_auditevent_append_only"
TRIGGER = "results_auditevent_append_only"

CREATE = [
    f"""
CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'results_auditevent is append-only: % refused', TG_OP
        USING HINT = 'The audit trail keeps every event; add a new one instead.';
END;
$$ LANGUAGE plpgsql
""",
    f"""
CREATE TRIGGER {TRIGGER}
    BEFORE UPDATE OR DELETE ON results_auditevent
    FOR EACH ROW EXECUTE FUNCTION {FUNCTION}()
""",
]

DROP = [
    f"DROP TRIGGER IF EXISTS {TRIGGER} ON results_auditevent",
    f"DROP FUNCTION IF EXISTS {FUNCTION}()",
]


def _run(schema_editor, statements):
    if schema_editor.connection.vendor != "postgresql":
        return
    for sql in statements:
        # No parameters: the "%" of RAISE's format must reach PostgreSQL as it is.
        schema_editor.execute(sql, params=None)


def create_trigger(apps, schema_editor):
    _run(schema_editor, CREATE)


def drop_trigger(apps, schema_editor):
    _run(schema_editor, DROP)


class Migration(migrations.Migration):

    dependencies = [
        ('results', '0007_retention'),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='auditevent',
            options={'base_manager_name': 'objects', 'ordering': ['-at', '-id']},
        ),
        migrations.RunPython(create_trigger, drop_trigger),
    ]
