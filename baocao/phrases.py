"""The report's wording: small Jinja templates a department can edit (``templates/phrases.yaml``).

They render in a sandbox with StrictUndefined: a misspelt name stops the run and says which phrase and name.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml
from jinja2 import StrictUndefined, TemplateError, UndefinedError
from jinja2.sandbox import SandboxedEnvironment

from baocao.errors import ConfigError
from baocao.vietnamese import capitalize_first, lower_first
from baocao.yamlfile import parse_yaml

REQUIRED_GROUPS = (
    "summary",
    "lead",
    "completeness",
    "headings",
    "indicator",
    "limitations",
    "proposals",
    "tasks",
    "charts",
    "annex",
    "mail",
    "rules",
)


def _environment() -> SandboxedEnvironment:
    env = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False)
    env.filters["lower_first"] = lower_first
    env.filters["capitalize_first"] = capitalize_first
    return env


class Phrases:
    """Wording loaded from YAML; ``say('indicator.flow', ...)`` renders one phrase."""

    def __init__(self, data: dict[str, Any], source: str = "phrases.yaml") -> None:
        missing = [g for g in REQUIRED_GROUPS if g not in data]
        if missing:
            raise ConfigError(f"thiếu nhóm câu chữ: {', '.join(missing)}", source)
        self.data = data
        self.source = source
        self._env = _environment()
        self._compiled = cache(self._compile)

    def raw(self, key: str) -> Any:
        """The raw value at a dotted key (used for rules and numbers)."""
        node: Any = self.data
        for part in key.split("."):
            if not isinstance(node, dict) or part not in node:
                raise ConfigError(f"thiếu câu chữ {key!r}", self.source)
            node = node[part]
        return node

    def variants(self, key: str) -> int:
        """How many wordings a phrase has (a list in the YAML gives several, so sentences in a row differ)."""
        value = self.raw(key)
        return len(value) if isinstance(value, list) and value else 1

    def _compile(self, key: str, variant: int = 0) -> Any:
        text = self.raw(key)
        if isinstance(text, list) and text:
            text = text[variant % len(text)]
        if not isinstance(text, str):
            raise ConfigError(f"câu chữ {key!r} phải là văn bản (hoặc danh sách văn bản)", self.source)
        try:
            return self._env.from_string(text)
        except TemplateError as exc:
            raise ConfigError(f"câu chữ {key!r} không phải mẫu hợp lệ: {exc}", self.source) from exc

    def _render(self, key: str, values: dict[str, Any], variant: int = 0) -> str:
        template = self._compiled(key, variant % self.variants(key))
        try:
            return str(template.render(**values))
        except UndefinedError as exc:
            raise ConfigError(f"câu chữ {key!r} dùng tên không có: {exc.message}", self.source) from exc
        except TemplateError as exc:
            raise ConfigError(f"câu chữ {key!r} lỗi: {exc}", self.source) from exc

    def say(self, key: str, **values: Any) -> str:
        """Render the phrase at ``key`` with ``values``; whitespace collapsed to single spaces."""
        return " ".join(self._render(key, values).split())

    def say_variant(self, key: str, variant: int, values: dict[str, Any]) -> str:
        """Render the ``variant``-th wording of a phrase (cycling where it has fewer), like ``say``."""
        return " ".join(self._render(key, values, variant).split())

    def lines(self, key: str, **values: Any) -> str:
        """Render a multi-line phrase (a mail body), keeping its lines."""
        return "\n".join(line.rstrip() for line in self._render(key, values).strip().splitlines()) + "\n"


def load_phrases(path: Path) -> Phrases:
    """Read the wording file."""
    try:
        data = parse_yaml(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError("không tìm thấy tệp", path) from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"not valid YAML: {exc}", path) from exc
    if not isinstance(data, dict):
        raise ConfigError("expected a mapping of phrase groups", path)
    return Phrases(data, str(path))
