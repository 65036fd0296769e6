"""Routers by audience; each page and API route calls the service layer."""

from fastapi import APIRouter

from snicert.web.routes import applicant, lab, official

ROUTERS: list[APIRouter] = [applicant.router, lab.router, official.router]
