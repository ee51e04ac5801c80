"""Reading the dashboard's HTML forms into what the services take.

Only the shape changes here (rows of text into a dict, lines into a list);
the rules themselves stay in ``services.metadata`` and the other services.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from werkzeug.datastructures import MultiDict

from link_flow.errors import ValidationError
from link_flow.services.metadata import validate_metadata

VALUE_TYPES = ("text", "number", "boolean", "null")
_INTEGER = re.compile(r"^-?\d+$")


@dataclass
class MetadataRow:
    key: str = ""
    value: str = ""
    type: str = "text"

    @property
    def blank(self) -> bool:
        return not self.key.strip() and not self.value.strip()


def rows_from_form(form: MultiDict[str, str]) -> list[MetadataRow]:
    """Return the metadata rows as typed, blank ones included."""
    keys = form.getlist("meta_key")
    values = form.getlist("meta_value")
    types = form.getlist("meta_type")
    rows = []
    for index, key in enumerate(keys):
        value = values[index] if index < len(values) else ""
        kind = types[index] if index < len(types) else "text"
        rows.append(MetadataRow(key, value, kind if kind in VALUE_TYPES else "text"))
    return rows


def rows_from_metadata(metadata: dict[str, Any]) -> list[MetadataRow]:
    """Return rows showing stored metadata, keeping each value's type."""
    rows = []
    for key, value in metadata.items():
        if isinstance(value, bool):
            rows.append(MetadataRow(key, "true" if value else "false", "boolean"))
        elif value is None:
            rows.append(MetadataRow(key, "", "null"))
        elif isinstance(value, int | float):
            rows.append(MetadataRow(key, json.dumps(value), "number"))
        else:
            rows.append(MetadataRow(key, str(value), "text"))
    return rows


def metadata_from_rows(rows: list[MetadataRow]) -> dict[str, Any]:
    """Return the metadata the rows spell; raise naming the row at fault."""
    metadata: dict[str, Any] = {}
    for position, row in enumerate(rows, start=1):
        if row.blank:
            continue
        key = row.key.strip()
        if not key:
            raise ValidationError(
                f"Metadata row {position} has a value but no key.",
                field="user_metadata",
            )
        if key in metadata:
            raise ValidationError(
                f"Metadata key {key!r} appears twice.", field=f"user_metadata.{key}"
            )
        metadata[key] = _typed(key, row)

    return validate_metadata(metadata)


def _typed(key: str, row: MetadataRow) -> Any:
    text = row.value.strip()
    if row.type == "null":
        return None
    if row.type == "boolean":
        if text.lower() not in ("true", "false"):
            raise ValidationError(
                f"user_metadata key {key!r} must be true or false.",
                field=f"user_metadata.{key}",
            )
        return text.lower() == "true"
    if row.type == "number":
        try:
            return int(text) if _INTEGER.match(text) else float(text)
        except ValueError:
            raise ValidationError(
                f"user_metadata key {key!r} must be a number.",
                field=f"user_metadata.{key}",
            ) from None
    return row.value


def lines(text: str | None) -> list[str]:
    """Return the non-blank lines of a textarea, trimmed."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def rows_after_button(form: MultiDict[str, str], rows: list[MetadataRow]) -> bool:
    """Apply an "Add metadata" or "Remove" press sent without script.

    Return whether one was pressed, in which case the form is shown again
    instead of being acted on.
    """
    if "add_row" in form:
        rows.append(MetadataRow())
        return True
    remove = form.get("remove_row")
    if remove is not None and remove.isdigit():
        index = int(remove)
        if 0 <= index < len(rows):
            del rows[index]
        return True
    return False
