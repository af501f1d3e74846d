"""RFC 3797 NomCom selection: the RFC's §6 worked example is the conformance vector."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from placement.errors import PlacementError
from placement.rfc3797 import (
    MAX_POOL,
    Rfc3797Error,
    canonical_key,
    canonical_source,
    digest,
    select,
    select_names,
)

# RFC 3797 §6: three sources, a pool of 25, the table of 16 picks and its MD5 column
# (the same values the RFC's appendix reference code prints).
RFC_SOURCES = (9319, (2, 5, 12, 8, 10), (9, 18, 26, 34, 41, 45))
RFC_KEY = "9319./2.5.8.10.12./9.18.26.34.41.45./"
RFC_POOL = [
    "John",
    "Mary",
    "Bashful",
    "Dopey",
    "Sleepy",
    "Grouchy",
    "Doc",
    "Sneazy",
    "Handsome",
    "Cassandra",
    "Pollyanna",
    "Pendragon",
    "Pandora",
    "Faith",
    "Hope",
    "Charity",
    "Lee",
    "Longsuffering",
    "Chastity",
    "Smith",
    "Pride",
    "Sloth",
    "Envy",
    "Anger",
    "Kasczynski",
]
RFC_PICKS = (17, 7, 2, 16, 25, 23, 8, 24, 19, 13, 22, 5, 18, 9, 1, 4)
RFC_DIGESTS = (
    "990DD0A5692A029A98B5E01AA28F3459",
    "3691E55CB63FCC37914430B2F70B5EC6",
    "FE814EDF564C190AC1D25753979990FA",
    "1863CCACEB568C31D7DDBDF1D4E91387",
    "F4AB33DF4889F0AF29C513905BE1D758",
    "13EAEB529F61ACFB9A29D0BA3A60DE4A",
    "992DB77C382CA2BDB9727001F3CDCCD9",
    "63AB4258ECA922976811C7F55C383CE7",
    "DFBC5AC97CED01B3A6E348E3CC63F40D",
    "31CB111C4A4EBE9287CEAE16FE51B909",
    "07FA46C122F164C215BBC72793B189A3",
    "AC52F8D75CCBE2E61AFEB3387637D501",
    "53306F73E14FC0B2FBF434218D25948E",
    "B5D1403501A81F9A47318BE7893B347C",
    "85B10B356AA06663EF1B1B407765100A",
    "3269E6CE559ABD57E2BA6AAB495EB9BD",
)


class TestWorkedExample:
    def test_key_string(self):
        assert canonical_key(RFC_SOURCES) == RFC_KEY

    def test_single_number_as_text_or_list(self):
        assert canonical_key(["9319", [5, 2, 12, 8, 10], [45, 41, 34, 26, 18, 9]]) == RFC_KEY

    @pytest.mark.parametrize(("index", "hex_digest"), list(enumerate(RFC_DIGESTS)))
    def test_digests(self, index, hex_digest):
        assert digest(RFC_KEY, index).hex().upper() == hex_digest

    def test_all_sixteen_picks(self):
        assert select(25, RFC_KEY, 16) == RFC_PICKS

    def test_names(self):
        first_ten = "Lee Doc Mary Charity Kasczynski Envy Sneazy Anger Chastity Pandora"
        assert select_names(RFC_POOL, RFC_KEY, 10) == tuple(first_ten.split())


class TestCanonicalSources:
    def test_numbers_sorted_numerically_without_leading_zeros(self):
        assert canonical_source([10, 9, 0, 100]) == "0.9.10.100./"
        assert canonical_source([7]) == canonical_source(7) == "7./"

    def test_repeated_numbers_are_kept(self):
        assert canonical_source([3, 1, 3]) == "1.3.3./"

    def test_text_source(self):
        # §4: only A-Z and 0-9 survive, upper-cased, then suffixed like a number.
        assert canonical_source("W 4-1") == "W41./"
        assert canonical_source("Mažňák") == "MAZNAK./"
        assert canonical_source("０４３６") == "0436./"

    @pytest.mark.parametrize("bad", [[], [-1], [True], "上证指数", " -/ ", [1.5]])
    def test_refused_sources(self, bad):
        with pytest.raises(Rfc3797Error):
            canonical_source(bad)

    def test_no_sources(self):
        with pytest.raises(Rfc3797Error):
            canonical_key([])


class TestArguments:
    @pytest.mark.parametrize(
        ("pool", "count"), [(0, 0), (-1, 0), (MAX_POOL + 1, 1), (5, 6), (5, -1)]
    )
    def test_refused(self, pool, count):
        with pytest.raises(Rfc3797Error) as info:
            select(pool, RFC_KEY, count)
        assert isinstance(info.value, PlacementError)

    def test_non_ascii_key(self):
        with pytest.raises(Rfc3797Error):
            select(5, "上证./", 1)

    def test_edges(self):
        assert select(1, RFC_KEY, 1) == (1,)
        assert select(5, RFC_KEY, 0) == ()
        assert select(MAX_POOL, RFC_KEY, 1)[0] in range(1, MAX_POOL + 1)

    def test_empty_name_pool(self):
        with pytest.raises(Rfc3797Error):
            select_names([], RFC_KEY, 0)


@given(st.integers(1, 300), st.text("0123456789./", min_size=1, max_size=40), st.data())
def test_picks_are_distinct_and_prefix_stable(pool, key, data):
    count = data.draw(st.integers(0, pool))
    full = select(pool, key, pool)
    assert sorted(full) == list(range(1, pool + 1))
    assert select(pool, key, count) == full[:count]
