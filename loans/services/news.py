"""Telling the borrower what was decided on its loan application: every member in their own language (in-app and
e-mail, once per decision), and the organisation's own address in its correspondence language."""

from functools import partial

from django.db import transaction
from django.urls import reverse

from core.models import Membership
from core.notifications import send_templated_email
from core.services.notifications import notify
from loans.models import LoanApplication

TEMPLATE = "loan_application_news"


def borrower_tell(*, application: LoanApplication, event: str, key: str, **context) -> None:
    """`event` names what happened (eligible, not_eligible, info_requested, granted, refused, copy_refused);
    `key` makes it once per decision. Called inside the service's transaction."""
    context = {"application": application, "event": event, **context}
    organisation = application.organisation
    if organisation.email:
        transaction.on_commit(
            partial(
                send_templated_email,
                to=[organisation.email],
                template=TEMPLATE,
                context={**context, "url": ""},
                language=organisation.correspondence_language,
            )
        )
    for membership in Membership.objects.filter(organisation=organisation).select_related("user"):
        notify(
            recipient=membership.user,
            key=f"loan:{key}:{membership.user_id}",
            template=TEMPLATE,
            context=context,
            url=reverse("loans:application", args=[application.pk]),
        )
