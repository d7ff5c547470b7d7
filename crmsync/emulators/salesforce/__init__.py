"""A loopback emulator of the Salesforce REST API (see docs/emulators.md, ## Salesforce).

Entry points: ``app.create_app`` (tests), ``server.serve`` (CLI) and
``control.SalesforceEmulatorControl`` (test hooks).
"""
