"""The one policy that confines what a tenant supplies and that names something outside the database.

Every file path, folder, SQL source, connection and outbound URL a tenant gives passes here before use
(files: :mod:`openaims.policy.files`; external databases and Spark: :mod:`openaims.policy.connections`;
URLs: :mod:`openaims.policy.outbound`), and every exported spreadsheet cell passes
:mod:`openaims.policy.cells`. Messages built here name the field and the problem, never what is on the
server (paths, environment values, DSNs) or another organization's ids.
"""
