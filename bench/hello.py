"""The baseline for requests per second: a bare Flask view under the same gunicorn settings."""

from flask import Flask

app = Flask(__name__)


@app.route("/")
def hello() -> str:
    """Nothing but Flask and the server: the ceiling the dashboard is compared with."""
    return "hello"
