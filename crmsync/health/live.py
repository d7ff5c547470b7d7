"""The health report of the configured integration, asking the CRMs who we are (R4, R6)."""

from __future__ import annotations

from crmsync.config import CrmsyncConfig
from crmsync.errors import CrmsyncError
from crmsync.health.budget import ApiBudget
from crmsync.health.report import HealthReport, IntegrationUserView, health_report
from crmsync.store import Scope, StateStore


def build_report(config: CrmsyncConfig) -> HealthReport:
    """The health report, asking Salesforce who we are when credentials are configured."""
    user, scope = _whoami(config)
    store = StateStore.open(config.database_url)
    try:
        return health_report(
            store,
            budget=ApiBudget(store),
            scope=scope,
            integration_user=user,
            # The org's own identity says sandbox or not; the setting is the fallback (R6).
            sandbox=config.salesforce_sandbox if user is None else user.is_sandbox,
        )
    finally:
        store.close()


def _whoami(config: CrmsyncConfig) -> tuple[IntegrationUserView | None, Scope | None]:
    # The CLI's connector wiring is the one place credentials become connectors.
    from crmsync.cli.sync import connected

    try:
        with connected(config) as opened:
            identity = opened.salesforce.whoami()  # type: ignore[attr-defined]
            scope = Scope(
                salesforce_org_id=opened.salesforce.account_id(),
                hubspot_portal_id=opened.hubspot.account_id(),
            )
    except CrmsyncError:
        # Not connected yet, or a CRM is unreachable: health still shows what it knows.
        return None, None
    user = IntegrationUserView(
        username=identity.username,
        name=identity.name,
        email=identity.email,
        user_id=identity.user_id,
        org_id=identity.org_id,
        is_sandbox=identity.is_sandbox,
    )
    return user, scope
