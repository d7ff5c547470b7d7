"""v4 association labels: the portal's label set and the labels on pairs (wire facts B.5).

Mixed into :class:`~crmsync.connectors.hubspot.connector.HubSpotConnector`, which
supplies the observed, retried transport (``_request``) and the batch read.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

from crmsync.connectors.base import (
    ApiErrorDetail,
    AssociationLabel,
    LabelChange,
    WriteResult,
)
from crmsync.connectors.hubspot.writes import association_results
from crmsync.errors import RecordError

LABEL_BATCH: Final = 100


class AssociationLabelCalls:
    """``/crm/v4/associations/{from}/{to}/labels`` and label-carrying batch writes."""

    def _request(
        self, name: str, method: str, path: str, body: Mapping[str, Any] | None = None
    ) -> Any:
        raise NotImplementedError

    def _associated_targets(
        self, from_object: str, to_object: str, ids: Sequence[str]
    ) -> dict[str, list[tuple[str, frozenset[int]]]]:
        raise NotImplementedError

    def association_labels(self, from_object: str, to_object: str) -> Sequence[AssociationLabel]:
        """GET ``labels``: every type between two object types (unlabelled ones too)."""
        answer = self._request(
            "association_labels", "GET", f"/crm/v4/associations/{from_object}/{to_object}/labels"
        )
        return [_label(row) for row in (answer or {}).get("results") or ()]

    def create_association_label(
        self, from_object: str, to_object: str, label: str
    ) -> AssociationLabel:
        """POST ``labels``: a new USER_DEFINED label; the forward type of the two made."""
        name = "".join(c if c.isalnum() else "_" for c in label.casefold()).strip("_")
        answer = self._request(
            "create_association_label",
            "POST",
            f"/crm/v4/associations/{from_object}/{to_object}/labels",
            {"label": label, "name": name or "label"},
        )
        made = [_label(row) for row in (answer or {}).get("results") or ()]
        return next((kind for kind in made if kind.label == label), made[0])

    def associated_types(
        self, from_object: str, to_object: str, ids: Sequence[str]
    ) -> Mapping[str, Mapping[str, frozenset[int]]]:
        """v4 ``batch/read``: each record's associated ids with their type ids."""
        return {
            source: dict(targets)
            for source, targets in self._associated_targets(from_object, to_object, ids).items()
        }

    def add_labels(
        self, from_object: str, to_object: str, changes: Sequence[LabelChange]
    ) -> Sequence[WriteResult]:
        """v4 ``batch/create`` with each pair's own types, 100 per call."""
        path = f"/crm/v4/associations/{from_object}/{to_object}/batch/create"
        results: list[WriteResult] = []
        for start in range(0, len(changes), LABEL_BATCH):
            chunk = changes[start : start + LABEL_BATCH]
            try:
                answer = self._request("add_labels", "POST", path, {"inputs": _inputs(chunk)})
            except RecordError as refused:
                detail = ApiErrorDetail(code=refused.api_code, message=refused.api_message)
                results.extend(WriteResult(key=c.key, id=None, errors=(detail,)) for c in chunk)
                continue
            results.extend(association_results(chunk, answer))
        return results

    def remove_labels(
        self, from_object: str, to_object: str, changes: Sequence[LabelChange]
    ) -> None:
        """v4 ``batch/labels/archive``: the pairs keep their other types."""
        path = f"/crm/v4/associations/{from_object}/{to_object}/batch/labels/archive"
        for start in range(0, len(changes), LABEL_BATCH):
            chunk = changes[start : start + LABEL_BATCH]
            self._request("remove_labels", "POST", path, {"inputs": _inputs(chunk)})


def _label(row: Mapping[str, Any]) -> AssociationLabel:
    label = row.get("label")
    return AssociationLabel(
        type_id=int(row["typeId"]),
        category=str(row.get("category") or "HUBSPOT_DEFINED"),
        label=str(label) if label else None,
    )


def _inputs(changes: Sequence[LabelChange]) -> list[dict[str, Any]]:
    return [
        {
            "from": {"id": change.from_id},
            "to": {"id": change.to_id},
            "types": [
                {"associationCategory": kind.category, "associationTypeId": kind.type_id}
                for kind in change.labels
            ],
        }
        for change in changes
    ]
