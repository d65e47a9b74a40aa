"""The REST API at /api/v1/ (OpenAPI at /api/v1/openapi.json, docs at /api/v1/docs)."""

from ninja import NinjaAPI

from openaims import __version__
from openaims.accounts.api import router as accounts_router
from openaims.audits.api import router as audits_router
from openaims.audits.internal_api import router as internal_audit_router
from openaims.base.api import SessionActorAuth, TokenAuth, install_error_handlers
from openaims.base.trail_api import router as trail_router
from openaims.controls.api import router as controls_router
from openaims.evidence.api import router as evidence_router
from openaims.external_audit.api import router as external_audit_router
from openaims.governance.api import router as governance_router
from openaims.impact.api import router as impact_router
from openaims.inventory.api import router as inventory_router
from openaims.inventory.classification_api import router as classification_router
from openaims.management_review.api import router as management_review_router
from openaims.monitoring.api import router as monitoring_router
from openaims.oversight.incidents.api import router as incidents_router
from openaims.oversight.reviews.api import router as reviews_router
from openaims.oversight.transparency.api import router as transparency_router
from openaims.risk.api import router as risk_router

api = NinjaAPI(
    title="OpenAIMS API",
    version=__version__,
    description=(
        "The AI Management System's records. Authenticate with `Authorization: Bearer <API token>` "
        "(create one in the web UI or with `aims token create`). Errors are JSON problems naming the field."
    ),
    auth=[TokenAuth(), SessionActorAuth()],
    urls_namespace="api",
)
install_error_handlers(api)
api.add_router("/", accounts_router)
api.add_router("/", inventory_router)
api.add_router("/", classification_router)
api.add_router("/", evidence_router)
api.add_router("/", governance_router)
api.add_router("/", controls_router)
api.add_router("/", risk_router)
api.add_router("/", impact_router)
api.add_router("/", monitoring_router)
api.add_router("/", audits_router)
api.add_router("/", internal_audit_router)
api.add_router("/", management_review_router)
api.add_router("/", external_audit_router)
api.add_router("/", reviews_router)
api.add_router("/", transparency_router)
api.add_router("/", incidents_router)
api.add_router("/", trail_router)
