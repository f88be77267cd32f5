from django.core.management.base import BaseCommand, CommandError
from viewflow.workflow.models import Task

from core.errors import ApplicationError
from workflows import registry
from workflows.models import ProcessVersion
from workflows.refs import FINISHED_TASK, step_of, with_raw_ref
from workflows.services.versions import cases_in_flight, sync_versions, version_set_state


class Command(BaseCommand):
    help = (
        "List every process version with its state and how many cases wait at each step; "
        "or change a version's state: --publish/--freeze/--unfreeze/--retire KEY@N."
    )

    def add_arguments(self, parser):
        group = parser.add_mutually_exclusive_group()
        for option in ("publish", "freeze", "unfreeze", "retire"):
            group.add_argument(f"--{option}", metavar="KEY@N")

    def handle(self, *args, **options) -> None:
        sync_versions()
        states = {"publish": "current", "freeze": "frozen", "unfreeze": "current", "retire": "retired"}
        for option, state in states.items():
            if options[option]:
                try:
                    key, number = registry.parse_pin(options[option])
                    row = version_set_state(actor=None, key=key, version=number, state=state)
                except ApplicationError as error:
                    raise CommandError(str(error.message)) from None
                self.stdout.write(f"{row.label} is now {row.state}.")
                return
        self._list()

    def _list(self) -> None:
        rows = {v.label: v for v in ProcessVersion.objects.all()}
        for registered in registry.all_versions():
            row = rows[registered.label]
            self.stdout.write(
                f"{registered.label:<28} {row.state:<8} {registered.flow_class.__name__:<32} "
                f"{cases_in_flight(row)} case(s) in flight"
            )
            waiting = with_raw_ref(
                Task.objects.filter(process__flow_class=registered.flow_ref).exclude(status__in=FINISHED_TASK)
            )
            counts: dict[str, int] = {}
            for ref in waiting.values_list("raw_ref", flat=True):
                counts[step_of(ref)] = counts.get(step_of(ref), 0) + 1
            steps = registered.step_names()
            for step, count in sorted(counts.items()):
                missing = "" if step in steps else "   <- step missing from the code: migrate these cases"
                self.stdout.write(f"    {step:<24} {count:>6} waiting{missing}")
