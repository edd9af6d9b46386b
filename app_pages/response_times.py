"""placeholder"""
from __future__ import annotations

from app_pages import common

frame = common.page("response_times", "response_times")
