"""Runs kept before data sources were confined may name server paths, hosts and environment variables in their
``error`` (issue 11): those parts are replaced, so that pages and API answers no longer show them."""

import re

from django.db import migrations

_PATH = re.compile(r"(?<![\w.])(?:[A-Za-z]:)?/[^\s'\"`,;()]+")
_POSTGRES_AT = re.compile(r"PostgreSQL at \S+?(?=:?(?:\s|$))")
_VARIABLE = re.compile(r"the environment variable \S+")


def redact(message: str) -> str:
    """``message`` without absolute paths, PostgreSQL addresses and environment variable names."""
    message = _POSTGRES_AT.sub("PostgreSQL", message)
    message = _VARIABLE.sub("the environment variable", message)
    return _PATH.sub("(path)", message)


def redact_errors(apps, schema_editor):
    MetricRun = apps.get_model("monitoring", "MetricRun")
    for run in MetricRun.objects.exclude(error="").only("pk", "error").iterator():
        cleaned = redact(run.error)
        if cleaned != run.error:
            MetricRun.objects.filter(pk=run.pk).update(error=cleaned)


class Migration(migrations.Migration):
    dependencies = [("monitoring", "0004_data_source_connection")]

    operations = [migrations.RunPython(redact_errors, migrations.RunPython.noop)]
