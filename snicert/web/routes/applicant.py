"""Pages and API routes for applicant work."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
