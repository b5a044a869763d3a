"""The activation pages (public): the person behind an account an import created sets
their password, by the link the importer handed them or by username + one-time code
(org.activation). A wrong, used or expired link or code gets a plain explanation."""

from django.contrib import messages
from django.contrib.auth.forms import SetPasswordForm
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from org import activation
from org.activation_forms import ActivationCodeForm

# The token sits in the page's address: it must not travel to another site as a referrer.
NO_REFERRER = "no-referrer"


def _done(request):
    messages.success(
        request, _("Your password is set. Log in with your username and the new password.")
    )
    return redirect("login")


def _page(request, template, context, status=200):
    response = render(request, template, context, status=status)
    response["Referrer-Policy"] = NO_REFERRER
    return response


@never_cache
@sensitive_post_parameters("new_password1", "new_password2")
def activate(request, uidb64: str, token: str):
    account = activation.user_from_link(uidb64, token)
    if account is None:
        return _page(request, "registration/activate.html", {"invalid": True})
    form = SetPasswordForm(account, request.POST or None)
    if request.method == "POST" and form.is_valid():
        if activation.account_activate(user=account, form=form, via="link") is None:
            return _page(request, "registration/activate.html", {"invalid": True})
        return _done(request)
    return _page(request, "registration/activate.html", {"form": form, "account": account})


@never_cache
@sensitive_post_parameters("code", "new_password1", "new_password2")
def activate_with_code(request):
    code_form = ActivationCodeForm(request.POST or None)
    account = code_form.account() if request.method == "POST" else None
    form = SetPasswordForm(account, request.POST if account else None)
    if account is not None and form.is_valid():
        if activation.account_activate(user=account, form=form, via="code") is None:
            code_form.add_error(None, code_form.refusal())
        else:
            return _done(request)
    return _page(request, "registration/activate_code.html", {"code_form": code_form, "form": form})
