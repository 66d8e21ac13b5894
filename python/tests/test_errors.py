"""Errors an analyst can catch (#38 item 5): every argument checked in the
call's own words, with the valid names where a name is wrong; the numbers
NumPy and pandas hand over taken as the numbers they are."""

import numpy as np
import pytest

import alliance_sim as asim

KAZ = "kazakhstan-2022"


@pytest.fixture(scope="module")
def kaz():
    return asim.load(KAZ)


def test_numpy_scalars_are_the_numbers_they_are(kaz):
    as_numpy = asim.load(KAZ, set={"alliance.pools.peacekeeping.cap": np.int64(2000)})
    as_int = asim.load(KAZ, set={"alliance.pools.peacekeeping.cap": 2000})
    assert as_numpy.overrides == as_int.overrides == {"alliance.pools.peacekeeping.cap": "2000"}
    assert kaz.variant({"members.russia.attributes.alignment": np.float64(0.75)}).overrides == {
        "members.russia.attributes.alignment": "0.75"
    }
    assert kaz.variant({"members.belarus.attributes.own_airlift": np.bool_(True)}).overrides == {
        "members.belarus.attributes.own_airlift": "true"
    }
    assert kaz.run(trials=np.int64(2_000), seed=np.int64(1)).to_dict() == kaz.run(trials=2_000, seed=1).to_dict()


@pytest.mark.parametrize(
    "call, words",
    [
        (lambda s: s.run(trials=-5), "trials=-5: expected a whole number of at least 1"),
        (lambda s: s.run(trials=0), "trials=0: expected a whole number of at least 1"),
        (lambda s: s.run(trials=100, seed=-1), "seed=-1: expected a whole number of at least 0"),
        (lambda s: s.run(trials=100, threads=-2), "threads=-2: expected a whole number of at least 1"),
        (lambda s: s.trials(-1), "n=-1"),
        (lambda s: asim.compare(s, s, trials=-3), "trials=-3"),
        (lambda s: asim.sensitivity(s, method="sobol", samples=-1), "samples=-1"),
    ],
)
def test_negative_counts_are_refused_in_the_calls_words(kaz, call, words):
    with pytest.raises(ValueError) as caught:
        call(kaz)
    assert words in str(caught.value)
    assert "--" not in str(caught.value), "a command-line flag leaked into a Python message"


def test_a_fractional_count_is_a_type_error(kaz):
    with pytest.raises(TypeError, match="trials=2.5: expected a whole number"):
        kaz.run(trials=2.5)


def test_compare_takes_a_list_and_refuses_fewer_than_two(kaz):
    other = kaz.variant({"members.russia.attributes.alignment": 0.6})
    listed = asim.compare([kaz, other], trials=5_000).to_dict()
    assert listed == asim.compare(kaz, other, trials=5_000).to_dict()
    with pytest.raises(ValueError, match="at least two"):
        asim.compare([kaz])
    with pytest.raises(TypeError, match="expected Scenarios"):
        asim.compare(kaz, "armenia-2022")


def test_one_column_may_be_named_by_a_string(kaz):
    records = kaz.trials(1_000, columns="outcome")
    assert records.columns == ["outcome"]


def test_unknown_names_list_the_valid_ones(kaz):
    summary = kaz.run(trials=1_000)
    with pytest.raises(KeyError) as caught:
        summary.p("nope")
    assert "no funnel stage 'nope'" in str(caught.value) and "deploy" in str(caught.value)
    pytest.importorskip("ema_workbench")
    from alliance_sim import ema

    with pytest.raises(KeyError) as caught:
        ema.model(kaz, {"members.russia.attributes.alignment": (0.5, 1.0)}, outcomes=["nope"])
    assert "no outcome 'nope'" in str(caught.value) and "refused_or_no_request" in str(caught.value)


def test_a_sweep_with_nothing_to_vary_is_refused(kaz):
    with pytest.raises(ValueError, match="nothing to vary"):
        asim.sweep(kaz)
