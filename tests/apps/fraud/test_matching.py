from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from apps.fraud.matching import ListedEntry, NameIndex, name_similarity, name_tokens, normalise, skeleton


class TestNormalise:
    @pytest.mark.parametrize(
        ("raw", "expected"),
        [
            ("AL ZAWAHIRI, Dr. Ayman", "ayman al zawahiri"),
            ("ANGLO-CARIBBEAN CO., LTD.", "anglo caribbean"),
            ("MI FEL, S. DE R.L. DE C.V.", "mi fel"),
            ("BANCO NACIONAL DE CUBA, S.A.", "banco nacional de cuba"),
            ("O'Brien, Seán", "sean obrien"),
            ("Мухаммад Али", "muhammad ali"),
            ("  Acme   Limited ", "acme"),
            ("Müller GmbH & Co. KG", "muller"),
        ],
    )
    def test_forms(self, raw: str, expected: str) -> None:
        assert normalise(raw) == expected

    def test_a_name_of_only_noise_keeps_its_words(self) -> None:
        assert "company" in name_tokens("The Company Ltd")

    def test_skeleton_survives_transliteration(self) -> None:
        assert skeleton("qaddafi") == skeleton("gadhafi") == skeleton("kadafi")


class TestNameSimilarity:
    def test_same_name_in_other_order_and_case_is_one(self) -> None:
        assert name_similarity("BIN LADEN, Osama", "osama bin laden") == 1.0

    def test_typo_stays_high(self) -> None:
        assert name_similarity("Ayman al-Zawahri", "AL ZAWAHIRI, Ayman") > 0.9

    def test_dropped_middle_name_stays_high(self) -> None:
        assert name_similarity("John Smith", "SMITH, John Michael") > 0.86

    def test_lone_surname_is_far_below_a_full_name(self) -> None:
        assert name_similarity("Smith", "SMITH, John") < 0.6

    def test_unrelated_names_are_zero(self) -> None:
        assert name_similarity("Maria Garcia", "Wolfgang Schmidt") == 0.0

    def test_empty_is_zero(self) -> None:
        assert name_similarity("", "Someone") == 0.0

    names = st.text(alphabet=st.characters(codec="utf-8", categories=("L", "Zs", "Pd", "Po")), max_size=40)

    # The first example loads the list's word frequencies and rigour's tables: seconds on a busy machine.
    @settings(deadline=None)
    @given(names, names)
    def test_symmetric_and_in_range(self, a: str, b: str) -> None:
        ab = name_similarity(a, b)
        assert 0.0 <= ab <= 1.0
        assert ab == name_similarity(b, a)

    @given(st.lists(st.sampled_from(["anna", "ivan", "petrov", "ali", "hassan", "li", "wei", "garcia"]), max_size=5))
    def test_a_name_matches_itself_fully(self, words: list[str]) -> None:
        name = " ".join(words)
        assert name_similarity(name, name) == (1.0 if words else 0.0)


class TestNameIndex:
    @pytest.fixture
    def index(self) -> NameIndex:
        entries = [
            (
                ListedEntry(1, "QADHAFI, Muammar", "individual", "LIBYA2"),
                [("QADHAFI, Muammar", ""), ("GADDAFI, Moamar", "aka")],
            ),
            (ListedEntry(2, "ACME TRADING LTD", "", "SDGT"), [("ACME TRADING LTD", "")]),
            (ListedEntry(3, "SMITH, John", "individual", "SDNTK"), [("SMITH, John", "")]),
        ]
        return NameIndex.build(version="t", entries=entries)

    @given(st.sampled_from(["Muamar Kadhafi", "Moammar Qaddafi", "acme trading", "Jon Smith", "Smith", "Anna Ivanova"]))
    def test_index_scores_like_the_direct_measure(self, query: str) -> None:
        index = NameIndex.build(
            version="t",
            entries=[
                (ListedEntry(1, "x", "individual", "P"), [("QADHAFI, Muammar", ""), ("GADDAFI, Moamar", "aka")]),
                (ListedEntry(2, "y", "", "P"), [("ACME TRADING LTD", "")]),
                (ListedEntry(3, "z", "individual", "P"), [("SMITH, John", "")]),
            ],
        )
        direct = {name.name: name_similarity(query, name.name) for name in index.names}
        found = {index.names[h.name_index].name: h.pairing.score for h in index.search(name_tokens(query), cutoff=0.5)}
        assert found == {name: score for name, score in direct.items() if score >= 0.5}

    def test_best_first(self, index: NameIndex) -> None:
        hits = index.search(name_tokens("Moamar Gaddafi"), cutoff=0.8)
        assert [index.names[h.name_index].name for h in hits][:1] == ["GADDAFI, Moamar"]
