"""The bounded cache: by count, or by the entries' weight (bytes of the postings it keeps)."""

from __future__ import annotations

from qa.cache import LruCache


def test_the_least_recently_used_entry_goes_first():
    cache: LruCache[str, int] = LruCache(2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1  # now b is the least recently used
    cache.put("c", 3)
    assert (cache.get("a"), cache.get("b"), cache.get("c")) == (1, None, 3)


def test_a_weighed_cache_keeps_the_total_weight_within_its_size():
    cache: LruCache[str, bytes] = LruCache(10, weigh=len)
    cache.put("a", b"xxxx")
    cache.put("b", b"yyyy")
    cache.put("c", b"zzzz")  # 12 > 10: a goes
    assert cache.get("a") is None and cache.get("b") == b"yyyy" and cache.weight == 8
    cache.put("b", b"y")  # a new value for a key replaces its weight
    assert cache.weight == 5
    cache.put("huge", b"h" * 11)  # heavier than the whole cache: not kept, nothing forgotten
    assert cache.get("huge") is None and cache.weight == 5 and cache.get("c") == b"zzzz"
