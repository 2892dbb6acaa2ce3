"""JupyterHub configuration of the course hub (``python -m hub up`` writes ``<state>/hub.json`` and starts it).

Standard parts only: PAMAuthenticator over the local accounts made from the roster, LocalProcessSpawner (each
server runs as its user, in the user's home, from the course environment), configurable-http-proxy from npm,
nbgrader's exchange, the formgrader as a hub service of the trainers' group ("one class, multiple graders"),
jupyterhub-idle-culler, and the grading service.
"""

import asyncio
import json
import os
import time
from pathlib import Path

from jupyterhub.services import service as _service
from jupyterhub.spawner import LocalProcessSpawner
from traitlets import Integer

c = get_config()  # noqa: F821 (injected by JupyterHub)

HERE = Path(__file__).resolve().parent
STATE = Path(os.environ["CLUSTER_HUB_STATE"])
CFG = json.loads((STATE / "hub.json").read_text())
VENV_BIN = Path(CFG["venv"]) / "bin"
SERVICE = CFG["course_service"]  # the formgrader service's name (= course id)

c.JupyterHub.bind_url = f"http://127.0.0.1:{CFG['port']}"
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = CFG["hub_port"]
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{CFG['proxy_api_port']}"
c.ConfigurableHTTPProxy.command = [str(HERE / "node_modules" / ".bin" / "configurable-http-proxy")]
c.ConfigurableHTTPProxy.pid_file = str(STATE / "proxy.pid")
c.JupyterHub.db_url = f"sqlite:///{STATE / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(STATE / "jupyterhub_cookie_secret")
c.JupyterHub.cleanup_servers = True

# Accounts: the roster's local users, passwords checked by PAM (hashed in /etc/shadow).
c.JupyterHub.authenticator_class = "pam"
c.Authenticator.allowed_users = set(CFG["trainees"]) | set(CFG["trainers"])
c.PAMAuthenticator.open_sessions = False
c.JupyterHub.load_groups = {
    "trainers": {"users": CFG["trainers"]},
    "trainees": {"users": CFG["trainees"]},
}

# Each user's server: their own account and home, the course environment's kernel (clusterkit installed),
# the trainee view (no formgrader, no course list, no assignment creation).


class CourseSpawner(LocalProcessSpawner):
    """LocalProcessSpawner that returns once the server accepts connections (tried every 0.1 s).

    JupyterHub then checks the server over HTTP with exponential back-off (waits of up to 5 s between tries,
    jupyterhub.utils.exponential_backoff); after this its first try answers, so a spawn ends when the server is
    up rather than at the next back-off step.
    """

    async def start(self):
        ip, port = await super().start()
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline and self.proc.poll() is None:
            try:
                _, writer = await asyncio.open_connection(ip or "127.0.0.1", port)
            except OSError:
                await asyncio.sleep(0.1)
                continue
            writer.close()
            break
        return ip, port


class _ServiceSpawner(_service._ServiceSpawner):
    """Managed services' spawner, polled every 2 s instead of 30 s: a grading service that died (it is killed
    with SIGKILL in the load test) is started again within seconds. JupyterHub creates it without
    configuration, so the poll interval is set on the class it uses."""

    poll_interval = Integer(2)


_service._ServiceSpawner = _ServiceSpawner

c.JupyterHub.spawner_class = CourseSpawner
limits = CFG["limits"]
c.Spawner.cmd = [
    "prlimit",
    f"--as={limits['mem_bytes']}",
    f"--nproc={limits['nproc']}",
    "--",
    str(VENV_BIN / "jupyterhub-singleuser"),
]
c.Spawner.mem_limit = limits["mem_bytes"]  # advertised as MEM_LIMIT; enforced per process by prlimit --as
c.Spawner.notebook_dir = "~"
c.Spawner.default_url = "/lab"
c.Spawner.start_timeout = 60
c.Spawner.http_timeout = 60
c.Spawner.environment = {
    "PATH": f"{VENV_BIN}:/usr/local/bin:/usr/bin:/bin",
    "CLUSTER_EXCHANGE": CFG["exchange"],
    "JUPYTER_CONFIG_PATH": os.pathsep.join([str(HERE / "jupyter-trainee"), CFG["jupyter_config"]]),
    "JUPYTER_PLATFORM_DIRS": "1",
    # the course kernel (hub/jupyter-trainee-data/kernels/python3): the environment's python at `nice -n 5`, so
    # trainee code yields to the hub, the grading service and everyone's servers; the servers run at normal
    # priority (a server start is not slowed down by the machine's other work)
    "JUPYTER_PATH": str(HERE / "jupyter-trainee-data"),
    "MPLBACKEND": "Agg",
}

grader_env = {
    "PATH": f"{VENV_BIN}:/usr/local/bin:/usr/bin:/bin",
    "HOME": CFG["grader_home"],
    "CLUSTER_EXCHANGE": CFG["exchange"],
    "CLUSTER_GRADEBOOK_URL": CFG["db_url"],
    "CLUSTER_HUB_STATE": str(STATE),
    "JUPYTER_CONFIG_PATH": CFG["jupyter_config"],
    "JUPYTER_PLATFORM_DIRS": "1",
    "MPLBACKEND": "Agg",
    "PYTHONPATH": CFG["repo"],
}
c.JupyterHub.services = [
    {  # nbgrader's formgrader, one shared grader account, reachable by the trainers' group only
        "name": SERVICE,
        "url": f"http://127.0.0.1:{CFG['formgrader_port']}",
        "command": [str(VENV_BIN / "jupyterhub-singleuser"), f"--ServerApp.root_dir={CFG['course_dir']}"],
        "user": CFG["grader"],
        "cwd": CFG["course_dir"],
        "environment": {
            **grader_env,
            "JUPYTERHUB_DEFAULT_URL": "/formgrader",
            # hub.formgrader_guard: nbgrader's generate/release feedback answer 403 (the grading service releases)
            "JUPYTER_CONFIG_PATH": os.pathsep.join([str(HERE / "jupyter-formgrader"), CFG["jupyter_config"]]),
        },
        "oauth_no_confirm": True,
        "oauth_client_allowed_scopes": [f"access:services!service={SERVICE}"],
    },
    {  # grading on submission: collect, autograde in the sandbox, feedback, release feedback
        "name": "grading",
        "command": [str(VENV_BIN / "python"), "-m", "hub", "grader", "--state", str(STATE)],
        "user": CFG["grader"],
        "cwd": CFG["repo"],
        "environment": grader_env,
    },
    {
        "name": "idle-culler",
        "command": [
            str(VENV_BIN / "python"),
            "-m",
            "jupyterhub_idle_culler",
            f"--timeout={CFG['idle_timeout']}",
        ],
    },
]
c.JupyterHub.load_roles = [
    {"name": "formgraders", "groups": ["trainers"], "scopes": [f"access:services!service={SERVICE}"]},
    {
        "name": "idle-culler",
        "services": ["idle-culler"],
        "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"],
    },
]
