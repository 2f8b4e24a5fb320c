"""A tiny service for test_serve: an HTTP entrypoint (the kind `nameko run` left deaf to SIGTERM)."""
from nameko.web.handlers import http


class Pinger:
    name = "pinger"

    @http("GET", "/ping")
    def ping(self, request):
        return "pong"
