"""The build cache of tests/builds: one-line causes, reuse, and skips that say why."""

from __future__ import annotations

import pytest

import tests.builds as builds


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setattr(builds, "CACHE", tmp_path / "cache")
    monkeypatch.delenv(builds.BUILT_ENV, raising=False)
    return tmp_path / "cache"


def _artifact(name, build, recipe="r1"):
    return builds.Artifact(name, recipe, build)


def test_a_missing_toolchain_is_one_line_and_remembered_for_the_tests(cache, monkeypatch):
    def build(artifact, out, log):
        log.run(["no-such-compiler-xyz", "build"], "building thing")
        raise AssertionError("not reached")

    thing = _artifact("thing", build)
    with pytest.raises(builds.Unavailable) as caught:
        thing.ensure()
    assert str(caught.value) == "building thing: no-such-compiler-xyz is not installed"
    monkeypatch.setenv(builds.BUILT_ENV, "1")  # as scripts/test sets it after building
    with pytest.raises(builds.Unavailable, match="no-such-compiler-xyz is not installed"):
        thing.result()


def test_a_failed_command_names_its_first_error_line_and_the_log(cache):
    def build(artifact, out, log):
        log.run(["sh", "-c", "echo go: downloading x; echo 'main.go:3: syntax error near }' >&2; exit 1"],
                "building thing")

    with pytest.raises(builds.Unavailable) as caught:
        _artifact("thing", build).ensure()
    message = str(caught.value)
    assert message.startswith("building thing failed: main.go:3: syntax error near }") and "\n" not in message
    assert str(cache / "logs" / "thing.log") in message


def test_a_build_is_reused_until_its_recipe_changes(cache):
    runs = []

    def build(artifact, out, log):
        runs.append(artifact.recipe)
        (out / "prog").write_text("#!/bin/sh\n")
        return out / "prog"

    first, cached = _artifact("thing", build).ensure()
    assert not cached and first.exists()
    again, cached = _artifact("thing", build).ensure()
    assert cached and again == first
    changed, cached = _artifact("thing", build, recipe="r2").ensure()
    assert not cached and changed != first and not first.exists()  # the old recipe's build is gone
    assert runs == ["r1", "r2"]


def test_an_unbuilt_artifact_skips_with_its_cause(cache, monkeypatch):
    monkeypatch.setenv(builds.BUILT_ENV, "1")
    monkeypatch.setattr(builds, "all_artifacts", lambda: {"thing": _artifact("thing", None)})
    with pytest.raises(pytest.skip.Exception, match="thing unavailable: thing was not built"):
        builds.available("thing")
