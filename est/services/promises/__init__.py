"""Medborgarlöften as a feature package: ``store`` (a draft stored as a promise, follow-up,
linked actions) and ``editing`` (the coordinators' edits). Callers import from here."""

from est.services.promises.editing import (
    EDITABLE_SECTIONS,
    PARTY_LABELS,
    form_data,
    ordered_sections,
    section_keys,
    update_promise,
)
from est.services.promises.store import (
    FollowupReport,
    LinkedAction,
    create_from_draft,
    followup,
    get_promise,
    link_action,
    linkable_actions,
    linked_action_effects,
    list_followups,
    list_promises,
    record_followup,
    require_manage,
    unlink_action,
)

__all__ = [
    "EDITABLE_SECTIONS", "PARTY_LABELS", "FollowupReport", "LinkedAction", "create_from_draft",
    "followup", "form_data", "get_promise", "link_action", "linkable_actions",
    "linked_action_effects", "list_followups", "list_promises", "ordered_sections",
    "record_followup", "require_manage", "section_keys", "unlink_action", "update_promise",
]
