"""The Windows platform layer, on Linux: struct layouts, and the sequence of kernel32 calls
for spawn, stop, timeout-kill and launcher death, against a fake kernel32 and Popen."""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from launcher.dapr import tree
from launcher.process.platform import winapi, windows
from launcher.process.supervisor import Policy, Supervisor

JOB = 0x1234
HANDLE = 0x77


class FakeFunction:
    def __init__(self, dll, name, result):
        self.dll, self.name, self.result = dll, name, result
        self.argtypes = self.restype = None

    def __call__(self, *args):
        self.dll.calls.append((self.name, *args))
        return self.result(*args) if callable(self.result) else self.result


class FakeDLL:
    def __init__(self, console=True):
        self.calls = []
        self.info = None
        self.on_break = None

        def set_info(job, cls, pinfo, size):
            self.info = (cls, pinfo._obj.BasicLimitInformation.LimitFlags, size)
            return 1

        def ctrl_break(event, group):
            if self.on_break:
                self.on_break()
            return 1

        results = {"CreateJobObjectW": JOB, "SetInformationJobObject": set_info, "AssignProcessToJobObject": 1,
                   "TerminateJobObject": 1, "GenerateConsoleCtrlEvent": ctrl_break, "CloseHandle": 1,
                   "GetConsoleWindow": 0x99 if console else 0}
        for name, result in results.items():
            setattr(self, name, FakeFunction(self, name, result))

    def names(self):
        return [c[0] for c in self.calls if c[0] != "GetConsoleWindow"]


class FakePopen:
    def __init__(self, argv, env=None, executable=None, creationflags=0):
        self.argv, self.creationflags = argv, creationflags
        self.pid, self._handle, self.returncode = 4321, HANDLE, None
        FakePopen.last = self

    def poll(self):
        return self.returncode

    def wait(self, timeout=None):
        if self.returncode is None:
            threading.Event().wait(min(timeout or 0.01, 0.01))
            raise subprocess.TimeoutExpired(self.argv, timeout)
        return self.returncode


@pytest.fixture
def fake(monkeypatch):
    def make(console=True):
        dll = FakeDLL(console)
        monkeypatch.setattr(windows, "api", winapi.Kernel32(dll))
        monkeypatch.setattr(windows, "popen", FakePopen)
        return dll
    return make


@pytest.mark.skipif(ctypes.sizeof(ctypes.c_void_p) != 8, reason="64-bit layout")
def test_struct_sizes_match_64_bit_windows():
    assert ctypes.sizeof(winapi.JOBOBJECT_BASIC_LIMIT_INFORMATION) == 64
    assert ctypes.sizeof(winapi.IO_COUNTERS) == 48
    assert ctypes.sizeof(winapi.JOBOBJECT_EXTENDED_LIMIT_INFORMATION) == 144
    assert winapi.JOBOBJECT_BASIC_LIMIT_INFORMATION.LimitFlags.offset == 16


def test_spawn_creates_a_new_group_and_a_kill_on_close_job(fake):
    dll = fake()
    proc = windows.spawn(["daprd", "--app-id", "a"], {}, None)
    assert proc.creationflags == windows.CREATE_NEW_PROCESS_GROUP
    assert dll.names() == ["CreateJobObjectW", "SetInformationJobObject", "AssignProcessToJobObject"]
    assert dll.info == (9, winapi.JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE, 144)
    assert dll.calls[-1] == ("AssignProcessToJobObject", JOB, HANDLE)
    # Launcher death: only the launcher holds the job handle, and it stays open while the
    # child runs; when the launcher dies Windows closes it and the job kills the tree.
    assert "CloseHandle" not in dll.names()
    windows.release(proc)
    assert dll.calls[-1] == ("CloseHandle", JOB)


def test_stop_is_one_ctrl_break_to_the_childs_group(fake):
    dll = fake()
    proc = windows.spawn(["daprd"], {}, None)
    windows.send_stop(proc)
    assert [c for c in dll.calls if c[0] == "GenerateConsoleCtrlEvent"] == [("GenerateConsoleCtrlEvent", 1, 4321)]
    assert "TerminateJobObject" not in dll.names()


def test_timeout_kill_terminates_the_job(fake):
    dll = fake()
    proc = windows.spawn(["daprd"], {}, None)
    windows.kill_tree(proc)
    assert dll.calls[-1] == ("TerminateJobObject", JOB, 1)


def test_without_a_console_daprd_is_stopped_through_its_shutdown_api(fake):
    dll = fake(console=False)
    posts = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            posts.append(self.path)
            self.send_response(204)
            self.end_headers()

        def log_message(self, *a):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.handle_request, daemon=True).start()
    argv = ["C:\\dapr\\daprd.exe", "--dapr-http-port", str(server.server_address[1])]
    proc = windows.spawn(argv, {}, None, tree.stop_order(argv).shutdown_url)  # what the supervisor passes
    windows.send_stop(proc)
    server.server_close()
    assert posts == ["/v1.0/shutdown"]
    assert "GenerateConsoleCtrlEvent" not in dll.names() and "TerminateJobObject" not in dll.names()


def test_without_a_console_or_a_port_the_job_is_terminated(fake):
    dll = fake(console=False)
    proc = windows.spawn(["myapp.exe"], {}, None)
    windows.send_stop(proc)
    assert dll.calls[-1] == ("TerminateJobObject", JOB, 1)


def test_supervisor_on_the_windows_layer_ctrl_c_to_exit(fake):
    dll = fake()
    dll.on_break = lambda: setattr(FakePopen.last, "returncode", 0xC000013A)
    timer = threading.Timer(0.2, lambda: os.kill(os.getpid(), signal.SIGINT))
    timer.start()
    code = Supervisor(windows, Policy(stop_timeout=5)).run(["daprd.exe"], "C:\\dapr\\daprd.exe")
    assert code == 0xC000013A
    assert dll.names() == ["CreateJobObjectW", "SetInformationJobObject", "AssignProcessToJobObject",
                           "GenerateConsoleCtrlEvent", "CloseHandle"]


def test_modules_import_and_help_runs_as_win32():
    # click itself is imported first: on a patched platform it would look for msvcrt.
    code = ("import sys, click, click.testing\nsys.platform = 'win32'\n"
            "from launcher.process import platform\n"
            "assert platform.current().__name__ == 'launcher.process.platform.windows'\n"
            "import launcher.process.platform.winapi, launcher.ops.shim, launcher.cli.run, launcher.process.supervisor\n"
            "from click.testing import CliRunner\nfrom launcher.cli.commands import cli\n"
            "for args in (['--help'], ['shim', '--help'], ['exec', '--help']):\n"
            "    result = CliRunner().invoke(cli, args)\n"
            "    assert result.exit_code == 0, result.output\n"
            "print('ok')\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == "ok", result.stderr
