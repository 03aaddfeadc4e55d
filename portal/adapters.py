from allauth.account.adapter import DefaultAccountAdapter

from portal.client import client_ip


class PortalAccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request) -> bool:
        # Contacts are added by a provider admin or their customer admin, never by themselves.
        return False

    def get_client_ip(self, request) -> str:
        # allauth's rate limits count per the same client address as the login lockout.
        return client_ip(request)
