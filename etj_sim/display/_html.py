"""The HTML pieces every display is made of: a :class:`Display` with ``_repr_html_``, tables.

Pipeline position: ``domain views / event log -> display (this package) -> notebooks``. Nothing
here knows the domain; the displays in :mod:`etj_sim.display.views` and
:mod:`etj_sim.display.timeline` build their HTML from these helpers, so every piece of text is
escaped in one place.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from html import escape
from typing import Final

__all__ = ["Display", "cell", "key_value_table", "table"]

STYLE: Final = (
    "border-collapse:collapse;margin:0.3em 0;font-size:0.92em;"
    "font-family:system-ui,-apple-system,'Segoe UI',sans-serif"
)
CELL_STYLE: Final = "border:1px solid #ccd;padding:0.25em 0.6em;text-align:left;vertical-align:top"


class Display:
    """What a notebook shows for one thing a person sees: HTML in Jupyter, plain text elsewhere.

    ``html`` is the rendered fragment, ``text`` the same content as plain lines (``repr``).
    """

    __slots__ = ("html", "text")

    def __init__(self, html: str, text: str) -> None:
        self.html = html
        self.text = text

    def _repr_html_(self) -> str:
        return self.html

    def __repr__(self) -> str:
        return self.text

    def __str__(self) -> str:
        return self.text


def cell(value: object) -> str:
    """``value`` as escaped text (None as a dash)."""
    return "–" if value is None else escape(str(value))


def table(headers: Sequence[str], rows: Iterable[Sequence[str]], *, caption: str = "") -> str:
    """An HTML table; ``rows`` hold cell HTML (already escaped with :func:`cell`)."""
    head = "".join(f'<th style="{CELL_STYLE};background:#eef">{escape(h)}</th>' for h in headers)
    body = "".join(
        "<tr>" + "".join(f'<td style="{CELL_STYLE}">{value}</td>' for value in row) + "</tr>"
        for row in rows
    )
    title = f"<caption style='text-align:left;font-weight:600'>{escape(caption)}</caption>"
    return (
        f'<table style="{STYLE}">{title if caption else ""}'
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    )


def key_value_table(pairs: Iterable[tuple[str, str]], *, caption: str = "") -> str:
    """A two-column table of labels and (escaped) values."""
    body = "".join(
        f'<tr><th style="{CELL_STYLE};background:#f6f6fb">{escape(label)}</th>'
        f'<td style="{CELL_STYLE}">{value}</td></tr>'
        for label, value in pairs
    )
    title = f"<caption style='text-align:left;font-weight:600'>{escape(caption)}</caption>"
    return f'<table style="{STYLE}">{title if caption else ""}<tbody>{body}</tbody></table>'
