from django.urls import include, path

from openaims.accounts.views import members
from openaims.web import views
from openaims.web.api import api

# A database outage answers a 503 page, not a 500 (see views.server_error).
handler500 = "openaims.web.views.server_error"

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("api/v1/", api.urls),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("", views.dashboard, name="dashboard"),
    path("organization/switch/", views.switch_organization, name="switch-organization"),
    path("trail/", views.trail, name="trail"),
    path("tokens/", views.tokens, name="tokens"),
    path("tokens/<uuid:pk>/revoke/", views.token_revoke, name="token-revoke"),
    path("", include("openaims.inventory.urls")),
    path("", include("openaims.evidence.urls")),
    path("", include("openaims.governance.urls")),
    path("", include("openaims.controls.urls")),
    path("", include("openaims.risk.urls")),
    path("", include("openaims.impact.urls")),
    path("", include("openaims.monitoring.urls")),
    path("", include("openaims.audits.urls")),
    path("", include("openaims.management_review.urls")),
    path("", include("openaims.external_audit.urls")),
    path("", include("openaims.oversight.reviews.urls")),
    path("", include("openaims.oversight.transparency.urls")),
    path("", include("openaims.oversight.incidents.urls")),
    *members.urls(),
]
