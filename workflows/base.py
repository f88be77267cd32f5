"""The base of every process version: our Case process model, the row lock, and how a case starts."""

from viewflow.workflow import flow, lock

from workflows.models import Case

BLOCKING_SELECT_FOR_UPDATE_LOCK = lock.SelectForUpdateLock(nowait=False)


class CaseFlow(flow.Flow):
    """Base class of our process versions (not registered itself).

    A version declares `start = flow.StartHandle(this.begin).Next(...)`; cases start through
    workflows.services.cases.case_start, never by calling the start node directly.
    """

    process_class = Case
    # viewflow's select_for_update lock, waiting for the row instead of NOWAIT: its NOWAIT retry catches the
    # error inside a savepoint it then tries to commit, which fails the whole transaction on PostgreSQL when two
    # people act on one case at once (tests/workflows/test_concurrency.py shows both).
    lock_impl = BLOCKING_SELECT_FOR_UPDATE_LOCK

    def begin(self, activation, **case_fields):
        # Called by the StartHandle before the process row is saved: the summary is saved with it.
        process = activation.process
        artifact = case_fields.pop("artifact", None)
        for name, value in case_fields.items():
            setattr(process, name, value)
        if artifact is not None:
            process.artifact = artifact
        return process
