"""etj_sim: simulation and analytics for the Swedish 1177 e-services.

(Architecture docstring and the public ``__all__`` are completed as the pipeline stages land.)
"""

__all__: list[str] = []
