"""Background work of the workflow layer, driven by Celery beat every minute."""

import logging

from celery import shared_task
from viewflow.workflow.timers import fire_due_conditions, fire_due_timers

from workflows.services.deadlines import deadlines_sweep

logger = logging.getLogger(__name__)


@shared_task(name="workflows.tick")
def tick() -> dict:
    """Fire due viewflow timers and conditions, then send due reminders and escalations. Safe to overlap:
    viewflow re-checks each timer under its flow lock, and each deadline is handled once under a row lock."""
    result = {"timers": fire_due_timers(), "conditions": fire_due_conditions(), **deadlines_sweep()}
    if any(result.values()):
        logger.info("workflows tick: %s", result)
    return result
