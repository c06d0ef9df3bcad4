"""The company's generic CRM integration and the schema of the objects it uploads.

Gong allows one generic CRM integration at a time (spec, ``GET /v2/crm/integrations``);
the sandbox company has one, owned by its first user. Its ``integrationId`` is a JSON
*number* (spec ``int64``; the recording ``crm-integrations`` shows a number too), unlike
almost every other Gong id. Each object type has a fixed field list; a few fields are
marked deleted, as a schema that evolved would have.
"""

from __future__ import annotations

from typing import Any

from dlt_gong.sandbox.ids import IdCodec
from dlt_gong.sandbox.roster import Roster

OBJECT_TYPES = ("ACCOUNT", "CONTACT", "DEAL", "LEAD")  # spec enum, in its order
_STAGES = ["Discovery", "Qualification", "Proposal", "Negotiation", "Closed Won", "Closed Lost"]
# object type -> (uniqueName, label, type, referenceTo, orderedValueList, isDeleted)
FIELDS: dict[str, tuple[tuple[str, str, str, str | None, list[str] | None, bool], ...]] = {
    "ACCOUNT": (
        ("name", "Account Name", "STRING", None, None, False),
        ("accountowner", "Account Owner", "REFERENCE", "USER", None, False),
        ("website", "Website", "URL", None, None, False),
        (
            "industry",
            "Industry",
            "PICKLIST",
            None,
            ["Software", "Financial Services", "Healthcare", "Manufacturing", "Retail"],
            False,
        ),
        ("annualrevenue", "Annual Revenue", "CURRENCY", None, None, False),
        ("employees", "Employees", "NUMBER", None, None, False),
        (
            "accounttype",
            "Account Type",
            "PICKLIST",
            None,
            ["Analyst", "Competitor", "Customer", "Integrator", "Investor", "Partner", "Other"],
            False,
        ),
        ("legacyscore", "Legacy Score", "NUMBER", None, None, True),
    ),
    "CONTACT": (
        ("firstname", "First Name", "STRING", None, None, False),
        ("lastname", "Last Name", "STRING", None, None, False),
        ("email", "Email", "EMAILADDRESS", None, None, False),
        ("phone", "Phone", "PHONENUMBER", None, None, False),
        ("title", "Title", "STRING", None, None, False),
        ("accountid", "Account", "REFERENCE", "ACCOUNT", None, False),
        ("lastactivity", "Last Activity", "DATETIME", None, None, False),
    ),
    "DEAL": (
        ("name", "Opportunity Name", "STRING", None, None, False),
        ("amount", "Amount", "CURRENCY", None, None, False),
        ("stage", "Stage", "PICKLIST", None, _STAGES, False),
        ("probability", "Probability", "PERCENT", None, None, False),
        ("closedate", "Close Date", "DATE", None, None, False),
        ("accountid", "Account", "REFERENCE", "ACCOUNT", None, False),
        ("ownerid", "Owner", "REFERENCE", "USER", None, False),
        ("competitors", "Competitors", "STRINGARRAY", None, None, False),
        ("isclosed", "Closed", "BOOLEAN", None, None, False),
    ),
    "LEAD": (
        ("firstname", "First Name", "STRING", None, None, False),
        ("lastname", "Last Name", "STRING", None, None, False),
        ("email", "Email", "EMAILADDRESS", None, None, False),
        ("company", "Company", "STRING", None, None, False),
        (
            "leadsource",
            "Lead Source",
            "PICKLIST",
            None,
            ["Inbound", "Outbound", "Partner", "Event", "Referral"],
            False,
        ),
        ("convertedaccountid", "Converted Account", "REFERENCE", "ACCOUNT", None, False),
        ("rating", "Rating", "STRING", None, None, True),
    ),
}


class Crm:
    """The one integration and its schemas; ``modified`` is when the schema was uploaded."""

    def __init__(self, roster: Roster, ids: IdCodec, modified: float) -> None:
        self.integration_id = int(ids.encode("crm-integration", 0))
        self.owner_email = roster.people[0].email
        self.name = f"{roster.company_name} CRM"
        self.modified = modified

    def integrations_json(self) -> list[dict[str, Any]]:
        """``GenericCrmIntegration`` objects."""
        return [
            {
                "integrationId": self.integration_id,
                "ownerEmail": self.owner_email,
                "name": self.name,
            }
        ]

    def fields_json(self, object_type: str, modified: str) -> list[dict[str, Any]]:
        """``GenericSchemaFieldRequest`` objects of one type (``modified``: UTC, no millis)."""
        return [
            {
                "uniqueName": name,
                "label": label,
                "type": kind,
                "lastModified": modified,
                "isDeleted": deleted,
                "referenceTo": reference,
                "orderedValueList": list(values) if values is not None else None,
            }
            for name, label, kind, reference, values, deleted in FIELDS[object_type]
        ]
