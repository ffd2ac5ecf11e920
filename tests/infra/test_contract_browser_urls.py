"""Contract: every URL the code hands a browser is one the synthesized CSP and CORS let it use.

``test_upload_endpoints.py`` proves, for every EU region, that the upload, multipart and scan
URLs reach a bucket's regional host allowed by ``connect-src`` and by the bucket's CORS
methods. This module covers the rest, for the session's two stacks (no custom domain, and a
custom domain), with the functions configured from **the template** (each function's
``Environment.Variables``, the public-URL parameter's value, the buckets it names):

- how the web app uses each URL (read from ``web/``): XHR/``fetch`` (``connect-src``, CORS
  origin, method, the response headers it reads), ``<img>``/``<video>`` (``img-src``,
  ``media-src``), a link or a download (same origin, so ``download`` is honoured);
- every kind of URL: presigned POSTs (photo, video, scan), multipart part PUTs, the evidence
  scan's presigned GET, signed media URLs (wildcard and exact policies, downloads).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from pellicule.config import topology
from tests.infra.support import Variant, moto_as_in_lambda, names
from tests.infra.test_upload_endpoints import _app_origin, _csp_allows

pytestmark = pytest.mark.infra

WEB = Path(__file__).resolve().parents[2] / "web"
DISTRIBUTION_DOMAIN = "d111111abcdef8.cloudfront.net"  # what GetAtt DomainName resolves to
MB = 1024 * 1024


def resolve(value: Any) -> Any:
    """The template's intrinsics, resolved as CloudFormation would (with made-up ids)."""
    if isinstance(value, str):
        return value
    if "Fn::Join" in value:
        separator, parts = value["Fn::Join"]
        return separator.join(str(resolve(p)) for p in parts)
    if "Fn::GetAtt" in value:
        _, attribute = value["Fn::GetAtt"]
        assert attribute == "DomainName", value
        return DISTRIBUTION_DOMAIN
    if "Ref" in value:
        return f"K{value['Ref'][:12].upper()}"
    raise AssertionError(f"unresolved {value}")


def csp_directives(template: dict[str, Any]) -> dict[str, list[str]]:
    [policy] = [
        r["Properties"]
        for r in template["Resources"].values()
        if r["Type"] == "AWS::CloudFront::ResponseHeadersPolicy"
    ]
    csp = policy["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]["ContentSecurityPolicy"]
    parts = [p.split() for p in csp["ContentSecurityPolicy"].split(";") if p.strip()]
    return {p[0]: p[1:] for p in parts}


def sources_for(directives: dict[str, list[str]], directive: str) -> list[str]:
    """A fetch directive's sources (``default-src`` when it is absent)."""
    return directives.get(directive, directives.get("default-src", []))


def ingest_cors(variant: Variant) -> list[dict[str, Any]]:
    [rules] = [
        r["Properties"]["CorsConfiguration"]["CorsRules"]
        for r in variant.of_type("AWS::S3::Bucket").values()
        if "CorsConfiguration" in r["Properties"]
    ]
    return [
        {**rule, "AllowedOrigins": [resolve(o) for o in rule["AllowedOrigins"]]} for rule in rules
    ]


def _header_allowed(header: str, allowed: list[str]) -> bool:
    return any(re.fullmatch(re.escape(a).replace(r"\*", ".*"), header, re.I) for a in allowed)


def cors_allows(
    rules: list[dict[str, Any]], origin: str, method: str, headers: set[str], reads: set[str]
) -> bool:
    """S3 CORS: one rule matching origin, method and every request header; the response
    headers the script reads exposed by it."""
    for rule in rules:
        if origin not in rule["AllowedOrigins"] and "*" not in rule["AllowedOrigins"]:
            continue
        if method not in rule["AllowedMethods"]:
            continue
        if not all(_header_allowed(h, rule.get("AllowedHeaders", [])) for h in headers):
            continue
        exposed = {h.lower() for h in rule.get("ExposedHeaders", [])}
        return {h.lower() for h in reads} <= exposed
    return False


# --- How the web app uses each kind of URL (read from web/) -------------------------------------


def web_source(relative: str) -> str:
    return (WEB / relative).read_text(encoding="utf-8")


def script_headers(source: str) -> tuple[set[str], set[str]]:
    """(request headers set, response headers read) by XHR in a script."""
    sent = set(re.findall(r"setRequestHeader\(\s*[\"']([^\"']+)", source))
    read = set(re.findall(r"getResponseHeader\(\s*[\"']([^\"']+)", source))
    return sent, read


def test_the_web_app_uses_the_urls_as_this_module_assumes() -> None:
    upload = web_source("staff/upload.js")
    consent = web_source("people/consent.js")
    # the family gallery: its page, its viewer and its zip bar (web/gallery/*.js)
    gallery = "\n".join(
        web_source(name) for name in ("gallery.js", "gallery/viewer.js", "gallery/archive.js")
    )
    # Uploads and parts: XHR, POST of the presigned form and PUT of each part.
    assert re.search(r'send\("POST", entry\.grant\.url', upload)
    assert re.search(r'send\("PUT", urls\[', upload)
    assert "new XMLHttpRequest()" in upload
    # The scan: fetch POST of the presigned form, no cookies.
    assert re.search(r'fetch\(grant\.url, \{ method: "POST"', consent)
    # The evidence: a link; a download: a link with ``download``; media: img/video/poster.
    assert "link.href = answer.url" in consent
    assert re.search(r'element\("a", \{ href: url, download: ""', gallery)
    assert re.search(r'element\("source", \{ src: item\.renditions\.video\.url', gallery)
    assert "video.poster = " in gallery
    assert re.search(r'element\("img", \{ src: web\.url', gallery)


# --- The functions, configured from the template, in moto -----------------------------------------


class Deployed:
    def __init__(self, variant: Variant, monkeypatch: pytest.MonkeyPatch) -> None:
        self.variant = variant
        self.monkeypatch = monkeypatch
        self.names = names(variant)
        self.page = resolve(_app_origin(variant.json))

    def environment(self, function: str) -> dict[str, str]:
        [props] = [
            r["Properties"]
            for r in self.variant.of_type("AWS::Lambda::Function").values()
            if r["Properties"].get("FunctionName") == self.names.function(function)
        ]
        return {k: str(resolve(v)) for k, v in props["Environment"]["Variables"].items()}

    @contextmanager
    def function(self, name: str) -> Iterator[None]:
        """Run code as the deployed function ``name``: its template environment."""
        from pellicule.adapters import delivery
        from pellicule.config import settings

        with self.monkeypatch.context() as env:
            for key, value in self.environment(name).items():
                env.setenv(key, value)
            settings.get_settings.cache_clear()
            delivery.reset_cache()
            try:
                yield
            finally:
                settings.get_settings.cache_clear()
                delivery.reset_cache()

    def public_url_parameter(self) -> tuple[str, str] | None:
        """(name, value) of the template's public-URL parameter (none with a custom domain)."""
        found = [r["Properties"] for r in self.variant.of_type("AWS::SSM::Parameter").values()]
        return (found[0]["Name"], resolve(found[0]["Value"])) if found else None


@pytest.fixture
def deployed(monkeypatch: pytest.MonkeyPatch) -> Any:
    """``deployed(variant)``: a context with moto holding that stack's resources."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    from local import provision
    from pellicule.adapters import aws
    from tests.conftest import origin_secret

    pem = (
        rsa.generate_private_key(public_exponent=65537, key_size=2048)
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        .decode()
    )

    @contextmanager
    def running(variant: Variant) -> Iterator[Deployed]:
        stack = Deployed(variant, monkeypatch)
        with moto_as_in_lambda(monkeypatch, variant.config.region), stack.function("upload"):
            parameter = stack.public_url_parameter()
            value = stack.environment("upload")[topology.ENV_PUBLIC_URL]
            if parameter is not None:
                value = parameter[1]
            provision.provision(
                aws.client,
                stack.names,
                app_origin=stack.page,
                public_url=value,
                mail_from="n@pellicule.test",
                signing_key_pem=pem,
                origin_secret=origin_secret(),  # the one api_event's header carries
            )
            if parameter is not None:
                aws.client("ssm").put_parameter(
                    Name=parameter[0], Value=value, Type="String", Overwrite=True
                )
            yield stack

    return running


def handed_out(stack: Deployed) -> list[tuple[str, str]]:
    """(use, url) of every kind of URL the functions hand a browser."""
    from pellicule.adapters import delivery
    from pellicule.services import ingest
    from tests.conftest import api_event
    from tests.integration.helpers import body, call
    from tests.integration.scenario import build

    with stack.function("upload"):
        centre = build()

    def api(function: str, method: str, path: str, payload: Any = None, session: str = "") -> Any:
        with stack.function(function):
            response = call(
                function, api_event(method, path, body=payload, session=session or centre.director)
            )
        assert response["statusCode"] in (200, 201), response
        return body(response)

    urls: list[tuple[str, str]] = []
    files = [
        {"name": "p.jpg", "type": "image/jpeg", "size": 2 * MB},
        {"name": "v.mp4", "type": "video/mp4", "size": 8 * MB},
        {
            "name": "l.mp4",
            "type": "video/mp4",
            "size": topology.UPLOAD.multipart_threshold_bytes + 1,
        },
    ]
    grants = api(
        "upload", "POST", "/api/upload/grants", {"album_id": centre.album_id, "files": files}
    )["grants"]
    urls += [("upload", g["url"]) for g in grants if "url" in g]
    [multipart] = [g for g in grants if "multipart" in g]
    parts = api(
        "upload",
        "POST",
        f"/api/upload/multipart/{multipart['media_id']}/parts",
        {"part_numbers": [1, multipart["multipart"]["part_count"]]},
    )
    urls += [("part", url) for url in parts["urls"].values()]

    # A paper consent with its scan (the browser's POST stored as S3 would), then its link.
    child = centre.children["noah"]
    scan = api(
        "admin",
        "POST",
        f"/api/admin/children/{child}/consent/scan",
        {"type": "application/pdf", "size": 9},
    )
    urls.append(("scan", scan["url"]))
    from pellicule.adapters import aws

    aws.client("s3").put_object(
        Bucket=stack.names.ingest_bucket,
        Key=scan["fields"]["key"],
        Body=b"%PDF-1.4\n",
        ContentType="application/pdf",
    )
    guardians = [g.guardian_id for who, g in centre.families.items() if who == "g3"]
    api(
        "admin",
        "POST",
        f"/api/admin/children/{child}/consent",
        {
            "audiences": ["families_of_group"],
            "media_kinds": ["photo"],
            "scan_id": scan["scan_id"],
            "signed_by": guardians,
        },
    )
    evidence = api("admin", "GET", f"/api/admin/children/{child}/consent/evidence")
    urls.append(("evidence", evidence["url"]))

    # Signed media URLs, as the gallery and family functions build them (keys from the
    # ingest service's key builder; a wildcard policy per prefix, an exact one per download).
    key = ingest.media_key(centre.tenant_id, "m1", "jpg")
    for function in ("gallery", "family"):
        with stack.function(function):
            signer = delivery.PrefixSigner()
            urls.append(("image", signer.url(key, delivery.tenant_prefix(centre.tenant_id))))
            urls.append(("video", signer.url(key, delivery.tenant_prefix(centre.tenant_id))))
            urls.append(("download", signer.exact(key)))
    return urls


# What the web app does with each kind of URL (test_the_web_app_uses_the_urls_as_this_module_
# assumes keeps it true): (CSP directive or None for a navigation, CORS method or None,
# script headers of the module that sends it).
USES = {
    "upload": ("connect-src", "POST", "staff/upload.js"),
    "part": ("connect-src", "PUT", "staff/upload.js"),
    "scan": ("connect-src", "POST", "people/consent.js"),
    "evidence": (None, None, None),  # a link the director follows
    "image": ("img-src", None, None),
    "video": ("media-src", None, None),
    "download": (None, None, None),  # <a download>: honoured for same-origin URLs only
}


@pytest.mark.parametrize("which", ["main", "variant"])
def test_every_url_handed_to_a_browser_is_allowed_by_csp_and_cors(
    request: pytest.FixtureRequest, deployed: Any, which: str
) -> None:
    variant: Variant = request.getfixturevalue(which)
    directives = csp_directives(variant.json)
    cors = ingest_cors(variant)
    with deployed(variant) as stack:
        urls = handed_out(stack)
        buckets = {
            "ingest": stack.environment("upload")[topology.ENV_INGEST_BUCKET],
            "evidence": stack.environment("admin")[topology.ENV_EVIDENCE_BUCKET],
        }
    assert {use for use, _ in urls} == set(USES)
    page = stack.page
    region = variant.config.region
    for use, url in urls:
        directive, method, script = USES[use]
        parts = urlsplit(url)
        assert parts.scheme == "https", (use, url)
        if directive is not None:
            assert _csp_allows(sources_for(directives, directive), url, page), (use, url)
        if use in ("image", "video", "download"):
            # Media: the page's own origin (the public URL the template gives the functions).
            assert f"{parts.scheme}://{parts.netloc}" == page, (use, url, page)
        if method is not None:
            assert script is not None
            sent, read = script_headers(web_source(script))
            assert parts.hostname == f"{buckets['ingest']}.s3.{region}.amazonaws.com", (use, url)
            assert cors_allows(cors, page, method, sent, read), (use, method, sent, read, cors)
        if use == "evidence":
            assert parts.hostname == f"{buckets['evidence']}.s3.{region}.amazonaws.com", url


def test_the_upload_service_worker_is_allowed_from_the_site_only(main: Variant) -> None:
    """web/staff/upload.js registers /upload-sw.js (the upload queue's service worker): the
    synthesized CSP lets a same-origin worker run, and nothing else (no blob:, no data:)."""
    directives = csp_directives(main.json)
    assert directives["worker-src"] == ["'self'"]
    upload = (WEB / "staff" / "upload.js").read_text()
    registered = re.findall(r'serviceWorker\.register\("([^"]+)"', upload)
    assert registered == ["/upload-sw.js"]
    worker = (WEB / "upload-sw.js").read_text()
    # It caches nothing: no fetch handler, no Cache Storage (privacy: no photo, no API answer).
    assert 'addEventListener("fetch"' not in worker
    assert "caches." not in worker
