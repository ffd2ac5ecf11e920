"""``make bench-scale``: a simulated week of 10, 100 and 1,000 centres on one stack, in moto,
counting what the code asks of AWS (docs/cost-model.md, "Measured by the simulation")."""
