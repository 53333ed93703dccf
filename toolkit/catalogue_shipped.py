"""The catalogue as collect sends it to the workers that check files.

Checking a file needs the catalogue's agencies every time, and the rest (projects, KPIs, plan steps)
only for a return without the template's metadata: its expected rows then come from the catalogue
instead of the return itself. A national catalogue (1,001 agencies) is ~180 MiB of objects and
~1.7 s of CPU to unpickle in every worker. Shipped, a worker holds the agencies and the catalogue's
pickle (~27 MB), and unpickles the whole only when a file needs it.
"""

from __future__ import annotations

import pickle
from typing import Any

from toolkit.catalogue import Agency, Catalogue
from toolkit.gcpause import collector_paused


class ShippedCatalogue:
    """Stands in for a ``Catalogue`` in the per-file stage: ``agencies`` at once, every other
    attribute from the whole catalogue, unpickled on first use."""

    def __init__(self, catalogue: Catalogue) -> None:
        self.agencies: dict[str, Agency] = catalogue.agencies
        self._pickled: bytes | None = None  # made when first sent
        self._whole: Catalogue | None = catalogue  # the sending process has it already

    @property
    def unpacked(self) -> bool:
        """Whether this process holds the whole catalogue."""
        return self._whole is not None

    def __getstate__(self) -> dict[str, Any]:
        if self._pickled is None:
            # pickling keeps a temporary for each of the catalogue's objects until it ends: the collector,
            # left on, walked them again and again (~0.35 s for 1,001 agencies, before any file is sent)
            with collector_paused():
                self._pickled = pickle.dumps(self._whole, pickle.HIGHEST_PROTOCOL)
        return {"agencies": self.agencies, "_pickled": self._pickled, "_whole": None}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)

    def __getattr__(self, name: str) -> Any:
        # only reached for what the instance does not hold: projects, kpis and Catalogue's methods
        if name.startswith("__") or "_pickled" not in self.__dict__:
            raise AttributeError(name)
        if self._whole is None:
            with collector_paused():  # hundreds of thousands of objects at once, as read_catalogue makes them
                self._whole = pickle.loads(self._pickled)  # type: ignore[arg-type]
        return getattr(self._whole, name)


def ship(catalogue: Catalogue | ShippedCatalogue | None) -> Catalogue | ShippedCatalogue | None:
    """``catalogue`` as the workers should get it (a shipped one, or None, as it is)."""
    if catalogue is None or isinstance(catalogue, ShippedCatalogue):
        return catalogue
    return ShippedCatalogue(catalogue)
