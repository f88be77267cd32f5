"""API routes: tasks (joined into api/urls.py before the JSON 404)."""

from django.urls import path

from api import task_actions, tasks

urlpatterns = [
    path("tasks/", tasks.MyTaskList.as_view(), name="task-inbox"),
    path("tasks/queue/", tasks.QueueList.as_view(), name="task-queue"),
    path("tasks/<int:id>/", tasks.TaskDetail.as_view(), name="task-detail"),
    path("tasks/<int:id>/claim/", tasks.TaskClaim.as_view(), name="task-claim"),
    path("tasks/<int:id>/release/", tasks.TaskRelease.as_view(), name="task-release"),
    # grant_application
    path(
        "tasks/<int:id>/eligibility-decision/",
        task_actions.GrantEligibilityDecision.as_view(),
        name="task-eligibility-decision",
    ),
    path(
        "tasks/<int:id>/conflict-declaration/",
        task_actions.ConflictDeclaration.as_view(),
        name="task-conflict-declaration",
    ),
    path("tasks/<int:id>/review/", task_actions.ReviewSubmission.as_view(), name="task-review"),
    path("tasks/<int:id>/approvals/", task_actions.AwardApproval.as_view(), name="task-approvals"),
    path("tasks/<int:id>/send-back/", task_actions.AwardSendBack.as_view(), name="task-send-back"),
    path("tasks/<int:id>/amendment/", task_actions.AwardAmendment.as_view(), name="task-amendment"),
    path(
        "tasks/<int:id>/justification-check/",
        task_actions.JustificationCheck.as_view(),
        name="task-justification-check",
    ),
    # frbrtc_loan
    path(
        "tasks/<int:id>/loan-eligibility-decision/",
        task_actions.LoanEligibilityDecision.as_view(),
        name="task-loan-eligibility-decision",
    ),
    path("tasks/<int:id>/loan-analysis/", task_actions.LoanAnalysis.as_view(), name="task-loan-analysis"),
    path("tasks/<int:id>/loan-decision/", task_actions.LoanDecision.as_view(), name="task-loan-decision"),
    path("tasks/<int:id>/convention-check/", task_actions.ConventionCheck.as_view(), name="task-convention-check"),
]
