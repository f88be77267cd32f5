"""The finance staff pages of the bank side: importing a statement (CODA or camt.053), the statements and their
lines with what each line was matched to, and the manual matching of what the automatic matching left.

Views check the reader's rights, read the input, call one service (finance.services.statements / matching) and
render; refusals are shown in the page with nothing stored."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core.errors import ApplicationError, NotPermitted
from core.forms import apply_service_error
from core.money import format_eur
from core.views.access import require_staff_permission as _require
from core.views.service_forms import submit
from finance import selectors_bank as selectors
from finance.models import BankStatement, LineMatch, StatementLine
from finance.services.matching import match_manual, match_undo, statement_rematch
from finance.services.statements import statement_import

PAGE_SIZE = 50
VIEW_STATEMENTS = "finance.view_bankstatement"
VIEW_LINES = "finance.view_statementline"


class StatementUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Statement file"),
        help_text=gettext_lazy("A CODA file (.cod) or a camt.053 file (.xml), as the bank gives it."),
    )


class UndoForm(forms.Form):
    # Optional here so that the service's message ("say why") is the one people read.
    reason = forms.CharField(label=gettext_lazy("Why is this match undone?"), max_length=300, required=False)


class SearchForm(forms.Form):
    q = forms.CharField(label=gettext_lazy("Reference, communication or name"), max_length=100, required=False)
    amount = forms.CharField(label=gettext_lazy("Amount"), max_length=30, required=False)


TARGETS = [
    ("order", gettext_lazy("Payment order")),
    ("loan", gettext_lazy("Loan")),
    ("receivable", gettext_lazy("Amount to recover")),
]


class MatchForm(forms.Form):
    target = forms.ChoiceField(choices=TARGETS)
    target_id = forms.IntegerField(min_value=1)
    installment_id = forms.IntegerField(min_value=1, required=False)
    amount = forms.CharField(label=gettext_lazy("Amount"), max_length=30, required=False)


# Statements -----------------------------------------------------------------------------------------------------


def _list_context(request: HttpRequest, **extra) -> dict:
    page = Paginator(selectors.statements_with_counts(), PAGE_SIZE).get_page(request.GET.get("page"))
    return {
        "page": page,
        "may_import": request.user.has_perm("finance.add_bankstatement"),
        "form": StatementUploadForm(),
        **extra,
    }


def statement_list(request: HttpRequest) -> HttpResponse:
    _require(request.user, VIEW_STATEMENTS)
    return render(request, "staff/finance/bank/statements.html", _list_context(request))


@require_POST
def statement_upload(request: HttpRequest) -> HttpResponse:
    _require(request.user, VIEW_STATEMENTS)
    form = StatementUploadForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            statement = statement_import(actor=request.user, upload=form.cleaned_data["file"])
        except NotPermitted as error:
            raise PermissionDenied(error.message) from None
        except ApplicationError as error:
            apply_service_error(form, error)
        else:
            # The automatic matching ran as the import committed: the statement's page shows what it left.
            count = statement.lines.count()
            messages.success(request, _("The statement is imported with its %(count)s line(s).") % {"count": count})
            return redirect("staff:finance:statements:detail", pk=statement.pk)
    return render(request, "staff/finance/bank/statements.html", _list_context(request, form=form), status=400)


def _detail_context(request: HttpRequest, statement: BankStatement, **extra) -> dict:
    return {
        "statement": statement,
        "lines": selectors.statement_lines(statement),
        "may_match": request.user.has_perm("finance.add_linematch"),
        "may_undo": request.user.has_perm("finance.change_linematch"),
        **extra,
    }


def _statement_or_404(pk: int) -> BankStatement:
    return get_object_or_404(BankStatement.objects.select_related("account", "imported_by").defer("content"), pk=pk)


def statement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request.user, VIEW_STATEMENTS)
    statement = _statement_or_404(pk)
    return render(request, "staff/finance/bank/statement.html", _detail_context(request, statement))


@require_POST
def statement_rematch_view(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request.user, VIEW_STATEMENTS)
    statement = _statement_or_404(pk)
    try:
        count = statement_rematch(actor=request.user, statement_id=statement.pk)
    except NotPermitted as error:
        raise PermissionDenied(error.message) from None
    messages.success(request, _("The automatic matching matched %(count)s more line(s).") % {"count": count})
    return redirect("staff:finance:statements:detail", pk=statement.pk)


@require_POST
def match_undo_view(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request.user, VIEW_STATEMENTS)
    match = get_object_or_404(LineMatch.objects.select_related("line"), pk=pk)
    form = UndoForm(request.POST)
    undone = submit(
        request,
        form,
        lambda data: match_undo(actor=request.user, match_id=match.pk, reason=data["reason"]),
        success=_("The match is undone: the line waits for matching again."),
    )
    statement = _statement_or_404(match.line.statement_id)
    if undone is not None:
        url = reverse("staff:finance:statements:detail", args=[statement.pk])
        return redirect(f"{url}#line-{match.line_id}")
    context = _detail_context(request, statement, failed_match_id=match.pk, undo_form=form)
    return render(request, "staff/finance/bank/statement.html", context, status=400)


# Manual matching ------------------------------------------------------------------------------------------------


def matching_list(request: HttpRequest) -> HttpResponse:
    _require(request.user, VIEW_LINES)
    search = SearchForm(request.GET or None)
    q = amount = None
    if search.is_valid():
        q = search.cleaned_data["q"].strip()
        amount = selectors.parse_amount(search.cleaned_data["amount"])
    lines = selectors.search_open_lines(q or "", amount)
    page = Paginator(lines, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "staff/finance/bank/matching.html", {"page": page, "search": search})


def _line_context(request: HttpRequest, line: StatementLine, **extra) -> dict:
    search = SearchForm(request.GET or None)
    q, amount = "", None
    if search.is_valid():
        q = search.cleaned_data["q"].strip()
        amount = selectors.parse_amount(search.cleaned_data["amount"])
    left = line.left  # type: ignore[attr-defined]
    context = {
        "line": line,
        "left": left,
        "matches": list(
            line.matches.select_related("payment_order", "loan", "receivable", "matched_by", "undone_by").order_by("id")
        ),
        "search": search,
        "may_match": request.user.has_perm("finance.add_linematch"),
        "outgoing": line.amount < 0,
    }
    if line.amount < 0:
        context["orders"] = selectors.order_candidates(line, q, amount, left)
    else:
        installments = selectors.installment_candidates(line, q, amount)
        context["installments"] = installments
        context["loans"] = list({i.loan_id: i.loan for i in installments}.values())
        context["receivables"] = selectors.receivable_candidates(line, q, amount)
    return {**context, **extra}


def _line_or_404(pk: int) -> StatementLine:
    return get_object_or_404(selectors.lines_with_matched().select_related("statement__account"), pk=pk)


def line_match(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request.user, VIEW_LINES)
    line = _line_or_404(pk)
    return render(request, "staff/finance/bank/line.html", _line_context(request, line))


def _match(request: HttpRequest, line: StatementLine, data: dict):
    ids = {"order": "payment_order_id", "loan": "loan_id", "receivable": "receivable_id"}
    return match_manual(
        actor=request.user,
        line_id=line.pk,
        amount=data["amount"],
        installment_id=data.get("installment_id"),
        **{ids[data["target"]]: data["target_id"]},
    )


@require_POST
def line_match_post(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request.user, VIEW_LINES)
    line = _line_or_404(pk)
    form = MatchForm(request.POST)
    match = None
    if form.is_valid():
        try:
            match = _match(request, line, form.cleaned_data)
        except NotPermitted as error:
            raise PermissionDenied(error.message) from None
        except ApplicationError as error:
            apply_service_error(form, error)
    if match is not None:
        messages.success(request, _("The line is matched (%(amount)s).") % {"amount": format_eur(match.amount)})
        return redirect("staff:finance:matching:line", pk=line.pk)
    line = _line_or_404(pk)
    context = _line_context(request, line, match_form=form, failed=request.POST)
    return render(request, "staff/finance/bank/line.html", context, status=400)
