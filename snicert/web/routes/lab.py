"""Pages and API routes for lab work."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
