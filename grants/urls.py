from django.urls import path

from grants import views_awards, views_files, views_portal

app_name = "grants"

urlpatterns = [
    path("documents/<int:document_id>/", views_files.document_download, name="document"),
    path("submissions/<int:snapshot_id>/receipt/", views_files.receipt_download, name="receipt"),
    path("calls/", views_portal.call_list, name="calls"),
    path("calls/<slug:code>/", views_portal.call_detail, name="call"),
    path("calls/<slug:code>/apply/", views_portal.apply, name="apply"),
    path("applications/", views_portal.application_list, name="applications"),
    path("applications/<int:pk>/", views_portal.application_detail, name="application"),
    path("applications/<int:pk>/autosave/", views_portal.autosave, name="autosave"),
    path("applications/<int:pk>/documents/", views_portal.document_upload, name="document_upload"),
    path("applications/<int:pk>/submit/", views_portal.submit, name="submit"),
    path("applications/<int:pk>/sign-request/", views_portal.signature_request_view, name="signature_request"),
    path("documents/<int:document_id>/remove/", views_portal.document_remove_view, name="document_remove"),
    # After the decision: letters, the award's tranches, the justification.
    path("letters/<int:letter_id>/", views_awards.letter_download, name="letter"),
    path("tranches/<int:tranche_id>/claim/", views_awards.tranche_claim_view, name="tranche_claim"),
    path("awards/<int:award_id>/justification/", views_awards.justification, name="justification"),
    path("awards/<int:award_id>/justification/lines/", views_awards.expense_add, name="expense_add"),
    path("awards/<int:award_id>/justification/report/", views_awards.justification_report, name="justification_report"),
    path(
        "awards/<int:award_id>/justification/report/file/",
        views_awards.justification_report_download,
        name="justification_report_file",
    ),
    path(
        "awards/<int:award_id>/justification/submit/",
        views_awards.justification_submit_view,
        name="justification_submit",
    ),
    path("expense-lines/<int:line_id>/remove/", views_awards.expense_remove, name="expense_remove"),
    path("expense-lines/<int:line_id>/proof/", views_awards.expense_proof_download, name="expense_proof"),
]
