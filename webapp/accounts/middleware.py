"""A signed-in user with no role sees nothing but a page that says so (and can log out)."""

from __future__ import annotations

from django.http import JsonResponse
from django.shortcuts import render

from webapp.accounts.roles import role_of

OPEN = ("/accounts/", "/static/", "/healthz", "/favicon.ico")
MESSAGE = "Your account has no role yet: an admin gives you one (viewer, reviewer, editor, operator or admin)."


class RoleRequiredMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and role_of(user) is None and not request.path.startswith(OPEN):
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": MESSAGE}, status=403)
            return render(request, "accounts/no_role.html", {"message": MESSAGE}, status=403)
        return self.get_response(request)
