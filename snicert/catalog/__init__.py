"""Product, checklist and unit data: models, loading and validation."""

from snicert.catalog.loader import Catalog, DataError, Problem, default_catalog, load_catalog

__all__ = ["Catalog", "DataError", "Problem", "default_catalog", "load_catalog"]
