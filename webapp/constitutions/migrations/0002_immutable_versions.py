"""Database triggers that refuse any UPDATE of a saved version or its principles."""

from django.db import migrations

TABLES = ("constitutions_constitutionversion", "constitutions_principle")


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for table in TABLES:
        if vendor == "sqlite":
            schema_editor.execute(
                f"CREATE TRIGGER {table}_immutable BEFORE UPDATE ON {table} "
                f"BEGIN SELECT RAISE(ABORT, 'constitution versions are immutable'); END"
            )
        elif vendor == "postgresql":
            schema_editor.execute(
                "CREATE OR REPLACE FUNCTION charter_refuse_update() RETURNS trigger AS $$ "
                "BEGIN RAISE EXCEPTION 'constitution versions are immutable'; END; $$ LANGUAGE plpgsql"
            )
            schema_editor.execute(
                f"CREATE TRIGGER {table}_immutable BEFORE UPDATE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION charter_refuse_update()"
            )


def drop(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for table in TABLES:
        if vendor == "sqlite":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_immutable")
        elif vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_immutable ON {table}")


class Migration(migrations.Migration):
    dependencies = [("constitutions", "0001_initial")]
    operations = [migrations.RunPython(create, drop)]
