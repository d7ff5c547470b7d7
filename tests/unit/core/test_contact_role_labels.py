"""Association labels read as ``OpportunityContactRole.Role`` and ``IsPrimary`` (R22)."""

from __future__ import annotations

import pytest

from crmsync.core.contact_role_labels import (
    RoleLabels,
    check_roles,
    parse_labels,
    parse_primary_label,
)
from crmsync.core.policies import SettingError

ROLES = ("Decision Maker", "Evaluator", "Influencer", "Other")


def test_r22_a_label_named_like_a_role_means_it_and_the_table_maps_others() -> None:
    labels = RoleLabels(labels={"Champion": "Influencer"})
    assert labels.role_of(["decision maker"], ROLES) == "Decision Maker"
    assert labels.role_of(["Champion"], ROLES) == "Influencer"
    assert labels.role_of(["Budget holder"], ROLES) is None
    assert labels.role_of([], ROLES) is None
    # The primary label is never a role, even when a Role value has its name.
    assert RoleLabels(primary_label="Other").role_of(["Other"], ROLES) is None


def test_r22_the_label_for_a_role_prefers_the_table_then_the_name() -> None:
    labels = RoleLabels(labels={"Champion": "Influencer"})
    portal = ["Champion", "Influencer", "Evaluator", "Primary"]
    assert labels.label_for("Influencer", portal) == "Champion"
    assert labels.label_for("Evaluator", portal) == "Evaluator"
    assert labels.label_for("Other", portal) is None
    assert labels.label_for("Influencer", ["Influencer"]) == "Influencer"


def test_r22_the_primary_label_is_a_setting_and_can_be_turned_off() -> None:
    assert RoleLabels().is_primary(["primary", "Evaluator"])
    assert not RoleLabels().is_primary(["Evaluator"])
    assert RoleLabels(primary_label="Main contact").is_primary(["Main contact"])
    assert not RoleLabels(primary_label=None).is_primary(["Primary"])
    assert parse_primary_label("  ") is None and parse_primary_label("none") is None
    assert parse_primary_label(" Main ") == "Main"


def test_r22_a_label_table_is_checked_against_the_org_picklist() -> None:
    assert parse_labels('{"Champion": " Influencer "}') == {"Champion": "Influencer"}
    assert parse_labels(None) == {}
    check_roles({"Champion": "Influencer"}, ROLES)
    with pytest.raises(SettingError, match="Role 'Chief', which is not a value of the org's"):
        check_roles({"Boss": "Chief"}, ROLES)
    for bad in ("[1]", '{"Champion": ""}', '{"Champion": 3}', "{oops"):
        with pytest.raises(SettingError):
            parse_labels(bad)
