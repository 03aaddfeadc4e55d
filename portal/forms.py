from django import forms

from portal.models import MemberRole


class ContactForm(forms.Form):
    email = forms.EmailField(label="E-mail")
    full_name = forms.CharField(label="Name", max_length=200, required=False)
    role = forms.ChoiceField(choices=MemberRole.choices, initial=MemberRole.MEMBER)
