"""`uvicorn api.main:app` runs the API without Ray (the Serve ingress is serve/app.py)."""

from api.app import create_app

app = create_app()
