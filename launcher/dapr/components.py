"""Dapr component checks: what in the resources files defeats the credentials dapr-aws provides.

For every AWS-backed component (any `*.aws.*` type, Kafka with authType
awsiam, PostgreSQL with useAWSIAM) it reports, with file and line:
* static accessKey / secretKey / sessionToken values: they override every
  credential dapr-aws provides (a secretKeyRef is fine);
* no region;
* the deprecated aws-prefixed field names (awsRegion, awsAccessKey, ...).
Secret values are never printed. PyYAML is imported only here.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import logging

from launcher.dapr import cmdline

log = logging.getLogger("dapr-aws")

STATIC_KEYS = {"accesskey", "secretkey", "sessiontoken", "awsaccesskey", "awssecretkey", "awssessiontoken"}
DEPRECATED = {"awsregion": "region", "awsaccesskey": "accessKey", "awssecretkey": "secretKey",
              "awssessiontoken": "sessionToken", "awsiamrolearn": "assumeRoleArn",
              "awsstssessionname": "sessionName"}
DEFAULT_PATHS = (os.path.join("~", ".dapr", "components"), "components")


@dataclass(frozen=True)
class Finding:
    """One problem in one place."""

    level: str  # "warn" | "fail"
    where: str  # file:line
    what: str
    remedy: str

    def line(self) -> str:
        return f"{self.where}: {self.what}; {self.remedy}"


def warn_about(argv: list[str]) -> None:
    """Warn about the components of a daprd / `dapr run` command that would defeat our credentials."""
    paths = cmdline.resources_paths(argv)
    if not paths and cmdline.dapr_kind(argv) == "dapr run":
        paths = [DEFAULT_PATHS[0]]  # dapr run's default
    findings = check(paths)
    for finding in findings:
        log.warning("component %s", finding.line())
    if findings:
        log.warning("found %d component problem(s); dapr-aws doctor explains, --no-checks skips this", len(findings))


def _files(paths: list[str]) -> list[str]:
    out = []
    for path in paths:
        path = os.path.expanduser(path)
        if os.path.isfile(path):
            out.append(path)
        elif os.path.isdir(path):
            out += sorted(os.path.join(path, f) for f in os.listdir(path) if f.endswith((".yaml", ".yml")))
    return out


def _get(node, key):
    for k, v in getattr(node, "value", []) if node is not None and node.id == "mapping" else []:
        if k.value == key:
            return v
    return None


def _scalar(node) -> str | None:
    return node.value if node is not None and node.id == "scalar" else None


def check(paths: list[str]) -> list[Finding]:
    """Every finding in the YAML files under `paths` (files or directories)."""
    import yaml

    findings = []
    for path in _files(paths):
        shown = os.path.relpath(path) if not os.path.relpath(path).startswith("..") else path
        try:
            with open(path, encoding="utf-8") as f:
                documents = list(yaml.compose_all(f))
        except (OSError, yaml.YAMLError) as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f"{shown}:{mark.line + 1}" if mark else shown
            findings.append(Finding("fail", where, "cannot be parsed as YAML", "fix the file; daprd will refuse it"))
            continue
        for doc in documents:
            findings += _check_document(doc, shown)
    return findings


def _check_document(doc, shown: str) -> list[Finding]:
    if doc is None or doc.id != "mapping" or _scalar(_get(doc, "kind")) not in ("Component", "Configuration"):
        return []
    name = _scalar(_get(_get(doc, "metadata"), "name")) or "(unnamed)"
    spec = _get(doc, "spec")
    if _scalar(_get(doc, "kind")) == "Configuration":
        resolver = _get(spec, "nameResolution")
        if "cloudmap" not in (_scalar(_get(resolver, "component")) or "").lower():
            return []
        ctype, entries = "nameresolution cloudmap", _config_entries(_get(resolver, "configuration"))
    else:
        ctype = _scalar(_get(spec, "type")) or ""
        entries = _metadata_entries(_get(spec, "metadata"))
    values = {key.lower(): (value, line) for key, value, line, _ in entries}
    if not _aws_backed(ctype, values):
        return []
    label = f"{name} ({ctype})"
    out = []
    for key, value, line, is_ref in entries:
        low = key.lower()
        where = f"{shown}:{line}"
        if low in STATIC_KEYS and value and not is_ref:
            out.append(Finding("warn", where, f"{label}: static {key} overrides every credential dapr-aws provides",
                               "remove it, or use a secretKeyRef"))
        if low in DEPRECATED:
            out.append(Finding("warn", where, f"{label}: {key} is a deprecated name",
                               f"rename it to {DEPRECATED[low]}"))
    if "region" not in values and "awsregion" not in values:
        out.append(Finding("warn", f"{shown}:{doc.start_mark.line + 1}", f"{label}: no region",
                           "add a region metadata item (not every component reads AWS_REGION)"))
    return out


def _aws_backed(ctype: str, values: dict) -> bool:
    low = ctype.lower()
    if ".aws." in low or low.startswith("nameresolution"):
        return True
    if "kafka" in low:
        return (values.get("authtype", ("", 0))[0] or "").lower() == "awsiam"
    if "postgres" in low:
        return (values.get("useawsiam", ("", 0))[0] or "").lower() in ("true", "1", "yes")
    return False


def _metadata_entries(seq):
    """(name, value, line, is_secret_ref) for each `- name: ... value: ...` item."""
    out = []
    for item in getattr(seq, "value", []) if seq is not None and seq.id == "sequence" else []:
        key = _scalar(_get(item, "name"))
        if key is None:
            continue
        value_node = _get(item, "value")
        line = (value_node or item).start_mark.line + 1
        out.append((key, _scalar(value_node), line, _get(item, "secretKeyRef") is not None))
    return out


def _config_entries(mapping):
    out = []
    for k, v in getattr(mapping, "value", []) if mapping is not None and mapping.id == "mapping" else []:
        out.append((k.value, _scalar(v), v.start_mark.line + 1, False))
    return out
