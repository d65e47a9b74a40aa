"""Forms of the members pages."""

from __future__ import annotations

from django import forms

from openaims.accounts.choices import MEMBER_ROLE_CHOICES, ROLE_DESCRIPTIONS, Role
from openaims.accounts.models import Membership
from openaims.base.forms import FilterForm, ServiceModelForm

ROLE_HELP = " ".join(f"{Role(r).label}: {d}" for r, d in ROLE_DESCRIPTIONS.items())


class MemberInviteForm(forms.Form):
    """Add a member: an existing user by username, or a new user with a first password."""

    username = forms.CharField(max_length=150, label="E-mail or username")
    role = forms.ChoiceField(
        choices=MEMBER_ROLE_CHOICES,
        initial=Role.VIEWER,
        help_text=ROLE_HELP + " Guest auditors are invited from the Guest auditors page.",
    )
    password = forms.CharField(
        required=False,
        widget=forms.PasswordInput,
        help_text=(
            "Only for a new user: their first password: at least 8 characters, not only digits, not a common "
            "password, not like their name or e-mail address."
        ),
    )

    def __init__(self, *args, actor, **kwargs):
        self.actor = actor
        super().__init__(*args, **kwargs)

    def to_service(self) -> dict:
        return dict(self.cleaned_data)


class MemberRoleForm(ServiceModelForm):
    class Meta:
        model = Membership
        fields = ["role"]
        help_texts = {"role": ROLE_HELP}


class MemberFilterForm(FilterForm):
    role = forms.ChoiceField(choices=[("", "Any role"), *Role.choices], required=False)
