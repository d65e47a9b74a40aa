"""Frameworks in use, the Statement of Applicability, coverage across frameworks, readiness for certification."""
