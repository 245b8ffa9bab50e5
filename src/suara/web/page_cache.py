"""Rendered portal pages kept by what they show, so that election night's crowd on the same few
pages costs one rendering per tally point rather than one per reader."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass

from suara.publish.publisher import Document


@dataclass(frozen=True)
class CurrentPage:
    """A page as a plain request (no query) sees it, with the check that it still shows the
    data of now: the fast path serves it only while that check holds."""

    document: Document
    still_current: Callable[[], bool]


class PageCache:
    """Least recently used pages; a key carries the version of the data a page shows, so a page
    of an older tally point is never served again and simply ages out.

    Beside them, the latest rendering of each page path per language (`current`), which the
    fast path (api/fast_path.py) answers before any routing: the national and province pages
    are what most people open on election night."""

    def __init__(self, capacity: int = 4096) -> None:
        self.capacity = capacity
        self._pages: OrderedDict[Hashable, Document] = OrderedDict()
        self._current: OrderedDict[tuple[str, str], CurrentPage] = OrderedDict()
        self._lock = threading.Lock()
        self.renders = 0

    def get(self, key: Hashable, render: Callable[[], Document]) -> Document:
        with self._lock:
            page = self._pages.get(key)
            if page is not None:
                self._pages.move_to_end(key)
                return page
        page = render()
        with self._lock:
            self.renders += 1
            self._pages[key] = page
            while len(self._pages) > self.capacity:
                self._pages.popitem(last=False)
        return page

    def remember_current(self, path: str, lang: str, page: CurrentPage) -> None:
        with self._lock:
            self._current[(path, lang)] = page
            self._current.move_to_end((path, lang))
            while len(self._current) > self.capacity:
                self._current.popitem(last=False)

    def current(self, path: str, lang: str) -> Document | None:
        """The page at `path` in `lang` if one is kept and still shows the data of now."""
        page = self._current.get((path, lang))  # a plain dict read: atomic, and no lock on the hot path
        return page.document if page is not None and page.still_current() else None
