"""A small client for Scrapyd's JSON API (``schedule.json``, ``listjobs.json``, ``cancel.json``,
``addversion.json``, ``daemonstatus.json``, ``listversions.json``).

Why not scrapyd-client: its packaging needs a ``setup.py`` (nianbao is configured by
``pyproject.toml``) and the five calls we make are a form POST or a GET each; the standard
library does them without another dependency on every node. Every failure is a
:class:`ScrapydError` naming the node and the call, so a caller can tell a node that stopped
answering (``unreachable``) from one that refused a request (``status: error``).
"""

from __future__ import annotations

import json
import secrets
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any


class ScrapydError(RuntimeError):
    """A Scrapyd call failed; ``unreachable`` is true when the node did not answer at all."""

    def __init__(self, message: str, *, unreachable: bool = False):
        super().__init__(message)
        self.unreachable = unreachable


def _multipart(fields: dict[str, str], files: dict[str, tuple[str, bytes]]) -> tuple[bytes, str]:
    boundary = "nianbao-" + secrets.token_hex(12)
    parts: list[bytes] = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                     .encode() + value.encode() + b"\r\n")
    for name, (filename, data) in files.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                     f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'
                     .encode() + data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


@dataclass
class ScrapydNode:
    """One Scrapyd server, e.g. ``ScrapydNode("http://10.0.0.5:6800")``.

    Requests bypass any ``http_proxy`` of the environment: a crawl's proxy is for portals,
    never for talking to our own nodes.
    """

    url: str
    timeout: float = 10.0
    auth: tuple[str, str] | None = None

    def __post_init__(self) -> None:
        parts = urllib.parse.urlsplit(self.url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"Scrapyd node {self.url!r}: expected an http(s) URL like "
                             "http://host:6800")
        self.url = self.url.rstrip("/")
        handlers: list[Any] = [urllib.request.ProxyHandler({})]
        if self.auth:
            mgr = urllib.request.HTTPPasswordMgrWithDefaultRealm()
            mgr.add_password(None, self.url, *self.auth)
            handlers.append(urllib.request.HTTPBasicAuthHandler(mgr))
        self._opener = urllib.request.build_opener(*handlers)

    def __str__(self) -> str:
        return self.url

    # -- transport ---------------------------------------------------------------------------
    def _call(self, endpoint: str, *, query: list[tuple[str, str]] | None = None,
              form: list[tuple[str, str]] | None = None, body: bytes | None = None,
              content_type: str = "") -> dict[str, Any]:
        url = f"{self.url}/{endpoint}"
        if query:
            url += "?" + urllib.parse.urlencode(query)
        data = body
        headers = {"Accept": "application/json"}
        if form is not None:
            data = urllib.parse.urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        elif content_type:
            headers["Content-Type"] = content_type
        request = urllib.request.Request(url, data=data, headers=headers,
                                         method="POST" if data is not None else "GET")
        try:
            with self._opener.open(request, timeout=self.timeout) as resp:
                raw = resp.read()
        except urllib.error.HTTPError as exc:
            raise ScrapydError(f"{url}: HTTP {exc.code} {exc.reason}") from exc
        except (urllib.error.URLError, OSError) as exc:
            raise ScrapydError(f"{url}: node not answering ({exc})", unreachable=True) from exc
        try:
            answer = json.loads(raw)
        except ValueError as exc:
            raise ScrapydError(f"{url}: not a JSON answer: {raw[:200]!r}") from exc
        if not isinstance(answer, dict) or answer.get("status") != "ok":
            message = answer.get("message") if isinstance(answer, dict) else answer
            raise ScrapydError(f"{url}: {message}")
        return answer

    def get_text(self, path: str) -> str:
        """A plain file the node serves (e.g. a job's log under ``/logs/``)."""
        url = path if path.startswith(("http://", "https://")) else f"{self.url}/{path.lstrip('/')}"
        try:
            with self._opener.open(url, timeout=self.timeout) as resp:
                return str(resp.read().decode("utf-8", "replace"))
        except (urllib.error.URLError, OSError) as exc:
            raise ScrapydError(f"{url}: {exc}", unreachable=True) from exc

    # -- API ---------------------------------------------------------------------------------
    def daemon_status(self) -> dict[str, Any]:
        return self._call("daemonstatus.json")

    def alive(self) -> bool:
        try:
            self.daemon_status()
        except ScrapydError:
            return False
        return True

    def add_version(self, project: str, version: str, egg: bytes) -> dict[str, Any]:
        body, ctype = _multipart({"project": project, "version": version},
                                 {"egg": (f"{project}-{version}.egg", egg)})
        return self._call("addversion.json", body=body, content_type=ctype)

    def list_versions(self, project: str) -> list[str]:
        return list(self._call("listversions.json", query=[("project", project)])["versions"])

    def schedule(self, project: str, spider: str, *, job_id: str | None = None,
                 settings: dict[str, str] | None = None, args: dict[str, str] | None = None,
                 version: str | None = None, priority: float = 0) -> str:
        """Queue one spider run; ``settings`` become ``-s`` and ``args`` ``-a`` on the node."""
        form: list[tuple[str, str]] = [("project", project), ("spider", spider)]
        if job_id:
            form.append(("jobid", job_id))
        if version:
            form.append(("_version", version))
        if priority:
            form.append(("priority", str(priority)))
        for key, value in (settings or {}).items():
            form.append(("setting", f"{key}={value}"))
        for key, value in (args or {}).items():
            if key in ("project", "spider", "jobid", "_version", "priority", "setting"):
                raise ValueError(f"spider argument {key!r} collides with a Scrapyd parameter")
            form.append((key, value))
        return str(self._call("schedule.json", form=form)["jobid"])

    def list_jobs(self, project: str | None = None) -> dict[str, list[dict[str, Any]]]:
        answer = self._call("listjobs.json", query=[("project", project)] if project else None)
        return {k: list(answer.get(k, [])) for k in ("pending", "running", "finished")}

    def job_state(self, project: str, job_id: str) -> str | None:
        """``pending``, ``running``, ``finished``, or None if the node does not know the job."""
        jobs = self.list_jobs(project)
        for state in ("finished", "running", "pending"):
            if any(j.get("id") == job_id for j in jobs[state]):
                return state
        return None

    def cancel(self, project: str, job_id: str, signal: str = "INT") -> str | None:
        answer = self._call("cancel.json", form=[("project", project), ("job", job_id),
                                                 ("signal", signal)])
        prev = answer.get("prevstate")
        return str(prev) if prev else None
