"""The seal over the 署名 and date, the bureau's signing certificate, signed letters, their
verification (a changed byte fails), and the editor preview served from the cache."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import shutil
import subprocess

import pdfplumber
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from PIL import Image

from core.choices import AssignmentState
from core.exceptions import ApplicationError
from proposals.models import Bureau
from proposals.seals import demo_seal_png
from proposals.seals import validate_seal_png
from replies import pdf as letter_pdf
from replies import services as rs
from replies.models import DocumentCounter
from replies.models import IssuedLetter
from replies.signing import verify_pdf
from tests.factories import AssignmentFactory
from tests.factories import ProposalFactory
from tests.factories import ReplyFactory
from tests.replies.pdf_support import issue_reference_letters
from tests.replies.pdf_support import page_count
from tests.replies.pdf_support import text_lines

pytestmark = pytest.mark.django_db
MM = 72 / 25.4
PITCH = 225 / 22


# --- seal -----------------------------------------------------------------------------------


def _png(mode: str = "RGBA", size: tuple[int, int] = (400, 400), fmt: str = "PNG") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, (255, 0, 0, 128) if mode == "RGBA" else (255, 0, 0)).save(out, fmt)
    return out.getvalue()


def _upload(data: bytes, name: str = "seal.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="image/png")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (_png(fmt="JPEG", mode="RGB"), "PNG 格式"),
        (b"GIF89a" + b"\0" * 100, "PNG 格式"),
        (b"%PDF-1.7\n", "PNG 格式"),
        (_png(mode="RGB"), "透明背景"),
        (_png(size=(50, 50)), "像素之间"),
        (b"\x89PNG\r\n\x1a\n" + b"\0" * 200, "已损坏"),
    ],
)
def test_seal_refuses_what_is_not_a_transparent_png(data, message):
    with pytest.raises(ValidationError, match=message):
        validate_seal_png(_upload(data))


def test_seal_refuses_an_oversize_file(settings):
    settings.FUHAN_SEAL_MAX_BYTES = 10_000
    with pytest.raises(ValidationError, match="不能超过"):
        validate_seal_png(_upload(_png() + b"\0" * 20_000))


def test_demo_seal_is_a_valid_transparent_png():
    validate_seal_png(_upload(demo_seal_png()))


def test_admin_upload_of_a_wrong_seal_changes_nothing(admin_client, world):
    url = reverse("admin:proposals_bureau_change", args=[world.bureau.pk])
    data = {
        "full_name": world.bureau.full_name,
        "short_name": world.bureau.short_name,
        "doc_prefix": world.bureau.doc_prefix,
        "letter_format": "file",
        "number_series": "shared",
        "signing_certificate": "",
        "seal": _upload(_png(fmt="JPEG", mode="RGB"), "seal.jpg"),
    }
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "印章图片须为 PNG 格式" in response.content.decode()
    world.bureau.refresh_from_db()
    assert not world.bureau.seal
    data["seal"] = _upload(demo_seal_png())
    assert admin_client.post(url, data).status_code == 302
    world.bureau.refresh_from_db()
    assert world.bureau.seal


def test_issued_letter_carries_the_seal_over_the_signature_and_date(world):
    world.bureau.seal.save("seal.png", ContentFile(demo_seal_png()))
    l50, _ = issue_reference_letters(world)
    pdf = l50.pdf
    last = page_count(pdf)
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        images = doc.pages[last - 1].images
    assert len(images) == 1
    seal = images[0]
    lines = text_lines(pdf, last)
    organ = next(ln for ln in lines if ln.text == "杭州市临安区经济和信息化局" and ln.size == 16)
    date = next(ln for ln in lines if ln.text == "2023年5月8日")
    body = [ln for ln in lines if ln.size == 16 and ln.top < organ.top]
    top, bottom = seal["top"] / MM, seal["bottom"] / MM
    x0, x1 = seal["x0"] / MM, seal["x1"] / MM
    assert abs((x0 + x1) / 2 - (date.x0 + date.x1) / 2) < 0.3  # centred on the date
    assert top < organ.top
    assert bottom > date.bottom
    assert 0 < top - body[-1].bottom < PITCH  # its top within one line of the text above
    centre = (top + bottom) / 2
    assert organ.top < centre < date.bottom  # the two rows sit a little below its centre
    assert abs((x1 - x0) - 42) < 0.5


@pytest.mark.parametrize("letter_format", ["file", "letter"])
def test_seal_over_a_signature_on_page_one_in_both_formats(world, letter_format):
    """A short letter: the 署名 stands on page 1, under the masthead, which the 信函格式 sets
    higher than the 文件格式; the seal follows the rows in both."""
    world.bureau.letter_format = letter_format
    world.bureau.save()
    world.bureau.seal.save("seal.png", ContentFile(demo_seal_png()))
    a = AssignmentFactory(proposal=ProposalFactory(session=world.npc_session), bureau=world.bureau)
    reply = ReplyFactory(assignment=a, body="短的正文。" * 3)
    context = letter_pdf.letter_context_from_reply(reply)
    context = dataclasses.replace(
        context,
        doc_number="临经信建复〔2026〕9号",
        issued_date=dt.date(2026, 5, 8),
        seal_png=demo_seal_png(),
    )
    pdf = letter_pdf.render_letter_pdf(context, draft=False)
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        (seal,) = doc.pages[0].images
    lines = text_lines(pdf, 1)
    organ = next(ln for ln in lines if ln.text == "杭州市临安区经济和信息化局" and ln.size == 16)
    date = next(ln for ln in lines if ln.text == "2026年5月8日")
    top, bottom = seal["top"] / MM, seal["bottom"] / MM
    assert top < organ.top
    assert bottom > date.bottom
    centre = (top + bottom) / 2
    assert organ.top < centre < date.top  # a little above the boundary between the two rows
    assert abs((seal["x0"] + seal["x1"]) / 2 / MM - (date.x0 + date.x1) / 2) < 0.3


def test_drafts_have_no_seal(world):
    world.bureau.seal.save("seal.png", ContentFile(demo_seal_png()))
    a = AssignmentFactory(proposal=ProposalFactory(session=world.npc_session), bureau=world.bureau)
    reply = ReplyFactory(assignment=a, body="正文。")
    context = letter_pdf.letter_context_from_reply(reply)
    assert context.seal_png is None
    pdf = letter_pdf.render_letter_pdf(context, draft=True)
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        assert not any(page.images for page in doc.pages)


# --- signing certificate --------------------------------------------------------------------


_CA_KEYS: dict = {}


def signing_ca_key(ca_cert):
    return _CA_KEYS[ca_cert.serial_number]


def _name(common: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "测试证书机构"),
            x509.NameAttribute(NameOID.COMMON_NAME, common),
        ]
    )


@pytest.fixture
def ca(tmp_path):
    """A throw-away CA and a bureau certificate it issued, made now."""
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(_name("测试根证书"))
        .issuer_name(_name("测试根证书"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(ca_key, hashes.SHA256())
    )

    def issue(common: str, *, days: int = 365) -> tuple:
        key = ec.generate_private_key(ec.SECP256R1())
        cert = (
            x509.CertificateBuilder()
            .subject_name(_name(common))
            .issuer_name(ca_cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=2))
            .not_valid_after(now + dt.timedelta(days=days))
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=True,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=False,
                    crl_sign=False,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .sign(ca_key, hashes.SHA256())
        )
        return key, cert

    root = tmp_path / "root.pem"
    root.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    _CA_KEYS[ca_cert.serial_number] = ca_key
    return issue, ca_cert, root


def _store(folder, name: str, key, cert, ca_cert, password: bytes) -> None:
    folder.mkdir(exist_ok=True)
    data = pkcs12.serialize_key_and_certificates(
        name.encode(),
        key,
        cert,
        [ca_cert],
        serialization.BestAvailableEncryption(password),
    )
    (folder / f"{name}.p12").write_bytes(data)


@pytest.fixture
def signing(settings, tmp_path, ca, monkeypatch):
    issue, ca_cert, root = ca
    settings.FUHAN_SIGNING_DIR = tmp_path / "signing"
    settings.FUHAN_SECRETS_DIR = tmp_path / "secrets"
    settings.FUHAN_SIGNING_TRUST_ROOTS = [str(root)]
    key, cert = issue("杭州市临安区经济和信息化局")
    _store(settings.FUHAN_SIGNING_DIR, "lin-jxj", key, cert, ca_cert, b"s3cret")
    monkeypatch.setenv("FUHAN_SIGNING_PASSWORD_LIN_JXJ", "s3cret")
    return issue, ca_cert


def test_certificate_reference_is_checked_with_clear_messages(
    world, signing, settings, monkeypatch
):
    issue, ca_cert = signing
    bureau = world.bureau
    bureau.signing_certificate = "lin-jxj"
    bureau.full_clean()  # opens with the password from the environment
    for name, message in [
        ("../etc/passwd", "证书名称只能包含"),
        ("missing", "找不到证书文件"),
    ]:
        bureau.signing_certificate = name
        with pytest.raises(ValidationError, match=message):
            bureau.full_clean()
    monkeypatch.setenv("FUHAN_SIGNING_PASSWORD_LIN_JXJ", "wrong")
    bureau.signing_certificate = "lin-jxj"
    with pytest.raises(ValidationError, match="密码不正确"):
        bureau.full_clean()
    # The secret store stands in when the environment has no password.
    monkeypatch.delenv("FUHAN_SIGNING_PASSWORD_LIN_JXJ")
    with pytest.raises(ValidationError, match="找不到证书“lin-jxj”的密码"):
        bureau.full_clean()
    settings.FUHAN_SECRETS_DIR.mkdir()
    (settings.FUHAN_SECRETS_DIR / "lin-jxj.password").write_text("s3cret\n")
    bureau.full_clean()
    key, cert = issue("过期单位", days=-1)
    _store(settings.FUHAN_SIGNING_DIR, "old", key, cert, ca_cert, b"pw")
    monkeypatch.setenv("FUHAN_SIGNING_PASSWORD_OLD", "pw")
    bureau.signing_certificate = "old"
    with pytest.raises(ValidationError, match="不在有效期内"):
        bureau.full_clean()


def test_admin_refuses_a_wrong_certificate_password_and_changes_nothing(
    admin_client, world, signing, monkeypatch
):
    monkeypatch.setenv("FUHAN_SIGNING_PASSWORD_LIN_JXJ", "wrong")
    url = reverse("admin:proposals_bureau_change", args=[world.bureau.pk])
    response = admin_client.post(
        url,
        {
            "full_name": world.bureau.full_name,
            "short_name": world.bureau.short_name,
            "doc_prefix": world.bureau.doc_prefix,
            "letter_format": "file",
            "number_series": "shared",
            "signing_certificate": "lin-jxj",
        },
    )
    assert response.status_code == 200
    assert "密码不正确" in response.content.decode()
    assert Bureau.objects.get(pk=world.bureau.pk).signing_certificate == ""


def test_signed_letter_verifies_and_a_changed_byte_fails(world, signing, tmp_path):
    world.bureau.signing_certificate = "lin-jxj"
    world.bureau.save()
    l50, _ = issue_reference_letters(world)
    result = verify_pdf(l50.pdf)
    assert result.signed
    assert result.intact
    assert result.whole_file
    assert result.trusted
    assert "杭州市临安区经济和信息化局" in result.signer
    assert result.message.startswith("签名有效")
    # The signed letter still reads as before.
    assert any(ln.text == "临经信建复〔2023〕41号" for ln in text_lines(l50.pdf, 1))
    # One changed byte inside the signed range: the signature fails.
    at = l50.pdf.index(b"/Contents") // 2
    tampered = bytearray(l50.pdf)
    tampered[at] = ord("0") if tampered[at] != ord("0") else ord("1")
    broken = verify_pdf(bytes(tampered))
    assert broken.signed
    assert not broken.valid
    assert broken.message.startswith("签名无效") or "损坏" in broken.message
    # Anything appended after signing is reported too.
    appended = verify_pdf(l50.pdf + b"\n% appended\n")
    assert not appended.valid


def test_a_configured_time_stamp_authority_stamps_the_signature(
    world, signing, settings, monkeypatch
):
    """With FUHAN_TSA_URL set the signature carries an RFC 3161 time stamp (the TSA here is
    pyHanko's own test TSA with a certificate from the test CA, not a network service)."""
    from asn1crypto import keys as asn1_keys
    from asn1crypto import x509 as asn1_x509
    from pyhanko.sign import timestamps

    _, ca_cert = signing
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)  # pyHanko's test TSA
    now = dt.datetime.now(dt.UTC)
    tsa_cert = (
        x509.CertificateBuilder()
        .subject_name(_name("测试时间戳服务"))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=2))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(
            x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.TIME_STAMPING]), critical=True
        )
        .sign(signing_ca_key(ca_cert), hashes.SHA256())
    )
    dummy = timestamps.DummyTimeStamper(
        tsa_cert=asn1_x509.Certificate.load(tsa_cert.public_bytes(serialization.Encoding.DER)),
        tsa_key=asn1_keys.PrivateKeyInfo.load(
            key.private_bytes(
                serialization.Encoding.DER,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        ),
    )
    urls = []

    def fake_tsa(url, *args, **kwargs):
        urls.append(url)
        return dummy

    monkeypatch.setattr(timestamps, "HTTPTimeStamper", fake_tsa)
    settings.FUHAN_TSA_URL = "http://tsa.invalid/tsr"
    world.bureau.signing_certificate = "lin-jxj"
    world.bureau.save()
    l50, _ = issue_reference_letters(world)
    assert urls == ["http://tsa.invalid/tsr"] * 2  # letters 50 and 46
    result = verify_pdf(l50.pdf)
    assert result.valid
    assert result.timestamped
    assert "时间戳" in result.message


def test_verify_letter_command(world, signing, tmp_path):
    world.bureau.signing_certificate = "lin-jxj"
    world.bureau.save()
    l50, _ = issue_reference_letters(world)
    out = io.StringIO()
    call_command("verify_letter", "临经信建复〔2023〕41号", stdout=out)
    assert "SHA-256：与印发时存档的一致" in out.getvalue()
    assert "电子签名：签名有效" in out.getvalue()
    copy = tmp_path / "received.pdf"
    data = bytearray(l50.pdf)
    data[len(data) // 3] ^= 0x01
    copy.write_bytes(bytes(data))
    out = io.StringIO()
    with pytest.raises(CommandError, match="核验未通过"):
        call_command("verify_letter", "临经信建复〔2023〕41号", "--file", str(copy), stdout=out)
    assert "不一致" in out.getvalue()
    with pytest.raises(CommandError, match="没有文号"):
        call_command("verify_letter", "临经信建复〔2023〕99号")


def test_unsigned_without_certificate_and_item_page_shows_the_result(client, world):
    l50, _ = issue_reference_letters(world)
    assert not verify_pdf(l50.pdf).signed
    out = io.StringIO()
    call_command("verify_letter", "临经信建复〔2023〕41号", stdout=out)
    assert "未签名" in out.getvalue()
    client.force_login(world.clerk)
    page = client.get(reverse("proposals:assignment", args=[l50.letter.reply.assignment_id]))
    assert "文件核验：未签名" in page.content.decode()


def test_item_page_shows_a_valid_signature(client, world, signing):
    world.bureau.signing_certificate = "lin-jxj"
    world.bureau.save()
    l50, _ = issue_reference_letters(world)
    client.force_login(world.npc)
    page = client.get(reverse("proposals:assignment", args=[l50.letter.reply.assignment_id]))
    assert "文件核验：签名有效，文件自签名后未被改动" in page.content.decode()


def test_a_certificate_that_no_longer_opens_stops_issuance_and_keeps_the_number(
    world, signing, monkeypatch
):
    world.bureau.signing_certificate = "lin-jxj"
    world.bureau.save()
    monkeypatch.setenv("FUHAN_SIGNING_PASSWORD_LIN_JXJ", "rotated")
    a = AssignmentFactory(
        proposal=ProposalFactory(session=world.npc_session),
        bureau=world.bureau,
        state=AssignmentState.APPROVED,
    )
    ReplyFactory(assignment=a, body="正文。")
    with pytest.raises(ApplicationError, match="复函未能签名，未印发"):
        rs.reply_issue(assignment_id=a.pk, actor=world.clerk)
    a.refresh_from_db()
    assert a.state == AssignmentState.APPROVED
    assert not IssuedLetter.objects.exists()
    assert not DocumentCounter.objects.filter(last_serial__gt=0).exists()


def test_pdfsig_sees_the_signature(world, signing, tmp_path):
    """A second, independent reader (poppler's pdfsig, from poppler-utils) finds the signature
    and calls it valid."""
    world.bureau.signing_certificate = "lin-jxj"
    world.bureau.save()
    l50, _ = issue_reference_letters(world)
    path = tmp_path / "letter.pdf"
    path.write_bytes(l50.pdf)
    pdfsig = shutil.which("pdfsig")
    assert pdfsig, "pdfsig is missing: poppler-utils (scripts/dev.sh installs it)"
    result = subprocess.run(  # noqa: S603
        [pdfsig, "-nocert", str(path)], capture_output=True, check=False
    )
    assert b"Signature #1" in result.stdout
    assert b"Signature is Valid" in result.stdout


# --- preview cache --------------------------------------------------------------------------


def test_preview_serves_identical_content_from_the_cache(client, world, monkeypatch):
    a = AssignmentFactory(
        proposal=ProposalFactory(session=world.npc_session),
        bureau=world.bureau,
        state=AssignmentState.DRAFTING,
    )
    ReplyFactory(assignment=a, body="已保存的正文。")
    client.force_login(world.clerk)
    calls = []
    real = letter_pdf.render_letter_pdf

    def counting(context, *, draft):
        calls.append(context)
        return real(context, draft=draft)

    monkeypatch.setattr(letter_pdf, "render_letter_pdf", counting)
    url = reverse("replies:preview", args=[a.pk])
    first = client.post(url, {"body": "缓存测试正文。", "answer_class": "A"})
    second = client.post(url, {"body": "缓存测试正文。", "answer_class": "A"})
    assert first.content == second.content
    assert len(calls) == 1
    third = client.post(url, {"body": "缓存测试正文，改了一个字。", "answer_class": "A"})
    assert third.content != first.content
    assert len(calls) == 2
