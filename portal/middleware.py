"""Headers every response the portal renders carries (static files are WhiteNoise's, served
before this runs)."""

from django.conf import settings

NO_STORE = "no-store"


class BrowserPolicyMiddleware:
    """Permissions-Policy on every response, and Cache-Control: no-store on every response
    Django renders: pages and API answers carry a person's or a tenant's data (or a CSRF
    token), so no browser or proxy cache keeps them. Only static files may be cached."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        if NO_STORE not in response.headers.get("Cache-Control", ""):
            response.headers["Cache-Control"] = NO_STORE
        return response
