"""Notebook displays of the service as people see it: inbox, case, settings, alerts, timeline.

Pipeline position: ``domain views / event log -> display (this package) -> notebooks``. Every
function returns a :class:`Display`: Jupyter shows its HTML (``_repr_html_``), ``repr`` gives the
same content as plain text. People, clinics and staff appear by name (read from the
:class:`~etj_sim.domain.EServices` passed in); words come from :mod:`etj_sim.i18n` in Swedish
or English (``lang="sv"`` / ``"en"``). The domain's own views (``MessageView``, ``CaseView``,
``SettingsView``, ``AlertChoices``, ``RecordView``, ``ReadStatus``) also display as HTML on
their own, through :func:`render`, with ids where no names are at hand, once this package is
imported (it registers itself with ``etj_sim.domain.views.register_html_renderer``).

No altair here: the timeline is a table (:func:`timeline`) or a polars frame
(:func:`timeline_frame`).
"""

from __future__ import annotations

from etj_sim.display._html import Display
from etj_sim.display.timeline import TIMELINE_COLUMNS, household_of, timeline, timeline_frame
from etj_sim.display.views import (
    Names,
    alerts,
    case,
    case_view,
    inbox,
    read_status,
    refusal,
    refused,
    render,
    settings,
)
from etj_sim.domain.views import register_html_renderer

# The domain's views display as HTML through render once this package is imported.
register_html_renderer(lambda view: render(view).html)

__all__ = [
    "TIMELINE_COLUMNS",
    "Display",
    "Names",
    "alerts",
    "case",
    "case_view",
    "household_of",
    "inbox",
    "read_status",
    "refusal",
    "refused",
    "render",
    "settings",
    "timeline",
    "timeline_frame",
]
