"""The consent text a guardian accepts electronically, versioned and hashed.

An electronic acceptance records the version and the SHA-256 of the exact text shown, so the
centre can prove what was agreed to. Changing the wording means adding a new version (old
versions stay here: their hashes are evidence in existing consents).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache

from pellicule.domain.gate import ALL_FAMILIES_OF_CENTRE, FAMILIES_OF_GROUP, PUBLIC_COMMUNICATION


@dataclass(frozen=True)
class ConsentText:
    version: str
    fr: str
    en: str

    @property
    def sha256(self) -> str:
        canonical = f"{self.version}\n{self.fr}\n{self.en}".encode()
        return hashlib.sha256(canonical).hexdigest()


AUDIENCE_LABELS: dict[str, tuple[str, str]] = {
    FAMILIES_OF_GROUP: (
        "les familles du groupe de mon enfant",
        "the families of my child's group",
    ),
    ALL_FAMILIES_OF_CENTRE: (
        "toutes les familles du centre",
        "all the families of the centre",
    ),
    PUBLIC_COMMUNICATION: (
        "la communication publique du centre (site, affiches, bulletin municipal)",
        "the centre's public communication (website, posters, town newsletter)",
    ),
}

KIND_LABELS: dict[str, tuple[str, str]] = {
    "photo": ("photos", "photos"),
    "video": ("vidéos", "videos"),
}

_V1 = ConsentText(
    version="2026-09",
    fr=(
        "J'autorise le centre à montrer des photos et vidéos de mon enfant, prises pendant les "
        "activités, aux seuls publics que je coche ci-dessous, pour les types de médias que je "
        "coche, jusqu'à la date indiquée (par défaut la fin de la saison). Les médias restent "
        "privés : ils ne sont visibles qu'à travers Pellicule, par des liens personnels qui "
        "expirent. Je peux retirer ou restreindre mon accord à tout moment, en un clic ; le "
        "retrait prend effet immédiatement. Je peux demander l'effacement des médias où mon "
        "enfant apparaît."
    ),
    en=(
        "I allow the centre to show photos and videos of my child, taken during activities, "
        "only to the audiences I tick below, for the media kinds I tick, until the date shown "
        "(by default the end of the season). Media stay private: they can only be seen through "
        "Pellicule, through personal links that expire. I can withdraw or restrict my consent "
        "at any time, in one click; withdrawal takes effect at once. I can ask for the media in "
        "which my child appears to be erased."
    ),
)

# Issue 17 (docs/relatives.md): "the family" includes the relatives a guardian invites. The
# first version stays: its hash is the evidence of the consents given under it.
_RELATIVES_FR = (
    " « Les familles » comprennent les proches (par exemple les grands-parents) qu'un parent "
    "invite dans Pellicule : ils voient au plus ce que voit la famille qui les a invités, ne "
    "téléchargent que si ce parent et le centre le permettent, et ce parent peut leur retirer "
    "l'accès à tout moment."
)
_RELATIVES_EN = (
    ' "Families" include the relatives (for example grandparents) a parent invites into '
    "Pellicule: they see at most what the family that invited them sees, download only if "
    "that parent and the centre allow it, and that parent can remove their access at any time."
)
_V2 = ConsentText(version="2026-12", fr=_V1.fr + _RELATIVES_FR, en=_V1.en + _RELATIVES_EN)

VERSIONS: dict[str, ConsentText] = {_V1.version: _V1, _V2.version: _V2}
CURRENT = _V2


@cache
def known_hashes() -> frozenset[str]:
    return frozenset(text.sha256 for text in VERSIONS.values())


def as_dict(text: ConsentText = CURRENT) -> dict[str, object]:
    """The text and the choices it offers, as the web app shows them."""
    return {
        "version": text.version,
        "sha256": text.sha256,
        "fr": text.fr,
        "en": text.en,
        "audiences": [
            {"id": audience, "fr": fr, "en": en} for audience, (fr, en) in AUDIENCE_LABELS.items()
        ],
        "media_kinds": [{"id": kind, "fr": fr, "en": en} for kind, (fr, en) in KIND_LABELS.items()],
    }
