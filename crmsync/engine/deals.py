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
- **Record types** (:mod:`crmsync.core.deal_record_types`): in an org with several
  Opportunity record types each pipeline stands for one, and the pipeline row becomes
  ``pipeline`` ⇄ ``RecordTypeId``.
- **Currency** (:mod:`crmsync.core.deal_currency`): in a multi-currency org
  ``deal_currency_code`` ⇄ ``CurrencyIsoCode`` is added to the table; a deal whose
  currency Salesforce cannot hold does not sync (an amount is money only with its
  currency).

The Opportunity mapping is completed in :meth:`DealPolicy.prepare`, once the org is
known (the pair's ``mappings`` dict is the policy's to fill).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from crmsync.connectors.base import (
    AssociationType,
    Connector,
    CurrencySetup,
    OrgSetup,
    RecordTypeInfo,
    RemoteRecord,
    Stages,
    System,
    association_field,
)
from crmsync.connectors.hubspot.writes import DEAL_KEY_PROPERTY
from crmsync.core.deal_currency import (
    CURRENCY_FIELD,
    CURRENCY_PROPERTY,
    CURRENCY_ROW,
    currency_problem,
    deal_currency,
)
from crmsync.core.deal_record_types import (
    DEAL_RECORD_TYPE_NOT_SYNCED,
    PIPELINE_DASH,
    RECORD_TYPE_ROW,
)
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
from crmsync.engine.merge import PairPlan
from crmsync.engine.pairs import Action, CreateKey, Gate, ObjectPair, Reference
from crmsync.errors import ConfigurationError

OPPORTUNITY_KEY_FIELD = "HubSpot_Deal_ID__c"
"""The Opportunity external-id field holding the HubSpot deal id it was created for."""

PRIMARY_COMPANY = AssociationType(from_object="deals", to_object="companies", type_id=5)
"""deal → company "Primary" (v4 type 5)."""
COMPANY_FIELD = association_field("companies", type_id=PRIMARY_COMPANY.type_id)

SaveTable = Callable[[StageTable], None]


class DealPolicy:
    """Deals move both ways while their pipeline syncs; the stage table is loaded here,
    and the Opportunity mapping completed for the org's record types and currencies."""

    def __init__(
        self,
        *,
        owners: Owners | None,
        stored_table: StageTable | None,
        save_table: SaveTable,
        mappings: dict[str, ObjectMapping] | None = None,
        mapping: ObjectMapping | None = None,
    ) -> None:
        self._owners = owners
        self._stored = stored_table
        self._save_table = save_table
        self.table = stored_table or StageTable(rows=())
        self._mappings = mappings if mappings is not None else {}
        self._mapping = mapping
        self._record_type_ids: dict[str, str] = {}
        self._salesforce: Connector | None = None
        self._currencies: CurrencySetup | None = None
        self._translator: StageTranslator | None = None

    def prepare(self, *, hubspot: Connector, salesforce: Connector) -> None:
        """Check both idempotency keys exist, load (or generate and save) the table, and
        complete the mapping for the org's record types and currencies."""
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
        self._salesforce = salesforce
        self._currencies = None
        self._translator = None
        record_types: Sequence[RecordTypeInfo] = ()
        if self._stored is not None:
            self.table = self._stored
            if self.table.record_types() and isinstance(salesforce, OrgSetup):
                record_types = salesforce.opportunity_record_types(with_stages=False)
        else:
            if not isinstance(hubspot, Stages) or not isinstance(salesforce, Stages):
                raise ConfigurationError("deal sync needs connectors that read deal stages")
            if isinstance(salesforce, OrgSetup):
                record_types = salesforce.opportunity_record_types()
            self.table = default_table(
                hubspot.deal_stages(), salesforce.deal_stages(), record_types
            )
            self._save_table(self.table)
            self._stored = self.table
        self._record_type_ids = {found.developer_name: found.id for found in record_types}
        multi = CURRENCY_FIELD in salesforce.describe("Opportunity")
        if multi and isinstance(salesforce, OrgSetup):
            self._currencies = salesforce.currencies()
        self._mappings["Opportunity"] = opportunity_mapping(
            self._mapping,
            with_owners=self._owners is not None,
            with_record_types=bool(self.table.record_types()),
            with_currency=multi,
        )

    def outbound(self, record: RemoteRecord, *, linked_type: str | None) -> Gate:
        """A deal in a pipeline the table does not sync stays in HubSpot, and says so; so
        does a deal whose currency Salesforce cannot hold."""
        pipeline = str(record.fields.get("pipeline") or "default")
        if pipeline not in self.table.pipelines():
            hint = (
                f"name the pipeline 'Salesforce{PIPELINE_DASH}[Record Type]' after one of the "
                "org's Opportunity record types and regenerate deals.stages, or add its rows"
                if self.table.record_types()
                else "move the deal to a synced pipeline or add the pipeline's stages to "
                "deals.stages"
            )
            return Gate(
                action=Action.SKIP,
                reason=f"pipeline {pipeline} does not sync with Salesforce: {hint}",
                error_code=DEAL_PIPELINE_NOT_SYNCED,
                field="pipeline",
            )
        if deal_currency(record.fields) is not None:
            problem = currency_problem(record.fields, self._currency_setup())
            if problem is not None:
                code, reason = problem
                return Gate(
                    action=Action.SKIP, reason=reason, error_code=code, field="deal_currency_code"
                )
        return Gate(action=Action.CREATE_OR_UPDATE, create_as=linked_type or "Opportunity")

    def inbound(self, record: RemoteRecord, *, linked_hubspot_id: str | None) -> Gate:
        """Every opportunity may create or update its deal, but for one whose record type
        has no pipeline (with record types)."""
        if not self.table.record_types():
            return Gate(action=Action.CREATE_OR_UPDATE)
        name = self._stage_translator().record_type_name(record.fields)
        if name and self.table.pipeline_of(name) is not None:
            return Gate(action=Action.CREATE_OR_UPDATE)
        reason = (
            f"the opportunity's record type ({name}) has no HubSpot pipeline: create a "
            f"pipeline named 'Salesforce{PIPELINE_DASH}{name}' and regenerate deals.stages, "
            "or add rows for the record type"
            if name
            else "the opportunity has no record type, and each synced pipeline stands for "
            "one: give it one of the org's Opportunity record types"
        )
        return Gate(
            action=Action.SKIP,
            reason=reason,
            error_code=DEAL_RECORD_TYPE_NOT_SYNCED,
            field="RecordTypeId",
        )

    def translator(self) -> Translator:
        """Owners, value maps and dates; stages through the table."""
        return self._stage_translator()

    def _stage_translator(self) -> StageTranslator:
        if self._translator is None:
            self._translator = StageTranslator(
                inner=FieldTranslator(owners=self._owners),
                table=self.table,
                record_type_ids=self._record_type_ids,
            )
        return self._translator

    def _currency_setup(self) -> CurrencySetup:
        """The org's currencies, read once a run and only when a deal states one."""
        if self._currencies is None:
            if not isinstance(self._salesforce, OrgSetup):
                raise ConfigurationError("deal sync needs a connector that reads currencies")
            self._currencies = self._salesforce.currencies()
        return self._currencies

    def complete_plan(self, plan: PairPlan, *, salesforce: RemoteRecord) -> None:
        """An opportunity moved to another record type keeping its ``StageName``: the
        deal's stage moves with the pipeline (stage ids are per pipeline)."""
        if "pipeline" not in plan.hubspot_values or "dealstage" in plan.hubspot_values:
            return
        stage = salesforce.fields.get("StageName")
        back = self._stage_translator().to_hubspot(STAGE_ROWS[0], stage, record=salesforce.fields)
        if back.ok and not back.skip:
            plan.hubspot_values["dealstage"] = back.value
            plan.on_hubspot_write["dealstage"] = stage

    def triggered(self, since: str | None) -> tuple[list[str], str | None]:
        """Deals sync on change only."""
        return [], since


def _deal_key(record: RemoteRecord, source: System) -> str | None:
    # The source's own id is stamped on the record created for it.
    return record.id


def opportunity_mapping(
    mapping: ObjectMapping | None = None,
    *,
    with_owners: bool,
    with_record_types: bool = False,
    with_currency: bool = False,
) -> ObjectMapping:
    """The user's Opportunity table with the stage rows (owner rows need owners).

    ``with_record_types``: the pipeline row is ``pipeline`` ⇄ ``RecordTypeId``;
    ``with_currency``: ``deal_currency_code`` ⇄ ``CurrencyIsoCode`` unless the table maps
    the currency already (and never in a single-currency org, which has no such field).
    """
    chosen = mapping or DEFAULT_OPPORTUNITY_MAPPING
    rows = tuple(
        row
        for row in chosen.fields
        if row.hubspot_property not in ("dealstage", "pipeline")
        and (with_owners or row.transform is not Transform.OWNER_BY_EMAIL)
        and (with_currency or row.salesforce_field != CURRENCY_FIELD)
    )
    if with_currency and not any(row.salesforce_field == CURRENCY_FIELD for row in rows):
        rows = (*rows, CURRENCY_ROW)
    stage_rows = (STAGE_ROWS[0], RECORD_TYPE_ROW) if with_record_types else STAGE_ROWS
    return ObjectMapping(
        hubspot_object="deals", salesforce_object="Opportunity", fields=(*rows, *stage_rows)
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
    mappings = {"Opportunity": opportunity_mapping(mapping, with_owners=owners is not None)}
    policy = DealPolicy(
        owners=owners,
        stored_table=stored_table,
        save_table=save_table,
        mappings=mappings,
        mapping=mapping,
    )
    return ObjectPair(
        name="deals",
        hubspot_object="deals",
        mappings=mappings,
        match=None,
        policy=policy,
        complete_plan=policy.complete_plan,
        # Read in single-currency orgs too: a deal in another currency must not sync.
        hubspot_extra_fields=(CURRENCY_PROPERTY,),
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
