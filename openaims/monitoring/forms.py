"""Forms of the monitoring pages: they collect input; the services validate and write."""

from __future__ import annotations

import re

from django import forms

from openaims.base.forms import CommaListField, FilterForm, ServiceModelForm
from openaims.controls.models import SoAEntry
from openaims.governance.models import AIObjective
from openaims.inventory.models import AISystem
from openaims.monitoring.choices import DataSourceKind, MonitorKind
from openaims.monitoring.models import DataSource, Monitor

_THRESHOLD_LINE = re.compile(r"^\s*([a-z_]+)\s*(>=|<=|>|<)\s*(-?[0-9.eE+-]+)\s*(any|overall)?\s*$")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def _ai_systems(actor):
    return AISystem.objects.filter(organization=actor.organization).order_by("name")


class ThresholdsField(forms.CharField):
    """Thresholds typed one per line: ``metric operator value [any|overall]``, e.g. ``accuracy >= 0.9 any``."""

    widget = forms.Textarea(attrs={"rows": 4})

    def prepare_value(self, value):
        if isinstance(value, list):
            return "\n".join(
                f"{t.get('metric')} {t.get('operator')} {t.get('value')}" + (" any" if t.get("group") == "any" else "")
                for t in value
                if isinstance(t, dict)
            )
        return value

    def to_python(self, value):
        text = super().to_python(value) or ""
        thresholds = []
        for number, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            match = _THRESHOLD_LINE.match(line)
            if not match:
                raise forms.ValidationError(
                    f"Line {number}: write metric, operator and value, e.g. 'demographic_parity_ratio >= 0.8'."
                )
            try:
                limit = float(match.group(3))
            except ValueError as exc:
                raise forms.ValidationError(f"Line {number}: {match.group(3)!r} is not a number.") from exc
            thresholds.append(
                {
                    "metric": match.group(1),
                    "operator": match.group(2),
                    "value": limit,
                    "group": match.group(4) or "overall",
                }
            )
        return thresholds


class DataSourceForm(ServiceModelForm):
    protected_attributes = CommaListField(required=False, help_text="Comma-separated column names.")
    feature_columns = CommaListField(required=False, help_text="Comma-separated column names.")

    class Meta:
        model = DataSource
        fields = [
            "ai_system",
            "name",
            "kind",
            "location",
            "query",
            "connection",
            "timestamp_column",
            "y_true_column",
            "y_pred_column",
            "score_column",
            "threshold",
            "positive_label",
            "protected_attributes",
            "feature_columns",
            "description",
        ]
        widgets = {"query": forms.Textarea(attrs={"rows": 3}), "description": forms.Textarea(attrs={"rows": 3})}

    connection = forms.ChoiceField(
        required=False,
        help_text="PostgreSQL, Spark: a connection the administrator declared for this organization.",
    )

    def __init__(self, *args, actor, **kwargs):
        from openaims.policy.connections import connections_for

        super().__init__(*args, actor=actor, **kwargs)
        if "ai_system" in self.fields:
            self.fields["ai_system"].queryset = _ai_systems(actor)
        choices = [("", "None (store, Parquet, review queue)")]
        choices += [(c.name, f"{c.name} ({c.kind})") for c in connections_for(actor.organization)]
        current = self.initial.get("connection") or (self.instance.connection if self.instance else "")
        if current and current not in {name for name, _ in choices}:
            choices.append((current, f"{current} (no longer available)"))
        self.fields["connection"].choices = choices


class DataSourceEditForm(DataSourceForm):
    class Meta(DataSourceForm.Meta):
        fields = [f for f in DataSourceForm.Meta.fields if f != "ai_system"]


class DataSourceFilterForm(FilterForm):
    kind = forms.ChoiceField(choices=[("", "Any kind"), *DataSourceKind.choices], required=False)


class MonitorForm(ServiceModelForm):
    thresholds = ThresholdsField(
        required=False,
        help_text="One per line: metric, operator, value, and 'any' to check every group, "
        "e.g. 'demographic_parity_ratio >= 0.8' or 'accuracy >= 0.85 any'.",
    )
    protected_attributes = CommaListField(
        required=False, help_text="Comma-separated; empty: the data source's protected attributes."
    )

    class Meta:
        model = Monitor
        fields = [
            "ai_system",
            "data_source",
            "name",
            "kind",
            "thresholds",
            "protected_attributes",
            "window",
            "reference_start",
            "reference_end",
            "min_group_size",
            "schedule",
            "active",
            "objectives",
            "controls",
            "description",
        ]
        widgets = {
            "reference_start": DATETIME,
            "reference_end": DATETIME,
            "objectives": forms.CheckboxSelectMultiple,
            "controls": forms.SelectMultiple(attrs={"size": 8}),
            "description": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, actor=actor, **kwargs)
        org = actor.organization
        if "ai_system" in self.fields:
            self.fields["ai_system"].queryset = _ai_systems(actor)
        self.fields["data_source"].queryset = DataSource.objects.filter(organization=org).select_related("ai_system")
        self.fields["data_source"].label_from_instance = lambda s: f"{s.ai_system.name}: {s.name}"
        self.fields["objectives"].queryset = AIObjective.objects.filter(organization=org)
        self.fields["controls"].queryset = SoAEntry.objects.filter(organization=org)


class MonitorEditForm(MonitorForm):
    class Meta(MonitorForm.Meta):
        fields = [f for f in MonitorForm.Meta.fields if f != "ai_system"]


class MonitorFilterForm(FilterForm):
    kind = forms.ChoiceField(choices=[("", "Any kind"), *MonitorKind.choices], required=False)
    active = forms.NullBooleanField(
        required=False, widget=forms.Select(choices=[("", "Any"), ("true", "Active"), ("false", "Inactive")])
    )


class RunMonitorForm(forms.Form):
    window_start = forms.DateTimeField(
        required=False, widget=DATETIME, help_text="Measure the window containing this time; empty: the last one."
    )
