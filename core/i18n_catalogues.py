"""Reading, checking and compiling gettext catalogues without GNU gettext.

`make run` and `make test` compile the shipped .po files with this module, so a machine without msgfmt still
shows French and Dutch. CI checks completeness with it (and, where xgettext exists, that every source string
is in the catalogues).
"""

import ast
import re
import struct
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Entry:
    msgid: str
    msgstr: dict[int, str] = field(default_factory=dict)  # index 0 for singular entries
    msgid_plural: str | None = None
    msgctxt: str | None = None
    fuzzy: bool = False
    obsolete: bool = False
    python_format: bool = False
    line: int = 0

    @property
    def key(self) -> str:
        return f"{self.msgctxt}\x04{self.msgid}" if self.msgctxt is not None else self.msgid

    @property
    def translated(self) -> bool:
        return bool(self.msgstr) and all(value for value in self.msgstr.values())


def _unquote(text: str) -> str:
    return ast.literal_eval(text)


def parse_po(path: Path) -> list[Entry]:
    """Parse a .po file whose entries are separated by blank lines (as makemessages writes them)."""
    entries: list[Entry] = []
    block: list[tuple[int, str]] = []
    lines = path.read_text(encoding="utf-8").splitlines()
    for number, raw in enumerate([*lines, ""], start=1):
        line = raw.strip()
        if line:
            block.append((number, line))
            continue
        if block:
            entry = _parse_block(block)
            if entry is not None:
                entries.append(entry)
            block = []
    return entries


def _parse_block(block: list[tuple[int, str]]) -> Entry | None:
    entry = Entry(msgid="", line=block[0][0])
    section: tuple[str, int] | None = None
    seen_msgid = False
    for _number, line in block:
        if line.startswith("#~"):
            entry.obsolete = True
            continue
        if line.startswith("#,"):
            flags = {flag.strip() for flag in line[2:].split(",")}
            entry.fuzzy = entry.fuzzy or "fuzzy" in flags
            entry.python_format = entry.python_format or "python-format" in flags
            continue
        if line.startswith("#"):
            continue
        keyword, _sep, rest = line.partition(" ")
        if keyword == "msgctxt":
            entry.msgctxt, section = _unquote(rest), ("msgctxt", 0)
        elif keyword == "msgid":
            entry.msgid, section, seen_msgid = _unquote(rest), ("msgid", 0), True
            entry.line = _number
        elif keyword == "msgid_plural":
            entry.msgid_plural, section = _unquote(rest), ("msgid_plural", 0)
        elif keyword.startswith("msgstr"):
            index = int(keyword[7:-1]) if keyword.startswith("msgstr[") else 0
            entry.msgstr[index], section = _unquote(rest), ("msgstr", index)
        elif line.startswith('"') and section is not None:
            value = _unquote(line)
            kind, index = section
            if kind == "msgid":
                entry.msgid += value
            elif kind == "msgid_plural":
                entry.msgid_plural = (entry.msgid_plural or "") + value
            elif kind == "msgctxt":
                entry.msgctxt = (entry.msgctxt or "") + value
            else:
                entry.msgstr[index] += value
        else:
            raise ValueError(f"cannot read line {_number}: {line[:60]!r}")
    if entry.obsolete or not seen_msgid:
        return None
    return entry


def compile_mo(entries: list[Entry], target: Path) -> int:
    """Write a GNU .mo file (as msgfmt does: fuzzy and untranslated entries are left out). Returns the count."""
    messages: dict[bytes, bytes] = {}
    for entry in entries:
        if entry.fuzzy and entry.msgid:
            continue
        if entry.msgid and not entry.translated:
            continue
        if entry.msgid_plural is not None:
            original = entry.key + "\x00" + entry.msgid_plural
            translated = "\x00".join(entry.msgstr[i] for i in sorted(entry.msgstr))
        else:
            original, translated = entry.key, entry.msgstr.get(0, "")
        messages[original.encode("utf-8")] = translated.encode("utf-8")
    keys = sorted(messages)
    ids = strs = b""
    offsets = []
    for key in keys:
        offsets.append((len(ids), len(key), len(strs), len(messages[key])))
        ids += key + b"\x00"
        strs += messages[key] + b"\x00"
    count = len(keys)
    key_start = 7 * 4 + 16 * count
    value_start = key_start + len(ids)
    table = []
    for key_offset, key_len, _value_offset, _value_len in offsets:
        table += [key_len, key_start + key_offset]
    for _key_offset, _key_len, value_offset, value_len in offsets:
        table += [value_len, value_start + value_offset]
    header = struct.pack("Iiiiiii", 0x950412DE, 0, count, 7 * 4, 7 * 4 + count * 8, 0, 0)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(header + struct.pack(f"{len(table)}i", *table) + ids + strs)
    return sum(1 for k in keys if k)


PLACEHOLDER = re.compile(r"%\((\w+)\)[sdif]|\{(\w*)\}")


def placeholders(text: str) -> list[str]:
    return sorted(match.group(0) for match in PLACEHOLDER.finditer(text))


def problems(entries: list[Entry]) -> list[str]:
    """Untranslated, fuzzy, or with placeholders that differ from the source string."""
    found = []
    for entry in entries:
        if not entry.msgid:
            continue
        where = f"line {entry.line}: {entry.msgid[:60]!r}"
        if entry.fuzzy:
            found.append(f"fuzzy, {where}")
        elif not entry.translated:
            found.append(f"untranslated, {where}")
        else:
            wanted = placeholders(entry.msgid)
            for value in entry.msgstr.values():
                if placeholders(value) != wanted and not (
                    entry.msgid_plural and set(placeholders(value)) <= set(wanted + placeholders(entry.msgid_plural))
                ):
                    found.append(f"placeholders differ ({wanted} vs {placeholders(value)}), {where}")
    return found


def _po_quote(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
    return f'"{escaped}"'


def fill_identity(path: Path) -> int:
    """For the English catalogue (our source strings are English): every translation becomes its source string,
    with no fuzzy guess left over. Rewrites the file; returns the number of entries."""
    text = path.read_text(encoding="utf-8")
    header = text.split("\n\n", 1)[0]
    header = "\n".join(line for line in header.splitlines() if line.strip() != "#, fuzzy")
    blocks = [header]
    entries = [entry for entry in parse_po(path) if entry.msgid]
    for entry in entries:
        lines = ["#, python-format"] if entry.python_format else []
        if entry.msgctxt is not None:
            lines.append(f"msgctxt {_po_quote(entry.msgctxt)}")
        lines.append(f"msgid {_po_quote(entry.msgid)}")
        if entry.msgid_plural is not None:
            lines.append(f"msgid_plural {_po_quote(entry.msgid_plural)}")
            lines.append(f"msgstr[0] {_po_quote(entry.msgid)}")
            lines.append(f"msgstr[1] {_po_quote(entry.msgid_plural)}")
        else:
            lines.append(f"msgstr {_po_quote(entry.msgid)}")
        blocks.append("\n".join(lines))
    path.write_text("\n\n".join(blocks) + "\n", encoding="utf-8")
    return len(entries)
