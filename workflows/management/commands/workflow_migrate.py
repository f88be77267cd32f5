from django.core.management.base import BaseCommand, CommandError

from core.errors import ApplicationError
from workflows.services.migration import plan_migration, run_migration


def _mapping(pairs: list[str]) -> dict[str, str]:
    mapping = {}
    for pair in pairs:
        old, sep, new = pair.partition("=")
        if not sep or not old or not new:
            raise CommandError(f"--map takes old_step=new_step, not {pair!r}")
        mapping[old.strip()] = new.strip()
    return mapping


class Command(BaseCommand):
    help = "Move the cases in flight of process KEY from version A to version B, case by case."

    def add_arguments(self, parser):
        parser.add_argument("key")
        parser.add_argument("--from", dest="source", type=int, required=True, metavar="A")
        parser.add_argument("--to", dest="target", type=int, required=True, metavar="B")
        parser.add_argument("--map", dest="pairs", action="append", default=[], metavar="OLD=NEW")
        parser.add_argument("--dry-run", action="store_true", help="Show what would move, change nothing.")

    def handle(self, *args, key: str, source: int, target: int, pairs: list[str], dry_run: bool, **options) -> None:
        try:
            plan = plan_migration(key=key, from_version=source, to_version=target, mapping=_mapping(pairs))
        except ApplicationError as error:
            raise CommandError(str(error.message)) from None
        out = self.stdout.write
        counts = f"{len(plan.moves)} case(s) can move, {len(plan.blocked)} cannot."
        out(f"{plan.source.label} -> {plan.target.label}: {counts}")
        for move in plan.moves:
            steps = ", ".join(f"{old} -> {new}" for old, new in sorted(move.steps.items())) or "no waiting step"
            out(f"  move   #{move.case_id} {move.reference}: {steps}")
        for blocked in plan.blocked:
            out(f"  stays  #{blocked.case_id} {blocked.reference}: {'; '.join(blocked.reasons)}")
        if dry_run:
            out("Dry run: nothing changed.")
            return
        moved, stayed = run_migration(plan=plan, actor=None)
        out(f"Moved {len(moved)} case(s); {len(stayed)} stay on {plan.source.label}.")
