"""Routers by audience; each page and API route calls the service layer."""

from fastapi import APIRouter

from snicert.web.routes import (
    account,
    admin,
    applicant,
    audits,
    exports,
    lab,
    notifications,
    official,
    sampling,
)

ROUTERS: list[APIRouter] = [
    applicant.router,
    sampling.router,
    lab.router,
    official.router,
    exports.router,
    admin.router,
    account.router,
    notifications.router,
    audits.router,
    audits.plain,
]
