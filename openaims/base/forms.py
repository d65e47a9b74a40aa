"""Form base classes: forms collect input, services validate and write."""

from __future__ import annotations

from django import forms
from django.forms.models import model_to_dict

from openaims.base.schemas import _FORBIDDEN


class ServiceModelForm(forms.ModelForm):
    """A ModelForm that never saves: its cleaned data goes to the model's service, which validates the model
    (uniqueness within the organization, cross-field rules) in its own transaction."""

    def __init__(self, *args, actor, **kwargs):
        self.actor = actor
        super().__init__(*args, **kwargs)

    def clean(self):
        cleaned = super().clean()
        for name, value in cleaned.items():
            if isinstance(value, str) and _FORBIDDEN.search(value):
                self.add_error(name, "Must not contain NUL or other control characters.")
        return cleaned

    def _post_clean(self):
        """Skip ModelForm's model validation: the service does it with the organization set."""

    def to_service(self) -> dict:
        return dict(self.cleaned_data)

    @classmethod
    def initial_from(cls, obj) -> dict:
        return model_to_dict(obj, fields=cls._meta.fields)


class CommaListField(forms.CharField):
    """A list of short strings typed as ``a, b, c``."""

    def prepare_value(self, value):
        if isinstance(value, list):
            return ", ".join(value)
        return value

    def to_python(self, value):
        text = super().to_python(value) or ""
        return [part.strip() for part in text.split(",") if part.strip()]


class FilterForm(forms.Form):
    """Filters of a list page; the same names as the API's query parameters."""

    q = forms.CharField(required=False, label="Search")

    def __init__(self, *args, actor=None, **kwargs):
        self.actor = actor
        super().__init__(*args, **kwargs)
