"""Holders' subject ids, status list bits, and the signed status list credentials
that any verifier reads to see whether a certificate was revoked."""

import secrets

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone

from certificates import payload, selectors, signing, statuslist, verification
from certificates.models import Certificate, Holder, StatusList
from certificates.services.keys import private_key_load, signing_key_ensure

# A list takes new certificates until half its bits are used, so a random draw
# finds a free bit at once, and its set bits stay a small share of the list.
FILL_LIMIT = 0.5
DRAWS = 32
CACHE_SECONDS = 60


def holder_subject_id(user) -> str:
    """The holder's ``urn:uuid:`` subject id, created on first use."""
    holder = Holder.objects.filter(user=user).first()
    if holder is None:
        try:
            with transaction.atomic():
                holder = Holder.objects.create(user=user)
        except IntegrityError:
            holder = Holder.objects.get(user=user)
    return f"urn:uuid:{holder.subject_id}"


def status_bit_allocate() -> tuple[StatusList, int]:
    """A list and a free bit of it, drawn at random, for a new certificate. No
    lock is taken, so issuing on many workers does not queue here: the unique
    constraint on (list, index) catches two draws of one bit at the same moment,
    and the issue is retried like any failed one."""
    status_list = (
        StatusList.objects.order_by("-pk").first() or StatusList.objects.create()
    )
    used = Certificate.objects.filter(status_list=status_list).count()
    if used >= status_list.size * FILL_LIMIT:
        status_list = StatusList.objects.create()
    taken = Certificate.objects.filter(status_list=status_list)
    for _draw in range(DRAWS):
        index = secrets.randbelow(status_list.size)
        if not taken.filter(status_list_index=index).exists():
            return status_list, index
    # Not reached while a list is at most half full (2**-32 odds).
    return StatusList.objects.create(), secrets.randbelow(status_list.size)


def _cache_key(list_id: int) -> str:
    return f"certificates:status-list:{list_id}"


def status_list_credential(list_id: int) -> str | None:
    """The signed ``BitstringStatusListCredential`` (VC-JWT) of a list, as it
    stands now; cached for a minute, and dropped from the cache on every revoke.
    None for an unknown list."""
    token = cache.get(_cache_key(list_id))
    if token is not None:
        return token
    status_list = StatusList.objects.filter(pk=list_id).first()
    if status_list is None:
        return None
    revoked = Certificate.objects.filter(
        status_list=status_list, status=Certificate.Status.REVOKED
    ).values_list("status_list_index", flat=True)
    site = selectors.site_url()
    list_url = payload.status_list_url(site, status_list.pk)
    credential = statuslist.list_credential_build(
        list_url=list_url,
        issuer_id=payload.issuer_url(site),
        encoded_list=statuslist.encode(revoked, size=status_list.size),
        valid_from=timezone.localtime(),
    )
    key, _created = signing_key_ensure()
    token = signing.credential_sign(
        payload.jwt_claims(credential),
        private_key=private_key_load(key),
        kid=payload.key_url(site, key.kid),
    )
    cache.set(_cache_key(list_id), token, CACHE_SECONDS)
    return token


def status_list_changed(list_id: int | None) -> None:
    """Drop a list's cached credential now and again once the change that flipped
    a bit is committed (a request in between may have cached the list as it was)."""
    if list_id is not None:
        cache.delete(_cache_key(list_id))
        transaction.on_commit(lambda: cache.delete(_cache_key(list_id)))


def verification_bundle() -> dict:
    """Everything an offline verifier needs, as of now: the issuer Profile, the
    JWK Set, and each status list's signed credential by its URL."""
    site = selectors.site_url()
    return {
        "issuer": selectors.issuer_profile(),
        "jwks": selectors.jwks(),
        "status_lists": {
            payload.status_list_url(site, list_id): status_list_credential(list_id)
            for list_id in selectors.status_list_ids()
        },
        "exported_at": timezone.localtime().replace(microsecond=0).isoformat(),
    }


def certificate_credential_check(*, certificate: Certificate):
    """The certificate's credential checked as an outside verifier would
    (signature, validity period, bit in the published status list), with the
    keys and the list the site publishes: what the verification page and the API
    show."""
    tokens = {}
    vc = signing.unverified_claims(certificate.credential).get("vc") or {}
    list_url = verification.status_list_url(vc)
    if list_url and certificate.status_list_id:
        token = status_list_credential(certificate.status_list_id)
        if token:
            tokens[list_url] = token
    return verification.credential_check(
        certificate.credential,
        jwks=selectors.jwks(),
        list_tokens=tokens,
        now=timezone.now(),
    )
