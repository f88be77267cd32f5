"""Importing a bank statement (CODA or camt.053) for one of the administration's accounts.

The file is checked whole (size, name, content, every record) before anything is stored; the statement and its lines
are stored in one transaction, immutably; the same file or the same statement twice is refused. The automatic
matching runs once the import has committed, one line per transaction (finance.services.matching): a line that
cannot be matched never undoes the import, and the lines stay on the manual matching page.
"""

import hashlib
from functools import partial
from pathlib import PurePath

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import InvalidInput, NotPermitted
from core.roles import is_staff_member
from core.services.audit import audit_record
from core.uploads import PROGRAM_SIGNATURES, max_upload_bytes, safe_name
from finance.bankfiles import ParsedStatement, parse_statement
from finance.models import BankStatement, StatementLine, TreasuryAccount

SUFFIXES = (".cod", ".coda", ".txt", ".dat", ".xml")  # what banks and their portals name CODA and camt.053 files


def _refuse(message: str) -> InvalidInput:
    return InvalidInput(message, extra={"fields": {"file": [message]}})


def _read_checked(upload: UploadedFile) -> bytes:
    """The bytes of the upload, or a refusal: too big, empty, a program, or a name no statement file has."""
    limit = max_upload_bytes()
    if upload.size is None or upload.size > limit:
        raise _refuse(
            _("This file is too large (%(size)s): the limit is %(limit)s.")
            % {"size": filesizeformat(upload.size or 0), "limit": filesizeformat(limit)}
        )
    if upload.size == 0:
        raise _refuse(_("This file is empty."))
    if PurePath(upload.name or "").suffix.lower() not in SUFFIXES:
        raise _refuse(
            _("Send the statement as the bank gives it: a CODA file (.cod, .coda, .txt) or a camt.053 file (.xml).")
        )
    upload.seek(0)
    content = upload.read()
    if content.startswith(PROGRAM_SIGNATURES):
        raise _refuse(_("This file is a program, not a statement: it is refused."))
    return content


def _already(statement: BankStatement) -> str:
    text = _(
        "Statement %(number)s of %(date)s for %(iban)s was already imported (file %(name)s): nothing was imported."
    )
    return text % {
        "number": statement.number,
        "date": statement.statement_date.strftime("%d/%m/%Y"),
        "iban": statement.account.iban,
        "name": statement.file_name,
    }


def _check_new(parsed: ParsedStatement, digest: str) -> TreasuryAccount:
    account = TreasuryAccount.objects.filter(iban=parsed.iban).first()
    if account is None:
        raise _refuse(
            _(
                "The statement is for the account %(iban)s, which is not an account of the administration: "
                "nothing was imported."
            )
            % {"iban": parsed.iban or "?"}
        )
    same_file = BankStatement.objects.select_related("account").filter(file_sha256=digest).first()
    if same_file is not None:
        raise _refuse(
            _("This file was already imported on %(date)s (statement %(number)s of %(iban)s): nothing was imported.")
            % {
                "date": timezone.localtime(same_file.imported_at).strftime("%d/%m/%Y"),
                "number": same_file.number,
                "iban": same_file.account.iban,
            }
        )
    same = BankStatement.objects.select_related("account").filter(
        account=account, number=parsed.number, statement_date=parsed.statement_date
    )
    if (existing := same.first()) is not None:
        raise _refuse(_already(existing))
    return account


@transaction.atomic
def statement_import(*, actor, upload: UploadedFile) -> BankStatement:
    """Store the statement and its lines, or refuse the whole file with the line number and reason."""
    if not (is_staff_member(actor) and actor.has_perm("finance.add_bankstatement")):
        raise NotPermitted(_("Only finance officers import bank statements."))
    content = _read_checked(upload)
    digest = hashlib.sha256(content).hexdigest()
    parsed = parse_statement(content)
    account = _check_new(parsed, digest)
    try:
        with transaction.atomic():  # a colleague importing the same file at the same moment: one of you wins
            statement = BankStatement.objects.create(
                account=account,
                format=parsed.format,
                number=parsed.number,
                statement_date=parsed.statement_date,
                opening_balance=parsed.opening_balance,
                closing_balance=parsed.closing_balance,
                file_name=safe_name(upload.name or "statement"),
                file_sha256=digest,
                content=content,
                imported_by=actor,
            )
    except IntegrityError:
        raise _refuse(_("This statement was already imported: nothing was imported.")) from None
    StatementLine.objects.bulk_create(StatementLine(statement=statement, **vars(line)) for line in parsed.lines)
    audit_record(
        obj=statement,
        actor=actor,
        action="imported",
        changes={"format": parsed.format, "lines": len(parsed.lines), "sha256": digest},
    )
    from finance.services.matching import statement_match

    # After the commit, one line per transaction (see the module's docstring); robust: a failure is logged, the
    # import stands and the lines wait on the manual page.
    transaction.on_commit(partial(statement_match, statement_id=statement.pk), robust=True)
    return statement
