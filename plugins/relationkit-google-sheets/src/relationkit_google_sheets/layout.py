"""The spreadsheet's layout: tabs, their headers, how headers are recognised, column notes."""

from __future__ import annotations

from dataclasses import dataclass

from relationkit.importers import HEADER_SYNONYMS, PURCHASE_HEADER_SYNONYMS
from relationkit.models import Channel, FollowUpStatus, InteractionKind

from .table import ID_HEADER, PROBLEMS_HEADER

# Read and write the owner's spreadsheets (`sheets init` creates the file through the Sheets API
# itself, so no Drive write scope), and read a file's modified time for the conflict rule.
SCOPES: tuple[str, ...] = (
    "https://www.googleapis.com/auth/spreadsheets",
    "https://www.googleapis.com/auth/drive.metadata.readonly",
)

INTERACTION_HEADER_SYNONYMS: dict[str, tuple[str, ...]] = {
    "date": ("date", "when", "day"),
    "customer": ("customer", "client", "contact", "email", "customer email", "name"),
    "kind": ("kind", "type", "how"),
    "summary": ("summary", "note", "notes", "details", "what"),
}
FOLLOWUP_HEADER_SYNONYMS: dict[str, tuple[str, ...]] = {
    "due": ("due", "due date", "when"),
    "customer": ("customer", "client", "contact", "who"),
    "title": ("what", "title", "to do"),
    "reason": ("why", "reason"),
    "channel": ("channel", "how"),
    "status": ("status",),
    "done": ("done",),
    "snoozed_until": ("snooze until", "snoozed until", "snooze"),
    "note": ("note", "notes", "outcome"),
}


@dataclass(frozen=True)
class TabSpec:
    """One synced tab: its role, default title, header synonyms and the headers `init` writes."""

    role: str
    title: str
    synonyms: dict[str, tuple[str, ...]]
    headers: tuple[str, ...]


CONTACTS = TabSpec(
    "contacts",
    "Contacts",
    HEADER_SYNONYMS,
    (
        "Name", "First name", "Last name", "Email", "Phone", "Company", "Position", "Birthday",
        "Anniversary", "Tags", "Interests", "Preferred channel", "Marketing consent",
        "Do not contact", "LinkedIn", "Address", "City", "Postcode", "Country", "Notes",
        PROBLEMS_HEADER, ID_HEADER,
    ),
)  # fmt: skip
PURCHASES = TabSpec(
    "purchases",
    "Purchases",
    PURCHASE_HEADER_SYNONYMS,
    ("Date", "Customer", "Amount", "Currency", "Category", "Items", "Note", PROBLEMS_HEADER,
     ID_HEADER),
)  # fmt: skip
INTERACTIONS = TabSpec(
    "interactions",
    "Interactions",
    INTERACTION_HEADER_SYNONYMS,
    ("Date", "Customer", "Kind", "Summary", PROBLEMS_HEADER, ID_HEADER),
)
FOLLOWUPS = TabSpec(
    "followups",
    "Follow-ups",
    FOLLOWUP_HEADER_SYNONYMS,
    ("Due", "Customer", "What", "Why", "Channel", "Status", "Done", "Snooze until", "Note",
     PROBLEMS_HEADER, ID_HEADER),
)  # fmt: skip
LINKEDIN = TabSpec(
    "linkedin",
    "LinkedIn",
    {
        "name": ("name", "who"),
        "linkedin": ("linkedin", "linkedin url", "profile"),
        "company": ("company",),
        "reason": ("why", "reason"),
        "due": ("due", "when"),
        "done": ("done", "connected"),
        "note": ("note", "notes"),
    },
    ("Name", "LinkedIn", "Company", "Why", "Due", "Done", "Note", PROBLEMS_HEADER, ID_HEADER),
)
SYNCED: tuple[TabSpec, ...] = (CONTACTS, PURCHASES, INTERACTIONS, FOLLOWUPS, LINKEDIN)

DUPLICATES_TITLE = "Duplicates"
DUPLICATES_HEADERS: tuple[str, ...] = (
    "First", "Second", "Why", "Score", "Decision", "First id", "Second id",
)  # fmt: skip
# Tabs `init` lays out for the owner beyond the synced ones.
EXTRA_TABS: dict[str, tuple[str, ...]] = {
    DUPLICATES_TITLE: DUPLICATES_HEADERS,
}
HOW_TO_TITLE = "How to use"
HOW_TO_USE: tuple[str, ...] = (
    "How to use this spreadsheet",
    "",
    "Contacts: one row per customer. Add rows anywhere, sort and filter freely: relationkit "
    "recognises a row by its relationkit id (last column), never by its position.",
    "A new row gets its relationkit id on the next sync. Do not type or copy ids.",
    "Deleting a row does not delete the customer in relationkit; the sync reports it.",
    "Problems: if a value cannot be read (an email without @, a date like 31/31/2024), the "
    "Problems column says why; the rest of the row still syncs. Fix the cell and it clears.",
    "Purchases and Interactions: name the customer by email (or relationkit id).",
    "Follow-ups: this week's list. Tick Done when it is done (type what happened in Note), or "
    "put a date in Snooze until.",
    "LinkedIn: customers worth connecting with on LinkedIn. Tick Done once connected.",
    "Dates: type them any common way (14 Mar 2024, 2024-03-14, 3/14/2024).",
    "Duplicates: customers who may be the same person. Choose merge or different in Decision, "
    "then run `relationkit sheets review`.",
)

NOTES: dict[str, str] = {
    "Name": "The customer's name as you want to see it.",
    "Email": "One or more emails, separated by ;",
    "Phone": "One or more phone numbers, separated by ;",
    "Birthday": "A date; leave the year out if you do not know it (14 Mar).",
    "Tags": "Words to group customers, separated by commas.",
    "Preferred channel": "How they like to be reached: " + ", ".join(c.value for c in Channel),
    "Marketing consent": "yes: they agreed to receive offers; no: they did not.",
    "Do not contact": "Tick when they asked not to be contacted at all.",
    PROBLEMS_HEADER: "Written by relationkit: what could not be read in this row. Cleared when "
    "fixed.",
    ID_HEADER: "Written by relationkit. Do not edit: it is how rows are recognised.",
    "Customer": "The customer's email (or relationkit id).",
    "Kind": "One of " + ", ".join(k.value for k in InteractionKind),
    "Status": "One of " + ", ".join(s.value for s in FollowUpStatus),
    "Done": "Tick when done; a Note becomes the summary of what happened.",
    "Snooze until": "A date: the follow-up comes back then.",
    "Decision": "merge: they are one customer; different: never suggest them again. Then run "
    "`relationkit sheets review`.",
}

# Columns whose cells `init` and `adopt` format as dates.
DATE_HEADERS = frozenset({"Birthday", "Anniversary", "Date", "Due", "Snooze until"})
CHOICES: dict[str, tuple[str, ...]] = {
    "Preferred channel": tuple(c.value for c in Channel),
    "Marketing consent": ("yes", "no"),
    "Status": tuple(s.value for s in FollowUpStatus),
    "Kind": tuple(k.value for k in InteractionKind),
    "Decision": ("merge", "different"),
}
CHECKBOXES = frozenset({"Done", "Do not contact"})
