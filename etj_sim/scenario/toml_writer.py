"""Scenario to TOML: the full scenario, every default written out, as a file that loads back equal.

Pipeline position: part of the first stage (``Scenario -> scenarios/*.toml``), the way back out of
:class:`~etj_sim.scenario.Scenario`. ``etj-sim show`` prints it and the dashboard saves a scenario
with it; :meth:`Scenario.load` (and ``etj-sim validate``) reads the text back to an equal scenario
with the same :attr:`~etj_sim.scenario.Scenario.content_hash`. The standard library's ``tomllib``
only reads, so the writing is tomli-w's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import tomli_w

if TYPE_CHECKING:
    from etj_sim.scenario.model import Scenario

__all__ = ["scenario_to_toml"]


def scenario_to_toml(scenario: Scenario) -> str:
    """The scenario as TOML text with every value, defaults included.

    ``Scenario.loads(scenario_to_toml(sc)) == sc`` and the content hashes are equal. The top-level
    values (name, description, dates) come first, then one table per section, then the
    campaigns as an array of tables.
    """
    values = scenario.model_dump(mode="python")
    # Sections after the plain values: TOML has no way back to the root once a table has opened.
    plain = {key: value for key, value in values.items() if not isinstance(value, dict | list)}
    tables = {key: value for key, value in values.items() if isinstance(value, dict)}
    arrays = {key: value for key, value in values.items() if isinstance(value, list)}
    # An empty list of campaigns cannot be an array of tables; ``campaigns = []`` is written inline.
    return tomli_w.dumps({**plain, **tables, **arrays}, multiline_strings=False)
