#!/usr/bin/env python3
"""pve-sim: a test double that answers like Proxmox VE's REST API (/api2/json) does.

Python 3 standard library only.  See README.md in this directory for the flags, the token file,
how templates map to nodes, the state file, the control API and what is (not) reproduced.  The
facts it follows are in docs of the project (PROXMOX-API.md, sections A.0-A.5).

Layout: parameter decoding and validation (PVE's extract_params / JSONSchema), two container
stores (LxdStore: real LXD instances over LXD's unix socket; MemoryStore), the cluster state
(Sim: nodes, CTs, tasks, ACLs, faults, one lock around every change), the route table and the
HTTP handler, then main().
"""
from __future__ import annotations

import argparse
import copy
import hashlib
import json
import os
import random
import re
import ssl
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable

import lxdsock

UPID_RE = re.compile(r"^UPID:([a-zA-Z0-9]([a-zA-Z0-9\-]*[a-zA-Z0-9])?):([0-9A-Fa-f]{8}):"
                     r"([0-9A-Fa-f]{8,9}):([0-9A-Fa-f]{8}):([^:\s/]+):([^:\s/]*):([^:\s/]+):$")
TAG_RE = re.compile(r"^[a-z0-9_][a-z0-9_\-+.]*$", re.I)
DNS_RE = re.compile(r"^([a-zA-Z0-9]([a-zA-Z0-9\-]*[a-zA-Z0-9])?)(\.[a-zA-Z0-9]([a-zA-Z0-9\-]*"
                    r"[a-zA-Z0-9])?)*$")
NODE_RE = re.compile(r"^[a-zA-Z0-9]([a-zA-Z0-9\-]*[a-zA-Z0-9])?$")
USERID_RE = re.compile(r"^[^\s:/@!]+@[A-Za-z][A-Za-z0-9.\-_]+$")
TOKENID_RE = re.compile(r"^[^\s:/@!]+@[A-Za-z][A-Za-z0-9.\-_]+![A-Za-z][A-Za-z0-9.\-_]+$")
ACL_PATH_RE = re.compile(r"^/((vms|pool|storage|nodes|access|sdn|mapping)(/.*)?)?$")
SIZE_RE = re.compile(r"^(\+)?(\d+(?:\.\d+)?)([KMGT])?$")
NET_KEYS = {"name", "bridge", "hwaddr", "ip", "gw", "ip6", "gw6", "firewall", "tag", "trunks",
            "rate", "mtu", "link_down", "type", "host-managed"}
LOCKS = ("backup", "create", "destroyed", "disk", "fstrim", "migrate", "mounted", "rollback",
         "snapshot", "snapshot-delete")
ROLES = {"Administrator", "NoAccess", "PVEAdmin", "PVEAuditor", "PVEDatastoreAdmin",
         "PVEDatastoreUser", "PVEMappingAdmin", "PVEMappingUser", "PVEPoolAdmin", "PVEPoolUser",
         "PVESDNAdmin", "PVESDNUser", "PVESysAdmin", "PVETemplateUser", "PVEUserAdmin",
         "PVEVMAdmin", "PVEVMUser"}
MIB = 1024 * 1024
GIB = 1024 * MIB
MAX_BODY = 512 * 1024


class ApiError(Exception):
    """An API failure: HTTP code, message (reason phrase = its first line), param errors."""

    def __init__(self, code: int, message: str, errors: dict[str, str] | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.errors = errors


def die(message: str) -> ApiError:
    """A plain `die` in a PVE handler: HTTP 500 with the text."""
    return ApiError(500, message)


def param_exc(errors: dict[str, str]) -> ApiError:
    return ApiError(400, "Parameter verification failed.", errors)


class TaskFail(Exception):
    """Ends a task with this error text (exitstatus and `TASK ERROR:` line)."""


class StoreError(Exception):
    pass


# ---------------------------------------------------------------------------------------------
# Parameters: decoding (pve-http-server AnyEvent.pm) and schema checks (pve-common JSONSchema.pm)

def decode_urlencoded(data: str) -> dict[str, Any]:
    """PVE's decoder: pairs split on & and ;, then `split(/=/, $kv)` keeps only the first two
    fields, so a raw '=' inside a value truncates it.  Repeated keys are joined with NUL."""
    res: dict[str, Any] = {}
    if not data:
        return res
    for kv in re.split(r"[&;]", data):
        if kv == "":
            continue
        fields = [f for f in kv.split("=")]
        while len(fields) > 1 and fields[-1] == "":     # Perl's split drops trailing empties
            fields.pop()
        key = urllib.parse.unquote(fields[0].replace("+", " "), errors="replace")
        value = None
        if len(fields) > 1:
            value = urllib.parse.unquote(fields[1].replace("+", " "), errors="replace")
            if res.get(key) is not None:
                value = f"{res[key]}\0{value}"
        res[key] = value
    return res


@dataclass(frozen=True)
class P:
    """One parameter of a method's schema."""
    kind: str                       # int num bool str enum dns tags net node vmid list upid ...
    required: bool = False
    lo: float | None = None
    hi: float | None = None
    values: tuple[str, ...] = ()
    maxlen: int | None = None


def check_int(v: Any, kind: str = "integer") -> float:
    if isinstance(v, bool):
        raise ValueError(f"type check ('{kind}') failed - got '{v}'")
    if isinstance(v, (int, float)) and (kind == "number" or isinstance(v, int)):
        return v
    s = str(v)
    pattern = r"^-?\d+$" if kind == "integer" else r"^-?\d+(\.\d+)?$"
    if not re.match(pattern, s):
        raise ValueError(f"type check ('{kind}') failed - got '{s}'")
    return int(s) if kind == "integer" else float(s)


def check_bool(v: Any) -> int:
    if v is True or v is False:
        return int(v)
    if isinstance(v, int) and v in (0, 1):
        return v
    if isinstance(v, str) and v in ("0", "1"):
        return int(v)
    raise ValueError(f"type check ('boolean') failed - got '{v}'")


def normalise_tags(v: str) -> str:
    """pve-tag-list: split on , ; or space; lowercased, deduplicated, sorted, joined with ;."""
    tags = [t for t in re.split(r"[;, ]+", v) if t != ""]
    for t in tags:
        if not TAG_RE.match(t):
            raise ValueError(f"invalid format - invalid tag '{t}'")
    return ";".join(sorted({t.lower() for t in tags}))


def parse_prop_string(v: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for part in v.split(","):
        if "=" not in part:
            raise ValueError("invalid format - value without key, but schema does not define "
                             "a default key")
        k, val = part.split("=", 1)
        out[k] = val
    return out


def check_net(v: str) -> str:
    props = parse_prop_string(v)
    for k in props:
        if k not in NET_KEYS:
            raise ValueError(f"invalid format - format error\n{k}: property is not defined in "
                             "schema and the schema does not allow additional properties")
    if "name" not in props:
        raise ValueError("invalid format - format error\nname: property is missing and it is "
                         "not optional")
    ip = props.get("ip")
    if ip is not None and ip not in ("dhcp", "manual") and not re.match(
            r"^\d+\.\d+\.\d+\.\d+/\d+$", ip):
        raise ValueError(f"invalid format - format error\nip: invalid format - value does not "
                         f"look like a valid IPv4 network configuration")
    return v


def check_value(name: str, spec: P, v: Any) -> Any:
    kind = spec.kind
    if kind in ("int", "vmid"):
        n = check_int(v)
        lo = 100 if kind == "vmid" else spec.lo
        hi = 999999999 if kind == "vmid" else spec.hi
        if lo is not None and n < lo:
            raise ValueError(f"value must have a minimum value of {int(lo)}")
        if hi is not None and n > hi:
            raise ValueError(f"value may have a maximum value of {int(hi)}")
        return int(n)
    if kind == "num":
        n = check_int(v, "number")
        if spec.lo is not None and n < spec.lo:
            raise ValueError(f"value must have a minimum value of {spec.lo}")
        return n
    if kind == "bool":
        return check_bool(v)
    if not isinstance(v, str):
        v = str(v)
    if spec.maxlen is not None and len(v) > spec.maxlen:
        raise ValueError(f"value may only be {spec.maxlen} characters long")
    if kind == "enum" and v not in spec.values:
        raise ValueError(f"value '{v}' does not have a value in the enumeration "
                         f"'{', '.join(spec.values)}'")
    if kind == "dns" and not DNS_RE.match(v):
        raise ValueError(f"invalid format - value '{v}' does not look like a valid DNS name")
    if kind == "node" and not NODE_RE.match(v):
        raise ValueError(f"invalid format - value '{v}' does not look like a valid node name")
    if kind == "tags":
        return normalise_tags(v)
    if kind == "net":
        return check_net(v)
    if kind == "size" and not SIZE_RE.match(v):
        raise ValueError("value does not match the regex pattern")
    return v


def validate(params: dict[str, Any], schema: dict[str, P]) -> dict[str, Any]:
    """Checks params against the method's schema: 400 "Parameter verification failed." with one
    error per bad parameter, like PVE::JSONSchema::validate."""
    errors: dict[str, str] = {}
    out: dict[str, Any] = {}
    for name, v in params.items():
        spec = schema.get(name)
        if spec is None and re.match(r"^net\d+$", name) and int(name[3:]) < 32:
            spec = schema.get("netN")
        if spec is None or name == "netN":
            errors[name] = ("property is not defined in schema and the schema does not allow "
                            "additional properties")
            continue
        if v is None:
            continue
        try:
            out[name] = check_value(name, spec, v)
        except ValueError as e:
            errors[name] = str(e)
    for name, spec in schema.items():
        if spec.required and out.get(name) is None and name not in errors:
            errors[name] = "property is missing and it is not optional"
    if errors:
        raise param_exc(errors)
    return out


def split_list(v: str | None) -> list[str]:
    return [x for x in re.split(r"[,;\s\0]+", v or "") if x]


def parse_size(v: str) -> tuple[bool, int]:
    """"+2G" / "8G" / "512M" -> (relative, bytes)."""
    m = SIZE_RE.match(v)
    if not m:
        raise ValueError(v)
    unit = {"K": 1024, "M": MIB, "G": GIB, "T": 1024 * GIB, None: 1}[m.group(3)]
    return m.group(1) == "+", int(float(m.group(2)) * unit)


def fmt_size(n: int) -> str:
    for unit, mult in (("T", 1024 * GIB), ("G", GIB), ("M", MIB), ("K", 1024)):
        if n % mult == 0:
            return f"{n // mult}{unit}"
    return str(n)


def disk_size(volume: str) -> int:
    """The size= of a rootfs/mpN value ("local:100/vm-100-disk-0.raw,size=8G"), default 8G."""
    for part in volume.split(",")[1:]:
        key, _, val = part.partition("=")
        if key == "size" and SIZE_RE.match(val):
            return parse_size(val)[1]
    return 8 * GIB


def new_hwaddr() -> str:
    return "BC:24:11:" + ":".join(f"{random.randrange(256):02X}" for _ in range(3))


# ---------------------------------------------------------------------------------------------
# Stores: where a CT's container lives

class LxdStore:
    """Each CT is an LXD instance (PREFIX + vmid), created from the template's image alias."""

    kind = "lxd"

    def __init__(self, socket_path: str, profile: str, pool: str | None, prefix: str,
                 timeout: int = 300, by_hostname: bool = False):
        self.socket_path = socket_path
        self.profile = profile
        self.pool = pool
        self.prefix = prefix
        self.timeout = timeout
        # Name each instance after its CT's hostname (so a test reaches it by the name the
        # user chose, as on the LXD backend); PREFIX+vmid when it has none.
        self.by_hostname = by_hostname

    def call(self, method: str, path: str, body: Any = None, timeout: float = 60) -> dict:
        data = json.dumps(body).encode() if body is not None else None
        headers = {"Content-Type": "application/json"} if data is not None else {}
        try:
            status, raw = lxdsock.request(self.socket_path, method, path, data, headers, timeout)
        except OSError as e:
            raise StoreError(f"LXD {method} {path}: {e}") from e
        try:
            reply = json.loads(raw or b"{}")
        except ValueError as e:
            raise StoreError(f"LXD {method} {path}: HTTP {status} with no JSON") from e
        if status >= 400 or reply.get("type") == "error":
            raise StoreError(f"LXD {method} {path}: {reply.get('error') or status}")
        return reply

    def call_wait(self, method: str, path: str, body: Any = None) -> dict:
        reply = self.call(method, path, body)
        if reply.get("type") != "async":
            return reply
        op = reply.get("operation", "")
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            w = self.call("GET", f"{op}/wait?timeout=10", timeout=30)
            meta = w.get("metadata") or {}
            code = meta.get("status_code", 0)
            if code == 200:
                return w
            if code >= 400:
                raise StoreError(meta.get("err") or "LXD operation failed")
        raise StoreError(f"LXD operation {op} still running after {self.timeout}s")

    def name(self, vmid: int) -> str:
        return f"{self.prefix}{vmid}"

    def create(self, vmid: int, alias: str, cores: int, memory_mb: int,
               hostname: str | None = None, hwaddr: str | None = None) -> str:
        name = self.name(vmid)
        if self.by_hostname and hostname and re.fullmatch(r"[a-z][a-z0-9-]{0,62}", hostname):
            name = hostname
        body: dict[str, Any] = {
            "name": name, "type": "container",
            "source": {"type": "image", "alias": alias},
            "profiles": [self.profile],
            "config": {"limits.cpu": str(cores), "limits.memory": f"{memory_mb}MiB",
                       "user.pve-sim.vmid": str(vmid)},
        }
        if hwaddr:  # the MAC Proxmox gave net0 is the one the container's eth0 has
            body["config"]["volatile.eth0.hwaddr"] = hwaddr.lower()
        if self.pool:
            body["devices"] = {"root": {"type": "disk", "path": "/", "pool": self.pool}}
        self.call_wait("POST", "/1.0/instances", body)
        return name

    def set_state(self, name: str, action: str, force: bool) -> None:
        self.call_wait("PUT", f"/1.0/instances/{name}/state",
                       {"action": action, "timeout": 30, "force": force})

    def start(self, name: str) -> None:
        self.set_state(name, "start", False)

    def stop(self, name: str, force: bool = True) -> None:
        self.set_state(name, "stop", force)

    def running(self, name: str) -> bool:
        st = self.call("GET", f"/1.0/instances/{name}/state").get("metadata") or {}
        return st.get("status") == "Running"

    def delete(self, name: str) -> None:
        try:
            if self.running(name):
                self.stop(name, True)
        except StoreError:
            pass
        self.call_wait("DELETE", f"/1.0/instances/{name}")

    def set_limits(self, name: str, cores: int, memory_mb: int) -> None:
        self.call_wait("PATCH", f"/1.0/instances/{name}",
                       {"config": {"limits.cpu": str(cores), "limits.memory": f"{memory_mb}MiB"}})

    def set_address(self, name: str, address: str | None) -> None:
        """net0's static ip= (None: dhcp) as the NIC's ipv4.address, so LXD's DHCP hands the
        container that address and no other, as the static address does on Proxmox."""
        inst = self.call("GET", f"/1.0/instances/{name}").get("metadata") or {}
        nic = dict((inst.get("expanded_devices") or {}).get("eth0") or {})
        if nic.get("type") != "nic":
            raise StoreError(f"{name} has no eth0 nic to give {address}")
        if address:
            nic["ipv4.address"] = address
        else:
            nic.pop("ipv4.address", None)
        self.call_wait("PATCH", f"/1.0/instances/{name}", {"devices": {"eth0": nic}})

    def resize(self, name: str, size_bytes: int) -> None:
        inst = self.call("GET", f"/1.0/instances/{name}").get("metadata") or {}
        root = dict((inst.get("expanded_devices") or {}).get("root") or
                    {"type": "disk", "path": "/"})
        if self.pool:
            root["pool"] = self.pool
        root["size"] = f"{size_bytes // MIB}MiB"
        self.call_wait("PATCH", f"/1.0/instances/{name}", {"devices": {"root": root}})

    def snapshot(self, name: str, snap: str) -> None:
        self.call_wait("POST", f"/1.0/instances/{name}/snapshots", {"name": snap})

    def rollback(self, name: str, snap: str) -> None:
        self.call_wait("PUT", f"/1.0/instances/{name}", {"restore": snap})

    def delete_snapshot(self, name: str, snap: str) -> None:
        self.call_wait("DELETE", f"/1.0/instances/{name}/snapshots/{snap}")

    def interfaces(self, name: str, ct: "CT") -> list[dict]:
        st = self.call("GET", f"/1.0/instances/{name}/state").get("metadata") or {}
        net = st.get("network") or {}
        order = (["lo"] if "lo" in net else []) + sorted(k for k in net if k != "lo")
        out = []
        for ifname in order:
            iface = net[ifname] or {}
            addrs = [(a.get("family"), a.get("address"), int(a.get("netmask") or 0))
                     for a in iface.get("addresses") or []]
            out.append(iface_entry(ifname, iface.get("hwaddr") or "00:00:00:00:00:00", addrs))
        return out

    def orphans(self) -> list[str]:
        """Instances a previous run of the sim left behind (they carry user.pve-sim.vmid)."""
        reply = self.call("GET", "/1.0/instances?recursion=1")
        return [i["name"] for i in reply.get("metadata") or []
                if (self.by_hostname or i.get("name", "").startswith(self.prefix)) and
                "user.pve-sim.vmid" in (i.get("config") or {})]


class MemoryStore:
    """No containers: start/stop only flip the status; /interfaces shows made-up addresses."""

    kind = "memory"

    def __init__(self, dhcp_delay: float = 0.0):
        self.dhcp_delay = dhcp_delay

    def name(self, vmid: int) -> str:
        return f"mem-{vmid}"

    def create(self, vmid: int, alias: str, cores: int, memory_mb: int,
               hostname: str | None = None, hwaddr: str | None = None) -> str:
        return self.name(vmid)

    def start(self, name: str) -> None:
        pass

    def stop(self, name: str, force: bool = True) -> None:
        pass

    def delete(self, name: str) -> None:
        pass

    def set_limits(self, name: str, cores: int, memory_mb: int) -> None:
        pass

    def set_address(self, name: str, address: str | None) -> None:
        pass  # interfaces() reads net0's static ip= itself

    def resize(self, name: str, size_bytes: int) -> None:
        pass

    def snapshot(self, name: str, snap: str) -> None:
        pass

    def rollback(self, name: str, snap: str) -> None:
        pass

    def delete_snapshot(self, name: str, snap: str) -> None:
        pass

    def interfaces(self, name: str, ct: "CT") -> list[dict]:
        hw = parse_prop_string(ct.config.get("net0", "name=eth0")).get("hwaddr",
                                                                       "BC:24:11:00:00:00")
        addrs: list[tuple[str, str, int]] = []
        static = static_ip(ct.config.get("net0", ""))
        if static:
            addrs.append(("inet", static, 24))
        elif time.time() - ct.started >= self.dhcp_delay:
            addrs.append(("inet", f"10.{ct.node_index}.{ct.vmid // 250 % 250}.{ct.vmid % 250 + 2}",
                          24))
        addrs.append(("inet6", "fe80::be24:11ff:fe00:" + f"{ct.vmid % 65536:x}", 64))
        return [iface_entry("lo", "00:00:00:00:00:00", [("inet", "127.0.0.1", 8),
                                                        ("inet6", "::1", 128)]),
                iface_entry("eth0", hw.lower(), addrs)]

    def orphans(self) -> list[str]:
        return []


def static_ip(net0: str) -> str | None:
    """The address of a static ip=A.B.C.D/N in a netN property string; None for dhcp/manual."""
    ip = parse_prop_string(net0).get("ip", "") if net0 else ""
    return ip.split("/")[0] if re.match(r"^\d+\.\d+\.\d+\.\d+/\d+$", ip) else None


def iface_entry(name: str, hwaddr: str, addrs: list[tuple[str, str, int]]) -> dict:
    """One element of /interfaces: inet/inet6 hold the last address of each family."""
    entry: dict[str, Any] = {"name": name, "hwaddr": hwaddr, "hardware-address": hwaddr,
                             "ip-addresses": []}
    for family, addr, prefix in addrs:
        if family not in ("inet", "inet6"):
            continue
        entry[family] = f"{addr}/{prefix}"
        entry["ip-addresses"].append({"ip-address-type": family, "ip-address": addr,
                                      "prefix": prefix})
    return entry


# ---------------------------------------------------------------------------------------------
# Cluster state

@dataclass
class Node:
    name: str
    index: int
    online: bool = True
    maxmem: int = 64 * GIB
    mem: int = 2 * GIB           # base use; running CTs' memory is added on top
    maxcpu: int = 16
    cpu: float = 0.02


@dataclass
class CT:
    vmid: int
    node: str
    node_index: int
    config: dict[str, Any]
    kind: str = "lxc"            # "qemu" only for a foreign guest made by take-id
    instance: str | None = None  # the store's container, None until a clone has made it
    alias: str | None = None     # template: its LXD image alias
    status: str = "stopped"
    started: float = 0.0
    pinned_lock: bool = False    # a lock set by the control API: clones never clear it
    pool: str | None = None
    snapshots: dict[str, dict] = field(default_factory=dict)
    # What pvestatd's RRD last saw: /cluster/resources takes name and status from it, so a
    # new CT has neither there for up to --rrd-interval seconds (pve-manager extract_vm_stats).
    rrd_at: float = field(default_factory=time.time)
    rrd_name: str | None = None
    rrd_status: str = "unknown"

    @property
    def name(self) -> str:
        return self.config.get("hostname") or f"CT{self.vmid}"


@dataclass
class Task:
    upid: str
    node: str
    type: str
    id: str
    user: str
    tokenid: str | None
    pid: int
    pstart: int
    starttime: int
    status: str = "running"
    exitstatus: str | None = None
    log: list[str] = field(default_factory=list)


@dataclass
class Auth:
    user: str
    tokenid: str | None

    @property
    def upid_user(self) -> str:
        return f"{self.user}!{self.tokenid}" if self.tokenid else self.user


@dataclass
class Options:
    nodes: list[str]
    templates: list[tuple[int, str, str]]
    task_delays: dict[str, float]
    default_delay: float
    nextid_lower: int
    nextid_upper: int
    known_users: set[str] | None
    state_dir: str | None
    rrd_interval: float = 10.0


class Sim:
    """The cluster.  Every read-modify-write of the state holds self.lock; store calls (which
    may take seconds on LXD) run in task threads outside it."""

    def __init__(self, opts: Options, store: Any):
        self.opts = opts
        self.store = store
        self.lock = threading.RLock()
        self.pid = random.randrange(0x10000, 0x3fffff)
        self.pstart = random.randrange(0x100000, 0x1ffffff)
        self.listen = ""
        self.reset_state()

    # --- setup -------------------------------------------------------------------------------

    def reset_state(self) -> None:
        self.nodes = {n: Node(n, i) for i, n in enumerate(self.opts.nodes)}
        self.cts: dict[int, CT] = {}
        self.tasks: dict[str, Task] = {}
        self.acl: list[dict] = []
        self.delays = dict(self.opts.task_delays)
        self.faults: dict[str, list[tuple[str, str]]] = {}
        self.steal_next: dict | None = None
        for base, name, alias in self.opts.templates:
            for node in self.nodes.values():
                self.add_template(base + node.index, name, alias, node)

    def add_template(self, vmid: int, name: str, alias: str, node: Node) -> None:
        cfg = {"arch": "amd64", "cores": 1, "memory": 512, "swap": 512, "hostname": name,
               "ostype": "debian", "unprivileged": 1, "template": 1, "features": "nesting=1",
               "description": f"template {name} (LXD image {alias})",
               "rootfs": f"local:{vmid}/base-{vmid}-disk-0.raw,size=8G",
               "net0": f"name=eth0,bridge=vmbr0,hwaddr={new_hwaddr()},ip=dhcp,type=veth"}
        self.cts[vmid] = CT(vmid, node.name, node.index, cfg, alias=alias)

    def reset(self) -> None:
        """Control `reset`: removes every CT a clone made (their store containers too)."""
        with self.lock:
            doomed = [ct.instance for ct in self.cts.values() if ct.instance]
        for name in doomed:
            try:
                self.store.delete(name)
            except StoreError as e:
                sys.stderr.write(f"pve-sim: reset: {e}\n")
        with self.lock:
            self.reset_state()
            self.save()

    # --- state file --------------------------------------------------------------------------

    def snapshot_state(self) -> dict:
        with self.lock:
            return {
                "version": 1, "store": self.store.kind, "listen": self.listen,
                "nodes": {n.name: self.node_json(n, True) for n in self.nodes.values()},
                "cts": {str(ct.vmid): {"vmid": ct.vmid, "node": ct.node, "type": ct.kind,
                                       "hostname": ct.name, "instance": ct.instance,
                                       "status": ct.status, "lock": ct.config.get("lock"),
                                       "template": int(ct.config.get("template", 0)),
                                       "config": dict(ct.config)}
                        for ct in sorted(self.cts.values(), key=lambda c: c.vmid)},
                "acl": list(self.acl),
                "tasks": [{"upid": t.upid, "status": t.status, "exitstatus": t.exitstatus}
                          for t in self.tasks.values()][-200:],
            }

    def save(self) -> None:
        if not self.opts.state_dir:
            return
        data = json.dumps(self.snapshot_state(), indent=1, sort_keys=True)
        fd, tmp = tempfile.mkstemp(prefix=".state.", dir=self.opts.state_dir)
        with os.fdopen(fd, "w") as f:
            f.write(data + "\n")
        os.chmod(tmp, 0o644)
        os.replace(tmp, os.path.join(self.opts.state_dir, "state.json"))

    # --- lookups -----------------------------------------------------------------------------

    def node(self, name: str) -> Node:
        """/nodes/{name}/...: any node proxies to the named one."""
        n = self.nodes.get(name)
        if n is None:
            raise die(f"hostname lookup '{name}' failed - failed to get address info for: "
                      f"{name}: Name or service not known")
        if not n.online:
            raise ApiError(595, "No route to host")
        return n

    def ct_on(self, node: str, vmid: int) -> CT:
        ct = self.cts.get(vmid)
        if ct is None or ct.node != node or ct.kind != "lxc":
            raise die(f"Configuration file 'nodes/{node}/lxc/{vmid}.conf' does not exist")
        return ct

    def node_mem(self, n: Node) -> int:
        used = sum(int(c.config.get("memory", 512)) * MIB for c in self.cts.values()
                   if c.node == n.name and c.status == "running")
        return n.mem + used

    def node_json(self, n: Node, full: bool = False) -> dict:
        d: dict[str, Any] = {"node": n.name, "id": f"node/{n.name}", "type": "node",
                             "status": "online" if n.online else "offline", "level": "",
                             "ssl_fingerprint": "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:"
                                                "FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:"
                                                "EE:FF"}
        if n.online or full:
            d.update({"cpu": n.cpu, "maxcpu": n.maxcpu, "mem": self.node_mem(n),
                      "maxmem": n.maxmem, "uptime": 123456, "disk": 10 * GIB,
                      "maxdisk": 100 * GIB})
        return d

    def vmstatus(self, ct: CT) -> dict:
        cfg = ct.config
        size = disk_size(cfg.get("rootfs", ""))
        running = ct.status == "running"
        d: dict[str, Any] = {
            "vmid": ct.vmid, "name": ct.name, "status": ct.status, "type": ct.kind,
            "cpus": int(cfg.get("cores", 1)), "cpu": 0.01 if running else 0,
            "mem": 64 * MIB if running else 0, "maxmem": int(cfg.get("memory", 512)) * MIB,
            "swap": 0, "maxswap": int(cfg.get("swap", 512)) * MIB,
            "disk": 400 * MIB if running else 0, "maxdisk": size, "diskread": 0,
            "diskwrite": 0, "netin": 0, "netout": 0,
            "uptime": int(time.time() - ct.started) if running else 0,
            "template": int(cfg.get("template", 0)),
        }
        if running:
            d["pid"] = 10000 + ct.vmid
        for key in ("lock", "tags"):
            if cfg.get(key):
                d[key] = cfg[key]
        return d

    # --- tasks -------------------------------------------------------------------------------

    def new_task(self, node: str, ttype: str, tid: int | str, auth: Auth,
                 work: Callable[[Task], int], after: Callable[[Task], None]) -> str:
        """Starts a worker: sleeps the type's delay, consumes an injected fault, runs work (which
        returns a warning count or raises TaskFail), then after (always).  Returns the UPID."""
        with self.lock:
            self.pid += 1
            start = int(time.time())
            upid = (f"UPID:{node}:{self.pid:08X}:{self.pstart:08X}:{start:08X}:{ttype}:{tid}:"
                    f"{auth.upid_user}:")
            task = Task(upid, node, ttype, str(tid), auth.user, auth.tokenid, self.pid,
                        self.pstart, start)
            self.tasks[upid] = task
            fault = self.take_fault(ttype)
            delay = self.delays.get(ttype, self.opts.default_delay)
        threading.Thread(target=self.run_task, args=(task, delay, fault, work, after),
                         daemon=True).start()
        return upid

    def take_fault(self, ttype: str) -> tuple[str, str] | None:
        queue = self.faults.get(ttype) or self.faults.get("*")
        return queue.pop(0) if queue else None

    def run_task(self, task: Task, delay: float, fault: tuple[str, str] | None,
                 work: Callable[[Task], int], after: Callable[[Task], None]) -> None:
        warnings = 0
        error: str | None = None
        try:
            time.sleep(delay)
            if fault and fault[0] == "fail":
                raise TaskFail(fault[1])
            warnings = work(task)
            if fault and fault[0] == "warn":
                for i in range(int(fault[1])):
                    task.log.append(f"WARN: simulated warning {i + 1}")
                warnings += int(fault[1])
        except TaskFail as e:
            error = str(e)
        except StoreError as e:
            error = f"{task.type} failed: {e}"
        except Exception as e:  # noqa: BLE001 - a task never kills the sim
            error = f"unexpected error: {e}"
        try:
            after(task) if error is None else self.undo(task, after)
        except Exception as e:  # noqa: BLE001
            error = error or f"unexpected error: {e}"
        with self.lock:
            if error is not None:
                task.log.append(f"TASK ERROR: {error}")
                task.exitstatus = error
            elif warnings:
                task.log.append(f"TASK WARNINGS: {warnings}")
                task.exitstatus = f"WARNINGS: {warnings}"
            else:
                task.log.append("TASK OK")
                task.exitstatus = "OK"
            task.status = "stopped"
            self.save()

    def undo(self, task: Task, after: Callable[[Task], None]) -> None:
        task.failed = True  # type: ignore[attr-defined]
        after(task)

    # --- API: cluster ------------------------------------------------------------------------

    def nextid(self, vmid: int | None) -> str:
        with self.lock:
            if vmid is not None:
                if vmid in self.cts:
                    raise param_exc({"vmid": f"VM {vmid} already exists"})
                return str(vmid)
            for i in range(self.opts.nextid_lower, self.opts.nextid_upper):
                if i not in self.cts:
                    return str(i)
        raise die(f"unable to get any free VMID in range [{self.opts.nextid_lower}, "
                  f"{self.opts.nextid_upper}]")

    def resources(self, rtype: str | None) -> list[dict]:
        out: list[dict] = []
        with self.lock:
            if rtype in (None, "vm"):
                now = time.time()
                for ct in sorted(self.cts.values(), key=lambda c: c.vmid):
                    d = self.vmstatus(ct)
                    d.update({"id": f"{ct.kind}/{ct.vmid}", "node": ct.node,
                              "maxcpu": d.pop("cpus")})
                    if now - ct.rrd_at >= self.opts.rrd_interval:
                        ct.rrd_at, ct.rrd_name, ct.rrd_status = now, ct.name, ct.status
                    d["status"] = ct.rrd_status
                    if ct.rrd_name is None:
                        d.pop("name", None)
                    else:
                        d["name"] = ct.rrd_name
                    if not self.nodes[ct.node].online:
                        d["status"] = "unknown"
                    if ct.pool:
                        d["pool"] = ct.pool
                    out.append(d)
            if rtype in (None, "node"):
                out.extend(self.node_json(n) for n in self.nodes.values())
        return out

    # --- API: clone --------------------------------------------------------------------------

    def clone(self, node: str, vmid: int, p: dict, auth: Auth) -> str:
        with self.lock:
            self.node(node)
            src = self.ct_on(node, vmid)
            newid = p["newid"]
            self.steal_if_armed(newid)
            full = p.get("full", 0 if src.config.get("template") else 1)
            if "target" in p and p["target"] != node:
                raise die(f"can't clone CT to node '{p['target']}' (CT uses local storage)")
            if "storage" in p and not full:
                raise die("parameter 'storage' not allowed for linked clones")
            if src.status == "running" and full and "snapname" not in p:
                raise die("Full clone of a running container is only possible from a snapshot")
            if src.config.get("lock"):
                raise die(f"CT is locked ({src.config['lock']})")
            src.config["lock"] = "disk"
            taken = self.cts.get(newid)
            if taken is not None:
                if not src.pinned_lock:
                    src.config.pop("lock", None)
                kind = "CT" if taken.kind == "lxc" else "VM"
                raise die(f"CT {newid} already exists on node '{taken.node}'" if kind == "CT"
                          else f"VM {newid} already exists on node '{taken.node}'")
            cfg = {k: copy.copy(v) for k, v in src.config.items() if k not in ("template",)}
            cfg["lock"] = "create"
            cfg["rootfs"] = f"local:{newid}/vm-{newid}-disk-0.raw,size=8G"
            for key in [k for k in cfg if re.match(r"^net\d+$", k)]:
                props = parse_prop_string(cfg[key])
                props["hwaddr"] = new_hwaddr()
                cfg[key] = ",".join(f"{k}={v}" for k, v in props.items())
            for key in ("hostname", "description"):
                if key in p:
                    cfg[key] = p[key]
            self.cts[newid] = CT(newid, node, src.node_index, cfg, pool=p.get("pool"))
            self.save()
        alias = src.alias or ""

        def work(task: Task) -> int:
            task.log.append(f"create full clone of mountpoint rootfs ({src.config['rootfs']})")
            if not alias:
                raise TaskFail("clone failed: source has no image (clone of a clone is not "
                               "simulated)")
            name = self.store.create(newid, alias, int(cfg.get("cores", 1)),
                                     int(cfg.get("memory", 512)), cfg.get("hostname"),
                                     parse_prop_string(cfg.get("net0", "")).get("hwaddr"))
            with self.lock:
                self.cts[newid].instance = name
            task.log.append(f"cloned into {name}")
            return 0

        def after(task: Task) -> None:
            with self.lock:
                if not src.pinned_lock and src.config.get("lock") == "disk":
                    src.config.pop("lock", None)
                ct = self.cts.get(newid)
            if getattr(task, "failed", False):
                if ct is not None and ct.instance:
                    self.store.delete(ct.instance)
                with self.lock:
                    self.cts.pop(newid, None)
            elif ct is not None:
                with self.lock:
                    ct.config.pop("lock", None)

        return self.new_task(node, "vzclone", vmid, auth, work, after)

    def steal_if_armed(self, newid: int) -> None:
        steal = self.steal_next
        if steal is None:
            return
        self.steal_next = None
        if newid not in self.cts:
            self.take_id(newid, steal.get("node"), steal.get("kind", "lxc"))

    def take_id(self, vmid: int, node: str | None, kind: str) -> None:
        n = self.nodes[node] if node else next(iter(self.nodes.values()))
        cfg = {"hostname": f"foreign-{vmid}", "memory": 512, "cores": 1, "swap": 0}
        self.cts[vmid] = CT(vmid, n.name, n.index, cfg, kind=kind)

    # --- API: config -------------------------------------------------------------------------

    def get_config(self, node: str, vmid: int) -> dict:
        with self.lock:
            self.node(node)
            ct = self.ct_on(node, vmid)
            cfg = dict(ct.config)
            cfg["digest"] = digest(ct.config)
            return cfg

    def put_config(self, node: str, vmid: int, p: dict) -> None:
        with self.lock:
            self.node(node)
            ct = self.ct_on(node, vmid)
            if not p:
                raise die("no options specified")
            if "digest" in p and p["digest"] != digest(ct.config):
                raise die("detected modified configuration - file changed by other user? "
                          "Try again.")
            if ct.config.get("lock"):
                raise die(f"CT is locked ({ct.config['lock']})")
            if "unprivileged" in p:
                raise die("unable to modify read-only option: 'unprivileged'")
            for key in split_list(p.get("delete")):
                ct.config.pop(key, None)
            for key, v in p.items():
                if key in ("delete", "digest"):
                    continue
                if key == "tags" and v == "":
                    ct.config.pop("tags", None)
                    continue
                if re.match(r"^net\d+$", key) and "hwaddr=" not in v:
                    v = f"{v},hwaddr={new_hwaddr()}"
                ct.config[key] = v
            instance = ct.instance
            cores, memory = int(ct.config.get("cores", 1)), int(ct.config.get("memory", 512))
            self.save()
        if instance and ("cores" in p or "memory" in p):
            try:
                self.store.set_limits(instance, cores, memory)
            except StoreError as e:
                raise die(str(e)) from e
        if instance and "net0" in p:
            try:
                self.store.set_address(instance, static_ip(p["net0"]))
            except StoreError as e:
                raise die(str(e)) from e

    def resize(self, node: str, vmid: int, p: dict, auth: Auth) -> str:
        with self.lock:
            self.node(node)
            ct = self.ct_on(node, vmid)
            if ct.config.get("lock"):
                raise die(f"CT is locked ({ct.config['lock']})")
            disk = p["disk"]
            if disk not in ct.config:
                raise die(f"unable to parse volume ID '{disk}'" if disk != "rootfs"
                          else "no rootfs")
            cur = disk_size(ct.config[disk])
            rel, n = parse_size(p["size"])
            new = cur + n if rel else n
            if new < cur:
                raise die("unable to shrink disk size")
            instance = ct.instance

        def work(task: Task) -> int:
            task.log.append(f"  Logical volume \"vm-{vmid}-disk-0\" resized to {fmt_size(new)}")
            if instance and disk == "rootfs":
                self.store.resize(instance, new)
            with self.lock:
                vol = ct.config[disk].split(",")[0]
                ct.config[disk] = f"{vol},size={fmt_size(new)}"
            return 0

        return self.new_task(node, "resize", vmid, auth, work, lambda t: None)

    # --- API: power --------------------------------------------------------------------------

    def power(self, node: str, vmid: int, action: str, p: dict, auth: Auth) -> str:
        with self.lock:
            self.node(node)
            ct = self.ct_on(node, vmid)
            if action == "start" and ct.status == "running":
                raise die(f"CT {vmid} already running")
            if action != "start" and ct.status != "running":
                raise die(f"CT {vmid} not running")

        def work(task: Task) -> int:
            with self.lock:
                lock = ct.config.get("lock")
                template = ct.config.get("template")
                instance = ct.instance
            if action == "start":
                if template:
                    raise TaskFail("you can't start a CT if it's a template")
                if lock and not p.get("skiplock"):
                    raise TaskFail(f"CT is locked ({lock})")
                if instance:
                    self.store.start(instance)
                with self.lock:
                    ct.status, ct.started = "running", time.time()
            else:
                if instance:
                    self.store.stop(instance, action == "stop" or bool(p.get("forceStop")))
                with self.lock:
                    ct.status = "stopped"
            return 0

        ttype = {"start": "vzstart", "stop": "vzstop", "shutdown": "vzshutdown"}[action]
        return self.new_task(node, ttype, vmid, auth, work, lambda t: None)

    def destroy(self, node: str, vmid: int, p: dict, auth: Auth) -> str:
        with self.lock:
            self.node(node)
            ct = self.ct_on(node, vmid)
            if ct.config.get("lock"):
                raise die(f"CT is locked ({ct.config['lock']})")
            if ct.status == "running" and not p.get("force"):
                raise die(f"unable to destroy CT {vmid} - container is running")
            if ct.config.get("protection"):
                raise die("can't remove CT - protection mode enabled")

        def work(task: Task) -> int:
            if ct.instance:
                self.store.delete(ct.instance)
                task.log.append(f"removed {ct.instance}")
            with self.lock:
                self.cts.pop(vmid, None)
                self.acl = [a for a in self.acl
                            if a["path"] not in (f"/vms/{vmid}",)]
            return 0

        return self.new_task(node, "vzdestroy", vmid, auth, work, lambda t: None)

    def interfaces(self, node: str, vmid: int) -> list | None:
        with self.lock:
            self.node(node)
            ct = self.ct_on(node, vmid)
            if ct.status != "running":
                return None
            instance = ct.instance
        if instance is None:    # a foreign CT (take-id) has no container: loopback only
            return [iface_entry("lo", "00:00:00:00:00:00", [("inet", "127.0.0.1", 8)])]
        try:
            return self.store.interfaces(instance, ct)
        except StoreError as e:
            raise die(str(e)) from e

    # --- API: snapshots ----------------------------------------------------------------------

    def snapshots(self, node: str, vmid: int) -> list[dict]:
        with self.lock:
            self.node(node)
            ct = self.ct_on(node, vmid)
            out = [dict(s) for s in ct.snapshots.values()]
            last = max(ct.snapshots.values(), key=lambda s: s["snaptime"], default=None)
            cur = {"name": "current", "description": "You are here!",
                   "running": int(ct.status == "running")}
            if last:
                cur["parent"] = last["name"]
            return out + [cur]

    def snapshot_op(self, node: str, vmid: int, op: str, snap: str, p: dict,
                    auth: Auth) -> str:
        with self.lock:
            self.node(node)
            ct = self.ct_on(node, vmid)
            if ct.config.get("lock"):
                raise die(f"CT is locked ({ct.config['lock']})")
            if op == "create" and snap in ct.snapshots:
                raise die(f"snapshot name '{snap}' already used")
            if op != "create" and snap not in ct.snapshots:
                raise die(f"snapshot '{snap}' does not exist")
            lock = {"create": "snapshot", "rollback": "rollback",
                    "delete": "snapshot-delete"}[op]
            ct.config["lock"] = lock

        def work(task: Task) -> int:
            inst = ct.instance
            if op == "create":
                if inst:
                    self.store.snapshot(inst, snap)
                with self.lock:
                    parent = max(ct.snapshots.values(), key=lambda s: s["snaptime"],
                                 default=None)
                    entry = {"name": snap, "description": p.get("description", ""),
                             "snaptime": int(time.time())}
                    if parent:
                        entry["parent"] = parent["name"]
                    ct.snapshots[snap] = entry
            elif op == "rollback":
                if inst and ct.status == "running":
                    self.store.stop(inst, True)
                    with self.lock:
                        ct.status = "stopped"
                if inst:
                    self.store.rollback(inst, snap)
                if p.get("start") and inst:
                    self.store.start(inst)
                    with self.lock:
                        ct.status, ct.started = "running", time.time()
            else:
                if inst:
                    self.store.delete_snapshot(inst, snap)
                with self.lock:
                    ct.snapshots.pop(snap, None)
            return 0

        def after(task: Task) -> None:
            with self.lock:
                if ct.config.get("lock") == lock:
                    ct.config.pop("lock", None)

        ttype = {"create": "vzsnapshot", "rollback": "vzrollback", "delete": "vzdelsnapshot"}[op]
        return self.new_task(node, ttype, vmid, auth, work, after)

    # --- API: tasks --------------------------------------------------------------------------

    def task(self, node: str, upid: str) -> Task:
        if not UPID_RE.match(upid):
            raise param_exc({"upid": "unable to parse worker upid"})
        t = self.tasks.get(upid)
        if t is None or t.node != node:
            raise param_exc({"upid": "no such task"})
        return t

    def task_status(self, node: str, upid: str) -> dict:
        with self.lock:
            self.node(node)
            t = self.task(node, upid)
            d: dict[str, Any] = {"upid": t.upid, "node": t.node, "pid": t.pid,
                                 "pstart": t.pstart, "starttime": t.starttime, "type": t.type,
                                 "id": t.id, "user": t.user, "status": t.status}
            if t.tokenid:
                d["tokenid"] = t.tokenid
            if t.status == "stopped":
                d["exitstatus"] = t.exitstatus
            return d

    def task_log(self, node: str, upid: str, start: int, limit: int) -> tuple[list, int]:
        with self.lock:
            self.node(node)
            t = self.task(node, upid)
            lines = t.log[start:start + limit] if limit else t.log[start:]
            return [{"n": start + i + 1, "t": line} for i, line in enumerate(lines)], len(t.log)

    # --- API: ACL ----------------------------------------------------------------------------

    def put_acl(self, p: dict) -> None:
        path = p["path"]
        if not ACL_PATH_RE.match(path):
            raise param_exc({"path": f"invalid ACL path '{path}'"})
        users, groups, tokens = (split_list(p.get(k)) for k in ("users", "groups", "tokens"))
        if not (users or groups or tokens):
            msg = "either 'users', 'groups' or 'tokens' is required."
            raise param_exc({"users": msg, "groups": msg, "tokens": msg})
        roles = split_list(p["roles"])
        with self.lock:
            for role in roles:
                if role not in ROLES:
                    raise die(f"role '{role}' does not exist")
            for u in users:
                if not USERID_RE.match(u):
                    raise param_exc({"users": f"value '{u}' does not look like a valid user "
                                              "name"})
                if self.opts.known_users is not None and u not in self.opts.known_users:
                    raise die(f"user '{u}' does not exist")
            for t in tokens:
                if not TOKENID_RE.match(t):
                    raise param_exc({"tokens": f"value '{t}' does not look like a valid "
                                               "token ID"})
            propagate = p.get("propagate", 1)
            for kind, ids in (("user", users), ("group", groups), ("token", tokens)):
                for ugid in ids:
                    for role in roles:
                        self.acl = [a for a in self.acl if not (
                            a["path"] == path and a["type"] == kind and a["ugid"] == ugid and
                            a["roleid"] == role)]
                        if not p.get("delete"):
                            self.acl.append({"path": path, "type": kind, "ugid": ugid,
                                             "roleid": role, "propagate": propagate})
            self.save()

    # --- control API -------------------------------------------------------------------------

    def control(self, req: dict) -> dict:
        op = req.get("op")
        if op == "reset":
            self.reset()
            return {"ok": True}
        with self.lock:
            result = self.control_locked(op, req)
            self.save()
        return result

    def control_locked(self, op: Any, req: dict) -> dict:
        def node() -> Node:
            n = self.nodes.get(req.get("node", ""))
            if n is None:
                raise ValueError(f"unknown node {req.get('node')!r}")
            return n

        def ct() -> CT:
            c = self.cts.get(int(req.get("vmid", 0)))
            if c is None:
                raise ValueError(f"no CT {req.get('vmid')}")
            return c

        if op in ("node-offline", "node-online"):
            node().online = op == "node-online"
        elif op == "node-set":
            n = node()
            for key, conv in (("mem", int), ("maxmem", int), ("cpu", float), ("maxcpu", int)):
                if key in req:
                    setattr(n, key, conv(req[key]))
        elif op == "task-delay":
            self.delays[str(req["type"])] = float(req["seconds"])
        elif op == "fail-next":
            self.faults.setdefault(str(req["type"]), []).append(("fail", str(req["text"])))
        elif op == "warn-next":
            self.faults.setdefault(str(req["type"]), []).append(
                ("warn", str(int(req.get("count", 1)))))
        elif op == "steal-next-clone":
            self.steal_next = {"node": req.get("node"), "kind": req.get("kind", "lxc")}
        elif op == "take-id":
            vmid = int(req["vmid"])
            if vmid in self.cts:
                raise ValueError(f"id {vmid} is taken already")
            if req.get("node"):
                node()
            self.take_id(vmid, req.get("node"), req.get("kind", "lxc"))
        elif op == "lock":
            c = ct()
            lock = req.get("lock", "disk")
            if lock not in LOCKS:
                raise ValueError(f"lock must be one of {', '.join(LOCKS)}")
            c.config["lock"], c.pinned_lock = lock, True
        elif op == "unlock":
            c = ct()
            c.config.pop("lock", None)
            c.pinned_lock = False
        elif op == "dhcp-delay":
            if isinstance(self.store, MemoryStore):
                self.store.dhcp_delay = float(req["seconds"])
        else:
            raise ValueError(f"unknown op {op!r}")
        return {"ok": True}


def digest(cfg: dict) -> str:
    return hashlib.sha1(json.dumps(cfg, sort_keys=True).encode()).hexdigest()


# ---------------------------------------------------------------------------------------------
# Routes: (method, path regex, schema, handler(sim, match, params, auth) -> data)

VMID_PATH = r"/nodes/(?P<node>[^/]+)/lxc/(?P<vmid>[^/]+)"
CONFIG_SCHEMA = {
    "hostname": P("dns", maxlen=255), "description": P("str", maxlen=8192),
    "tags": P("tags"), "cores": P("int", lo=1, hi=8192), "cpulimit": P("num", lo=0),
    "cpuunits": P("int", lo=0, hi=500000), "memory": P("int", lo=16),
    "swap": P("int", lo=0), "onboot": P("bool"), "protection": P("bool"),
    "features": P("str"), "nameserver": P("str"), "searchdomain": P("str"),
    "startup": P("str"), "timezone": P("str"), "env": P("str"), "entrypoint": P("str"),
    "unprivileged": P("bool"), "netN": P("net"), "delete": P("str"), "digest": P("str"),
    "revert": P("str"),
}
CLONE_SCHEMA = {
    "newid": P("vmid", required=True), "hostname": P("dns", maxlen=255),
    "description": P("str", maxlen=8192), "pool": P("str"), "snapname": P("str"),
    "storage": P("str"), "full": P("bool"), "target": P("node"), "bwlimit": P("num", lo=0),
}


def path_args(m: re.Match) -> dict[str, Any]:
    """node and vmid from the path, checked like PVE checks them (400)."""
    d = m.groupdict()
    schema = {k: v for k, v in (("node", P("node", required=True)),
                                ("vmid", P("vmid", required=True))) if k in d}
    return validate({k: d[k] for k in schema}, schema)


def h_version(sim: Sim, m: re.Match, p: dict, auth: Auth) -> Any:
    return {"version": "8.4.1", "release": "8.4", "repoid": "2a5fa54a8503f96d"}


def h_nodes(sim: Sim, m: re.Match, p: dict, auth: Auth) -> Any:
    with sim.lock:
        return [sim.node_json(n) for n in sim.nodes.values()]


def h_nextid(sim: Sim, m: re.Match, p: dict, auth: Auth) -> Any:
    return sim.nextid(p.get("vmid"))


def h_resources(sim: Sim, m: re.Match, p: dict, auth: Auth) -> Any:
    return sim.resources(p.get("type"))


def h_lxc_list(sim: Sim, m: re.Match, p: dict, auth: Auth) -> Any:
    a = path_args(m)
    with sim.lock:
        sim.node(a["node"])
        return [sim.vmstatus(ct) for ct in sorted(sim.cts.values(), key=lambda c: c.vmid)
                if ct.node == a["node"] and ct.kind == "lxc"]


def h_clone(sim: Sim, m: re.Match, p: dict, auth: Auth) -> Any:
    a = path_args(m)
    return sim.clone(a["node"], a["vmid"], p, auth)


def h_config_get(sim: Sim, m: re.Match, p: dict, auth: Auth) -> Any:
    a = path_args(m)
    return sim.get_config(a["node"], a["vmid"])


def h_config_put(sim: Sim, m: re.Match, p: dict, auth: Auth) -> Any:
    a = path_args(m)
    sim.put_config(a["node"], a["vmid"], p)
    return None


def h_resize(sim: Sim, m: re.Match, p: dict, auth: Auth) -> Any:
    a = path_args(m)
    return sim.resize(a["node"], a["vmid"], p, auth)


def h_status_current(sim: Sim, m: re.Match, p: dict, auth: Auth) -> Any:
    a = path_args(m)
    with sim.lock:
        sim.node(a["node"])
        d = sim.vmstatus(sim.ct_on(a["node"], a["vmid"]))
    d["ha"] = {"managed": 0}
    return d


def h_power(sim: Sim, m: re.Match, p: dict, auth: Auth) -> Any:
    a = path_args(m)
    return sim.power(a["node"], a["vmid"], m.group("action"), p, auth)


def h_interfaces(sim: Sim, m: re.Match, p: dict, auth: Auth) -> Any:
    a = path_args(m)
    return sim.interfaces(a["node"], a["vmid"])


def h_destroy(sim: Sim, m: re.Match, p: dict, auth: Auth) -> Any:
    a = path_args(m)
    return sim.destroy(a["node"], a["vmid"], p, auth)


def h_snap_list(sim: Sim, m: re.Match, p: dict, auth: Auth) -> Any:
    a = path_args(m)
    return sim.snapshots(a["node"], a["vmid"])


def h_snap_create(sim: Sim, m: re.Match, p: dict, auth: Auth) -> Any:
    a = path_args(m)
    return sim.snapshot_op(a["node"], a["vmid"], "create", p["snapname"], p, auth)


def h_snap_rollback(sim: Sim, m: re.Match, p: dict, auth: Auth) -> Any:
    a = path_args(m)
    return sim.snapshot_op(a["node"], a["vmid"], "rollback", m.group("snap"), p, auth)


def h_snap_delete(sim: Sim, m: re.Match, p: dict, auth: Auth) -> Any:
    a = path_args(m)
    return sim.snapshot_op(a["node"], a["vmid"], "delete", m.group("snap"), p, auth)


def h_task_status(sim: Sim, m: re.Match, p: dict, auth: Auth) -> Any:
    a = path_args(m)
    return sim.task_status(a["node"], m.group("upid"))


def h_task_log(sim: Sim, m: re.Match, p: dict, auth: Auth) -> Any:
    a = path_args(m)
    return sim.task_log(a["node"], m.group("upid"), p.get("start", 0), p.get("limit", 50))


def h_tasks(sim: Sim, m: re.Match, p: dict, auth: Auth) -> Any:
    a = path_args(m)
    with sim.lock:
        sim.node(a["node"])
        return [{"upid": t.upid, "node": t.node, "type": t.type, "id": t.id, "user": t.user,
                 "starttime": t.starttime, "status": t.exitstatus or "running"}
                for t in sim.tasks.values() if t.node == a["node"]]


def h_acl_get(sim: Sim, m: re.Match, p: dict, auth: Auth) -> Any:
    with sim.lock:
        return [dict(a) for a in sim.acl]


def h_acl_put(sim: Sim, m: re.Match, p: dict, auth: Auth) -> Any:
    sim.put_acl(p)
    return None


ROUTES: list[tuple[str, re.Pattern, dict[str, P], Callable]] = [
    (meth, re.compile("^" + path + "$"), schema, fn) for meth, path, schema, fn in [
        ("GET", r"/version", {}, h_version),
        ("GET", r"/nodes", {}, h_nodes),
        ("GET", r"/cluster/nextid", {"vmid": P("vmid")}, h_nextid),
        ("GET", r"/cluster/resources", {"type": P("enum", values=("vm", "storage", "node",
                                                                  "sdn"))}, h_resources),
        ("GET", r"/nodes/(?P<node>[^/]+)/lxc", {}, h_lxc_list),
        ("POST", VMID_PATH + r"/clone", CLONE_SCHEMA, h_clone),
        ("GET", VMID_PATH + r"/config", {"current": P("bool"), "snapshot": P("str")},
         h_config_get),
        ("PUT", VMID_PATH + r"/config", CONFIG_SCHEMA, h_config_put),
        ("PUT", VMID_PATH + r"/resize",
         {"disk": P("enum", required=True, values=("rootfs",) + tuple(f"mp{i}"
                                                                     for i in range(256))),
          "size": P("size", required=True), "digest": P("str")}, h_resize),
        ("GET", VMID_PATH + r"/status/current", {}, h_status_current),
        ("POST", VMID_PATH + r"/status/(?P<action>start)",
         {"skiplock": P("bool"), "debug": P("bool")}, h_power),
        ("POST", VMID_PATH + r"/status/(?P<action>stop)",
         {"skiplock": P("bool"), "overrule-shutdown": P("bool")}, h_power),
        ("POST", VMID_PATH + r"/status/(?P<action>shutdown)",
         {"timeout": P("int", lo=0), "forceStop": P("bool")}, h_power),
        ("GET", VMID_PATH + r"/interfaces", {}, h_interfaces),
        ("DELETE", VMID_PATH, {"purge": P("bool"), "force": P("bool"),
                               "destroy-unreferenced-disks": P("bool")}, h_destroy),
        ("GET", VMID_PATH + r"/snapshot", {}, h_snap_list),
        ("POST", VMID_PATH + r"/snapshot",
         {"snapname": P("str", required=True), "description": P("str")}, h_snap_create),
        ("POST", VMID_PATH + r"/snapshot/(?P<snap>[^/]+)/rollback", {"start": P("bool")},
         h_snap_rollback),
        ("DELETE", VMID_PATH + r"/snapshot/(?P<snap>[^/]+)", {"force": P("bool")},
         h_snap_delete),
        ("GET", r"/nodes/(?P<node>[^/]+)/tasks", {"start": P("int", lo=0),
                                                  "limit": P("int", lo=0)}, h_tasks),
        ("GET", r"/nodes/(?P<node>[^/]+)/tasks/(?P<upid>[^/]+)/status", {}, h_task_status),
        ("GET", r"/nodes/(?P<node>[^/]+)/tasks/(?P<upid>[^/]+)/log",
         {"start": P("int", lo=0), "limit": P("int", lo=0), "download": P("bool")},
         h_task_log),
        ("GET", r"/access/acl", {}, h_acl_get),
        ("PUT", r"/access/acl",
         {"path": P("str", required=True), "roles": P("str", required=True),
          "users": P("str"), "groups": P("str"), "tokens": P("str"), "propagate": P("bool"),
          "delete": P("bool")}, h_acl_put),
    ]
]


# ---------------------------------------------------------------------------------------------
# HTTP

JSON_TYPE = "application/json;charset=UTF-8"


def compact(doc: Any) -> bytes:
    """JSON as PVE writes it: no spaces."""
    return json.dumps(doc, separators=(",", ":")).encode()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "pve-api-daemon/3.0"
    server: "SimServer"

    def version_string(self) -> str:
        return self.server_version

    def log_message(self, fmt: str, *args: Any) -> None:
        if self.server.verbose:
            sys.stderr.write("pve-sim: %s %s\n" % (self.address_string(), fmt % args))

    def do_GET(self) -> None:
        self.dispatch("GET")

    def do_POST(self) -> None:
        self.dispatch("POST")

    def do_PUT(self) -> None:
        self.dispatch("PUT")

    def do_DELETE(self) -> None:
        self.dispatch("DELETE")

    def do_PATCH(self) -> None:
        self.dispatch("PATCH")

    # --- responses ---------------------------------------------------------------------------

    def reply(self, code: int, reason: str, body: bytes, ctype: str | None) -> None:
        reason = reason.split("\n")[0].encode("latin-1", "replace").decode("latin-1")
        self.send_response(code, reason)
        if ctype:
            self.send_header("Content-Type", ctype)
        self.send_header("Cache-Control", "max-age=0")
        self.send_header("Pragma", "no-cache")
        self.send_header("Expires", formatdate(usegmt=True))
        self.send_header("Content-Length", str(len(body)))
        if code >= 400:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def reply_data(self, data: Any, extra: dict | None = None) -> None:
        doc = {"data": data}
        doc.update(extra or {})
        self.reply(200, "OK", compact(doc), JSON_TYPE)

    def reply_error(self, e: ApiError) -> None:
        if e.code == 401:
            time.sleep(self.server.auth_delay)
            self.reply(401, e.message, b"", None)
            return
        doc: dict[str, Any] = {"data": None}
        if not self.server.legacy_errors:
            doc["message"] = e.message.rstrip("\n") + "\n"
        if e.errors:
            doc["errors"] = e.errors
        self.reply(e.code, e.message, compact(doc), JSON_TYPE)

    # --- requests ----------------------------------------------------------------------------

    def read_body(self, method: str) -> bytes:
        length = self.headers.get("Content-Length")
        if length is None:
            return b""
        try:
            n = int(length)
        except ValueError:
            raise ApiError(400, "bad request - invalid Content-Length") from None
        if n > MAX_BODY:
            raise ApiError(413, "request too large")
        data = self.rfile.read(n) if n > 0 else b""
        if data and method in ("GET", "DELETE"):
            raise ApiError(501, f"Unexpected content for method '{method}'")
        return data

    def authenticate(self) -> Auth:
        header = self.headers.get("Authorization", "")
        m = re.search(r"(?:^|\s)PVEAPIToken(?:=| )([^;]*)", header)
        if not m:
            raise ApiError(401, "No ticket")
        value = urllib.parse.unquote(m.group(1).strip())
        tokenid, sep, secret = value.rpartition("=")
        if not sep or self.server.tokens.get(tokenid) != secret:
            raise ApiError(401, "Authentication failed!")
        user, _, tok = tokenid.partition("!")
        return Auth(user, tok or None)

    def params(self, method: str, body: bytes, query: str) -> dict[str, Any]:
        params: dict[str, Any] = {}
        if method in ("POST", "PUT") and body:
            ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
            if ctype == "application/json":
                try:
                    params = json.loads(body)
                except ValueError:
                    raise ApiError(400, "malformed JSON string") from None
                if not isinstance(params, dict):
                    raise ApiError(400, "malformed JSON string")
            else:
                params = decode_urlencoded(body.decode("utf-8", "replace"))
        params.update(decode_urlencoded(query))
        return params

    def dispatch(self, method: str) -> None:
        try:
            url = urllib.parse.urlsplit(self.path)
            body = self.read_body(method)
            if url.path.startswith("/_sim/"):
                self.control(method, url.path, body)
                return
            if not url.path.startswith("/api2/json/"):
                raise ApiError(501, f"Method '{method} {url.path}' not implemented")
            rel = "/" + "/".join(urllib.parse.unquote(s)
                                 for s in url.path[len("/api2/json/"):].split("/") if s)
            route = next(((r, m) for r in ROUTES if r[0] == method
                          for m in [r[1].match(rel)] if m), None)
            auth = self.authenticate()
            if route is None:
                raise ApiError(501, f"Method '{method} {rel}' not implemented")
            (_, _, schema, fn), m = route
            params = validate(self.params(method, body, url.query), schema)
            data = fn(self.server.sim, m, params, auth)
            if fn is h_task_log:
                self.reply_data(data[0], {"total": data[1]})
            else:
                self.reply_data(data)
        except ApiError as e:
            self.reply_error(e)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def control(self, method: str, path: str, body: bytes) -> None:
        token = self.server.control_token
        given = self.headers.get("Authorization", "")
        if not token or given != f"Bearer {token}":
            raise ApiError(403, "control API: bad or missing control token")
        sim = self.server.sim
        if method == "GET" and path == "/_sim/state":
            self.reply(200, "OK", json.dumps(sim.snapshot_state()).encode(), "application/json")
            return
        if method != "POST" or path != "/_sim/ctl":
            raise ApiError(501, f"Method '{method} {path}' not implemented")
        try:
            req = json.loads(body or b"{}")
            result = sim.control(req)
        except (ValueError, KeyError, TypeError) as e:
            raise ApiError(400, f"control: {e}") from None
        self.reply(200, "OK", json.dumps(result).encode(), "application/json")


class SimServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, addr: tuple[str, int], sim: Sim, ctx: ssl.SSLContext,
                 tokens: dict[str, str], control_token: str | None, auth_delay: float,
                 legacy_errors: bool, verbose: bool):
        super().__init__(addr, Handler)
        self.sim = sim
        self.ctx = ctx
        self.tokens = tokens
        self.control_token = control_token
        self.auth_delay = auth_delay
        self.legacy_errors = legacy_errors
        self.verbose = verbose

    def finish_request(self, request: Any, client_address: Any) -> None:
        """TLS handshake in the connection's own thread, not in the accept loop."""
        try:
            request.settimeout(60)
            tls = self.ctx.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError):
            return
        try:
            super().finish_request(tls, client_address)
        finally:
            try:
                tls.close()
            except OSError:
                pass


# ---------------------------------------------------------------------------------------------
# main

def read_tokens(path: str) -> dict[str, str]:
    """Lines USER@REALM!TOKENID=SECRET; # comments and blank lines ignored."""
    tokens: dict[str, str] = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            tokenid, sep, secret = line.rpartition("=")
            if not sep or not TOKENID_RE.match(tokenid):
                raise SystemExit(f"pve-sim: {path}: bad token line {line!r}")
            tokens[tokenid] = secret
    return tokens


def parse_template(v: str) -> tuple[int, str, str]:
    parts = v.split(":", 2)
    if len(parts) != 3 or not parts[0].isdigit() or not DNS_RE.match(parts[1]):
        raise argparse.ArgumentTypeError("expected VMID:NAME:LXD_IMAGE_ALIAS")
    return int(parts[0]), parts[1], parts[2]


def parse_delay(v: str) -> tuple[str, float]:
    ttype, sep, secs = v.partition("=")
    if not sep:
        raise argparse.ArgumentTypeError("expected TYPE=SECONDS")
    return ttype, float(secs)


def parse_args(argv: list[str]) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="pve-sim", description="Proxmox VE API test double")
    ap.add_argument("--listen", default="127.0.0.1:8006", help="HOST:PORT (port 0: any)")
    ap.add_argument("--cert", required=True, help="TLS certificate (PEM)")
    ap.add_argument("--key", required=True, help="TLS private key (PEM)")
    ap.add_argument("--tokens", required=True, help="file of USER@REALM!TOKENID=SECRET lines")
    ap.add_argument("--control-token-file", help="secret for /_sim/ (off without it)")
    ap.add_argument("--nodes", default="pve1,pve2,pve3", help="comma-separated node names")
    ap.add_argument("--template", action="append", type=parse_template, default=[],
                    metavar="VMID:NAME:ALIAS", help="template on every node as VMID+index")
    ap.add_argument("--store", choices=("lxd", "memory"), default="lxd")
    ap.add_argument("--lxd-socket", default=os.path.join(os.environ.get("LXD_DIR",
                                                                        "/var/lib/lxd"),
                                                         "unix.socket"))
    ap.add_argument("--lxd-profile", default="default")
    ap.add_argument("--lxd-pool", default=None)
    ap.add_argument("--lxd-prefix", default="pve-", help="instance name = PREFIX + vmid")
    ap.add_argument("--lxd-name", choices=("vmid", "hostname"), default="vmid",
                    help="name instances PREFIX+vmid, or after the CT's hostname (the rig)")
    ap.add_argument("--state", metavar="DIR", help="write DIR/state.json after each change")
    ap.add_argument("--auth-delay", type=float, default=3.0, help="seconds before a 401")
    ap.add_argument("--task-delay", action="append", type=parse_delay, default=[],
                    metavar="TYPE=SECONDS")
    ap.add_argument("--default-task-delay", type=float, default=0.2)
    ap.add_argument("--dhcp-delay", type=float, default=0.0, help="memory store: seconds "
                    "after start before eth0 has an IPv4 address")
    ap.add_argument("--nextid-range", default="100:1000000", metavar="LOWER:UPPER")
    ap.add_argument("--rrd-interval", type=float, default=10.0, metavar="S",
                    help="how stale /cluster/resources' name and status are (pvestatd, 10 s)")
    ap.add_argument("--user", action="append", dest="users", metavar="USERID",
                    help="users that exist for PUT /access/acl (default: any)")
    ap.add_argument("--legacy-errors", action="store_true",
                    help="error bodies {\"data\":null} without message (PVE < 8.4)")
    ap.add_argument("--verbose", action="store_true")
    return ap.parse_args(argv)


def make_store(a: argparse.Namespace) -> Any:
    if a.store == "memory":
        return MemoryStore(a.dhcp_delay)
    store = LxdStore(a.lxd_socket, a.lxd_profile, a.lxd_pool, a.lxd_prefix,
                     by_hostname=a.lxd_name == "hostname")
    for name in store.orphans():
        sys.stderr.write(f"pve-sim: deleting {name}, left by an earlier run\n")
        store.delete(name)
    return store


def main(argv: list[str]) -> int:
    a = parse_args(argv)
    lower, _, upper = a.nextid_range.partition(":")
    opts = Options(nodes=[n for n in a.nodes.split(",") if n], templates=a.template,
                   task_delays=dict(a.task_delay), default_delay=a.default_task_delay,
                   nextid_lower=int(lower), nextid_upper=int(upper),
                   known_users=set(a.users) if a.users else None, state_dir=a.state,
                   rrd_interval=a.rrd_interval)
    if a.state:
        os.makedirs(a.state, exist_ok=True)
    control_token = None
    if a.control_token_file:
        with open(a.control_token_file, encoding="utf-8") as f:
            control_token = f.read().strip()
    sim = Sim(opts, make_store(a))
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(a.cert, a.key)
    host, _, port = a.listen.rpartition(":")
    server = SimServer((host, int(port)), sim, ctx, read_tokens(a.tokens), control_token,
                       a.auth_delay, a.legacy_errors, a.verbose)
    sim.listen = f"{host}:{server.server_address[1]}"
    sim.save()
    sys.stderr.write(f"pve-sim: listening on https://{sim.listen} ({a.store} store, nodes "
                     f"{','.join(opts.nodes)})\n")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
