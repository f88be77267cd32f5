from django.db import migrations

# PostgreSQL refuses any UPDATE or DELETE on the loan ledger, whoever asks (ORM, raw SQL, psql): a correction is a
# reversal entry. SQLite (the embedded demo database) relies on the model and queryset guards only.
FORWARD = """
CREATE OR REPLACE FUNCTION loans_ledgerentry_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'loans_ledgerentry is append-only (% refused)', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER loans_ledgerentry_append_only
    BEFORE UPDATE OR DELETE ON loans_ledgerentry
    FOR EACH ROW EXECUTE FUNCTION loans_ledgerentry_append_only();
"""
BACKWARD = """
DROP TRIGGER IF EXISTS loans_ledgerentry_append_only ON loans_ledgerentry;
DROP FUNCTION IF EXISTS loans_ledgerentry_append_only();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [("loans", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
