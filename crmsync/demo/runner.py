"""Running the demo: both emulators on loopback, seeded, synced twice around a conversion.

The CLI (:mod:`crmsync.cli.demo`) is a thin shell over :func:`emulators` and
:func:`run_demo`; the end-to-end test drives the same functions through the CLI.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final

from pydantic import SecretStr
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn

from crmsync.config import CrmsyncConfig, load_config
from crmsync.connectors.base import WriteRequest
from crmsync.demo.dataset import INCLUSION_LIST_NAME, DemoDataset, build_dataset
from crmsync.demo.deals import WON_OPPORTUNITY, DealSeed, add_deals_and_activities
from crmsync.emulators.common.server import BackgroundServer
from crmsync.emulators.hubspot.control_client import HubSpotEmulatorControl
from crmsync.emulators.hubspot.server import create_app as create_hubspot_app
from crmsync.emulators.salesforce.app import create_app as create_salesforce_app
from crmsync.emulators.salesforce.control import SalesforceEmulatorControl
from crmsync.engine.activities import TASK_KEY_FIELD
from crmsync.engine.companies import ACCOUNT_KEY_FIELD
from crmsync.engine.deals import OPPORTUNITY_KEY_FIELD
from crmsync.engine.report import SyncReport
from crmsync.engine.settings import ACTIVITY_TYPE_NAMES, activity_switch, save_setting
from crmsync.runtime import Connected, build_engine, connected
from crmsync.store.runs import RunOutcome, log_run
from crmsync.store.state import Scope
from crmsync.terminal import RichHooks

HUBSPOT_TOKEN: Final = "crmsync-hs-token"
SALESFORCE_TOKEN: Final = "crmsync-sf-token"
CLOCK_STEP_SECONDS: Final = 5.0
"""Both emulator clocks move on after each run, so later edits are strictly newer."""


@dataclass(frozen=True, kw_only=True)
class Emulators:
    """Both running emulators, their hooks and the HubSpot account (for the list id)."""

    salesforce: BackgroundServer
    hubspot: BackgroundServer
    salesforce_control: SalesforceEmulatorControl
    hubspot_control: HubSpotEmulatorControl
    hubspot_account: Any


@contextmanager
def emulators(*, salesforce_port: int | None, hubspot_port: int | None) -> Iterator[Emulators]:
    """Start both emulators on loopback (HubSpot without rate limits); stop them on exit."""
    hubspot_app = create_hubspot_app(token=HUBSPOT_TOKEN)
    with ExitStack() as stack:
        salesforce = BackgroundServer(
            create_salesforce_app(token=SALESFORCE_TOKEN), port=salesforce_port
        )
        salesforce.start()
        stack.callback(salesforce.stop)
        hubspot = BackgroundServer(hubspot_app, port=hubspot_port)
        hubspot.start()
        stack.callback(hubspot.stop)
        salesforce_control = stack.enter_context(SalesforceEmulatorControl(salesforce.url))
        hubspot_control = stack.enter_context(HubSpotEmulatorControl(hubspot.url))
        # The demo moves a few thousand records at once; a real portal would buy the tier.
        hubspot_control.set_limits(tier="unlimited")
        yield Emulators(
            salesforce=salesforce,
            hubspot=hubspot,
            salesforce_control=salesforce_control,
            hubspot_control=hubspot_control,
            hubspot_account=hubspot_app.state.account,
        )


def demo_config(running: Emulators, *, database_url: str) -> CrmsyncConfig:
    """The configuration pointing at the running emulators and the demo database."""
    return load_config(
        salesforce_url=running.salesforce.url,
        salesforce_token=SecretStr(SALESFORCE_TOKEN),
        hubspot_url=running.hubspot.url,
        hubspot_token=SecretStr(HUBSPOT_TOKEN),
        database_url=database_url,
    )


@dataclass(kw_only=True)
class DemoResult:
    """What the demo did, for the summary and for tests."""

    dataset: DemoDataset
    first_run: SyncReport
    second_run: SyncReport
    converted_lead_id: str
    converted_contact_id: str | None
    errors_by_category: Counter[str] = field(default_factory=Counter)
    links_by_pair: dict[str, int] = field(default_factory=dict)
    api_calls: dict[str, int] = field(default_factory=dict)
    deals: DealSeed = field(default_factory=DealSeed)
    lifecycle_moves: list[str] = field(default_factory=list)
    """Each lifecycle stage change of the second run, in words (R15, R19)."""
    won_contact_stage: str | None = None
    """The HubSpot lifecycle stage of the contact whose opportunity the demo won."""


def run_demo(running: Emulators, config: CrmsyncConfig, *, console: Console) -> DemoResult:
    """Seed, configure, sync, convert one lead and sync again."""
    dataset = build_dataset()
    deals = add_deals_and_activities(dataset)
    running.hubspot_control.seed(dataset.hubspot_seed)
    refs = running.salesforce_control.seed(dataset.salesforce_seed)
    list_definition = running.hubspot_account.lists.by_name(
        name=INCLUSION_LIST_NAME, object_type_id="0-1"
    )
    # The Account key field company sync needs (an admin adds it once in a real org).
    running.salesforce_control.add_field(
        object="Account", name=ACCOUNT_KEY_FIELD, type="string", length=64,
        external_id=True, unique=True,
    )  # fmt: skip
    for sobject, name, length in (
        ("Opportunity", OPPORTUNITY_KEY_FIELD, 64),
        ("Task", TASK_KEY_FIELD, 80),
    ):
        running.salesforce_control.add_field(
            object=sobject, name=name, type="string", length=length, external_id=True,
            unique=True,
        )  # fmt: skip
    with connected(config) as opened:
        _configure(opened, list_id=str(list_definition["listId"]))
        first = _sync(opened, config, running, console=console, label="first sync")
        won = refs[WON_OPPORTUNITY]
        opened.salesforce.write(
            [WriteRequest(object_type="Opportunity", key="won", id=won, fields=_WON)]
        )
        console.print(f"Won Salesforce opportunity {won} (Closed Won)")
        lead_id = refs[dataset.leads_awaiting_conversion[0]]
        conversion = running.salesforce_control.convert_lead(
            lead_id, create_opportunity=True, opportunity_name="Demo: converted lead"
        )
        console.print(
            f"Converted Salesforce lead {lead_id} into contact {conversion.get('contactId')}"
        )
        second = _sync(opened, config, running, console=console, label="after conversion")
        scope = Scope(
            salesforce_org_id=opened.salesforce.account_id(),
            hubspot_portal_id=opened.hubspot.account_id(),
        )
        with opened.store.begin(scope) as tx:
            errors = Counter(row.category for row in tx.open_errors())
            links = {pair: tx.count_links(pair=pair) for pair in _PAIRS}
            moves = [
                f"{entry.note}: {entry.old_value or '(none)'} → {entry.new_value}"
                for entry in tx.audit_entries(kind="lifecycle")
            ]
        (person,) = opened.hubspot.find_by(
            "contacts", "email", [deals.won_contact_email], fields=("lifecyclestage",)
        )
    return DemoResult(
        dataset=dataset,
        first_run=first,
        second_run=second,
        converted_lead_id=lead_id,
        converted_contact_id=conversion.get("contactId"),
        errors_by_category=errors,
        links_by_pair=links,
        api_calls={
            "salesforce": running.salesforce_control.usage()["api_calls_total"],
            "hubspot": running.hubspot_control.call_count(),
        },
        deals=deals,
        lifecycle_moves=moves,
        won_contact_stage=person.fields.get("lifecyclestage"),
    )


_WON: Final = {"StageName": "Closed Won"}
_PAIRS: Final = (
    "contacts",
    "companies",
    "deals",
    *(f"activities.{name}" for name in ACTIVITY_TYPE_NAMES),
)


def _configure(opened: Connected, *, list_id: str) -> None:
    """The demo's integration settings, as ``crmsync settings set`` would save them."""
    for key, value in (
        ("contacts.inclusion_list_id", list_id),
        ("contacts.create_as", "Lead"),
        ("contacts.state_country.picklists", "disabled"),
        ("contacts.state_country.mode", "match_salesforce"),
        ("companies.enabled", "on"),
        ("deals.enabled", "on"),
        ("lifecycle.update_from_opportunities", "on"),
        ("lifecycle.sync_company_stage_to_contacts", "on"),
        *((activity_switch(name), "on") for name in ACTIVITY_TYPE_NAMES),
    ):
        save_setting(opened.store, key, value, hubspot=opened.hubspot)


def _sync(
    opened: Connected, config: CrmsyncConfig, running: Emulators, *, console: Console, label: str
) -> SyncReport:
    progress = Progress(
        SpinnerColumn(),
        TextColumn(f"[bold]{label}[/bold] {{task.description}}"),
        TextColumn("{task.completed} records"),
        console=console,
        transient=True,
    )
    started = datetime.now(UTC)
    with progress:
        report = build_engine(opened, config, hooks=RichHooks(progress)).run_once()
    log_run(
        opened.store,
        command="demo",
        started_at=started,
        outcome=RunOutcome.OK,
        message=label,
        summary=report.summary(),
    )
    running.salesforce_control.advance_clock(seconds=CLOCK_STEP_SECONDS)
    running.hubspot_control.advance_clock(seconds=CLOCK_STEP_SECONDS)
    return report
