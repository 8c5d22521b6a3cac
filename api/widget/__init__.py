"""The website chat widget: the SDK script, the visitors' websocket, the test page."""
