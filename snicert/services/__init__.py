"""The service layer: every rule of the certification body lives here.

The CLI, the flows and the web API call these functions inside `db.transaction()`;
each function writes its audit event in that same transaction.
"""
