"""The portal's loan pages (borrowers) and the permission-checked files (borrowers and staff alike)."""

from django.urls import path

from loans import views_files

app_name = "loans"

urlpatterns = [
    path("loan-documents/<int:document_id>/", views_files.document_download, name="document"),
    path("loan-submissions/<int:snapshot_id>/receipt/", views_files.receipt_download, name="receipt"),
    path(
        "loan-applications/<int:application_id>/convention/<str:kind>/",
        views_files.convention_download,
        name="convention",
    ),
    path("loan-invoices/<int:invoice_id>/", views_files.invoice_download, name="invoice"),
    path("loan-notices/<int:installment_id>/", views_files.notice_download, name="notice"),
]
