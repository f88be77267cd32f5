from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from core.models import Organisation


class TaskFilterForm(forms.Form):
    process = forms.ChoiceField(label=_("Process"), required=False)
    source = forms.CharField(label=_("Call or product"), required=False, max_length=100)
    organisation = forms.ModelChoiceField(label=_("Organisation"), queryset=Organisation.objects.none(), required=False)
    step = forms.SlugField(label=_("Step"), required=False, max_length=64)
    due_before = forms.DateField(label=_("Due by"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)

    def __init__(self, *args, process_keys: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["process"]).choices = [
            ("", _("All processes")),
            *[(key, key) for key in process_keys],
        ]
        cast(forms.ModelChoiceField, self.fields["organisation"]).queryset = Organisation.objects.order_by("name_fr")


class BulkAssignForm(forms.Form):
    tasks = forms.TypedMultipleChoiceField(label=_("Tasks"), coerce=int, choices=[])
    assignee = forms.TypedChoiceField(label=_("Give to"), coerce=int, choices=[])

    def __init__(self, *args, task_ids: list[int], staff: list, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["tasks"]).choices = [(pk, pk) for pk in task_ids]
        cast(forms.ChoiceField, self.fields["assignee"]).choices = [(u.pk, u.get_full_name() or u.email) for u in staff]
