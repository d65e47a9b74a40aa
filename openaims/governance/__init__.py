"""Governance records of clauses 4-7: scope, context, interested parties, documents, roles, objectives, competence."""
