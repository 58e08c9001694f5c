"""The bounded LRU table of compiled programs."""

from tapejax._cache import LRU


def test_inserting_past_the_limit_drops_the_least_recently_used_entry():
    table = LRU(2)
    a, b, c = object(), object(), object()
    table.insert("a", a)
    table.insert("b", b)
    assert table.lookup("a") is a  # "b" is now the least recently used
    table.insert("c", c)
    assert list(table) == ["a", "c"]
    assert table.lookup("b") is None


def test_repeated_hits_on_the_last_entry_keep_it_recent():
    table = LRU(2)
    a, b, c = object(), object(), object()
    table.insert("a", a)
    table.insert("b", b)
    for _ in range(3):
        assert table.lookup("a") is a
        assert table.lookup("a") is a
    table.insert("c", c)
    assert set(table) == {"a", "c"}
