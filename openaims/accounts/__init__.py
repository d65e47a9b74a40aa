"""Organizations (tenants), users, memberships with roles, API tokens."""
