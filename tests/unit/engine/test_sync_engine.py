"""The sync engine against two honest in-memory fakes (see ``fakes.py``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from crmsync.connectors.base import ApiErrorDetail, System
from crmsync.core.policies import ContactSettings, CreateAs, SalesforcePolicy
from crmsync.engine.contacts import contacts_pair
from crmsync.engine.hooks import Checkpoint
from crmsync.engine.sync import SyncEngine
from crmsync.errors import RetriableError
from crmsync.store import Scope, StateStore
from tests.unit.engine.fakes import CrashError, FakeCrm, fake_pair

SCOPE = Scope(salesforce_org_id="00D000000000001AAA", hubspot_portal_id="portal-1")


class CrashAt:
    """Hooks that crash the run the n-th time a checkpoint is reached."""

    def __init__(self, point: Checkpoint, *, at: int = 1) -> None:
        self.point = point
        self.at = at
        self.seen = 0

    def checkpoint(self, point: Checkpoint) -> None:
        if point is self.point:
            self.seen += 1
            if self.seen == self.at:
                raise CrashError(f"crash at {point}")

    def progress(self, *, source: str, object_type: str, records: int) -> None:
        pass


@pytest.fixture
def store(tmp_path: Path) -> Iterator[StateStore]:
    opened = StateStore.open(f"sqlite:///{tmp_path / 'state.sqlite'}")
    yield opened
    opened.close()


def engine(
    hubspot: FakeCrm,
    salesforce: FakeCrm,
    store: StateStore,
    settings: ContactSettings | None = None,
    **options: object,
) -> SyncEngine:
    return SyncEngine(
        hubspot=hubspot,
        salesforce=salesforce,
        store=store,
        pairs=[contacts_pair(settings or ContactSettings())],
        **options,  # type: ignore[arg-type]
    )


def person(n: int) -> dict[str, str]:
    return {"email": f"p{n}@example.com", "firstname": f"First{n}", "lastname": f"Last{n}"}


def test_r9_new_hubspot_contacts_are_created_as_the_chosen_object(store: StateStore) -> None:
    hubspot, salesforce = fake_pair()
    hubspot.seed("contacts", **person(1), company="Acme")
    engine(hubspot, salesforce, store, ContactSettings(create_as=CreateAs.LEAD)).run_once()
    (lead,) = salesforce.all("Lead")
    assert lead.fields["Email"] == "p1@example.com"
    assert lead.fields["Company"] == "Acme"
    assert salesforce.all("Contact") == []


def test_r20_salesforce_records_create_hubspot_contacts_both_ways_linked(store: StateStore) -> None:
    hubspot, salesforce = fake_pair()
    salesforce.seed("Contact", Email="sf@example.com", LastName="Sf", FirstName="Ann")
    hubspot.seed("contacts", **person(2))
    report = engine(hubspot, salesforce, store).run_once()
    assert {c.fields["email"] for c in hubspot.all("contacts")} == {
        "sf@example.com",
        "p2@example.com",
    }
    assert {c.fields["Email"] for c in salesforce.all("Contact")} == {
        "sf@example.com",
        "p2@example.com",
    }
    assert report.created == {"salesforce": 1, "hubspot": 1}
    with store.begin(SCOPE) as tx:
        assert tx.count_links(pair="contacts") == 2


def test_r26_second_run_without_changes_writes_nothing(store: StateStore) -> None:
    hubspot, salesforce = fake_pair()
    for n in range(5):
        hubspot.seed("contacts", **person(n))
    salesforce.seed("Lead", Email="lead@example.com", LastName="L", Company="C")
    sync = engine(hubspot, salesforce, store)
    sync.run_once()
    sync.run_once()  # settles the echoes of the first run's writes
    hubspot.calls.clear()
    salesforce.calls.clear()
    report = sync.run_once()
    assert hubspot.calls["write"] == 0
    assert salesforce.calls["write"] == 0
    assert report.created == {}
    assert report.updated == {}


def test_r26_value_written_by_sync_is_not_echoed_back(store: StateStore) -> None:
    hubspot, salesforce = fake_pair()
    contact = hubspot.seed("contacts", **person(1))
    sync = engine(hubspot, salesforce, store)
    sync.run_once()
    hubspot.edit("contacts", contact, firstname="Changed")
    report = sync.run_once()
    assert report.updated == {"salesforce": 1}
    # The Salesforce change feed now shows our write; it must not come back.
    report = sync.run_once()
    assert report.updated == {}
    assert hubspot.calls["write"] == 0


def test_r23_two_way_conflict_newer_wins_and_audit_keeps_loser(store: StateStore) -> None:
    hubspot, salesforce = fake_pair()
    contact = hubspot.seed("contacts", **person(1))
    sync = engine(hubspot, salesforce, store)
    sync.run_once()
    (sf,) = salesforce.all("Contact")
    hubspot.edit("contacts", contact, firstname="FromHubSpot")
    salesforce.edit("Contact", sf.id, FirstName="FromSalesforce")  # later: wins
    sync.run_once()
    assert hubspot.get("contacts", contact)["firstname"] == "FromSalesforce"
    assert salesforce.get("Contact", sf.id)["FirstName"] == "FromSalesforce"
    with store.begin(SCOPE) as tx:
        conflicts = [e for e in tx.audit_entries(kind="field") if e.losing_value is not None]
    assert [(e.field, e.new_value, e.losing_value) for e in conflicts] == [
        ("firstname", "FromSalesforce", "FromHubSpot")
    ]


def test_r23_one_side_change_moves_only_that_field(store: StateStore) -> None:
    hubspot, salesforce = fake_pair()
    contact = hubspot.seed("contacts", **person(1), phone="111")
    sync = engine(hubspot, salesforce, store)
    sync.run_once()
    (sf,) = salesforce.all("Contact")
    hubspot.edit("contacts", contact, firstname="NewName")
    salesforce.edit("Contact", sf.id, Phone="222")
    sync.run_once()
    assert salesforce.get("Contact", sf.id)["FirstName"] == "NewName"
    assert hubspot.get("contacts", contact)["phone"] == "222"


def test_duplicate_salesforce_emails_link_one_record_and_report_the_rest(
    store: StateStore,
) -> None:
    hubspot, salesforce = fake_pair()
    lead = salesforce.seed("Lead", Email="dup@example.com", LastName="A", Company="C")
    contact = salesforce.seed("Contact", Email="DUP@example.com", LastName="B")
    hubspot.seed("contacts", email="dup@example.com", firstname="H")
    sync = engine(hubspot, salesforce, store)
    sync.run_once()
    assert len(hubspot.all("contacts")) == 1
    with store.begin(SCOPE) as tx:
        link = tx.links_by_salesforce(salesforce_types=["Contact", "Lead"], ids=[contact, lead])
        errors = tx.open_errors(pair="contacts")
    assert list(link) == [contact]  # contact over lead (core.matching)
    assert [(e.source_id, e.api_code) for e in errors] == [(lead, "DUPLICATE_EMAIL_IN_SALESFORCE")]


def test_lead_conversion_moves_link_and_never_writes_the_lead(store: StateStore) -> None:
    hubspot, salesforce = fake_pair()
    contact = hubspot.seed("contacts", **person(1), company="Acme")
    sync = engine(hubspot, salesforce, store, ContactSettings(create_as=CreateAs.LEAD))
    sync.run_once()
    (lead,) = salesforce.all("Lead")
    new_contact = salesforce.convert_lead(lead.id)
    sync.run_once()
    hubspot.edit("contacts", contact, firstname="AfterConversion")
    sync.run_once()
    assert salesforce.get("Contact", new_contact)["FirstName"] == "AfterConversion"
    assert salesforce.get("Lead", lead.id)["FirstName"] == "First1"
    assert len(hubspot.all("contacts")) == 1
    with store.begin(SCOPE) as tx:
        assert tx.open_errors() == []


def test_r27_one_bad_record_becomes_a_typed_error_and_the_rest_sync(store: StateStore) -> None:
    hubspot, salesforce = fake_pair()

    def phone_rule(object_type: str, fields: object) -> ApiErrorDetail | None:
        assert isinstance(fields, dict)
        if fields.get("Phone") == "bad":
            return ApiErrorDetail(
                code="FIELD_CUSTOM_VALIDATION_EXCEPTION",
                message="Phone must be digits",
                fields=("Phone",),
            )
        return None

    salesforce.faults.validator = phone_rule
    bad = hubspot.seed("contacts", **person(1), phone="bad")
    for n in range(2, 5):
        hubspot.seed("contacts", **person(n))
    sync = engine(hubspot, salesforce, store)
    sync.run_once()
    assert len(salesforce.all("Contact")) == 3
    with store.begin(SCOPE) as tx:
        (error,) = tx.open_errors()
    assert (error.source_id, error.api_code, error.api_message, error.field) == (
        bad,
        "FIELD_CUSTOM_VALIDATION_EXCEPTION",
        "Phone must be digits",
        "Phone",
    )
    assert error.category == "custom_code_validation"
    # Fixed in HubSpot: the error clears itself on the next successful sync (R3).
    hubspot.edit("contacts", bad, phone="123")
    sync.run_once()
    assert len(salesforce.all("Contact")) == 4
    with store.begin(SCOPE) as tx:
        assert tx.open_errors() == []


def test_r12_invalid_salesforce_email_is_skipped_with_visible_reason(store: StateStore) -> None:
    hubspot, salesforce = fake_pair()
    lead = salesforce.seed("Lead", Email="not-an-email", LastName="X", Company="C")
    engine(hubspot, salesforce, store).run_once()
    assert hubspot.all("contacts") == []
    with store.begin(SCOPE) as tx:
        (error,) = tx.open_errors()
    assert (error.source_id, error.api_code) == (lead, "INVALID_EMAIL_SKIPPED")
    assert error.api_message


def test_r13_policy_nothing_leaves_hubspot_alone(store: StateStore) -> None:
    hubspot, salesforce = fake_pair()
    salesforce.seed("Lead", Email="lead@example.com", LastName="X", Company="C")
    salesforce.seed("Contact", Email="contact@example.com", LastName="Y")
    settings = ContactSettings(
        salesforce_leads=SalesforcePolicy.NOTHING,
        salesforce_contacts=SalesforcePolicy.CREATE_OR_UPDATE,
    )
    engine(hubspot, salesforce, store, settings).run_once()
    assert [c.fields["email"] for c in hubspot.all("contacts")] == ["contact@example.com"]


def test_r8_inclusion_list_gates_hubspot_to_salesforce(store: StateStore) -> None:
    hubspot, salesforce = fake_pair()
    member = hubspot.seed("contacts", **person(1))
    hubspot.seed("contacts", **person(2))
    hubspot.lists["7"] = {member}
    engine(hubspot, salesforce, store, ContactSettings(inclusion_list_id="7")).run_once()
    assert [c.fields["Email"] for c in salesforce.all("Contact")] == ["p1@example.com"]


def test_dry_run_plans_writes_but_changes_nothing(store: StateStore) -> None:
    hubspot, salesforce = fake_pair()
    hubspot.seed("contacts", **person(1))
    report = engine(hubspot, salesforce, store).run_once(dry_run=True)
    assert salesforce.calls["write"] == 0
    assert {(p.system, p.action, p.field) for p in report.planned} >= {
        ("salesforce", "create", "Email"),
        ("salesforce", "create", "LastName"),
    }
    with store.begin(SCOPE) as tx:
        assert tx.count_links() == 0
        assert tx.cursor(pair="contacts", system="hubspot", object_type="contacts") is None


@pytest.mark.parametrize(
    "point",
    [Checkpoint.AFTER_WRITE_BEFORE_RECORD, Checkpoint.AFTER_RECORD, Checkpoint.BEFORE_CURSOR],
)
def test_r25_crash_at_any_point_resumes_without_duplicates(
    store: StateStore, point: Checkpoint
) -> None:
    hubspot, salesforce = fake_pair()
    for n in range(450):
        hubspot.seed("contacts", **person(n))
    crashing = engine(
        hubspot, salesforce, store, hooks=CrashAt(point, at=2), page_size=100, batch_size=300
    )
    with pytest.raises(CrashError):
        crashing.run_once()
    engine(hubspot, salesforce, store, page_size=100, batch_size=300).run_once()
    emails = [c.fields["Email"] for c in salesforce.all("Contact")]
    assert len(emails) == 450
    assert len(set(emails)) == 450
    with store.begin(SCOPE) as tx:
        assert tx.count_links() == 450
        assert tx.open_errors() == []


def test_r25_process_dying_after_the_write_is_recovered_from_the_journal(
    store: StateStore,
) -> None:
    hubspot, salesforce = fake_pair()
    for n in range(3):
        hubspot.seed("contacts", **person(n))
    salesforce.faults.crash_after_write_call = 1
    with pytest.raises(CrashError):
        engine(hubspot, salesforce, store).run_once()
    salesforce.faults.crash_after_write_call = None
    report = engine(hubspot, salesforce, store).run_once()
    assert report.recovered == 3
    assert len(salesforce.all("Contact")) == 3
    assert report.created.get("salesforce", 0) == 0


def test_r25_retriable_failure_mid_batch_loses_nothing(store: StateStore) -> None:
    hubspot, salesforce = fake_pair()
    salesforce.batch_write = 50
    for n in range(120):
        hubspot.seed("contacts", **person(n))
    salesforce.faults.fail_write_call = 2
    with pytest.raises(RetriableError):
        engine(hubspot, salesforce, store).run_once()
    salesforce.faults.fail_write_call = None
    engine(hubspot, salesforce, store).run_once()
    emails = {c.fields["Email"] for c in salesforce.all("Contact")}
    assert len(emails) == len(salesforce.all("Contact")) == 120


def test_writes_are_batched_to_the_api_limits(store: StateStore) -> None:
    hubspot, salesforce = fake_pair()
    for n in range(1000):
        hubspot.seed("contacts", **person(n))
    engine(hubspot, salesforce, store, page_size=200, batch_size=1000).run_once()
    assert len(salesforce.all("Contact")) == 1000
    assert salesforce.calls["write"] == 5  # 200 per call
    assert hubspot.calls["write"] == 0
    assert salesforce.calls["find_by"] == 2 * 5  # Contact and Lead, 200 emails a call


def test_resync_reevaluates_one_record_ignoring_cursors(store: StateStore) -> None:
    hubspot, salesforce = fake_pair()
    contact = hubspot.seed("contacts", **person(1))
    sync = engine(hubspot, salesforce, store)
    sync.run_once()
    (sf,) = salesforce.all("Contact")
    # A change the feed will not show (as if the cursor had skipped it).
    salesforce.records["Contact"][sf.id].fields["FirstName"] = "Hidden"
    report = sync.resync("P1@example.com")
    assert hubspot.get("contacts", contact)["firstname"] == "Hidden"
    assert report.updated == {"hubspot": 1}
    assert System.HUBSPOT.value in report.read
