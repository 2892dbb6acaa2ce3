"""A trainee's or trainer's way into the hub over HTTP: the login form, then the hub's REST API with a token.

Used by the hub tests and ``python -m bench hub``. Everything goes through the proxy's public URL, as a browser
does: ``/hub/login`` (PAM password), ``/hub/api/users/<name>/tokens``, ``/hub/api/users/<name>/server``, then the
user's server (``/user/<name>/api/contents``, nbgrader's ``/user/<name>/assignments/...``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import requests

COURSE_ID = "cluster-excellence"


@dataclass
class HubUser:
    base: str  # http://127.0.0.1:PORT
    name: str
    password: str
    session: requests.Session = field(default_factory=requests.Session)
    token: str = ""

    def login(self) -> None:
        """Log in through the login form and get an API token of this user."""
        s = self.session
        s.get(f"{self.base}/hub/login", timeout=30).raise_for_status()
        xsrf = {c.name: c.value for c in s.cookies}.get("_xsrf")
        r = s.post(
            f"{self.base}/hub/login",
            data={"username": self.name, "password": self.password, "_xsrf": xsrf},
            allow_redirects=False,
            timeout=60,
        )
        if r.status_code != 302 or "/hub/login" in r.headers.get("Location", ""):
            raise PermissionError(f"login of {self.name} refused (HTTP {r.status_code})")
        s.get(f"{self.base}/hub/home", timeout=30)
        xsrf = {c.name: c.value for c in s.cookies if c.path == "/hub/"}.get("_xsrf", xsrf)
        r = s.post(
            f"{self.base}/hub/api/users/{self.name}/tokens",
            json={"note": "hub client", "expires_in": 3600},
            headers={"X-XSRFToken": xsrf},
            timeout=30,
        )
        r.raise_for_status()
        self.token = r.json()["token"]

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"token {self.token}"}

    def api(self, method: str, path: str, **kw) -> requests.Response:
        return requests.request(method, f"{self.base}{path}", headers=self.headers, timeout=120, **kw)

    def spawn(self, timeout: float = 120) -> float:
        """Start this user's server; return the seconds until it answers."""
        t0 = time.monotonic()
        r = self.api("POST", f"/hub/api/users/{self.name}/server")
        if r.status_code not in (201, 202, 400):  # 400: already running
            r.raise_for_status()
        while time.monotonic() - t0 < timeout:
            info = self.api("GET", f"/hub/api/users/{self.name}").json()
            server = (info.get("servers") or {}).get("")
            if server and server.get("ready"):
                if self.server("GET", "/api/status").status_code == 200:
                    return time.monotonic() - t0
            time.sleep(0.25)
        raise TimeoutError(f"server of {self.name} not ready after {timeout} s")

    def stop(self) -> None:
        self.api("DELETE", f"/hub/api/users/{self.name}/server")

    def server(self, method: str, path: str, **kw) -> requests.Response:
        return self.api(method, f"/user/{self.name}{path}", **kw)

    def nbgrader(self, action: str, assignment: str) -> dict:
        """nbgrader's assignment-list server extension: fetch, submit or fetch_feedback."""
        r = self.server(
            "POST", f"/assignments/{action}", data={"assignment_id": assignment, "course_id": COURSE_ID}
        )
        r.raise_for_status()
        return r.json()

    def assignments(self) -> list[dict]:
        r = self.server("GET", "/assignments", params={"course_id": COURSE_ID})
        r.raise_for_status()
        return r.json()["value"]
