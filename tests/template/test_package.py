"""The built package (issue 9): the layer's unzipped size, nothing the Lambda runtime already provides,
small function code. Sizes are deterministic for pinned requirements, so they are tested; timings are not
(they are figures in docs/PERFORMANCE.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tools.bench.package import RUNTIME_PROVIDED, build, size_bytes

LAYER_LIMIT_BYTES = 15 * 2**20
FUNCTION_CODE_LIMIT_BYTES = 64 * 2**10
# jmespath is a dependency of aws-lambda-powertools (its own pin in layers/ecoguard/requirements.txt, 60 KB);
# botocore also brings one to the runtime, but the layer must not depend on which version that is.
JUSTIFIED = frozenset({"jmespath"})


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    build_dir = tmp_path_factory.mktemp("sam") / "build"
    build(build_dir)
    return build_dir


@pytest.mark.template
def test_given_the_built_layer_then_it_is_at_most_15_mb_unzipped(built: Path) -> None:
    size = size_bytes(built / "EcoguardLayer")
    assert 0 < size <= LAYER_LIMIT_BYTES, f"layer is {size / 2**20:.2f} MB unzipped"


@pytest.mark.template
def test_given_the_built_layer_then_it_bundles_nothing_the_runtime_provides_unless_justified(built: Path) -> None:
    layer = built / "EcoguardLayer" / "python"
    bundled = {name for name in RUNTIME_PROVIDED if (layer / name).exists()}
    assert bundled <= JUSTIFIED, f"bundled although the python3.12 runtime provides them: {bundled - JUSTIFIED}"
    assert not (layer / "boto3").exists() and not (layer / "botocore").exists()


@pytest.mark.template
def test_given_each_built_function_then_its_code_is_only_its_handler(built: Path) -> None:
    functions = [d for d in built.iterdir() if d.is_dir() and d.name.endswith("Function")]
    assert len(functions) >= 8
    for function in functions:
        assert (function / "app.py").is_file(), function.name
        assert size_bytes(function) <= FUNCTION_CODE_LIMIT_BYTES, function.name


@pytest.mark.template
def test_given_the_built_layer_then_it_carries_its_own_time_zone_database(built: Path) -> None:
    # A policy's off-hours time zone must resolve on a runtime without /usr/share/zoneinfo.
    assert (built / "EcoguardLayer" / "python" / "tzdata" / "zoneinfo" / "Europe" / "Paris").is_file()
