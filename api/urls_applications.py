"""API routes: grant applications and awards (joined into api/urls.py before the JSON 404)."""

from django.urls import path

from api import applications, awards

urlpatterns: list = [
    path("applications/", applications.ApplicationList.as_view(), name="application-list"),
    path("applications/<int:id>/", applications.ApplicationDetail.as_view(), name="application-detail"),
    path("applications/<int:id>/history/", applications.ApplicationHistory.as_view(), name="application-history"),
    path("applications/<int:id>/documents/", applications.DocumentList.as_view(), name="application-documents"),
    path("applications/<int:id>/submit/", applications.Submit.as_view(), name="application-submit"),
    path(
        "applications/<int:id>/signature-request/",
        applications.SignatureRequest.as_view(),
        name="application-signature-request",
    ),
    path("documents/<int:id>/", applications.DocumentDetail.as_view(), name="document"),
    path("submissions/<int:id>/receipt/", applications.ReceiptDownload.as_view(), name="submission-receipt"),
    path("letters/<int:id>/", applications.LetterDownload.as_view(), name="letter"),
]
urlpatterns += [
    path("awards/", awards.AwardList.as_view(), name="award-list"),
    path("awards/<int:id>/", awards.AwardDetail.as_view(), name="award-detail"),
    path("tranches/<int:id>/claim/", awards.TrancheClaim.as_view(), name="tranche-claim"),
    path("awards/<int:id>/justification/", awards.JustificationDetail.as_view(), name="justification"),
    path("awards/<int:id>/justification/lines/", awards.ExpenseLineAdd.as_view(), name="expense-line-add"),
    path("awards/<int:id>/justification/report/", awards.JustificationReport.as_view(), name="justification-report"),
    path("awards/<int:id>/justification/submit/", awards.JustificationSubmit.as_view(), name="justification-submit"),
    path("expense-lines/<int:id>/", awards.ExpenseLineDetail.as_view(), name="expense-line"),
    path("expense-lines/<int:id>/proof/", awards.ExpenseProofDownload.as_view(), name="expense-line-proof"),
]
