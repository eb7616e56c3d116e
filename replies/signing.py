"""Digital signatures on issued letters (PAdES, pyHanko), and their verification.

An issued letter of a bureau that holds a signing certificate (proposals.credentials) is signed
once, at issuance, right after it is rendered: a PAdES baseline signature (with an RFC 3161 time
stamp when FUHAN_TSA_URL is set) over the whole file, so that a recipient can check that the
file is the one the bureau issued. `verify_letter_pdf` is what `manage.py verify_letter` and
the item page show: whether the file is signed, whether it is unchanged since, and by whom.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from proposals.credentials import SigningCredentials


def sign_pdf(pdf: bytes, *, credentials: SigningCredentials, reason: str) -> bytes:
    """`pdf` with a PAdES signature appended as an incremental update."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields
    from pyhanko.sign import signers
    from pyhanko.sign import timestamps

    signer = signers.SimpleSigner.load_pkcs12_data(
        credentials.pkcs12, other_certs=[], passphrase=credentials.password
    )
    meta = signers.PdfSignatureMetadata(
        field_name="复函签名",
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason,
    )
    timestamper = (
        timestamps.HTTPTimeStamper(settings.FUHAN_TSA_URL) if settings.FUHAN_TSA_URL else None
    )
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    out = signers.sign_pdf(writer, meta, signer=signer, timestamper=timestamper)
    return out.getvalue()


@dataclass(frozen=True)
class Verification:
    signed: bool
    intact: bool  # the signed bytes are unchanged and the signature checks out
    whole_file: bool  # nothing was added after the signature
    trusted: bool  # the signer chains to a root in FUHAN_SIGNING_TRUST_ROOTS
    timestamped: bool  # carries an RFC 3161 time stamp over the signature
    signer: str
    signed_at: str
    message: str  # one Chinese sentence for pages and the command line

    @classmethod
    def failed(cls, *, signed: bool, message: str) -> Verification:
        return cls(signed, False, False, False, False, "", "", message)

    @property
    def valid(self) -> bool:
        return self.signed and self.intact and self.whole_file


def _trust_roots() -> list:
    from asn1crypto import pem
    from asn1crypto import x509

    roots = []
    for name in settings.FUHAN_SIGNING_TRUST_ROOTS:
        data = Path(name).read_bytes()
        if pem.detect(data):
            data = pem.unarmor(data)[2]
        roots.append(x509.Certificate.load(data))
    return roots


def verify_pdf(pdf: bytes) -> Verification:
    """Check the last signature of `pdf` (unsigned files say so; damaged ones fail)."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        signatures = reader.embedded_signatures
    except Exception:  # any parse failure means a damaged file
        return Verification.failed(signed=False, message="文件已损坏，无法读取其中的签名")
    if not signatures:
        return Verification.failed(signed=False, message="未签名（该单位未配置签名证书）")
    roots = _trust_roots()
    context = ValidationContext(trust_roots=roots, allow_fetching=False) if roots else None
    try:
        status = validate_pdf_signature(signatures[-1], context)
    except Exception:  # a broken signature is an invalid one
        return Verification.failed(signed=True, message="签名无效：文件已被改动")
    signer = status.signing_cert.subject.human_friendly if status.signing_cert else ""
    stamp = status.timestamp_validity
    when = stamp.timestamp if stamp else status.signer_reported_dt
    signed_at = timezone.localtime(when).strftime("%Y-%m-%d %H:%M") if when else ""
    intact = bool(status.intact and status.valid)
    whole = status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    trusted = bool(roots) and bool(status.trusted)
    if not intact:
        message = "签名无效：签名后文件内容已被改动"
    elif not whole:
        message = "签名有效，但签名之后文件又被追加了内容"
    else:
        message = f"签名有效，文件自签名后未被改动（签名人：{signer}"
        message += f"，{signed_at}）" if signed_at else "）"
        if roots and not trusted:
            message += "；签名证书不属于受信任的证书机构"
    if stamp is not None:
        message += "；带可信时间戳" if stamp.intact and stamp.valid else "；时间戳无效"
    return Verification(True, intact, whole, trusted, stamp is not None, signer, signed_at, message)
