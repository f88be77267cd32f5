from viewflow import this
from viewflow.workflow import flow
from viewflow.workflow.flow.views import UpdateProcessView

from workflows.base import CaseFlow
from workflows.nodes import HumanTask
from workflows.registry import register


@register("demo_request", 1)
class DemoRequestV1Flow(CaseFlow):
    """Demo request (version 1)"""

    start = flow.StartHandle(this.begin).Next(this.check)
    check = (
        HumanTask(UpdateProcessView.as_view(fields=[]))
        .Annotation(title="Check the request")
        .Permission("workflow_demo.check_demorequest")
        .Due(days=5, remind_days_before=2)
        .Next(this.decide)
    )
    decide = (
        HumanTask(UpdateProcessView.as_view(fields=[]))
        .Annotation(title="Decide")
        .Permission("workflow_demo.decide_demorequest")
        .Due(days=10)
        .Next(this.end)
    )
    end = flow.End()
