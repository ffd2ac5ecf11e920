"""Cost model of one centre per month (docs/cost-model.md): ``python -m bench.cost``.

The Lambda GB-seconds of a photo come from the durations ``make bench`` measured on this
machine (``bench/results.json``) and the memory each function is configured with
(``pellicule.config.topology.FUNCTIONS``); every other figure is an explicit assumption below, and
every price an approximate AWS list price for eu-west-3 (Paris) in US dollars, without free
tiers: check them against the AWS price list before quoting a figure to anyone.

    python -m bench.cost                        # every scenario, as Markdown tables
    python -m bench.cost --scenario medium      # one scenario
    python -m bench.cost --results other.json   # another run of make bench
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.inputs import ROOT, use_project_paths

RESULTS = ROOT / "bench" / "results.json"
KB = 1000  # bench/results.json reports output sizes in kB (10^3 bytes)
GB = 1024**3  # AWS bills storage and transfer per GB of 2^30 bytes
MONTHS_PER_YEAR = 12
DAYS_PER_MONTH = 30.4
HOURS_PER_MONTH = 24 * DAYS_PER_MONTH


@dataclass(frozen=True)
class Prices:
    """Approximate AWS list prices, eu-west-3 (Paris), USD, free tiers left out.

    Written on 2026-11-23 from the author's knowledge of the public price list, without
    network access: check every line at https://aws.amazon.com/pricing/ before use.
    """

    s3_gb_month: float = 0.024  # S3 Standard, first 50 TB
    s3_put_per_1000: float = 0.0053  # PUT, COPY, POST, LIST
    s3_get_per_1000: float = 0.00042  # GET and others; DELETE is free
    cloudfront_gb: float = 0.085  # data transfer out to the internet, Europe, first 10 TB
    cloudfront_https_per_10000: float = 0.012  # HTTPS requests, Europe
    cloudfront_function_per_million: float = 0.10
    cloudfront_invalidation_path: float = 0.005  # beyond 1,000 free paths per account-month
    lambda_gb_second: float = 0.0000133334  # arm64
    lambda_per_million: float = 0.20
    lambda_tmp_gb_second: float = 0.0000000309  # /tmp above the free 512 MB
    dynamodb_write_per_million: float = 0.74  # on-demand write request units
    dynamodb_read_per_million: float = 0.15  # on-demand read request units
    dynamodb_gb_month: float = 0.30  # table storage (Standard table class)
    dynamodb_pitr_gb_month: float = 0.24  # continuous backups (point-in-time recovery)
    http_api_per_million: float = 1.17  # API Gateway HTTP API, first 300 million
    ses_per_1000: float = 0.10  # outbound e-mail
    secret_month: float = 0.40  # Secrets Manager, per secret
    logs_ingest_gb: float = 0.53  # CloudWatch Logs ingestion (standard class)
    logs_gb_month: float = 0.03  # CloudWatch Logs storage (compressed)
    alarm_month: float = 0.10  # standard-resolution metric alarm
    sqs_per_million: float = 0.40  # standard queue requests


@dataclass(frozen=True)
class Centre:
    """One centre's size and activity."""

    name: str
    children: int
    guardians: int
    staff: int
    photos_per_week: float
    videos_per_week: float
    active_weeks: int  # weeks a year with activities (uploads, visits, digests)
    retention_months: int = 12  # tenant setting media_retention_months (default)
    video_seconds: float = 30  # length of a typical clip


SCENARIOS: dict[str, Centre] = {
    centre.name: centre
    for centre in (
        Centre("small", 20, 30, 3, 50, 1, 30),
        Centre("medium", 60, 90, 8, 150, 5, 40),
        Centre("large", 200, 300, 25, 500, 15, 47),
    )
}


@dataclass(frozen=True)
class Behaviour:
    """How people use the product and what each event costs. Assumptions, not measurements,
    except where a comment names the measurement."""

    # Photos by kind of input (the cases of make bench).
    photo_mix: dict[str, float] = field(
        default_factory=lambda: {"jpeg_12mp": 0.5, "heic_12mp": 0.4, "jpeg_48mp": 0.1}
    )
    photo_io_seconds: float = 0.3  # S3 get/put and table writes around the render
    # docs/performance.md: re-rendering the blurred variants of a 2560 px photo.
    blur_render_seconds: float = 0.21
    blurred_share: float = 0.10  # photos with face boxes (a child without consent blurred)
    # One-off measurement on this machine (docs/cost-model.md): the video function's render
    # of a 30 s 1080p30 H.264 clip took 10.3 s on 2 cores; Lambda's 3008 MB is ~1.7 vCPU.
    video_render_seconds_per_second: float = 10.3 / 30 * 2 / 1.7
    video_io_seconds: float = 2.0
    video_output_mb_per_second: float = 11.05 / 30  # same measurement: 720p H.264 + AAC
    video_poster_kb: float = 62  # poster 54 kB + thumb 8 kB (same measurement)
    # Served copies (docs/delivery.md): one per audience scope that sees the item; the
    # common case is one, a group scope adds a second now and then.
    scopes_per_item: float = 1.2
    keys_per_scope: int = 3  # thumb, web, download (videos: thumb, poster, video)
    tags_per_item: float = 3
    items_per_album: float = 40  # one album per outing or week (bench.invalidations' month)
    scan_mb: float = 0.5  # a scanned consent form
    scans_kept_per_child: float = 6  # one a season, kept as proof
    # Families, per guardian and active week.
    visits_per_week: float = 2
    thumbs_per_visit: float = 40
    web_views_per_visit: float = 10
    downloads_per_week: float = 2
    video_plays_per_week: float = 1
    range_requests_per_play: float = 4
    api_requests_per_visit: float = 8
    api_kb_per_request: float = 8
    static_requests_per_visit: float = 4  # HTML, JS, CSS not in the browser's cache
    static_kb_per_visit: float = 60
    guardian_link_emails_per_week: float = 0.5  # most sign in through the digest's link
    digests_per_week: float = 4  # days with something new
    # Staff.
    staff_api_requests_per_item: float = 3  # grant, tags (faces), review
    staff_sign_ins_per_week: float = 4  # staff sessions last 12 h at most
    cache_miss_share: float = 0.5  # media requests CloudFront forwards to S3
    # Lambda other than processing: billed seconds per event at the function's memory.
    api_seconds: float = 0.15
    revocation_seconds_per_item: float = 0.4  # copies made at publication
    purge_seconds_per_day: float = 20
    erasure_check_seconds: float = 0.5  # the hourly run, per centre
    digest_seconds_per_day: float = 5
    # DynamoDB request units per event (transactions count twice).
    wru_per_item: float = 60
    rru_per_item: float = 40
    wru_per_family_request: float = 6  # session touch, audit "view"
    rru_per_family_request: float = 30
    wru_per_staff_request: float = 8
    rru_per_staff_request: float = 20
    wru_per_sign_in: float = 20
    rru_per_sign_in: float = 10
    wru_per_digest: float = 15
    rru_per_digest: float = 20
    purge_table_reads_per_day: float = 8  # whole-partition reads and the table scans
    # Table storage per item (bytes); media items are also in gsi1.
    media_item_bytes: float = 2500 * 2
    tag_bytes: float = 300
    audit_entry_bytes: float = 600
    person_bytes: float = 4000
    # CloudWatch: application logs per invocation, API access log line per request.
    log_bytes_per_invocation: float = 1200
    access_log_bytes_per_request: float = 400
    log_compression: float = 0.15
    # Consent restrictions per child and month (bench.invalidations replays a month of them).
    restrictions_per_child_month: float = 0.02


@dataclass(frozen=True)
class Line:
    service: str
    what: str
    quantity: float
    unit: str
    usd: float


# --- Lambda GB-seconds from the benchmark -----------------------------------------------------


def memory_gb(function: str) -> float:
    use_project_paths()
    from pellicule.config import topology

    return topology.FUNCTIONS[function].memory_mb / 1024


@dataclass(frozen=True)
class PhotoCost:
    case: str
    render_ms: float
    memory_mb: int
    render_gb_s: float
    total_gb_s: float  # with the assumed I/O around the render


def photo_costs(results: dict[str, Any], behaviour: Behaviour) -> list[PhotoCost]:
    """GB-seconds of the process function per photo, for each measured case."""
    memory = memory_gb("process")
    rows = []
    for name, case in results.get("cases", {}).items():
        seconds = float(case["ms"]) / 1000
        rows.append(
            PhotoCost(
                case=name,
                render_ms=float(case["ms"]),
                memory_mb=round(memory * 1024),
                render_gb_s=seconds * memory,
                total_gb_s=(seconds + behaviour.photo_io_seconds) * memory,
            )
        )
    return rows


def _mix(results: dict[str, Any], behaviour: Behaviour) -> dict[str, float]:
    """The photo mix restricted to the measured cases, renormalised."""
    cases = results.get("cases", {})
    mix = {name: share for name, share in behaviour.photo_mix.items() if name in cases}
    if not mix:
        raise ValueError("bench/results.json has no photo case: run make bench")
    total = sum(mix.values())
    return {name: share / total for name, share in mix.items()}


def photo_gb_seconds(results: dict[str, Any], behaviour: Behaviour) -> float:
    """Mean GB-seconds per photo: the mix's render + I/O, plus the share re-rendered blurred."""
    by_case = {row.case: row.total_gb_s for row in photo_costs(results, behaviour)}
    mean = sum(share * by_case[name] for name, share in _mix(results, behaviour).items())
    blur = (behaviour.blur_render_seconds + behaviour.photo_io_seconds) * memory_gb("process")
    return mean + behaviour.blurred_share * blur


def rendition_mb(results: dict[str, Any], behaviour: Behaviour) -> float:
    """Mean size of one photo's three renditions (thumb + web + download), in MB."""
    cases = results["cases"]
    return sum(
        share * sum(cases[name]["output_kb"].values()) * KB / 1e6
        for name, share in _mix(results, behaviour).items()
    )


def video_seconds(centre: Centre, behaviour: Behaviour) -> float:
    return centre.video_seconds * behaviour.video_render_seconds_per_second + (
        behaviour.video_io_seconds
    )


# --- One centre, one month --------------------------------------------------------------------


def centre_month(
    centre: Centre, results: dict[str, Any], prices: Prices, behaviour: Behaviour
) -> list[Line]:
    """The monthly cost lines of one centre (a year's activity spread over 12 months)."""
    b = behaviour
    weeks = centre.active_weeks / MONTHS_PER_YEAR  # active weeks per month, on average
    photos = centre.photos_per_week * weeks
    videos = centre.videos_per_week * weeks
    items = photos + videos
    # Steady state: the retention horizon holds retention_months of uploads.
    kept_photos = centre.photos_per_week * centre.active_weeks * centre.retention_months / 12
    kept_videos = centre.videos_per_week * centre.active_weeks * centre.retention_months / 12
    kept_items = kept_photos + kept_videos

    lines: list[Line] = []

    def add(service: str, what: str, quantity: float, unit: str, usd: float) -> None:
        lines.append(Line(service, what, quantity, unit, usd))

    # S3 storage.
    photo_mb = rendition_mb(results, b) * (1 + b.scopes_per_item + b.blurred_share)
    video_mb = (centre.video_seconds * b.video_output_mb_per_second + b.video_poster_kb / 1000) * (
        1 + b.scopes_per_item
    )
    media_gb = (kept_photos * photo_mb + kept_videos * video_mb) * 1e6 / GB
    evidence_gb = centre.children * b.scans_kept_per_child * b.scan_mb * 1e6 / GB
    add(
        "S3",
        "media: renditions, blurred variants, served copies",
        media_gb,
        "GB-month",
        media_gb * prices.s3_gb_month,
    )
    add(
        "S3",
        "consent scans (evidence bucket)",
        evidence_gb,
        "GB-month",
        evidence_gb * prices.s3_gb_month,
    )

    # Families' and staff's traffic.
    guardian_weeks = centre.guardians * weeks
    visits = guardian_weeks * b.visits_per_week
    thumb_kb, web_kb, download_kb = _sizes_kb(results, b)
    video_mb_each = centre.video_seconds * b.video_output_mb_per_second
    media_requests = (
        visits * (b.thumbs_per_visit + b.web_views_per_visit)
        + guardian_weeks
        * (b.downloads_per_week + b.video_plays_per_week * b.range_requests_per_play)
        + items * 2  # the reviewer sees each item (thumb + web or video)
    )
    family_api = visits * b.api_requests_per_visit
    staff_api = items * b.staff_api_requests_per_item
    sign_ins = centre.staff * weeks * b.staff_sign_ins_per_week + guardian_weeks * (
        b.guardian_link_emails_per_week
    )
    digests = guardian_weeks * b.digests_per_week
    api_requests = family_api + staff_api + sign_ins * 3 + digests * 0.2
    out_gb = (
        visits
        * (
            b.thumbs_per_visit * thumb_kb
            + b.web_views_per_visit * web_kb
            + b.static_kb_per_visit
            + b.api_requests_per_visit * b.api_kb_per_request
        )
        * KB
        + guardian_weeks * (b.downloads_per_week * download_kb * KB)
        + guardian_weeks * b.video_plays_per_week * video_mb_each * 1e6
        + photos * (thumb_kb + web_kb) * KB
        + videos * video_mb_each * 1e6
    ) / GB
    requests = media_requests + api_requests + visits * b.static_requests_per_visit

    # S3 requests.
    per_photo_puts = 1 + 3 + b.keys_per_scope * b.scopes_per_item + 3 * b.blurred_share
    puts = photos * per_photo_puts + videos * (1 + 3 + b.keys_per_scope * b.scopes_per_item)
    purge_lists = items * (2 + b.keys_per_scope * b.scopes_per_item)  # one per key and prefix
    daily_lists = DAYS_PER_MONTH * (kept_items * (3 + b.keys_per_scope * b.scopes_per_item) / 1000)
    gets = photos * (1 + b.blurred_share) + videos + media_requests * b.cache_miss_share
    put_class = puts + purge_lists + daily_lists
    add(
        "S3",
        "PUT/COPY/POST/LIST requests",
        put_class,
        "requests",
        put_class / 1000 * prices.s3_put_per_1000,
    )
    add(
        "S3",
        "GET requests (processing, CloudFront misses)",
        gets,
        "requests",
        gets / 1000 * prices.s3_get_per_1000,
    )

    add("CloudFront", "data transfer out (Europe)", out_gb, "GB", out_gb * prices.cloudfront_gb)
    add(
        "CloudFront",
        "HTTPS requests",
        requests,
        "requests",
        requests / 10000 * prices.cloudfront_https_per_10000,
    )
    add(
        "CloudFront",
        "function on /media/* requests",
        media_requests,
        "invocations",
        media_requests / 1e6 * prices.cloudfront_function_per_million,
    )
    # Invalidation paths: none. No function calls CreateInvalidation since issue 19 (copies
    # that must stop being served are deleted and the edge keeps /media/* 20 s); measured by
    # bench.invalidations and make bench-scale. Before, a medium centre's purge and consent
    # restrictions asked for about 970 paths a month (docs/cost-model.md).
    paths = 0.0
    add(
        "CloudFront",
        "invalidation paths (before the 1,000 free per account)",
        paths,
        "paths",
        paths * prices.cloudfront_invalidation_path,
    )

    # Lambda.
    photo_gbs = photo_gb_seconds(results, b) * photos
    video_run = video_seconds(centre, b)
    video_gbs = video_run * memory_gb("video") * videos
    tmp_gbs = video_run * videos * _video_tmp_gb()
    api_gbs = api_requests * b.api_seconds * memory_gb("family")
    revocation_gbs = items * b.revocation_seconds_per_item * memory_gb("revocation")
    scheduled_gbs = memory_gb("purge") * (
        DAYS_PER_MONTH * (b.purge_seconds_per_day + b.digest_seconds_per_day)
        + HOURS_PER_MONTH * b.erasure_check_seconds
    )
    add("Lambda", "process (photos)", photo_gbs, "GB-s", photo_gbs * prices.lambda_gb_second)
    add("Lambda", "video", video_gbs, "GB-s", video_gbs * prices.lambda_gb_second)
    add("Lambda", "video /tmp above 512 MB", tmp_gbs, "GB-s", tmp_gbs * prices.lambda_tmp_gb_second)
    add("Lambda", "API functions", api_gbs, "GB-s", api_gbs * prices.lambda_gb_second)
    add(
        "Lambda",
        "revocation, purge, digest",
        revocation_gbs + scheduled_gbs,
        "GB-s",
        (revocation_gbs + scheduled_gbs) * prices.lambda_gb_second,
    )
    invocations = items * 2 + api_requests + DAYS_PER_MONTH * 2 + HOURS_PER_MONTH
    add(
        "Lambda",
        "requests",
        invocations,
        "invocations",
        invocations / 1e6 * prices.lambda_per_million,
    )

    # DynamoDB.
    audit_entries_month = items * 4 + visits * 1.5 + guardian_weeks * b.downloads_per_week
    audit_entries_month += sign_ins + DAYS_PER_MONTH
    table_bytes = (
        kept_items * (b.media_item_bytes + b.tags_per_item * b.tag_bytes)
        + audit_entries_month * 12 * b.audit_entry_bytes
        + (centre.children + centre.guardians + centre.staff) * b.person_bytes
    )
    table_gb = table_bytes / GB
    writes = (
        items * b.wru_per_item
        + family_api * b.wru_per_family_request
        + staff_api * b.wru_per_staff_request
        + sign_ins * b.wru_per_sign_in
        + digests * b.wru_per_digest
    )
    reads = (
        items * b.rru_per_item
        + family_api * b.rru_per_family_request
        + staff_api * b.rru_per_staff_request
        + sign_ins * b.rru_per_sign_in
        + digests * b.rru_per_digest
        + DAYS_PER_MONTH * b.purge_table_reads_per_day * table_bytes / 4096 * 0.5
        + HOURS_PER_MONTH
    )
    add(
        "DynamoDB",
        "write request units",
        writes,
        "WRU",
        writes / 1e6 * prices.dynamodb_write_per_million,
    )
    add(
        "DynamoDB",
        "read request units",
        reads,
        "RRU",
        reads / 1e6 * prices.dynamodb_read_per_million,
    )
    add("DynamoDB", "storage", table_gb, "GB-month", table_gb * prices.dynamodb_gb_month)
    add(
        "DynamoDB",
        "point-in-time recovery",
        table_gb,
        "GB-month",
        table_gb * prices.dynamodb_pitr_gb_month,
    )

    add(
        "API Gateway",
        "HTTP API requests",
        api_requests,
        "requests",
        api_requests / 1e6 * prices.http_api_per_million,
    )
    emails = sign_ins + digests
    add(
        "SES",
        "sign-in links and daily digests",
        emails,
        "e-mails",
        emails / 1000 * prices.ses_per_1000,
    )
    sqs = items * 3
    add(
        "SQS",
        "ingest messages (send, receive, delete)",
        sqs,
        "requests",
        sqs / 1e6 * prices.sqs_per_million,
    )

    log_gb = (invocations * b.log_bytes_per_invocation) / GB + (
        api_requests * b.access_log_bytes_per_request
    ) / GB
    add("CloudWatch", "logs ingested", log_gb, "GB", log_gb * prices.logs_ingest_gb)
    stored_logs = log_gb * 3 * b.log_compression  # kept 90 days
    add(
        "CloudWatch",
        "logs stored (90 days)",
        stored_logs,
        "GB-month",
        stored_logs * prices.logs_gb_month,
    )
    return lines


def _sizes_kb(results: dict[str, Any], behaviour: Behaviour) -> tuple[float, float, float]:
    cases = results["cases"]
    mix = _mix(results, behaviour)
    return (
        sum(share * cases[n]["output_kb"]["thumb"] for n, share in mix.items()),
        sum(share * cases[n]["output_kb"]["web"] for n, share in mix.items()),
        sum(share * cases[n]["output_kb"]["download"] for n, share in mix.items()),
    )


def _video_tmp_gb() -> float:
    use_project_paths()
    from pellicule.config import topology

    size = topology.FUNCTIONS["video"].ephemeral_storage_mb or 512
    return max(0, size - 512) / 1024


# --- One stack, one month ---------------------------------------------------------------------


# --- Measured by the simulation (bench/scale, docs/cost-model.md) ----------------------------

# Lines of centre_month() the simulation does not count, kept as assumptions: the browsers'
# traffic through CloudFront, videos (not uploaded by the simulation), the table's storage and
# backups, consent scans, logs.
ASSUMED_IN_MEASURED = (
    ("CloudFront", "data transfer out (Europe)"),
    ("CloudFront", "HTTPS requests"),
    ("CloudFront", "function on /media/* requests"),
    ("Lambda", "video"),
    ("Lambda", "video /tmp above 512 MB"),
    ("S3", "consent scans (evidence bucket)"),
    ("DynamoDB", "storage"),
    ("DynamoDB", "point-in-time recovery"),
    ("CloudWatch", "logs ingested"),
    ("CloudWatch", "logs stored (90 days)"),
)


def video_stored_mb(behaviour: Behaviour, centre: Centre) -> float:
    """One video as stored: its output, poster and thumbnail, plus its served copies."""
    one = (
        behaviour.video_output_mb_per_second * centre.video_seconds
        + behaviour.video_poster_kb * KB / 1e6
    )
    return one * (1 + behaviour.scopes_per_item)


def measured_month(
    counted: dict[str, float],
    centre: Centre,
    results: dict[str, Any],
    prices: Prices | None = None,
    behaviour: Behaviour | None = None,
) -> list[Line]:
    """The monthly cost lines of one centre from the quantities the simulation counted
    (``counted``: per month, see ``bench.scale``), the rest from the assumptions above.

    ``counted`` keys: ``dynamodb.wru``, ``dynamodb.rru``, ``s3.put_class``, ``s3.get_class``,
    ``s3.media_gb_month``, ``cloudfront.invalidation_paths``, ``ses.messages``,
    ``sqs.requests``, ``apigateway.requests``, ``lambda.<function>.gb_s`` and
    ``lambda.<function>.invocations``.
    """
    prices = prices or Prices()
    behaviour = behaviour or Behaviour()
    get = counted.get
    lines: list[Line] = []

    def add(service: str, what: str, quantity: float, unit: str, usd: float) -> None:
        lines.append(Line(service, what, quantity, unit, usd))

    gb = get("s3.media_gb_month", 0.0)
    add(
        "S3",
        "media: renditions and served copies (counted)",
        gb,
        "GB-month",
        gb * prices.s3_gb_month,
    )
    kept_videos = centre.videos_per_week * centre.active_weeks * centre.retention_months / 12
    video_gb = kept_videos * video_stored_mb(behaviour, centre) * 1e6 / GB
    add("S3", "videos (assumed)", video_gb, "GB-month", video_gb * prices.s3_gb_month)
    put, get_class = get("s3.put_class", 0.0), get("s3.get_class", 0.0)
    add("S3", "PUT/COPY/POST/LIST requests", put, "requests", put / 1000 * prices.s3_put_per_1000)
    add(
        "S3",
        "GET and other requests",
        get_class,
        "requests",
        get_class / 1000 * prices.s3_get_per_1000,
    )
    paths = get("cloudfront.invalidation_paths", 0.0)
    add(
        "CloudFront",
        "invalidation paths",
        paths,
        "paths",
        paths * prices.cloudfront_invalidation_path,
    )
    functions = sorted(
        {
            key.split(".")[1]
            for key in counted
            if key.startswith("lambda.") and key.endswith(".gb_s")
        }
    )
    for function in functions:
        gbs = get(f"lambda.{function}.gb_s", 0.0)
        add("Lambda", function, gbs, "GB-s", gbs * prices.lambda_gb_second)
    invocations = sum(get(f"lambda.{f}.invocations", 0.0) for f in functions)
    add(
        "Lambda",
        "requests",
        invocations,
        "invocations",
        invocations / 1e6 * prices.lambda_per_million,
    )
    wru, rru = get("dynamodb.wru", 0.0), get("dynamodb.rru", 0.0)
    add(
        "DynamoDB", "write request units", wru, "WRU", wru / 1e6 * prices.dynamodb_write_per_million
    )
    add("DynamoDB", "read request units", rru, "RRU", rru / 1e6 * prices.dynamodb_read_per_million)
    api = get("apigateway.requests", 0.0)
    add(
        "API Gateway", "HTTP API requests", api, "requests", api / 1e6 * prices.http_api_per_million
    )
    mails = get("ses.messages", 0.0)
    add("SES", "e-mails", mails, "e-mails", mails / 1000 * prices.ses_per_1000)
    sqs = get("sqs.requests", 0.0)
    add("SQS", "requests", sqs, "requests", sqs / 1e6 * prices.sqs_per_million)
    assumed = centre_month(centre, results, prices, behaviour)
    for line in assumed:
        if (line.service, line.what) in ASSUMED_IN_MEASURED:
            add(line.service, f"{line.what} (assumed)", line.quantity, line.unit, line.usd)
    return lines


def largest(lines: list[Line]) -> Line:
    return max(lines, key=lambda line: line.usd)


def fixed_month(prices: Prices) -> list[Line]:
    """What one stack (one stage in one region) costs with no centre at all."""
    use_project_paths()
    from pellicule.config import topology

    # Errors and throttles of every function, each ingest queue's DLQ, each stream consumer's
    # DLQ and iterator age (revocation, chainer), the API's 5xx, the archives' DLQ
    # (tests/infra/test_operations.py counts them in the template).
    alarms = 2 * len(topology.FUNCTIONS) + len(topology.INGEST_PIPELINES) + 2 * 2 + 1 + 1
    # Lambda's SQS pollers long-poll each queue even when it is empty (about 0.65 million
    # receive requests a queue a month; approximate).
    polling = 0.65e6 * len(topology.INGEST_PIPELINES)
    return [
        Line("Secrets Manager", "CloudFront signing key", 1, "secret", prices.secret_month),
        Line(
            "CloudWatch",
            "alarms (errors and throttles of every function, DLQs, stream)",
            alarms,
            "alarms",
            alarms * prices.alarm_month,
        ),
        Line(
            "SQS",
            "idle long polling of the ingest queues",
            polling,
            "requests",
            polling / 1e6 * prices.sqs_per_million,
        ),
        Line("KMS", "AWS-managed keys (table, secret): no monthly fee, few requests", 0, "", 0.0),
        Line("EventBridge, SSM, SNS", "schedules, public-URL parameter, alarm e-mails", 0, "", 0.0),
    ]


# --- Output -------------------------------------------------------------------------------------


def total(lines: list[Line]) -> float:
    return sum(line.usd for line in lines)


def _quantity(value: float) -> str:
    if value == 0:
        return "–"
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 1:
        return f"{value:.1f}"
    return f"{value:.3f}"


def _usd(value: float) -> str:
    return f"{value:.2f}" if value >= 0.01 or value == 0 else f"{value:.4f}"


def markdown_lines(lines: list[Line]) -> str:
    rows = ["| service | what | quantity | unit | USD / month |", "|---|---|---:|---|---:|"]
    rows += [
        f"| {line.service} | {line.what} | {_quantity(line.quantity)} | {line.unit} | "
        f"{_usd(line.usd)} |"
        for line in lines
    ]
    rows.append(f"| **total** | | | | **{_usd(total(lines))}** |")
    return "\n".join(rows)


def photo_table(results: dict[str, Any], behaviour: Behaviour) -> str:
    rows = [
        "| case | render ms (measured) | memory MB | GB-s render | GB-s with I/O |",
        "|---|---:|---:|---:|---:|",
    ]
    for row in photo_costs(results, behaviour):
        rows.append(
            f"| `{row.case}` | {row.render_ms:.1f} | {row.memory_mb} | {row.render_gb_s:.3f} | "
            f"{row.total_gb_s:.3f} |"
        )
    return "\n".join(rows)


def summary(results: dict[str, Any], behaviour: Behaviour | None = None) -> str:
    """GB-s per photo and the medium centre's month, a few lines (for make bench)."""
    behaviour = behaviour or Behaviour()
    out = ["cost model (python -m bench.cost; docs/cost-model.md):"]
    try:
        _mix(results, behaviour)
    except ValueError as error:
        return f"{out[0]} {error}"
    for row in photo_costs(results, behaviour):
        out.append(
            f"  {row.case}: {row.render_ms:.0f} ms x {row.memory_mb} MB = "
            f"{row.render_gb_s:.3f} GB-s ({row.total_gb_s:.3f} with assumed I/O)"
        )
    prices = Prices()
    centre = SCENARIOS["medium"]
    lines = centre_month(centre, results, prices, behaviour)
    out.append(
        f"  mean photo {photo_gb_seconds(results, behaviour):.3f} GB-s; medium centre "
        f"USD {total(lines):.2f}/month (assumption model; make bench-scale counts), "
        f"approximate eu-west-3 prices"
    )
    return "\n".join(out)


def report(results: dict[str, Any], scenarios: list[str]) -> str:
    prices, behaviour = Prices(), Behaviour()
    parts = [
        "## Lambda GB-s per photo (process function, measured render)",
        "",
        photo_table(results, behaviour),
        "",
        f"Mean photo (mix {behaviour.photo_mix}, {behaviour.blurred_share:.0%} re-rendered "
        f"blurred): {photo_gb_seconds(results, behaviour):.3f} GB-s.",
        "",
    ]
    for name in scenarios:
        centre = SCENARIOS[name]
        lines = centre_month(centre, results, prices, behaviour)
        parts += [
            f"## {name}: {centre.children} children, {centre.guardians} guardians, "
            f"{centre.staff} staff, {centre.photos_per_week:g} photos/week, "
            f"{centre.videos_per_week:g} videos/week, {centre.active_weeks} active weeks a year, "
            f"retention {centre.retention_months} months",
            "",
            markdown_lines(lines),
            "",
            f"Per child: USD {total(lines) / centre.children:.3f}/month.",
            "",
        ]
    parts += ["## Fixed, per stack", "", markdown_lines(fixed_month(prices)), ""]
    return "\n".join(parts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.cost", description=__doc__)
    parser.add_argument("--results", type=Path, default=RESULTS)
    parser.add_argument("--scenario", choices=list(SCENARIOS), action="append")
    args = parser.parse_args(argv)
    try:
        results = json.loads(args.results.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        print(f"bench.cost: cannot read {args.results}: {error} (run make bench)", file=sys.stderr)
        return 2
    print(report(results, args.scenario or list(SCENARIOS)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
