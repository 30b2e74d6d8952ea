"""The OpenAPI 3.1 description of the editors' and public API, served at ``/api/openapi.json`` and ``/api/docs``."""
