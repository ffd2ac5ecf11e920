"""Browser uploads reach S3 in every EU region (issue 13 item 1).

The upload, multipart and consent-scan APIs hand the browser presigned S3 URLs. The browser
may only send them where the CloudFront CSP (``connect-src``) allows, to a bucket whose CORS
rule lets the app's origin use that method, on the bucket's regional host (a new bucket answers
the global ``<bucket>.s3.amazonaws.com`` with a 307 for up to a day, which CORS cannot follow).
Both sides are read from the synthesized templates, the URLs from the real handlers, with no
endpoint override (as in Lambda), for every EU region the app deploys to.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from infra.config import DeploymentConfig
from pellicule.config import topology
from tests.infra.conftest import write_public_keys
from tests.infra.support import ACCOUNT, KEY_STAMPS, Synth, moto_as_in_lambda

EU_REGIONS = sorted(topology.EU_REGIONS)
MB = 1024 * 1024


# --- The templates ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def templates(synth: Synth, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Region -> (stage, template): the session's two stacks, plus one synth of the other EU
    regions (one app, no cdk-nag: the session synth checks it)."""
    from aws_cdk import App

    from infra import constants
    from infra.app import add_stack, cdk_json_context

    found = {v.config.region: (v.config.stage, v.json) for v in synth.variants}
    missing = [region for region in EU_REGIONS if region not in found]
    if missing:
        base = tmp_path_factory.mktemp("regions")
        write_public_keys(base / "keys", KEY_STAMPS)
        app = App(context=cdk_json_context(), outdir=str(base / "cdk.out"))
        configs = [
            DeploymentConfig(
                stage=f"r{index}", region=region, account=ACCOUNT, public_keys_dir=base / "keys"
            )
            for index, region in enumerate(missing)
        ]
        for config in configs:
            add_stack(app, config)
        app.synth()
        for config in configs:
            path = Path(base / "cdk.out" / f"{constants.stack_name(config.stage)}.template.json")
            found[config.region] = (config.stage, json.loads(path.read_text(encoding="utf-8")))
    assert sorted(found) == EU_REGIONS
    return found


def _one(template: dict[str, Any], resource_type: str) -> tuple[str, dict[str, Any]]:
    [found] = [(k, v) for k, v in template["Resources"].items() if v["Type"] == resource_type]
    return found


def _connect_sources(template: dict[str, Any]) -> list[str]:
    """The ``connect-src`` sources of the CSP CloudFront sends."""
    _, policy = _one(template, "AWS::CloudFront::ResponseHeadersPolicy")
    security = policy["Properties"]["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]
    csp = security["ContentSecurityPolicy"]["ContentSecurityPolicy"]
    directives = {part.split()[0]: part.split()[1:] for part in csp.split(";") if part.strip()}
    return list(directives["connect-src"])


def _app_origin(template: dict[str, Any]) -> Any:
    """The origin of the web app's pages, as the template writes it."""
    key, distribution = _one(template, "AWS::CloudFront::Distribution")
    aliases = distribution["Properties"]["DistributionConfig"].get("Aliases")
    if aliases:
        return f"https://{aliases[0]}"
    return {"Fn::Join": ["", ["https://", {"Fn::GetAtt": [key, "DomainName"]}]]}


def _cors_buckets(template: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Bucket name -> its CORS rules."""
    return {
        resource["Properties"]["BucketName"]: resource["Properties"]["CorsConfiguration"][
            "CorsRules"
        ]
        for resource in template["Resources"].values()
        if resource["Type"] == "AWS::S3::Bucket"
        and "CorsConfiguration" in resource.get("Properties", {})
    }


# --- CSP source matching (CSP Level 3, host-source) --------------------------------------------

HOST_SOURCE = re.compile(
    r"^(?:(?P<scheme>[a-z][a-z0-9+.-]*)://)?(?P<host>[^/:]+)(?::(?P<port>\d+|\*))?(?P<path>/.*)?$"
)
DEFAULT_PORTS = {"https": 443, "http": 80, "wss": 443, "ws": 80}


def _csp_allows(sources: list[str], url: str, page_origin: str) -> bool:
    target = urlsplit(url)
    port = target.port or DEFAULT_PORTS[target.scheme]
    for source in sources:
        if source == "'self'":
            page = urlsplit(page_origin)
            if (target.scheme, target.hostname, port) == (
                page.scheme,
                page.hostname,
                page.port or DEFAULT_PORTS[page.scheme],
            ):
                return True
            continue
        match = HOST_SOURCE.match(source)
        if source.startswith("'") or match is None:
            continue
        scheme = match["scheme"]
        if scheme is not None and scheme != target.scheme:
            continue
        host = match["host"]
        hostname = target.hostname or ""
        if host.startswith("*."):
            if not hostname.endswith(host[1:]):
                continue
        elif host != hostname:
            continue
        wanted_port = match["port"]
        if wanted_port != "*" and int(wanted_port or DEFAULT_PORTS[scheme or "https"]) != port:
            continue
        path = match["path"]
        if path and not (
            target.path.startswith(path) if path.endswith("/") else target.path == path
        ):
            continue
        return True
    return False


# --- The functions, in one region, with no endpoint override -----------------------------------


class Functions:
    """The upload and admin handlers of one region's stack, against moto (``mock_aws``)."""

    def __init__(self, names: topology.Names) -> None:
        self.names = names

    def grants(self, session: str, album_id: str, files: list[dict[str, Any]]) -> Any:
        return self._call(
            "upload", "POST", "/api/upload/grants", session, {"album_id": album_id, "files": files}
        )

    def parts(self, session: str, media_id: str, numbers: list[int]) -> Any:
        path = f"/api/upload/multipart/{media_id}/parts"
        return self._call("upload", "POST", path, session, {"part_numbers": numbers})

    def scan(self, session: str, child_id: str) -> Any:
        path = f"/api/admin/children/{child_id}/consent/scan"
        return self._call("admin", "POST", path, session, {"type": "application/pdf", "size": 2048})

    @staticmethod
    def _call(function: str, method: str, path: str, session: str, payload: Any) -> Any:
        from tests.conftest import api_event
        from tests.integration.helpers import body, call

        response = call(function, api_event(method, path, body=payload, session=session))
        assert response["statusCode"] in (200, 201), response
        return body(response)


@pytest.fixture
def functions_in(monkeypatch: pytest.MonkeyPatch) -> Any:
    """``functions_in(stage, region)``: a context giving that stack's functions, in moto."""
    from contextlib import contextmanager

    from local import provision
    from tests.conftest import origin_secret

    @contextmanager
    def running(stage: str, region: str) -> Iterator[Functions]:
        names = topology.Names(stage, ACCOUNT, region)
        public_url = "https://photos.pellicule.test"
        with moto_as_in_lambda(monkeypatch, region) as env:
            for key, value in topology.function_environment(
                names, public_url=public_url, key_pair_id="KTEST", mail_from="n@pellicule.test"
            ).items():
                env.setenv(key, value)
            from pellicule.adapters import aws

            provision.provision(
                aws.client,
                names,
                app_origin=public_url,
                public_url=public_url,
                mail_from="n@pellicule.test",
                signing_key_pem="unused here: no media is signed",
                origin_secret=origin_secret(),  # the one api_event's header carries
            )
            yield Functions(names)

    return running


def _returned_urls(functions: Functions) -> list[tuple[str, str, str]]:
    """(what, method, url) of every S3 URL the upload, multipart and scan APIs return."""
    from tests.integration.scenario import build

    centre = build()
    returned: list[tuple[str, str, str]] = []
    issued = functions.grants(
        centre.animator,
        centre.album_id,
        [
            {"name": "p.jpg", "type": "image/jpeg", "size": 2 * MB},
            {"name": "v.mp4", "type": "video/mp4", "size": 8 * MB},
            {
                "name": "long.mp4",
                "type": "video/mp4",
                "size": topology.UPLOAD.multipart_threshold_bytes + 1,
            },
        ],
    )["grants"]
    multipart = [grant for grant in issued if "multipart" in grant]
    assert len(issued) == 3
    assert len(multipart) == 1
    returned += [("upload", "POST", grant["url"]) for grant in issued if "url" in grant]
    count = multipart[0]["multipart"]["part_count"]
    signed = functions.parts(centre.animator, multipart[0]["media_id"], [1, count])
    returned += [("part", "PUT", url) for url in signed["urls"].values()]
    scan = functions.scan(centre.director, centre.children["noah"])
    returned.append(("scan", "POST", scan["url"]))
    return returned


@pytest.mark.parametrize("region", EU_REGIONS)
def test_every_upload_url_is_allowed_by_the_synthesized_csp_and_cors(
    region: str, templates: dict[str, Any], functions_in: Any
) -> None:
    # Given the stack synthesized for this region: its CSP and its buckets' CORS rules
    stage, template = templates[region]
    sources = _connect_sources(template)
    cors = _cors_buckets(template)
    app_origin = _app_origin(template)
    page = "https://d111111abcdef8.cloudfront.net"  # whatever the app's own origin is

    # When the functions of that stack (no endpoint override) hand out upload URLs
    with functions_in(stage, region) as functions:
        returned = _returned_urls(functions)
    assert {what for what, _, _ in returned} == {"upload", "part", "scan"}

    for what, method, url in returned:
        parts = urlsplit(url)
        # Then the browser may send each one: the CSP lets the page connect there ...
        assert _csp_allows(sources, url, page), (what, url, sources)
        # ... to a bucket's own regional host (no redirect), whose CORS rule lets the
        # app's origin use that method
        host = parts.hostname or ""
        assert parts.scheme == "https", url
        assert host.endswith(f".s3.{region}.amazonaws.com"), (what, url)
        bucket = host.removesuffix(f".s3.{region}.amazonaws.com")
        assert bucket in cors, (what, url, sorted(cors))
        assert any(
            method in rule["AllowedMethods"] and app_origin in rule["AllowedOrigins"]
            for rule in cors[bucket]
        ), (what, method, cors[bucket])
        assert not parts.path.startswith(f"/{bucket}"), url  # virtual-hosted, not path-style
