"""The registry of process versions: each version of a process is one Flow class, registered under key@version.

    @register("grant_application", 1)
    class GrantApplicationV1Flow(CaseFlow):
        ...

Registration refuses a flow without viewflow's row lock (SelectForUpdateLock) or without our Case process model.
The lifecycle state of each version (draft, current, frozen, retired) is kept in the database (ProcessVersion).
"""

import hashlib
import re
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _
from viewflow.workflow import lock
from viewflow.workflow.base import Flow
from viewflow.workflow.fields import get_flow_ref

from core.errors import InvalidInput

KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]{1,62}$")
PIN_PATTERN = re.compile(r"^([a-z][a-z0-9_]{1,62})@([1-9][0-9]{0,5})$")


@dataclass(frozen=True)
class RegisteredVersion:
    key: str
    version: int
    flow_class: type[Flow]

    @property
    def label(self) -> str:
        return f"{self.key}@{self.version}"

    @property
    def flow_ref(self) -> str:
        return get_flow_ref(self.flow_class)

    def step_names(self) -> set[str]:
        return {node.name for node in self.flow_class.instance.nodes()}

    def fingerprint(self) -> str:
        return graph_fingerprint(self.flow_class)


_versions: dict[tuple[str, int], RegisteredVersion] = {}


def register(key: str, version: int):
    """Class decorator: make `flow_class` version `version` of process `key`."""

    def decorator(flow_class: type[Flow]) -> type[Flow]:
        from workflows.models import Case

        if not KEY_PATTERN.match(key) or version < 1:
            raise ImproperlyConfigured(f"invalid process key or version: {key}@{version}")
        if not isinstance(flow_class.lock_impl, lock.SelectForUpdateLock):
            raise ImproperlyConfigured(
                f"{flow_class.__name__} must lock the process row: lock_impl = a viewflow SelectForUpdateLock"
            )
        if not issubclass(flow_class.process_class, Case):
            raise ImproperlyConfigured(f"{flow_class.__name__} must use workflows.models.Case as process_class")
        existing = _versions.get((key, version))
        if existing is not None and existing.flow_class is not flow_class:
            raise ImproperlyConfigured(f"{key}@{version} is already {existing.flow_class.__name__}")
        _versions[(key, version)] = RegisteredVersion(key, version, flow_class)
        flow_class.process_key = key  # type: ignore[attr-defined]
        flow_class.process_version_number = version  # type: ignore[attr-defined]
        return flow_class

    return decorator


def parse_pin(pin: str) -> tuple[str, int]:
    match = PIN_PATTERN.match((pin or "").strip())
    if match is None:
        raise InvalidInput(
            _("%(pin)s is not a process version: write it as key@number, e.g. grant_application@1.") % {"pin": pin}
        )
    return match.group(1), int(match.group(2))


def get(key: str, version: int) -> RegisteredVersion:
    registered = _versions.get((key, version))
    if registered is None:
        if not any(k == key for k, _v in _versions):
            raise InvalidInput(_("Unknown process %(key)s.") % {"key": key})
        raise InvalidInput(_("Process %(key)s has no version %(version)s.") % {"key": key, "version": version})
    return registered


def versions_of(key: str) -> list[RegisteredVersion]:
    return sorted((v for (k, _n), v in _versions.items() if k == key), key=lambda v: v.version)


def all_versions() -> list[RegisteredVersion]:
    return sorted(_versions.values(), key=lambda v: (v.key, v.version))


def flow_classes() -> list[type[Flow]]:
    return [v.flow_class for v in all_versions()]


def graph_fingerprint(flow_class: type[Flow]) -> str:
    """A hash of the graph: step names, their kinds, permissions and where each leads.

    Published versions must keep it: changing a published graph changes the cases in flight (viewflow reads the
    graph from the code), which is exactly what versions exist to prevent.
    """
    parts = []
    for node in sorted(flow_class.instance.nodes(), key=lambda n: n.name):
        targets = sorted(edge.dst.name for edge in node._outgoing())
        permission = getattr(node, "_owner_permission", None)
        parts.append(f"{node.name}:{type(node).__name__}:{permission if isinstance(permission, str) else ''}:{targets}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()
