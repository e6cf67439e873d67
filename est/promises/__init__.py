"""Medborgarlöften: drafting from a lägesbild, indicators and follow-up."""
