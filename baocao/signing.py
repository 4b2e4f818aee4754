"""Signing a province's report file: its ``signing`` configuration (images, keys, trust roots) applied to
a PDF on disk, for ``baocao sign``, ``baocao verify`` and the pipeline (``baocao run --sign``, the flow).

Light at import: pyHanko is imported by the functions that sign or verify, so that importing the pipeline
costs nothing when no report is signed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextlib import ExitStack, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from baocao.errors import BaocaoError, SigningError
from baocao.files import write_bytes_atomic
from baocao.issued import VERSIONS
from baocao.province import Province, Signing

if TYPE_CHECKING:
    from baocao.issuing import Issue
    from baocao.keys import KeySource
    from baocao.sign import Appearance, Role
    from baocao.verify import SignatureCheck

BOTH: tuple[Role, ...] = ("signer", "agency")


@dataclass(frozen=True)
class SignOutcome:
    """Whether a run signed its PDF: not asked, signed (by whom), or failed (why, in Vietnamese)."""

    status: Literal["not-requested", "signed", "failed"] = "not-requested"
    message: str = ""
    roles: tuple[Role, ...] = ()  # whose signatures the PDF holds after it

    @property
    def failed(self) -> bool:
        """Signing was asked for and did not happen (the documents are written unsigned)."""
        return self.status == "failed"


def signing_of(province: Province) -> Signing:
    """The province's signing configuration, or the defaults (images beside province.yaml)."""
    return province.signing or Signing()


def signs_reports(province: Province) -> bool:
    """Whether runs sign without being asked (``signing.sign_reports``)."""
    return province.signing is not None and province.signing.sign_reports


def _file(folder: Path, name: str) -> Path:
    path = Path(name).expanduser()
    return path if path.is_absolute() else folder / path


def appearance_of(province: Province, folder: Path) -> Appearance:
    """The images and seal size of the province (files in its folder), checked to exist."""
    from baocao.sign import Appearance

    signing = signing_of(province)
    appearance = Appearance(
        signature_image=_file(folder, signing.signature_image),
        seal_image=_file(folder, signing.seal_image),
        seal_mm=signing.seal_mm,
        location=province.place,
    )
    for path in (appearance.signature_image, appearance.seal_image):
        if not path.is_file():
            raise SigningError(f"không có tệp ảnh {path} (signing trong province.yaml)")
    return appearance


def trust_root_paths(province: Province | None, folder: Path, extra: Sequence[Path] = ()) -> list[Path]:
    """The configured trust roots (files in the province folder) and those given on the command line."""
    configured = [] if province is None else [_file(folder, n) for n in signing_of(province).trust_roots]
    return [*configured, *extra]


def sources_for(
    province: Province,
    folder: Path,
    roles: Sequence[Role],
    *,
    pkcs12: Path | None = None,
    module: Path | None = None,
    slot: int | None = None,
    key_label: str | None = None,
) -> dict[Role, KeySource]:
    """Each role's key, the command line's choice over the configuration's."""
    from baocao.keys import key_source

    signing = signing_of(province)
    return {
        role: key_source(
            role,
            signing.signer if role == "signer" else signing.agency,
            folder,
            pkcs12=pkcs12,
            module=module,
            slot=slot,
            key_label=key_label,
        )
        for role in roles
    }


@dataclass(frozen=True)
class Signers:
    """Who signs and with which keys: the roles, in order; their keys (default: the configuration's); how
    a PIN is asked and where else it is looked up."""

    roles: Sequence[Role] = BOTH
    sources: Mapping[Role, KeySource] | None = None
    ask: Callable[[str], str] | None = None
    env: Mapping[str, str] | None = None


def signed_bytes(
    data: bytes, province: Province, folder: Path, signers: Signers, issue: Issue | None = None
) -> bytes:
    """The report ``data`` signed (the signer, then the agency, or the roles given); with ``issue``, the
    agency's signature writes the number of issue into the report's blanks (baocao/issuing.py)."""
    from baocao.keys import opened_key, pin_for
    from baocao.sign import sign_report

    roles = signers.roles
    if issue is not None and "agency" not in roles:
        raise SigningError("số văn bản do văn thư ghi khi ký số của cơ quan (--as agency hoặc both)")
    appearance = appearance_of(province, folder)
    sources = signers.sources if signers.sources is not None else sources_for(province, folder, roles)
    pins = {role: pin_for(sources[role], signers.env, signers.ask) for role in roles}
    title, name = province.signer.title.upper(), province.signer.name
    with ExitStack() as stack:
        keys = {role: stack.enter_context(opened_key(sources[role], pins[role])) for role in roles}
        if issue is None:
            return sign_report(data, appearance, title, name, keys.get("signer"), keys.get("agency"))
        from baocao.issuing import sign_issued

        if "signer" in keys:
            data = sign_report(data, appearance, title, name, signer=keys["signer"])
        return sign_issued(data, appearance, title, name, keys["agency"], issue, province.agency.abbreviation)


def sign_file(
    path: Path,
    province: Province,
    folder: Path,
    roles: Sequence[Role] = BOTH,
    sources: Mapping[Role, KeySource] | None = None,
    *,
    ask: Callable[[str], str] | None = None,
    env: Mapping[str, str] | None = None,
    target: Path | None = None,
) -> Path:
    """Sign the report at ``path`` (the signer, then the agency, or the roles given) and write it to
    ``target`` (default: in place), atomically; SigningError, in Vietnamese, if a key or token is missing."""
    signed = signed_bytes(path.read_bytes(), province, folder, Signers(roles, sources, ask, env))
    return write_bytes_atomic(target or path, signed)


def sign_kept(
    path: Path,
    province: Province,
    folder: Path,
    signers: Signers,
    *,
    issue: Issue | None = None,
    started_by: str = "",
    target: Path | None = None,
    locked: bool = False,
) -> tuple[Path, int | None]:
    """Sign a report's PDF. When it is a kept version's (the period's latest PDF, or a file of
    ``versions/<n>/``) and no ``target`` is given, the signed set is kept as the period's next version,
    recording the roles and the number and date of issue, and becomes the latest set (a kept file is never
    rewritten); any other file is signed in place, or into ``target``. ``locked``: the caller holds the
    period's lock. Returns the signed file and the new version's number (None if none was kept)."""
    from baocao.files import exclusive
    from baocao.versions import keep_signed, kept_version_of, latest_follows

    kept = None if target is not None else kept_version_of(path)
    if kept is None:
        signed = signed_bytes(path.read_bytes(), province, folder, signers, issue)
        return write_bytes_atomic(target or path, signed), None
    period_folder, base = kept
    with nullcontext() if locked else exclusive(period_folder / ".lock"):
        latest_follows(period_folder)
        data = (period_folder / VERSIONS / str(base) / path.name).read_bytes()
        signed = signed_bytes(data, province, folder, signers, issue)
        changes: dict[str, object] = {"signed": signatures_of(signed)}
        if issue is not None:
            changes["report_number"] = issue.number
            if issue.date is not None:
                changes["report_date"] = issue.date.isoformat()
        number = keep_signed(period_folder, base, path.name, signed, started_by, changes)
    return period_folder / path.name, number


def signed_unchanged(path: Path, province: Province, folder: Path, started_by: str = "") -> SignOutcome:
    """A run asked to sign found its report unchanged: the kept PDF at ``path`` gets the signatures it
    lacks, kept as the next version (the caller holds the period's lock), or is said to be signed already."""
    present = signatures_of(path.read_bytes())
    missing = tuple(role for role in BOTH if role not in present)
    if not missing:
        return SignOutcome("signed", f"{path.name} đã có chữ ký số (lãnh đạo và cơ quan) từ trước", BOTH)
    try:
        _, version = sign_kept(path, province, folder, Signers(missing), started_by=started_by, locked=True)
    except BaocaoError as exc:
        return SignOutcome("failed", f"chưa ký số {path.name}: {exc}")
    who = " và ".join({"signer": "lãnh đạo", "agency": "cơ quan"}[r] for r in missing)
    kept = f", lưu thành lần {version}" if version is not None else ""
    return SignOutcome("signed", f"đã ký số {path.name} ({who}; báo cáo không đổi{kept})", BOTH)


def keys_configured(province: Province) -> bool:
    """Whether ``province.yaml`` names both keys (the leader's and the agency's)."""
    return province.signing is not None and None not in (province.signing.signer, province.signing.agency)


def pin_clashes(folders: Sequence[Path]) -> dict[str, str]:
    """For a run of several provinces: those (by folder name) whose key takes its PIN from a variable that
    another province's different key uses too, with why they are not signed (a PIN given once would be
    tried on the other token, and tokens lock after a few wrong PINs)."""
    from baocao.province import load_province

    users: dict[str, dict[tuple[object, ...], set[str]]] = {}
    for folder in folders:
        try:
            province = load_province(folder / "province.yaml")
            if not keys_configured(province):
                continue
            sources = sources_for(province, folder, BOTH)
        except BaocaoError:
            continue  # the run says what is wrong with it
        for source in sources.values():
            if source.pin_file is None:
                key = (source.pkcs12, source.module, source.slot, source.token_label, source.key_label)
                users.setdefault(source.pin_env, {}).setdefault(key, set()).add(folder.name)
    clashes: dict[str, str] = {}
    for variable, keys in users.items():
        if len(keys) > 1:
            names = sorted(set().union(*keys.values()))
            for name in names:
                clashes[name] = (
                    f"không ký số: biến {variable} cấp mã PIN cho khóa của nhiều tỉnh ({', '.join(names)}); "
                    "đặt pin_env (hoặc pin_file) riêng cho từng tỉnh trong province.yaml"
                )
    return clashes


def signatures_of(pdf: bytes) -> list[str]:
    """The roles whose signatures ``pdf`` holds, in signing order ('signer', 'agency')."""
    from baocao.sign import FIELD_NAMES, signed_fields

    present = signed_fields(pdf)
    return [role for role in BOTH if FIELD_NAMES[role] in present]


def sign_annex_file(
    path: Path,
    province: Province,
    number: str,
    source: KeySource,
    *,
    ask: Callable[[str], str] | None = None,
    env: Mapping[str, str] | None = None,
    target: Path | None = None,
) -> Path:
    """Sign an annex issued as a file of its own with the agency's key: no image, the number and the time
    at the top right of its first page."""
    from baocao.keys import opened_key, pin_for
    from baocao.sign import sign_annex

    pin = pin_for(source, env, ask)
    data = path.read_bytes()
    agency = province.author or province.agency.name
    with opened_key(source, pin) as key:
        signed = sign_annex(data, key, number, agency, province.place)
    return write_bytes_atomic(target or path, signed)


def signed_in_place(path: Path, province: Province, folder: Path) -> SignOutcome:
    """The pipeline's signing of a report it wrote: both signatures, keys and PINs from the configuration
    and the environment (no prompt); a failure leaves the PDF unsigned and says why."""
    try:
        sign_file(path, province, folder, BOTH)
    except BaocaoError as exc:
        return SignOutcome("failed", f"chưa ký số {path.name}: {exc}")
    return SignOutcome("signed", f"đã ký số {path.name} (lãnh đạo và cơ quan)", BOTH)


def checks_of(path: Path, roots: Sequence[Path]) -> list[SignatureCheck]:
    """Every signature of the PDF at ``path``, checked against the trust roots in ``roots``."""
    from baocao.verify import check_signatures, trust_roots

    return check_signatures(path.read_bytes(), trust_roots(roots))
