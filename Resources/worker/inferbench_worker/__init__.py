"""Inferbench's measurement worker: loads one model through MLX and times prefill and decode."""

from .system import PROTOCOL_VERSION

__all__ = ["PROTOCOL_VERSION"]
