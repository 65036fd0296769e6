"""The management review's forms: charts (matplotlib), the page and HTML file, the PDF and
the XLSX workbook, all from the one model of snicert.services.review.build."""
