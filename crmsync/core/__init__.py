"""The pure core of crmsync: field rules, mappings, the seed's business rules.

Nothing here performs I/O or imports an HTTP library, a CRM SDK or SQLAlchemy. The
engine reads records through connectors, hands plain values to these functions and
persists what they return.

Modules, one job each:

- :mod:`crmsync.core.values` — what "blank" and "equal" mean for a field value.
- :mod:`crmsync.core.sync_rules` — sync rules and the three-way decision for one field.
- :mod:`crmsync.core.mapping` — property mappings as data, defaults, validation (R23).
- :mod:`crmsync.core.translation` — value transforms (country, state, owner, value map).
- :mod:`crmsync.core.geography` — country/state normalisation (R11).
- :mod:`crmsync.core.email` — email normalisation and validity (R12).
- :mod:`crmsync.core.policies` — contact settings and their decisions (R8-R10, R13, R14).
- :mod:`crmsync.core.matching` — duplicate-email choice and lead conversion.
- :mod:`crmsync.core.errors_table` — API error codes to health-page categories (R3, R27).
"""
