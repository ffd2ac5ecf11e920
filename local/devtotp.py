"""``/_dev/totp``: the current second-factor codes of the local stack's staff.

Local only, like the dev mailbox: in the demo a person who has no authenticator app at hand
can still sign in as the director. The page reads each staff member's stored TOTP secret
(the enrolled one, and a new one being set up) and shows the code of this 30-second step;
it refreshes itself every ten seconds (a meta refresh: no script, the app's CSP holds).
It never exists in AWS: only the local gateway serves ``/_dev/*``.
"""

from __future__ import annotations

import html
from typing import Any

from pellicule.config import clock
from pellicule.domain import totp
from pellicule.store import data, keys
from pellicule.store.models import Staff, Tenant

PAGE_TITLE = "Codes de double authentification (développement)"


def _secret(value: Any) -> str | None:
    found = value.as_dict() if value is not None and hasattr(value, "as_dict") else value
    if isinstance(found, dict) and isinstance(found.get("secret"), str):
        return str(found["secret"])
    return None


def codes(at: float | None = None) -> list[dict[str, str]]:
    """One row per staff member with a stored secret: centre, name, role, current code(s)."""
    data.ready()
    now = clock.now() if at is None else at
    step = totp.time_step(now)
    centres = {t.tenant_id: t.name for t in Tenant.scan(Tenant.sk == keys.PROFILE)}
    rows = []
    for staff in Staff.scan(Staff.sk.startswith("STAFF#")):
        enrolled = _secret(staff.second_factor)
        renewing = _secret(staff.second_factor_renewal)
        if not enrolled and not renewing:
            continue
        rows.append(
            {
                "centre": centres.get(staff.tenant_id, staff.tenant_id),
                "name": staff.display_name,
                "role": staff.role,
                "code": totp.code_at(enrolled, step) if enrolled else "",
                "new_app_code": totp.code_at(renewing, step) if renewing else "",
            }
        )
    return sorted(rows, key=lambda row: (row["centre"], row["name"]))


def render_page(rows: list[dict[str, str]], stylesheet: str) -> str:
    body = "".join(
        "<tr>"
        f"<td>{html.escape(row['centre'])}</td><td>{html.escape(row['name'])}</td>"
        f"<td>{html.escape(row['role'])}</td><td><code>{html.escape(row['code'])}</code></td>"
        f"<td><code>{html.escape(row['new_app_code'])}</code></td>"
        "</tr>"
        for row in rows
    )
    empty = (
        "<p>Personne n'a encore commencé l'enrôlement. / Nobody has started enrolment yet.</p>"
        if not rows
        else ""
    )
    return (
        '<!doctype html><html lang="fr"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta http-equiv="refresh" content="10">'
        f"<title>{PAGE_TITLE}</title>"
        f'<link rel="stylesheet" href="{stylesheet}"></head><body><main>'
        f"<h1>{PAGE_TITLE}</h1>"
        "<p>Environnement local uniquement : le code de l'application d'authentification de "
        "chaque membre de l'équipe, pour ce pas de 30 secondes (la page se rafraîchit). / "
        "Local stack only: each staff member's authenticator code for this 30-second step.</p>"
        f"{empty}"
        '<table><thead><tr><th scope="col">Centre</th><th scope="col">Nom / name</th>'
        '<th scope="col">Rôle / role</th><th scope="col">Code</th>'
        '<th scope="col">Nouvelle application / new app</th></tr></thead>'
        f"<tbody>{body}</tbody></table></main></body></html>"
    )
