"""manage.py create_signing_key and verify_certificate (against a running server)."""

import json

import pytest
from django.core.management import CommandError, call_command

from certificates import rendering, selectors, services, signing, verification
from certificates.models import SigningKey


def test_create_signing_key_if_missing_is_idempotent(db, capsys):
    call_command("create_signing_key", "--if-missing")
    call_command("create_signing_key", "--if-missing")
    assert SigningKey.objects.count() == 1
    out = capsys.readouterr().out
    assert "Created signing key" in out and "Kept signing key" in out
    call_command("create_signing_key")
    assert SigningKey.objects.count() == 2
    assert SigningKey.objects.filter(is_active=True).count() == 1


def _replace_credential(pdf: bytes, token: str) -> bytes:
    """The same certificate rendered again carrying another credential."""
    import io

    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    writer._root_object["/Names"]["/EmbeddedFiles"]["/Names"].clear()
    writer.add_attachment("forged.jwt", token.encode())
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def run(pdf_path, server, *extra):
    from io import StringIO

    out = StringIO()
    call_command(
        "verify_certificate", str(pdf_path), "--server", server, *extra, stdout=out
    )
    return out.getvalue()


@pytest.mark.django_db(transaction=True)
def test_verify_certificate_against_the_server(
    migrated_data, live_server, completed, tmp_path, settings
):
    settings.CERTIFICATES_VERIFY_RATE_LIMIT = 1000
    settings.CERTIFICATES_SITE_URL = live_server.url
    certificate = services.certificate_issue(
        user=completed["user"], course_key=completed["course"].translation_key
    ).certificate
    pdf = certificate.pdf.read()
    good = tmp_path / "good.pdf"
    good.write_bytes(pdf)
    out = run(good, live_server.url)
    assert "signature: valid" in out and "identical to the PDF issued" in out
    assert "status:    valid" in out and "Verified." in out

    # Offline key set: the public key only, saved earlier; rotation keeps it valid.
    jwks = tmp_path / "jwks.json"
    jwks.write_text(json.dumps(selectors.jwks()))
    services.signing_key_create()
    assert "Verified." in run(good, live_server.url, "--jwks", str(jwks))

    # One byte changed (in the binary comment after the header, so the file still
    # opens and carries its credential): the hash no longer matches.
    changed = bytearray(pdf)
    assert changed[9:10] == b"%" and changed[10] >= 0x80
    changed[10] ^= 0x01
    edited = tmp_path / "edited.pdf"
    edited.write_bytes(bytes(changed))
    with pytest.raises(CommandError):
        run(edited, live_server.url)

    # A credential edited to another name: the signature fails.
    header, body, signature = certificate.credential.split(".")
    claims = json.loads(signing.jwt.utils.base64url_decode(body))
    claims["vc"]["credentialSubject"]["identifier"][0]["identityHash"] = "SOMEONE Else"
    forged_body = signing.jwt.utils.base64url_encode(
        json.dumps(claims).encode()
    ).decode()
    forged = tmp_path / "forged.pdf"
    forged.write_bytes(_replace_credential(pdf, f"{header}.{forged_body}.{signature}"))
    with pytest.raises(CommandError) as failure:
        run(forged, live_server.url)
    assert "did not verify" in str(failure.value)
    report = verification.check(forged.read_bytes(), jwks=selectors.jwks(), record=None)
    assert not report.signature_ok and report.code == certificate.code

    # Revoked: signature and file fine, status not.
    services.certificate_revoke(certificate=certificate, actor=None, reason="Fraud")
    with pytest.raises(CommandError):
        run(good, live_server.url)


def test_a_pdf_without_credential_is_refused(tmp_path, db):
    path = tmp_path / "plain.pdf"
    path.write_bytes(rendering.pdf_render("<html><body><p>x</p></body></html>"))
    with pytest.raises(CommandError, match="no signed credential"):
        run(path, "http://127.0.0.1:9")
