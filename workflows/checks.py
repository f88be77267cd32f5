"""System checks: no registered version may have waiting tasks on steps its code no longer has, and no published
version may have a graph that differs from the one it was published with."""

from django.core.checks import Error, Tags, register
from django.db import DatabaseError
from viewflow.workflow.models import Task

from workflows import registry
from workflows.refs import FINISHED_TASK, step_of, with_raw_ref


def orphaned_tasks() -> list[tuple[str, str, int]]:
    """(version, missing step, waiting tasks) for every registered version."""
    found = []
    for registered in registry.all_versions():
        steps = registered.step_names()
        waiting = with_raw_ref(
            Task.objects.filter(process__flow_class=registered.flow_ref).exclude(status__in=FINISHED_TASK)
        )
        counts: dict[str, int] = {}
        for ref in waiting.values_list("raw_ref", flat=True):
            step = step_of(ref)
            if step not in steps:
                counts[step] = counts.get(step, 0) + 1
        found += [(registered.label, step, count) for step, count in sorted(counts.items())]
    return found


@register(Tags.database)
def check_no_waiting_task_on_a_missing_step(app_configs, databases=None, **kwargs):
    if not databases:
        return []
    try:
        orphans = orphaned_tasks()
    except DatabaseError:  # tables not created yet (first migrate)
        return []
    return [
        Error(
            f"{label}: {count} waiting task(s) on step '{step}', which the code of this version no longer has.",
            hint=f"Restore the step, or move the cases: manage.py workflow_migrate with --map {step}=<new step>.",
            id="workflows.E001",
        )
        for label, step, count in orphans
    ]


@register(Tags.database)
def check_published_graphs_unchanged(app_configs, databases=None, **kwargs):
    if not databases:
        return []
    from workflows.models import ProcessVersion

    try:
        published = {v.label: v for v in ProcessVersion.objects.exclude(graph_fingerprint="")}
    except DatabaseError:
        return []
    errors = []
    for registered in registry.all_versions():
        row = published.get(registered.label)
        if row is not None and row.graph_fingerprint != registered.fingerprint():
            errors.append(
                Error(
                    f"{registered.label} was published with another graph: its cases in flight would change.",
                    hint="Put the change in a new version and migrate the cases; restore the published graph.",
                    id="workflows.E002",
                )
            )
    return errors
