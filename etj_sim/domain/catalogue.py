"""The clinics' catalogue: message templates, forms, and the limits on attachments.

Pipeline position: ``staff tool (authors and uses these) -> catalogue (this module) -> inboxes
and cases (messages carry a template's subject, a form's id, attachments)``. Enforced here:

- R17, R18: templates (meddelandemallar) and forms ("skapa formulär", F3) belong to an activated
  clinic; the standard templates serve every clinic; a clinic cannot use another clinic's own.
- F3: a form's questions have a name, a text, a type (text, number, choice, date) and say
  whether an answer is required; answers are checked against the form before anything is
  stored (:meth:`Catalogue.check_answers`): a missing required answer, an unknown question or a
  wrong type is refused naming the question.
- F5: attachments, in either direction, are of an accepted type and at most
  :data:`MAX_ATTACHMENT_BYTES` each, at most :data:`MAX_ATTACHMENTS` at a time
  (:func:`checked_attachments`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Final

from etj_sim.domain.errors import (
    AccessDenied,
    AttachmentRefused,
    FormAnswersInvalid,
    InvalidOperation,
)
from etj_sim.domain.views import Attachment, Form, Question, QuestionType, Template, TemplateKind

__all__ = [
    "ACCEPTED_CONTENT_TYPES",
    "MAX_ATTACHMENTS",
    "MAX_ATTACHMENT_BYTES",
    "STANDARD_TEMPLATES",
    "Catalogue",
    "checked_attachments",
]

ACCEPTED_CONTENT_TYPES: Final = frozenset(
    {"application/pdf", "image/jpeg", "image/png", "image/heic", "text/plain"}
)
"""F5: file types the service takes (documents and photos). # assumption: 1177 publishes no list
the project could cite; these are the common document and phone-photo formats."""
MAX_ATTACHMENT_BYTES: Final = 10 * 1024 * 1024
"""F5: the largest attachment. # assumption (no published figure found)."""
MAX_ATTACHMENTS: Final = 10
"""F5: attachments per message or case entry. # assumption."""

STANDARD_TEMPLATES: Final = (
    (TemplateKind.QUESTION, "Fråga från mottagningen", "Vi har en fråga till dig."),
    (TemplateKind.MESSAGE, "Information inför ditt besök", "Här är information inför besöket."),
    (TemplateKind.NOTICE, "Kallelse", "Du är kallad till ett besök."),
    (TemplateKind.FORM, "Hälsodeklaration", "Fyll i formuläret före ditt besök."),
)
"""The standard templates every activated clinic may use (R18: clinics add their own)."""

STANDARD_FORM_QUESTIONS: Final = (
    Question("medicines", "Vilka läkemedel tar du?", QuestionType.TEXT, required=False),
    Question("allergies", "Har du några allergier?", QuestionType.CHOICE, True, ("ja", "nej")),
    Question("smoker", "Röker du?", QuestionType.CHOICE, required=True, choices=("ja", "nej")),
)
"""The standard health declaration (hälsodeklaration) behind the standard FORM template."""

_STANDARD: Final = -1


def checked_attachments(attachments: Sequence[Attachment]) -> tuple[Attachment, ...]:
    """F5: the attachments as a tuple, each an ``Attachment`` of an accepted type and size."""
    if not attachments:
        return ()  # most messages and cases have none
    result = tuple(attachments)
    if len(result) > MAX_ATTACHMENTS:
        raise AttachmentRefused(
            f"F5: at most {MAX_ATTACHMENTS} attachments at a time, got {len(result)}"
        )
    for attachment in result:
        if not isinstance(attachment, Attachment):
            raise InvalidOperation(
                f"F5: attachments must be Attachment objects, got {attachment!r}"
            )
        if not isinstance(attachment.name, str) or not attachment.name.strip():
            raise AttachmentRefused(f"F5: an attachment needs a file name, got {attachment!r}")
        if attachment.content_type not in ACCEPTED_CONTENT_TYPES:
            raise AttachmentRefused(
                f"F5: {attachment.name!r} is of type {attachment.content_type!r}; accepted: "
                f"{', '.join(sorted(ACCEPTED_CONTENT_TYPES))}"
            )
        size = attachment.size_bytes
        if type(size) is not int or not 0 <= size <= MAX_ATTACHMENT_BYTES:
            raise AttachmentRefused(
                f"F5: {attachment.name!r} is {size!r} bytes; at most {MAX_ATTACHMENT_BYTES} "
                "bytes (10 MiB) are accepted"
            )
    return result


class Catalogue:
    """Every template and form, standard ones first (ids 0, 1, ... in order of creation)."""

    __slots__ = (
        "_forms",
        "_templates",
        "standard_form",
    )

    def __init__(self) -> None:
        self._templates: list[Template] = []
        self._forms: list[Form] = []
        standard_form = self._add_form(_STANDARD, "Hälsodeklaration", STANDARD_FORM_QUESTIONS)
        for kind, subject, body in STANDARD_TEMPLATES:
            self._templates.append(
                Template(
                    template=len(self._templates),
                    clinic=None,
                    kind=kind,
                    subject=subject,
                    body=body,
                    form=standard_form if kind is TemplateKind.FORM else None,
                )
            )
        self.standard_form = standard_form
        """The standard health declaration (the form of the standard FORM template)."""

    # -- templates (R18, R19, R20) ------------------------------------------------------------

    def standard_template(self, kind: TemplateKind) -> int:
        """The id of the standard template of that kind."""
        return next(t.template for t in self._templates if t.clinic is None and t.kind is kind)

    def add_template(
        self, clinic: int, kind: TemplateKind, subject: str, body: str, form: int | None
    ) -> int:
        """R18: a clinic's own template; a FORM template names one of the clinic's forms."""
        if not isinstance(kind, TemplateKind):
            raise InvalidOperation(f"R19: a template kind is a TemplateKind, got {kind!r}")
        for name, text in (("subject", subject), ("body", body)):
            if not isinstance(text, str):
                raise InvalidOperation(f"R19: a template's {name} is text, got {text!r}")
        if not subject.strip():
            raise InvalidOperation("R19: a template needs a subject")
        if kind is TemplateKind.FORM:
            if form is None:
                raise InvalidOperation("F3: a form template names the form it sends")
            self.form_for(clinic, form)
        elif form is not None:
            raise InvalidOperation(f"F3: only a form template sends a form, not a {kind.name}")
        template = len(self._templates)
        self._templates.append(Template(template, clinic, kind, subject, body, form))
        return template

    def template_for(self, clinic: int, template: int) -> Template:
        """R17, R18: a standard template or one of ``clinic``'s own; another clinic's refused."""
        if type(template) is not int or not 0 <= template < len(self._templates):
            raise InvalidOperation(f"R20: no message template with id {template!r}")
        found = self._templates[template]
        if found.clinic is not None and found.clinic != clinic:
            raise AccessDenied(
                f"R18: template {template} belongs to clinic {found.clinic}; clinic {clinic} "
                "cannot use it"
            )
        return found

    def templates_for(self, clinic: int) -> tuple[Template, ...]:
        """The standard templates, then the clinic's own, in order of creation."""
        return tuple(t for t in self._templates if t.clinic is None or t.clinic == clinic)

    def template(self, template: int) -> Template:
        """A template by id (already checked)."""
        return self._templates[template]

    # -- forms (F3) ----------------------------------------------------------------------------

    def add_form(self, clinic: int, title: str, questions: Iterable[Question]) -> int:
        """F3: a form the clinic authored; returns its id."""
        return self._add_form(clinic, title, questions)

    def _add_form(self, clinic: int, title: str, questions: Iterable[Question]) -> int:
        if not isinstance(title, str) or not title.strip():
            raise InvalidOperation(f"F3: a form needs a title, got {title!r}")
        checked = tuple(questions)
        if not checked:
            raise InvalidOperation("F3: a form needs at least one question")
        names: set[str] = set()
        for question in checked:
            if not isinstance(question, Question):
                raise InvalidOperation(f"F3: form questions are Question objects, got {question!r}")
            if not isinstance(question.name, str) or not question.name.strip():
                raise InvalidOperation(f"F3: a question needs a name, got {question.name!r}")
            if question.name in names:
                raise InvalidOperation(f"F3: question {question.name!r} appears twice")
            names.add(question.name)
            if not isinstance(question.type, QuestionType):
                raise InvalidOperation(
                    f"F3: question {question.name!r}: type must be a QuestionType, got "
                    f"{question.type!r}"
                )
            if type(question.required) is not bool:
                raise InvalidOperation(f"F3: question {question.name!r}: required is True/False")
            if question.type is QuestionType.CHOICE:
                if len(question.choices) < 2 or len(set(question.choices)) != len(question.choices):
                    raise InvalidOperation(
                        f"F3: choice question {question.name!r} needs two or more distinct choices"
                    )
            elif question.choices:
                raise InvalidOperation(
                    f"F3: only a choice question has choices ({question.name!r} is "
                    f"{question.type.name.lower()})"
                )
        form = len(self._forms)
        self._forms.append(Form(form, clinic, title, checked))
        return form

    def form_for(self, clinic: int, form: int) -> Form:
        """R17, F3: the standard form or one of ``clinic``'s own forms."""
        if type(form) is not int or not 0 <= form < len(self._forms):
            raise InvalidOperation(f"F3: no form with id {form!r}")
        found = self._forms[form]
        if found.clinic not in (_STANDARD, clinic):
            raise AccessDenied(
                f"R17: form {form} belongs to clinic {found.clinic}; clinic {clinic} cannot use it"
            )
        return found

    def form(self, form: int) -> Form:
        """A form by id (already checked)."""
        return self._forms[form]

    def check_answers(self, form: int, answers: Mapping[str, object]) -> dict[str, object]:
        """F3: the answers if they fit the form; else ``FormAnswersInvalid`` naming the question.

        Text: a non-empty string; number: a finite int or float (not a bool); choice: one of
        the choices; date: a ``datetime.date``. Unanswered optional questions are left out.
        """
        found = self._forms[form]
        if not isinstance(answers, Mapping):
            raise InvalidOperation(f"F3: form answers are a mapping, got {answers!r}")
        by_name = {question.name: question for question in found.questions}
        for name in answers:
            if name not in by_name:
                raise FormAnswersInvalid(
                    f"F3: form {found.title!r} has no question {name!r} "
                    f"(its questions: {', '.join(by_name)})",
                    str(name),
                )
        checked: dict[str, object] = {}
        for question in found.questions:
            if question.name not in answers or answers[question.name] in (None, ""):
                if question.required:
                    raise FormAnswersInvalid(
                        f"F3: question {question.name!r} ({question.text}) of form "
                        f"{found.title!r} needs an answer",
                        question.name,
                    )
                continue
            value = answers[question.name]
            problem = _type_problem(question, value)
            if problem:
                raise FormAnswersInvalid(
                    f"F3: question {question.name!r} of form {found.title!r}: {problem}",
                    question.name,
                )
            checked[question.name] = value
        return checked

    def snapshot(self) -> tuple[object, ...]:
        """An immutable copy of the catalogue (tests compare before and after)."""
        return (tuple(self._templates), tuple(self._forms))


def _type_problem(question: Question, value: object) -> str:
    kind = question.type
    if kind is QuestionType.TEXT:
        return "" if isinstance(value, str) else f"expects text, got {value!r}"
    if kind is QuestionType.NUMBER:
        if isinstance(value, bool) or not isinstance(value, int | float):
            return f"expects a number, got {value!r}"
        return "" if math.isfinite(value) else f"expects a finite number, got {value!r}"
    if kind is QuestionType.CHOICE:
        if value in question.choices:
            return ""
        return f"expects one of {', '.join(map(repr, question.choices))}, got {value!r}"
    if type(value) is not date:
        return f"expects a date (datetime.date), got {value!r}"
    return ""
