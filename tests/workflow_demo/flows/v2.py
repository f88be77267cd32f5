from viewflow import this
from viewflow.workflow import flow
from viewflow.workflow.flow.views import UpdateProcessView

from workflows.base import CaseFlow
from workflows.nodes import HumanTask
from workflows.registry import register


@register("demo_request", 2)
class DemoRequestV2Flow(CaseFlow):
    """Demo request (version 2): the check is now called screening, and a second opinion precedes the decision."""

    start = flow.StartHandle(this.begin).Next(this.screen)
    screen = (
        HumanTask(UpdateProcessView.as_view(fields=[]))
        .Annotation(title="Screen the request")
        .Permission("workflow_demo.check_demorequest")
        .Due(days=3)
        .Next(this.second_opinion)
    )
    second_opinion = (
        HumanTask(UpdateProcessView.as_view(fields=[]))
        .Annotation(title="Second opinion")
        .Permission("workflow_demo.check_demorequest")
        .Due(days=5)
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
