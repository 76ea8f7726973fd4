"""The sample documents users bring (../shared/seeds): skipped when the folder is absent."""

from __future__ import annotations

from archqa import validate_file
from archqa.validate.engine import format_score
from tests.conftest import SHARED_SEEDS, seeds_required


@seeds_required
def test_self_reported_figures_of_the_generated_sample_are_checked() -> None:
    path = next(SHARED_SEEDS.glob("000_*"))
    r = validate_file(path)
    rules = [f.rule for f in r.findings]
    honesty = [f for f in r.findings if f.category == "honesty"]
    assert len(honesty) >= 5
    assert "honesty.score" in rules and "honesty.percentage" in rules
    assert "code.parse" in rules and "hygiene.escape" in rules
    claimed = [f for f in r.findings if f.rule == "honesty.score"][0]
    assert f"{format_score(r.score)}/100" in claimed.message
    assert r.score < 98


@seeds_required
def test_every_seed_either_validates_or_fails_cleanly() -> None:
    from archqa import InputError

    for path in sorted(SHARED_SEEDS.glob("*")):
        try:
            r = validate_file(path)
        except InputError as exc:
            assert str(path) in str(exc)
            continue
        assert all(f.line >= 1 for f in r.findings)
