"""The DynamoDB table (single-table design, spec in :data:`pellicule.config.topology.TABLE`)."""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from constructs import Construct

from pellicule.config import topology


def _string_key(name: str) -> dynamodb.Attribute:
    return dynamodb.Attribute(name=name, type=dynamodb.AttributeType.STRING)


class Data(Construct):
    """On-demand table with PITR, TTL, a stream (consent changes) and the GSIs of the spec."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        names: topology.Names,
        removal_policy: RemovalPolicy,
        deletion_protection: bool,
    ) -> None:
        super().__init__(scope, construct_id)
        spec = topology.TABLE
        self.table = dynamodb.Table(
            self,
            "Table",
            table_name=names.table,
            partition_key=_string_key(spec.partition_key),
            sort_key=_string_key(spec.sort_key),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            encryption=dynamodb.TableEncryption.AWS_MANAGED,
            time_to_live_attribute=spec.ttl_attribute,
            stream=dynamodb.StreamViewType(spec.stream_view),
            deletion_protection=deletion_protection,
            removal_policy=removal_policy,
        )
        for index in spec.indexes:
            self.table.add_global_secondary_index(
                index_name=index.name,
                partition_key=_string_key(index.partition_key),
                sort_key=_string_key(index.sort_key),
                projection_type=dynamodb.ProjectionType.ALL,
            )
