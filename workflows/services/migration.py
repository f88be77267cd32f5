"""Moving cases in flight from one version of a process to another.

A plan says which cases move, each waiting step to which step, and which cases cannot move (a waiting step with no
mapping, or mapped to a step of another kind). The real run moves case by case, each in its own transaction under
the case's lock, with an audit record; a case already moved is skipped, so a rerun does nothing more.
"""

from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _
from viewflow.workflow.models import Task

from core.errors import InvalidInput, TransitionNotAllowed
from core.services.audit import audit_record
from workflows import registry
from workflows.models import Case, ProcessVersion, VersionState
from workflows.refs import FINISHED_TASK, step_of, task_ref, with_raw_ref
from workflows.services.versions import ACTIVE_PROCESS, version_row


@dataclass
class CaseMove:
    case_id: int
    reference: str
    steps: dict[str, str]


@dataclass
class CaseBlocked:
    case_id: int
    reference: str
    reasons: list[str]


@dataclass
class MigrationPlan:
    key: str
    source: registry.RegisteredVersion
    target: registry.RegisteredVersion
    mapping: dict[str, str]
    moves: list[CaseMove] = field(default_factory=list)
    blocked: list[CaseBlocked] = field(default_factory=list)


def _resolve(plan: MigrationPlan, case: Case) -> CaseMove | CaseBlocked:
    target_nodes = {node.name: node for node in plan.target.flow_class.instance.nodes()}
    steps: dict[str, str] = {}
    reasons: list[str] = []
    waiting = with_raw_ref(Task.objects.filter(process_id=case.pk).exclude(status__in=FINISHED_TASK))
    for task in waiting.only("id", "flow_task_type"):
        step = step_of(task.raw_ref)
        target = plan.mapping.get(step, step)
        node = target_nodes.get(target)
        if node is None:
            reasons.append(_("waiting step %(step)s has no mapping") % {"step": step})
        elif node.task_type != task.flow_task_type:
            reasons.append(
                _("step %(step)s (%(kind)s) cannot become %(target)s (%(target_kind)s)")
                % {"step": step, "kind": task.flow_task_type, "target": target, "target_kind": node.task_type}
            )
        else:
            steps[step] = target
    if reasons:
        return CaseBlocked(case.pk, case.reference, reasons)
    return CaseMove(case.pk, case.reference, steps)


def plan_migration(*, key: str, from_version: int, to_version: int, mapping: dict[str, str]) -> MigrationPlan:
    source, target = registry.get(key, from_version), registry.get(key, to_version)
    if from_version == to_version:
        raise InvalidInput(_("Choose two different versions."))
    source_row, target_row = version_row(source), version_row(target)
    if source_row.state == VersionState.RETIRED:
        raise TransitionNotAllowed(_("%(pin)s is retired: it has no cases to migrate.") % {"pin": source_row.label})
    if target_row.state != VersionState.CURRENT:
        raise TransitionNotAllowed(
            _("%(pin)s is %(state)s: cases can only move to a current version.")
            % {"pin": target_row.label, "state": target_row.get_state_display()}
        )
    unknown = sorted(set(mapping.values()) - target.step_names())
    if unknown:
        raise InvalidInput(
            _("%(pin)s has no step %(steps)s.") % {"pin": target.label, "steps": ", ".join(unknown)},
            extra={"fields": {"map": unknown}},
        )
    plan = MigrationPlan(key, source, target, dict(mapping))
    cases = Case.objects.filter(process_version=source_row, status__in=ACTIVE_PROCESS).order_by("pk")
    for case in cases.only("id", "reference"):
        outcome = _resolve(plan, case)
        (plan.moves if isinstance(outcome, CaseMove) else plan.blocked).append(outcome)  # type: ignore[arg-type]
    return plan


def migrate_case(*, plan: MigrationPlan, case_id: int, actor) -> CaseMove | CaseBlocked | None:
    """Move one case; None when it is no longer on the source version (moved already, or finished)."""
    source_row = ProcessVersion.objects.get(key=plan.key, version=plan.source.version)
    target_row = ProcessVersion.objects.get(key=plan.key, version=plan.target.version)
    with transaction.atomic(), plan.source.flow_class.lock(case_id):
        case = Case.objects.select_for_update(of=("self",)).get(pk=case_id)
        if case.process_version_id != source_row.pk or case.status not in ACTIVE_PROCESS:
            return None
        outcome = _resolve(plan, case)  # tasks may have moved on since the plan was made
        if isinstance(outcome, CaseBlocked):
            return outcome
        target_ref = plan.target.flow_ref
        for task in with_raw_ref(Task.objects.filter(process_id=case.pk)).only("id"):
            step = step_of(task.raw_ref)
            # Finished steps the new version does not have stay in the history as viewflow's obsolete steps.
            Task.objects.filter(pk=task.pk).update(flow_task=task_ref(target_ref, plan.mapping.get(step, step)))
        Case.objects.filter(pk=case.pk).update(flow_class=target_ref, process_version=target_row)
        audit_record(
            obj=case,
            actor=actor,
            action="case_migrated",
            from_state=source_row.label,
            to_state=target_row.label,
            changes={"steps": outcome.steps},
        )
        return outcome


def run_migration(*, plan: MigrationPlan, actor) -> tuple[list[CaseMove], list[CaseBlocked]]:
    moved: list[CaseMove] = []
    blocked = list(plan.blocked)
    for move in plan.moves:
        outcome = migrate_case(plan=plan, case_id=move.case_id, actor=actor)
        if isinstance(outcome, CaseMove):
            moved.append(outcome)
        elif isinstance(outcome, CaseBlocked):
            blocked.append(outcome)
    return moved, blocked
