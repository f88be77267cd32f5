from django.db import migrations

# PostgreSQL refuses any UPDATE or DELETE on the audit table, whoever asks (ORM, raw SQL, psql).
# TRUNCATE stays possible for the table owner only (test databases are flushed that way).
# SQLite (the embedded demo database) relies on the model and queryset guards only.
FORWARD = """
CREATE OR REPLACE FUNCTION core_auditrecord_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'core_auditrecord is append-only (% refused)', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER core_auditrecord_append_only
    BEFORE UPDATE OR DELETE ON core_auditrecord
    FOR EACH ROW EXECUTE FUNCTION core_auditrecord_append_only();
"""
BACKWARD = """
DROP TRIGGER IF EXISTS core_auditrecord_append_only ON core_auditrecord;
DROP FUNCTION IF EXISTS core_auditrecord_append_only();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
