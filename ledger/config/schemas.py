"""The keys each administrator-edited TOML file in data/ may hold (checked by ledger.config.keys).

Loaders in ledger check their file at load; topics.toml (read by the classifier, which imports
nothing of ours) and the demo portal's files are checked by `huiying sources check --data` and the
test suite.
"""

from __future__ import annotations

from ledger.config.keys import ANY_KEY, Schema

DEPARTMENTS: Schema = {
    "department": [
        {
            "code": None,
            "name": None,
            "duties": None,
            "terms": None,
            "requests": None,  # typical requests, read by the routing catalogue prior
            "confirmed": None,
            "active": None,
        }
    ]
}
USERS: Schema = {
    "user": [
        {
            "username": None,
            "display_name": None,
            "password": None,
            "role": None,
            "department": None,
            "email": None,
        }
    ]
}
ESCALATION: Schema = {
    "reminder": {"notify_roles": None},
    "level": [
        {
            "name": None,
            "overdue_workdays": None,
            "notify_roles": None,
            "emails": None,
            "department_emails": {ANY_KEY: None},
        }
    ],
}
REPLY_TEMPLATES: Schema = {"template": [{"name": None, "types": None, "text": None}]}
TOPICS: Schema = {
    "topic": [
        {"name": None, "keywords": None, "patterns": None, "also_any": None, "description": None}
    ],
    "signal": [
        {"name": None, "keywords": None, "patterns": None, "weight": None, "min_level": None}
    ],
    "level": [{"name": None, "min_score": None, "description": None}],
    "repeat": {"thresholds": [{"count": None, "weight": None}]},
}
DEMO_TOPICS: Schema = {
    "topic": [
        {
            "key": None,
            "ours": None,
            "weight": None,
            "kinds": None,
            "titles": None,
            "bodies": None,
            "replies": None,
            "reply_unit": None,
            "agency": None,
        }
    ]
}
DEMO_SLOTS: Schema = {ANY_KEY: None}
DISCLOSURE_REQUESTS: Schema = {
    "applicant_type": [{"name": None}],
    "report_row": [
        {"key": None, "label": None, "level": None, "heading": None, "sum_of_children": None}
    ],
    "withdrawn": {"row": None},
    "reply": [
        {
            "name": None,
            "legal_source": None,
            "row": None,
            "needs": None,
            "grounds": [{"label": None, "legal_source": None, "row": None}],
        }
    ],
}
_NOTICE: Schema = {"name": None, "title": None, "paragraphs": None}
DISCLOSURE_NOTICES: Schema = {
    "issuer": None,
    "correction": _NOTICE,
    "extension": _NOTICE,
    "reply": _NOTICE,
}

# file name under data/ → schema (deadline_rules.toml and holidays/ have their own strict checks)
DATA_FILES: dict[str, Schema] = {
    "departments.toml": DEPARTMENTS,
    "demo_users.toml": USERS,
    "escalation.toml": ESCALATION,
    "reply_templates.toml": REPLY_TEMPLATES,
    "topics.toml": TOPICS,
    "demo/topics.toml": DEMO_TOPICS,
    "demo/slots.toml": DEMO_SLOTS,
    "disclosure_requests.toml": DISCLOSURE_REQUESTS,
    "disclosure_notices.toml": DISCLOSURE_NOTICES,
}
