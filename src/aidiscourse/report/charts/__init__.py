"""Altair charts, one module per chapter; notebooks call these and :func:`aidiscourse.report.render.show`."""
