"""The demo's deals, opportunities and activities (R15, R22, R24).

Added to the people and companies of :mod:`crmsync.demo.dataset`:

- HubSpot deals on the HubSpot companies (primary company association), in the
  default pipeline's stages;
- Salesforce opportunities on accounts, each with a contact role for one of the
  account's contacts; the demo wins the first one between its two runs, and that
  contact becomes ``customer`` in HubSpot (R15);
- HubSpot calls, emails, meetings, notes and tasks on contacts of the inclusion list,
  which become Salesforce tasks (R24).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any, Final

from crmsync.demo.dataset import COMPANIES, HUBSPOT_COMPANIES, HUBSPOT_COMPANY_BASE, DemoDataset

DEAL_BASE: Final = 7000
ACTIVITY_BASE: Final = 9000
WON_OPPORTUNITY: Final = "opportunity0"
"""The seed ref of the opportunity the demo wins between its runs."""

_STAGES: Final = ("appointmentscheduled", "qualifiedtobuy", "presentationscheduled", "closedwon")
_OPEN_SF_STAGES: Final = ("Prospecting", "Needs Analysis", "Negotiation/Review")
_ACTIVITIES: Final[dict[str, tuple[int, dict[str, str]]]] = {
    "calls": (194, {"hs_call_title": "Discovery call", "hs_call_body": "Budget confirmed",
                    "hs_call_status": "COMPLETED"}),
    "emails": (198, {"hs_email_subject": "Proposal", "hs_email_text": "Attached, as promised",
                     "hs_email_status": "SENT", "hs_email_direction": "EMAIL"}),
    "meetings": (200, {"hs_meeting_title": "Demo", "hs_meeting_body": "Product tour",
                       "hs_meeting_outcome": "SCHEDULED",
                       "hs_meeting_start_time": "2026-05-04T10:00:00Z"}),
    "notes": (202, {"hs_note_body": "Prefers email over phone"}),
    "tasks": (204, {"hs_task_subject": "Send the contract", "hs_task_status": "NOT_STARTED",
                    "hs_task_priority": "HIGH", "hs_task_type": "TODO"}),
}  # fmt: skip


@dataclass(kw_only=True)
class DealSeed:
    """What the deal and activity seed added, for the summary and for tests."""

    hubspot_deals: int = 0
    opportunities: int = 0
    activities: int = 0
    won_contact_email: str = ""
    contact_roles: dict[str, str] = field(default_factory=dict)
    """Opportunity ref → the email of the contact holding its role."""


def add_deals_and_activities(dataset: DemoDataset, *, seed: int = 2026) -> DealSeed:
    """Add deals, opportunities with contact roles, and activities to ``dataset``."""
    rng = random.Random(seed + 2)
    added = DealSeed()
    hubspot = dataset.hubspot_seed
    records = hubspot["records"]
    deals: list[dict[str, Any]] = []
    for number in range(HUBSPOT_COMPANIES):
        deal_id = str(DEAL_BASE + number)
        deals.append(
            {
                "id": deal_id,
                "properties": {
                    "dealname": f"{COMPANIES[number]} platform deal",
                    "pipeline": "default",
                    "dealstage": _STAGES[number % len(_STAGES)],
                    "amount": str(rng.randint(5, 80) * 1000),
                    "closedate": f"2026-{6 + number % 6:02d}-30T00:00:00Z",
                },
            }
        )
        hubspot["associations"].append(
            {
                "fromType": "deals",
                "fromId": deal_id,
                "toType": "companies",
                "toId": str(HUBSPOT_COMPANY_BASE + number),
                "typeId": 5,
            }
        )
    records["deals"] = deals
    added.hubspot_deals = len(deals)

    (inclusion_list,) = hubspot["lists"]
    members = list(inclusion_list["recordIds"])
    number = 0
    for offset, (kind, (contact_type, properties)) in enumerate(_ACTIVITIES.items()):
        rows = []
        for contact in members[offset * 4 :][:4]:
            activity_id = str(ACTIVITY_BASE + number)
            number += 1
            rows.append(
                {
                    "id": activity_id,
                    "properties": {**properties, "hs_timestamp": "2026-05-04T09:00:00Z"},
                }
            )
            hubspot["associations"].append(
                {
                    "fromType": kind,
                    "fromId": activity_id,
                    "toType": "contacts",
                    "toId": contact,
                    "typeId": contact_type,
                }
            )
        records[kind] = rows
        added.activities += len(rows)

    salesforce = dataset.salesforce_seed["records"]
    opportunities: list[dict[str, Any]] = []
    roles: list[dict[str, Any]] = []
    # Contacts with a good, unshared email: their HubSpot contact exists after the sync.
    bad = set(dataset.bad_salesforce_emails) | set(dataset.duplicate_salesforce_emails)
    candidates = [row for row in salesforce["Contact"] if row["Email"] not in bad][:5]
    for position, contact in enumerate(candidates):
        contact["ref"] = f"demo_contact{position}"
        ref = f"opportunity{position}"
        opportunities.append(
            {
                "ref": ref,
                "Name": f"{contact['LastName']} renewal",
                "StageName": _OPEN_SF_STAGES[position % len(_OPEN_SF_STAGES)],
                "CloseDate": "2026-09-30",
                "Amount": rng.randint(10, 90) * 1000,
                "AccountId": contact["AccountId"],
            }
        )
        roles.append(
            {
                "OpportunityId": "@{" + ref + "}",
                "ContactId": "@{demo_contact" + str(position) + "}",
                "Role": "Decision Maker",
                "IsPrimary": True,
            }
        )
        added.contact_roles[ref] = str(contact["Email"]).lower()
    salesforce["Opportunity"] = opportunities
    salesforce["OpportunityContactRole"] = roles
    added.opportunities = len(opportunities)
    added.won_contact_email = added.contact_roles[WON_OPPORTUNITY]
    return added
