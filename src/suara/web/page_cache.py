"""Rendered portal pages kept by what they show, so that election night's crowd on the same few
pages costs one rendering per tally point rather than one per reader."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

from suara.publish.publisher import Document


class PageCache:
    """Least recently used pages; a key carries the version of the data a page shows, so a page
    of an older tally point is never served again and simply ages out."""

    def __init__(self, capacity: int = 4096) -> None:
        self.capacity = capacity
        self._pages: OrderedDict[Hashable, Document] = OrderedDict()
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
