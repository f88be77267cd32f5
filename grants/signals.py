"""What grants tells the layers above it (the process engine, notifications), after the change is committed.

grants never imports workflows: the grant_application process listens to these signals."""

from django.dispatch import Signal

# Sent after commit with application_id, snapshot_id and resubmission (True after a request for information).
application_submitted = Signal()
