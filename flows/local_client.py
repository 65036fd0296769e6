"""The Prefect client that in-process (embedded mode) flow runs share.

One open client per API for the whole process, shared by all threads (as Prefect shares a
flow's client with its task threads): a new client per run builds an SSL context and a
connection each time, ~25 ms of every run (measured).

It is Prefect's own sync client, two requests lighter per flow run (of six; ~10 ms of a
~75 ms run, measured):
- the flow's id is asked of the server once per process, not once per run (`POST /flows/`
  is an upsert by name that always answers the same id);
- a run of a flow that names its runs with a template (`flow_run_name="application-{...}"`)
  gets its name when it is created, so the engine's rename to the same name right after
  is not sent.
"""

from __future__ import annotations

import atexit
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from uuid import UUID

import httpx
from prefect.client.orchestration import SyncPrefectClient
from prefect.context import SyncClientContext
from prefect.settings import PREFECT_API_AUTH_STRING, PREFECT_API_KEY, PREFECT_API_URL


class RunClient(SyncPrefectClient):
    def __init__(self, api: str) -> None:
        # as prefect.get_client(sync_client=True) builds it for a configured API
        super().__init__(
            api, auth_string=PREFECT_API_AUTH_STRING.value(), api_key=PREFECT_API_KEY.value()
        )
        self._flow_answers: dict[str, httpx.Response] = {}  # POST /flows/ by flow name
        self._named: dict[UUID, str] = {}

    def request(
        self, method: str, path: str, params: Any = None, path_params: Any = None, **kwargs: Any
    ) -> httpx.Response:
        if method == "POST" and path == "/flows/":
            name = kwargs["json"]["name"]
            if name not in self._flow_answers:
                self._flow_answers[name] = super().request(
                    method, path, params, path_params, **kwargs
                )
            return self._flow_answers[name]
        return super().request(method, path, params, path_params, **kwargs)

    def create_flow_run(
        self,
        flow: Any,
        name: str | None = None,
        parameters: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> Any:
        if name is None and isinstance(flow.flow_run_name, str):
            name = flow.flow_run_name.format(**(parameters or {}))
        try:
            run = super().create_flow_run(flow, name=name, parameters=parameters, **kwargs)
        except httpx.HTTPStatusError:
            if self._flow_answers.pop(flow.name, None) is None:
                raise
            # the flow was deleted on the server since its id was kept: ask again, once
            run = super().create_flow_run(flow, name=name, parameters=parameters, **kwargs)
        if name is not None:
            self._named[run.id] = name
        return run

    def set_flow_run_name(self, flow_run_id: UUID, name: str) -> httpx.Response:
        if self._named.pop(flow_run_id, None) == name:
            return httpx.Response(204)  # created with this very name
        return super().set_flow_run_name(flow_run_id, name)


_contexts: dict[str, SyncClientContext] = {}
_lock = threading.Lock()


def _close_all() -> None:
    with _lock:
        for ctx in _contexts.values():
            ctx.client.__exit__(None, None, None)
        _contexts.clear()


@contextmanager
def shared_client() -> Iterator[None]:
    """Make the process's client for the current API the one Prefect's engine uses."""
    api = PREFECT_API_URL.value()
    with _lock:
        ctx = _contexts.get(api)
        if ctx is None:
            if not _contexts:
                atexit.register(_close_all)
            ctx = SyncClientContext()
            ctx.client = RunClient(api)
            ctx.client.__enter__()  # opened once; closed at exit by _close_all
            _contexts[api] = ctx
    token = SyncClientContext.__var__.set(ctx)
    try:
        yield
    finally:
        SyncClientContext.__var__.reset(token)
