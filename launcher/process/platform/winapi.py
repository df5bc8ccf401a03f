"""The few kernel32 calls the Windows platform needs, through ctypes (no pywin32).

Structs use fixed-width types (c_uint32, c_int64, c_size_t): ctypes.wintypes.DWORD
is a C long, 8 bytes on 64-bit Linux, so the layouts can be checked on Linux
too (JOBOBJECT_EXTENDED_LIMIT_INFORMATION is 144 bytes on 64-bit Windows).
`Kernel32` takes the DLL object as a parameter, so tests pass a fake one.
"""

from __future__ import annotations

import ctypes
from ctypes import c_int32, c_int64, c_size_t, c_uint32, c_uint64, c_void_p

JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE = 0x00002000
JOB_OBJECT_EXTENDED_LIMIT_INFORMATION_CLASS = 9
CTRL_BREAK_EVENT = 1


class JOBOBJECT_BASIC_LIMIT_INFORMATION(ctypes.Structure):  # noqa: N801 - the Windows name
    _fields_ = [
        ("PerProcessUserTimeLimit", c_int64),  # LARGE_INTEGER
        ("PerJobUserTimeLimit", c_int64),
        ("LimitFlags", c_uint32),  # DWORD
        ("MinimumWorkingSetSize", c_size_t),  # SIZE_T
        ("MaximumWorkingSetSize", c_size_t),
        ("ActiveProcessLimit", c_uint32),
        ("Affinity", c_size_t),  # ULONG_PTR
        ("PriorityClass", c_uint32),
        ("SchedulingClass", c_uint32),
    ]


class IO_COUNTERS(ctypes.Structure):  # noqa: N801
    _fields_ = [(name, c_uint64) for name in (
        "ReadOperationCount", "WriteOperationCount", "OtherOperationCount",
        "ReadTransferCount", "WriteTransferCount", "OtherTransferCount")]


class JOBOBJECT_EXTENDED_LIMIT_INFORMATION(ctypes.Structure):  # noqa: N801
    _fields_ = [
        ("BasicLimitInformation", JOBOBJECT_BASIC_LIMIT_INFORMATION),
        ("IoInfo", IO_COUNTERS),
        ("ProcessMemoryLimit", c_size_t),
        ("JobMemoryLimit", c_size_t),
        ("PeakProcessMemoryUsed", c_size_t),
        ("PeakJobMemoryUsed", c_size_t),
    ]


class WinError(OSError):
    """A kernel32 call failed."""


class Kernel32:
    """Typed wrappers over the kernel32 functions we use."""

    def __init__(self, dll):
        self.dll = dll
        signatures = {
            "CreateJobObjectW": ([c_void_p, c_void_p], c_void_p),
            "SetInformationJobObject": ([c_void_p, c_int32, c_void_p, c_uint32], c_int32),
            "AssignProcessToJobObject": ([c_void_p, c_void_p], c_int32),
            "TerminateJobObject": ([c_void_p, c_uint32], c_int32),
            "GenerateConsoleCtrlEvent": ([c_uint32, c_uint32], c_int32),
            "CloseHandle": ([c_void_p], c_int32),
            "GetConsoleWindow": ([], c_void_p),
        }
        for name, (argtypes, restype) in signatures.items():
            function = getattr(dll, name)
            function.argtypes, function.restype = argtypes, restype

    @classmethod
    def load(cls) -> "Kernel32":
        return cls(ctypes.WinDLL("kernel32", use_last_error=True))  # type: ignore[attr-defined]

    def _check(self, ok, what: str):
        if not ok:
            code = ctypes.get_last_error() if hasattr(ctypes, "get_last_error") else 0
            raise WinError(f"{what} failed (Windows error {code})")
        return ok

    def create_kill_on_close_job(self):
        """A Job Object that kills every process in it when its last handle closes."""
        job = self._check(self.dll.CreateJobObjectW(None, None), "CreateJobObjectW")
        info = JOBOBJECT_EXTENDED_LIMIT_INFORMATION()
        info.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE
        self._check(self.dll.SetInformationJobObject(job, JOB_OBJECT_EXTENDED_LIMIT_INFORMATION_CLASS,
                                                     ctypes.byref(info), ctypes.sizeof(info)),
                    "SetInformationJobObject")
        return job

    def assign(self, job, process_handle) -> None:
        self._check(self.dll.AssignProcessToJobObject(job, process_handle), "AssignProcessToJobObject")

    def ctrl_break(self, process_group_id: int) -> bool:
        """CTRL_BREAK_EVENT to a process group (the only console event a new group receives)."""
        return bool(self.dll.GenerateConsoleCtrlEvent(CTRL_BREAK_EVENT, process_group_id))

    def terminate_job(self, job, exit_code: int = 1) -> None:
        self.dll.TerminateJobObject(job, exit_code)

    def close(self, handle) -> None:
        self.dll.CloseHandle(handle)

    def has_console(self) -> bool:
        """False under a service or pythonw: then console events reach nobody."""
        return bool(self.dll.GetConsoleWindow())
