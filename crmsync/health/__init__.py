"""Sync health: the API budget (R1, R2), the health report (R3, R4, R6) and how it works (R7)."""
