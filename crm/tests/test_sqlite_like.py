from crm.sqlite import unicode_like


def test_like_folds_cyrillic_case():
    assert unicode_like("%АГРО%", "АО «Агрологистик»")
    assert unicode_like("%агро%", "АО «АГРОЛОГИСТИК»")


def test_like_keeps_wildcards_and_escapes():
    assert unicode_like("а_в%", "абвгд")
    assert not unicode_like("a\\%b", "axb", "\\")
    assert unicode_like("a\\%b", "a%b", "\\")
    assert unicode_like(None, "x") is None
