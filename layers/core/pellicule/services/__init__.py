"""Use cases shared by several functions: consent changes, publication, retention, erasure,
ingest, the audit chain, magic links, sessions, a centre's settings."""
