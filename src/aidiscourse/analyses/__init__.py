"""The processed corpus -> findings: each module one kind of analysis; :mod:`stats` is shared."""
