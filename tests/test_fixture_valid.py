from conftest import load_dir


def test_fixture_is_valid(kb_dir):
    kb = load_dir(kb_dir)
    assert [d for d in kb.diagnostics] == []
    assert sorted(kb.by_id) == ["DEF-0001", "LES-0001"]
