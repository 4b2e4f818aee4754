"""Setup: a province's configuration, the catalogue and the wording, with the files they came from.

Below the pipeline (baocao/report.py) and beside the stages: delivery and the national run need a Setup
without needing the pipeline.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from baocao.catalogue import Catalogue, load_catalogue
from baocao.errors import ConfigError, PeriodError
from baocao.intake.rules import RuleSet, load_rules
from baocao.paths import DEFAULT_OUTPUTS as DEFAULT_OUTPUTS
from baocao.paths import PROJECT_ROOT as PROJECT_ROOT
from baocao.paths import SAMPLE_INPUTS as SAMPLE_INPUTS
from baocao.paths import TEMPLATES as TEMPLATES
from baocao.periods import Period
from baocao.phrases import Phrases, load_phrases
from baocao.province import Province, load_province
from baocao.yamlfile import parse_yaml


@dataclass(frozen=True)
class Setup:
    """A province's configuration, the catalogue and the wording, with where they came from."""

    inputs: Path
    templates: Path
    catalogue: Catalogue
    province: Province
    phrases: Phrases
    sources: tuple[Path, ...] = ()
    rules: RuleSet = field(default_factory=RuleSet)

    @property
    def slug(self) -> str:
        """The province folder's name, used for its outputs folder."""
        return self.inputs.resolve().name

    def folder(self, name: str) -> Path:
        """A folder named in province.yaml: relative to the province folder, or absolute."""
        return self.inputs / name

    @property
    def submissions(self) -> Path:
        """Where the province's submissions live: ``<inputs>/submissions/<quarter>/``."""
        return self.inputs / "submissions"


def _own_or_default(inputs: Path, templates: Path, name: str) -> Path:
    """A province may override a shared file by putting its own copy beside province.yaml."""
    own = inputs / name
    return own if own.is_file() else templates / name


def setup_sources(inputs: Path, templates: Path = TEMPLATES) -> tuple[Path, ...]:
    """The files a province's report is configured by: province.yaml, indicators, phrases, rules (the
    province's own copy if any), the document templates, then the predecessors' crosswalk and
    province.yaml files (a 2025 province's, see declared_predecessors)."""
    shared = (
        _own_or_default(inputs, templates, n) for n in ("indicators.yaml", "phrases.yaml", "rules.yaml")
    )
    layout = (templates / name for name in ("report.docx", "report.html.j2", "report.css"))
    declared = declared_predecessors(inputs)
    history = (
        (declared.crosswalk, *(folder / "province.yaml" for folder in declared.folders)) if declared else ()
    )
    return (inputs / "province.yaml", *shared, *layout, *history)


@dataclass(frozen=True)
class Declared:
    """What province.yaml's ``predecessors`` block names, read without checking the configuration."""

    last_quarter: Period
    crosswalk: Path
    folders: tuple[Path, ...]


def declared_predecessors(inputs: Path) -> Declared | None:
    """The crosswalk and the predecessors' folders province.yaml names (None without any, or if the block
    cannot be read: load_setup then says what is wrong); cheap, for digests that parse no configuration."""
    try:
        data = parse_yaml((inputs / "province.yaml").read_text(encoding="utf-8"))
        block = data.get("predecessors") if isinstance(data, dict) else None
        if not isinstance(block, dict):
            return None
        folders = tuple(inputs / str(p["folder"]) for p in block.get("provinces") or ())
        last = Period.parse(str(block["last_quarter"]))
        return Declared(last, inputs / str(block.get("crosswalk", "crosswalk.csv")), folders)
    except (OSError, UnicodeDecodeError, yaml.YAMLError, KeyError, TypeError, PeriodError):
        return None


def load_setup(inputs: Path, templates: Path = TEMPLATES) -> Setup:
    """Read and check the configuration of the province folder ``inputs``."""
    if not (inputs / "province.yaml").is_file():
        raise ConfigError("không có province.yaml: --inputs phải là thư mục của một tỉnh", inputs)
    sources = setup_sources(inputs, templates)
    _, catalogue_path, phrases_path, rules_path = sources[:4]
    catalogue = load_catalogue(catalogue_path)
    province = load_province(inputs / "province.yaml", catalogue)
    phrases = load_phrases(phrases_path)
    rules = load_rules(rules_path, catalogue)
    return Setup(inputs, templates, catalogue, province, phrases, sources, rules)


def latest_quarter(submissions: Path) -> Period:
    """The latest quarter that has a folder with at least one file under ``submissions``."""
    quarters = []
    for folder in submissions.iterdir() if submissions.is_dir() else []:
        try:
            period = Period.parse(folder.name)
        except PeriodError:
            continue
        if period.kind == "quarter" and any(p.is_file() for p in folder.iterdir()):
            quarters.append(period)
    if not quarters:
        raise ConfigError(
            "chưa có thư mục quý nào có báo cáo của đơn vị (ví dụ submissions/2024-Q2/)", submissions
        )
    return max(quarters)
