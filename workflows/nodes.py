"""Nodes our processes use on top of viewflow's."""

from viewflow.workflow import flow
from viewflow.workflow.activation import Activation
from viewflow.workflow.exceptions import FlowRuntimeError
from viewflow.workflow.nodes.split import SplitActivation
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
    claimable = True

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


class DynamicSplitActivation(SplitActivation):
    @Activation.status.super()
    def activate(self):
        """One task of the branch's node per item of its data source (viewflow's open-source Split makes one)."""
        for node, condition, data_source in self.flow_task._branches:
            if condition and not condition(self):
                continue
            items = data_source(self) if data_source else [None]
            self.next_tasks.extend((node, item) for item in items)
        if not self.next_tasks:
            raise FlowRuntimeError(f"No next task available for {self.flow_task.name}")


class DynamicSplit(flow.Split):
    """`DynamicSplit().Each(this.review, lambda activation: [{...}, {...}])`: as many parallel tasks as items, each
    with its item as task.data; a Join after them waits for all (viewflow's Join counts the split's tokens)."""

    activation_class = DynamicSplitActivation

    def Each(self, node, data_source) -> "DynamicSplit":
        self._activate_next.append((node, None, data_source))
        return self


class SystemAssignedTask(HumanTask):
    """A human task given to a person by a service (e.g. a reviewer's place), never taken from the queue."""

    claimable = False
