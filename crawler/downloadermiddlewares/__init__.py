"""Downloader middlewares: each request and response between the engine and the network."""
