"""Clinic Reads: the application assembled from its parts (``create_app``) and the model registry."""

__version__ = "0.10.0"
