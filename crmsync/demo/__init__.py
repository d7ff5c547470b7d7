"""``crmsync demo``: both emulators seeded with a realistic data set, synced and served."""
