"""Login with throttling: after CHARTER_LOGIN_LIMIT failures for an account (or four times as
many from one address) within CHARTER_LOGIN_WINDOW_SECONDS, logins are refused until the window
has passed, even with the right password."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.utils import timezone

from webapp.accounts.models import LoginFailure


def _address(request) -> str:
    return (request.META.get("REMOTE_ADDR") or "?")[:64]


def locked_out(username: str, address: str) -> bool:
    since = timezone.now() - timedelta(seconds=settings.LOGIN_WINDOW_SECONDS)
    recent = LoginFailure.objects.filter(at__gte=since)
    return recent.filter(username=username[:150]).count() >= settings.LOGIN_LIMIT or \
        recent.filter(address=address).count() >= 4 * settings.LOGIN_LIMIT


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"

    def post(self, request, *args, **kwargs):
        username = request.POST.get("username", "")
        if locked_out(username, _address(request)):
            minutes = settings.LOGIN_WINDOW_SECONDS // 60
            return self.render_to_response(self.get_context_data(
                form=self.get_form(), locked=f"Too many failed logins: try again in {minutes} minutes."), status=429)
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form):
        LoginFailure.objects.create(username=self.request.POST.get("username", "")[:150], address=_address(self.request))
        return super().form_invalid(form)

    def form_valid(self, form):
        LoginFailure.objects.filter(username=form.get_user().get_username()).delete()
        return super().form_valid(form)
