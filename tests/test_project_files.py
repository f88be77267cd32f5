"""The install is repeatable: every pin of pyproject.toml is in the lock at the same version."""

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _lock() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        if line and not line.startswith("#"):
            name, _sep, version = line.partition("==")
            pins[re.sub(r"[-_.]+", "-", name).lower()] = version
    return pins


def test_every_declared_dependency_is_pinned_and_locked_at_that_version():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = project["dependencies"] + project["optional-dependencies"]["dev"]
    lock = _lock()
    for requirement in declared:
        match = re.fullmatch(r"([A-Za-z0-9_.-]+)(\[[^\]]+\])?==([^;\s]+)", requirement)
        assert match, f"not pinned exactly: {requirement}"
        name = re.sub(r"[-_.]+", "-", match.group(1)).lower()
        assert lock.get(name) == match.group(3), f"{name}: pyproject {match.group(3)}, lock {lock.get(name)}"


def test_the_readme_quick_start_has_exactly_the_two_commands():
    readme = (ROOT / "README.md").read_text()
    quick_start = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"^\s*(make \w+)\s*$", quick_start, flags=re.MULTILINE)
    assert commands == ["make run", "make test"]
