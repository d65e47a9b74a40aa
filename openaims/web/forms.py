"""Forms of the pages in ``web.views``."""

from django import forms

from openaims.base.models import TrailAction


class LoginForm(forms.Form):
    username = forms.CharField(max_length=150, label="E-mail or username")
    password = forms.CharField(widget=forms.PasswordInput, max_length=200)


class TokenForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="What the token is for, e.g. “CI deployment gate”.")
    expires_at = forms.DateTimeField(required=False, widget=forms.DateInput(attrs={"type": "date"}), label="Expires on")


class TrailFilterForm(forms.Form):
    object_type = forms.CharField(required=False, label="Object type")
    object_id = forms.CharField(required=False, label="Object id")
    action = forms.ChoiceField(choices=[("", "Any action"), *TrailAction.choices], required=False)
    actor = forms.CharField(required=False)
    request_id = forms.CharField(required=False, label="Request id")
    since = forms.DateTimeField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateTimeField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
