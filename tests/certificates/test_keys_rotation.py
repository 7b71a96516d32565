"""Signing keys survive a rotation of the secrets that encrypt them: the secret key
rotated Django's way, the key-encryption key rotated with its command, a wrong
KEK said clearly, production refusing to start without one. Signatures are
checked with joserfc (not PyJWT, which signs) against the keys the site serves,
and the private keys with ``cryptography`` directly."""

import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from joserfc import jwt as jose_jwt
from joserfc.jwk import KeySet

from certificates import selectors, services, signing
from certificates.models import Certificate, SigningKey
from tests.certificates.conftest import complete
from tests.factories import UserFactory

pytestmark = pytest.mark.filterwarnings("ignore:EdDSA is deprecated")

BASE_DIR = Path(__file__).resolve().parent.parent.parent
OLD_SECRET = "old-secret-key-" + "o" * 50
NEW_SECRET = "new-secret-key-" + "n" * 50
KEK_A = "kek-a-" + "a" * 40
KEK_B = "kek-b-" + "b" * 40


def served_jwks(client) -> KeySet:
    return KeySet.import_key_set(client.get("/.well-known/jwks.json").json())


def jose_verifies(client, certificate) -> bool:
    token = jose_jwt.decode(
        certificate.credential, served_jwks(client), algorithms=["EdDSA"]
    )
    return token.claims["vc"]["id"].endswith(f"/verify/{certificate.code}/")


def decrypts_with(key: SigningKey, passphrase: str) -> bool:
    try:
        serialization.load_pem_private_key(
            key.private_key_pem.encode(), password=passphrase.encode()
        )
    except ValueError:
        return False
    return True


def issue(course):
    learner = UserFactory()
    complete(learner, course)
    return services.certificate_issue(
        user=learner, course_key=course.translation_key
    ).certificate


def run(command, *args) -> str:
    out = StringIO()
    call_command(command, *args, stdout=out)
    return out.getvalue()


def test_rotating_the_secret_key_with_the_old_one_in_fallbacks_keeps_signing(
    client, course, template, settings
):
    # The embedded default: no KEK, keys encrypted with the secret key.
    settings.CERTIFICATES_KEK = ""
    settings.SECRET_KEY = OLD_SECRET
    before = issue(course)
    [key] = SigningKey.objects.all()
    assert decrypts_with(key, OLD_SECRET)

    settings.SECRET_KEY = NEW_SECRET
    settings.SECRET_KEY_FALLBACKS = [OLD_SECRET]
    after = issue(course)
    assert after.key_id == before.key_id == key.kid
    for certificate in (before, after):
        assert jose_verifies(client, certificate)
        report = services.certificate_credential_check(certificate=certificate)
        assert report.signature_ok and report.revocation == "not_revoked"
    assert "Every credential verifies." in run("check_credentials")

    # Without the old secret key, nothing decrypts the key: said, not silent.
    settings.SECRET_KEY_FALLBACKS = []
    with pytest.raises(services.SigningKeyLocked) as locked:
        issue(course)
    assert key.kid in str(locked.value)
    assert "SECRET_KEY_FALLBACKS" in str(locked.value)
    # What was issued still verifies: only the public keys are needed for that.
    assert jose_verifies(client, before)


def test_rotating_the_kek_with_the_command_keeps_every_credential_verifying(
    client, course, template, settings
):
    settings.CERTIFICATES_KEK = KEK_A
    first = issue(course)
    run("rotate_signing_key")
    second = issue(course)
    assert first.key_id != second.key_id
    assert all(decrypts_with(key, KEK_A) for key in SigningKey.objects.all())

    settings.CERTIFICATES_KEK = KEK_B
    settings.CERTIFICATES_KEK_FALLBACKS = [KEK_A]
    out = run("rotate_key_encryption")
    assert "2 of 2 signing key(s) re-encrypted with CERTIFICATES_KEK" in out
    assert "CERTIFICATES_KEK_FALLBACKS[0] -> CERTIFICATES_KEK" in out
    for key in SigningKey.objects.all():
        assert decrypts_with(key, KEK_B) and not decrypts_with(key, KEK_A)
    assert "0 of 2 signing key(s) re-encrypted" in run("rotate_key_encryption")

    # The old KEK is gone and the secret key rotated too: nothing depends on them.
    settings.CERTIFICATES_KEK_FALLBACKS = []
    settings.SECRET_KEY = NEW_SECRET
    third = issue(course)
    out = run("check_credentials")
    assert "Credentials not revoked: 3 checked, 3 verify, 0 fail" in out
    assert out.count("decrypts with CERTIFICATES_KEK") == 2
    for certificate in (first, second, third):
        assert jose_verifies(client, certificate)
    assert third.key_id == second.key_id


def test_keys_from_before_the_kek_move_under_it(course, template, settings):
    settings.CERTIFICATES_KEK = ""
    settings.SECRET_KEY = OLD_SECRET
    issue(course)
    # The upgrade: a KEK is set; the old key still signs (a warning says how to
    # finish), and the command moves it under the KEK.
    settings.CERTIFICATES_KEK = KEK_A
    issue(course)
    assert "decrypts with SECRET_KEY only: run rotate_key_encryption" in run(
        "check_credentials"
    )
    assert "SECRET_KEY -> CERTIFICATES_KEK" in run("rotate_key_encryption")
    [key] = SigningKey.objects.all()
    assert decrypts_with(key, KEK_A) and not decrypts_with(key, OLD_SECRET)
    settings.SECRET_KEY = NEW_SECRET
    issue(course)
    assert "3 checked, 3 verify, 0 fail" in run("check_credentials")


def test_a_wrong_kek_is_a_clear_error_and_changes_nothing(course, template, settings):
    settings.CERTIFICATES_KEK = KEK_A
    issue(course)
    [key] = SigningKey.objects.all()
    pem = key.private_key_pem

    settings.CERTIFICATES_KEK = KEK_B
    with pytest.raises(services.SigningKeyLocked) as locked:
        issue(course)
    message = str(locked.value)
    assert key.kid in message
    assert "CERTIFICATES_KEK" in message and "CERTIFICATES_KEK_FALLBACKS" in message
    assert KEK_A not in message and KEK_B not in message  # secrets never printed
    assert Certificate.objects.count() == 1

    with pytest.raises(CommandError) as refused:
        run("rotate_key_encryption")
    assert "Nothing was changed" in str(refused.value)
    key.refresh_from_db()
    assert key.private_key_pem == pem

    out = StringIO()
    with pytest.raises(CommandError) as failed:
        call_command("check_credentials", stdout=out)
    assert "active signing key is locked" in str(failed.value)
    assert "CANNOT BE DECRYPTED" in out.getvalue()


def test_check_credentials_finds_a_credential_that_no_longer_verifies(
    course, template, settings
):
    good, bad, revoked = issue(course), issue(course), issue(course)
    services.certificate_revoke(certificate=revoked, actor=None, reason="Error")
    header, body, signature = bad.credential.split(".")
    flipped = ("A" if signature[0] != "A" else "B") + signature[1:]
    Certificate.objects.filter(pk=bad.pk).update(
        credential=f"{header}.{body}.{flipped}"
    )
    out = StringIO()
    with pytest.raises(CommandError) as failed:
        call_command("check_credentials", stdout=out)
    assert "1 credential(s) failed" in str(failed.value)
    text = out.getvalue()
    assert "2 checked, 1 verify, 1 fail" in text  # the revoked one is not checked
    assert f"{bad.code_display}: signature:" in text
    assert good.code_display not in text

    # --files compares each PDF with the record.
    Certificate.objects.filter(pk=bad.pk).update(credential=bad.credential)
    good.pdf.save(f"{good.code}.pdf", ContentFile(b"%PDF-1.7 other"))
    run("check_credentials")  # the credentials themselves verify again
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("check_credentials", "--files", stdout=out)
    assert f"{good.code_display}: PDF: its SHA-256 differs" in out.getvalue()


def test_export_public_keys_writes_every_key_for_offline_verification(
    course, template, settings, tmp_path
):
    first = issue(course)
    run("rotate_signing_key")
    second = issue(course)
    output = tmp_path / "jwks.json"
    assert "2 public key(s)" in run("export_public_keys", "--output", str(output))
    jwks = json.loads(output.read_text())
    assert jwks == selectors.jwks()
    assert {signing.thumbprint_of(k["kid"]) for k in jwks["keys"]} == {
        first.key_id,
        second.key_id,
    }
    assert all("d" not in k for k in jwks["keys"])  # public halves only
    assert json.loads(run("export_public_keys")) == jwks
    for certificate in (first, second):
        pdf = tmp_path / f"{certificate.code}.pdf"
        pdf.write_bytes(certificate.pdf.read())
        out = run("verify_certificate", str(pdf), "--jwks", str(output))
        assert "signature: valid" in out and "Verified." in out


def test_rotate_signing_key_retires_the_old_key_and_keeps_it_published(
    client, course, template
):
    before = issue(course)
    out = run("rotate_signing_key")
    old = SigningKey.objects.get(kid=before.key_id)
    new = SigningKey.objects.get(is_active=True)
    assert not old.is_active and old.retired_at is not None
    assert f"Created signing key {new.kid}" in out
    assert f"Retired signing key {old.kid}" in out
    after = issue(course)
    assert after.key_id == new.kid
    assert jose_verifies(client, before) and jose_verifies(client, after)


def _production_settings(tmp_path, **overrides):
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_", "CERTIFICATES_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="lms.settings.production",
        DJANGO_SECRET_KEY=NEW_SECRET,
        DJANGO_ALLOWED_HOSTS="sala.example.org",
        DATABASE_URL=f"sqlite:///{tmp_path / 'production.sqlite3'}",
    )
    env.update({k: v for k, v in overrides.items() if v is not None})
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "from django.conf import settings; print(len(settings.CERTIFICATES_KEK))",
        ],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_refuses_to_start_without_a_kek(tmp_path):
    missing = _production_settings(tmp_path)
    assert missing.returncode != 0
    assert "ImproperlyConfigured" in missing.stderr
    assert "CERTIFICATES_KEK must be set" in missing.stderr

    for weak in ("short", NEW_SECRET):
        refused = _production_settings(tmp_path, CERTIFICATES_KEK=weak)
        assert refused.returncode != 0 and "ImproperlyConfigured" in refused.stderr

    accepted = _production_settings(tmp_path, CERTIFICATES_KEK=KEK_A)
    assert accepted.returncode == 0, accepted.stderr
    assert accepted.stdout.strip() == str(len(KEK_A))
    # The former name is still read.
    legacy = _production_settings(tmp_path, CERTIFICATES_KEY_PASSPHRASE=KEK_B)
    assert legacy.returncode == 0, legacy.stderr
    assert legacy.stdout.strip() == str(len(KEK_B))
