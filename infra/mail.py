"""SES sending identity (only when the operator gives ``mailDomain``).

The operator owns the domain's DNS: after deployment, publish the DKIM records SES shows for
the identity. The functions that send mail (auth: magic links; digest: daily digests) get
sending rights on this identity only, through :meth:`Mail.grant_send`.
"""

from __future__ import annotations

from aws_cdk import aws_iam as iam
from aws_cdk import aws_ses as ses
from constructs import Construct


class Mail(Construct):
    """An SES domain identity with Easy DKIM."""

    def __init__(self, scope: Construct, construct_id: str, *, mail_domain: str) -> None:
        super().__init__(scope, construct_id)
        self.identity = ses.EmailIdentity(
            self, "DomainIdentity", identity=ses.Identity.domain(mail_domain)
        )

    def grant_send(self, grantee: iam.IGrantable) -> None:
        """Allow sending mail from this domain identity only."""
        self.identity.grant_send_email(grantee)
