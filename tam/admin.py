from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from tam.models import Absence, DutyShift, WorkingHours
from tam.rota import check_duty_role


@admin.register(WorkingHours)
class WorkingHoursAdmin(admin.ModelAdmin):
    list_display = ["staff", "calendar"]
    list_select_related = ["staff", "calendar"]
    autocomplete_fields = ["calendar"]
    raw_id_fields = ["staff"]


@admin.register(Absence)
class AbsenceAdmin(admin.ModelAdmin):
    list_display = ["staff", "reason", "starts_at", "ends_at", "note"]
    list_filter = ["reason"]
    list_select_related = ["staff"]
    raw_id_fields = ["staff"]
    exclude = ["created_by"]
    date_hierarchy = "starts_at"

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


class DutyShiftForm(forms.ModelForm):
    def clean_staff(self):
        staff = self.cleaned_data["staff"]
        try:
            check_duty_role(staff)
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["staff"]) from None
        return staff


@admin.register(DutyShift)
class DutyShiftAdmin(admin.ModelAdmin):
    form = DutyShiftForm
    list_display = ["staff", "starts_at", "ends_at"]
    list_select_related = ["staff"]
    raw_id_fields = ["staff"]
    date_hierarchy = "starts_at"
