"""snicert: workflow engine for SNI product certification of UMKM goods."""

__version__ = "0.1.0"
