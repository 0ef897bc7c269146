"""The bundle validator's messages as the applicant reads them.

``decision.validation.parse_bundle`` (with ``decision.bundle_checks``) and the rule catalogue name a bad field by
its contract path with a short technical message in English (or the contract's Swedish, ``finns bara i
finaid.case-bundle/2``). On the e-service's form each becomes a plain message (klarspråk) — a message id of the
e-service's gettext catalogues, translated when the page is rendered — shown beside the field it names
(``forms.to_bundle``). A message no pattern knows becomes :data:`FALLBACK`; nothing technical reaches the
applicant, and no message repeats what was typed. docs/etjanst.md, "Applications", lists them.
"""

from __future__ import annotations

import re

from adapters.driving.etjanst.common import N_

AMOUNT = N_("Write the amount in kronor, for example 1250 or 1250,50.")
PERSONNUMMER = N_("Write the personal identity number as 12 digits, YYYYMMDDNNNN.")
MEMBER = N_("Choose a person in the household.")
ONLY_SOCIAL_SERVICES = N_("This answer cannot be sent in the e-service for this month. Contact the social "
                          "services.")
EARLIER_AID = N_("The information about earlier financial assistance is not complete. Contact the social "
                 "services.")
FALLBACK = N_("This answer cannot be used as it is. Check it, or contact the social services.")

PLAIN: tuple[tuple[str, str], ...] = (
    # the household
    (r"must have exactly one applicant\b.*", N_("The application must have exactly one applicant.")),
    (r"must have at most one partner", N_("Only one spouse or partner can be part of the application.")),
    (r"born after the application was submitted",
     N_("The date of birth in the personal identity number is later than today. Check the number.")),
    (r"this (member|person) is listed twice", N_("This person is listed twice. Remove one of them.")),
    (r"is allowed on children only", N_("This applies to children only.")),
    (r"a child must be under 21 on the first day of the month applied for",
     N_("A child must be under 21 in the month you apply for. Someone who is 21 or older applies on their own "
        "and is not part of your application. Contact the social services if they live with you.")),
    (r"must be at most \d+, the days of the month applied for",
     N_("The month does not have that many days. Write at most the number of days in the month.")),
    (r"is a member of the household \(list them in household, not here\)",
     N_("This person is already part of the household and cannot also be listed as someone else living in the "
        "home.")),
    # whose income, cost, asset or answer
    (r"does not name a member of the household", MEMBER),
    (r"has more than one entry", N_("This person is listed more than once. Give one answer per person.")),
    (r"must be an adult of the household \(applicant or partner\)", EARLIER_AID),
    # incomes and costs
    (r"is required for a child's salary",
     N_("Write how much the child has earned so far this year, after tax, this month included.")),
    (r"must be at least the month's amount",
     N_("What the child has earned so far this year cannot be less than this month's salary.")),
    (r"is required for a cost of kind other", N_("Write what the cost is for.")),
    (r'must be kronor as a string like .*|must be a string of kronor like .*', AMOUNT),
    # personnummer
    (r"must be 12 digits YYYYMMDDNNNN.*|the date part is not a real date", PERSONNUMMER),
    (r"check digit is wrong", N_("The personal identity number is not right. Check the digits.")),
    # earlier aid (carried from the last application, not written in the form)
    (r"is required when jobbstimulans_last_month is given|must not be before jobbstimulans_first_month"
     r"|must not be after the month applied for", EARLIER_AID),
    # what only finaid.case-bundle/2 takes, and the month's rule pack
    (r"(\S+ )?finns bara i finaid\.case-bundle/2", ONLY_SOCIAL_SERVICES),
    (r".* tas inte emot av regelpaketet .*", ONLY_SOCIAL_SERVICES),
    (r"no rule pack cover(s|ing) .*",
     N_("Applications for this month cannot be sent in the e-service yet. Contact the social services.")),
    (r"supplementary: the household has no signed, final decision for this month.*",
     N_("A supplementary application needs a decision for the month. There is none yet: wait for the decision, "
        "or contact the social services.")),
    # a field left empty, or written too long
    (r"is required", N_("Fill in this field.")),
    (r"(String|value) should have at most \d+ characters?|must be at most \d+ characters",
     N_("The text is too long. Make it shorter.")),
)
_COMPILED = tuple((re.compile(pattern), msgid) for pattern, msgid in PLAIN)


def plain(message: str) -> str:
    """The message id (English, translated by the catalogues) for one of the validator's messages."""
    for pattern, msgid in _COMPILED:
        if pattern.fullmatch(message):
            return msgid
    return FALLBACK
