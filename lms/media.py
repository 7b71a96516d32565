"""Private media: files that only a view may hand out, after its access check.

Which media is which (``MEDIA_ROOT``, deploy/nginx/sala.conf):

- public: ``images/``, the Wagtail renditions that pages show (the "original"
  rendition included). nginx serves them at ``/media/images/`` itself;
- private: everything else. ``certificates/`` (certificate PDFs, revoked ones
  included), ``certificate-exports/`` (bulk export archives), ``documents/``
  (lesson documents, with their collection's privacy) and ``original_images/``
  (uploads, shown only through renditions). The proxy never exposes them: a view
  checks who asks, then answers with `private_file_response`.

Streaming a file through Python holds a gunicorn worker for as long as the download
lasts. When ``SALA_MEDIA_ACCEL_REDIRECT`` names nginx's internal location (e.g.
``/_protected_media/``, aliased to ``MEDIA_ROOT``), the view answers at once with
an empty response whose ``X-Accel-Redirect`` header tells nginx which file to send;
nginx refuses that location to any request that did not come this way. Without the
setting (runserver, the embedded default) the file is streamed (FileResponse).

Media on S3-compatible storage (lms/storage.py) has no local path, so no
X-Accel-Redirect either: the view streams the object it read through the storage
(FileResponse over ``storage.open``), after the same access check. Redirecting to
a presigned URL would spare the worker, but that URL is a bearer link: whoever
holds it gets the file until it expires, a certificate revoked meanwhile
included, and it shows the bucket's address to the world. Streaming keeps the
file behind the view, with or without nginx, and behind nginx costs little: nginx
buffers the upstream answer (proxy_buffering, on by default), so the gunicorn
worker is free once the file is handed over, however slow the client.

This module is also the Wagtail documents' sendfile backend (``SENDFILE_BACKEND``),
so lesson documents follow the same path (on S3, Wagtail streams them itself:
``WAGTAILDOCS_SERVE_METHOD = "serve_view"``).
"""

from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.http import FileResponse, HttpResponse
from django.utils.http import content_disposition_header

ACCEL_HEADER = "X-Accel-Redirect"


def _accel_location(relative_name: str) -> str | None:
    """The internal URL nginx serves ``relative_name`` (a path under MEDIA_ROOT)
    from, or None when no internal location is configured."""
    prefix = settings.SALA_MEDIA_ACCEL_REDIRECT
    if not prefix:
        return None
    # nginx decodes the header's path as it would a request's, so names with
    # spaces or Khmer letters are percent-encoded.
    return prefix.rstrip("/") + "/" + quote(relative_name.lstrip("/"))


def _local_name(file) -> str | None:
    """The file's path under MEDIA_ROOT, or None when its storage is not the
    local disk that nginx's internal location points at."""
    try:
        path = Path(file.path).resolve()
    except (NotImplementedError, ValueError):
        return None
    root = Path(settings.MEDIA_ROOT).resolve()
    if not path.is_relative_to(root):
        return None
    return path.relative_to(root).as_posix()


def private_file_response(
    file, *, filename: str, content_type: str, as_attachment: bool = True
):
    """``file`` (a FieldFile), for a request its view has already allowed: sent
    by nginx when it is on the local disk and nginx is in front, streamed from its
    storage (local disk or S3) otherwise."""
    name = _local_name(file)
    location = _accel_location(name) if name else None
    if location is None:
        return FileResponse(
            file.storage.open(file.name, "rb"),
            as_attachment=as_attachment,
            filename=filename,
            content_type=content_type,
        )
    response = HttpResponse(content_type=content_type)
    response[ACCEL_HEADER] = location
    response["Content-Disposition"] = content_disposition_header(
        as_attachment, filename
    )
    return response


def sendfile(request, filename, **kwargs):
    """Wagtail's sendfile backend contract: a response for the local file
    ``filename``; wagtail.utils.sendfile adds the headers of the download."""
    root = Path(settings.MEDIA_ROOT).resolve()
    path = Path(filename).resolve()
    location = None
    if path.is_relative_to(root):
        location = _accel_location(path.relative_to(root).as_posix())
    if location is None:
        from wagtail.utils.sendfile_streaming_backend import sendfile as stream

        return stream(request, filename, **kwargs)
    response = HttpResponse()
    response[ACCEL_HEADER] = location
    return response
