"""The portal's loan pages (borrowers) and the permission-checked files (borrowers and staff alike)."""

from django.urls import path

from loans import views_files, views_portal, views_portal_loans

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
    # The borrower's pages: open products, applications, loans.
    path("loan-products/", views_portal_loans.product_list, name="products"),
    path("loan-products/<slug:code>/", views_portal_loans.product_detail, name="product"),
    path("loan-products/<slug:code>/apply/", views_portal_loans.apply, name="apply"),
    path("loan-applications/", views_portal.application_list, name="applications"),
    path("loan-applications/<int:pk>/", views_portal.application_detail, name="application"),
    path("loan-applications/<int:pk>/documents/", views_portal.document_upload, name="document_upload"),
    path("loan-applications/<int:pk>/submit/", views_portal.submit, name="submit"),
    # Not under .../convention/<kind>/, which is the download of the convention and of the signed copy.
    path("loan-applications/<int:pk>/signed-convention/", views_portal.convention_upload, name="convention_upload"),
    path("loan-documents/<int:document_id>/remove/", views_portal.document_remove, name="document_remove"),
    path("loans/", views_portal_loans.loan_list, name="loans"),
    path("loans/<int:pk>/", views_portal_loans.loan_detail, name="loan"),
    path("loans/<int:pk>/drawdowns/", views_portal_loans.drawdown_request_view, name="drawdown_request"),
]
