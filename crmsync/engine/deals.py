"""HubSpot deals ⇄ Salesforce opportunities, as an :class:`ObjectPair` (R22).

HubSpot's own rules (integration behaviour §1.9), and where crmsync does better:

- **Off by default** (``deals.enabled``); the mapping table is ``deals.mappings.Opportunity``.
- **Pipelines and stages** go through the stage table (:mod:`crmsync.core.deal_stages`):
  generated on the first run from the account's pipelines and the org's
  ``OpportunityStage`` picklist, saved as ``deals.stages`` and edited like a mapping. A
  deal in a pipeline without rows does not sync and says so (a sync error per deal).
- **Never deduplicated** (:class:`~crmsync.engine.matching.NoMatch`): two deals with one
  name are two opportunities. Creates are idempotent all the same (R25): a deal created
  from an opportunity carries its id in ``salesforceopportunityid`` (a unique property
  crmsync adds), an opportunity created from a deal the deal's id in
  ``HubSpot_Deal_ID__c`` (an external-id field the admin adds).
- **Company.** ``Opportunity.AccountId`` ⇄ the deal's primary company, read through the
  ``associations.companies@5`` pseudo-field and written as a v4 association (type 5),
  while company sync is on; without it deals sync without their company, as HubSpot's.
- **Deletes are asymmetric:** a deleted opportunity deletes its deal (unless
  ``deals.delete_with_opportunity`` is off); a deleted deal leaves the opportunity.
"""

from __future__ import annotations

from collections.abc import Callable

from crmsync.connectors.base import (
    AssociationType,
    Connector,
    RemoteRecord,
    Stages,
    System,
    association_field,
)
from crmsync.connectors.hubspot.writes import DEAL_KEY_PROPERTY
from crmsync.core.deal_stages import (
    DEAL_PIPELINE_NOT_SYNCED,
    STAGE_ROWS,
    StageTable,
    StageTranslator,
    default_table,
)
from crmsync.core.mapping import DEFAULT_OPPORTUNITY_MAPPING, ObjectMapping, Transform
from crmsync.core.translation import FieldTranslator, Owners, Translator
from crmsync.engine.create_keys import ensure_hubspot_key, require_salesforce_key
from crmsync.engine.matching import NoMatch
from crmsync.engine.pairs import Action, CreateKey, Gate, ObjectPair, Reference
from crmsync.errors import ConfigurationError

OPPORTUNITY_KEY_FIELD = "HubSpot_Deal_ID__c"
"""The Opportunity external-id field holding the HubSpot deal id it was created for."""

PRIMARY_COMPANY = AssociationType(from_object="deals", to_object="companies", type_id=5)
"""deal → company "Primary" (v4 type 5)."""
COMPANY_FIELD = association_field("companies", type_id=PRIMARY_COMPANY.type_id)

SaveTable = Callable[[StageTable], None]


class DealPolicy:
    """Deals move both ways while their pipeline syncs; the stage table is loaded here."""

    def __init__(
        self,
        *,
        owners: Owners | None,
        stored_table: StageTable | None,
        save_table: SaveTable,
    ) -> None:
        self._owners = owners
        self._stored = stored_table
        self._save_table = save_table
        self.table = stored_table or StageTable(rows=())

    def prepare(self, *, hubspot: Connector, salesforce: Connector) -> None:
        """Check both idempotency keys exist, and load (or generate and save) the table."""
        require_salesforce_key(
            salesforce,
            object_type="Opportunity",
            field=OPPORTUNITY_KEY_FIELD,
            missing=f"deal sync needs the Opportunity field {OPPORTUNITY_KEY_FIELD} (Text(64), "
            "External ID, Unique) so an opportunity is never created twice: add it in "
            "Setup → Object Manager → Opportunity → Fields, then run again",
        )
        ensure_hubspot_key(
            hubspot,
            object_type="deals",
            name=DEAL_KEY_PROPERTY,
            label="Salesforce opportunity id (crmsync)",
            missing=f"deal sync needs the unique deal property {DEAL_KEY_PROPERTY}",
        )
        if self._stored is not None:
            self.table = self._stored
            return
        if not isinstance(hubspot, Stages) or not isinstance(salesforce, Stages):
            raise ConfigurationError("deal sync needs connectors that read deal stages")
        self.table = default_table(hubspot.deal_stages(), salesforce.deal_stages())
        self._save_table(self.table)
        self._stored = self.table

    def outbound(self, record: RemoteRecord, *, linked_type: str | None) -> Gate:
        """A deal in a pipeline the table does not sync stays in HubSpot, and says so."""
        pipeline = str(record.fields.get("pipeline") or "default")
        if pipeline not in self.table.pipelines():
            return Gate(
                action=Action.SKIP,
                reason=f"pipeline {pipeline} does not sync with Salesforce: move the deal to "
                "a synced pipeline or add the pipeline's stages to deals.stages",
                error_code=DEAL_PIPELINE_NOT_SYNCED,
                field="pipeline",
            )
        return Gate(action=Action.CREATE_OR_UPDATE, create_as=linked_type or "Opportunity")

    def inbound(self, record: RemoteRecord, *, linked_hubspot_id: str | None) -> Gate:
        """Every opportunity may create or update its deal."""
        return Gate(action=Action.CREATE_OR_UPDATE)

    def translator(self) -> Translator:
        """Owners, value maps and dates; stages through the table."""
        return StageTranslator(inner=FieldTranslator(owners=self._owners), table=self.table)

    def triggered(self, since: str | None) -> tuple[list[str], str | None]:
        """Deals sync on change only."""
        return [], since


def _deal_key(record: RemoteRecord, source: System) -> str | None:
    # The source's own id is stamped on the record created for it.
    return record.id


def opportunity_mapping(
    mapping: ObjectMapping | None = None, *, with_owners: bool
) -> ObjectMapping:
    """The user's Opportunity table with the stage rows (owner rows need owners)."""
    chosen = mapping or DEFAULT_OPPORTUNITY_MAPPING
    rows = tuple(
        row
        for row in chosen.fields
        if row.hubspot_property not in ("dealstage", "pipeline")
        and (with_owners or row.transform is not Transform.OWNER_BY_EMAIL)
    )
    return ObjectMapping(
        hubspot_object="deals", salesforce_object="Opportunity", fields=(*rows, *STAGE_ROWS)
    )


def deals_pair(
    *,
    mapping: ObjectMapping | None = None,
    owners: Owners | None = None,
    stored_table: StageTable | None,
    save_table: SaveTable,
    with_companies: bool,
    delete_with_opportunity: bool = True,
) -> ObjectPair:
    """The deals pair (``with_companies``: the deal's company ⇄ ``AccountId``)."""
    references: tuple[Reference, ...] = ()
    if with_companies:
        references = (
            Reference(
                hubspot_property=COMPANY_FIELD,
                salesforce_field="AccountId",
                target_pair="companies",
                target_hubspot_object="companies",
                target_salesforce_objects=("Account",),
                salesforce_objects=("Opportunity",),
                hubspot_association=PRIMARY_COMPANY,
            ),
        )
    return ObjectPair(
        name="deals",
        hubspot_object="deals",
        mappings={"Opportunity": opportunity_mapping(mapping, with_owners=owners is not None)},
        match=None,
        policy=DealPolicy(owners=owners, stored_table=stored_table, save_table=save_table),
        strategy=NoMatch(),
        create_key=CreateKey(
            hubspot_property=DEAL_KEY_PROPERTY,
            salesforce_field=OPPORTUNITY_KEY_FIELD,
            value=_deal_key,
            stamped=True,
        ),
        references=references,
        depends_on=("companies", "contacts"),
        settings_prefix="deals",
        deletes_follow=frozenset({System.SALESFORCE}) if delete_with_opportunity else frozenset(),
    )


__all__ = ["OPPORTUNITY_KEY_FIELD", "DealPolicy", "deals_pair", "opportunity_mapping"]
