"""Routers by audience; each page and API route calls the service layer."""

from fastapi import APIRouter

from snicert.web.routes import (
    account,
    admin,
    applicant,
    audits,
    changes,
    complaints,
    exports,
    impartiality,
    lab,
    lists,
    notifications,
    official,
    payments,
    review,
    sampling,
    surveillance,
    survey,
)

ROUTERS: list[APIRouter] = [
    applicant.router,
    sampling.router,
    lab.router,
    official.router,
    lists.router,
    review.router,
    exports.router,
    admin.router,
    account.router,
    notifications.router,
    audits.router,
    audits.plain,
    survey.router,
    complaints.router,
    complaints.staff,
    payments.router,
    payments.staff,
    changes.router,
    changes.staff,
    surveillance.router,
    impartiality.router,
]
