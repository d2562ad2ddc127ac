"""Figures for reviews and retrospectives: trends, Pareto charts, escapes, digests, reading lists, feeds."""
