"""The cohort roster (``username,role,name`` CSV) and the local system accounts made from it.

Every line is checked before anything is changed: a bad roster raises :class:`RosterError` listing every problem
(line numbers included) and no account, group or file is touched. Accounts are ordinary local users
(``useradd``) with a home directory of mode 700 and a password hashed by ``chpasswd`` (yescrypt/SHA-512, as
``/etc/login.defs`` says); JupyterHub's PAMAuthenticator checks the password. New passwords are random and written
once to a root-only file for the trainer to hand out; an existing account keeps its password.
"""

from __future__ import annotations

import csv
import grp
import pwd
import re
import secrets
import subprocess
from dataclasses import dataclass
from pathlib import Path

# Debian's adduser NAME_REGEX, shortened to 32 characters (the useradd limit); no upper case, no dots.
NAME_RE = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")
ROLES = ("trainee", "trainer")
RESERVED = {"root", "daemon", "bin", "sys", "nobody", "postgres", "admin", "jupyterhub", "www-data"}


class RosterError(ValueError):
    """The roster cannot be used as it is; the message lists every problem."""


@dataclass(frozen=True)
class Member:
    username: str
    role: str  # "trainee" | "trainer"
    name: str


def read_roster(path: Path) -> list[Member]:
    """Parse and validate a roster CSV with columns ``username``, ``role`` (trainee|trainer), ``name``."""
    if not path.is_file():
        raise RosterError(f"roster {path} not found")
    problems: list[str] = []
    members: list[Member] = []
    seen: dict[str, int] = {}
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        header = [h.strip().lower() for h in (reader.fieldnames or [])]
        missing = [c for c in ("username", "role") if c not in header]
        if missing:
            raise RosterError(f"{path}: missing column(s) {missing}; expected a header 'username,role,name'")
        for lineno, raw in enumerate(reader, start=2):
            row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items()}
            user, role, name = row.get("username", ""), row.get("role", "").lower(), row.get("name", "")
            if not any(row.values()):
                continue
            if not NAME_RE.match(user):
                problems.append(
                    f"line {lineno}: invalid user name {user!r} (lower-case letters, digits, '-' and '_', "
                    "starting with a letter, at most 32 characters)"
                )
            elif user in RESERVED:
                problems.append(f"line {lineno}: user name {user!r} is reserved for the system")
            elif user in seen:
                problems.append(f"line {lineno}: duplicate user name {user!r} (first on line {seen[user]})")
            else:
                seen[user] = lineno
            if role not in ROLES:
                problems.append(f"line {lineno}: role of {user!r} is {role!r}; expected one of {list(ROLES)}")
            members.append(Member(user, role, name))
    if not members and not problems:
        problems.append("the roster lists nobody")
    if problems:
        raise RosterError(f"{path}: roster not used, nothing was changed:\n  " + "\n  ".join(problems))
    return members


def check_accounts(members: list[Member], group: str) -> None:
    """Refuse to take over an existing account that is not one of this course's (not in ``group``)."""
    try:
        ours = set(grp.getgrnam(group).gr_mem)
    except KeyError:
        ours = set()
    problems = []
    for m in members:
        try:
            pw = pwd.getpwnam(m.username)
        except KeyError:
            continue
        if m.username not in ours and pw.pw_gid != _gid(group):
            problems.append(
                f"{m.username!r} is an existing account of this machine (uid {pw.pw_uid}), not a course one"
            )
    if problems:
        raise RosterError("roster not used, nothing was changed:\n  " + "\n  ".join(problems))


def _gid(group: str) -> int | None:
    try:
        return grp.getgrnam(group).gr_gid
    except KeyError:
        return None


def ensure_group(group: str) -> None:
    if _gid(group) is None:
        subprocess.run(["groupadd", "--system", group], check=True)


def ensure_account(username: str, group: str, comment: str = "", home_base: str = "/home") -> str | None:
    """Create the local account (home 700, login shell /bin/bash) unless it exists; return its new password.

    Returns None for an account that already existed (its password is left as it is).
    """
    try:
        pwd.getpwnam(username)
        subprocess.run(["usermod", "-a", "-G", group, username], check=True)
        return None
    except KeyError:
        pass
    subprocess.run(
        [
            "useradd",
            "--create-home",
            "--base-dir",
            home_base,
            "--shell",
            "/bin/bash",
            "--user-group",
            "--groups",
            group,
            "--comment",
            comment.replace(":", " ").replace(",", " "),
            username,
        ],
        check=True,
    )
    home = Path(pwd.getpwnam(username).pw_dir)
    home.chmod(0o700)
    password = secrets.token_urlsafe(12)
    subprocess.run(["chpasswd"], input=f"{username}:{password}\n", text=True, check=True)
    return password


def set_password(username: str, password: str) -> None:
    """Hash and store a password (``chpasswd`` applies the system's hashing method)."""
    subprocess.run(["chpasswd"], input=f"{username}:{password}\n", text=True, check=True)


def apply_roster(
    members: list[Member], group: str, password_file: Path, home_base: str = "/home"
) -> list[str]:
    """Create the accounts of ``members``; append new passwords to ``password_file`` (mode 600).

    Returns the user names created now.
    """
    check_accounts(members, group)
    ensure_group(group)
    created = []
    password_file.parent.mkdir(parents=True, exist_ok=True)
    for m in members:
        password = ensure_account(m.username, group, m.name, home_base)
        if password is not None:
            created.append(m.username)
            new = not password_file.exists()
            with password_file.open("a", newline="") as fh:
                password_file.chmod(0o600)
                w = csv.writer(fh)
                if new:
                    w.writerow(["username", "role", "name", "initial_password"])
                w.writerow([m.username, m.role, m.name, password])
    return created
