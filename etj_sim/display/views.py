"""What a person sees in the service, as notebook displays: inbox, case, settings, alerts, refusals.

Pipeline position: ``domain (views, EServices) -> display (this module) -> notebooks``. Each
function takes the :class:`~etj_sim.domain.EServices` it reads names from (people by name,
clinics and staff by name, never by id) and returns a :class:`~etj_sim.display.Display`, which
Jupyter shows as HTML and ``repr`` as plain text. The displays read only what the viewer may
see: a case comes through the staff tool's own access check (R17), the record system's column
is built from :class:`~etj_sim.domain.RecordView` alone (R6: nothing of alerts), the staff
tool's column from :class:`~etj_sim.domain.AlertChoices` alone (R20, R4: shared contacts only).

Words come from :mod:`etj_sim.i18n` (``lang`` ``"sv"`` or ``"en"``); the service's own words
stay Swedish in both (inkorg, ärende, ombud, avisering).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from enum import IntEnum
from typing import TYPE_CHECKING, Final

from etj_sim.display._html import Display, cell, key_value_table, table
from etj_sim.i18n import DEFAULT_LANGUAGE, Language, check_language, format_datetime, phrase, term

if TYPE_CHECKING:
    from etj_sim.domain import EServices
    from etj_sim.domain.errors import DomainError
    from etj_sim.domain.portal import Session
    from etj_sim.domain.register import PersonRef
    from etj_sim.domain.views import (
        AlertChoices,
        Attachment,
        CaseEntry,
        CaseView,
        MessageView,
        ReadStatus,
        RecordView,
        SettingsView,
    )

__all__ = [
    "Names",
    "alerts",
    "case",
    "case_view",
    "inbox",
    "read_status",
    "refusal",
    "refused",
    "render",
    "settings",
]

_RULE_IDS: Final = re.compile(r"^\s*((?:[RFDP]\d+)(?:\s*(?:,|and|/)\s*[RFDP]\d+)*)\s*:")


class Names:
    """People, clinics and staff by name, read from an EServices (ids where there is none)."""

    __slots__ = ("_lang", "_people", "_services", "_staff_roles")

    def __init__(
        self,
        services: EServices | None,
        lang: Language,
        people: Mapping[int, str] | None = None,
        staff_roles: Mapping[int, str] | None = None,
    ) -> None:
        self._services = services
        self._lang = lang
        self._people = people
        self._staff_roles = staff_roles

    def person(self, person: int | None) -> str:
        if person is None or person < 0:
            return "–"
        if self._people is not None and person in self._people:
            return self._people[person]
        services = self._services
        if services is not None and person < len(services.register):
            return services.register.name(person)
        return phrase("display.person", self._lang, id=person)

    def clinic(self, clinic: int | None) -> str:
        if clinic is None or clinic < 0:
            return "–"
        services = self._services
        if services is not None and clinic < len(services.clinics.names):
            return services.clinics.names[clinic]
        return phrase("display.clinic_id", self._lang, id=clinic)

    def staff(self, staff: int | None) -> str:
        if staff is None or staff < 0:
            return "–"
        services = self._services
        if services is not None and staff < len(services.clinics.staff_name):
            name = services.clinics.staff_name[staff] or phrase(
                "display.staff_member", self._lang, id=staff
            )
            role = services.clinics.staff_role[staff]
            return f"{name} ({term('role', role, self._lang)})"
        who = phrase("display.staff_member", self._lang, id=staff)
        if self._staff_roles is not None and staff in self._staff_roles:
            return f"{who} ({term('role', self._staff_roles[staff], self._lang)})"
        return who

    def actor(self, actor: int | None, role: IntEnum | str | None) -> str:
        """Who acted in which role: a staff id for staff, a person id otherwise."""
        role_name = _value_name(role)
        if role_name == "staff":
            return self.staff(actor)
        if role_name == "system":
            return term("actor_role", "system", self._lang)
        return self.person(actor)


def _value_name(value: IntEnum | str | None) -> str:
    if value is None:
        return ""
    if isinstance(value, IntEnum):
        return value.name.lower()
    return value


def _when(moment: datetime | None, lang: Language) -> str:
    # Day, month name, year and minutes in the language's words (``2 mars 2026 08:05``).
    return "–" if moment is None else format_datetime(moment, lang, style="d MMM y HH:mm")


def _yes_no(flag: bool, lang: Language) -> str:
    return phrase("display.yes" if flag else "display.no", lang)


def _files(attachments: Sequence[Attachment], lang: Language) -> str:
    if not attachments:
        return cell(phrase("display.no_attachments", lang))
    return "<br>".join(
        f"📎 {cell(file.name)} <small>({cell(file.content_type)}, "
        f"{cell(round(file.size_bytes / 1000))} kB)</small>"
        for file in attachments
    )


def _files_text(attachments: Sequence[Attachment]) -> str:
    return ", ".join(file.name for file in attachments)


def _heading(text: str) -> str:
    return f"<h4 style='margin:0.4em 0 0.2em 0'>{cell(text)}</h4>"


def _box(html: str) -> str:
    return f"<div class='etj-sim-display' style='margin:0.2em 0'>{html}</div>"


# -- the inbox (inkorg) ---------------------------------------------------------------------


def inbox(services: EServices, session: Session, *, lang: Language = DEFAULT_LANGUAGE) -> Display:
    """The inbox of the session's account as it appears in 1177, newest first.

    Subject, the clinic that sent it, when, read or unread (and, once read, by whom in which
    role: the holder or a guardian by proxy, F8), attachments (F5) and forms (F3). A proxy
    session's inbox (R10) says so in its heading.
    """
    lang = check_language(lang)
    names = Names(services, lang)
    messages = session.inbox()
    owner = names.person(session.person)
    if session.actor != session.person:
        heading = phrase(
            "display.inbox_by_proxy", lang, name=owner, actor=names.person(session.actor)
        )
    else:
        heading = phrase("display.inbox", lang, name=owner)
    unread = sum(not message.read for message in messages)
    heading += f" · {phrase('display.unread_count', lang, count=unread)}"
    if not messages:
        empty = phrase("display.inbox_empty", lang)
        return Display(_box(_heading(heading) + f"<p>{cell(empty)}</p>"), f"{heading}\n{empty}")
    statuses = [services.inboxes.read_status(message.message) for message in messages]
    rows = []
    lines = [heading]
    for message, status in zip(messages, statuses, strict=True):
        subject = _subject(message, lang)
        state = _read_state(status, names, lang)
        weight = "font-weight:600" if not message.read else ""
        form = ""
        if message.form is not None:
            done = "display.form_submitted" if message.submitted else "display.form_waiting"
            form = f"<br><small>{cell(phrase('display.form', lang))}: {cell(phrase(done, lang))}"
            form += "</small>"
        rows.append(
            [
                f"<span style='{weight}'>{cell(subject)}</span>"
                + (f"<br><small>{cell(message.text)}</small>" if message.text else "")
                + form,
                cell(names.clinic(message.clinic)),
                cell(_when(message.sent_at, lang)),
                cell(state),
                _files(message.attachments, lang),
            ]
        )
        lines.append(
            f"- {subject} | {names.clinic(message.clinic)} | {_when(message.sent_at, lang)} | "
            f"{state}" + (f" | {_files_text(message.attachments)}" if message.attachments else "")
        )
    headers = [
        phrase("display.subject", lang),
        phrase("display.from_clinic", lang),
        phrase("display.sent", lang),
        phrase("display.status", lang),
        phrase("display.attachments", lang),
    ]
    return Display(_box(_heading(heading) + table(headers, rows)), "\n".join(lines))


def _subject(message: MessageView, lang: Language) -> str:
    return message.subject or message.template or term("kind", _value_name(message.kind), lang)


def _read_state(status: ReadStatus, names: Names, lang: Language) -> str:
    if not status.read:
        return phrase("display.unread", lang)
    return phrase(
        "display.read_by",
        lang,
        at=_when(status.read_at, lang),
        name=names.person(status.reader),
        role=term("actor_role", _value_name(status.reader_role), lang),
    )


# -- a case (ärende) with its dialogue ------------------------------------------------------


def case(
    services: EServices, staff: int, case: int, *, lang: Language = DEFAULT_LANGUAGE
) -> Display:
    """A case as ``staff`` sees it in the staff tool, dialogue in order (F4, R11, R19).

    It is read through ``staff_tool.case_view``: a case of another clinic is refused there
    (R17, ``AccessDenied``), so this display never shows one.
    """
    return case_view(services.staff_tool.case_view(staff, case), services, lang=lang)


def case_view(
    view: CaseView, services: EServices | None = None, *, lang: Language = DEFAULT_LANGUAGE
) -> Display:
    """A :class:`~etj_sim.domain.CaseView` as HTML: who wrote (citizen, guardian by proxy or
    staff), when, the text, attachments (F5) and form answers (F3)."""
    lang = check_language(lang)
    names = Names(services, lang)
    heading = phrase(
        "display.case",
        lang,
        case=view.case,
        eservice=term("kind", view.eservice or _value_name(view.kind), lang),
        clinic=names.clinic(view.clinic),
    )
    started_by = with_role(
        names.actor(view.started_by, view.started_by_role), view.started_by_role, lang
    )
    if view.opened_by_staff:
        started_by += f" · {phrase('display.case_opened_by_staff', lang)}"
    assigned = (
        names.staff(view.assigned_staff)
        if view.assigned_staff is not None
        else phrase("display.case_unassigned", lang)
    )
    state = term("case_state", _value_name(view.state), lang)
    facts = [
        (phrase("display.case_person", lang), names.person(view.person)),
        (phrase("display.case_started", lang), f"{_when(view.started_at, lang)}, {started_by}"),
        (phrase("display.case_assigned", lang), assigned),
        (phrase("display.case_state", lang), state),
    ]
    rows = [_entry_row(entry, names, lang) for entry in view.entries]
    headers = [
        phrase("display.when", lang),
        phrase("display.who", lang),
        phrase("display.text", lang),
        phrase("display.attachments", lang),
    ]
    html = (
        _heading(heading)
        + key_value_table((label, cell(value)) for label, value in facts)
        + table(headers, rows)
    )
    lines = [heading, *(f"{label}: {value}" for label, value in facts)]
    for entry in view.entries:
        lines.append(
            f"- {_when(entry.at, lang)} {_author(entry, names, lang)}: {entry.text}"
            + (f" [{_files_text(entry.attachments)}]" if entry.attachments else "")
            + (f" {_answers_text(entry.form_answers)}" if entry.form_answers else "")
        )
    return Display(_box(html), "\n".join(lines))


def _author(entry: CaseEntry, names: Names, lang: Language) -> str:
    return with_role(names.actor(entry.author, entry.author_role), entry.author_role, lang)


def with_role(name: str, role: IntEnum | str | None, lang: Language) -> str:
    """``name · role`` for citizens and guardians by proxy; staff carry their clinic role in
    the name already and the service acts as itself."""
    role_name = _value_name(role)
    if role_name in ("citizen", "guardian_proxy"):
        return f"{name} · {term('actor_role', role_name, lang)}"
    return name


def _answers_text(answers: Mapping[str, object] | None) -> str:
    if not answers:
        return ""
    return "; ".join(f"{key} = {value}" for key, value in answers.items())


def _entry_row(entry: CaseEntry, names: Names, lang: Language) -> list[str]:
    text = cell(entry.text) if entry.text else ""
    if entry.form_answers:
        answers = "".join(
            f"<li>{cell(key)}: <b>{cell(value)}</b></li>"
            for key, value in entry.form_answers.items()
        )
        text += f"<div>{cell(phrase('display.form_answers', lang))}:<ul>{answers}</ul></div>"
    return [
        cell(_when(entry.at, lang)),
        cell(_author(entry, names, lang)),
        text,
        _files(entry.attachments, lang),
    ]


# -- settings: what the citizen, the staff tool and the record system each see -------------


def settings(services: EServices, person: int, *, lang: Language = DEFAULT_LANGUAGE) -> Display:
    """One citizen in three views side by side: the settings in 1177 (R4, D3, R13), what the
    staff tool shows at "Skicka ärende" (R20: the alert choice; R4: shared contacts only) and
    what the health record system shows (R6, D1: no alert fields at all)."""
    lang = check_language(lang)
    person = services.register.person_id(person)  # an unknown person is UnknownPerson here
    names = Names(services, lang)
    own = services.accounts.settings_view(person)
    staff_side = services.staff_tool.alert_choices(person)
    record = services.records.view(person)
    heading = phrase("display.settings_heading", lang, name=names.person(person))
    columns = [
        (phrase("display.settings_citizen", lang), _settings_pairs(own, names, lang)),
        (phrase("display.settings_staff", lang), _choices_pairs(staff_side, lang)),
        (phrase("display.settings_record", lang), _record_pairs(record, lang)),
    ]
    html = (
        "<div style='display:flex;flex-wrap:wrap;gap:1em'>"
        + "".join(
            "<div>" + key_value_table(pairs, caption=title) + "</div>" for title, pairs in columns
        )
        + "</div>"
    )
    html += f"<p><small>{cell(phrase('display.record_no_alerts', lang))}</small></p>"
    lines = [heading]
    for title, pairs in columns:
        lines.append(title)
        lines.extend(f"  {label}: {_plain(value)}" for label, value in pairs)
    return Display(_box(_heading(heading) + html), "\n".join(lines))


_TAGS: Final = re.compile(r"<[^>]+>")


def _plain(html: str) -> str:
    from html import unescape

    return unescape(_TAGS.sub(" ", html)).strip()


def _contact(
    value: str | None, owner: int | None, shared: bool, names: Names, lang: Language
) -> str:
    if value is None:
        return cell(phrase("display.none", lang))
    whose = (
        f" <small>({cell(phrase('display.whose_contact', lang, name=names.person(owner)))})</small>"
    )
    sharing = "display.shared" if shared else "display.not_shared"
    return f"{cell(value)}{whose}<br><small>{cell(phrase(sharing, lang))}</small>"


def _settings_pairs(view: SettingsView, names: Names, lang: Language) -> list[tuple[str, str]]:
    return [
        (
            phrase("display.mobile", lang),
            _contact(view.mobile, view.mobile_owner, view.share_mobile, names, lang),
        ),
        (
            phrase("display.email", lang),
            _contact(view.email, view.email_owner, view.share_email, names, lang),
        ),
        (phrase("display.sms_alerts", lang), cell(_yes_no(view.sms_alerts, lang))),
        (phrase("display.email_alerts", lang), cell(_yes_no(view.email_alerts, lang))),
    ]


def _choices_pairs(view: AlertChoices, lang: Language) -> list[tuple[str, str]]:
    none = phrase("display.none", lang)
    return [
        (phrase("display.account_active", lang), cell(_yes_no(view.account_active, lang))),
        (phrase("display.sms_alerts", lang), cell(_yes_no(view.sms_alerts, lang))),
        (phrase("display.email_alerts", lang), cell(_yes_no(view.email_alerts, lang))),
        (phrase("display.shared_mobile", lang), cell(view.shared_mobile or none)),
        (phrase("display.shared_email", lang), cell(view.shared_email or none)),
    ]


def _record_pairs(view: RecordView, lang: Language) -> list[tuple[str, str]]:
    return [
        (phrase("display.personal_number", lang), cell(view.personal_number)),
        (phrase("display.name", lang), cell(view.name)),
        (phrase("display.address", lang), cell(view.address or "–")),
    ]


# -- alerts (aviseringar) as they arrive -----------------------------------------------------


def alerts(
    services: EServices,
    person: PersonRef,
    *,
    since: datetime | None = None,
    lang: Language = DEFAULT_LANGUAGE,
) -> Display:
    """The alerts about ``person``'s inbox as they arrived (R8, D4, D6, R13): channel, whose
    contact it reached, the number or address, when, and the exact text (the same for every
    message: no case information, no link). ``since`` keeps the alerts from that moment on."""
    lang = check_language(lang)
    person = services.register.person_id(person)
    names = Names(services, lang)
    import polars as pl

    sent = services.alerts.sent().filter(pl.col("person") == person)
    if since is not None:
        sent = sent.filter(pl.col("time") >= since)
    heading = phrase("display.alerts_heading", lang, name=names.person(person))
    if sent.is_empty():
        none = phrase("display.alerts_none", lang)
        return Display(_box(_heading(heading) + f"<p>{cell(none)}</p>"), f"{heading}\n{none}")
    parts = [_heading(heading)]
    lines = [heading]
    for row in sent.iter_rows(named=True):
        channel = str(row["channel"])
        recipient = row["recipient"]
        header = phrase(
            "display.alert_to",
            lang,
            channel=term("contact", channel, lang),
            name=names.person(recipient if recipient is not None else person),
            destination=row["destination"],
            at=_when(row["time"], lang),
        )
        body = str(row["text"])
        subject = ""
        if channel == "email":
            subject = phrase("display.alert_subject", lang, subject=services.alerts.EMAIL_SUBJECT)
        bubble = (
            "background:#e9f5e9;border-radius:0.8em;padding:0.5em 0.8em;max-width:34em"
            if channel == "sms"
            else "border:1px solid #ccd;padding:0.5em 0.8em;max-width:40em"
        )
        parts.append(
            f"<div style='margin:0.4em 0'><small>{cell(header)}</small>"
            f"<div style='{bubble}'>"
            + (f"<b>{cell(subject)}</b><br>" if subject else "")
            + f"{cell(body)}</div></div>"
        )
        lines.append(header + (f"\n  {subject}" if subject else "") + f"\n  {body}")
    return Display(_box("".join(parts)), "\n".join(lines))


# -- a read status (F8) ----------------------------------------------------------------------


def read_status(
    services: EServices | None, status: ReadStatus, *, lang: Language = DEFAULT_LANGUAGE
) -> Display:
    """Who read a message, when, and in which role (holder or guardian by proxy, F8, R10)."""
    lang = check_language(lang)
    names = Names(services, lang)
    heading = phrase(
        "display.read_status", lang, message=status.message, name=names.person(status.person)
    )
    if status.read:
        state = _read_state(status, names, lang)
        colour = "#1a7f37"
    else:
        state = phrase("display.read_status_unread", lang)
        colour = "#9a6700"
    html = f"{_heading(heading)}<p style='color:{colour}'>{cell(state)}</p>"
    return Display(_box(html), f"{heading}\n{state}")


# -- a refusal as the user meets it ----------------------------------------------------------


_IDS_IN_MESSAGES: Final = re.compile(r"\b(person|guardian|child|staff member|clinic) (\d+)\b")


def _named(message: str, names: Names) -> str:
    """The domain's message with the people, staff and clinics it names by id named by name."""

    def name(match: re.Match[str]) -> str:
        what, number = match.group(1), int(match.group(2))
        if what == "staff member":
            return names.staff(number)
        if what == "clinic":
            return names.clinic(number)
        return names.person(number) if what == "person" else f"{what} {names.person(number)}"

    return _IDS_IN_MESSAGES.sub(name, message)


def refusal(
    error: DomainError, *, services: EServices | None = None, lang: Language = DEFAULT_LANGUAGE
) -> Display:
    """A refused operation as its user meets it: the rule ID, a plain sentence, and the
    service's own message (which starts with the rule, see ``etj_sim.domain.errors``); with
    ``services``, the people, staff and clinics in the message are named."""
    lang = check_language(lang)
    message = str(error)
    if services is not None:
        message = _named(message, Names(services, lang))
    match = _RULE_IDS.match(message)
    rules = match.group(1) if match else _rule_of_class(error)
    detail = message[match.end() :].strip() if match else message
    sentence = _refusal_sentence(error, lang)
    reason = getattr(error, "reason", None)
    pairs = [
        (phrase("display.rule", lang), f"<b>{cell(rules)}</b>"),
        (phrase("display.refusal", lang), cell(sentence)),
    ]
    if isinstance(reason, IntEnum):
        pairs.append(
            (phrase("display.reason", lang), cell(term("reason", _value_name(reason), lang)))
        )
    pairs.append((phrase("display.details", lang), f"<small>{cell(detail)}</small>"))
    html = (
        "<div style='border-left:4px solid #cf222e;padding-left:0.6em'>"
        + key_value_table(pairs)
        + "</div>"
    )
    text = f"{phrase('display.refusal', lang)} ({rules}): {sentence}\n  {detail}"
    return Display(_box(html), text)


_CLASS_RULES: Final = {
    "LoginRefused": "R1",
    "ProxyRefused": "R10",
    "AccountNotActive": "R2",
    "NotAccountHolder": "R3",
    "AccessDenied": "R17",
    "ClinicNotActivated": "R17",
    "AttachmentRefused": "F5",
    "FormAnswersInvalid": "F3",
}
"""The rule an error class enforces (``etj_sim.domain.errors``), for a message without one."""


def _rule_of_class(error: DomainError) -> str:
    for kind in type(error).__mro__:
        if kind.__name__ in _CLASS_RULES:
            return _CLASS_RULES[kind.__name__]
    return "–"


def _refusal_sentence(error: DomainError, lang: Language) -> str:
    for kind in type(error).__mro__:
        key = f"refusal.{kind.__name__}"
        try:
            return phrase(key, lang)
        except KeyError:
            continue
    return phrase("refusal.DomainError", lang)


def refused(
    action: Callable[[], object],
    *,
    services: EServices | None = None,
    lang: Language = DEFAULT_LANGUAGE,
) -> Display:
    """Run an action the user may not take and show the refusal they meet.

    An action that is not refused is an AssertionError: a tour cell that claims a refusal
    must show one.
    """
    from etj_sim.domain.errors import DomainError

    try:
        action()
    except DomainError as error:
        return refusal(error, services=services, lang=lang)
    raise AssertionError("this action was expected to be refused, and it was not")


# -- the views on their own (the domain's _repr_html_ hooks; ids, as no names are at hand) ---


def render(view: object, *, lang: Language = DEFAULT_LANGUAGE) -> Display:
    """A domain view without an EServices at hand: the same displays, people and clinics by id.

    The domain's views call this from their ``_repr_html_``; with the EServices, the named
    functions of this module show names.
    """
    from etj_sim.domain import views

    names = Names(None, lang)
    if isinstance(view, views.CaseView):
        return case_view(view, lang=lang)
    if isinstance(view, views.ReadStatus):
        return read_status(None, view, lang=lang)
    if isinstance(view, views.SettingsView):
        pairs = _settings_pairs(view, names, lang)
        title = phrase("display.settings_citizen", lang)
    elif isinstance(view, views.AlertChoices):
        pairs = _choices_pairs(view, lang)
        title = phrase("display.settings_staff", lang)
    elif isinstance(view, views.RecordView):
        pairs = _record_pairs(view, lang)
        title = phrase("display.settings_record", lang)
    elif isinstance(view, views.MessageView):
        state = phrase("display.read" if view.read else "display.unread", lang)
        pairs = [
            (phrase("display.subject", lang), cell(_subject(view, lang))),
            (phrase("display.from_clinic", lang), cell(names.clinic(view.clinic))),
            (phrase("display.sent", lang), cell(_when(view.sent_at, lang))),
            (phrase("display.status", lang), cell(state)),
            (phrase("display.text", lang), cell(view.text)),
            (phrase("display.attachments", lang), _files(view.attachments, lang)),
        ]
        title = phrase("display.message", lang, message=view.message)
    else:
        raise TypeError(f"no display for {type(view).__name__}")
    text = "\n".join([title, *(f"  {label}: {_plain(value)}" for label, value in pairs)])
    return Display(_box(key_value_table(pairs, caption=title)), text)
