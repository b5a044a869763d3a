"""A class's curriculum pages: adding and changing its sessions (the list and the
indicators are on the class page, `templates/dispatch/_curriculum.html`)."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from core.widgets import DateInput
from dispatch import selectors, teaching
from dispatch.models import ClassSession
from dispatch.services.curriculum import class_session_save


class ClassSessionForm(forms.ModelForm):
    class Meta:
        model = ClassSession
        fields = ["date", "title", "hours", "content", "method", "teacher", "by_leading_cadre"]
        widgets = {"date": DateInput()}

    def clean_hours(self):
        # Before the model's constraint is checked, which would show its name.
        hours = self.cleaned_data["hours"]
        if refusal := teaching.session_hours_refusal(hours):
            raise ValidationError(refusal)
        return hours


def _editable_class(request, pk: int):
    """The class in the user's reach (404 otherwise) whose curriculum they keep (403)."""
    training_class = selectors.class_list(request.user).filter(pk=pk).first()
    if training_class is None:
        raise Http404
    if not teaching.may_edit_curriculum(request.user, training_class):
        raise PermissionDenied
    return training_class


def _session_form(request, training_class, session):
    form = ClassSessionForm(request.POST or None, instance=session)
    if request.method == "POST" and form.is_valid():
        try:
            class_session_save(actor=request.user, session=form.instance)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                _("The session “%(title)s” of %(name)s was saved.")
                % {"title": form.instance.title, "name": training_class.name},
            )
            return redirect("class_detail", pk=training_class.pk)
    return render(
        request,
        "dispatch/class_session_form.html",
        {"form": form, "training_class": training_class, "session": session},
    )


@login_required
def class_session_create(request, pk: int):
    training_class = _editable_class(request, pk)
    return _session_form(request, training_class, ClassSession(training_class=training_class))


@login_required
def class_session_edit(request, pk: int):
    session = ClassSession.objects.filter(
        pk=pk, training_class__in=selectors.class_list(request.user)
    ).first()
    if session is None:
        raise Http404
    training_class = _editable_class(request, session.training_class_id)
    session.training_class = training_class
    return _session_form(request, training_class, session)
