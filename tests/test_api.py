"""The public API is exactly what archqa.__all__ lists."""

from __future__ import annotations

import inspect

import archqa


def test_all_is_complete_and_importable() -> None:
    for name in archqa.__all__:
        assert hasattr(archqa, name), name
    public = {n for n, v in vars(archqa).items() if not n.startswith("_") and not inspect.ismodule(v)}
    assert public - set(archqa.__all__) == set()


def test_rule_registry_is_an_extension_point() -> None:
    from archqa.validate import rules
    from archqa.validate.engine import _RULES

    ids = {r.id for r in rules()}
    assert {"code.parse", "honesty.counts", "references.citations", "tables.columns"} <= ids

    @archqa.register_rule("links.custom-test", "a test rule")
    def custom(ctx):  # type: ignore[no-untyped-def]
        ctx.fail("links.custom-test", archqa.Severity.WARNING, 1, "custom message.", "custom fix.")

    try:
        r = archqa.validate_text("# T\n\n### Q1: A?\n\n**Answer**: x\n")
        assert any(f.rule == "links.custom-test" for f in r.findings)
    finally:
        del _RULES["links.custom-test"]
