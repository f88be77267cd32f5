"""API routes: finance (joined into api/urls.py before the JSON 404). Staff only: see api/finance.py."""

from django.urls import path

from api import finance_bank as bank
from api import finance_orders as orders
from api import finance_programmes as programmes

urlpatterns = [
    path("finance/payables/", orders.PayableList.as_view(), name="finance-payable-list"),
    path("finance/payables/<int:id>/prepare-order/", orders.OrderPrepare.as_view(), name="finance-order-prepare"),
    path("finance/payables/<int:id>/paid/", orders.PayablePaid.as_view(), name="finance-payable-paid"),
    path("finance/treasury-accounts/", orders.TreasuryAccountList.as_view(), name="finance-account-list"),
    path("finance/payment-orders/", orders.OrderList.as_view(), name="finance-order-list"),
    path("finance/payment-orders/<int:id>/", orders.OrderDetail.as_view(), name="finance-order-detail"),
    path("finance/payment-orders/<int:id>/approve/", orders.OrderApprove.as_view(), name="finance-order-approve"),
    path("finance/payment-orders/<int:id>/reject/", orders.OrderReject.as_view(), name="finance-order-reject"),
    path("finance/payment-batches/", orders.BatchList.as_view(), name="finance-batch-list"),
    path("finance/payment-batches/<int:id>/", orders.BatchDetail.as_view(), name="finance-batch-detail"),
    path("finance/payment-batches/<int:id>/pain001/", orders.BatchFile.as_view(), name="finance-batch-file"),
    path("finance/bank-statements/", bank.StatementList.as_view(), name="finance-statement-list"),
    path("finance/bank-statements/<int:id>/", bank.StatementDetail.as_view(), name="finance-statement-detail"),
    path(
        "finance/bank-statements/<int:id>/rematch/", bank.StatementRematch.as_view(), name="finance-statement-rematch"
    ),
    path("finance/statement-lines/", bank.OpenLineList.as_view(), name="finance-line-list"),
    path("finance/statement-lines/<int:id>/", bank.LineDetail.as_view(), name="finance-line-detail"),
    path("finance/statement-lines/<int:id>/matches/", bank.LineMatchCreate.as_view(), name="finance-line-match"),
    path("finance/line-matches/<int:id>/undo/", bank.MatchUndo.as_view(), name="finance-match-undo"),
    path("finance/reconciliation-workbooks/", bank.WorkbookList.as_view(), name="finance-workbook-list"),
    path("finance/reconciliation-workbooks/<int:id>/", bank.WorkbookDetail.as_view(), name="finance-workbook-detail"),
    path(
        "finance/reconciliation-workbooks/<int:id>/download/",
        bank.WorkbookDownload.as_view(),
        name="finance-workbook-download",
    ),
    path("finance/paradigm-transfers/", programmes.TransferList.as_view(), name="finance-transfer-list"),
    path("finance/paradigm-transfers/<int:id>/", programmes.TransferDetail.as_view(), name="finance-transfer-detail"),
    path(
        "finance/paradigm-transfers/<int:id>/correction/",
        programmes.TransferCorrect.as_view(),
        name="finance-transfer-correct",
    ),
    path(
        "finance/paradigm-transfers/<int:id>/documents/",
        programmes.TransferDocuments.as_view(),
        name="finance-transfer-documents",
    ),
    path(
        "finance/paradigm-documents/<int:id>/download/",
        programmes.AttachmentDownload.as_view(),
        name="finance-transfer-document",
    ),
    path("finance/wepulse/", programmes.WePulseDashboardView.as_view(), name="finance-wepulse"),
    path("finance/wepulse/participants/", programmes.ParticipantList.as_view(), name="finance-wepulse-participants"),
    path(
        "finance/wepulse/participants/<int:org_id>/",
        programmes.ParticipationSet.as_view(),
        name="finance-wepulse-participation",
    ),
    path(
        "finance/wepulse/participants/<int:org_id>/plans/<int:domain_id>/",
        programmes.PlanSet.as_view(),
        name="finance-wepulse-plan",
    ),
    path("finance/wepulse/plans/", programmes.PlanList.as_view(), name="finance-wepulse-plans"),
]
