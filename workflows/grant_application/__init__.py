"""The grant application process: from a submitted application to an eligibility decision (and, with the review
issue, to the award). Version 1 is not published in production until the review steps complete it."""
