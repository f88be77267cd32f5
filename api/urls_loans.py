"""API routes: loans (joined into api/urls.py before the JSON 404)."""

from django.urls import path

from api import loan_applications as applications
from api import loans

urlpatterns = [
    path("loan-products/", loans.ProductList.as_view(), name="loan-product-list"),
    path("loan-products/<slug:code>/", loans.ProductDetail.as_view(), name="loan-product-detail"),
    path("loan-products/<slug:code>/applications/", applications.ProductApply.as_view(), name="loan-product-apply"),
    path("loan-simulations/", loans.Simulation.as_view(), name="loan-simulation"),
    path("loan-applications/", applications.ApplicationList.as_view(), name="loan-application-list"),
    path("loan-applications/<int:id>/", applications.ApplicationDetail.as_view(), name="loan-application-detail"),
    path(
        "loan-applications/<int:id>/documents/",
        applications.DocumentUpload.as_view(),
        name="loan-application-documents",
    ),
    path("loan-applications/<int:id>/submit/", applications.Submit.as_view(), name="loan-application-submit"),
    path(
        "loan-applications/<int:id>/convention/<str:kind>/",
        applications.ConventionDownload.as_view(),
        name="loan-application-convention",
    ),
    path(
        "loan-applications/<int:id>/signed-convention/",
        applications.SignedConventionUpload.as_view(),
        name="loan-application-signed-convention",
    ),
    path("loan-documents/<int:id>/", applications.DocumentDetail.as_view(), name="loan-document"),
    path("loan-submissions/<int:id>/receipt/", applications.ReceiptDownload.as_view(), name="loan-receipt"),
    path("loans/", loans.LoanList.as_view(), name="loan-list"),
    path("loans/<int:id>/", loans.LoanDetail.as_view(), name="loan-detail"),
    path("loans/<int:id>/schedule/", loans.ScheduleRows.as_view(), name="loan-schedule"),
    path("loans/<int:id>/ledger/", loans.Ledger.as_view(), name="loan-ledger"),
    path("loans/<int:id>/drawdowns/", loans.DrawdownRequest.as_view(), name="loan-drawdowns"),
    path(
        "loans/<int:id>/drawdowns/<int:drawdown_id>/approve/",
        loans.DrawdownApprove.as_view(),
        name="loan-drawdown-approve",
    ),
    path(
        "loans/<int:id>/drawdowns/<int:drawdown_id>/refuse/",
        loans.DrawdownRefuse.as_view(),
        name="loan-drawdown-refuse",
    ),
    path("loans/<int:id>/repayments/", loans.RepaymentCreate.as_view(), name="loan-repayments"),
    path("loans/<int:id>/write-offs/", loans.WriteOffCreate.as_view(), name="loan-write-offs"),
    path("loans/<int:id>/reversals/", loans.ReversalCreate.as_view(), name="loan-reversals"),
    path("loan-invoices/<int:id>/", loans.InvoiceDownload.as_view(), name="loan-invoice"),
]
