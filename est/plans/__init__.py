"""The åtgärdsplan (Brå's template, Lag 2023:196) and the activity library.

``service`` (plans, causes, rows; permissions), ``findings`` (what a cause links to; the
sources held), ``indicators`` (operativt mål), ``status`` (green/yellow/red), ``library``
(activity patterns), ``document`` (DOCX/PDF/XLSX exports and the yearly follow-up).
"""
