"""Shims: a `dapr` / `daprd` early on PATH that runs the real one through dapr-aws.

Windows shells cannot write `AWS_PROFILE=dev dapr run ...` inline; a shim
directory first on PATH makes plain `dapr run ...` carry credentials.

A shim records the real binary found at install time and, at run time,
finds it again by scanning PATH without the shim's own directory (and
without any other directory holding one of our shims), so it never calls
itself; DAPR_AWS_ACTIVE=1 makes it pass straight through. Files are
recognised as ours by a marker line, and uninstall removes nothing else.
"""

from __future__ import annotations

import os
import shlex
import shutil
import sys
from dataclasses import dataclass

from launcher import __version__, errors
from launcher.errors import CommandNotFound, ConfigError

MARKER = "dapr-aws shim"
DEFAULT_NAMES = ("dapr", "daprd")


@dataclass(frozen=True)
class Shim:
    """One installed shim: its name, files and the real binary it records."""

    name: str
    files: tuple[str, ...]
    real: str


def default_dir() -> str:
    """A per-user directory for shims (platformdirs' user data directory)."""
    import platformdirs

    return os.path.join(platformdirs.user_data_dir("dapr-aws", appauthor=False), "shims")


def _same_path(a: str, b: str) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.normcase(os.path.abspath(a)) == os.path.normcase(os.path.abspath(b))


def is_ours(path: str) -> bool:
    """True for a file that one of our shims wrote (the marker in its first lines)."""
    try:
        with open(path, "rb") as f:
            return MARKER.encode() in f.read(512)
    except OSError:
        return False


def find_real(name: str, shim_dir: str, path: str | None = None) -> str | None:
    """The real `name` on PATH, skipping the shim directory and any directory with our shims."""
    dirs = [d for d in (os.environ.get("PATH", "") if path is None else path).split(os.pathsep) if d]
    dirs = [d for d in dirs if not (os.path.isdir(d) and os.path.isdir(shim_dir) and _same_path(d, shim_dir))]
    while dirs:
        found = shutil.which(name, path=os.pathsep.join(dirs))
        if found is None:
            return None
        if not is_ours(found):
            return found
        here = os.path.dirname(found)
        dirs = [d for d in dirs if not _same_path(d, here)]
    return None


def _header(name: str, comment: str) -> list[str]:
    return [f"{comment} {MARKER} for {name} (dapr-aws {__version__}): runs the real {name} with AWS credentials.",
            f"{comment} Remove with: dapr-aws shim uninstall {name}"]


def render_posix(name: str, real: str, launcher: list[str], options: list[str]) -> str:
    """An sh script: `exec python -m launcher [options] shim-run NAME REAL DIR -- "$@"`."""
    argv = " ".join(shlex.quote(a) for a in [*launcher, *options, "shim-run", name, real])
    lines = ["#!/bin/sh", *_header(name, "#"), f"# real: {real}",
             f'exec {argv} "$(dirname "$0")" -- "$@"']
    return "\n".join(lines) + "\n"


def _cmd_quote(arg: str) -> str:
    return f'"{arg}"' if (" " in arg or not arg or any(c in arg for c in "&|<>^()")) else arg


def render_cmd(name: str, real: str, launcher: list[str], options: list[str]) -> str:
    """A .cmd file; `%*` passes the arguments as typed (see the README for cmd.exe's limits)."""
    argv = " ".join(_cmd_quote(a) for a in [*launcher, *options, "shim-run", name, real])
    # "%~dp0." and not "%~dp0": a backslash before a closing quote would escape it.
    lines = ["@echo off", *_header(name, "rem"), f"rem real: {real}",
             f'{argv} "%~dp0." -- %*', "exit /b %ERRORLEVEL%"]
    return "\r\n".join(lines) + "\r\n"


def render_ps1(name: str, real: str, launcher: list[str], options: list[str]) -> str:
    """A PowerShell script (needs an execution policy that allows scripts)."""
    quoted = " ".join("'" + a.replace("'", "''") + "'" for a in [*launcher[1:], *options, "shim-run", name, real])
    lines = [*_header(name, "#"), f"# real: {real}",
             f"& '{launcher[0]}' {quoted} $PSScriptRoot -- @args", "exit $LASTEXITCODE"]
    return "\r\n".join(lines) + "\r\n"


def launcher_command() -> list[str]:
    """How a shim starts dapr-aws: this very interpreter, so a virtualenv install works."""
    return [sys.executable, "-m", "launcher"]


def install(names, directory: str, options: list[str], style: str = "auto", powershell: bool = False,
            path: str | None = None) -> list[Shim]:
    """Write a shim per name into `directory`; returns what was written."""
    windows = style == "windows" or (style == "auto" and sys.platform.startswith("win"))
    try:
        os.makedirs(directory, exist_ok=True)
    except OSError as exc:
        raise errors.cannot_write(directory, exc, "--dir") from None
    written = []
    for name in names:
        real = find_real(name, directory, path)
        if real is None:
            raise CommandNotFound(f"no real {name} on PATH (outside {directory})",
                                  f"install Dapr first (dapr init), or put {name} on PATH")
        real = os.path.abspath(real)
        launcher = launcher_command()
        forms = [(name + ".cmd", render_cmd)] if windows else [(name, render_posix)]
        if windows and powershell:
            forms.append((name + ".ps1", render_ps1))
        files = []
        for filename, render in forms:
            target = os.path.join(directory, filename)
            if os.path.exists(target) and not is_ours(target):
                raise ConfigError(f"{target} exists and is not a dapr-aws shim", "remove it or pick another --dir")
            newline = "" if windows else "\n"
            try:
                with open(target, "w", newline=newline) as f:
                    f.write(render(name, real, launcher, options))
                if not windows:
                    os.chmod(target, 0o755)
            except OSError as exc:
                raise errors.cannot_write(target, exc, "--dir") from None
            files.append(target)
        written.append(Shim(name, tuple(files), real))
    return written


def installed(directory: str) -> list[Shim]:
    """The shims in `directory`, with the real binary each recorded."""
    found: dict[str, list[str]] = {}
    reals: dict[str, str] = {}
    if not os.path.isdir(directory):
        return []
    for filename in sorted(os.listdir(directory)):
        path = os.path.join(directory, filename)
        if not is_ours(path):
            continue
        name = filename.rsplit(".", 1)[0] if filename.endswith((".cmd", ".ps1")) else filename
        found.setdefault(name, []).append(path)
        with open(path, errors="replace") as f:
            for line in f:
                if " real: " in line:
                    reals[name] = line.split(" real: ", 1)[1].strip()
                    break
    return [Shim(name, tuple(files), reals.get(name, "?")) for name, files in found.items()]


def uninstall(names, directory: str) -> tuple[list[str], list[str]]:
    """Remove our shims for `names` (all of ours when empty); returns (removed, left alone)."""
    removed, foreign = [], []
    if not os.path.isdir(directory):
        return removed, foreign
    for filename in sorted(os.listdir(directory)):
        base = filename.rsplit(".", 1)[0] if filename.endswith((".cmd", ".ps1")) else filename
        if names and base not in names:
            continue
        path = os.path.join(directory, filename)
        if is_ours(path):
            os.remove(path)
            removed.append(path)
        elif names:
            foreign.append(path)
    return removed, foreign


def path_advice(directory: str, names, path: str | None = None) -> str:
    """Whether `directory` is on PATH before the real binaries, and how to put it first."""
    dirs = [d for d in (os.environ.get("PATH", "") if path is None else path).split(os.pathsep) if d]
    position = next((i for i, d in enumerate(dirs) if os.path.isdir(d) and _same_path(d, directory)), None)
    if sys.platform.startswith("win"):
        how = ("[Environment]::SetEnvironmentVariable('Path', '" + directory +
               ";' + [Environment]::GetEnvironmentVariable('Path', 'User'), 'User')   (PowerShell, then a new shell)")
    else:
        how = f'export PATH="{directory}:$PATH"   (in ~/.profile or your shell\'s rc file)'
    if position is None:
        return f"{directory} is not on PATH; put it first:\n  {how}"
    shadowing = [n for n in names if (w := shutil.which(n, path=os.pathsep.join(dirs[:position]))) and not is_ours(w)]
    if shadowing:
        return (f"{directory} is on PATH, but after a directory with {', '.join(shadowing)}; put it first:\n  {how}")
    return f"{directory} is on PATH before the real binaries: `{names[0]} ...` now runs through dapr-aws"


def resolve_at_run_time(name: str, recorded: str, shim_dir: str) -> str:
    """The real binary for a shim that is running: PATH without shims first, else the recorded one."""
    real = find_real(name, shim_dir)
    if real is not None:
        return real
    if os.path.isfile(recorded) and not is_ours(recorded):
        return recorded
    raise CommandNotFound(f"the real {name} is neither on PATH (outside {shim_dir}) nor at {recorded}",
                          f"reinstall Dapr, then run: dapr-aws shim install {name}")
