"""The configuration's YAML reads the same through libyaml, and fails with the same messages."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from baocao.yamlfile import parse_yaml

ROOT = Path(__file__).resolve().parents[1]
CONFIGURATION = sorted([*(ROOT / "templates").glob("*.yaml"), *(ROOT / "inputs").rglob("*.yaml")])


def test_the_fast_parser_is_libyaml() -> None:
    assert yaml.__with_libyaml__  # else parse_yaml is right but slow: PyYAML was built without libyaml


@pytest.mark.parametrize("path", CONFIGURATION, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_configuration_file_reads_as_with_safe_load(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert parse_yaml(text) == yaml.safe_load(text)


@pytest.mark.parametrize(
    "text",
    [
        "fields: [\n  - {code: F1",
        "code: [unclosed\n",
        "a: 1\n a: 2\n",
        "- x\ny: 1\n",
        "a: !!python/object:os.system x",
    ],
)
def test_bad_text_fails_with_the_pure_python_message(text: str) -> None:
    with pytest.raises(yaml.YAMLError) as expected:
        yaml.safe_load(text)
    with pytest.raises(yaml.YAMLError) as got:
        parse_yaml(text)
    assert str(got.value) == str(expected.value)
    assert "line" in str(got.value)  # where the problem is, for the one-line error
