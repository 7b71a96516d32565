"""Media on S3-compatible storage (AWS S3, MinIO, Ceph, any service that speaks
the S3 API), so that every server sees the same uploads, certificate PDFs, export
archives and renditions. The local disk (``MEDIA_ROOT``) stays the default; a
bucket named in the environment replaces it (lms/settings/base.py).

The choices, and why (README, Production, Media on S3-compatible storage):

- **One private bucket.** Objects get no ACL of their own (``default_acl=None``:
  the bucket's, private) and nothing in the bucket is readable without a
  signature. No bucket policy to get wrong, nothing public by mistake.
- **Private files never get a URL.** Certificate PDFs, exports and documents
  leave through their views, which check access and then stream the object
  (lms/media.py), exactly as they do from the local disk without nginx.
- **Renditions get short-lived signed URLs.** They are the only media pages link
  to (public at ``/media/images/`` on the local disk too), so a signature that
  outlives the page load a little costs nothing; ``querystring_expire`` keeps it
  short all the same, in case a private file's URL is ever asked for.
- **No overwrite.** A name already taken gets a suffix (``file_overwrite=False``),
  as on the local disk: a certificate's PDF is never replaced in place.

This module reads no settings: base.py calls it while the settings are built.
"""

from urllib.parse import urlsplit

S3_BACKEND = "storages.backends.s3.S3Storage"

# Objects larger than this are spooled to a temporary file (FILE_UPLOAD_TEMP_DIR,
# the unit's private /tmp) while a view streams them, not held in memory: a
# certificate PDF stays in memory, an export archive of thousands does not.
MAX_MEMORY_SIZE = 8 * 1024 * 1024


def s3_storage(
    *,
    bucket: str,
    endpoint_url: str = "",
    region: str = "",
    access_key: str = "",
    secret_key: str = "",
    prefix: str = "",
    url_expire: int = 300,
    addressing_style: str = "",
) -> dict:
    """The ``STORAGES["default"]`` entry for ``bucket``.

    ``endpoint_url`` is the service's address (empty: AWS). Without keys, boto3's
    own chain applies: ``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY`` in the
    environment, a profile, or the machine's instance role. ``prefix`` puts Sala's
    objects under a folder of a shared bucket. ``addressing_style`` defaults to
    "path" for a custom endpoint (bucket in the path, as MinIO and Ceph answer
    without wildcard DNS) and to boto3's choice on AWS.
    """
    options = {
        "bucket_name": bucket,
        "default_acl": None,
        "querystring_auth": True,
        "querystring_expire": url_expire,
        "file_overwrite": False,
        "max_memory_size": MAX_MEMORY_SIZE,
        # SigV4: what every current S3-compatible service accepts, and what
        # regions opened since 2014 require.
        "signature_version": "s3v4",
    }
    if endpoint_url:
        options["endpoint_url"] = endpoint_url
    if region:
        options["region_name"] = region
    if access_key or secret_key:
        options["access_key"] = access_key
        options["secret_key"] = secret_key
    if prefix:
        options["location"] = prefix.strip("/")
    style = addressing_style or ("path" if endpoint_url else "")
    if style:
        options["addressing_style"] = style
    return {"BACKEND": S3_BACKEND, "OPTIONS": options}


def url_origin(storage) -> str:
    """The origin (``scheme://host[:port]``) of the URLs ``storage`` gives its
    files, or "" when they are Sala's own paths (``/media/…``).

    The Content-Security-Policy lets pages load images from it (lms/csp.py). The
    URL is asked of the storage itself, so a custom domain, a path- or
    virtual-hosted-style bucket and a region all come out as the browser will see
    them. Kept on the storage object: it is worked out once per process.
    """
    try:
        return storage._sala_url_origin
    except AttributeError:
        pass
    parts = urlsplit(storage.url("images/origin"))
    origin = f"{parts.scheme}://{parts.netloc}" if parts.netloc else ""
    storage._sala_url_origin = origin
    return origin
