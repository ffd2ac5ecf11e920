"""Data access: the PynamoDB models of the single table and the modules that read and write them."""
