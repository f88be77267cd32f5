"""What grants tells the layers above it (the process engine, notifications), after the change is committed.

grants never imports workflows: the grant_application process listens to these signals."""

from django.dispatch import Signal

# Sent after commit with application_id, snapshot_id and resubmission (True after a request for information).
application_submitted = Signal()

# Sent after commit with assignment_id when a reviewer is assigned or recuses: the process gives or frees a place.
review_slot_changed = Signal()

# Sent after commit with session_id when a committee session is closed: the process moves each decided application on.
session_closed = Signal()

# Sent after commit with award_id once an award is committed on the envelope: the organisation may now be told.
award_committed = Signal()

# Sent after commit with award_id when the organisation submits its justification.
justification_submitted = Signal()
