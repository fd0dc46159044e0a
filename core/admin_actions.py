"""Admin actions that move money or partners ask first: an intermediate page with what will happen, a required
note and a confirmation box; the action runs only when that form comes back valid."""

from __future__ import annotations

from django import forms
from django.contrib.admin import helpers
from django.template.response import TemplateResponse


class ConfirmForm(forms.Form):
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 3, "cols": 60}), help_text="Why (kept in the record).")
    confirm = forms.BooleanField(label="I have checked this and confirm it")


def confirmed(modeladmin, request, queryset, *, title: str, question: str, form_class=ConfirmForm, lines=()):
    """The cleaned form once staff confirmed, else the page that asks (return it from the action)."""
    form = form_class(request.POST if request.POST.get("confirmation") else None)
    if form.is_bound and form.is_valid():
        return form.cleaned_data
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": title,
        "question": question,
        "lines": lines or [str(obj) for obj in queryset[:50]],
        "form": form,
        "queryset": queryset,
        "action": request.POST.get("action", ""),
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        "opts": modeladmin.model._meta,
    }
    return TemplateResponse(request, "admin/confirm_action.html", context)
