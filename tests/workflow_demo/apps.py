from django.apps import AppConfig


class WorkflowDemoConfig(AppConfig):
    """A small demo process in two versions, installed by the test settings only."""

    name = "tests.workflow_demo"
    label = "workflow_demo"
    default_auto_field = "django.db.models.BigAutoField"
