"""The simulation: SimPy processes that act as citizens and staff through the domain facade.

Pipeline position: ``scenario -> population -> domain -> simulation -> event log -> metrics``.
Only this package imports SimPy. ``simulate(scenario, seed)`` returns a :class:`SimulationResult`
with the event log, the population, the guardianships, the staff roster and ``summary()``.

Parts, one concept each:

- ``engine``: one run (``engine.simulate``, or ``simulate_population`` on a population made
  already) and :class:`SimulationResult`; wires the processes.
- ``random_streams``: named random streams (common random numbers across scenarios).
- ``citizens``: the per-person columns the behaviour model reads and mirrors.
- ``citizen_behaviour``: logins, proxy, reading, settings at login, starting and replying to cases.
- ``staff_work``: shifts and case handling in the staff tool.
- ``demand``: citizen-initiated case arrivals, drawn a day at a time.
- ``outreach``: notices, pre-visit information, forms, questions and mass mailings.
- ``ledger``: what the simulation remembers about the cases and messages it set in motion.
- ``agenda``: one-shot calls (reads, replies); reads due in later hours wait in its calendar.
- ``shards``: ``simulate(..., shards=k)``: the population split into shards of whole clinic
  catchments, run on local processes or Dask, merged into one log; ``simulate_national``.
"""

from etj_sim.simulation.engine import STAFF_ROSTER_SCHEMA, SimulationResult, simulate_population
from etj_sim.simulation.shards import simulate

__all__ = ["STAFF_ROSTER_SCHEMA", "SimulationResult", "simulate", "simulate_population"]
