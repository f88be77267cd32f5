"""Nodes our processes use on top of viewflow's."""

from viewflow.workflow import flow
from viewflow.workflow.nodes.view import ViewActivation

DEFAULT_DUE_DAYS = 10
DEFAULT_REMIND_DAYS_BEFORE = 2


class HumanTaskActivation(ViewActivation):
    @classmethod
    def create(cls, flow_task, prev_activation, token, data=None, seed=None):
        activation = super().create(flow_task, prev_activation, token, data=data, seed=seed)
        from workflows.services.deadlines import deadline_create

        # The deadline is part of the task: created in the same transaction as the task row.
        deadline_create(task=activation.task)
        return activation


class HumanTask(flow.View):
    """A step a person does, with a deadline: `.Due(days=5, remind_days_before=2)`.

    Days count as the Brussels ordinance of 16 July 1998 counts them (core.calendar); a call can override them per
    step (Case.due_overrides).
    """

    activation_class = HumanTaskActivation

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.due_days = DEFAULT_DUE_DAYS
        self.remind_days_before = DEFAULT_REMIND_DAYS_BEFORE

    def Due(self, days: int, remind_days_before: int = DEFAULT_REMIND_DAYS_BEFORE) -> "HumanTask":
        if days < 1 or remind_days_before < 0:
            raise ValueError("a deadline is at least one day; a reminder cannot come after it")
        self.due_days = days
        self.remind_days_before = remind_days_before
        return self
