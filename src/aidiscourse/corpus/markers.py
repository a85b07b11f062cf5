"""Marker lines that cleaning writes and structure reads."""
from __future__ import annotations

import re

SECTION_MARK = "⟦section:{}⟧"
SECTION_MARK_RE = re.compile(r"^⟦section:([a-z_]+)⟧$")
MOJIBAKE_MARK = "⟦mojibake⟧"
