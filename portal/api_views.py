"""REST API of the tenancy core: tokens, organisations, members and staff."""

from django.contrib.auth import authenticate
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import (
    exceptions,
    mixins,
    parsers,
    permissions,
    serializers,
    status,
    viewsets,
)
from rest_framework.response import Response
from rest_framework.views import APIView

from portal import services
from portal.access import organization_for_user, require_contact_manager, require_not_self
from portal.api import ConfigViewSet, RefusalSerializer
from portal.errors import RuleCode
from portal.json_types import TypedJson
from portal.mfa import MfaRequired, mfa_code_valid, mfa_enabled, mfa_required
from portal.models import MemberRole, Membership, Organization, StaffRole, User, validate_timezone
from portal.parsers import FormParser, JSONParser
from portal.selectors import members_of, organizations_for_user, staff_members
from portal.throttling import LoginThrottle
from portal.tokens import token_create

# The columns of User (full_name, and EmailField's default 254).
FULL_NAME_MAX = User._meta.get_field("full_name").max_length
EMAIL_MAX = User._meta.get_field("email").max_length


class TokenRequestSerializer(serializers.Serializer):
    # Any text: an address nobody signs in with is wrong credentials (401), whatever it is.
    email = serializers.CharField(max_length=EMAIL_MAX)
    password = serializers.CharField(trim_whitespace=False, style={"input_type": "password"})
    code = serializers.CharField(
        required=False,
        max_length=64,
        help_text="The second factor: a code from the authenticator app, or a recovery code. "
        "Required for provider staff and for anyone who has a second factor set up.",
    )
    name = serializers.CharField(
        required=False, max_length=100, default="API", help_text="What the token is for."
    )


class TokenResponseSerializer(TypedJson, serializers.Serializer):
    token = serializers.CharField(help_text="The key: shown this once, only its hash is kept.")
    id = serializers.IntegerField()
    name = serializers.CharField()
    expires_at = serializers.DateTimeField()


class DetailSerializer(serializers.Serializer):
    detail = serializers.CharField()


class MfaRefusalSerializer(TypedJson, serializers.Serializer):
    code = serializers.ChoiceField(choices=[RuleCode.MFA_REQUIRED])
    detail = serializers.CharField()


class TokenView(APIView):
    """Exchange an e-mail and password (and, for staff, a second-factor code) for a new API
    token, which expires after PORTAL_API_TOKEN_DAYS."""

    permission_classes = [permissions.AllowAny]
    authentication_classes: list = []
    # Scripts log in with a form as often as with JSON.
    parser_classes = [JSONParser, FormParser, parsers.MultiPartParser]
    throttle_classes = [LoginThrottle]

    def get_authenticate_header(self, request):
        # Wrong credentials are a 401 that says how to authenticate (DRF would answer 403
        # for a view without authentication classes).
        return "Token"

    @extend_schema(
        request=TokenRequestSerializer,
        responses={
            200: TokenResponseSerializer,
            401: OpenApiResponse(
                DetailSerializer, description="The e-mail and password do not match."
            ),
            403: MfaRefusalSerializer,
        },
    )
    def post(self, request):
        data = TokenRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        # The Django request: django-axes counts the failure and, once the account or the
        # address is locked out, answers 429 instead (portal.lockout).
        user = authenticate(
            request._request,
            email=data.validated_data["email"],
            password=data.validated_data["password"],
        )
        if user is None:
            raise exceptions.AuthenticationFailed(
                _("Unable to log in with the e-mail and password given.")
            )
        code = data.validated_data.get("code")
        if mfa_enabled(user):
            if not (code and mfa_code_valid(user=user, code=code)):
                raise MfaRequired(_("Give `code`: an authenticator app code or a recovery code."))
        elif mfa_required(user):
            raise MfaRequired(_("Set up a second factor (an authenticator app) first."))
        token, key = token_create(user=user, name=data.validated_data["name"])
        body = {"token": key, "id": token.pk, "name": token.name, "expires_at": token.expires_at}
        return Response(TokenResponseSerializer(body).data)


class OrganizationSerializer(TypedJson, serializers.ModelSerializer):
    timezone = serializers.CharField(validators=[validate_timezone], required=False)

    class Meta:
        model = Organization
        fields = ["id", "name", "timezone"]


class OrganizationViewSet(ConfigViewSet):
    serializer_class = OrganizationSerializer
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def get_queryset(self):
        return organizations_for_user(self.request.user).order_by("-id")


class MemberSerializer(TypedJson, serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    user_id = serializers.IntegerField(read_only=True)
    email = serializers.EmailField(source="user.email", max_length=EMAIL_MAX)
    full_name = serializers.CharField(
        source="user.full_name", required=False, allow_blank=True, max_length=FULL_NAME_MAX
    )
    role = serializers.ChoiceField(choices=MemberRole.choices, default=MemberRole.MEMBER)
    password = serializers.CharField(
        write_only=True, required=False, trim_whitespace=False, style={"input_type": "password"}
    )
    is_active = serializers.BooleanField(source="user.is_active", read_only=True)


class MemberUpdateSerializer(TypedJson, serializers.Serializer):
    full_name = serializers.CharField(required=False, allow_blank=True, max_length=FULL_NAME_MAX)
    role = serializers.ChoiceField(choices=MemberRole.choices, required=False)


@extend_schema(
    parameters=[
        OpenApiParameter(
            "organization_pk", int, OpenApiParameter.PATH, description="The organisation's id."
        )
    ]
)
class MemberViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """An organisation's contacts. Created, changed (name and role) and removed by a provider
    admin or the customer admin. Adding a removed contact's address again gives them their
    access back; the organisation's only customer admin is neither removed nor made a member
    (409 `last_admin`)."""

    serializer_class = MemberSerializer
    queryset = Membership.objects.none()
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_organization(self) -> Organization:
        if not hasattr(self, "_organization"):
            self._organization = organization_for_user(
                self.request.user, self.kwargs["organization_pk"]
            )
        return self._organization

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Membership.objects.none()
        return members_of(self.get_organization()).order_by("-id")

    @extend_schema(responses={201: MemberSerializer, 409: RefusalSerializer})
    def create(self, request, *args, **kwargs):
        organization = self.get_organization()
        require_contact_manager(request.user, organization)
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        membership = services.member_add(
            organization=organization,
            email=data["user"]["email"],
            full_name=data["user"].get("full_name", ""),
            role=data["role"],
            password=data.get("password"),
            invited_by=request.user,
        )
        return Response(self.get_serializer(membership).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=MemberUpdateSerializer,
        responses={200: MemberSerializer, 409: RefusalSerializer},
    )
    def partial_update(self, request, *args, **kwargs):
        membership = self.get_object()
        require_contact_manager(request.user, self.get_organization())
        changes = MemberUpdateSerializer(data=request.data)
        changes.is_valid(raise_exception=True)
        services.member_update(membership=membership, **changes.validated_data)
        return Response(self.get_serializer(membership).data)

    @extend_schema(responses={204: None, 409: RefusalSerializer})
    def destroy(self, request, *args, **kwargs):
        membership = self.get_object()
        require_contact_manager(request.user, self.get_organization())
        require_not_self(request.user, membership)
        services.member_remove(membership=membership)
        return Response(status=status.HTTP_204_NO_CONTENT)


class StaffSerializer(TypedJson, serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    email = serializers.EmailField(max_length=EMAIL_MAX)
    full_name = serializers.CharField(required=False, allow_blank=True, max_length=FULL_NAME_MAX)
    role = serializers.ChoiceField(choices=StaffRole.choices)
    password = serializers.CharField(
        write_only=True, required=False, trim_whitespace=False, style={"input_type": "password"}
    )

    def to_representation(self, instance):
        return {
            "id": instance.pk,
            "email": instance.email,
            "full_name": instance.full_name,
            "role": instance.role,
        }


class ProviderStaffOnly(permissions.BasePermission):
    message = "Only the provider's staff may see the staff list."

    def has_permission(self, request, view) -> bool:
        user = request.user
        if "pk" in view.kwargs:
            return True  # one person: the scoped queryset makes it a 404 for anyone else
        if not user.is_provider_staff:
            return False
        return request.method in permissions.SAFE_METHODS or user.is_provider_admin


class StaffViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = StaffSerializer
    permission_classes = [permissions.IsAuthenticated, ProviderStaffOnly]
    queryset = User.objects.none()  # the model, for the schema; get_queryset scopes it

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return User.objects.none()  # the schema generator has no user
        if not self.request.user.is_provider_staff:
            return User.objects.none()
        return staff_members().order_by("-id")

    @extend_schema(responses={201: StaffSerializer, 409: RefusalSerializer})
    def create(self, request, *args, **kwargs):
        return super().create(request, *args, **kwargs)

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.staff_create(
            email=data["email"],
            role=data["role"],
            password=data.get("password"),
            full_name=data.get("full_name", ""),
        )
