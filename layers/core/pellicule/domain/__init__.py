"""Pure rules of the product: the publication gate, consent terms and texts, face boxes, the
second factor, and the domain errors. No I/O, no AWS SDK, no PynamoDB."""
