"""Pages that rooms higher up fill in: how a low app shows what it may not import.

A page owned by a low app (the referral's page in referrals, say) shows what apps above it
recorded. The owner declares a `Pages` with the page names; each higher app contributes a part
from its AppConfig.ready:

    @pages.contribute(pages.REFERRAL_DETAIL, select_related=("intake",))
    def therapy_part(*, request, referral, documents) -> dict: ...

A part returns the context keys its templates read. `select_related` names the one-to-one
relations the owner should join into its query for the page's object; `annotate` is a function
returning annotations (name -> expression) for that query, so that a part can read rows of its
own (say a subquery per letter) in the owner's one query instead of one more.
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Part:
    build: Callable[..., dict]
    select_related: tuple[str, ...] = ()
    annotate: Callable[[], dict] | None = None


class Pages:
    def __init__(self, *names: str) -> None:
        self._parts: dict[str, dict[str, Part]] = {name: {} for name in names}

    def contribute(
        self,
        page: str,
        *,
        select_related: tuple[str, ...] = (),
        annotate: Callable[[], dict] | None = None,
    ) -> Callable:
        """Register a function that adds to `page`'s context (once per function, however often
        the module that declares it is imported)."""
        if page not in self._parts:
            raise ValueError(f"No such page: {page!r}")

        def register(build: Callable[..., dict]) -> Callable[..., dict]:
            key = f"{build.__module__}.{build.__qualname__}"
            self._parts[page][key] = Part(build, tuple(select_related), annotate)
            return build

        return register

    def related(self, page: str) -> tuple[str, ...]:
        """The one-to-one relations the contributions to `page` want joined in."""
        names = (name for part in self._parts[page].values() for name in part.select_related)
        return tuple(dict.fromkeys(names))

    def annotations(self, page: str) -> dict:
        """The annotations the contributions to `page` want on its object's query."""
        merged: dict = {}
        for part in self._parts[page].values():
            if part.annotate is not None:
                merged.update(part.annotate())
        return merged

    def context(self, page: str, **kwargs) -> dict:
        """Every contribution to `page`, merged in the order they were registered."""
        merged: dict = {}
        for part in self._parts[page].values():
            merged.update(part.build(**kwargs))
        return merged
