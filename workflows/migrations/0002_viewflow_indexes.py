"""Indexes viewflow's own tables lack for our inbox, queue, checks and migrations (see docs/decisions.md).

They are created here, in our app, because viewflow's models are not ours to change.
"""

from django.db import migrations

INDEXES = [
    # Cases of a version that are still running: workflow_versions, retiring a version, planning a migration.
    ("workflows_process_flow_status", "viewflow_process", "flow_class, status"),
    # Waiting tasks per step: the queue's step filter, the orphaned-step check, counts per step.
    ("workflows_task_step_status", "viewflow_task", "flow_task, status"),
    # The queue: unclaimed human tasks whose permission one of the user's roles holds.
    ("workflows_task_permission", "viewflow_task", "owner_permission, status, flow_task_type"),
    # My tasks and done tasks: by owner and status.
    ("workflows_task_owner_status", "viewflow_task", "owner_id, status"),
]


def create(apps, schema_editor):
    for name, table, columns in INDEXES:
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} ({columns})", params=None)


def drop(apps, schema_editor):
    for name, _table, _columns in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}", params=None)


class Migration(migrations.Migration):
    dependencies = [("workflows", "0001_initial"), ("viewflow", "0015_task_scheduled")]
    operations = [migrations.RunPython(create, drop)]
