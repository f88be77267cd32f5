from django.db import migrations

# PostgreSQL refuses any UPDATE or DELETE on imported statements and their lines, whoever asks (ORM, raw SQL, psql).
# SQLite (the embedded demo database) relies on the model and queryset guards only.
TABLES = ("finance_bankstatement", "finance_statementline")
FORWARD = """
CREATE OR REPLACE FUNCTION finance_statement_immutable() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% is immutable (% refused)', TG_TABLE_NAME, TG_OP;
END;
$$ LANGUAGE plpgsql;
"""
TRIGGER = """
CREATE TRIGGER {table}_immutable BEFORE UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION finance_statement_immutable();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD, params=None)
        for table in TABLES:
            schema_editor.execute(TRIGGER.format(table=table), params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for table in TABLES:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_immutable ON {table};", params=None)
        schema_editor.execute("DROP FUNCTION IF EXISTS finance_statement_immutable();", params=None)


class Migration(migrations.Migration):
    dependencies = [("finance", "0005_orders_batches_statements")]
    operations = [migrations.RunPython(forward, backward)]
