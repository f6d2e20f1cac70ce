"""A tiny demo coalition, small enough to load in every test on both databases."""

import pytest

from pact_tracker.demo import Scale, load_demo
from pact_tracker.demo.generate import Generator
from pact_tracker.demo.rows import ID_TABLES, Batch, Ids

#: Twenty signatories in chunks of eight, so that loads cross chunk boundaries.
TINY = Scale(signatories=20, commitments=90, chunk=8)


@pytest.fixture
def tiny():
    return TINY


@pytest.fixture
def loaded(db):
    """Load the tiny coalition with seed 7; return the rows written per table."""
    return load_demo(TINY, seed=7, password_hash="not-a-real-hash")


@pytest.fixture
def generate(db):
    """``generate(seed)`` draws the tiny coalition in memory and returns its rows per table."""
    from pact_tracker.demo import read_reference

    reference = read_reference()

    def make(seed: int) -> Batch:
        generator = Generator(seed, reference, Ids(dict.fromkeys(ID_TABLES, 1)), None)
        batch = Batch()
        generator.staff({}, batch)
        generator.catalogue(batch)
        for offset in range(0, TINY.signatories, TINY.chunk):
            count = min(TINY.chunk, TINY.signatories - offset)
            generator.signatories(count, TINY.commitments / TINY.signatories, batch)
        return batch

    return make
