"""A loopback emulator of the HubSpot CRM API (v3 objects, v4 associations, lists v3).

Start it with ``crmsync emulate hubspot`` or, in tests, serve ``server.create_app()`` with
``crmsync.emulators.common.server.running``; drive its test hooks with
``control_client.HubSpotEmulatorControl``. See docs/emulators.md.
"""
