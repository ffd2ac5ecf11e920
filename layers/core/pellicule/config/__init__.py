"""What a function is configured with: typed settings, resource names (topology), the one
clock, logging."""
