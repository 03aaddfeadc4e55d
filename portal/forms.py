from django import forms
from django.utils.translation import gettext_lazy as _

from portal.models import MemberRole, User

FULL_NAME_MAX = User._meta.get_field("full_name").max_length


class ContactForm(forms.Form):
    email = forms.EmailField(label=_("E-mail"))
    full_name = forms.CharField(label=_("Name"), max_length=FULL_NAME_MAX, required=False)
    role = forms.ChoiceField(label=_("Role"), choices=MemberRole.choices, initial=MemberRole.MEMBER)


class ContactEditForm(forms.Form):
    full_name = forms.CharField(label=_("Name"), max_length=FULL_NAME_MAX, required=False)
    role = forms.ChoiceField(label=_("Role"), choices=MemberRole.choices)
