"""What loans tells the layers above it (the process engine), after the change is committed.

loans never imports workflows: the frbrtc_loan process listens to these signals."""

from django.dispatch import Signal

# Sent after commit with application_id, snapshot_id and resubmission (True after a request for information).
loan_application_submitted = Signal()

# Sent after commit with application_id when the committee's opinion on it is final (its session closed).
loan_opinion_given = Signal()

# Sent after commit with application_id when the borrower sends the signed convention.
loan_convention_signed = Signal()
