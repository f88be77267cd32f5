import datetime as dt

from viewflow import this
from viewflow.workflow import flow

from workflows.base import CaseFlow
from workflows.registry import register


@register("demo_wait", 1)
class DemoWaitV1Flow(CaseFlow):
    """Demo wait (version 1): a viewflow timer, fired by the workflows tick."""

    start = flow.StartHandle(this.begin).Next(this.wait)
    wait = flow.Timer(dt.timedelta(days=2)).Next(this.end)
    end = flow.End()
