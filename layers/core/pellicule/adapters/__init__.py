"""The only users of boto3: S3 and other clients, CloudFront signing, SES."""
